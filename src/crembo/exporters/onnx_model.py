"""The tree as an ONNX model, through skl2onnx, for onnxruntime and the other ONNX runtimes.

The model takes ``X``, float32 of shape (n_rows, n_features) with the model's features in
order (one-hot columns as 0/1, missing values as NaN: what :func:`crembo.csv_files.encode_like`
gives), and returns ``label`` and ``probabilities`` (one column per class). The feature and
class names ride in the model's metadata (``crembo_features``, ``crembo_classes``: JSON).

scikit-learn rounds the rows to float32 too, so the thresholds carry over exactly (skl2onnx
adjusts them to float32). The probabilities become float32: where two classes of a leaf
would then tie, the runner-up is lowered by at most ``2**-20`` of the winner's probability
(< 1e-6), so that the label stays the class the tree predicts.
"""

from __future__ import annotations

import copy
import json

import numpy as np

from crembo.exporters.tree import ExportTree

#: Relative gap kept between a leaf's winning probability and the others in float32.
_GAP = 2.0**-20


def to_onnx(tree: ExportTree) -> bytes:
    """The serialized ONNX model (``ModelProto`` bytes).

    Raises
    ------
    ImportError
        skl2onnx is not installed (``pip install crembo[export]``).
    ValueError
        skl2onnx cannot convert the tree (its class labels, say).
    """
    try:
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType
    except ImportError:
        raise ImportError(
            "ONNX export needs skl2onnx (and onnxruntime to run it): pip install 'crembo[export]'."
        ) from None
    est = _without_float32_ties(tree)
    try:
        model = convert_sklearn(
            est,
            name="crembo_tree",
            initial_types=[("X", FloatTensorType([None, len(tree.features)]))],
            options={id(est): {"zipmap": False}},
        )
    except Exception as exc:  # skl2onnx raises many kinds; say which and why, in one line
        raise ValueError(
            f"skl2onnx cannot convert the tree: {type(exc).__name__}: {' '.join(str(exc).split())}"
        ) from None
    _send_missing_values(model, est)
    props = {
        "crembo_features": json.dumps([f.name for f in tree.features], ensure_ascii=False),
        "crembo_classes": json.dumps(list(tree.classes), ensure_ascii=False),
    }
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.producer_name = "crembo"
    return model.SerializeToString()


def _send_missing_values(model, est) -> None:
    """Send missing values (NaN) the way the tree does: skl2onnx writes no direction for a
    plain decision tree (every NaN goes right), so the tree's ``missing_go_to_left`` is set
    on each branch node here (true branch: left)."""
    left = np.asarray(est.tree_.missing_go_to_left, dtype=bool)
    nodes = [n for n in model.graph.node if n.op_type == "TreeEnsembleClassifier"]
    if len(nodes) != 1:
        raise ValueError(f"skl2onnx wrote {len(nodes)} tree ensembles for one tree.")
    attrs = {a.name: a for a in nodes[0].attribute}
    ids = list(attrs["nodes_nodeids"].ints)
    modes = [m.decode() for m in attrs["nodes_modes"].strings]
    tracks = [int(mode != "LEAF" and left[i]) for i, mode in zip(ids, modes, strict=True)]
    if "nodes_missing_value_tracks_true" in attrs:
        del attrs["nodes_missing_value_tracks_true"].ints[:]
        attrs["nodes_missing_value_tracks_true"].ints.extend(tracks)
    else:
        from onnx import helper

        nodes[0].attribute.append(helper.make_attribute("nodes_missing_value_tracks_true", tracks))


def _without_float32_ties(tree: ExportTree):
    """A copy of the tree whose leaves' winning class leads the others in float32 too."""
    est = copy.deepcopy(tree.estimator)
    values = est.tree_.value  # a view of the tree's array: writable, changed in place
    proba = tree.proba
    rows = np.arange(proba.shape[0])
    top = proba[rows, tree.predicted][:, None]
    close = proba.astype(np.float32) >= (top * (1 - _GAP)).astype(np.float32)
    close[rows, tree.predicted] = False
    if close.any():
        nudged = np.where(close, top * (1 - _GAP), proba)
        values[:, 0, :] = nudged * values[:, 0, :].sum(axis=1, keepdims=True)
    return est

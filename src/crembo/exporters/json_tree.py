"""The tree as JSON: nested nodes with their tests, class shares and row counts.

Every node holds ``id``, ``rows`` (rows of the fit reaching it; synthetic rows included when
the model was fitted on some), ``class_shares`` (aligned with the top-level ``classes``: the
probabilities ``predict_proba`` gives there) and ``predicted``. A split node adds ``split``
and its children ``left`` and ``right``; a split reads:

- numeric column: ``{"feature", "column", "threshold", "threshold_float64", "missing"}``:
  left when the value ``<= threshold`` after rounding it to float32, as scikit-learn does;
  equivalently, without rounding, when a float64 value ``<= threshold_float64``;
- one-hot column: ``{"feature", "column", "category", "equal", "other", "missing"}``: where
  the category (``equal``) and any other present value (``other``) go, ``"left"`` or
  ``"right"``;
- ``missing``: where a missing value goes.
"""

from __future__ import annotations

import json
import math

from crembo.exporters.tree import ExportTree

FORMAT = "crembo-tree"
VERSION = 1


def tree_dict(tree: ExportTree) -> dict:
    """The tree as plain Python data (what :func:`to_json` writes)."""
    n = tree.left.size
    nodes = [_node(tree, i) for i in range(n)]
    for i in range(n - 1, -1, -1):  # children after parents: nest bottom-up, no recursion
        if tree.left[i] >= 0:
            nodes[i]["left"] = nodes[tree.left[i]]
            nodes[i]["right"] = nodes[tree.right[i]]
    return {
        "format": FORMAT,
        "version": VERSION,
        "classes": list(tree.classes),
        "features": [
            {"name": f.name, "column": f.column}
            | ({} if f.category is None else {"category": f.category})
            for f in tree.features
        ],
        "tree": nodes[0],
    }


def to_json(tree: ExportTree) -> str:
    """The JSON text (UTF-8, indented; infinite thresholds as the string ``"inf"``)."""
    return json.dumps(tree_dict(tree), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _node(tree: ExportTree, i: int) -> dict:
    node = {
        "id": i,
        "rows": int(tree.rows[i]),
        "class_shares": [float(p) for p in tree.proba[i]],
        "predicted": tree.classes[int(tree.predicted[i])],
    }
    if tree.left[i] < 0:
        return node
    test = tree.tests[i]
    feature = tree.features[int(tree.estimator.tree_.feature[i])]
    side = {True: "left", False: "right"}
    split = {"feature": feature.name, "column": test.column}
    if test.numeric:
        threshold = float(tree.estimator.tree_.threshold[i])
        split |= {"threshold": _number(threshold), "threshold_float64": _number(test.threshold)}
    else:
        split |= {
            "category": test.category,
            "equal": side[test.equal_left],
            "other": side[test.other_left],
        }
    node["split"] = split | {"missing": side[test.missing_left]}
    return node


def _number(value: float):
    return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")

"""XGBoost teachers from JSON / UBJSON models: read in a child process, trees checked."""

from __future__ import annotations

import json

import numpy as np

from crembo.teacher_files._common import (
    FileTeacher,
    in_child,
    is_str,
    library,
    not_a_model,
    positive_int,
)

#: XGBoost objectives whose predictions are class probabilities.
_XGB_OBJECTIVES = ("binary:logistic", "multi:softprob")


#: Run in a child process (ctypes on XGBoost's own library, so no package import): read a
#: model from stdin, write it back as JSON.
_XGB_TO_JSON = """
import ctypes, sys
lib = ctypes.cdll.LoadLibrary(sys.argv[1])
lib.XGBGetLastError.restype = ctypes.c_char_p
raw = sys.stdin.buffer.read()
h, n, out = ctypes.c_void_p(), ctypes.c_uint64(), ctypes.c_char_p()
as_json = b'{"format": "json"}'
steps = (
    lambda: lib.XGBoosterCreate(None, ctypes.c_uint64(0), ctypes.byref(h)),
    lambda: lib.XGBoosterLoadModelFromBuffer(h, raw, ctypes.c_uint64(len(raw))),
    lambda: lib.XGBoosterSaveModelToBuffer(h, as_json, ctypes.byref(n), ctypes.byref(out)),
)
if any(step() != 0 for step in steps):
    sys.exit("XGBoostError: " + lib.XGBGetLastError().decode(errors="replace").splitlines()[0])
sys.stdout.buffer.write(ctypes.string_at(out, n.value))
"""


def _load_xgboost(path, data, trusted):
    kind = "JSON" if path.suffix.lower() == ".json" else "UBJSON"
    source = f"--teacher {path} (XGBoost {kind} model)"
    raw = path.read_bytes()
    if kind == "JSON":
        _xgboost_json(raw, path, source)  # a LightGBM dump or another JSON: said before loading
    xgboost = library("xgboost", source)
    # XGBoost's loader crashes the process on some damaged trees (a parent index out of
    # range): a child process reads the file first and writes the model back as JSON, whose
    # trees are checked here before this process reads the file and predicts with it
    dumped = in_child(_XGB_TO_JSON, xgboost.core._LIB._name, raw, source, "XGBoost")
    model = _xgboost_json(dumped, path, source)
    try:
        n_outputs, columns = _check_xgboost(source, data, model["learner"])
        _check_xgboost_trees(model, source)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith(source):
            raise
        raise ValueError(f"{source}: not an XGBoost model of the usual form ({exc!r}).") from None
    order = data.order_by_position(source, n_outputs)
    booster = xgboost.Booster()
    try:
        booster.load_model(bytearray(raw))
    except (xgboost.core.XGBoostError, ValueError) as exc:
        raise not_a_model(source, exc) from None
    best = booster.attributes().get("best_iteration")
    predictor = _XGBoostPredictor(booster, None if best is None else int(best) + 1)
    return FileTeacher(predictor, columns, order, data.classes, len(data.names), source)


def _xgboost_json(text: bytes, path, source) -> dict:
    """The parsed model (a dict with a ``learner``); a LightGBM dump is told apart."""
    try:
        model = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise not_a_model(source, exc) from None
    if isinstance(model, dict) and "tree_info" in model:
        raise ValueError(
            f"--teacher {path}: a LightGBM JSON dump, which LightGBM cannot load; expected its "
            "text model (booster.save_model('model.txt'))."
        )
    learner = model.get("learner") if isinstance(model, dict) else None
    if not isinstance(learner, dict):
        raise ValueError(
            f"{source}: not an XGBoost model (no 'learner'); expected a file written by "
            "save_model('model.json')."
        )
    return model


def _check_xgboost(source, data, learner):
    """The objective, class and feature counts of an XGBoost learner (JSON or config)."""
    objective = learner.get("objective")
    name = objective.get("name") if isinstance(objective, dict) else None
    if name not in _XGB_OBJECTIVES:
        raise ValueError(
            f"{source}: objective {name!r} is not a classifier's probabilities; expected one "
            f"of {', '.join(_XGB_OBJECTIVES)}."
        )
    params = learner.get("learner_model_param")
    params = params if isinstance(params, dict) else {}
    n_class = positive_int(params.get("num_class"), source, "num_class", 0)
    n_features = positive_int(params.get("num_feature"), source, "num_feature")
    names = learner.get("feature_names") or None
    if names is not None and (
        not isinstance(names, list) or len(names) != n_features or not all(map(is_str, names))
    ):
        raise ValueError(f"{source}: feature names that do not fit its {n_features} features.")
    columns = data.columns(source, names=names, count=n_features)
    n_outputs = 2 if name == "binary:logistic" else n_class
    data.order_by_position(source, n_outputs)
    return n_outputs, columns


def _check_xgboost_trees(model: dict, source: str) -> None:
    """Child indices within each tree, split features within the model's features."""
    learner = model["learner"]
    n_features = int(learner["learner_model_param"]["num_feature"])
    booster = learner["gradient_booster"]
    booster = booster.get("gbtree", booster)  # dart holds a gbtree
    for i, tree in enumerate(booster.get("model", {}).get("trees", [])):
        left = np.asarray(tree["left_children"], dtype=np.int64)
        right = np.asarray(tree["right_children"], dtype=np.int64)
        feature = np.asarray(tree["split_indices"], dtype=np.int64)
        n = int(tree["tree_param"]["num_nodes"])
        inner = left != -1
        ok = (
            left.size == right.size == feature.size == n
            and np.array_equal(inner, right != -1)
            and np.all((left[inner] > np.flatnonzero(inner)) & (left[inner] < n))
            and np.all((right[inner] > np.flatnonzero(inner)) & (right[inner] < n))
            and np.all((feature[inner] >= 0) & (feature[inner] < n_features))
        )
        if not ok:
            raise ValueError(f"{source}: tree {i} has node indices out of range; damaged.")


class _XGBoostPredictor:
    def __init__(self, booster, n_trees):
        self.booster, self.n_trees = booster, n_trees

    def __call__(self, X):
        from xgboost import DMatrix

        dm = DMatrix(X, feature_names=self.booster.feature_names)
        rounds = (0, self.n_trees) if self.n_trees else (0, 0)
        return self.booster.predict(dm, iteration_range=rounds)

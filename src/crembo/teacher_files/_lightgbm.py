"""LightGBM teachers from text models: header, trees and a child-process read first."""

from __future__ import annotations

import numpy as np

from crembo.teacher_files._common import FileTeacher, in_child, library, not_a_model, positive_int

#: Largest text header of a LightGBM model read before the trees.
_MAX_HEADER_BYTES = 64 << 20
#: LightGBM objectives whose predictions are class probabilities.
_LGBM_OBJECTIVES = ("binary", "multiclass", "softmax", "cross_entropy")


def _load_lightgbm(path, data, trusted):
    source = f"--teacher {path} (LightGBM text model)"
    header = _lightgbm_header(path, source)
    objective = header.get("objective", "").split(" ")[0]
    if objective not in _LGBM_OBJECTIVES:
        raise ValueError(
            f"{source}: objective {objective or '(none)'!r} is not a classifier's; expected "
            f"one of {', '.join(_LGBM_OBJECTIVES)}."
        )
    n_outputs = positive_int(header.get("num_class"), source, "num_class")
    n_features = positive_int(header.get("max_feature_idx"), source, "max_feature_idx", 0) + 1
    names = header.get("feature_names", "").split(" ")
    if len(names) != n_features:
        raise ValueError(f"{source}: {len(names)} feature names for {n_features} features.")
    if all(n == f"Column_{i}" for i, n in enumerate(names)):
        names = None  # LightGBM's default names: the file carries none
    raw = path.read_bytes()
    categories = _pandas_categories(raw, names, source)
    if categories:
        columns = _CategoryCodes.match(source, data, names, categories)
    else:
        columns = data.columns(source, names=names, count=n_features)
    order = data.order_by_position(source, 2 if n_outputs == 1 else n_outputs)
    # the trees' structure (child and feature indices) is what prediction relies on
    _check_lightgbm_trees(raw, header, n_features, source)
    lightgbm = library("lightgbm", source)
    # LightGBM's parser aborts the process on some damaged numbers (an error inside its
    # parallel loop over the trees): a child process reads it first
    in_child(_LGBM_READ, lightgbm.basic._LIB._name, raw, source, "LightGBM")
    try:
        booster = lightgbm.Booster(model_str=raw.decode("utf-8"))
    except (lightgbm.basic.LightGBMError, ValueError, UnicodeDecodeError) as exc:
        raise not_a_model(source, exc) from None
    return FileTeacher(
        _LightGBMPredictor(booster), columns, order, data.classes, len(data.names), source
    )


def _pandas_categories(raw: bytes, names, source) -> dict:
    """Feature name -> its categories, for a model fitted on a data frame with ``category``
    columns (LightGBM's ``[categorical_feature: ...]`` and ``pandas_categorical`` lines)."""
    import json
    import re

    found = re.search(rb"\n\[categorical_feature: ([0-9,]*)\]", raw)
    listed = re.search(rb"\npandas_categorical:(.*)", raw)
    if not found or not found.group(1) or names is None:
        return {}
    try:
        index = [int(i) for i in found.group(1).split(b",")]
        values = json.loads(listed.group(1)) if listed else None
    except ValueError:
        raise ValueError(f"{source}: unreadable categorical features; damaged.") from None
    if not isinstance(values, list) or len(values) != len(index):
        return {}  # categories given to LightGBM as integer codes: the data's own column
    if any(not 0 <= i < len(names) for i in index) or not all(isinstance(v, list) for v in values):
        raise ValueError(f"{source}: categorical features out of range; damaged.")
    return {names[i]: [str(v) for v in vals] for i, vals in zip(index, values, strict=True)}


class _CategoryCodes:
    """The model's features from the data's columns: numbers as they are, a ``category``
    column as LightGBM's code of the value whose one-hot column ``col=value`` is 1 (NaN for
    a missing value or one the model never saw)."""

    def __init__(self, numeric, categorical):
        self.numeric = numeric  # (model feature, data column) pairs
        self.categorical = categorical  # (model feature, data columns, their codes)

    @classmethod
    def match(cls, source, data, names, categories):
        index = data.name_index()
        numeric = [(j, n) for j, n in enumerate(names) if n not in categories]
        data.columns(source, names=[n for _, n in numeric], count=None)  # refuses the missing
        categorical = []
        for j, name in enumerate(names):
            if name not in categories:
                continue
            hits = [(index[f"{name}={v}"], k) for k, v in enumerate(categories[name])
                    if f"{name}={v}" in index]  # fmt: skip
            if not hits:
                raise ValueError(
                    f"{source}: its category feature {name!r} has no one-hot column "
                    f"{name}=<value> in the data for its values "
                    f"({', '.join(categories[name][:5])}); expected the data's text column."
                )
            cols, codes = zip(*hits, strict=True)
            categorical.append((j, np.array(cols), np.array(codes, dtype=np.float64)))
        return cls([(j, index[n]) for j, n in numeric], categorical)

    def __call__(self, X):
        out = np.empty((X.shape[0], len(self.numeric) + len(self.categorical)))
        for j, col in self.numeric:
            out[:, j] = X[:, col]
        for j, cols, codes in self.categorical:
            hot = X[:, cols]
            seen = np.nan_to_num(hot).max(axis=1) == 1
            out[:, j] = np.where(seen, codes[np.nan_to_num(hot).argmax(axis=1)], np.nan)
        return out


def _lightgbm_header(path, source) -> dict:
    """The ``key=value`` lines before the first tree, read within a bounded size."""
    header, size = {}, 0
    with open(path, "rb") as fh:
        first = fh.readline(64).strip()
        if first != b"tree":
            raise ValueError(
                f"{source}: not a LightGBM text model (it starts with {first[:20]!r}, not "
                "'tree'); expected a file written by booster.save_model('model.txt')."
            )
        for raw in fh:
            size += len(raw)
            if size > _MAX_HEADER_BYTES:
                raise ValueError(f"{source}: a header over {_MAX_HEADER_BYTES} bytes.")
            line = raw.decode("utf-8", errors="replace").strip()
            if line.startswith("Tree=") or line == "end of trees":
                break
            key, eq, value = line.partition("=")
            if eq:
                header[key] = value
    if "version" not in header:
        raise ValueError(f"{source}: not a LightGBM text model (no version line).")
    return header


#: Run in a child process (ctypes on LightGBM's own library, so no package import): read a
#: text model from stdin.
_LGBM_READ = """
import ctypes, sys
lib = ctypes.cdll.LoadLibrary(sys.argv[1])
lib.LGBM_GetLastError.restype = ctypes.c_char_p
h, n = ctypes.c_void_p(), ctypes.c_int()
if lib.LGBM_BoosterLoadModelFromString(sys.stdin.buffer.read(), ctypes.byref(n), ctypes.byref(h)):
    sys.exit("LightGBMError: " + lib.LGBM_GetLastError().decode(errors="replace"))
"""


def _check_lightgbm_trees(raw: bytes, header: dict, n_features: int, source: str) -> None:
    """Each tree where ``tree_sizes`` puts it, with arrays of its leaves' lengths and child
    and feature indices in range (what LightGBM's parser assumes)."""
    try:
        sizes = [int(v) for v in header.get("tree_sizes", "").split()]
    except ValueError:
        sizes = []
    per_iteration = positive_int(header.get("num_tree_per_iteration"), source, "trees")
    if not sizes or len(sizes) % per_iteration or min(sizes) <= 0:
        raise ValueError(f"{source}: no valid tree_sizes line; expected a LightGBM v3+ model.")
    pos = raw.find(b"\nTree=0\n") + 1
    if pos == 0:
        raise ValueError(f"{source}: no trees (no 'Tree=0' line).")
    for i, size in enumerate(sizes):
        block = raw[pos : pos + size]
        problem = _lightgbm_tree_problem(block, i, n_features)
        if problem:
            raise ValueError(f"{source}: tree {i}: {problem}; the file is damaged.")
        pos += size
    if not raw[pos:].lstrip().startswith(b"end of trees"):
        raise ValueError(f"{source}: no 'end of trees' after its {len(sizes)} trees; damaged.")


def _lightgbm_tree_problem(block: bytes, i: int, n_features: int) -> str | None:
    lines = block.decode("utf-8", errors="replace").split("\n")
    if lines[0] != f"Tree={i}":
        return "not where tree_sizes puts it"
    fields = dict(line.partition("=")[::2] for line in lines[1:] if "=" in line)
    try:
        leaves = int(fields["num_leaves"])
        n_cat = int(fields.get("num_cat", "0"))
        arrays = {
            k: np.array(fields.get(k, "").split(), dtype=np.float64)
            for k in ("split_feature", "threshold", "decision_type", "left_child", "right_child",
                      "leaf_value")
        }  # fmt: skip
    except (KeyError, ValueError):
        return "missing or unreadable num_leaves or node arrays"
    if fields.get("is_linear", "0") != "0":
        return "linear trees (is_linear=1) are not read"
    if not 1 <= leaves <= 1 << 24 or n_cat != 0 and not 0 < n_cat < leaves:
        return f"num_leaves {leaves} / num_cat {n_cat}"
    if arrays["leaf_value"].size != leaves:
        return f"{arrays['leaf_value'].size} leaf values for {leaves} leaves"
    if leaves == 1:
        return None
    inner = leaves - 1
    if any(arrays[k].size != inner for k in arrays if k != "leaf_value"):
        return f"node arrays not of {inner} entries"
    children = np.concatenate([arrays["left_child"], arrays["right_child"]])
    if np.any((children < -leaves) | (children > inner - 1) | (children == 0)):
        return "a child index out of range"
    features = arrays["split_feature"]
    if np.any((features < 0) | (features >= n_features)):
        return f"a feature index outside 0..{n_features - 1}"
    if n_cat:
        try:
            bounds = np.array(fields["cat_boundaries"].split(), dtype=np.int64)
            cats = len(fields["cat_threshold"].split())
        except (KeyError, ValueError):
            return "unreadable categorical splits"
        if bounds.size != n_cat + 1 or bounds[0] != 0 or np.any(np.diff(bounds) < 0):
            return "categorical boundaries out of order"
        if bounds[-1] != cats:
            return "categorical thresholds of the wrong length"
    return None


class _LightGBMPredictor:
    def __init__(self, booster):
        self.booster = booster

    def __call__(self, X):
        return self.booster.predict(X)

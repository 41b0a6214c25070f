"""``crembo.exporters.export``: every format from one entry point, and its refusals."""

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from crembo.exporters import FORMATS, export
from crembo.exporters.check import disagreements, onnx_predictions, python_predictions


@pytest.fixture(scope="module")
def one_leaf():
    X = np.random.default_rng(0).random((30, 2))
    y = np.r_[np.zeros(20), np.ones(10)].astype(int)
    return X, DecisionTreeClassifier(min_samples_split=100).fit(X, y)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "svg"])
def test_a_one_leaf_tree_exports_in_every_format(one_leaf, fmt):
    if fmt == "onnx":
        pytest.importorskip("skl2onnx")
    out = export(one_leaf[1], fmt)
    assert isinstance(out, bytes if FORMATS[fmt].binary else str) and out


def test_a_one_leaf_tree_predicts_its_class(one_leaf):
    import pandas as pd

    X, tree = one_leaf
    assert export(tree, "sql").strip() == "0"
    got = python_predictions(export(tree, "python"), pd.DataFrame(X, columns=["x0", "x1"]))
    assert disagreements(tree.predict(X), got) == 0
    if pytest.importorskip("onnxruntime"):
        assert disagreements(tree.predict(X), onnx_predictions(export(tree, "onnx"), X)[0]) == 0


def test_refusals(one_leaf):
    with pytest.raises(ValueError, match="format: expected one of"):
        export(one_leaf[1], "pdf")
    with pytest.raises(ValueError, match="only the sql format"):
        export(one_leaf[1], "json", proba=True)

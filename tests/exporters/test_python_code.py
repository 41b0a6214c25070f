"""Python: the generated module predicts what the model predicts; names never become code."""

import ast

import numpy as np
import pytest

import crembo
from crembo.exporters.check import disagreements, python_predictions
from crembo.exporters.python_code import to_python
from crembo.exporters.tree import export_tree
from support.shipped import HOSTILE_CLASSES, HOSTILE_NUMERIC


@pytest.mark.parametrize("which", ["train", "noisy"])
@pytest.mark.parametrize("file", ["full", "student"])
def test_python_predicts_as_the_model(shipped, which, file):
    code = to_python(export_tree(crembo.load(getattr(shipped, file)), shipped.meta))
    got = python_predictions(code, shipped.frames[which])
    assert disagreements(shipped.predictions(which), got) == 0


def test_python_probabilities_are_the_models(shipped):
    code = to_python(export_tree(shipped.model, shipped.meta))
    got = python_predictions(code, shipped.frames["noisy"], proba=True)
    classes = shipped.model.classes_.tolist()
    P = np.array([[row[c] for c in classes] for row in got])
    np.testing.assert_allclose(P, shipped.model.predict_proba(shipped.encoded("noisy")), atol=1e-12)


def test_names_are_only_string_literals(shipped):
    code = to_python(export_tree(shipped.model, shipped.meta))
    tree = ast.parse(code)
    generated = {"CLASSES", "COLUMNS", "_LABEL", "_PROBA", "_leaf", "_number", "_text", "row"}
    generated |= {"predict", "predict_proba", "value", "float", "str", "dict", "zip"}
    generated |= {"_missing", "bool", "TypeError"}
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    names |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in n.args}
    assert all(n in generated or n[1:].isdigit() for n in names), names - generated
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Call | ast.Attribute)
                and "os" in ast.unparse(n)]  # fmt: skip
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert {*HOSTILE_NUMERIC, *HOSTILE_CLASSES} <= strings  # they are there, as data


def test_pandas_missing_values_are_missing(shipped):
    import pandas as pd

    code = to_python(export_tree(shipped.model, shipped.meta))
    frame = shipped.frames["noisy"]
    nullable = frame.astype(
        {c: "Float64" for c in frame.columns if c not in shipped.meta["categories"]}
    )
    nullable = nullable.astype({c: "string" for c in shipped.meta["categories"]})
    assert nullable.isna().to_numpy().any() and nullable.iloc[:, 0].dtype == "Float64"
    assert any(v is pd.NA for v in nullable.iloc[:, 0])  # rows hold pandas.NA, not NaN
    assert disagreements(shipped.predictions("noisy"), python_predictions(code, nullable)) == 0

"""Ship the compressed model where it runs: ONNX, SQL, Python, JSON, DOT and SVG.

:func:`export` writes a fitted model's tree student (or a model file's student-only tree) in
one of :data:`FORMATS`. Each format reproduces the model's predictions exactly (the tests
check every one on the training rows and on noisy rows): one module per format, all reading
the tree through :func:`crembo.exporters.tree.export_tree`, which traces each feature back to
the data column it reads (one-hot columns, missing values) and states each split as an exact
test on that column.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from crembo import CREMBOClassifier
>>> from crembo.exporters import export
>>> X, y = load_iris(return_X_y=True, as_frame=True)
>>> model = CREMBOClassifier(preset="paper", random_state=0).fit(X, y)
>>> print(export(model, "sql").splitlines()[1])  # doctest: +SKIP
    WHEN "petal width (cm)" <= 0.8000000417232512 THEN 0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FORMATS", "Format", "export"]


@dataclass(frozen=True)
class Format:
    """An export format: what writes it, and whether it is bytes or text."""

    write: Callable
    binary: bool
    description: str


def _onnx(tree, **_):
    from crembo.exporters.onnx_model import to_onnx

    return to_onnx(tree)


def _sql(tree, proba=False, **_):
    from crembo.exporters.sql import to_sql

    return to_sql(tree, proba=proba)


def _python(tree, **_):
    from crembo.exporters.python_code import to_python

    return to_python(tree)


def _json(tree, **_):
    from crembo.exporters.json_tree import to_json

    return to_json(tree)


def _dot(tree, **_):
    from crembo.exporters.graphviz import to_dot

    return to_dot(tree)


def _svg(tree, **_):
    from crembo.exporters.graphviz import to_svg

    return to_svg(tree)


#: The formats by name (the choices of ``crembo export --format``).
FORMATS: dict[str, Format] = {
    "onnx": Format(_onnx, True, "ONNX model of the encoded features (skl2onnx)"),
    "sql": Format(_sql, False, "one CASE expression over the data's columns"),
    "python": Format(_python, False, "a dependency-free Python module"),
    "json": Format(_json, False, "the tree as nested nodes"),
    "dot": Format(_dot, False, "Graphviz DOT text (scikit-learn's export_graphviz)"),
    "svg": Format(_svg, True, "the tree drawn by Graphviz's dot"),
}


def export(model, fmt: str, *, metadata: dict | None = None, proba: bool = False):
    """The model's tree in format ``fmt``: ``bytes`` (onnx, svg) or ``str`` (the others).

    Parameters
    ----------
    model : fitted CREMBOClassifier, MEMOClassifier, SurrogateClassifier or
        DecisionTreeClassifier
        Its student must be a decision tree.
    fmt : {"onnx", "sql", "python", "json", "dot", "svg"}
    metadata : dict, optional
        The metadata of the model's file (:func:`crembo.persist.read_metadata`): the data's
        columns and the categories of its one-hot columns, which SQL and Python code read.
    proba : bool, default=False
        SQL only: a select list with one probability expression per class after the
        prediction.

    Returns
    -------
    bytes or str
    """
    from crembo.exporters.tree import export_tree

    if fmt not in FORMATS:
        raise ValueError(f"format: expected one of {', '.join(FORMATS)}; got {fmt!r}.")
    if proba and fmt != "sql":
        raise ValueError(f"proba: only the sql format writes probabilities; got format {fmt!r}.")
    return FORMATS[fmt].write(export_tree(model, metadata), proba=proba)

"""The tree as one SQL ``CASE`` expression over the data's own columns.

The expression names the columns of the data the model was trained on (quoted identifiers),
compares a one-hot encoded column with its category as text (``"col" = 'value'``) and sends a
missing value (``NULL``) the way the tree does (``IS NULL``). It runs in any SQL database
whose numeric columns hold numbers (``SELECT <expression> AS prediction FROM t``); the tests
run it in SQLite. Names and values are never written unquoted.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable

from crembo.exporters.tree import ExportTree, Test

_INDENT = "    "


def sql_case(tree: ExportTree) -> str:
    """The predicted class of a row, as one ``CASE`` expression.

    Subtrees whose leaves all predict one class are written as that class.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from crembo.exporters.tree import export_tree
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> tree = export_tree(DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y))
    >>> print(sql_case(tree))
    CASE
        WHEN "petal width (cm)" <= 0.8000000417232512 THEN 0
        ELSE 1
    END
    """
    stop, label = tree.one_class()
    return "\n".join(_case(tree, 0, lambda n: literal(tree.classes[label[n]]), stop))


def sql_proba(tree: ExportTree) -> list[tuple[object, str]]:
    """Per class, its probability for a row as one ``CASE`` expression: ``(class, sql)``."""
    stop = tree.left < 0
    return [
        (c, "\n".join(_case(tree, 0, lambda n, k=k: literal(float(tree.proba[n, k])), stop)))
        for k, c in enumerate(tree.classes)
    ]


def to_sql(tree: ExportTree, *, proba: bool = False) -> str:
    """The text ``crembo export --format sql`` writes.

    The ``CASE`` expression of the predicted class; with ``proba``, a select list instead:
    that expression ``AS "prediction"`` and one ``AS "proba_<class>"`` per class.
    """
    if not proba:
        return sql_case(tree) + "\n"
    items = [f'{sql_case(tree)} AS "prediction"']
    items += [f"{expr} AS {identifier(f'proba_{c}')}" for c, expr in sql_proba(tree)]
    return ",\n".join(items) + "\n"


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (``"`` doubled)."""
    _refuse_nul(name, "column name")
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    """A class label, category or number as an SQL literal (text quoted, ``'`` doubled)."""
    if isinstance(value, str):
        _refuse_nul(value, "text")
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if value != value:
        raise ValueError("NaN has no SQL literal.")
    if value in (float("inf"), float("-inf")):
        return "9e999" if value > 0 else "-9e999"  # read as ±infinity by SQL engines
    return _float_text(value)


def _float_text(value: float) -> str:
    """Decimal text that reads back as this very float, in SQLite too.

    ``repr`` is the shortest such text for a correctly rounding reader; SQLite's own reader
    is not one (3.40 reads about 1 in 8,000 such texts one unit off), so where it would
    misread ``repr``, 17 or more significant digits (equally exact elsewhere) are written.
    """
    candidates = [repr(value)] + [f"{value:.{d}g}" for d in (17, 18, 19, 20)]
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        for text in candidates:
            if db.execute(f"SELECT {text}").fetchone()[0] == value:
                return text
    return candidates[1]  # all exact for a correctly rounding reader


def condition(test: Test) -> str:
    """When a row goes left, for a test that does not send every row one way."""
    column = identifier(test.column)
    present = test.present_left
    if present == "all":
        return f"{column} IS NOT NULL"
    if present == "none":
        return f"{column} IS NULL"
    if test.numeric:
        cond = f"{column} <= {literal(test.threshold)}"
    else:
        op = "=" if test.equal_left else "<>"
        cond = f"{column} {op} {literal(test.category)}"
    # NULL compares as unknown, which CASE treats as false: missing values go right unless
    return f"({cond} OR {column} IS NULL)" if test.missing_left else cond


def _case(tree: ExportTree, node: int, leaf: Callable[[int], str], stop) -> list[str]:
    """Lines of the expression of the subtree at ``node`` (recursion: depth-limited trees)."""
    while not stop[node] and tree.tests[node].always is not None:
        node = tree.left[node] if tree.tests[node].always == "left" else tree.right[node]
    if stop[node]:
        return [leaf(node)]
    left = _case(tree, tree.left[node], leaf, stop)
    right = _case(tree, tree.right[node], leaf, stop)
    lines = ["CASE", f"{_INDENT}WHEN {condition(tree.tests[node])} THEN {left[0]}"]
    lines += [_INDENT + line for line in left[1:]]
    lines.append(f"{_INDENT}ELSE {right[0]}")
    lines += [_INDENT + line for line in right[1:]]
    return [*lines, "END"]


def _refuse_nul(text: str, what: str) -> None:
    if "\0" in text:
        raise ValueError(f"a {what} holds a NUL character, which SQL text cannot hold: {text!r}.")

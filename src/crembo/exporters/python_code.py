"""The tree as a dependency-free Python module: ``predict(row)`` and ``predict_proba(row)``.

A row is a mapping from the data's column names to values (a ``dict``, a ``csv.DictReader``
row with numbers already converted, ``DataFrame.to_dict("records")``): numbers for numeric
columns, text for one-hot encoded ones, ``None`` or NaN for a missing value. The names of
columns, categories and classes are hostile input: they appear in the code only as
``repr``-escaped string literals, never as identifiers, comments or docstrings; the code's own
names are generated.
"""

from __future__ import annotations

from crembo.exporters.tree import ExportTree, Test

_HEADER = '''"""The predictions of a crembo decision tree (written by ``crembo export``).

predict(row) gives the class of a row, predict_proba(row) its class probabilities (a dict
keyed by class). A row maps column names to values: numbers for numeric columns, text for
categorical ones, None, NaN or pandas.NA for a missing value. No imports needed.
"""

'''

_HELPERS = '''

def _missing(value):
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except TypeError:  # pandas.NA: missing, and has no truth value
        return True


def _number(value):
    return None if _missing(value) else float(value)


def _text(value):
    return None if _missing(value) else str(value)


def predict(row):
    """The predicted class of ``row``."""
    return CLASSES[_LABEL[_leaf(row)]]


def predict_proba(row):
    """The class probabilities of ``row``: a dict keyed by class."""
    return dict(zip(CLASSES, _PROBA[_leaf(row)]))
'''


def to_python(tree: ExportTree) -> str:
    """The module's source: ``CLASSES``, ``COLUMNS``, ``predict`` and ``predict_proba``.

    ``COLUMNS`` are the columns a row must hold: those the tree's splits read. Class labels
    are written as Python literals (text, integers, numbers, booleans).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from crembo.exporters.tree import export_tree
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> tree = export_tree(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y))
    >>> namespace = {}
    >>> exec(to_python(tree), namespace)
    >>> namespace["predict"](X.iloc[0].to_dict())
    0
    """
    # the columns the splits read (a row need not hold the others)
    columns = list(dict.fromkeys(t.column for t in tree.tests if t is not None))
    var = {c: f"x{i}" for i, c in enumerate(columns)}  # generated names, never the columns'
    kind = {f.column: "_text" if f.category is not None else "_number" for f in tree.features}
    leaves = [int(n) for n in range(tree.left.size) if tree.left[n] < 0]
    lines = [
        f"CLASSES = {_tuple(repr(c) for c in tree.classes)}",
        f"COLUMNS = {_tuple(repr(c) for c in columns)}",
        "# per leaf (node number): the index of its class in CLASSES, and its probabilities",
        "_LABEL = {" + ", ".join(f"{n}: {int(tree.predicted[n])}" for n in leaves) + "}",
        "_PROBA = {",
        *(f"    {n}: {_tuple(repr(float(p)) for p in tree.proba[n])}," for n in leaves),
        "}",
        "",
        "",
        "def _leaf(row):",
        *(f"    {var[c]} = {kind[c]}(row[COLUMNS[{i}]])" for i, c in enumerate(columns)),
        *_body(tree, 0, var, 1),
    ]
    return _HEADER + "\n".join(lines) + "\n" + _HELPERS


def _tuple(items) -> str:
    """A tuple literal of these literals (one item keeps its comma)."""
    items = list(items)
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def condition(test: Test, x: str) -> str:
    """When a row goes left, for a test that does not send every row one way; ``x`` holds
    the row's value (None when missing)."""
    present = test.present_left
    if present == "all":
        return f"{x} is not None"
    if present == "none":
        return f"{x} is None"
    if test.numeric:
        bound = "float('inf')" if test.threshold == float("inf") else repr(test.threshold)
        cond = f"{x} <= {bound}"
    else:
        cond = f"{x} {'==' if test.equal_left else '!='} {test.category!r}"
    return f"{x} is None or {cond}" if test.missing_left else f"{x} is not None and {cond}"


def _body(tree: ExportTree, node: int, var: dict, depth: int) -> list[str]:
    """Lines of the subtree at ``node`` (recursion: depth-limited trees)."""
    while tree.left[node] >= 0 and tree.tests[node].always is not None:
        node = tree.left[node] if tree.tests[node].always == "left" else tree.right[node]
    pad = "    " * depth
    if tree.left[node] < 0:
        return [f"{pad}return {int(node)}"]
    test = tree.tests[node]
    return [
        f"{pad}if {condition(test, var[test.column])}:",
        *_body(tree, int(tree.left[node]), var, depth + 1),
        *_body(tree, int(tree.right[node]), var, depth),
    ]

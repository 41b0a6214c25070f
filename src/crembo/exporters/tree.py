"""The tree as every export format reads it: nodes, exact tests on the data's columns, leaves.

:func:`export_tree` turns a fitted model (or the student-only tree of a model file) and the
metadata stored with it into an :class:`ExportTree`: the plain scikit-learn tree of
:func:`~crembo.students.export.to_sklearn`, each of its features traced back to the data
column it reads (a one-hot column ``col=value`` reads ``col``), and per split node the test
as a data row's value meets it:

- a numeric column goes left when ``value <= exact_threshold`` (a float64 number: the tree
  itself rounds the value to float32 first and compares with its own threshold; see
  :func:`float64_threshold`);
- a one-hot column goes left when the value equals the category, or when it does not (which
  one follows from the threshold: the indicator is 1 or 0);
- a missing value goes the way scikit-learn sends it (``missing_go_to_left``).

Each format (SQL, Python, JSON, DOT, ONNX) writes these tests in its own syntax, so all of
them predict what the model predicts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Deepest tree the nested formats (SQL, Python) are written for (crembo's students are
#: depth-limited; SQLite nests expressions 1,000 deep at most).
MAX_DEPTH = 200


@dataclass(frozen=True)
class Feature:
    """One input column of the tree, traced back to the data.

    Attributes
    ----------
    name : str
        The feature's name in the model (``col=value`` for a one-hot column).
    column : str
        The data column it reads.
    category : str or None
        The value a one-hot column indicates; None for a numeric column.
    """

    name: str
    column: str
    category: str | None = None


@dataclass(frozen=True)
class Test:
    """How a data row's value of one column sends it down a split node.

    Attributes
    ----------
    column : str
    threshold : float or None
        Numeric column: left when ``value <= threshold`` (float64; may be ``inf``).
    category : str or None
        One-hot column: the category compared with.
    equal_left, other_left : bool
        One-hot column: whether the category (``equal_left``), or any other present value
        (``other_left``), goes left.
    missing_left : bool
        Whether a missing value goes left.
    """

    column: str
    missing_left: bool
    threshold: float | None = None
    category: str | None = None
    equal_left: bool = False
    other_left: bool = False

    @property
    def numeric(self) -> bool:
        return self.category is None

    @property
    def always(self) -> str | None:
        """``"left"`` or ``"right"`` where every row goes one way (present or missing), else
        None: the formats then write the test (or only its missing-value part)."""
        present = self.present_left
        if present == "all" and self.missing_left:
            return "left"
        if present == "none" and not self.missing_left:
            return "right"
        return None

    @property
    def present_left(self) -> str:
        """Which present values go left: ``"all"``, ``"none"`` or ``"some"``."""
        if self.numeric:
            return "all" if self.threshold == np.inf else "some"
        if self.equal_left == self.other_left:
            return "all" if self.equal_left else "none"
        return "some"


@dataclass
class ExportTree:
    """A fitted tree student ready to be written in any format.

    Attributes
    ----------
    estimator : DecisionTreeClassifier
        The plain scikit-learn tree (:func:`~crembo.students.export.to_sklearn`).
    features : list of Feature
        The tree's inputs, in its column order.
    classes : list
        The class labels (str, int, float or bool), in the order of the probabilities.
    left, right : ndarray of int
        Children of each node (-1 at leaves).
    tests : list of Test or None
        The test of each split node (None at leaves).
    rows : ndarray of int
        Rows of the fit reaching each node (synthetic rows included, when the model used some).
    proba : ndarray of shape (n_nodes, n_classes)
        The class probabilities of each node, as ``predict_proba`` gives them.
    predicted : ndarray of int
        Index into ``classes`` of the class each node predicts, as ``predict`` gives it.
    """

    estimator: object
    features: list
    classes: list
    left: np.ndarray
    right: np.ndarray
    tests: list
    rows: np.ndarray
    proba: np.ndarray
    predicted: np.ndarray

    @property
    def columns(self) -> list[str]:
        """The data columns the tree reads, first use first (each once)."""
        return list(dict.fromkeys(f.column for f in self.features))

    def is_leaf(self, node: int) -> bool:
        return self.left[node] < 0

    def one_class(self) -> tuple[np.ndarray, np.ndarray]:
        """Per node, whether every leaf below it predicts one class (leaves: True), and that
        class (elsewhere the node's own)."""
        same = self.left < 0
        label = self.predicted.copy()
        for node in range(self.left.size - 1, -1, -1):  # children come after their parent
            a, b = self.left[node], self.right[node]
            if a >= 0 and same[a] and same[b] and label[a] == label[b]:
                same[node], label[node] = True, label[a]
        return same, label


def export_tree(model, metadata=None) -> ExportTree:
    """The tree of a fitted model (or a model file's student-only tree), ready to export.

    Parameters
    ----------
    model : fitted CREMBOClassifier, MEMOClassifier, SurrogateClassifier or
        DecisionTreeClassifier
        Its student must be a decision tree.
    metadata : dict, optional
        What ``crembo compress`` stores with a model (:func:`crembo.persist.read_metadata`):
        ``feature_names``, the data ``columns`` and the ``categories`` of each one-hot column.
        Without it, every feature is a numeric column named after the model's
        ``feature_names_in_`` (``x0``, ``x1``, ... when it has none).

    Returns
    -------
    ExportTree

    Raises
    ------
    TypeError
        The student is not a decision tree.
    ValueError
        The metadata do not describe the tree's features, or a class label is not a str,
        int, float or bool.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from crembo.exporters.tree import export_tree
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> tree = export_tree(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y))
    >>> tree.tests[0].column, float(tree.tests[0].threshold)
    ('petal width (cm)', 0.8000000417232512)
    """
    from crembo._compat import tree_state
    from crembo.students.export import to_sklearn

    try:
        est = to_sklearn(model)
    except TypeError:
        student = getattr(model, "student_", model)
        what = type(student).__name__
        inner = getattr(student, "estimator_", None)
        if inner is not None:  # an allowed-label wrapper: say what it wraps
            what += f" of {type(inner).__name__}"
        raise TypeError(
            f"only a tree student can be exported; this model's student is {what}, not a "
            "single decision tree."
        ) from None
    state = tree_state(est)
    nodes, values = state["nodes"], state["values"][:, 0, :]
    features = _features(est, metadata or {})
    left = nodes["left_child"].astype(np.intp)
    right = nodes["right_child"].astype(np.intp)
    if _depth(left, right) > MAX_DEPTH:
        raise ValueError(f"the tree is deeper than {MAX_DEPTH} levels; too deep to export.")
    # exactly DecisionTreeClassifier.predict / predict_proba on a node's values
    normalizer = values.sum(axis=1, keepdims=True)
    normalizer[normalizer == 0.0] = 1.0
    tests = [
        None if left[i] < 0 else _test(features[nodes["feature"][i]], nodes[i])
        for i in range(left.size)
    ]
    return ExportTree(
        estimator=est,
        features=features,
        classes=class_values(est.classes_),
        left=left,
        right=right,
        tests=tests,
        rows=nodes["n_node_samples"].astype(np.int64),
        proba=values / normalizer,
        predicted=np.argmax(values, axis=1),
    )


def float64_threshold(threshold: float) -> float:
    """The float64 ``T`` with ``x <= T`` exactly when ``float32(x) <= threshold``.

    scikit-learn's trees round every value to float32 before comparing it with their
    (float64) threshold, so a float64 value just above the threshold can still go left. The
    values that go left are those rounding to a float32 number at most ``threshold``: up to
    the midpoint between the largest such number and the next float32 (the midpoint itself
    included when it rounds down, to the even one).

    Parameters
    ----------
    threshold : float

    Returns
    -------
    T : float
        ``inf`` for an infinite threshold.

    Examples
    --------
    >>> float64_threshold(2.5)
    2.5000001192092896
    """
    t = np.float64(threshold)
    if not np.isfinite(t):
        return float(t)
    low = np.float32(t)
    if np.float64(low) > t:  # rounded up: the float32 number below goes left, this one not
        low = np.nextafter(low, np.float32(-np.inf))
    up = np.nextafter(low, np.float32(np.inf))
    if not np.isfinite(up):  # the largest float32: beyond it values round to inf
        return float(np.float64(low) + (np.float64(low) - np.float64(np.nextafter(low, 0))) / 2)
    midpoint = (np.float64(low) + np.float64(up)) / 2  # exact: both fit in float64's mantissa
    even = int(low.view(np.uint32)) & 1 == 0
    return float(midpoint if even else np.nextafter(midpoint, -np.inf))


def class_values(classes) -> list:
    """The class labels as plain Python values (str, int, float or bool)."""
    out = []
    for c in np.asarray(classes).tolist():
        if isinstance(c, bool | int | str) or (isinstance(c, float) and np.isfinite(c)):
            out.append(c)
        else:
            raise ValueError(
                f"class label {c!r} ({type(c).__name__}) cannot be exported; labels must be "
                "text, integers or finite numbers."
            )
    return out


def _test(feature: Feature, node) -> Test:
    threshold = float(node["threshold"])
    missing_left = bool(node["missing_go_to_left"])
    if feature.category is None:
        return Test(feature.column, missing_left, threshold=float64_threshold(threshold))
    # the indicator holds 1 (the category) or 0 (another value); compared as float32, as the
    # tree does
    return Test(
        feature.column,
        missing_left,
        category=feature.category,
        equal_left=bool(np.float32(1.0) <= threshold),
        other_left=bool(np.float32(0.0) <= threshold),
    )


def _features(est, meta: dict) -> list[Feature]:
    """Each feature of the tree and the data column it reads (checked against the tree)."""
    n = int(est.n_features_in_)
    names = meta.get("feature_names")
    columns, categories = meta.get("columns"), meta.get("categories") or {}
    if not _str_list(names):
        names = getattr(est, "feature_names_in_", None)
        names = [f"x{i}" for i in range(n)] if names is None else [str(v) for v in names]
    if columns:
        if not (_str_list(columns) and isinstance(categories, dict)):
            raise ValueError("the model's metadata hold columns or categories of the wrong form.")
        features = []
        for c in columns:
            values = categories.get(c)
            if values is None:
                features.append(Feature(c, c))
            elif _str_list(values):
                features += [Feature(f"{c}={v}", c, v) for v in values]
            else:
                raise ValueError(f"the model's metadata list categories of column {c!r} wrongly.")
        if [f.name for f in features] != list(names):
            raise ValueError(
                "the model's metadata (columns and their categories) do not give its "
                "feature names; the file is inconsistent."
            )
    else:
        features = [Feature(name, name) for name in names]
    if len(features) != n:
        raise ValueError(f"the model's metadata name {len(features)} features; its tree reads {n}.")
    return features


def _str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _depth(left, right) -> int:
    depth = np.zeros(left.size, dtype=int)
    for node in range(left.size):  # parents come before children
        if left[node] >= 0:
            depth[[left[node], right[node]]] = depth[node] + 1
    return int(depth.max(initial=0))

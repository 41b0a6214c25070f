"""Decision-tree students made readable: per-node predictions, leaves, if/else rules.

Works on a fitted CREMBO or MEMO model (whose student is a tree fitted to the allowed
labels ``Y_θ``, one output per non-constant class), a VT surrogate, an
:class:`~crembo.students.sklearn.AllowedLabelClassifier` or a plain decision tree. For an
allowed-label tree a node's numbers are P(class allowed) per class, and the class it predicts
is the argmax (lowest index on ties), exactly as the student predicts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.tree import BaseDecisionTree

from crembo._compat import tree_decision_path
from crembo.students.sklearn import AllowedLabelClassifier, break_ties


@dataclass
class TreeView:
    """A fitted tree student seen node by node.

    Attributes
    ----------
    left, right : ndarray of int
        Children of each node (-1 at leaves).
    feature : ndarray of int
        Split feature of each node (-2 at leaves).
    threshold : ndarray of float
        Split threshold (go left when ``x[feature] <= threshold``).
    samples : ndarray of int
        Training rows reaching each node.
    scores : ndarray of shape (n_nodes, n_classes)
        P(allowed) per class (allowed-label students) or class probabilities (plain trees).
    predicted : ndarray of int
        Class index each node would predict.
    allowed_labels : bool
        Whether ``scores`` are allowed-label probabilities.
    columns : ndarray
        Position in the model's ``classes_`` of each column of ``scores``.
    missing_left : ndarray of bool or None
        Whether rows missing the split feature go left (scikit-learn's
        ``missing_go_to_left``); None for a constant student.
    """

    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    samples: np.ndarray
    scores: np.ndarray
    predicted: np.ndarray
    allowed_labels: bool
    columns: np.ndarray
    missing_left: np.ndarray | None = None

    @property
    def is_leaf(self) -> np.ndarray:
        return self.left < 0

    @property
    def n_leaves(self) -> int:
        return int(self.is_leaf.sum())

    @property
    def max_depth(self) -> int:
        depth = np.zeros(self.left.size, dtype=int)
        for node in range(self.left.size):  # parents come before children in sklearn trees
            if self.left[node] >= 0:
                depth[[self.left[node], self.right[node]]] = depth[node] + 1
        return int(depth.max())


def tree_view(model) -> TreeView:
    """The tree of a fitted tree student, or of a model whose ``student_`` is one.

    Raises
    ------
    TypeError
        When the student is not a decision tree.
    """
    student = getattr(model, "student_", model)
    if isinstance(student, AllowedLabelClassifier):
        return _allowed_label_view(student)
    if isinstance(student, BaseDecisionTree) and hasattr(student, "tree_"):
        if student.n_outputs_ != 1:
            raise TypeError("a plain multi-output tree has no single class per node.")
        t = student.tree_
        value = t.value[:, 0, :]
        scores = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
        columns = np.arange(scores.shape[1])
        parent = getattr(model, "classes_", None)
        if student is not model and parent is not None:
            # a VT student may never have seen some of the teacher's classes
            columns = np.searchsorted(np.asarray(parent), student.classes_)
        return _view(t, scores, scores.argmax(axis=1), allowed=False, columns=columns)
    raise TypeError(
        f"expected a fitted decision-tree student or a model whose student_ is one; got "
        f"{type(student).__name__}."
    )


def tree_leaves(model) -> int:
    """Number of leaves of a tree student (1 for a constant student).

    For any model (forests summed, NaN without trees), as the experiments record it, see
    :func:`crembo.metrics.n_leaves`.
    """
    return tree_view(model).n_leaves


def rules(
    model,
    feature_names=None,
    class_names=None,
    *,
    X=None,
    y=None,
    digits: int = 3,
    merge: bool = True,
    missing="auto",
) -> str:
    """The tree student as nested if/else rules, one leaf per ``predict`` line.

    Parameters
    ----------
    model : fitted model or tree student (see :func:`tree_view`)
    feature_names : sequence of str, optional
        Defaults to the model's ``feature_names_in_`` (fitted on a data frame), else
        ``x[0]``, ``x[1]``, ... A one-hot column named ``col=value`` (the naming of
        ``crembo.datasets``) reads as ``col == value`` / ``col != value``.
    class_names : sequence of str, optional
        Aligned with the model's ``classes_``; defaults to the labels themselves.
    X : array-like of shape (n_samples, n_features), optional
        Rows to count per leaf (real rows: the counts stored in the tree include the
        synthetic rows a model with ``augment > 0`` was fitted on). Also tells which
        features have missing values (``missing="auto"``).
    y : array-like of shape (n_samples,), optional
        Labels of ``X``: each leaf then says how many of its rows have the class it predicts.
    digits : int, default=3
        Significant digits of the thresholds, at least; more where two different thresholds
        on one feature would read the same.
    merge : bool, default=True
        Collapse a split whose leaves all predict the same class into one rule (the student
        predicts the same either way; the counts and scores shown are the split node's).
    missing : {"auto", True, False}, default="auto"
        Say where rows missing a feature go (scikit-learn sends them one way at every
        split): for every feature (True), none (False), or the features with missing values
        in ``X`` ("auto"; none without ``X``). A split of missing from present values always
        reads ``col is missing``.

    Returns
    -------
    rules : str

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from crembo import CREMBOClassifier
    >>> from crembo.students.tree import rules
    >>> data = load_iris(as_frame=True)
    >>> model = CREMBOClassifier(preset="paper", random_state=0).fit(data.data, data.target)
    >>> print(rules(model, class_names=data.target_names).splitlines()[0])  # doctest: +SKIP
    if petal length (cm) <= 2.45:
    """
    if missing not in ("auto", True, False):
        raise ValueError(f"missing must be 'auto', True or False; got {missing!r}.")
    if isinstance(digits, bool) or not isinstance(digits, int | np.integer) or digits < 1:
        raise ValueError(f"digits must be an integer >= 1; got {digits!r}.")
    view = tree_view(model)
    n_features = _n_features(model, view)
    if feature_names is None:
        feature_names = getattr(model, "feature_names_in_", None)
    features = _names(feature_names, n_features, "x[{}]", "feature_names")
    classes = class_labels(model, view, class_names)
    same = uniform_subtrees(view) if merge else view.is_leaf
    label = "P(allowed)" if view.allowed_labels else "P"
    counts = _node_counts(model, view, X, y, n_features)
    noted = _missing_features(missing, X, n_features)
    thresholds = _threshold_text(view, digits)
    fitted_rows = "rows" if counts is not None or not _has_synthetic_rows(model) else "fitted rows"
    lines: list[str] = []

    def leaf(node, indent):
        scores = _top_scores(view.scores[node], classes)
        if counts is None:
            n = f"{view.samples[node]} {fitted_rows}"
        else:
            n = _rows(counts[0][node])
            if counts[1] is not None:
                n += f", {counts[1][node]} of them {classes[view.predicted[node]]}"
        lines.append(f"{indent}predict {classes[view.predicted[node]]!s}  # {n}; {label} {scores}")

    # iterative pre-order walk: depth is small, but no recursion limit to think about
    # (node, depth, features known to be present on the path: no "or missing" below there)
    stack = [(0, 0, frozenset())]
    while stack:
        node, depth, present = stack.pop()
        if isinstance(node, str):
            lines.append(node)
            continue
        indent = "    " * depth
        if same[node]:
            leaf(node, indent)
            continue
        f = int(view.feature[node])
        first, cond, second, note = _split_text(view, node, features, thresholds, noted - present)
        below = (present, present)
        if not np.isfinite(view.threshold[node]):  # the second branch holds the present rows
            below = (present, present | {f})
        stack.append((second, depth + 1, below[1]))
        stack.append((f"{indent}else:{note}", depth, present))
        stack.append((first, depth + 1, below[0]))
        lines.append(f"{indent}if {cond}:")
    return "\n".join(lines)


def tree_rules(
    model,
    feature_names=None,
    class_names=None,
    *,
    decimals: int = 3,
    merge: bool = True,
) -> str:
    """:func:`rules` under its former name (``decimals`` is now ``digits``)."""
    return rules(model, feature_names, class_names, digits=decimals, merge=merge)


def describe(model) -> str:
    """A fitted model's text form: one line about it, then its rules (its repr if unfitted).

    What ``print(model)`` shows for CREMBO and MEMO models.
    """
    if not hasattr(model, "student_"):
        return repr(model)
    student = model.student_
    try:
        view = tree_view(model)
        parts, text = [f"a tree of depth {view.max_depth} with {view.n_leaves} leaves"], None
    except TypeError:
        if not callable(getattr(student, "rules", None)):
            return f"{model!r}\n(student: {type(student).__name__}; no rules to show)"
        # a student with its own text form (a sum of trees): its rules say its size
        parts, text = [f"a {type(student).__name__}"], student.rules()
    theta = getattr(model, "threshold_", None)
    memo = getattr(model, "memo_threshold_", None)
    if theta is not None:
        parts.append(f"θ = {theta:.4g}" + ("" if memo is None else f" (MEMO's θ* = {memo:.4g})"))
    depth = getattr(model, "depth_", None)
    if depth is not None:
        parts.append(f"measured depth {depth:.3g}")
    head = f"{type(model).__name__}: " + ", ".join(parts) + "."
    if _has_synthetic_rows(model):
        head += " Row counts include the synthetic rows of the fit."
    return head + "\n" + (rules(model) if text is None else text)


def _allowed_label_view(student: AllowedLabelClassifier) -> TreeView:
    c = student.constant_.size
    est = student.estimator_
    if est is None:  # every column constant: one leaf
        scores = np.nan_to_num(student.constant_)[None, :]
        ties = getattr(student, "tie_scores_", None)
        ties = None if ties is None else ties[None, :]
        return TreeView(
            left=np.array([-1]),
            right=np.array([-1]),
            feature=np.array([-2]),
            threshold=np.array([np.nan]),
            samples=np.array([0]),
            scores=scores,
            predicted=break_ties(scores, ties).argmax(axis=1),
            allowed_labels=True,
            columns=np.arange(c),
        )
    if not (isinstance(est, BaseDecisionTree) and hasattr(est, "tree_")):
        raise TypeError(
            f"the student is not a decision tree (its estimator is {type(est).__name__})."
        )
    t = est.tree_
    n_out = student.active_.size
    class_lists = [est.classes_] if n_out == 1 else est.classes_
    value = t.value  # (n_nodes, n_outputs, max_n_classes): per-output class fractions
    scores = np.tile(np.nan_to_num(student.constant_), (t.node_count, 1))
    # the student reads P(allowed) straight from the node values when every output is 0/1
    # (its fast path): no division here either, so ties compare exactly as in predict
    raw = all(len(cls) == 2 for cls in class_lists)
    for k, (col, cls) in enumerate(zip(student.active_, class_lists, strict=True)):
        v = value[:, k, : len(cls)]
        hit = np.flatnonzero(np.asarray(cls) == 1)
        if not hit.size:
            scores[:, col] = 0.0
        elif raw:
            scores[:, col] = v[:, hit[0]]
        else:
            total = v.sum(axis=1)
            scores[:, col] = v[:, hit[0]] / np.where(total == 0, 1.0, total)
    predicted = break_ties(scores, getattr(student, "tie_scores_", None)).argmax(axis=1)
    return _view(t, scores, predicted, allowed=True, columns=np.arange(c))


def _view(t, scores, predicted, allowed, columns) -> TreeView:
    return TreeView(
        left=t.children_left.copy(),
        right=t.children_right.copy(),
        feature=t.feature.copy(),
        threshold=t.threshold.copy(),
        samples=t.n_node_samples.copy(),
        scores=scores,
        predicted=predicted,
        allowed_labels=allowed,
        columns=columns,
        missing_left=np.asarray(t.missing_go_to_left, dtype=bool).copy(),
    )


def uniform_subtrees(view: TreeView) -> np.ndarray:
    """Nodes whose leaves all predict one class (leaves included)."""
    n = view.left.size
    uniform = view.is_leaf.copy()
    label = view.predicted.copy()
    for node in range(n - 1, -1, -1):  # children have larger ids than their parent
        if view.left[node] < 0:
            continue
        a, b = view.left[node], view.right[node]
        if uniform[a] and uniform[b] and label[a] == label[b]:
            uniform[node], label[node] = True, label[a]
    # a merged node predicts what its leaves predict, whatever its own scores say
    view.predicted = np.where(uniform, label, view.predicted)
    return uniform


def _n_features(model, view) -> int:
    n = getattr(model, "n_features_in_", None)
    if n is None:
        n = int(view.feature.max()) + 1 if view.feature.size else 0
    return int(n)


def _names(names, n, pattern, arg):
    if names is None:
        return [pattern.format(i) for i in range(n)]
    names = [str(x) for x in names]
    if len(names) < n:
        raise ValueError(f"{arg} has {len(names)} names; the model uses {n}.")
    return names


def class_labels(model, view: TreeView, class_names=None) -> list[str]:
    """Display name of each column of ``view.scores``.

    ``class_names`` (optional) are aligned with the model's ``classes_``.
    """
    classes = getattr(model, "classes_", None)
    student = getattr(model, "student_", model)
    if class_names is None:
        if isinstance(student, BaseDecisionTree) and student is not model:
            return [str(x) for x in student.classes_]
        if classes is not None and len(classes) > int(view.columns.max()):
            return [str(classes[j]) for j in view.columns]
        return [str(j) for j in view.columns]
    n = len(classes) if classes is not None else int(view.columns.max()) + 1
    names = _names(class_names, n, "{}", "class_names")
    return [names[j] for j in view.columns]


def _top_scores(scores, classes, shown: int = 4) -> str:
    """Non-zero scores, largest first, at most ``shown`` of them."""
    order = np.argsort(-scores, kind="stable")
    order = order[scores[order] >= 0.005]
    if order.size == 0:
        return "none"
    text = ", ".join(f"{classes[k]} {scores[k]:.2f}" for k in order[:shown])
    return text + (f", +{order.size - shown} more" if order.size > shown else "")


def _rows(n) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _one_hot(name: str):
    """``(column, value)`` of a one-hot column named ``column=value``, else None."""
    column, sep, value = name.partition("=")
    return (column, value) if sep and column and value else None


def _split_text(view, node, features, thresholds, noted):
    """``(first child, condition, second child, else-comment)`` of a split node."""
    f = int(view.feature[node])
    name, t = features[f], float(view.threshold[node])
    left, right = int(view.left[node]), int(view.right[node])
    missing_left = bool(view.missing_left[node])
    if not np.isfinite(t):  # present values one way, missing ones the other
        if missing_left:
            return left, f"{name} is missing", right, ""
        return right, f"{name} is missing", left, ""
    shown = f in noted
    hot = _one_hot(name)
    if hot is not None and 0.0 <= t < 1.0:  # real rows hold 0 or 1: left is "not this value"
        column, value = hot
        cond = f"{column} == {value}"
        if shown and not missing_left:
            return right, f"{cond} or {column} is missing", left, f"  # {column} != {value}"
        return right, cond, left, f"  # {column} != {value}" + (" or missing" if shown else "")
    cond = f"{name} <= {thresholds[node]}"
    if shown and missing_left:
        return left, f"{cond} or {name} is missing", right, ""
    return left, cond, right, f"  # {name} > {thresholds[node]} or missing" if shown else ""


def _threshold_text(view, digits) -> dict:
    """Each split's threshold as text: ``digits`` significant digits, more where two
    different thresholds of one feature would otherwise read the same."""
    split = np.flatnonzero((view.left >= 0) & np.isfinite(view.threshold))
    out = {}
    for f in np.unique(view.feature[split]):
        nodes = split[view.feature[split] == f]
        values = np.unique(view.threshold[nodes])
        for d in range(digits, 18):
            text = [_fixed(v, d) for v in values]
            if len(set(text)) == values.size:
                break
        else:
            text = [repr(float(v)) for v in values]
        lookup = dict(zip(values.tolist(), text, strict=True))
        for node in nodes:
            out[int(node)] = lookup[float(view.threshold[node])]
    return out


def _fixed(value: float, digits: int) -> str:
    """``value`` in fixed notation with at least ``digits`` significant digits."""
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - int(np.floor(np.log10(abs(value)))))
    return f"{value:.{decimals}f}"


def _node_counts(model, view, X, y, n_features):
    """Rows of ``X`` reaching each node, and among them those of the node's predicted class."""
    if X is None:
        if y is not None:
            raise ValueError("y needs X: the rows whose labels they are.")
        return None
    Xa = np.asarray(X, dtype=np.float32)
    if Xa.ndim != 2 or Xa.shape[1] != n_features:
        raise ValueError(f"X must have shape (n_samples, {n_features}); got {Xa.shape}.")
    from crembo.students.export import to_sklearn  # export builds on this module

    path = tree_decision_path(to_sklearn(model), np.ascontiguousarray(Xa)).tocsc()
    counts = np.diff(path.indptr)
    if y is None:
        return counts, None
    y = np.asarray(y)
    if y.shape != (Xa.shape[0],):
        raise ValueError(
            f"y must have shape ({Xa.shape[0]},), one label per row of X; got {y.shape}."
        )
    labels = _class_values(model, view)
    wanted = labels[view.predicted]  # the label each node predicts
    hit = np.zeros(view.left.size, dtype=np.int64)
    rows, nodes = path.nonzero()
    ok = y[rows] == wanted[nodes]
    np.add.at(hit, nodes[ok], 1)  # one entry per (row, node on its path): depth x rows
    return counts, hit


def _class_values(model, view) -> np.ndarray:
    """The label of each column of ``view.scores``, as ``y`` holds them."""
    classes = getattr(model, "classes_", None)
    if classes is None:
        return np.asarray(view.columns)
    return np.asarray(classes)[view.columns]


def _missing_features(missing, X, n_features) -> set:
    if missing is True:
        return set(range(n_features))
    if missing is False or X is None:
        return set()
    Xa = np.asarray(X, dtype=np.float64)
    return set(np.flatnonzero(np.isnan(Xa).any(axis=0)).tolist())


def _has_synthetic_rows(model) -> bool:
    """Whether the model's student was fitted on synthetic (MUNGE) rows besides the real ones."""
    n = getattr(model, "n_synthetic_", None)
    if n is not None:
        return n > 0
    config = getattr(model, "config_", None)
    augment = getattr(config, "augment", None)
    if augment is None and hasattr(model, "_resolved"):
        try:
            augment = model._resolved("augment")
        except (AttributeError, KeyError, ValueError):
            augment = None
    return bool(augment) and getattr(model, "belief_kind_", "") != "given"

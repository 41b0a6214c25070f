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


def n_leaves(model) -> int:
    """Number of leaves of a tree student (1 for a constant student)."""
    return tree_view(model).n_leaves


def tree_rules(
    model,
    feature_names=None,
    class_names=None,
    *,
    decimals: int = 3,
    merge: bool = True,
) -> str:
    """The tree student as nested if/else rules.

    Parameters
    ----------
    model : fitted model or tree student (see :func:`tree_view`)
    feature_names : sequence of str, optional
        Defaults to ``x[0]``, ``x[1]``, ...
    class_names : sequence of str, optional
        Defaults to the model's ``classes_`` (or class indices).
    decimals : int, default=3
        Decimals of the split thresholds.
    merge : bool, default=True
        Collapse a split whose leaves all predict the same class into one rule (the student
        predicts the same either way; the samples and scores shown are the split node's).

    Returns
    -------
    rules : str
    """
    view = tree_view(model)
    n_features = _n_features(model, view)
    features = _names(feature_names, n_features, "x[{}]", "feature_names")
    classes = class_labels(model, view, class_names)
    same = uniform_subtrees(view) if merge else view.is_leaf
    label = "P(allowed)" if view.allowed_labels else "P"
    lines: list[str] = []

    def leaf(node, indent):
        scores = _top_scores(view.scores[node], classes)
        lines.append(
            f"{indent}predict {classes[view.predicted[node]]!s}"
            f"  # {_rows(view.samples[node])}; {label} {scores}"
        )

    # iterative pre-order walk: depth is small, but no recursion limit to think about
    stack = [(0, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            lines.append(node)
            continue
        indent = "    " * depth
        if same[node]:
            leaf(node, indent)
            continue
        cond = f"{features[view.feature[node]]} <= {view.threshold[node]:.{decimals}f}"
        stack.append((view.right[node], depth + 1))
        stack.append((f"{indent}else:", depth))
        stack.append((view.left[node], depth + 1))
        lines.append(f"{indent}if {cond}:")
    return "\n".join(lines)


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

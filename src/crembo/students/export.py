"""The compressed model as a plain scikit-learn decision tree.

:func:`to_sklearn` turns a fitted CREMBO / MEMO model (or an allowed-label tree student, or a
VT surrogate) into a single-output :class:`~sklearn.tree.DecisionTreeClassifier` with the
student's splits, whose ``predict`` is the model's ``predict`` and whose ``predict_proba`` is
the model's normalized allowed-probabilities. Every tool that reads a fitted scikit-learn tree
(``export_text``, ``plot_tree``, ``export_graphviz``, dtreeviz, ONNX converters) then reads the
compressed model. :func:`student_only` is the same tree as the deployable model: no teacher,
a file of a few KB with :func:`crembo.save`.
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from crembo._compat import build_tree, node_dtype, tree_state
from crembo.students.sklearn import AllowedLabelClassifier, break_ties

#: A class within this relative distance of a node's winner is pushed this far below it, so
#: that normalizing (here and again in ``predict_proba``) cannot make it tie with the winner;
#: the probabilities move by at most this much.
_MARGIN = 1e-12


def to_sklearn(model) -> DecisionTreeClassifier:
    """A plain single-output ``DecisionTreeClassifier`` that predicts what ``model`` predicts.

    Parameters
    ----------
    model : fitted CREMBOClassifier, MEMOClassifier, SurrogateClassifier, AllowedLabelClassifier
        or DecisionTreeClassifier
        The student must be a scikit-learn decision tree (including ``GiniRegressionTree``)
        or a constant student.

    Returns
    -------
    tree : DecisionTreeClassifier
        Fitted: ``classes_`` are the model's labels, ``feature_names_in_`` its feature names
        (when it was fitted on a data frame), ``tree_`` has the student's nodes (features,
        thresholds, children, missing-value directions, row counts, impurities) and, per
        node, the normalized allowed-probabilities with the model's tie-break applied, so
        that ``argmax(predict_proba) == predict == model.predict``.

    Raises
    ------
    TypeError
        When the student is not a decision tree.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import export_text
    >>> from crembo import CREMBOClassifier
    >>> from crembo.students.export import to_sklearn
    >>> X, y = load_iris(return_X_y=True)
    >>> model = CREMBOClassifier(preset="paper", random_state=0).fit(X, y)
    >>> tree = to_sklearn(model)
    >>> bool((tree.predict(X) == model.predict(X)).all())
    True
    >>> print(export_text(tree).splitlines()[0])  # doctest: +SKIP
    |--- feature_2 <= 2.45
    """
    student = getattr(model, "student_", model)
    if isinstance(student, AllowedLabelClassifier):
        n_features = getattr(model, "n_features_in_", None)
        tree = _from_allowed_label(student, _classes(model, student), n_features)
    elif isinstance(student, DecisionTreeClassifier) and hasattr(student, "tree_"):
        tree = _from_plain_tree(student, getattr(model, "classes_", student.classes_))
    else:
        raise TypeError(
            "to_sklearn needs a fitted model whose student is a scikit-learn decision tree "
            f"(or an allowed-label tree student); got {type(student).__name__}."
        )
    names = getattr(model, "feature_names_in_", getattr(student, "feature_names_in_", None))
    if names is not None:
        tree.feature_names_in_ = np.asarray(names, dtype=object)
    elif hasattr(tree, "feature_names_in_"):
        del tree.feature_names_in_
    return tree


def student_only(model) -> DecisionTreeClassifier:
    """The deployable part of a fitted model: its exported tree, without the teacher.

    The same object as :func:`to_sklearn` gives: a plain ``DecisionTreeClassifier``, which
    :func:`crembo.save` writes in a few KB (the full model carries its teacher, often MBs)
    and any scikit-learn installation can use.
    """
    return to_sklearn(model)


def _classes(model, student):
    classes = getattr(model, "classes_", None)
    if classes is None or model is student:
        return np.asarray(student.classes_)
    return np.asarray(classes)


def _from_allowed_label(student: AllowedLabelClassifier, classes, n_features=None):
    # tree_view reads the node scores exactly as the student's predict does (same values,
    # same tie-break arithmetic); imported here because tree.py imports this module's names
    from crembo.students.tree import tree_view

    view = tree_view(student)
    est = student.estimator_
    n_classes = view.scores.shape[1]
    if len(classes) != n_classes:
        raise ValueError(
            f"the model has {len(classes)} classes but its student scores {n_classes}."
        )
    ties = getattr(student, "tie_scores_", None)
    if ties is not None and ties.ndim == 1:
        ties = np.broadcast_to(ties, view.scores.shape)
    ranked = break_ties(view.scores, ties)
    values = _node_proba(ranked)
    if est is None:  # every column constant: a single leaf
        nodes = _leaf_nodes(1)
        n_features = 1 if n_features is None else n_features
        params, max_features, max_depth = {}, n_features, 0
    else:
        state = tree_state(est)
        nodes, max_depth = state["nodes"], state["max_depth"]
        n_features = est.n_features_in_
        params = _tree_params(est)
        max_features = est.max_features_
    tree = DecisionTreeClassifier(**params)
    _fill(tree, n_features, classes, nodes, values, max_depth, max_features)
    return tree


def _from_plain_tree(student: DecisionTreeClassifier, classes) -> DecisionTreeClassifier:
    if student.n_outputs_ != 1:
        raise TypeError(
            "to_sklearn: a multi-output tree is not a classifier of the model's labels."
        )
    classes = np.asarray(classes)
    if np.array_equal(np.asarray(student.classes_), classes) and type(student) is (
        DecisionTreeClassifier
    ):
        return copy.deepcopy(student)
    # a VT student may not have seen every class of its teacher: widen the value table
    state = tree_state(student)
    columns = np.searchsorted(classes, student.classes_)
    values = np.zeros((state["node_count"], 1, classes.size))
    values[:, 0, columns] = state["values"][:, 0, : len(student.classes_)]
    tree = DecisionTreeClassifier(**_tree_params(student))
    _fill(
        tree,
        student.n_features_in_,
        classes,
        state["nodes"],
        values,
        state["max_depth"],
        student.max_features_,
    )
    return tree


def _node_proba(ranked: np.ndarray) -> np.ndarray:
    """Per-node probabilities of shape (n_nodes, 1, n_classes) whose argmax is ranked's.

    As ``AllowedLabelClassifier.predict_proba``: allowed-probabilities (tie-nudged) divided
    by their sum, uniform where none is allowed. Classes that normalizing would bring level
    with the winner are set just below it.
    """
    winner = ranked.argmax(axis=1)
    totals = ranked.sum(axis=1, keepdims=True)
    uniform = np.full_like(ranked, 1.0 / ranked.shape[1])
    proba = np.divide(ranked, totals, out=uniform, where=totals > 0)
    rows = np.arange(proba.shape[0])
    top = proba[rows, winner][:, None]
    close = proba >= top * (1.0 - _MARGIN)
    close[rows, winner] = False
    proba = np.where(close, top * (1.0 - 4 * _MARGIN), proba)
    return np.ascontiguousarray(proba[:, None, :])


def _tree_params(est) -> dict:
    """The estimator's tree parameters, as a plain ``DecisionTreeClassifier`` takes them."""
    names = DecisionTreeClassifier().get_params(deep=False)
    params = {k: v for k, v in est.get_params(deep=False).items() if k in names}
    # the values are allowed-probabilities, not class shares: class weights were used in the
    # fit already, and a plain tree must not apply them twice if refitted on labels
    params["class_weight"] = None
    return params


def _leaf_nodes(n_samples: int) -> np.ndarray:
    nodes = np.zeros(1, dtype=node_dtype())
    nodes["left_child"] = -1
    nodes["right_child"] = -1
    nodes["feature"] = -2
    nodes["threshold"] = -2.0
    nodes["n_node_samples"] = n_samples
    nodes["weighted_n_node_samples"] = float(n_samples)
    return nodes


def _fill(tree, n_features, classes, nodes, values, max_depth, max_features) -> None:
    """Make ``tree`` a fitted single-output classifier with these nodes and values."""
    classes = np.asarray(classes)
    state = {"max_depth": max_depth, "node_count": len(nodes), "nodes": nodes, "values": values}
    # node fields are copied by name into the installed version's record type
    tree.tree_ = build_tree(n_features, [classes.size], state)
    tree.n_features_in_ = int(n_features)
    tree.n_outputs_ = 1
    tree.classes_ = classes
    tree.n_classes_ = int(classes.size)
    tree.max_features_ = int(max_features)


class ReadableTreeMixin:
    """``to_sklearn``, ``student_only``, ``rules`` and a text form for fitted tree models.

    Mixed into the CREMBO, MEMO and VT estimators: ``print(model)`` shows the fitted tree as
    rules (an unfitted model prints its ``repr``, which stays scikit-learn's).
    """

    def to_sklearn(self):
        """The model as a plain ``DecisionTreeClassifier`` (see :func:`to_sklearn`)."""
        return to_sklearn(self)

    def student_only(self):
        """The deployable tree without the teacher (see :func:`student_only`)."""
        return student_only(self)

    def rules(self, feature_names=None, class_names=None, **kwargs) -> str:
        """The student as if/else rules (see :func:`crembo.students.tree.rules`)."""
        from crembo.students.tree import rules

        return rules(self, feature_names, class_names, **kwargs)

    def __str__(self) -> str:
        from crembo.students.tree import describe

        return describe(self)

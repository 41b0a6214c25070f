"""Gini trees on allowed labels, grown as squared-error regression trees.

For a 0/1 output the Gini impurity ``1 - p² - (1-p)² = 2·p(1-p)`` is twice the variance, so
a multi-output ``DecisionTreeRegressor`` (squared error) ranks every split exactly as a
multi-output ``DecisionTreeClassifier`` with ``criterion="gini"`` does, and its leaf value is
the (weighted) share of ones, i.e. the classifier's probability of class 1. The regressor
keeps one number per output instead of two and skips the per-output label encoding, which
makes a fit on ``Y_θ`` about 1.5-2x faster. :class:`GiniRegressionTree` grows the regressor
and keeps its nodes in the classifier's form, so everything downstream (``predict_proba``,
rule export, saving) sees the decision tree it asked for.
"""

from __future__ import annotations

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from crembo._compat import build_tree, fit_tree, tree_state, validate_params

# Parameters that make the classifier's tree differ from the regressor's beyond the factor 2
# of the impurity (pruning and impurity thresholds compare impurities to user constants).
_EXACT_DEFAULTS = {
    "criterion": "gini",
    "class_weight": None,
    "ccp_alpha": 0.0,
    "min_impurity_decrease": 0.0,
    "monotonic_cst": None,
}
_SHARED = (
    "splitter",
    "max_depth",
    "min_samples_split",
    "min_samples_leaf",
    "min_weight_fraction_leaf",
    "max_features",
    "max_leaf_nodes",
    "random_state",
)


def grows_as_regressor(estimator) -> bool:
    """Whether ``estimator`` is a Gini ``DecisionTreeClassifier`` a regressor can stand in for."""
    if not isinstance(estimator, DecisionTreeClassifier):
        return False
    params = estimator.get_params(deep=False)
    return all(
        params[k] is None if v is None else params[k] == v for k, v in _EXACT_DEFAULTS.items()
    )


class GiniRegressionTree(DecisionTreeClassifier):
    """A ``DecisionTreeClassifier`` that grows itself as a squared-error regressor on 0/1 targets.

    Same parameters, attributes and predictions as ``DecisionTreeClassifier``; pass it as the
    student (``CREMBOClassifier(student=GiniRegressionTree(max_depth=6))``) where fit time
    matters. Targets that are not 0/1 in every column, or parameters under which the two
    criteria differ (see :func:`grows_as_regressor`), fall back to the classifier's own fit.

    The splits equal the classifier's up to floating point: where two candidate splits are
    tied to the last bit, or a node is pure up to rounding, the two formulas may choose
    differently (about 1 % of random small problems, see ``docs/performance.md``).
    """

    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit as ``DecisionTreeClassifier.fit`` does (grown as a regressor when it can)."""
        validate_params(self)
        return self._fit(X, y, sample_weight=sample_weight, check_input=check_input)

    # scikit-learn's fit (and a forest fitting its members) calls this private hook
    def _fit(self, X, y, sample_weight=None, check_input=True, missing_values_in_feature_mask=None):
        Y = np.asarray(y)
        if not (grows_as_regressor(self) and _binary_columns(Y)):
            return super()._fit(X, y, sample_weight, check_input, missing_values_in_feature_mask)
        params = {k: getattr(self, k) for k in _SHARED}
        reg = DecisionTreeRegressor(criterion="squared_error", **params)
        fit_tree(
            reg,
            X,
            Y.astype(np.float64),
            sample_weight=sample_weight,
            check_input=check_input,
            missing_values_in_feature_mask=missing_values_in_feature_mask,
        )
        return _as_classifier(self, reg, Y)


def _binary_columns(Y) -> bool:
    """Every column holds both 0 and 1 and nothing else."""
    if Y.ndim not in (1, 2) or Y.size == 0 or not np.issubdtype(Y.dtype, np.number):
        return False
    Y2 = Y.reshape(Y.shape[0], -1)
    return bool(
        np.all(Y2.min(axis=0) == 0) and np.all(Y2.max(axis=0) == 1) and np.isin(Y2, (0, 1)).all()
    )


def _as_classifier(clf, reg, Y):
    """Give ``clf`` the fitted nodes of ``reg`` in the classifier's form (P(0), P(1))."""
    n_outputs = 1 if Y.ndim == 1 else Y.shape[1]
    state = tree_state(reg)
    p1 = state["values"][:, :, 0]
    nodes = state["nodes"].copy()
    nodes["impurity"] *= 2.0  # Gini of a 0/1 output is twice its variance
    tree = build_tree(
        reg.n_features_in_,
        np.full(n_outputs, 2, dtype=np.intp),
        {
            "max_depth": state["max_depth"],
            "node_count": state["node_count"],
            "nodes": nodes,
            "values": np.stack([1.0 - p1, p1], axis=2),
        },
    )
    if hasattr(reg, "feature_names_in_"):
        clf.feature_names_in_ = reg.feature_names_in_
    return as_fitted_binary_tree(clf, tree, reg.n_features_in_, reg.max_features_, Y.dtype)


def as_fitted_binary_tree(clf, tree, n_features, max_features, dtype):
    """``clf`` (a ``DecisionTreeClassifier``) fitted: ``tree`` with 0/1 classes per output."""
    n_outputs = int(tree.n_outputs)
    classes = np.array([0, 1], dtype=dtype)
    clf.n_features_in_ = n_features
    clf.n_outputs_ = n_outputs
    clf.max_features_ = max_features
    if n_outputs == 1:
        clf.classes_, clf.n_classes_ = classes, 2
    else:
        clf.classes_ = [classes.copy() for _ in range(n_outputs)]
        clf.n_classes_ = np.full(n_outputs, 2, dtype=np.intp)
    clf.tree_ = tree
    return clf

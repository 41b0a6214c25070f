"""Any scikit-learn classifier as an allowed-label student.

The student is fitted to the multi-hot matrix ``Y_θ`` and predicts, at each point, the class
with the highest probability of being allowed. Columns that are constant (a class allowed
everywhere or nowhere) are not fitted: their probability is that constant, which keeps
learners that refuse single-class targets working and saves fits.
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import get_tags
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

# Learners that take multi-label targets although their tags do not say so.
_NATIVE_MULTILABEL = (MLPClassifier,)


def supports_multilabel(estimator) -> bool:
    """Whether ``estimator`` fits a multi-hot target matrix by itself."""
    return isinstance(estimator, _NATIVE_MULTILABEL) or get_tags(estimator).target_tags.multi_output


def split_class_weight(estimator, y, classes=None):
    """Move ``class_weight`` from ``estimator`` into per-row weights computed from ``y``.

    Class weights are about the true labels; fitted per output of ``Y_θ`` they would be
    recomputed for every threshold and mean something else. Returns ``(estimator_without,
    sample_weight or None)``; ``estimator`` itself is not changed.
    """
    params = estimator.get_params(deep=False)
    cw = params.get("class_weight")
    if cw is None:
        return estimator, None
    est = clone(estimator).set_params(class_weight=None)
    if isinstance(cw, dict) and classes is not None:
        # keys are the user's labels; y may be encoded as indices into classes
        cw = {i: cw.get(c, 1.0) for i, c in enumerate(classes)}
    return est, compute_sample_weight(cw, y)


class AllowedLabelClassifier(ClassifierMixin, BaseEstimator):
    """Fit a scikit-learn classifier to allowed labels ``Y_θ``; predict the likeliest allowed.

    Parameters
    ----------
    estimator : classifier
        Cloned for every fit. Learners without native multi-label support are wrapped in
        :class:`~sklearn.multioutput.MultiOutputClassifier`.

    Attributes
    ----------
    estimator_ : classifier or None
        Fitted on the non-constant columns; None when every column is constant.
    active_ : ndarray of int
        Columns of ``Y`` that were fitted.
    constant_ : ndarray of shape (n_classes,)
        Probability used for each constant column (NaN for fitted ones).
    classes_ : ndarray
        ``arange(n_classes)``: predictions are class indices.
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, Y, sample_weight=None):
        """Fit to a multi-hot matrix ``Y`` of shape (n_samples, n_classes)."""
        Y = np.asarray(Y)
        if Y.ndim != 2:
            raise ValueError(f"Y must be a 2-D multi-hot matrix; got shape {Y.shape}.")
        if not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"student: {type(self.estimator).__name__} has no predict_proba; an allowed-"
                "label student needs each class's probability of being allowed."
            )
        col_min, col_max = Y.min(axis=0), Y.max(axis=0)
        constant = col_min == col_max
        self.classes_ = np.arange(Y.shape[1])
        self.active_ = np.flatnonzero(~constant)
        self.constant_ = np.where(constant, col_min.astype(float), np.nan)
        self.estimator_ = None
        if self.active_.size:
            est = _fresh(self.estimator)
            target = Y[:, self.active_]
            if self.active_.size == 1:
                target = target[:, 0]
            elif not supports_multilabel(est):
                est = MultiOutputClassifier(est)
            kwargs = {}
            if sample_weight is not None:
                if not has_fit_parameter(est, "sample_weight"):
                    raise TypeError(
                        f"student: {type(self.estimator).__name__} does not accept "
                        "sample_weight, which class_weight needs."
                    )
                kwargs["sample_weight"] = sample_weight
            try:
                if _is_tree(est) and _plain_array(X):
                    self.estimator_ = _fit_tree_unchecked(est, X, target, sample_weight)
                else:
                    self.estimator_ = est.fit(X, target, **kwargs)
            except (ValueError, TypeError) as exc:
                explained = _explained(exc, est, target, self.estimator)
                if explained is None:
                    raise
                raise explained from exc
        return self

    def allowed_proba(self, X) -> np.ndarray:
        """Probability that each class is allowed, shape (n_samples, n_classes)."""
        check_is_fitted(self, "constant_")
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        P = np.tile(np.where(np.isnan(self.constant_), 0.0, self.constant_), (n, 1))
        if self.estimator_ is not None:
            P[:, self.active_] = _positive_proba(self.estimator_, X, self.active_.size)
        return P

    def predict(self, X) -> np.ndarray:
        """Class index with the highest probability of being allowed (lowest index on ties)."""
        return self.allowed_proba(X).argmax(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Allowed-probabilities normalized to sum to one per row."""
        P = self.allowed_proba(X)
        totals = P.sum(axis=1, keepdims=True)
        uniform = np.full_like(P, 1.0 / P.shape[1])
        return np.divide(P, totals, out=uniform, where=totals > 0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = get_tags(self.estimator).input_tags.allow_nan
        return tags


def _explained(exc, est, target, student):
    """The student's own refusal, saying what it was asked to fit (None: cannot rebuild it)."""
    shape = "x".join(map(str, np.shape(target)))
    how = " (one output per class)" if isinstance(est, MultiOutputClassifier) else ""
    message = (
        f"student: {type(student).__name__} could not be fitted to the allowed labels, a "
        f"{shape} 0/1 target{how}: {exc}"
    )
    try:
        return type(exc)(message)
    except Exception:  # an exception type with other constructor arguments
        return None


def _positive_proba(estimator, X, n_outputs) -> np.ndarray:
    """P(column = 1) for each fitted output, shape (n_samples, n_outputs)."""
    if _is_tree(estimator) and _plain_array(X) and np.all(estimator.n_classes_ == 2):
        # What predict_proba returns, without its per-call checks: every fitted column holds
        # both 0 and 1, so class 1 of each output is P(allowed).
        values = estimator.tree_.predict(np.asarray(X, dtype=np.float32))
        return np.ascontiguousarray(values.reshape(X.shape[0], n_outputs, -1)[:, :, 1])
    proba = estimator.predict_proba(X)
    if n_outputs == 1:
        proba = [proba]
    if isinstance(proba, np.ndarray) and proba.ndim == 2 and n_outputs > 1:
        return proba  # native multi-label learners (MLP) give P(1) per column directly
    classes = getattr(estimator, "classes_", None)
    if n_outputs == 1:
        classes = [classes]
    elif isinstance(estimator, MultiOutputClassifier):
        classes = [e.classes_ for e in estimator.estimators_]
    cols = []
    for p, cls in zip(proba, classes, strict=True):
        hit = np.flatnonzero(np.asarray(cls) == 1)
        cols.append(p[:, hit[0]] if hit.size else np.zeros(p.shape[0]))
    return np.column_stack(cols)


def _fit_tree_unchecked(tree, X, Y, sample_weight):
    """Fit a scikit-learn tree as ``tree.fit`` would, without re-validating ``X``.

    A search fits one tree per threshold on the same rows, and the tree's own checks (dtype
    conversion, finiteness, missing-value mask) cost a fair share of a small tree's fit.
    Same tree as ``tree.fit(X, Y, sample_weight)``: X is converted to float32 as the tree
    does, and the mask of features with missing values is the one the tree computes.
    """
    X = np.asarray(X, dtype=np.float32)
    if np.isfinite(X).all():
        return tree.fit(X, Y, sample_weight=sample_weight, check_input=False)
    if not hasattr(tree, "_compute_missing_values_in_feature_mask"):
        return tree.fit(X, Y, sample_weight=sample_weight)
    tree._validate_params()
    # raises on inf, or on NaN for a tree that cannot take it, as tree.fit does
    missing = tree._compute_missing_values_in_feature_mask(X)
    return tree._fit(
        X, Y, sample_weight=sample_weight, check_input=False, missing_values_in_feature_mask=missing
    )


def _fresh(estimator):
    """``clone(estimator)``; for an unfitted tree a plain deep copy (same object, ~5x faster).

    A search clones once per fit, and a small tree fits in well under a millisecond.
    """
    if _is_tree(estimator) and not any(k.endswith("_") for k in vars(estimator)):
        return copy.deepcopy(estimator)
    return clone(estimator)


def _is_tree(estimator) -> bool:
    """A scikit-learn classification tree, whose fit/predict we may call without re-checks."""
    return isinstance(estimator, DecisionTreeClassifier)


def _plain_array(X) -> bool:
    """A dense NumPy array (no sparse matrix, no data frame with column names to check)."""
    return isinstance(X, np.ndarray) and X.ndim == 2

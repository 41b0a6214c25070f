"""Any scikit-learn classifier as an allowed-label student.

The student is fitted to the multi-hot matrix ``Y_θ`` and predicts, at each point, the class
with the highest probability of being allowed. Columns that are constant (a class allowed
everywhere or nowhere) are not fitted: their probability is that constant, which keeps
learners that refuse single-class targets working and saves fits.

``shrinkage=λ > 0`` applies hierarchical shrinkage (Agarwal et al. 2022; see
:mod:`crembo.students.shrinkage`) to a tree student's allowed-probabilities after the fit, by
rewriting the tree's node values: the fitted tree stays a plain scikit-learn tree that predicts
what the student predicts.

Where several classes are equally likely to be allowed (a leaf in which two classes are
allowed at every row, common at low thresholds) the paper's student takes the lowest class
index. ``tie_break="belief"`` takes instead the class the teacher believes in most there: the
mean belief of the fitted rows in the same leaf for a tree, over all fitted rows otherwise.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from crembo._compat import (
    HasMethods,
    Interval,
    StrOptions,
    fit_tree_unchecked,
    get_tags,
    tree_apply,
    tree_values,
    validate_params,
)
from crembo.students.shrinkage import check_shrinkage, shrink_tree_values

# Learners that take multi-label targets although their tags do not say so.
_NATIVE_MULTILABEL = (MLPClassifier,)


def supports_multilabel(estimator) -> bool:
    """Whether ``estimator`` fits a multi-hot target matrix by itself."""
    return isinstance(estimator, _NATIVE_MULTILABEL) or get_tags(estimator).target_tags.multi_output


def split_class_weight(estimator, y, classes=None, sample_weight=None):
    """Move ``class_weight`` from ``estimator`` into per-row weights computed from ``y``.

    Class weights are about the true labels; fitted per output of ``Y_θ`` they would be
    recomputed for every threshold and mean something else. Returns ``(estimator_without,
    sample_weight or None)``; ``estimator`` itself is not changed. With ``sample_weight``,
    ``"balanced"`` counts each class by its rows' weights (a row of weight k as k rows).
    """
    params = estimator.get_params(deep=False)
    cw = params.get("class_weight")
    if cw is None:
        return estimator, None
    est = clone(estimator).set_params(class_weight=None)
    if isinstance(cw, dict) and classes is not None:
        # keys are the user's labels; y may be encoded as indices into classes
        cw = {i: cw.get(c, 1.0) for i, c in enumerate(classes)}
    if cw == "balanced" and sample_weight is not None:
        present, codes = np.unique(y, return_inverse=True)
        per_class = np.bincount(codes, weights=sample_weight)
        return est, (np.sum(sample_weight) / (present.size * per_class))[codes]
    return est, compute_sample_weight(cw, y)


class AllowedLabelClassifier(ClassifierMixin, BaseEstimator):
    """Fit a scikit-learn classifier to allowed labels ``Y_θ``; predict the likeliest allowed.

    Parameters
    ----------
    estimator : classifier
        Cloned for every fit. Learners without native multi-label support are wrapped in
        :class:`~sklearn.multioutput.MultiOutputClassifier`.
    tie_break : {"index", "belief"}, default="index"
        Among classes equally likely to be allowed, predict the lowest index (the paper) or
        the one with the highest mean teacher belief among the fitted rows of the same leaf
        (a tree) or of the whole sample (other learners); ``"belief"`` needs ``belief`` in
        :meth:`fit`.
    shrinkage : float, default=0.0
        Hierarchical shrinkage strength λ ≥ 0 of a decision-tree student: each node's
        allowed-probabilities are shrunk toward its ancestors', damped by ``1 + λ / N(parent)``
        (imodels' ``HSTree``). 0 is the plain tree, bit for bit; other students need 0.

    Attributes
    ----------
    estimator_ : classifier or None
        Fitted on the non-constant columns; None when every column is constant.
    n_features_in_ : int
        Features of ``X``; ``predict`` refuses other widths.
    active_ : ndarray of int
        Columns of ``Y`` that were fitted.
    constant_ : ndarray of shape (n_classes,)
        Probability used for each constant column (NaN for fitted ones).
    classes_ : ndarray
        ``arange(n_classes)``: predictions are class indices.
    tie_scores_ : ndarray or None
        With ``tie_break="belief"``: mean belief per tree node, shape (n_nodes, n_classes),
        or over the sample, shape (n_classes,). None with ``tie_break="index"``.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> Y = np.eye(3, dtype=np.uint8)[y]
    >>> Y[y == 1, 2] = 1  # versicolor rows: virginica is allowed too
    >>> student = AllowedLabelClassifier(LogisticRegression(max_iter=500)).fit(X, Y)
    >>> bool(Y[np.arange(len(y)), student.predict(X)].mean() > 0.9)
    True
    """

    #: It follows :class:`crembo.students.protocol.AllowedLabelLearner`: used as it is.
    fits_allowed_labels = True

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "tie_break": [StrOptions({"index", "belief"})],
        "shrinkage": [Interval(numbers.Real, 0, None, closed="both")],
    }

    def __init__(self, estimator, tie_break="index", shrinkage=0.0):
        self.estimator = estimator
        self.tie_break = tie_break
        self.shrinkage = shrinkage

    def fit(self, X, Y, sample_weight=None, belief=None):
        """Fit to a multi-hot matrix ``Y`` of shape (n_samples, n_classes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        Y : array-like of shape (n_samples, n_classes)
            1 where a class is allowed.
        sample_weight : array-like of shape (n_samples,), default=None
        belief : array-like of shape (n_samples, n_classes), default=None
            The teacher's belief at the rows; breaks ties with ``tie_break="belief"``.

        Returns
        -------
        self : AllowedLabelClassifier
            Fitted.
        """
        validate_params(self)
        Y = np.asarray(Y)
        if Y.ndim != 2:
            raise ValueError(f"Y must be a 2-D multi-hot matrix; got shape {Y.shape}.")
        if self.tie_break == "belief":
            if belief is None:
                raise ValueError("tie_break='belief' needs the teacher's belief: fit(belief=...).")
            belief = np.asarray(belief, dtype=np.float64)
            if belief.shape != Y.shape:
                raise ValueError(f"belief must have the shape of Y, {Y.shape}; got {belief.shape}.")
        shrinkage = float(self.shrinkage)
        if shrinkage > 0 and not _is_tree(self.estimator):
            raise ValueError(
                f"shrinkage={self.shrinkage!r} needs a decision-tree student "
                f"(DecisionTreeClassifier); got {type(self.estimator).__name__}. Use shrinkage=0."
            )
        col_min, col_max = Y.min(axis=0), Y.max(axis=0)
        constant = col_min == col_max
        self.classes_ = np.arange(Y.shape[1])
        self.n_features_in_ = int(np.shape(X)[1])
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
                    self.estimator_ = fit_tree_unchecked(est, X, target, sample_weight)
                else:
                    self.estimator_ = est.fit(X, target, **kwargs)
            except (ValueError, TypeError) as exc:
                explained = _explained(exc, est, target, self.estimator)
                if explained is None:
                    raise
                raise explained from exc
            if shrinkage > 0:
                # in place: the fitted tree itself predicts the shrunk probabilities, so an
                # exported copy of it needs nothing else
                tree = self.estimator_.tree_
                tree.value[...] = shrink_tree_values(tree, shrinkage)
        self.tie_scores_ = None
        if self.tie_break == "belief":
            self.tie_scores_ = self._mean_belief(X, belief, sample_weight)
        return self

    def _mean_belief(self, X, belief, sample_weight):
        """Mean belief of the fitted rows per tree node, or over all rows."""
        w = np.ones(belief.shape[0]) if sample_weight is None else np.asarray(sample_weight)
        if not _is_tree(self.estimator_):
            return np.average(belief, axis=0, weights=w)
        nodes = _leaves(self.estimator_, X)
        n_nodes = self.estimator_.tree_.node_count
        # one bincount per class: np.add.at over millions of rows is many times slower
        totals = np.column_stack(
            [np.bincount(nodes, weights=b * w, minlength=n_nodes) for b in belief.T]
        )
        mass = np.bincount(nodes, weights=w, minlength=n_nodes)
        overall = np.average(belief, axis=0, weights=w)
        # nodes no row reaches are internal ones: the overall mean keeps them defined
        return np.where(mass[:, None] > 0, totals / np.maximum(mass, 1e-300)[:, None], overall)

    def _tie_scores(self, X, n) -> np.ndarray | None:
        if getattr(self, "tie_scores_", None) is None:
            return None
        if self.tie_scores_.ndim == 1:
            return np.broadcast_to(self.tie_scores_, (n, self.tie_scores_.size))
        return self.tie_scores_[_leaves(self.estimator_, X)]

    def allowed_proba(self, X) -> np.ndarray:
        """Probability that each class is allowed, shape (n_samples, n_classes)."""
        check_is_fitted(self, "constant_")
        _check_width(self, X)
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        P = np.tile(np.where(np.isnan(self.constant_), 0.0, self.constant_), (n, 1))
        if self.estimator_ is not None:
            P[:, self.active_] = _positive_proba(self.estimator_, X, self.active_.size)
        return P

    def predict(self, X) -> np.ndarray:
        """Class index with the highest probability of being allowed (ties: ``tie_break``)."""
        return self._ranked(X).argmax(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Allowed-probabilities normalized to sum to one per row (ties nudged by
        ``tie_break``, so that the argmax is :meth:`predict`)."""
        P = self._ranked(X)
        totals = P.sum(axis=1, keepdims=True)
        uniform = np.full_like(P, 1.0 / P.shape[1])
        return np.divide(P, totals, out=uniform, where=totals > 0)

    def _ranked(self, X) -> np.ndarray:
        P = self.allowed_proba(X)
        return break_ties(P, self._tie_scores(X, P.shape[0]))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = get_tags(self.estimator).input_tags.allow_nan
        return tags


def with_shrinkage(student, lam):
    """A copy of a fitted, unshrunk tree :class:`AllowedLabelClassifier` shrunk by ``lam``.

    The same as fitting with ``shrinkage=lam`` (the splits do not depend on λ), without the
    fit; None when ``student`` is not such a student (then fit with λ instead).
    """
    if not (
        isinstance(student, AllowedLabelClassifier)
        and check_shrinkage(student.shrinkage) == 0
        and (student.estimator_ is None or _is_tree(student.estimator_))
    ):
        return None
    out = copy.deepcopy(student)
    out.shrinkage = float(lam)
    if out.estimator_ is not None and lam > 0:
        tree = out.estimator_.tree_
        tree.value[...] = shrink_tree_values(tree, lam)
    return out


#: Allowed-probabilities closer than this to a row's maximum count as tied with it; a tie is
#: broken by adding at most _NUDGE, so no class below the tie can overtake it.
_TIE_TOL = 1e-9
_NUDGE = 1e-10


def break_ties(P, scores=None) -> np.ndarray:
    """``P`` with the classes tied at each row's maximum ordered by ``scores`` (in [0, 1]).

    None leaves ``P`` as it is (argmax then takes the lowest index, as NumPy does).
    """
    if scores is None:
        return P
    top = P.max(axis=1, keepdims=True)
    tied = top - P <= _TIE_TOL
    return P + np.where(tied, _NUDGE * np.clip(scores, 0.0, 1.0), 0.0)


def _check_width(student, X) -> None:
    """X has the student's features: its fast paths hand X to the tree unchecked."""
    expected = getattr(student, "n_features_in_", None)  # files saved before it was kept
    if expected is None and student.estimator_ is not None:
        expected = getattr(student.estimator_, "n_features_in_", None)
    width = np.shape(X)[1] if np.ndim(X) == 2 else None
    if expected is not None and width != expected:
        raise ValueError(f"X has {width} features; the student was fitted on {expected}.")


def _leaves(tree, X) -> np.ndarray:
    """Leaf index of each row, without the tree's per-call checks on plain arrays."""
    if _plain_array(X) and np.isfinite(X).all():
        return tree_apply(tree, np.ascontiguousarray(X, dtype=np.float32))
    return tree.apply(np.asarray(X, dtype=np.float32))


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
        values = tree_values(estimator, np.asarray(X, dtype=np.float32))
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

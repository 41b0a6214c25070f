"""The fit pipeline MEMO and CREMBO share: inputs, teacher, belief, search sample, oracle.

:class:`DeepHypothesisBase` turns ``(X, y)`` into a :class:`Sample` (rows, belief, labels,
weights); :class:`AllowedLabelOracle` fits the student to ``Y_θ`` on rows of it, one threshold
at a time or, for a plain decision tree, many thresholds and row masks in one batch.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from crembo._compat import validate_data
from crembo.augment import munge
from crembo.belief import (
    belief_from,
    check_belief,
    fit_teacher,
    is_bagging_ensemble,
    out_of_bag_belief,
)
from crembo.config import resolve_config
from crembo.depth import clip_belief, depth_statistic
from crembo.students.sklearn import AllowedLabelClassifier, split_class_weight
from crembo.teachers import paper_forest

_MAX_SEED = np.iinfo(np.int32).max


def default_teacher(random_state=None):
    """The paper's forest teacher (:func:`crembo.teachers.paper_forest`): 100 trees, depth 12."""
    return paper_forest(random_state)


def default_student(random_state=None):
    """The paper's student: a decision tree of depth 4."""
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(max_depth=4, random_state=random_state)


def as_allowed_label_learner(student, tie_break="index"):
    """Students that fit multi-hot targets themselves are used as they are; others wrapped."""
    if getattr(student, "fits_allowed_labels", False):
        return student
    return AllowedLabelClassifier(student, tie_break=tie_break)


@dataclass
class Sample:
    """The search sample: rows, their belief, labels (-1 when unlabelled) and weights."""

    X: np.ndarray
    belief: np.ndarray
    y: np.ndarray
    weight: np.ndarray | None

    def rows(self, idx) -> Sample:
        w = None if self.weight is None else self.weight[idx]
        return Sample(self.X[idx], self.belief[idx], self.y[idx], w)

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]


#: Tree settings the batched learner reproduces; any other value means per-threshold fits.
_BATCHABLE_TREE = {
    "criterion": "gini",
    "splitter": "best",
    "max_features": None,
    "max_leaf_nodes": None,
    "min_weight_fraction_leaf": 0.0,
    "min_impurity_decrease": 0.0,
    "ccp_alpha": 0.0,
    "monotonic_cst": None,
    "class_weight": None,
}


def batched_learner():
    """``crembo.students.batched.grow_allowed_label_trees``, or None where it is missing."""
    try:
        from crembo.students.batched import grow_allowed_label_trees
    except ImportError:
        return None
    return grow_allowed_label_trees


class AllowedLabelOracle:
    """Fits the student on ``Y_θ`` of a sample and measures its (robust) depth there.

    :meth:`fit_many` (the batched method of :class:`crembo.search.Oracle`) is available when
    :attr:`can_fit_many` is true: a plain scikit-learn decision tree as student and the
    batched learner installed. Missing values are, for the batch only, a value below every
    other of the whole sample.
    """

    def __init__(self, learner, sample: Sample, alpha: float):
        self.learner, self.sample, self.alpha = learner, sample, alpha
        self.n_fits = 0
        self.n_batched = 0

    def fit(self, threshold):
        self.n_fits += 1
        Y = (self.sample.belief >= threshold).astype(np.uint8)
        learner = self.learner
        if type(learner) is AllowedLabelClassifier:
            # its fit clones the estimator anyway: skip the deep clone (same student)
            learner = AllowedLabelClassifier(**learner.get_params(deep=False))
            if learner.tie_break == "belief":
                return learner.fit(
                    self.sample.X, Y, sample_weight=self.sample.weight, belief=self.sample.belief
                )
        else:
            learner = clone(learner)
        return learner.fit(self.sample.X, Y, sample_weight=self.sample.weight)

    def fit_all(self, threshold):
        """The final student, on every row of the sample: :meth:`fit`, or for a large sample
        (above ``HISTOGRAM_ROWS``), a plain tree student and no missing values, the same
        tree grown on binned features (:mod:`crembo.students.histogram`), in linear time."""
        from crembo.students.histogram import HISTOGRAM_ROWS, binned_student

        s = self.sample
        params = self._tree_params() if s.n_rows > HISTOGRAM_ROWS else None
        if params is None or batched_learner() is None or np.isnan(s.X).any():
            return self.fit(threshold)
        self.n_fits += 1
        return binned_student(self.learner, s.X, s.belief, threshold, params, s.weight)

    def depth(self, student) -> float:
        d = self.sample.belief[np.arange(self.sample.X.shape[0]), student.predict(self.sample.X)]
        return depth_statistic(d, self.alpha)

    @property
    def can_fit_many(self) -> bool:
        return self._tree_params() is not None and batched_learner() is not None

    def _tree_params(self):
        """Settings of the batched learner for this student, or None if it has none."""
        from sklearn.tree import DecisionTreeClassifier

        learner = self.learner
        if type(learner) is not AllowedLabelClassifier:
            return None
        tree = learner.estimator
        if type(tree) is not DecisionTreeClassifier:
            return None
        p = tree.get_params(deep=False)
        if any(p[k] != v for k, v in _BATCHABLE_TREE.items() if k in p):
            return None
        depth, split, leaf = p["max_depth"], p["min_samples_split"], p["min_samples_leaf"]
        ints = all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (split, leaf)
        )
        if not (isinstance(depth, numbers.Integral) and 1 <= depth <= 16 and ints):
            return None
        params = learner.get_params(deep=False)
        return {
            "max_depth": int(depth),
            "min_samples_split": int(split),
            "min_samples_leaf": int(leaf),
            "shrinkage": (float(params.get("shrinkage", 0.0)),),
            "tie_break": learner.tie_break,
        }

    def fit_many(self, thresholds, masks=None, shrinkage=None):
        """Students at every (row mask, threshold) in one pass of the batched tree learner.

        Returns the batch: its ``predict(X)`` gives class indices of shape
        ``(n_masks, n_thresholds, n_shrinkage, n_rows)``; ``shrinkage`` (a sequence of λ)
        replaces the student's own λ.
        """
        params = self._tree_params()
        grow = batched_learner()
        if params is None or grow is None:
            raise TypeError("fit_many needs a plain DecisionTreeClassifier student.")
        if shrinkage is not None:  # a grid of λ: the batch predicts with each
            params["shrinkage"] = tuple(float(v) for v in shrinkage)
        self.n_batched += 1
        s = self.sample
        finite = ~np.isnan(s.X)
        low = float(s.X[finite].min()) - 1.0 if finite.any() else 0.0  # below every value
        batch = grow(
            _finite(s.X, low),
            s.belief,
            np.asarray(thresholds),
            masks,
            sample_weight=s.weight,
            **params,
        )
        return _BatchOnFinite(batch, low)


def _finite(X, low):
    """X with missing values set to ``low`` (the batch needs numbers)."""
    nan = np.isnan(X)
    return np.where(nan, low, X) if nan.any() else X


class _BatchOnFinite:
    """A batch grown with missing values at ``low``, predicting the same way."""

    def __init__(self, batch, low):
        self.batch, self.low = batch, low

    def predict(self, X):
        return self.batch.predict(_finite(X, self.low))


class DeepHypothesisBase(ClassifierMixin, BaseEstimator):
    """What MEMO and CREMBO share: labels, teacher, belief, weights, the oracle."""

    def _resolve_config(self):
        self.config_ = resolve_config(self)
        return self.config_

    def _check_common_params(self, config):
        if not (isinstance(self.epsilon, numbers.Real) and 0 <= self.epsilon < 0.5):
            raise ValueError(f"epsilon must be a number in [0, 0.5); got {self.epsilon!r}.")
        if self.belief not in ("auto", "votes", "proba"):
            raise ValueError(f"belief must be 'auto', 'votes' or 'proba'; got {self.belief!r}.")

    def _prepare(self, X, y, X_unlabeled, belief, rng):
        """Validate, fit the teacher if needed, and build the full search sample."""
        config = self.config_
        self._check_common_params(config)
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        reject_inf(X, "X")
        check_classification_targets(y)
        seeds = rng.randint(_MAX_SEED, size=4)
        self._teacher_seed, self._split_seed, self._student_seed, augment_seed = seeds
        X_extra = self._extra_rows(X_unlabeled)
        self.teacher_, self.classes_, y_idx = self._fit_teacher(X, y, belief is not None)
        if self.classes_.size < 2:
            raise ValueError("y: need at least 2 classes to compress a classifier; got one class.")
        augment = config.augment
        if belief is not None and config.augment_from_preset:
            augment = 0.0  # a preset's augmentation needs a teacher; a given belief has none
        n_aug = int(round(augment * X.shape[0]))
        X_aug = munge(X, n_aug, random_state=augment_seed)
        b = self._belief(X, y, X_extra, X_aug, belief)
        b = clip_belief(b, self.epsilon)
        labels = np.concatenate([y_idx, np.full(X_extra.shape[0] + X_aug.shape[0], -1)])
        sample = Sample(np.vstack([X, X_extra, X_aug]), b, labels, None)
        sample.weight = self._sample_weight(sample)
        return sample

    def _extra_rows(self, X_unlabeled):
        if X_unlabeled is None:
            return np.empty((0, self.n_features_in_))
        Xu = validate_data(
            self, X_unlabeled, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        reject_inf(Xu, "X_unlabeled")
        return Xu

    def _fit_teacher(self, X, y, belief_given):
        teacher = self.teacher
        if teacher is None and belief_given:
            classes, y_idx = np.unique(y, return_inverse=True)
            self._teacher_fitted_here = False
            return None, classes, y_idx
        if teacher is None:
            teacher = default_teacher()
        if callable(teacher) and not hasattr(teacher, "fit"):
            classes, y_idx = np.unique(y, return_inverse=True)
            self._teacher_fitted_here = False
            return teacher, classes, y_idx
        if not hasattr(teacher, "fit"):
            raise TypeError(
                "teacher: expected a scikit-learn classifier, a callable returning "
                f"probabilities, or None; got {type(teacher).__name__}."
            )
        try:
            check_is_fitted(teacher)
            fitted, self._teacher_fitted_here = teacher, False
        except NotFittedError:
            # XGBoost refuses string labels: fit_teacher fits it on their codes then
            fitted, classes = fit_teacher(seeded(clone(teacher), self._teacher_seed), X, y)
            self._teacher_fitted_here = True
        else:
            classes = np.asarray(fitted.classes_)
        unseen = np.setdiff1d(np.unique(y), classes)
        if unseen.size:
            raise ValueError(
                f"y contains labels the teacher never saw: {unseen.tolist()[:10]}; the "
                f"teacher knows {classes.tolist()[:20]}."
            )
        return fitted, classes, np.searchsorted(classes, y)

    def _belief(self, X, y, X_extra, X_aug, belief):
        n_rows = X.shape[0] + X_extra.shape[0] + X_aug.shape[0]
        c = self.classes_.size
        if belief is not None:
            if X_aug.shape[0]:
                raise ValueError("augment needs a teacher to label the synthetic rows.")
            self.belief_kind_ = "given"
            return check_belief(belief, n_rows=n_rows, n_classes=c, name="belief")
        teacher = self.teacher_
        kind = self.belief
        rest = np.vstack([X_extra, X_aug])
        self.n_oob_fallback_ = 0
        labelled = None
        honest = self.config_.honest_belief
        if honest and self._teacher_fitted_here:
            if is_bagging_ensemble(teacher) and kind != "proba":
                labelled, self.n_oob_fallback_ = out_of_bag_belief(teacher, X, self.n_jobs)
                self.belief_kind_ = "out-of-bag votes"
            elif honest is True and hasattr(teacher, "predict_proba"):
                labelled = _cross_fitted_proba(teacher, X, y, self._teacher_seed, self.n_jobs)
                self.belief_kind_ = "cross-fitted predict_proba"
        if labelled is None:
            labelled = belief_from(teacher, X, kind=kind, n_jobs=self.n_jobs)
            self.belief_kind_ = _kind_name(teacher, kind)
        parts = [labelled]
        if rest.shape[0]:
            parts.append(belief_from(teacher, rest, kind=kind, n_jobs=self.n_jobs))
        return check_belief(np.vstack(parts), n_rows=n_rows, n_classes=c, name="teacher belief")

    def _student_for_fit(self):
        student = default_student() if self.student is None else self.student
        if not hasattr(student, "fit"):
            raise TypeError(
                f"student: expected an estimator with fit; got {type(student).__name__}."
            )
        return seeded(clone(student), self._student_seed)

    def _sample_weight(self, sample):
        """Class weights of the student, computed once from the labels, as row weights."""
        student, weight = split_class_weight(
            self._student_for_fit(), sample.y[sample.y >= 0], self.classes_
        )
        self._student_unweighted = student
        if weight is None:
            return None
        per_class = np.ones(self.classes_.size)
        per_class[sample.y[sample.y >= 0]] = weight
        # unlabelled rows take the weight of the class the teacher believes in most
        return per_class[np.where(sample.y >= 0, sample.y, sample.belief.argmax(axis=1))]

    def _oracle(self, sample, shrinkage=0.0):
        learner = as_allowed_label_learner(self._student_unweighted, self.config_.tie_break)
        if shrinkage and isinstance(learner, AllowedLabelClassifier):
            params = {**learner.get_params(deep=False), "shrinkage": shrinkage}
            learner = AllowedLabelClassifier(**params)
        return AllowedLabelOracle(learner, sample, self.config_.depth_quantile)

    def _shrinkage_grid(self, config) -> tuple:
        """The λ the selection chooses from; "auto" only for a decision-tree student."""
        from sklearn.tree import DecisionTreeClassifier

        from crembo.selection import Halving

        grid = config.shrinkage
        tree = isinstance(self._student_unweighted, DecisionTreeClassifier)
        given = getattr(self, "shrinkage", None)
        if not tree and given in (None, "auto"):
            return (0.0,)  # shrinkage rewrites tree node values: other students have none
        if isinstance(config.selection, Halving) and given is None:
            return grid[:1]  # halving chooses θ alone: the preset's grid gives way to λ = 0
        return grid

    def _forget_fit_state(self):
        """Drop what only fitting needs, so fitted models stay small and safe to save."""
        for name in ("_student_unweighted", "_scorer"):
            self.__dict__.pop(name, None)

    def _measured_depth(self, sample) -> float:
        pred = self.student_.predict(sample.X)
        return depth_statistic(sample.belief[np.arange(sample.X.shape[0]), pred])

    def predict(self, X):
        """Predict class labels for ``X``."""
        check_is_fitted(self, "student_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return self.classes_[self.student_.predict(X)]

    def predict_proba(self, X):
        """Allowed-label probabilities of the student, normalized per row."""
        check_is_fitted(self, "student_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return self.student_.predict_proba(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _cross_fitted_proba(teacher, X, y, seed, n_jobs):
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

    counts = np.unique(y, return_counts=True)[1]
    k = int(min(5, max(2, counts.min()))) if counts.min() >= 2 else 5
    cv = (
        StratifiedKFold(k, shuffle=True, random_state=seed)
        if counts.min() >= k
        else KFold(k, shuffle=True, random_state=seed)
    )
    proba = cross_val_predict(clone(teacher), X, y, cv=cv, method="predict_proba", n_jobs=n_jobs)
    return proba / proba.sum(axis=1, keepdims=True)


def _kind_name(teacher, kind):
    if callable(teacher) and not hasattr(teacher, "fit"):
        return "callable"
    if kind == "votes" or (kind == "auto" and is_bagging_ensemble(teacher)):
        return "votes"
    return "predict_proba"


def scorer_for(scoring):
    """The scikit-learn scorer; plain accuracy without its per-call target checks.

    The sweep scores a student per candidate on the same labels: the checks of
    ``accuracy_score`` would cost as much as a small tree's fit. Same value.
    """
    if isinstance(scoring, str) and scoring == "accuracy":
        return accuracy
    from sklearn.metrics import get_scorer

    return get_scorer(scoring)


class BoundScorer:
    """``score(student)`` on fixed data, holding only what parallel workers need (no ``self``)."""

    def __init__(self, scorer, X, y):
        self.scorer, self.X, self.y = scorer, X, y

    def __call__(self, student):
        return self.scorer(student, self.X, self.y)


def accuracy(estimator, X, y):
    """Plain accuracy of ``estimator`` on ``(X, y)`` (a scorer)."""
    return float(np.mean(estimator.predict(X) == y))


def seeded(estimator, seed):
    """Give an estimator our seed when its own random_state is left to chance."""
    params = estimator.get_params(deep=False)
    if "random_state" in params and params["random_state"] is None:
        estimator.set_params(random_state=int(seed))
    return estimator


def reject_inf(X, name):
    if np.isinf(X).any():
        rows = np.flatnonzero(np.isinf(X).any(axis=1))
        raise ValueError(f"{name} contains infinity in {rows.size} row(s) (first: {rows[0]}).")

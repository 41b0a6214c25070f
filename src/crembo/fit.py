"""The fit step MEMO and CREMBO share: from ``(X, y)`` to the search sample and the learner.

:func:`prepare` checks the inputs, fits the teacher when it is not fitted
(:func:`resolve_teacher`, which the VT baseline uses too), reads its belief (honest or not)
on the labelled, unlabelled and synthetic rows, and turns the student into the
:class:`~crembo.students.protocol.AllowedLabelLearner` the oracle fits, its class weights
moved into row weights computed once from the labels. What follows (the search over
thresholds) talks to that learner through :class:`crembo.oracle.OracleFactory`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from crembo._compat import validate_data
from crembo._seeds import MAX_SEED, seeded
from crembo.augment import munge
from crembo.belief import (
    belief_from,
    check_belief,
    fit_teacher,
    is_bagging_ensemble,
    out_of_bag_belief,
)
from crembo.depth import clip_belief
from crembo.oracle import Sample
from crembo.selection import fold_splitter
from crembo.students.protocol import as_allowed_label_learner
from crembo.students.sklearn import split_class_weight
from crembo.teachers import paper_forest
from crembo.weights import check_sample_weight

__all__ = [
    "Prepared",
    "TeacherFit",
    "default_student",
    "default_teacher",
    "prepare",
    "reject_inf",
    "resolve_teacher",
    "scorer_for",
]


def default_teacher(random_state=None):
    """The paper's forest teacher (:func:`crembo.teachers.paper_forest`): 100 trees, depth 12."""
    return paper_forest(random_state)


def default_student(random_state=None):
    """The paper's student: a decision tree of depth 4."""
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(max_depth=4, random_state=random_state)


class Prepared(NamedTuple):
    """What the fit step hands the search: the sample, the learner and the split seed."""

    sample: Sample
    learner: object
    seed: int


class TeacherFit(NamedTuple):
    """A teacher ready to be asked: fitted (or a callable, or None), and its classes."""

    teacher: object
    classes: np.ndarray
    y_idx: np.ndarray
    fitted_here: bool


def prepare(estimator, X, y, X_unlabeled, belief, rng, sample_weight=None) -> Prepared:
    """Validate, fit the teacher if needed, and build the search sample and the learner.

    ``sample_weight`` (:mod:`crembo.weights`): rows of weight 0 are dropped first (with
    their belief rows); the rest weigh in the teacher's fit (fitted here, where its fit takes
    weights), its cross-fitted belief, the class weights, the student and the depth.

    Sets on ``estimator`` what a fitted model keeps: ``n_features_in_`` (and names),
    ``teacher_``, ``classes_``, ``belief_kind_``, ``n_oob_fallback_``. Reads ``config_``,
    resolved before.

    Returns
    -------
    Prepared
        ``(sample, learner, seed)``: every row with its belief, labels and weights; the
        unfitted allowed-label learner; the seed of the selection's splits.
    """
    config = estimator.config_
    X, y = validate_data(estimator, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
    reject_inf(X, "X")
    check_classification_targets(y)
    X, y, w, belief = _without_weightless_rows(X, y, sample_weight, belief)
    teacher_seed, split_seed, student_seed, augment_seed = rng.randint(MAX_SEED, size=4)
    X_extra = _extra_rows(estimator, X_unlabeled)
    if estimator.teacher is None and belief is not None:
        classes, y_idx = np.unique(y, return_inverse=True)
        _check_classes(classes)
        fit = TeacherFit(None, classes, y_idx, False)
    else:
        fit = resolve_teacher(
            estimator.teacher, X, y, teacher_seed, allow_callable=True, sample_weight=w
        )
    estimator.teacher_, estimator.classes_ = fit.teacher, fit.classes
    augment = config.augment
    if belief is not None and config.augment_from_preset:
        augment = 0.0  # a preset's augmentation needs a teacher; a given belief has none
    n_aug = int(round(augment * X.shape[0]))
    X_aug = munge(X, n_aug, random_state=augment_seed)
    b = _belief(estimator, fit, X, y, X_extra, X_aug, belief, teacher_seed, w)
    b = clip_belief(b, estimator.epsilon)
    n_rest = X_extra.shape[0] + X_aug.shape[0]
    labels = np.concatenate([fit.y_idx, np.full(n_rest, -1)])
    # an unlabelled or synthetic row counts as an average labelled row: the synthetic rows
    # then weigh in total what they weigh when the weighted rows are repeated (augment x W)
    count = None if w is None else np.concatenate([w, np.full(n_rest, w.mean())])
    sample = Sample(np.vstack([X, X_extra, X_aug]), b, labels, None, count)
    student, class_weight = _unweighted_student(estimator, sample, student_seed)
    if count is not None and class_weight is not None:
        sample.weight = count * class_weight
    else:
        sample.weight = count if class_weight is None else class_weight
    learner = as_allowed_label_learner(student, config.tie_break)
    return Prepared(sample, learner, int(split_seed))


def resolve_teacher(teacher, X, y, seed, *, allow_callable=False, sample_weight=None) -> TeacherFit:
    """The teacher of a fit: as given when fitted, else a clone fitted on ``(X, y)`` (with
    ``sample_weight`` where its fit takes them).

    None means :func:`default_teacher`. With ``allow_callable`` a callable without ``fit``
    (mapping ``X`` to probabilities) is used as it is, its classes those of ``y``. A teacher
    that takes only codes (XGBoost refuses string labels) is fitted on codes
    (:func:`crembo.belief.fit_teacher`); ``classes`` are then the labels.

    Returns
    -------
    TeacherFit
        ``(teacher, classes, y_idx, fitted_here)``: the fitted teacher (or callable), the
        labels of the belief's columns, ``y`` as indices into them, whether it was fitted here.

    Raises
    ------
    TypeError
        ``teacher`` is neither a classifier nor (where allowed) a callable.
    ValueError
        ``y`` holds labels a fitted teacher never saw, or fewer than two classes.
    """
    if teacher is None:
        teacher = default_teacher()
    if allow_callable and callable(teacher) and not hasattr(teacher, "fit"):
        classes, y_idx = np.unique(y, return_inverse=True)
        _check_classes(classes)
        return TeacherFit(teacher, classes, y_idx, False)
    if allow_callable and not hasattr(teacher, "fit"):
        raise TypeError(
            "teacher: expected a scikit-learn classifier, a callable returning "
            f"probabilities, or None; got {type(teacher).__name__}."
        )
    if not allow_callable and not hasattr(teacher, "predict"):
        raise TypeError(
            f"teacher: expected a classifier with predict; got {type(teacher).__name__}."
        )
    try:
        check_is_fitted(teacher)
        fitted, fitted_here = teacher, False
    except NotFittedError:
        # XGBoost refuses string labels: fit_teacher fits it on their codes then
        fitted, classes = fit_teacher(seeded(clone(teacher), seed), X, y, sample_weight)
        fitted_here = True
    else:
        classes = np.asarray(fitted.classes_)
    unseen = np.setdiff1d(np.unique(y), classes)
    if unseen.size:  # a teacher of other classes: refuse rather than ignore y
        raise ValueError(
            f"y contains labels the teacher never saw: {unseen.tolist()[:10]}; the "
            f"teacher knows {classes.tolist()[:20]}."
        )
    _check_classes(classes)
    return TeacherFit(fitted, classes, np.searchsorted(classes, y), fitted_here)


def _check_classes(classes):
    if classes.size < 2:
        raise ValueError("y: need at least 2 classes to compress a classifier; got one class.")


def _extra_rows(estimator, X_unlabeled):
    if X_unlabeled is None:
        return np.empty((0, estimator.n_features_in_))
    Xu = validate_data(
        estimator, X_unlabeled, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
    )
    reject_inf(Xu, "X_unlabeled")
    return Xu


def _without_weightless_rows(X, y, sample_weight, belief):
    """``(X, y, weights, belief)`` without the rows of weight 0 (a given belief's first
    ``len(X)`` rows are the labelled rows'); weights None when none were given."""
    w = check_sample_weight(sample_weight, X.shape[0])
    if w is None or (w > 0).all():
        return X, y, w, belief
    keep = w > 0
    if belief is not None:
        b = np.asarray(belief)
        if b.ndim == 2 and b.shape[0] >= X.shape[0]:
            belief = np.concatenate([b[: X.shape[0]][keep], b[X.shape[0] :]])
    return X[keep], y[keep], w[keep], belief


def _belief(estimator, fit, X, y, X_extra, X_aug, belief, seed, sample_weight=None):
    """The belief of every row: given, or the teacher's (honest on the labelled rows when
    the configuration asks for it and the teacher was fitted here)."""
    n_rows = X.shape[0] + X_extra.shape[0] + X_aug.shape[0]
    c = fit.classes.size
    if belief is not None:
        if X_aug.shape[0]:
            raise ValueError("augment needs a teacher to label the synthetic rows.")
        estimator.belief_kind_ = "given"
        return check_belief(belief, n_rows=n_rows, n_classes=c, name="belief")
    teacher, kind, n_jobs = fit.teacher, estimator.belief, estimator.n_jobs
    rest = np.vstack([X_extra, X_aug])
    estimator.n_oob_fallback_ = 0
    labelled = None
    honest = estimator.config_.honest_belief
    if honest and fit.fitted_here:
        if is_bagging_ensemble(teacher) and kind != "proba":
            labelled, estimator.n_oob_fallback_ = out_of_bag_belief(teacher, X, n_jobs)
            estimator.belief_kind_ = "out-of-bag votes"
        elif honest is True and hasattr(teacher, "predict_proba"):
            labelled = _cross_fitted_proba(teacher, X, y, seed, n_jobs, sample_weight)
            estimator.belief_kind_ = "cross-fitted predict_proba"
    if labelled is None:
        labelled = belief_from(teacher, X, kind=kind, n_jobs=n_jobs)
        estimator.belief_kind_ = _kind_name(teacher, kind)
    parts = [labelled]
    if rest.shape[0]:
        parts.append(belief_from(teacher, rest, kind=kind, n_jobs=n_jobs))
    return check_belief(np.vstack(parts), n_rows=n_rows, n_classes=c, name="teacher belief")


def _unweighted_student(estimator, sample, seed):
    """``(student, row weights or None)``: the student's class weights, computed once from
    the labels (weighted by ``sample.count``), as row weights; unlabelled rows take the
    weight of the class the teacher believes in most."""
    student = default_student() if estimator.student is None else estimator.student
    if not hasattr(student, "fit"):
        raise TypeError(f"student: expected an estimator with fit; got {type(student).__name__}.")
    labelled = sample.y >= 0
    labels = sample.y[labelled]
    count = None if sample.count is None else sample.count[labelled]
    student, weight = split_class_weight(
        seeded(clone(student), seed), labels, estimator.classes_, count
    )
    if weight is None:
        return student, None
    per_class = np.ones(estimator.classes_.size)
    per_class[labels] = weight
    return student, per_class[np.where(sample.y >= 0, sample.y, sample.belief.argmax(axis=1))]


def _cross_fitted_proba(teacher, X, y, seed, n_jobs, sample_weight=None):
    from sklearn.model_selection import cross_val_predict
    from sklearn.utils.validation import has_fit_parameter

    counts = np.unique(y, return_counts=True)[1]
    k = int(min(5, max(2, counts.min()))) if counts.min() >= 2 else 5
    cv = fold_splitter(y, k, seed)
    weighted = sample_weight is not None and has_fit_parameter(teacher, "sample_weight")
    params = {"sample_weight": sample_weight} if weighted else None
    proba = cross_val_predict(
        clone(teacher), X, y, cv=cv, method="predict_proba", n_jobs=n_jobs, params=params
    )
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


def accuracy(estimator, X, y, sample_weight=None):
    """Plain (or weighted) accuracy of ``estimator`` on ``(X, y)`` (a scorer)."""
    return float(np.average(estimator.predict(X) == y, weights=sample_weight))


def reject_inf(X, name):
    """Refuse infinite values in ``X`` (missing values are NaN, imputed or split around)."""
    if np.isinf(X).any():
        rows = np.flatnonzero(np.isinf(X).any(axis=1))
        raise ValueError(f"{name} contains infinity in {rows.size} row(s) (first: {rows[0]}).")

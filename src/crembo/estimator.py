"""Scikit-learn estimators: CREMBO and MEMO (the VT baseline is in :mod:`crembo.surrogate`).

The pieces live by concern: the fit step in :mod:`crembo.fit`, the oracle in
:mod:`crembo.oracle`, presets and the resolved configuration in :mod:`crembo.config`, the
threshold choice in :mod:`crembo.selection`, the student contract in
:mod:`crembo.students.protocol`; this module holds the two public estimators (their
parameters declared in ``_parameter_constraints``, checked by one call at the start of
``fit``) and re-exports what other modules import from here.
"""

from __future__ import annotations

import numbers

from crembo._compat import HasMethods, Interval, StrOptions
from crembo.base import DeepHypothesisBase
from crembo.config import PRESETS, Config
from crembo.depth import candidate_thresholds
from crembo.diagnostics import warn_fitted_model
from crembo.fit import default_student, default_teacher, scorer_for
from crembo.oracle import OracleFactory
from crembo.search import candidates_table, memo
from crembo.selection import (
    STRATEGIES,
    Halving,
    HoldOut,
    KFoldOneSE,
    SearchProblem,
    Selection,
    StableOneSE,
)
from crembo.students.export import ReadableTreeMixin
from crembo.students.protocol import TIE_BREAKS, as_allowed_label_learner
from crembo.surrogate import SurrogateClassifier

#: The parameters MEMO and CREMBO share, as scikit-learn's ``_parameter_constraints``.
_SHARED_CONSTRAINTS = {
    "teacher": [HasMethods(["fit"]), callable, None],
    "student": [HasMethods(["fit", "predict_proba"]), None],
    "belief": [StrOptions({"auto", "votes", "proba"})],
    "epsilon": [Interval(numbers.Real, 0, 0.5, closed="left")],
    "max_candidates": [Interval(numbers.Integral, 2, None, closed="left"), None],
    "n_jobs": [numbers.Integral, None],
    "random_state": ["random_state"],
}

__all__ = [
    "PRESETS",
    "CREMBOClassifier",
    "Config",
    "Halving",
    "HoldOut",
    "KFoldOneSE",
    "MEMOClassifier",
    "StableOneSE",
    "SurrogateClassifier",
    "as_allowed_label_learner",
    "default_student",
    "default_teacher",
]


class MEMOClassifier(ReadableTreeMixin, DeepHypothesisBase):
    """Multiclass Empirical Median Optimization: the deepest student MEMO can certify.

    Fits the student to the allowed labels ``Y_θ = belief >= θ`` and binary-searches the
    candidate thresholds for the largest θ at which the student agrees with an allowed label
    at every training point.

    Parameters
    ----------
    teacher : classifier, callable or None, default=None
        Fitted: used as given. Not fitted: a clone is fitted on ``(X, y)``. A callable maps
        ``X`` to probabilities. None: a random forest of 100 trees of depth 12.
    student : estimator or None, default=None
        Cloned for every fit; None means a depth-4 decision tree.
    belief : {"auto", "votes", "proba"}, default="auto"
        How the teacher's belief is read (see :func:`crembo.belief_from`).
    epsilon : float, default=0.0
        Belief values below ε count as 0 and above 1-ε as 1.
    max_candidates : int or None, default=None
        Cap on the number of candidate thresholds.
    depth_quantile : float, default=0.0
        α: accept a student consistent on a fraction 1-α of the points.
    honest_belief : bool or "oob", default=False
        Out-of-bag votes / cross-fitted probabilities for a teacher fitted here ("oob":
        out-of-bag votes only).
    augment : float, default=0.0
        Synthetic (MUNGE) rows to add, as a multiple of the training rows.
    tie_break : {"index", "belief"}, default="index"
        Among classes the student finds equally likely to be allowed, predict the lowest
        index (the paper) or the one the teacher believes in most in the same leaf.
    n_jobs : int or None, default=None
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    student_ : AllowedLabelClassifier
    teacher_ : classifier or callable
    classes_ : ndarray
    thresholds_ : ndarray
        Candidate thresholds Θ.
    threshold_ : float
        θ*, the largest certified candidate.
    feasible_ : bool
        False when no candidate was feasible (then θ* is the smallest one).
    depth_ : float
        Measured empirical depth of ``student_`` on the training sample.
    probes_ : dict of arrays
        Thresholds probed by the binary search and the depth measured at each.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from crembo import MEMOClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> memo = MEMOClassifier(random_state=0).fit(X, y)
    >>> bool(memo.feasible_), bool(memo.depth_ >= memo.threshold_)
    (True, True)
    """

    _parameter_constraints: dict = {
        **_SHARED_CONSTRAINTS,
        "depth_quantile": [Interval(numbers.Real, 0, 1, closed="left")],
        "honest_belief": ["boolean", StrOptions({"oob"})],
        "augment": [Interval(numbers.Real, 0, None, closed="left")],
        "tie_break": [StrOptions(set(TIE_BREAKS))],
    }

    def __init__(
        self,
        teacher=None,
        student=None,
        *,
        belief="auto",
        epsilon=0.0,
        max_candidates=None,
        depth_quantile=0.0,
        honest_belief=False,
        augment=0.0,
        tie_break="index",
        n_jobs=None,
        random_state=None,
    ):
        self.teacher = teacher
        self.student = student
        self.belief = belief
        self.epsilon = epsilon
        self.max_candidates = max_candidates
        self.depth_quantile = depth_quantile
        self.honest_belief = honest_belief
        self.augment = augment
        self.tie_break = tie_break
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y, X_unlabeled=None, belief=None, sample_weight=None):
        """Fit the teacher if needed, then run MEMO on all rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        X_unlabeled : array-like of shape (n_extra, n_features), default=None
            Rows used only for the belief and the depth constraint.
        belief : array-like of shape (n_samples + n_extra, n_classes), default=None
            A belief to use instead of asking the teacher.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights (:mod:`crembo.weights`): a row of integer weight k counts as k
            copies in the teacher's fit (where it takes weights), the class weights, the
            student, the depth and the held-out scores; a row of weight 0 is dropped.

        Returns
        -------
        self : MEMOClassifier
            Fitted.
        """
        sample, learner, _ = self._prepare(X, y, X_unlabeled, belief, sample_weight)
        self.thresholds_ = candidate_thresholds(sample.belief, max_candidates=self.max_candidates)
        oracle = OracleFactory(learner, sample, self.config_.depth_quantile)()
        result = memo(self.thresholds_, oracle)
        self.student_, self.threshold_, self.feasible_ = (
            result.student,
            result.threshold,
            result.feasible,
        )
        self.probes_ = candidates_table(result.probes)
        self.depth_ = self._measured_depth(sample)
        warn_fitted_model(self, sample.belief)
        self.n_student_fits_ = oracle.n_fits
        return self


class CREMBOClassifier(ReadableTreeMixin, DeepHypothesisBase):
    """Compact Robust Estimated Median Belief Optimization.

    Runs MEMO for the deepest certified threshold θ*, then chooses a threshold at or above
    it by ``selection``, fitting the student to ``Y_θ`` (rows with no allowed label keep an
    all-zero target). Parameters left at None take their value from ``preset``; what a fit
    resolved is kept as ``config_``.

    Parameters
    ----------
    teacher : classifier, callable or None, default=None
        Fitted: used as given. Not fitted: a clone is fitted on all of ``(X, y)``. A callable
        maps ``X`` to probabilities. None: a random forest of 100 trees of depth 12.
    student : estimator or None, default=None
        Any scikit-learn classifier (cloned for every fit; its ``class_weight`` is turned
        into row weights computed once from the labels), or a learner with
        ``fits_allowed_labels = True``. None means a depth-4 decision tree.
    delta : int, default=1
        Step of the sweep, in candidate indices.
    selection : "auto", a name in :data:`~crembo.selection.STRATEGIES` or a strategy, default="auto"
        How θ is chosen (:mod:`crembo.selection`): :class:`~crembo.selection.HoldOut`
        (the paper's validation split), :class:`~crembo.selection.KFoldOneSE` (k-fold,
        one-standard-error rule; batched for a plain tree student),
        :class:`~crembo.selection.StableOneSE` (k-fold, the most stable candidate within
        ``width`` standard errors of the best accuracy) or
        :class:`~crembo.selection.Halving` (large data); for a slow student,
        :class:`~crembo.selection.ProxyChoice` (any of them made with the greedy tree as a
        stand-in, the student fitted once at the chosen θ). "auto" is the preset's.
    scoring : str or callable, default="accuracy"
        Scikit-learn scorer of the candidates on held-out labels.
    belief : {"auto", "votes", "proba"}, default="auto"
        How the teacher's belief is read (see :func:`crembo.belief_from`).
    epsilon : float, default=0.0
        Belief values below ε count as 0 and above 1-ε as 1 (fewer candidates).
    max_candidates : int or None, default=None
        Cap on the number of candidate thresholds.
    depth_quantile : float or None, default=None
        α of the robust depth: MEMO accepts a student consistent on a fraction 1-α of the
        points. 0 is the paper's minimum.
    honest_belief : bool, "oob" or None, default=None
        Out-of-bag votes for bagging-type teachers, cross-fitted ``predict_proba`` for
        others (only for a teacher fitted here); "oob" for the votes only.
    augment : float or None, default=None
        MUNGE-style synthetic rows (a multiple of the training rows) with a belief, no label.
    tie_break : {"index", "belief"} or None, default=None
        Among classes the student finds equally likely to be allowed, predict the lowest
        index (the paper) or the one with the highest mean teacher belief among the search
        rows in the same leaf (for a tree; over all rows for other students).
    shrinkage : float, "auto", list of float or None, default=None
        Hierarchical shrinkage λ of a decision-tree student's allowed-probabilities (each
        step along a leaf's path damped by ``1 + λ / N(parent)``, Agarwal et al. 2022): a
        number fixes it; "auto" or a list lets the selection choose it beside θ on the same
        validation (one-SE rule: the deepest θ, then the strongest λ within one standard
        error of the best pair; grid :data:`crembo.config.SHRINKAGE_GRID`). None: the
        preset's (0 in both). Non-tree students take 0 under "auto".
    preset : {"robust", "paper"}, default="robust"
        ``"paper"`` is the original algorithm (Armstrong & Gilad-Bachrach, 2021): hold-out
        choice, no remedies. ``"robust"`` adds the remedies measured to help and the k-fold
        choice (see :data:`crembo.config.PRESETS` and docs/results.md).
    n_jobs : int or None, default=None
        Parallel student fits in the sweep, and threads for ensemble votes.
    random_state : int, RandomState instance or None, default=None
        Seeds the teacher (when fitted here), the split, the student and augmentation.

    Attributes
    ----------
    config_ : crembo.config.Config
        The preset and parameters as this fit resolved them.
    shrinkage_ : float
        The shrinkage λ of ``student_`` (chosen when ``shrinkage`` is a grid).
    student_ : AllowedLabelClassifier
        The chosen student; predicts class indices into ``classes_``.
    teacher_ : classifier or callable
    classes_ : ndarray
    thresholds_ : ndarray
        Candidate thresholds Θ.
    memo_threshold_ : float
        θ* found by MEMO.
    memo_feasible_ : bool
        False when no candidate was feasible (θ* then is the smallest one).
    threshold_ : float
        The chosen threshold (``>= memo_threshold_``).
    depth_ : float
        Measured empirical depth (minimum) of ``student_`` on the rows it was fitted on.
    sweep_ : dict of arrays
        One entry per candidate tried: ``threshold``, ``score``, ``score_se``, ``depth``;
        the k-fold choices add ``stability`` (the in-fit estimate, see ``stability_``).
    stability_ : float
        The in-fit stability estimate of the chosen candidate: the mean agreement of its
        k-fold students over pairs, each pair compared on the rows one of the two did not
        train on (:mod:`crembo.stability`). NaN with ``HoldOut`` and ``Halving``: they grow
        one student per candidate, so there is no pair to compare (use ``KFoldOneSE`` or
        ``StableOneSE`` to have it).
    belief_kind_ : str
        How the belief was obtained.
    n_oob_fallback_ : int
        Rows with no out-of-bag member (all members used there).
    n_student_fits_ : int
        Real (one-threshold) student fits.
    n_batched_ : int
        Batched passes (each grows the trees of many folds and thresholds at once).
    n_search_rows_ : int
        Rows the threshold choice ran on (a subsample of large data for the k-fold choice).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from crembo import CREMBOClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = CREMBOClassifier(random_state=0).fit(X, y)
    >>> model.config_.selection.name
    'stable'
    >>> bool(model.threshold_ >= model.memo_threshold_)
    True
    """

    _parameter_constraints: dict = {
        **_SHARED_CONSTRAINTS,
        "delta": [Interval(numbers.Integral, 1, None, closed="left")],
        "selection": [StrOptions({"auto", *STRATEGIES}), Selection],
        "scoring": [str, callable],
        "depth_quantile": [Interval(numbers.Real, 0, 1, closed="left"), None],
        "honest_belief": ["boolean", StrOptions({"oob"}), None],
        "augment": [Interval(numbers.Real, 0, None, closed="left"), None],
        "tie_break": [StrOptions(set(TIE_BREAKS)), None],
        "shrinkage": [
            Interval(numbers.Real, 0, None, closed="left"),
            StrOptions({"auto"}),
            list,
            tuple,
            None,
        ],
        "preset": [StrOptions(set(PRESETS))],
    }

    def __init__(
        self,
        teacher=None,
        student=None,
        *,
        delta=1,
        selection="auto",
        scoring="accuracy",
        belief="auto",
        epsilon=0.0,
        max_candidates=None,
        depth_quantile=None,
        honest_belief=None,
        augment=None,
        tie_break=None,
        shrinkage=None,
        preset="robust",
        n_jobs=None,
        random_state=None,
    ):
        self.teacher = teacher
        self.student = student
        self.delta = delta
        self.selection = selection
        self.scoring = scoring
        self.belief = belief
        self.epsilon = epsilon
        self.max_candidates = max_candidates
        self.depth_quantile = depth_quantile
        self.honest_belief = honest_belief
        self.augment = augment
        self.tie_break = tie_break
        self.shrinkage = shrinkage
        self.preset = preset
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y, X_unlabeled=None, belief=None, sample_weight=None):
        """Fit the teacher if needed, run MEMO, choose the threshold and keep its student.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        X_unlabeled : array-like of shape (n_extra, n_features), default=None
            Rows used only for the belief and the depth constraint.
        belief : array-like of shape (n_samples + n_extra, n_classes), default=None
            A belief to use instead of asking the teacher.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights (:mod:`crembo.weights`): a row of integer weight k counts as k
            copies in the teacher's fit (where it takes weights), the class weights, the
            student, the depth and the held-out scores; a row of weight 0 is dropped.

        Returns
        -------
        self : CREMBOClassifier
            Fitted.
        """
        sample, learner, seed = self._prepare(X, y, X_unlabeled, belief, sample_weight)
        config = self.config_
        self.thresholds_ = candidate_thresholds(sample.belief, max_candidates=self.max_candidates)
        problem = SearchProblem(
            sample=sample,
            thresholds=self.thresholds_,
            oracle_for=OracleFactory(learner, sample, config.depth_quantile),
            scorer=scorer_for(self.scoring),
            accuracy=isinstance(self.scoring, str) and self.scoring == "accuracy",
            delta=int(self.delta),
            n_jobs=self.n_jobs,
            seed=seed,
            shrinkage=config.shrinkage,
        )
        choice = config.selection.choose(problem)
        self._record_memo(choice.memo)
        self.student_ = choice.student
        self.threshold_ = choice.threshold
        self.shrinkage_ = choice.shrinkage
        self.sweep_ = choice.sweep
        self.stability_ = choice.stability
        self.n_student_fits_ = choice.n_fits
        self.n_batched_ = choice.n_batched
        self.n_search_rows_ = choice.n_search_rows
        self.depth_ = self._measured_depth(sample.rows(choice.rows))
        warn_fitted_model(self, sample.belief)
        return self

    def _record_memo(self, result):
        self.memo_threshold_ = result.threshold
        self.memo_index_ = result.index
        self.memo_feasible_ = result.feasible
        self.memo_probes_ = candidates_table(result.probes)

"""The search sample and the oracle the searches talk to: fit a student at θ, measure its depth.

:class:`Sample` holds every row of a fit (labelled, unlabelled, synthetic) with its belief;
:class:`AllowedLabelOracle` fits an :class:`~crembo.students.protocol.AllowedLabelLearner` to
``Y_θ`` on rows of it (one threshold at a time, or for a batchable tree student many
thresholds and row masks in one pass); :class:`OracleFactory` is what a fit hands its
selection: ``factory(rows, shrinkage)`` builds the oracle on those rows, with that λ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone

from crembo.depth import depth_statistic
from crembo.students.sklearn import AllowedLabelClassifier
from crembo.students.tree_batch import batch_params, batched_learner, grow_batch

__all__ = ["AllowedLabelOracle", "OracleFactory", "Sample"]


@dataclass
class Sample:
    """The search sample: rows, their belief, labels (-1 when unlabelled) and weights.

    ``weight`` is what the student is fitted with (the user's sample weights times the
    student's class weights); ``count`` the user's sample weights alone (how many rows each
    row stands for: the depth's quantile and the held-out scores), None when none were given.
    """

    X: np.ndarray
    belief: np.ndarray
    y: np.ndarray
    weight: np.ndarray | None
    count: np.ndarray | None = None

    def rows(self, idx) -> Sample:
        """The sample restricted to rows ``idx``."""
        w = None if self.weight is None else self.weight[idx]
        c = None if self.count is None else self.count[idx]
        return Sample(self.X[idx], self.belief[idx], self.y[idx], w, c)

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]


class AllowedLabelOracle:
    """Fits the student on ``Y_θ`` of a sample and measures its (robust) depth there.

    The learner is called by the contract of :mod:`crembo.students.protocol`: the belief of
    the rows is always passed. :meth:`fit_many` (the batched method of
    :class:`crembo.search.BatchOracle`) is available when :attr:`can_fit_many` is true.
    """

    def __init__(self, learner, sample: Sample, alpha: float):
        self.learner, self.sample, self.alpha = learner, sample, alpha
        self.n_fits = 0
        self.n_batched = 0

    def fit(self, threshold):
        """The learner fitted to ``Y_θ = belief >= threshold`` on the sample.

        Returns
        -------
        AllowedLabelLearner
            A fitted copy of the learner (the learner itself is left unfitted).
        """
        self.n_fits += 1
        s = self.sample
        Y = (s.belief >= threshold).astype(np.uint8)
        learner = self.learner
        if type(learner) is AllowedLabelClassifier:
            # its fit clones the estimator anyway: skip the deep clone (same student)
            learner = AllowedLabelClassifier(**learner.get_params(deep=False))
        else:
            learner = clone(learner)
        return learner.fit(s.X, Y, sample_weight=s.weight, belief=s.belief)

    def fit_all(self, threshold):
        """The final student, on every row of the sample: :meth:`fit`, or for a large sample
        (above ``HISTOGRAM_ROWS``), a plain tree student and no missing values, the same
        tree grown on binned features (:mod:`crembo.students.histogram`), in linear time."""
        from crembo.students.histogram import HISTOGRAM_ROWS, binned_student

        s = self.sample
        params = batch_params(self.learner) if s.n_rows > HISTOGRAM_ROWS else None
        if params is None or batched_learner() is None or np.isnan(s.X).any():
            return self.fit(threshold)
        self.n_fits += 1
        return binned_student(self.learner, s.X, s.belief, threshold, params, s.weight)

    def depth(self, student) -> float:
        """The depth statistic of ``student``'s predictions on the sample."""
        d = self.sample.belief[np.arange(self.sample.X.shape[0]), student.predict(self.sample.X)]
        return depth_statistic(d, self.alpha, self.sample.count)

    @property
    def can_fit_many(self) -> bool:
        return batch_params(self.learner) is not None and batched_learner() is not None

    def fit_many(self, thresholds, masks=None, shrinkage=None):
        """Students at every (row mask, threshold) in one pass of the batched tree learner
        (:func:`crembo.students.tree_batch.grow_batch`)."""
        s = self.sample
        batch = grow_batch(self.learner, s.X, s.belief, thresholds, masks, s.weight, shrinkage)
        self.n_batched += 1
        return batch


@dataclass(frozen=True)
class OracleFactory:
    """``factory(rows=None, shrinkage=0.0)``: the oracle on those rows of the sample.

    Attributes
    ----------
    learner : AllowedLabelLearner
        The student, unfitted (its class weights already moved into the sample's weights).
    sample : Sample
        Every row of the fit.
    alpha : float
        The depth quantile α of the oracle's depth.
    """

    learner: object
    sample: Sample
    alpha: float

    def __call__(self, rows=None, shrinkage=0.0) -> AllowedLabelOracle:
        """An oracle on ``rows`` of the sample (None: all), the learner shrunk by λ.

        Returns
        -------
        AllowedLabelOracle
        """
        sample = self.sample if rows is None else self.sample.rows(rows)
        learner = self.learner
        if shrinkage and isinstance(learner, AllowedLabelClassifier):
            learner = AllowedLabelClassifier(
                **{**learner.get_params(deep=False), "shrinkage": shrinkage}
            )
        return AllowedLabelOracle(learner, sample, self.alpha)

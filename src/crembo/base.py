"""What MEMO and CREMBO share as estimators: the fit step's call, prediction, tags.

The fit step itself (inputs, teacher, belief, weights, learner) is :mod:`crembo.fit`; the
search is :mod:`crembo.search` over the oracle of :mod:`crembo.oracle`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from crembo._compat import validate_data
from crembo.config import resolve_config
from crembo.depth import depth_statistic
from crembo.fit import Prepared, prepare

__all__ = ["DeepHypothesisBase"]


class DeepHypothesisBase(ClassifierMixin, BaseEstimator):
    """Base of MEMO and CREMBO: resolve the configuration, prepare, predict."""

    def _prepare(self, X, y, X_unlabeled, belief, sample_weight=None) -> Prepared:
        """Resolve ``config_`` (the parameters checked there) and run the fit step.

        Returns
        -------
        Prepared
            ``(sample, learner, seed)``: the search sample, the allowed-label learner and
            the seed of the selection's splits.
        """
        self.config_ = resolve_config(self)
        rng = check_random_state(self.random_state)
        return prepare(self, X, y, X_unlabeled, belief, rng, sample_weight)

    def _measured_depth(self, sample) -> float:
        pred = self.student_.predict(sample.X)
        return depth_statistic(sample.belief[np.arange(sample.X.shape[0]), pred])

    def predict(self, X):
        """Predict class labels for ``X``.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self, "student_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return self.classes_[self.student_.predict(X)]

    def predict_proba(self, X):
        """Allowed-label probabilities of the student, normalized per row.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in ``classes_`` order; the argmax of each row is :meth:`predict`.
        """
        check_is_fitted(self, "student_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return self.student_.predict_proba(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

"""The medoid of bootstrap students: the deepest student in a sample of students.

A student fitted to ``Y_θ`` changes with the rows it sees. :class:`BootstrapMedoidStudent`
fits ``n_bootstrap`` allowed-label students on bootstrap samples of the rows and keeps the one
that agrees most, on the fitted rows, with the others (the sum of its agreements, its own
included): the medoid of the sample of students under the disagreement distance, the median
hypothesis of the students themselves. It costs ``n_bootstrap`` fits per threshold.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from crembo._compat import HasMethods, Interval, StrOptions, safe_indexing, validate_params
from crembo._seeds import MAX_SEED
from crembo.students.sklearn import AllowedLabelClassifier


class BootstrapMedoidStudent(ClassifierMixin, BaseEstimator):
    """Fit allowed-label students on bootstrap samples; keep the one agreeing most with all.

    Parameters
    ----------
    estimator : classifier, default=None
        The student each bootstrap sample fits (inside :class:`AllowedLabelClassifier`);
        None means a depth-4 decision tree.
    n_bootstrap : int, default=16
        Students fitted (≥ 1; 1 is one student on one bootstrap sample).
    tie_break : {"index", "belief"}, default="index"
        As in :class:`AllowedLabelClassifier` (``"belief"`` needs ``belief`` in :meth:`fit`).
    shrinkage : float, default=0.0
        As in :class:`AllowedLabelClassifier`.
    random_state : int, RandomState or None, default=None
        Draws the bootstrap samples, and seeds each student whose own ``random_state`` is None.

    Attributes
    ----------
    student_ : AllowedLabelClassifier
        The medoid, fitted on its bootstrap sample.
    medoid_ : int
        Its index among the bootstrap students.
    agreement_ : ndarray of shape (n_bootstrap, n_bootstrap)
        Share of the fitted rows on which two students predict the same class.
    classes_ : ndarray
        ``arange(n_classes)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> Y = np.eye(3, dtype=np.uint8)[y]
    >>> m = BootstrapMedoidStudent(n_bootstrap=8, random_state=0).fit(X, Y)
    >>> m.agreement_.shape, float(np.mean(m.predict(X) == y)) > 0.9
    ((8, 8), True)
    """

    #: Used by CREMBO/MEMO as it is: it fits the multi-hot ``Y`` itself.
    fits_allowed_labels = True

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "n_bootstrap": [Interval(numbers.Integral, 1, None, closed="left")],
        "tie_break": [StrOptions({"index", "belief"})],
        "shrinkage": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self, estimator=None, n_bootstrap=16, tie_break="index", shrinkage=0.0, random_state=None
    ):
        self.estimator = estimator
        self.n_bootstrap = n_bootstrap
        self.tie_break = tie_break
        self.shrinkage = shrinkage
        self.random_state = random_state

    def fit(self, X, Y, sample_weight=None, belief=None):
        """Fit the bootstrap students to ``Y`` (n_samples, n_classes) and keep their medoid."""
        validate_params(self)
        Y = np.asarray(Y)
        if Y.ndim != 2:
            raise ValueError(f"Y must be a 2-D multi-hot matrix; got shape {Y.shape}.")
        n, c = Y.shape
        if (X.shape[0] if hasattr(X, "shape") else len(X)) != n:
            raise ValueError(f"X and Y must have the same rows; got {len(X)} and {n}.")
        rng = check_random_state(self.random_state)
        base = DecisionTreeClassifier(max_depth=4) if self.estimator is None else self.estimator
        w = None if sample_weight is None else np.asarray(sample_weight)
        b = None if belief is None else np.asarray(belief)
        students, preds = [], np.empty((self.n_bootstrap, n), dtype=np.intp)
        for k in range(self.n_bootstrap):
            idx = rng.randint(0, n, size=n)
            est = base
            if base.get_params(deep=False).get("random_state", 0) is None:
                # a tree left to chance breaks ties between splits at random: seed it here
                est = clone(base).set_params(random_state=int(rng.randint(MAX_SEED)))
            s = AllowedLabelClassifier(est, tie_break=self.tie_break, shrinkage=self.shrinkage)
            s.fit(
                safe_indexing(X, idx),
                Y[idx],
                sample_weight=None if w is None else w[idx],
                belief=None if b is None else b[idx],
            )
            students.append(s)
            preds[k] = s.predict(X)
        # agreement of every pair in one product of one-hot predictions
        onehot = np.zeros((self.n_bootstrap, n * c), dtype=np.float32)
        onehot[np.repeat(np.arange(self.n_bootstrap), n), (np.arange(n) * c + preds).ravel()] = 1
        self.agreement_ = (onehot @ onehot.T).astype(np.float64) / max(n, 1)
        self.medoid_ = int(np.argmax(self.agreement_.sum(axis=1)))  # ties: the first
        self.student_ = students[self.medoid_]
        self.classes_ = np.arange(c)
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    def allowed_proba(self, X) -> np.ndarray:
        """The medoid's probability that each class is allowed."""
        check_is_fitted(self, "student_")
        return self.student_.allowed_proba(X)

    def predict(self, X) -> np.ndarray:
        """The medoid's prediction (class index)."""
        check_is_fitted(self, "student_")
        return self.student_.predict(X)

    def predict_proba(self, X) -> np.ndarray:
        """The medoid's normalized allowed-probabilities."""
        check_is_fitted(self, "student_")
        return self.student_.predict_proba(X)

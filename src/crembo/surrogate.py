"""The VT baseline: the student fitted to the teacher's predicted labels."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from crembo._compat import HasMethods, validate_data, validate_params
from crembo._seeds import MAX_SEED, seeded
from crembo.fit import default_student, reject_inf, resolve_teacher
from crembo.students.export import ReadableTreeMixin
from crembo.weights import check_sample_weight, fit_with_weights


class SurrogateClassifier(ReadableTreeMixin, ClassifierMixin, BaseEstimator):
    """The VT baseline: the student fitted to the teacher's predicted labels.

    Parameters
    ----------
    teacher : classifier or None, default=None
        Fitted: used as given; not fitted: a clone is fitted on ``(X, y)``. None: a random
        forest of 100 trees of depth 12.
    student : classifier or None, default=None
        Cloned and fitted to ``teacher.predict(X)``; None means a depth-4 decision tree.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    teacher_ : classifier
        The fitted teacher (``teacher`` itself when it was fitted).
    student_ : classifier
        The student fitted to the teacher's predicted labels.
    classes_ : ndarray
        The teacher's classes.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from crembo import SurrogateClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> vt = SurrogateClassifier(random_state=0).fit(X, y)
    >>> float(vt.score(X, vt.teacher_.predict(X))) > 0.9
    True
    """

    _parameter_constraints: dict = {
        "teacher": [HasMethods(["fit", "predict"]), None],
        "student": [HasMethods(["fit", "predict"]), None],
        "random_state": ["random_state"],
    }

    def __init__(self, teacher=None, student=None, *, random_state=None):
        self.teacher = teacher
        self.student = student
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit the teacher if needed, then the student on the teacher's labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the teacher's fit (where it takes them) and the student's
            (:mod:`crembo.weights`); a row of weight 0 is dropped.

        Returns
        -------
        self : SurrogateClassifier
            Fitted.
        """
        validate_params(self)
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        reject_inf(X, "X")
        check_classification_targets(y)
        w = check_sample_weight(sample_weight, X.shape[0])
        if w is not None and not (w > 0).all():
            X, y, w = X[w > 0], y[w > 0], w[w > 0]
        rng = check_random_state(self.random_state)
        teacher_seed, student_seed = rng.randint(MAX_SEED, size=2)
        fit = resolve_teacher(self.teacher, X, y, teacher_seed, sample_weight=w)
        self.teacher_, self.classes_ = fit.teacher, fit.classes
        labels = np.asarray(self.teacher_.predict(X))
        if not np.array_equal(np.asarray(self.teacher_.classes_), self.classes_):
            labels = self.classes_[labels]  # a teacher fitted on the codes of y's labels
        student = default_student() if self.student is None else self.student
        student = seeded(clone(student), student_seed)
        self.student_ = fit_with_weights(student, X, labels, w, "student")
        return self

    def predict(self, X):
        """Predict class labels with the student.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "student_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return self.student_.predict(X)

    def predict_proba(self, X):
        """Student probabilities, columns in ``classes_`` order.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "student_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        proba = self.student_.predict_proba(X)
        out = np.zeros((X.shape[0], self.classes_.size))
        out[:, np.searchsorted(self.classes_, self.student_.classes_)] = proba
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

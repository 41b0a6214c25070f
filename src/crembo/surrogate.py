"""The VT baseline: the student fitted to the teacher's predicted labels."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from crembo._compat import validate_data
from crembo.fit import default_student, default_teacher, reject_inf, seeded
from crembo.students.export import ReadableTreeMixin

MAX_SEED = np.iinfo(np.int32).max


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
    teacher_, student_, classes_
    """

    def __init__(self, teacher=None, student=None, *, random_state=None):
        self.teacher = teacher
        self.student = student
        self.random_state = random_state

    def fit(self, X, y):
        """Fit the teacher if needed, then the student on the teacher's labels."""
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        reject_inf(X, "X")
        check_classification_targets(y)
        rng = check_random_state(self.random_state)
        teacher_seed, student_seed = rng.randint(MAX_SEED, size=2)
        teacher = default_teacher() if self.teacher is None else self.teacher
        if not hasattr(teacher, "predict"):
            raise TypeError(
                f"teacher: expected a classifier with predict; got {type(teacher).__name__}."
            )
        try:
            check_is_fitted(teacher)
            self.teacher_ = teacher
        except NotFittedError:
            self.teacher_ = seeded(clone(teacher), teacher_seed).fit(X, y)
        self.classes_ = np.asarray(self.teacher_.classes_)
        if self.classes_.size < 2:
            raise ValueError("y: need at least 2 classes to compress a classifier; got one class.")
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:  # a teacher of other classes: as CREMBO, refuse rather than ignore y
            raise ValueError(
                f"y contains labels the teacher never saw: {unseen.tolist()[:10]}; the "
                f"teacher knows {self.classes_.tolist()[:20]}."
            )
        student = default_student() if self.student is None else self.student
        self.student_ = seeded(clone(student), student_seed).fit(X, self.teacher_.predict(X))
        return self

    def predict(self, X):
        """Predict class labels with the student."""
        check_is_fitted(self, "student_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return self.student_.predict(X)

    def predict_proba(self, X):
        """Student probabilities, columns in ``classes_`` order."""
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

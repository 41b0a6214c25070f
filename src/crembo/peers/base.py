"""What every peer shares: the estimator base, the status, the optional import, the spec.

A peer module defines its estimator (a :class:`PeerClassifier`) and declares
``PEERS = {name: Peer(build, needs=(modules...))}``: ``build(teacher, student, random_state)``
returns the unfitted estimator of that experiment method, ``needs`` the optional packages it
imports (imported before the timed fit; a missing one names the ``peers`` extra).
"""

from __future__ import annotations

import contextlib
import importlib
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from crembo._compat import validate_data
from crembo._seeds import MAX_SEED
from crembo.datasets import MissingExtraError

__all__ = [
    "STATUS_OK",
    "STATUS_TIME_LIMIT",
    "TIME_LIMIT",
    "Peer",
    "PeerClassifier",
    "PeerTimeout",
    "quiet",
    "require",
    "teacher_labels",
]

#: Per-fit time limit (seconds) of the optimal-tree solvers.
TIME_LIMIT = 10

STATUS_OK = "ok"
STATUS_TIME_LIMIT = "time limit"


class PeerTimeout(TimeoutError):
    """A solver hit its time limit without any tree to return."""


def require(module: str):
    """Import an optional package of the ``peers`` extra, or say which extra brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"the peer methods need {module.split('.')[0]}, which is not installed "
            f"({exc}): pip install 'crembo[peers]'.",
            name=module,
        ) from exc


@dataclass(frozen=True)
class Peer:
    """One experiment method of a peer: ``Peer(build, needs)(teacher, student, rs)``.

    Parameters
    ----------
    build : callable
        ``build(teacher, student, random_state)`` -> the unfitted estimator.
    needs : tuple of str
        The optional packages it imports; imported first, outside the timed fit (a missing
        one is a setup error that names the extra).
    """

    build: Callable[..., object]
    needs: tuple[str, ...] = ()

    def __call__(self, teacher, student, random_state, **_):
        """The unfitted estimator (protocol options such as ``max_candidates`` ignored)."""
        for module in self.needs:
            require(module)
        return self.build(teacher, student, random_state)


def quiet():
    """The solvers print warnings on stdout (time limits, small regularization)."""
    return contextlib.redirect_stdout(io.StringIO())


def _fitted_teacher(teacher, X, y, seed):
    """The teacher as given when fitted, else a fitted clone.

    Not :func:`crembo.fit.resolve_teacher`: a peer follows a teacher that never saw some of
    ``y``'s classes (its labels are all the peer fits), where CREMBO and VT refuse one.
    """
    if teacher is None:
        raise ValueError("teacher: this method needs a teacher (a fitted classifier).")
    try:
        check_is_fitted(teacher)
        return teacher
    except NotFittedError:
        t = clone(teacher)
        if "random_state" in t.get_params():
            t.set_params(random_state=seed)
        return t.fit(X, y)


def teacher_labels(teacher, X, y_idx, classes, seed):
    """The teacher's predictions (fitted here on ``classes[y_idx]`` when it is not yet) as
    indices into ``classes``."""
    pred = np.asarray(_fitted_teacher(teacher, X, classes[y_idx], seed).predict(X))
    idx = np.searchsorted(classes, pred)
    if np.any(idx >= classes.size) or np.any(classes[np.minimum(idx, classes.size - 1)] != pred):
        raise ValueError("teacher: predicts labels that are not in y.")
    return idx


class PeerClassifier(ClassifierMixin, BaseEstimator):
    """Shared checks: float input, labels encoded as ``0..c-1`` in ``classes_`` order.

    A subclass's ``fit`` starts with ``X, y_idx, seed = self._start(X, y)``, sets
    ``status_``, and defines ``_predict_index(X)`` (class indices of checked rows).
    """

    def _start(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError("y: need at least 2 classes; got one class.")
        seed = int(check_random_state(self.random_state).randint(MAX_SEED))
        return X, y_idx, seed

    def _target(self, X, y_idx, seed):
        """The labels to fit, as indices: ``y``'s, or the teacher's when ``teacher`` is set."""
        teacher = getattr(self, "teacher", None)
        if teacher is None:
            return y_idx
        return teacher_labels(teacher, X, y_idx, self.classes_, seed)

    def _check(self, X):
        check_is_fitted(self, "classes_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def predict(self, X):
        """Predicted class labels."""
        return self.classes_[self._predict_index(self._check(X))]

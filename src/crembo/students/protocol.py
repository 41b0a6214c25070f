"""The contract every allowed-label student follows: :class:`AllowedLabelLearner`.

CREMBO and MEMO talk to their student only through this contract (the oracle of
:mod:`crembo.oracle` calls it once per threshold):

- ``fit(X, Y, sample_weight=None, belief=None) -> self``: ``Y`` is the multi-hot matrix
  ``Y_θ = belief >= θ`` of shape (n_rows, n_classes); ``sample_weight`` the row weights (the
  student's class weights, computed once from the labels), None for none; ``belief`` the
  teacher's belief at the same rows, **always passed**: a learner that has no use for it
  ignores it (tie-breaking by belief, a belief cost).
- ``predict(X)``: class indices into ``0..n_classes-1`` (not labels).
- ``predict_proba(X)``: shape (n_rows, n_classes), rows summing to one, its argmax
  :meth:`predict`.
- ``n_features_in_`` after ``fit``.
- ``fits_allowed_labels = True`` as a class attribute: the mark of a learner that fits ``Y``
  itself. Any other scikit-learn classifier is wrapped in
  :class:`~crembo.students.sklearn.AllowedLabelClassifier`, which follows the contract.

Ties between classes equally likely to be allowed are the learner's to break. A learner with
its own ``tie_break`` parameter keeps it; the estimator's ``tie_break``, when given, must
agree with it (:func:`resolve_tie_break` refuses a conflict instead of ignoring one side).
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "TIE_BREAKS",
    "AllowedLabelLearner",
    "as_allowed_label_learner",
    "fits_allowed_labels",
    "resolve_tie_break",
]

#: How a student breaks ties: the lowest class index (the paper) or the teacher's belief.
TIE_BREAKS = ("index", "belief")


@runtime_checkable
class AllowedLabelLearner(Protocol):
    """A student fitted to allowed labels (see the module for the contract)."""

    fits_allowed_labels: ClassVar[bool]
    n_features_in_: int

    def fit(
        self, X: Any, Y: np.ndarray, sample_weight: Any = None, belief: Any = None
    ) -> AllowedLabelLearner:
        """Fit to the multi-hot ``Y``; ``belief`` is always given, ``sample_weight`` may be."""

    def predict(self, X: Any) -> np.ndarray:
        """Class indices."""

    def predict_proba(self, X: Any) -> np.ndarray:
        """Per-class probabilities whose argmax is :meth:`predict`."""


def fits_allowed_labels(student) -> bool:
    """Whether ``student`` fits the multi-hot ``Y`` itself (used as it is)."""
    return bool(getattr(student, "fits_allowed_labels", False))


def _own_tie_break(learner) -> str | None:
    """A native learner's own ``tie_break`` parameter, or None when it has none."""
    params = learner.get_params(deep=False) if hasattr(learner, "get_params") else {}
    return params.get("tie_break")


def resolve_tie_break(student, given, default: str) -> str:
    """The tie-break a fit uses with ``student``.

    Parameters
    ----------
    student : estimator
        The student as given (a native allowed-label learner or any classifier).
    given : {"index", "belief"} or None
        The estimator's ``tie_break``; None: not given (the preset's ``default`` applies).
    default : {"index", "belief"}
        The preset's.

    Returns
    -------
    str
        ``given`` (or ``default``) for a wrapped classifier; for a native learner its own
        ``tie_break`` ("index" when it has none, its predictions then take the first maximum).

    Raises
    ------
    ValueError
        When ``given`` conflicts with a native learner's own tie-break.
    """
    if not fits_allowed_labels(student):
        return default if given is None else given
    own = _own_tie_break(student)
    if given is None or given == (own or "index"):
        return own or "index"
    name = type(student).__name__
    if own is None:
        raise ValueError(
            f"tie_break={given!r}: the student {name} fits the allowed labels itself and has "
            "no tie_break of its own (it breaks ties by class index); leave tie_break=None."
        )
    raise ValueError(
        f"tie_break={given!r} conflicts with the student's own tie_break={own!r} ({name}); "
        f"set it on the student ({name}(tie_break={given!r})) or leave tie_break=None."
    )


def as_allowed_label_learner(student, tie_break="index"):
    """``student`` as an :class:`AllowedLabelLearner`: native learners as they are, any
    other classifier wrapped in :class:`~crembo.students.sklearn.AllowedLabelClassifier`
    with ``tie_break`` (resolve it first with :func:`resolve_tie_break`)."""
    if fits_allowed_labels(student):
        return student
    from crembo.students.sklearn import AllowedLabelClassifier

    return AllowedLabelClassifier(student, tie_break=tie_break)

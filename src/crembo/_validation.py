"""Argument checks shared by the protocols (one wording for every "must be an integer").

Each check returns the value unchanged (no conversion, so a protocol records what it was
given) or raises :class:`ValueError` naming the argument, what was expected and what came.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

__all__ = [
    "ROW_SUM_TOLERANCE",
    "check_belief",
    "check_bool",
    "check_fraction",
    "check_int",
    "check_ints",
    "check_positive",
    "check_thresholds",
]

#: A belief row may sum to 1 within this much (float sums of probabilities).
ROW_SUM_TOLERANCE = 1e-5


def check_int(name: str, value, *, low=None, high=None, allow_none=False):
    """``value`` if it is an integer (not a bool) within ``[low, high]``, else ValueError.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : object
        What was given; any :class:`numbers.Integral` but ``bool`` passes the type check.
    low, high : int or None
        Inclusive bounds (None: unbounded).
    allow_none : bool
        Whether None passes too (returned as is).

    Examples
    --------
    >>> check_int("folds", 5, low=2)
    5
    >>> check_int("folds", 1, low=2)
    Traceback (most recent call last):
    ...
    ValueError: folds must be an integer >= 2; got 1.
    """
    if allow_none and value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        if low is not None and high is not None:
            what = f"an integer in [{low}, {high}]"
        elif low is not None:
            what = f"an integer >= {low}"
        elif high is not None:
            what = f"an integer <= {high}"
        else:
            what = "an integer"
        if allow_none:
            what += " or None"
        raise ValueError(f"{name} must be {what}; got {value!r}.")
    return value


def check_ints(obj, lows: Mapping[str, int]) -> None:
    """Check each attribute ``name`` of ``obj`` with :func:`check_int` (``low=lows[name]``).

    The protocols' ``__post_init__`` use it: ``check_ints(self, {"folds": 2, "seed": 0})``.
    """
    for name, low in lows.items():
        check_int(name, getattr(obj, name), low=low)


def check_fraction(name: str, value):
    """``value`` if it is a real number strictly between 0 and 1, else ValueError."""
    if not (isinstance(value, numbers.Real) and 0 < value < 1):
        raise ValueError(f"{name} must be a number in (0, 1); got {value!r}.")
    return value


def check_positive(name: str, value):
    """``value`` if it is a real number > 0, else ValueError."""
    if not (isinstance(value, numbers.Real) and value > 0):
        raise ValueError(f"{name} must be a positive number; got {value!r}.")
    return value


def check_bool(name: str, value):
    """``value`` if it is ``True`` or ``False`` (not 0/1), else ValueError."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False; got {value!r}.")
    return value


def check_belief(
    belief, *, n_rows=None, n_classes=None, name="belief", sums_to_one=True
) -> np.ndarray:
    """Validate a belief matrix and return it as a float64 array.

    ``sums_to_one=False`` accepts rows of values in [0, 1] that need not sum to one (a
    belief clipped by ε, as the batched tree learner receives it).

    Raises
    ------
    ValueError
        Naming ``name`` and the offending rows when the matrix is not 2-D, has the wrong
        shape, or has rows that are not finite, have negative entries, or do not sum to 1
        (with ``sums_to_one=False``: have entries above 1).
    """
    b = np.asarray(belief, dtype=np.float64)
    if b.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_classes); got shape {b.shape}.")
    if n_rows is not None and b.shape[0] != n_rows:
        raise ValueError(f"{name} has {b.shape[0]} rows but X has {n_rows}.")
    if n_classes is not None and b.shape[1] != n_classes:
        raise ValueError(f"{name} has {b.shape[1]} columns but there are {n_classes} classes.")
    problems = {
        "are not finite": ~np.isfinite(b).all(axis=1),
        "have negative entries": (b < 0).any(axis=1),
    }
    if sums_to_one:
        problems["do not sum to 1"] = np.abs(b.sum(axis=1) - 1.0) > ROW_SUM_TOLERANCE
    else:
        problems["have entries above 1"] = (b > 1).any(axis=1)
    for what, bad in problems.items():
        if bad.any():
            rows = np.flatnonzero(bad)
            shown = ", ".join(map(str, rows[:10])) + (" …" if rows.size > 10 else "")
            raise ValueError(f"{name}: {rows.size} row(s) {what} (rows {shown}).")
    return b


def check_thresholds(thresholds) -> np.ndarray:
    """Candidate thresholds as float64: a non-empty, finite, strictly increasing 1-D array."""
    t = np.asarray(thresholds, dtype=np.float64)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"thresholds must be a non-empty 1-D array; got shape {t.shape}.")
    if not np.isfinite(t).all():
        raise ValueError("thresholds must be finite.")
    if np.any(np.diff(t) <= 0):
        raise ValueError("thresholds must be strictly increasing.")
    return t

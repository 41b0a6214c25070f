"""Argument checks shared by the protocols (one wording for every "must be an integer").

Each check returns the value unchanged (no conversion, so a protocol records what it was
given) or raises :class:`ValueError` naming the argument, what was expected and what came.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

__all__ = ["check_bool", "check_fraction", "check_int", "check_ints", "check_positive"]


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

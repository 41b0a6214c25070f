"""What the bad-input cases of several test modules share: iris, a small forest, a case type.

Each case raises ``exc`` with a message matching ``match`` or, with ``exc=None``, works end
to end (tests/cli/test_bad_input.py holds the commands' cases).
"""

from dataclasses import dataclass

import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

from crembo import belief_from

X, Y = load_iris(return_X_y=True)


def forest(n=10):
    return RandomForestClassifier(n, max_depth=4, random_state=0)


TEACHER = forest().fit(X, Y)
BELIEF = belief_from(TEACHER, X)


def with_value(value, row=3, col=1):
    Z = X.copy()
    Z[row, col] = value
    return Z


@dataclass
class Case:
    """``call(files, tmp)`` must raise ``exc`` matching ``match``; or, with ``exc=None``,
    return normally (then ``call`` does its own checks)."""

    call: object
    exc: type | None = None
    match: str | None = None


def check_case(case: Case, files, tmp_path) -> None:
    """Run ``case``: it raises what it names, or returns normally."""
    if case.exc is None:
        case.call(files, tmp_path)
        return
    with pytest.raises(case.exc, match=case.match):
        case.call(files, tmp_path)

"""crembo._validation: the protocols' argument checks, their messages unchanged."""

from dataclasses import dataclass

import numpy as np
import pytest

from crembo._validation import check_bool, check_fraction, check_int, check_ints, check_positive


@pytest.mark.parametrize("value", [2, 7, np.int64(3), np.int32(2)])
def test_check_int_accepts_integers(value):
    assert check_int("folds", value, low=2) is value


@pytest.mark.parametrize("value", [True, False, 2.0, "3", None, np.float64(3)])
def test_check_int_refuses_non_integers(value):
    with pytest.raises(ValueError, match=r"^folds must be an integer >= 2; got "):
        check_int("folds", value, low=2)


def test_check_int_bounds_and_messages():
    with pytest.raises(ValueError, match=r"^seed must be an integer >= 0; got -1\.$"):
        check_int("seed", -1, low=0)
    with pytest.raises(ValueError, match=r"^k must be an integer in \[1, 3\]; got 4\.$"):
        check_int("k", 4, low=1, high=3)
    with pytest.raises(ValueError, match=r"^k must be an integer <= 3; got 4\.$"):
        check_int("k", 4, high=3)
    with pytest.raises(ValueError, match=r"^k must be an integer; got 'a'\.$"):
        check_int("k", "a")
    assert check_int("k", 3, low=1, high=3) == 3
    assert check_int("k", -(10**30)) == -(10**30)


def test_check_ints_on_a_protocol():
    @dataclass(frozen=True)
    class P:
        folds: int = 5
        repeats: int = 1
        seed: int = 0

        def __post_init__(self):
            check_ints(self, {"folds": 2, "repeats": 1, "seed": 0})

    assert P().folds == 5
    with pytest.raises(ValueError, match=r"^repeats must be an integer >= 1; got 0\.$"):
        P(repeats=0)
    # the first bad name in order is the one named (as the loops did)
    with pytest.raises(ValueError, match=r"^folds must be"):
        P(folds=1, seed=-1)


def test_fraction_positive_bool():
    assert check_fraction("test_size", 0.25) == 0.25
    for bad in (0, 1, 1.5, "0.2", None):
        with pytest.raises(ValueError, match=r"test_size must be a number in \(0, 1\)"):
            check_fraction("test_size", bad)
    assert check_positive("lr", 1e-3) == 1e-3
    for bad in (0, -1.0, "1", None):
        with pytest.raises(ValueError, match="lr must be a positive number"):
            check_positive("lr", bad)
    assert check_bool("shuffle", False) is False
    with pytest.raises(ValueError, match="shuffle must be True or False; got 1"):
        check_bool("shuffle", 1)


def test_check_int_allow_none():
    assert check_int("max_swept", None, low=1, allow_none=True) is None
    with pytest.raises(ValueError, match=r"^max_swept must be an integer >= 1 or None; got 0\.$"):
        check_int("max_swept", 0, low=1, allow_none=True)
    with pytest.raises(ValueError, match=r"^n must be an integer >= 1; got None\.$"):
        check_int("n", None, low=1)

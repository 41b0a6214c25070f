import numpy as np
import pytest

from crembo import (
    allowed_labels,
    candidate_thresholds,
    empirical_depth,
    pointwise_depth,
)
from crembo.belief import votes_to_belief
from crembo.depth import clip_belief
from support.bad_input import BELIEF as IRIS_BELIEF
from support.bad_input import Case, check_case

# Four members vote on three points; class 2 gets no vote anywhere.
VOTES = np.array([[0, 0, 1, 1], [1, 1, 1, 0], [0, 0, 0, 0]])
BELIEF = np.array([[0.5, 0.5, 0.0], [0.25, 0.75, 0.0], [1.0, 0.0, 0.0]])


def test_votes_to_belief_by_hand():
    np.testing.assert_allclose(votes_to_belief(VOTES, 3), BELIEF)


def test_weighted_votes_fall_back_to_all_members_on_empty_rows():
    weights = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 0]])
    b = votes_to_belief(VOTES, 3, weights=weights)
    np.testing.assert_allclose(b, [[1.0, 0, 0], [0.25, 0.75, 0], [1.0, 0, 0]])


def test_pointwise_and_empirical_depth_by_hand():
    np.testing.assert_allclose(pointwise_depth([0, 1, 0], BELIEF), [0.5, 0.75, 1.0])
    assert empirical_depth([0, 1, 0], BELIEF) == 0.5
    # a tie at the first point: either class has depth 0.5 there
    assert empirical_depth([1, 1, 0], BELIEF) == 0.5
    # predicting the class nobody votes for has depth 0
    assert empirical_depth([2, 1, 0], BELIEF) == 0.0


def test_robust_depth_ignores_a_fraction_of_points():
    b = np.tile([0.9, 0.1], (10, 1))
    y = np.zeros(10, dtype=int)
    y[0] = 1  # one outlier
    assert empirical_depth(y, b) == pytest.approx(0.1)
    assert empirical_depth(y, b, alpha=0.1) == pytest.approx(0.9)
    assert empirical_depth(y, b, alpha=0.05) == pytest.approx(0.1)


def test_allowed_labels_by_hand_including_ties_and_unvoted_class():
    np.testing.assert_array_equal(allowed_labels(BELIEF, 0.5), [[1, 1, 0], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(allowed_labels(BELIEF, 0.75), [[0, 0, 0], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(allowed_labels(BELIEF, 0.0), np.ones((3, 3)))


def test_candidate_thresholds_are_distinct_sorted_values():
    np.testing.assert_allclose(candidate_thresholds(BELIEF), [0, 0.25, 0.5, 0.75, 1.0])


def test_candidate_threshold_cap_keeps_ends():
    b = votes_to_belief(np.random.RandomState(0).randint(0, 3, size=(200, 100)), 3)
    full = candidate_thresholds(b)
    capped = candidate_thresholds(b, max_candidates=5)
    assert capped.size == 5
    assert capped[0] == full[0] and capped[-1] == full[-1]
    assert np.all(np.isin(capped, full))


def test_epsilon_clipping():
    b = np.array([[0.001, 0.999], [0.3, 0.7]])
    np.testing.assert_allclose(clip_belief(b, 0.01), [[0, 1], [0.3, 0.7]])
    np.testing.assert_allclose(candidate_thresholds(b, epsilon=0.01), [0, 0.3, 0.7, 1])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: pointwise_depth([0, 1], BELIEF), "y_pred"),
        (lambda: pointwise_depth([0, 1, 3], BELIEF), "y_pred"),
        (lambda: empirical_depth([0, 1, 0], BELIEF, alpha=1.0), "alpha"),
        (lambda: empirical_depth([0], [[np.nan, 1.0]]), "not finite"),
        (lambda: allowed_labels([[0.2, 0.2]], 0.5), "do not sum to 1"),
        (lambda: allowed_labels([[-0.5, 1.5]], 0.5), "negative"),
        (lambda: candidate_thresholds(BELIEF, epsilon=0.7), "epsilon"),
        (lambda: candidate_thresholds(BELIEF, max_candidates=1), "max_candidates"),
    ],
)
def test_bad_input_names_the_problem(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------ bad input
# Each case raises ``exc`` matching ``match``, or works end to end (tests/support/bad_input.py).


PY_CASES = {
    # empirical_depth
    "empirical_depth-empty": Case(
        lambda f, t: empirical_depth([], np.empty((0, 3))), ValueError, "at least one row"
    ),
    "empirical_depth-mismatched-lengths": Case(
        lambda f, t: empirical_depth([0, 1], IRIS_BELIEF), ValueError, "one entry per belief row"
    ),
    "empirical_depth-not-summing-to-one": Case(
        lambda f, t: empirical_depth([0], [[0.2, 0.2]]), ValueError, "do not sum to 1"
    ),
    "empirical_depth-negative": Case(
        lambda f, t: empirical_depth([0], [[-0.5, 1.5]]), ValueError, "negative"
    ),
    "empirical_depth-nan": Case(
        lambda f, t: empirical_depth([0], [[np.nan, 1]]), ValueError, "not finite"
    ),
    "empirical_depth-class-out-of-range": Case(
        lambda f, t: empirical_depth([2], [[0.5, 0.5]]), ValueError, "outside 0..1"
    ),
    "empirical_depth-not-indices": Case(
        lambda f, t: empirical_depth([0.5], [[0.5, 0.5]]), ValueError, "integers"
    ),
    # allowed_labels
    "allowed_labels-not-summing-to-one": Case(
        lambda f, t: allowed_labels([[0.2, 0.2]], 0.1), ValueError, "do not sum to 1"
    ),
    "allowed_labels-negative": Case(
        lambda f, t: allowed_labels([[-0.5, 1.5]], 0.1), ValueError, "negative"
    ),
    "allowed_labels-nan": Case(
        lambda f, t: allowed_labels([[np.nan, 1]], 0.1), ValueError, "not finite"
    ),
    "allowed_labels-nan-threshold": Case(
        lambda f, t: allowed_labels(IRIS_BELIEF, np.nan), ValueError, "threshold"
    ),
    "allowed_labels-text-threshold": Case(
        lambda f, t: allowed_labels(IRIS_BELIEF, "0.5"), TypeError, "threshold"
    ),
    # candidate_thresholds
    "candidate_thresholds-negative": Case(
        lambda f, t: candidate_thresholds([[-0.5, 1.5]]), ValueError, "negative"
    ),
    "candidate_thresholds-nan": Case(
        lambda f, t: candidate_thresholds([[np.nan, 1]]), ValueError, "not finite"
    ),
    "candidate_thresholds-1d": Case(
        lambda f, t: candidate_thresholds([0.5, 0.5]), ValueError, "2-D"
    ),
    "candidate_thresholds-max-1": Case(
        lambda f, t: candidate_thresholds(IRIS_BELIEF, max_candidates=1),
        ValueError,
        "max_candidates",
    ),
    "candidate_thresholds-max-text": Case(
        lambda f, t: candidate_thresholds(IRIS_BELIEF, max_candidates="10"),
        ValueError,
        "max_candidates",
    ),
}


@pytest.mark.parametrize("case", list(PY_CASES.values()), ids=list(PY_CASES))
def test_python_entry_points(case, tmp_path):
    check_case(case, None, tmp_path)  # these cases read no input file

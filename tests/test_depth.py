import numpy as np
import pytest

from crembo import allowed_labels, candidate_thresholds, empirical_depth, pointwise_depth
from crembo.belief import votes_to_belief
from crembo.depth import clip_belief

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

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crembo import allowed_labels, candidate_thresholds
from crembo.belief import votes_to_belief
from crembo.search import (
    Candidate,
    best_candidate,
    memo,
    memo_linear,
    sweep,
)


class Stump:
    def __init__(self, feature, cut, left, right):
        self.feature, self.cut, self.left, self.right = feature, cut, left, right

    def predict(self, X):
        return np.where(X[:, self.feature] <= self.cut, self.left, self.right)


def all_stumps(X, n_classes):
    for j in range(X.shape[1]):
        values = np.unique(X[:, j])
        cuts = np.concatenate([[values[0] - 1], (values[:-1] + values[1:]) / 2])
        for cut, a, b in itertools.product(cuts, range(n_classes), range(n_classes)):
            yield Stump(j, cut, a, b)


class ExactStumpOracle:
    """Brute force over every depth-1 stump: returns a consistent one when one exists."""

    def __init__(self, X, belief):
        self.X, self.belief = X, belief
        self.stumps = list(all_stumps(X, belief.shape[1]))
        self.n_fits = 0

    def depth(self, stump):
        return self.belief[np.arange(len(self.X)), stump.predict(self.X)].min()

    def fit(self, threshold):
        self.n_fits += 1
        return max(self.stumps, key=self.depth) if self.feasible(threshold) else self.stumps[0]

    def feasible(self, threshold):
        Y = allowed_labels(self.belief, threshold)
        rows = np.arange(len(self.X))
        return any(Y[rows, s.predict(self.X)].all() for s in self.stumps)


def tiny_problem(seed, n=12, n_features=2, n_classes=3, n_members=6):
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 5, size=(n, n_features)).astype(float)
    votes = rng.randint(0, n_classes, size=(n, n_members))
    return X, votes_to_belief(votes, n_classes)


@pytest.mark.parametrize("seed", range(8))
def test_memo_with_exact_oracle_finds_the_deepest_stump(seed):
    X, b = tiny_problem(seed)
    oracle = ExactStumpOracle(X, b)
    thresholds = candidate_thresholds(b)
    deepest = max(oracle.depth(s) for s in oracle.stumps)
    result = memo(thresholds, oracle)
    assert result.feasible
    assert result.threshold == pytest.approx(deepest)
    assert oracle.depth(result.student) >= result.threshold
    linear = memo_linear(thresholds, oracle)
    assert linear.index == result.index
    assert oracle.n_fits <= 2 * thresholds.size  # binary search probes far fewer
    assert len(result.probes) <= int(np.ceil(np.log2(thresholds.size + 1)))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4))
def test_feasibility_is_monotone_in_threshold(seed, n_classes):
    X, b = tiny_problem(seed, n=8, n_classes=n_classes)
    oracle = ExactStumpOracle(X, b)
    feasible = [oracle.feasible(t) for t in candidate_thresholds(b)]
    # once infeasible, every larger threshold is infeasible
    assert feasible == sorted(feasible, reverse=True)


class CountingOracle:
    """Feasible up to a known index; the student is the threshold itself."""

    def __init__(self, thresholds, last_feasible):
        self.t, self.last = thresholds, last_feasible

    def fit(self, threshold):
        return threshold

    def depth(self, student):
        i = int(np.searchsorted(self.t, student))
        return 1.0 if i <= self.last else -1.0


@pytest.mark.parametrize(("n", "last"), [(1, 0), (7, 0), (7, 6), (100, 37), (64, 63)])
def test_binary_search_agrees_with_linear_scan(n, last):
    t = np.linspace(0, 1, n)
    assert memo(t, CountingOracle(t, last)).index == last
    assert memo_linear(t, CountingOracle(t, last)).index == last


def test_no_feasible_candidate_falls_back_to_the_smallest():
    t = np.linspace(0.1, 1, 5)
    result = memo(t, CountingOracle(t, -1))
    assert not result.feasible and result.index == 0 and result.threshold == 0.1


def test_sweep_scores_every_delta_th_candidate_and_reuses_memo_student():
    t = np.linspace(0, 1, 11)
    oracle = CountingOracle(t, 3)
    start = memo(t, oracle)
    cands = sweep(t, start.index, oracle, lambda s: -abs(s - 0.7), delta=2, first=start)
    assert [c.index for c in cands] == [3, 5, 7, 9]
    assert cands[0].student is start.student
    assert best_candidate(cands).threshold == pytest.approx(0.7)


def test_best_candidate_ties_go_to_the_deeper_threshold():
    cands = [
        Candidate(i, t, None, 0.0, s)
        for i, (t, s) in enumerate([(0.2, 0.5), (0.3, 0.9), (0.4, 0.9)])
    ]
    assert best_candidate(cands).threshold == 0.3


@pytest.mark.parametrize("delta", [0, -1, 1.5, True])
def test_bad_delta(delta):
    t = np.linspace(0, 1, 3)
    with pytest.raises(ValueError, match="delta"):
        sweep(t, 0, CountingOracle(t, 1), lambda s: 0.0, delta=delta)


def test_thresholds_must_increase():
    with pytest.raises(ValueError, match="increasing"):
        memo([0.5, 0.2], CountingOracle(np.array([0.2, 0.5]), 0))

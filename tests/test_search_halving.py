"""Successive halving over thresholds (``search="halving"``)."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from crembo import CREMBOClassifier
from crembo.search import Candidate, halving_schedule, halving_sweep
from crembo.selection import Halving, HoldOut


class CountingOracle:
    """Student = its threshold; fits are counted per sample size."""

    def __init__(self, rows, log):
        self.rows, self.log = rows, log

    def fit(self, threshold):
        self.log.append((threshold, None if self.rows is None else len(self.rows)))
        return threshold

    def depth(self, student):
        return student


def run(n_rows=10_000, seed=0, peak=0.6, n_thresholds=40, min_rows=100):
    thresholds = np.linspace(0.05, 1.0, n_thresholds)
    log = []

    def score(t):
        return -abs(t - peak)  # peaks at `peak`, whatever the sample

    out = halving_sweep(
        thresholds,
        3,
        lambda rows: CountingOracle(rows, log),
        score,
        n_rows=n_rows,
        min_rows=min_rows,
        random_state=seed,
    )
    return thresholds, out, log


def test_schedule_grows_to_all_rows_and_shrinks_to_one():
    sizes = halving_schedule(81, 100_000, eta=3, min_rows=100)
    assert sizes.tolist() == [1235, 3705, 11115, 33345, 100_000]
    assert halving_schedule(30, 500, min_rows=1000).tolist() == [500]  # small data: one rung
    assert halving_schedule(1, 10_000).tolist() == [10_000]


@pytest.mark.parametrize("bad", [{"eta": 1}, {"eta": 2.5}, {"min_rows": 0}])
def test_schedule_rejects_bad_parameters(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        halving_schedule(10, 100, **bad)


def test_returns_a_candidate_refitted_on_all_rows():
    thresholds, out, log = run()
    assert isinstance(out.best, Candidate)
    assert out.best.threshold in thresholds[3:]
    assert log[-1] == (out.best.threshold, None)  # the winner's last fit used every row
    assert out.n_fits == len(log) == len(out.candidates)
    assert out.n_fits < 2 * (thresholds.size - 3)  # far fewer than an exhaustive sweep
    assert out.n_rows[-1] == 10_000


def test_finds_the_peak_of_a_clean_score():
    thresholds, out, _ = run(peak=0.6)
    assert out.best.threshold == thresholds[np.argmin(np.abs(thresholds - 0.6))]


def test_deterministic_per_seed():
    a, b = run(seed=3)[1], run(seed=3)[1]
    assert [c.threshold for c in a.candidates] == [c.threshold for c in b.candidates]
    assert a.n_rows.tolist() == b.n_rows.tolist()


def test_small_data_is_the_exhaustive_sweep():
    thresholds, out, log = run(n_rows=50, min_rows=100)
    assert len(log) == thresholds.size - 3
    assert all(rows is None for _, rows in log)


@pytest.fixture(scope="module")
def easy_problem():
    X, y = make_classification(
        6000, 8, n_informative=5, n_classes=3, n_clusters_per_class=1, random_state=0
    )
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    teacher = RandomForestClassifier(30, max_depth=8, random_state=0, n_jobs=1).fit(X_tr, y_tr)
    return X_tr, X_te, y_tr, y_te, teacher


def fit(search, data, seed=0):
    X_tr, _, y_tr, _, teacher = data
    selection = Halving(refit=True) if search == "halving" else HoldOut(refit=True)
    est = CREMBOClassifier(
        teacher, DecisionTreeClassifier(max_depth=3), selection=selection, random_state=seed
    ).set_params(n_jobs=1)
    return est.fit(X_tr, y_tr)


def test_halving_close_to_exhaustive_on_an_easy_problem(easy_problem):
    _, X_te, _, y_te, _ = easy_problem
    full, fast = fit("exhaustive", easy_problem), fit("halving", easy_problem)
    n_search = fast.sweep_["n_rows"].max()
    assert fast.sweep_["n_rows"].sum() < full.sweep_["threshold"].size * n_search  # rows fitted
    assert "n_rows" in fast.sweep_ and fast.sweep_["n_rows"].max() == fast.sweep_["n_rows"][-1]
    # the threshold it picks scores, in the exhaustive sweep itself, close to the best one
    at = np.flatnonzero(np.isclose(full.sweep_["threshold"], fast.threshold_))
    assert at.size == 1
    assert full.sweep_["score"][at[0]] >= full.sweep_["score"].max() - 0.02
    assert fast.score(X_te, y_te) >= full.score(X_te, y_te) - 0.02


def test_halving_estimator_is_deterministic(easy_problem):
    _, X_te, *_ = easy_problem
    a, b = fit("halving", easy_problem, seed=1), fit("halving", easy_problem, seed=1)
    assert a.threshold_ == b.threshold_
    np.testing.assert_array_equal(a.predict(X_te), b.predict(X_te))


def test_search_parameter_is_checked(easy_problem):
    X_tr, _, y_tr, _, teacher = easy_problem
    with pytest.raises(ValueError, match="selection"):
        CREMBOClassifier(teacher, selection="grid").fit(X_tr, y_tr)
    with pytest.raises(TypeError, match="unexpected keyword argument 'search'"):
        CREMBOClassifier(teacher, search="halving")  # the pre-selection parameter is gone

"""The exact allowed-label oracle (STreeD on binarized features)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from crembo import CREMBOClassifier
from crembo.students.optimal import OptimalAllowedLabelTree, _thresholds
from crembo.students.sklearn import AllowedLabelClassifier

pytest.importorskip("pystreed")


def violations(Y, pred, w=None):
    miss = 1 - Y[np.arange(Y.shape[0]), pred]
    return float(miss.sum() if w is None else (w * miss).sum())


def noisy_allowed(seed=0, n=300):
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(seed)
    X, y = X[:n], y[:n]
    Y = np.column_stack([y, 1 - y]).astype(np.uint8)
    Y[rng.random(n) < 0.15] = 1  # some rows allow both
    flip = rng.random(n) < 0.1
    Y[flip] = 1 - Y[flip]  # and some disagree with the features
    return X, Y


def best_cost(bits, C, depth):
    """Brute force: the cheapest tree of depth <= ``depth`` on binary features ``bits``."""
    leaf = C.sum(axis=0).min() if C.shape[0] else 0.0
    if depth == 0 or C.shape[0] == 0:
        return leaf
    best = leaf
    for f in range(bits.shape[1]):
        on = bits[:, f] == 1
        best = min(
            best, best_cost(bits[on], C[on], depth - 1) + best_cost(bits[~on], C[~on], depth - 1)
        )
    return best


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_brute_force_on_three_binary_features(depth, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, size=(60, 3)).astype(float)
    Y = (rng.random((60, 3)) < 0.4).astype(np.uint8)
    Y[np.arange(60), (X[:, 0] + X[:, 1] * (1 - X[:, 2])).astype(int)] = 1
    w = rng.uniform(0.5, 2.0, size=60)
    tree = OptimalAllowedLabelTree(max_depth=depth).fit(X, Y, sample_weight=w)
    expected = best_cost(X.astype(int), w[:, None] * (1 - Y), depth)
    assert tree.optimal_
    assert tree.objective_ == pytest.approx(expected, abs=1e-9)
    assert violations(Y, tree.predict(X), w) == pytest.approx(expected, abs=1e-9)
    assert tree.get_depth() <= depth


@pytest.mark.parametrize("cost", ["belief", "allowed_belief"])
def test_belief_costs_equal_brute_force(cost):
    rng = np.random.default_rng(5)
    X = rng.integers(0, 2, size=(50, 3)).astype(float)
    belief = rng.dirichlet(np.ones(3), size=50)
    Y = (belief >= 0.3).astype(np.uint8)
    # the gain of each class: the belief, or its share among the allowed classes (every row
    # here allows one)
    gain = belief if cost == "belief" else belief * Y / (belief * Y).sum(axis=1, keepdims=True)
    tree = OptimalAllowedLabelTree(max_depth=2, cost=cost).fit(X, Y, belief=belief)
    expected = best_cost(X.astype(int), 1 - gain, 2)
    assert tree.objective_ == pytest.approx(expected, abs=1e-9)
    gained = gain[np.arange(50), tree.predict(X)].sum()
    assert 50 - gained == pytest.approx(expected, abs=1e-9)
    # the other costs' optimal trees do no better on this one
    for other in {"violation", "belief", "allowed_belief"} - {cost}:
        alt = OptimalAllowedLabelTree(max_depth=2, cost=other).fit(X, Y, belief=belief)
        assert 50 - gain[np.arange(50), alt.predict(X)].sum() >= expected - 1e-9
    with pytest.raises(ValueError, match=cost):
        OptimalAllowedLabelTree(cost=cost).fit(X, Y)


@pytest.mark.parametrize("depth", [2, 3])
def test_no_more_violations_than_the_greedy_tree(depth):
    X, Y = noisy_allowed()
    optimal = OptimalAllowedLabelTree(max_depth=depth, n_thresholds=8, time_limit=30).fit(X, Y)
    greedy = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=depth, random_state=0))
    greedy.fit(X, Y)
    assert optimal.optimal_
    assert violations(Y, optimal.predict(X)) <= violations(Y, greedy.predict(X))


def test_prediction_routes_like_the_tests_it_stores():
    X, Y = noisy_allowed()
    tree = OptimalAllowedLabelTree(max_depth=2, n_thresholds=4).fit(X, Y)
    assert tree.get_n_leaves() == np.sum(tree.feature_ < 0)
    # follow the first row by hand
    node, x = 0, X[0]
    while tree.feature_[node] >= 0:
        go_left = x[tree.feature_[node]] <= tree.threshold_[node]
        node = tree.children_left_[node] if go_left else tree.children_right_[node]
    assert tree.predict(X[:1])[0] == tree.label_[node]
    proba = tree.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), tree.predict(X))
    np.testing.assert_array_equal(tree.classes_, [0, 1])


def test_missing_values_go_right():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [np.nan], [np.nan]])
    Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 1], [0, 1]])
    tree = OptimalAllowedLabelTree(max_depth=1).fit(X, Y)
    np.testing.assert_array_equal(tree.predict(X), [0, 0, 1, 1, 1, 1])
    assert tree.objective_ == 0.0


def test_thresholds_are_quantile_midpoints_that_split():
    x = np.arange(100.0)
    t = _thresholds(x, 3)
    # the midpoints around the quartiles 24.75, 49.5, 74.25
    np.testing.assert_allclose(t, [24.5, 49.5, 74.5])
    assert np.all((t > x.min()) & (t < x.max()))
    np.testing.assert_allclose(_thresholds(np.array([0.0, 1.0, 1.0, 0.0]), 8), [0.5])
    assert _thresholds(np.ones(5), 8).size == 0


def test_constant_targets_and_features_give_one_leaf():
    X = np.ones((10, 2))
    Y = np.tile([0, 1, 1], (10, 1))
    tree = OptimalAllowedLabelTree(max_depth=3).fit(X, Y)
    assert tree.get_n_leaves() == 1
    assert tree.predict(X).tolist() == [1] * 10


def test_time_limit_still_gives_a_valid_tree():
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    Y = np.column_stack([y, 1 - y]).astype(np.uint8)
    Y[rng.random(y.size) < 0.2] = 1
    tree = OptimalAllowedLabelTree(max_depth=4, n_thresholds=16, time_limit=1).fit(X, Y)
    pred = tree.predict(X)
    assert set(np.unique(pred)) <= {0, 1}
    assert tree.get_depth() <= 4
    # a valid tree: at least as good as predicting one class everywhere
    assert violations(Y, pred) <= (1 - Y).sum(axis=0).min()


def test_inside_crembo_paper_preset():
    X, y = load_iris(return_X_y=True)
    teacher = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0)
    student = OptimalAllowedLabelTree(max_depth=2, n_thresholds=6, time_limit=20)
    model = CREMBOClassifier(teacher, student, preset="paper", random_state=0).fit(X, y)
    assert isinstance(model.student_, OptimalAllowedLabelTree)
    assert model.student_.get_depth() <= 2
    assert np.mean(model.predict(X) == y) > 0.9
    assert model.predict_proba(X).shape == (150, 3)


def test_bad_parameters_and_inputs():
    X, Y = noisy_allowed(n=40)
    with pytest.raises(ValueError, match="max_depth"):
        OptimalAllowedLabelTree(max_depth=0).fit(X, Y)
    with pytest.raises(ValueError, match="cost"):
        OptimalAllowedLabelTree(cost="gini").fit(X, Y)
    with pytest.raises(ValueError, match="time_limit"):
        OptimalAllowedLabelTree(time_limit=0).fit(X, Y)
    with pytest.raises(ValueError, match="belief"):
        OptimalAllowedLabelTree(cost="belief").fit(X, Y)
    with pytest.raises(ValueError, match="Y must be"):
        OptimalAllowedLabelTree().fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="sample_weight"):
        OptimalAllowedLabelTree().fit(X, Y, sample_weight=-np.ones(40))
    tree = OptimalAllowedLabelTree(max_depth=1).fit(X, Y)
    with pytest.raises(ValueError, match="features"):
        tree.predict(X[:, :3])


def test_clone_and_determinism():
    X, Y = noisy_allowed(n=120)
    a = OptimalAllowedLabelTree(max_depth=2, n_thresholds=5)
    b = clone(a)
    np.testing.assert_array_equal(a.fit(X, Y).predict(X), b.fit(X, Y).predict(X))
    assert b.get_params() == a.get_params()


def test_brute_force_helper_is_not_trivial():
    # guards the test above: on these rows a depth-2 tree beats the best single leaf
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(60, 3))
    Y = np.zeros((60, 3), dtype=np.uint8)
    Y[np.arange(60), X[:, 0] + X[:, 1]] = 1
    C = 1 - Y
    assert best_cost(X, C, 2) < best_cost(X, C, 0)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_greedy_bound_keeps_the_optimum(seed):
    X, Y = noisy_allowed(seed, n=200)
    bounded = OptimalAllowedLabelTree(max_depth=2, n_thresholds=4).fit(X, Y)
    free = OptimalAllowedLabelTree(max_depth=2, n_thresholds=4, greedy_bound=False).fit(X, Y)
    assert bounded.optimal_ and free.optimal_
    assert bounded.objective_ == pytest.approx(free.objective_)
    # and never worse than the greedy tree it starts from
    from crembo.students.optimal import _greedy_tree

    bits = X[:, np.concatenate([[j] * t.size for j, t in enumerate(bounded.thresholds_)])]
    thr = np.concatenate(bounded.thresholds_)
    _, greedy_cost = _greedy_tree(bits <= thr, 1.0 - Y, 2)
    assert bounded.objective_ <= greedy_cost + 1e-9


class CountedTree(OptimalAllowedLabelTree):
    """The exact tree, counting its fits (a class attribute: clones count too)."""

    fits = []

    def fit(self, X, Y, sample_weight=None, belief=None):
        CountedTree.fits.append(X.shape[0])
        return super().fit(X, Y, sample_weight=sample_weight, belief=belief)


def _cancer(n=300):
    X, y = load_breast_cancer(return_X_y=True)
    teacher = RandomForestClassifier(n_estimators=30, max_depth=8, random_state=0)
    return X[:n], y[:n], teacher.fit(X[:n], y[:n])


@pytest.mark.parametrize("seed", [0, 1])
def test_proxy_choice_fits_the_exact_tree_once_at_the_greedy_choice(seed):
    from crembo.selection import ProxyChoice

    X, y, teacher = _cancer()
    CountedTree.fits.clear()
    exact = CountedTree(max_depth=3, n_thresholds=4, time_limit=5)
    model = CREMBOClassifier(teacher, exact, selection=ProxyChoice(), random_state=seed)
    model.fit(X, y)
    # one exact search per CREMBO fit, on every row of the sample (labelled + MUNGE)
    assert CountedTree.fits == [2 * X.shape[0]]
    assert isinstance(model.student_, CountedTree)
    # the threshold (and its sweep) is the default greedy tree's choice at λ = 0
    greedy = CREMBOClassifier(
        teacher, DecisionTreeClassifier(max_depth=3), shrinkage=0.0, random_state=seed
    ).fit(X, y)
    assert model.threshold_ == greedy.threshold_
    assert model.memo_threshold_ == greedy.memo_threshold_
    np.testing.assert_array_equal(model.sweep_["score"], greedy.sweep_["score"])
    # its fits: the proxy's (as many as the default's) and the one exact search
    assert model.n_student_fits_ == greedy.n_student_fits_ + 1
    assert model.student_.get_depth() <= 3


def test_proxy_choice_by_name_saved_and_refusing_bad_settings(tmp_path):
    import crembo
    from crembo.selection import KFoldOneSE, ProxyChoice

    X, y, teacher = _cancer(150)
    exact = OptimalAllowedLabelTree(max_depth=2, n_thresholds=4, time_limit=5)
    model = CREMBOClassifier(teacher, exact, selection="proxy", random_state=0).fit(X, y)
    assert isinstance(model.config_.selection, ProxyChoice)
    loaded = crembo.load(crembo.save(model, tmp_path / "m.skops"))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    for bad, match in [
        ({"choice": "kfold"}, "choice must be"),
        ({"choice": ProxyChoice()}, "choice must be"),
        ({"tie_break": "gini"}, "tie_break"),
        ({"max_depth": 0}, "max_depth"),
    ]:
        with pytest.raises(ValueError, match=match):
            ProxyChoice(**bad)
    # a student without an integer max_depth: the proxy's depth must be given
    from sklearn.naive_bayes import GaussianNB

    plain = CREMBOClassifier(teacher, GaussianNB(), selection=ProxyChoice())
    with pytest.raises(ValueError, match="ProxyChoice\\(max_depth=...\\)"):
        plain.fit(X, y)
    given = CREMBOClassifier(
        teacher, GaussianNB(), selection=ProxyChoice(KFoldOneSE(3), max_depth=2)
    ).fit(X, y)
    assert isinstance(given.student_.estimator, GaussianNB)  # the student, not the proxy

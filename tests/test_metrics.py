"""crembo.metrics: pairwise agreement and leaves, the one copy of each."""

import itertools

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier

from crembo.metrics import n_leaves, pairwise_agreement


def _loop_agreement(preds):
    """The copies the command line and the report held (now folded into one)."""
    pairs = itertools.combinations(range(len(preds)), 2)
    return float(np.mean([np.mean(preds[i] == preds[j]) for i, j in pairs]))


def test_agreement_value_and_errors():
    P = [[0, 1, 1, 0], [0, 1, 0, 0], [0, 1, 1, 1]]
    assert pairwise_agreement(P) == pytest.approx((0.75 + 0.75 + 0.5) / 3)
    with pytest.raises(ValueError, match="n_models >= 2"):
        pairwise_agreement([[0, 1]])
    with pytest.raises(ValueError, match="one flag per row"):
        pairwise_agreement(P, present=[True, False])


def test_agreement_present():
    P = np.array([[0, 1, 1, 0], [9, 9, 9, 9], [0, 1, 1, 1]])
    assert pairwise_agreement(P, present=[True, False, True]) == 0.75
    assert np.isnan(pairwise_agreement(P, present=[True, False, False]))
    assert np.isnan(pairwise_agreement(P[:1], present=[True]))  # one student: no pair


@pytest.mark.parametrize("labels", ["int", "str"])
def test_agreement_bit_identical_to_the_loop(labels):
    rng = np.random.default_rng(0)
    preds = rng.integers(0, 3, size=(7, 1001))
    if labels == "str":
        preds = np.array(["a", "b", "c"])[preds]
    assert pairwise_agreement(preds) == _loop_agreement(list(preds))


def test_n_leaves_kinds():
    X, y = load_iris(return_X_y=True)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    assert n_leaves(tree) == 3.0 and isinstance(n_leaves(tree), float)
    forest = RandomForestClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    assert n_leaves(forest) == sum(e.get_n_leaves() for e in forest.estimators_)
    net = MLPClassifier(hidden_layer_sizes=(2,), max_iter=5, random_state=0)
    with pytest.warns(Warning):
        net.fit(X, y)
    assert np.isnan(n_leaves(net))


def test_n_leaves_of_crembo_students():
    from crembo.estimator import MEMOClassifier
    from crembo.students.tree import tree_view

    X, y = load_iris(return_X_y=True)
    teacher = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    model = MEMOClassifier(teacher, DecisionTreeClassifier(max_depth=2), random_state=0).fit(X, y)
    assert n_leaves(model) == tree_view(model).n_leaves

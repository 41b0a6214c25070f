"""Hierarchical shrinkage: the formula against imodels, and the allowed-label student's lever."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from crembo import CREMBOClassifier
from crembo.students.shrinkage import shrink_tree_values
from crembo.students.sklearn import AllowedLabelClassifier
from crembo.students.tree_fast import GiniRegressionTree


def allowed_labels(seed=0, n=300):
    """Breast cancer rows with a multi-hot Y of 3 noisy columns (some rows allow several)."""
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(seed)
    X = X[:n]
    Y = np.column_stack([y[:n], 1 - y[:n], rng.random(n) < 0.3]).astype(np.uint8)
    Y[rng.random(n) < 0.2, 0] = 1
    return X, Y


@pytest.mark.parametrize("lam", [0.5, 3.0, 40.0])
def test_equals_imodels_hstree_on_a_binary_problem(lam):
    imodels = pytest.importorskip("imodels")
    X, y = load_breast_cancer(return_X_y=True)
    theirs = imodels.HSTreeClassifier(
        DecisionTreeClassifier(max_depth=3, random_state=0), reg_param=lam
    )
    theirs.fit(X, y)
    ours = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    # same splits
    np.testing.assert_array_equal(ours.tree_.feature, theirs.estimator_.tree_.feature)
    np.testing.assert_array_equal(ours.tree_.threshold, theirs.estimator_.tree_.threshold)
    values = shrink_tree_values(ours.tree_, lam)
    np.testing.assert_allclose(values, theirs.estimator_.tree_.value, rtol=0, atol=1e-12)
    ours.tree_.value[...] = values
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-12)


def test_weighted_rows_use_the_weighted_node_sizes_as_imodels_does():
    imodels = pytest.importorskip("imodels")
    X, y = load_breast_cancer(return_X_y=True)
    w = np.random.default_rng(1).uniform(0.2, 3.0, size=y.size)
    theirs = imodels.HSTreeClassifier(
        DecisionTreeClassifier(max_depth=3, random_state=0), reg_param=5.0
    )
    theirs.fit(X, y, sample_weight=w)
    ours = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(
        shrink_tree_values(ours, 5.0), theirs.estimator_.tree_.value, rtol=0, atol=1e-12
    )


def test_regression_tree_matches_a_per_path_sum():
    X, y = load_iris(return_X_y=True)
    tree = DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y).tree_
    lam = 7.0
    values = shrink_tree_values(tree, lam)
    # direct formula: walk each node's path from the root
    parent = np.full(tree.node_count, -1)
    for p in range(tree.node_count):
        for c in (tree.children_left[p], tree.children_right[p]):
            if c != -1:
                parent[c] = p
    for node in range(tree.node_count):
        expected, c = tree.value[0].copy(), node
        steps = []
        while parent[c] != -1:
            p = parent[c]
            steps.append(
                (tree.value[c] - tree.value[p]) / (1 + lam / tree.weighted_n_node_samples[p])
            )
            c = p
        expected = expected + sum(steps[::-1], np.zeros_like(expected))
        np.testing.assert_allclose(values[node], expected, atol=1e-12)


def test_zero_is_the_plain_tree_and_huge_is_the_root_mean():
    X, Y = allowed_labels()
    tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, Y).tree_
    np.testing.assert_array_equal(shrink_tree_values(tree, 0.0), tree.value)
    for lam in (1e15, np.inf):
        huge = shrink_tree_values(tree, lam)
        np.testing.assert_allclose(huge, np.broadcast_to(tree.value[0], huge.shape), atol=1e-9)


def test_leaves_move_monotonically_toward_the_root():
    X, Y = allowed_labels()
    tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, Y).tree_
    leaves = tree.children_left == -1
    distances = [
        np.abs(shrink_tree_values(tree, lam)[leaves] - tree.value[0]).sum()
        for lam in (0.0, 1.0, 5.0, 25.0, 200.0)
    ]
    assert all(a > b for a, b in zip(distances, distances[1:], strict=False))


def test_the_tree_is_not_changed():
    X, Y = allowed_labels()
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, Y).tree_
    before = tree.value.copy()
    shrink_tree_values(tree, 10.0)
    np.testing.assert_array_equal(tree.value, before)


def test_student_default_is_bit_for_bit_unchanged():
    X, Y = allowed_labels()
    plain = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=4, random_state=0)).fit(X, Y)
    zero = AllowedLabelClassifier(
        DecisionTreeClassifier(max_depth=4, random_state=0), shrinkage=0.0
    ).fit(X, Y)
    np.testing.assert_array_equal(plain.estimator_.tree_.value, zero.estimator_.tree_.value)
    np.testing.assert_array_equal(plain.allowed_proba(X), zero.allowed_proba(X))


@pytest.mark.parametrize("tie_break", ["index", "belief"])
def test_student_predicts_the_shrunk_tree_and_the_tree_alone_reproduces_it(tie_break):
    X, Y = allowed_labels()
    belief = np.random.default_rng(3).dirichlet(np.ones(3), size=X.shape[0])
    lam = 20.0
    student = AllowedLabelClassifier(
        DecisionTreeClassifier(max_depth=4, random_state=0), tie_break=tie_break, shrinkage=lam
    ).fit(X, Y, belief=belief if tie_break == "belief" else None)
    plain = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, Y)
    expected = shrink_tree_values(plain, lam)[plain.apply(X.astype(np.float32))][:, :, 1]
    np.testing.assert_allclose(student.allowed_proba(X), expected, atol=1e-12)
    # the fitted tree is a plain scikit-learn tree predicting the shrunk values
    fitted_proba = np.column_stack([p[:, 1] for p in student.estimator_.predict_proba(X)])
    np.testing.assert_allclose(fitted_proba, expected, atol=1e-12)
    np.testing.assert_array_equal(student.predict_proba(X).argmax(axis=1), student.predict(X))
    # shrinkage changes some leaf values (else this test would test nothing)
    assert np.abs(plain.predict_proba(X)[0][:, 1] - expected[:, 0]).max() > 1e-3
    restored = pickle.loads(pickle.dumps(student))
    np.testing.assert_array_equal(restored.predict(X), student.predict(X))


def test_shrinkage_can_change_which_class_wins():
    # one leaf allows class 1 on all of its few rows, class 0 on most; the big sibling allows
    # only 0: shrunk toward the parent, the small leaf's class 1 falls behind class 0
    X = np.arange(20.0).reshape(-1, 1)
    Y = np.zeros((20, 2), dtype=np.uint8)
    Y[:, 0] = 1
    Y[17:, 1] = 1
    Y[17, 0] = 0
    plain = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=1)).fit(X, Y)
    shrunk = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=1), shrinkage=50.0).fit(X, Y)
    assert plain.predict(X[19:]).item() == 1
    assert shrunk.predict(X[19:]).item() == 0


def test_fast_gini_tree_student_shrinks_too():
    X, Y = allowed_labels()
    a = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=4, random_state=0), shrinkage=8.0)
    b = AllowedLabelClassifier(GiniRegressionTree(max_depth=4, random_state=0), shrinkage=8.0)
    np.testing.assert_allclose(
        a.fit(X, Y).allowed_proba(X), b.fit(X, Y).allowed_proba(X), atol=1e-9
    )


def test_constant_columns_are_not_shrunk():
    X, Y = allowed_labels()
    Y[:, 2] = 1  # allowed everywhere
    student = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=3), shrinkage=10.0).fit(X, Y)
    np.testing.assert_array_equal(student.allowed_proba(X)[:, 2], 1.0)


@pytest.mark.parametrize("bad", [-0.1, np.nan, "1", None])
def test_bad_shrinkage_names_the_parameter(bad):
    X, Y = allowed_labels()
    with pytest.raises(ValueError, match="shrinkage"):
        AllowedLabelClassifier(DecisionTreeClassifier(max_depth=2), shrinkage=bad).fit(X, Y)


def test_shrinkage_needs_a_tree_student():
    X, Y = allowed_labels()
    with pytest.raises(ValueError, match="shrinkage.*decision-tree"):
        AllowedLabelClassifier(LogisticRegression(), shrinkage=1.0).fit(X, Y)
    # 0 keeps any student working
    AllowedLabelClassifier(LogisticRegression(max_iter=2000), shrinkage=0.0).fit(X[:, :5], Y)


def test_clone_keeps_shrinkage():
    est = AllowedLabelClassifier(DecisionTreeClassifier(), shrinkage=4.0)
    assert clone(est).get_params()["shrinkage"] == 4.0


def test_paper_preset_crembo_student_has_no_shrinkage():
    X, y = load_iris(return_X_y=True)
    model = CREMBOClassifier(preset="paper", random_state=0).fit(X, y)
    assert isinstance(model.student_, AllowedLabelClassifier)
    assert model.student_.shrinkage == 0.0

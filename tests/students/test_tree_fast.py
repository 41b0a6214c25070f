"""Gini trees grown as regressors, and the unchecked tree path of AllowedLabelClassifier."""

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from crembo.students.sklearn import AllowedLabelClassifier
from crembo.students.tree_fast import GiniRegressionTree, grows_as_regressor


def problem(seed, n=300, p=5, k=4, nan=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    if nan:
        X[rng.random((n, p)) < 0.05] = np.nan
    Y = (rng.random((n, k)) < rng.uniform(0.2, 0.8, k)).astype(np.uint8)
    w = rng.integers(1, 4, n).astype(float)
    return X, Y, w


def same_tree(a, b):
    a, b = a.tree_, b.tree_
    return (
        a.node_count == b.node_count
        and np.array_equal(a.feature, b.feature)
        and np.array_equal(a.threshold, b.threshold)
        and np.array_equal(a.children_left, b.children_left)
    )


@pytest.mark.parametrize("nan", [False, True])
def test_allowed_label_tree_path_fits_the_public_fit_tree(nan):
    X, Y, w = problem(0, nan=nan)
    student = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=4, random_state=0))
    student.fit(X, Y, sample_weight=w)
    public = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, Y, sample_weight=w)
    assert same_tree(student.estimator_, public)
    expected = np.column_stack([p[:, 1] for p in public.predict_proba(X)])
    np.testing.assert_array_equal(student.allowed_proba(X), expected)


def test_allowed_label_tree_path_rejects_infinity():
    X, Y, _ = problem(1)
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity|inf"):
        AllowedLabelClassifier(DecisionTreeClassifier(max_depth=2)).fit(X, Y)


@pytest.mark.parametrize("seed", range(8))
def test_regression_grown_tree_matches_the_gini_classifier(seed):
    X, Y, w = problem(seed, nan=seed % 2 == 1)
    params = {"max_depth": 5, "random_state": seed}
    clf = DecisionTreeClassifier(**params).fit(X, Y, sample_weight=w)
    fast = GiniRegressionTree(**params).fit(X, Y, sample_weight=w)
    assert same_tree(clf, fast)
    np.testing.assert_array_equal(clf.n_classes_, fast.n_classes_)
    for p, q in zip(clf.predict_proba(X), fast.predict_proba(X), strict=True):
        np.testing.assert_allclose(p, q, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), fast.predict(X))


def test_single_output_and_fallbacks():
    X, Y, _ = problem(2)
    fast = GiniRegressionTree(max_depth=3, random_state=0).fit(X, Y[:, 0])
    clf = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, Y[:, 0])
    assert same_tree(clf, fast) and fast.classes_.tolist() == [0, 1]
    y3 = np.arange(X.shape[0]) % 3  # not 0/1: the classifier's own fit
    assert GiniRegressionTree(max_depth=2).fit(X, y3).n_classes_ == 3
    assert not grows_as_regressor(GiniRegressionTree(criterion="entropy"))
    assert not grows_as_regressor(DecisionTreeClassifier(class_weight="balanced"))
    assert grows_as_regressor(DecisionTreeClassifier(max_depth=3))

"""Threshold-choice strategies: the batched k-fold default, its fallbacks and helpers."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from crembo import CREMBOClassifier, belief_from
from crembo.selection import (
    HoldOut,
    KFoldOneSE,
    _stratified_subsample,
    allowed_label_keys,
    as_selection,
    cap_evenly,
)
from crembo.students.sklearn import AllowedLabelClassifier


def test_cap_and_keys():
    idx = np.arange(5, 100)
    capped = cap_evenly(idx, 24)
    assert capped.size == 24 and capped[0] == 5 and capped[-1] == 99
    assert np.all(np.diff(capped) > 0)
    assert cap_evenly(idx[:10], 24).size == 10
    b = np.array([[0.2, 0.8], [0.5, 0.5]])
    thresholds = np.array([0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 0.9])
    keys = allowed_label_keys(b, thresholds)
    Ys = [(b >= t).tobytes() for t in thresholds]
    for i in range(thresholds.size):
        for j in range(thresholds.size):
            assert (keys[i] == keys[j]) == (Ys[i] == Ys[j])


def test_subsample_keeps_every_class_and_the_rate():
    y = np.r_[np.zeros(900, int), np.ones(90, int), np.full(10, 2), np.full(1000, -1)]
    rows = _stratified_subsample(y, 200, seed=0)
    assert np.all(np.diff(rows) > 0)
    counts = np.bincount(y[rows] + 1)
    assert counts.tolist() == [100, 90, 9, 1]


def test_strategy_names():
    assert as_selection("kfold", HoldOut()) == KFoldOneSE()
    assert as_selection("auto", HoldOut(0.2)) == HoldOut(0.2)
    with pytest.raises(ValueError, match="selection"):
        as_selection("cv", HoldOut())


@pytest.fixture(scope="module")
def problem():
    X, y = make_classification(
        700, 8, n_informative=5, n_classes=3, n_clusters_per_class=1, random_state=0
    )
    teacher = RandomForestClassifier(30, max_depth=8, random_state=0).fit(X, y)
    return X, y, teacher


def test_default_on_a_tree_is_two_batches_and_a_few_real_fits(problem):
    pytest.importorskip("crembo.students.batched")
    X, y, teacher = problem
    model = CREMBOClassifier(teacher, DecisionTreeClassifier(max_depth=4), random_state=0)
    model.fit(X, y)
    # MEMO's bisection and the final student are real fits; the folds' trees two batches
    assert model.n_batched_ == 2
    assert model.n_student_fits_ <= np.ceil(np.log2(model.thresholds_.size)) + 2
    assert model.sweep_["threshold"].size <= 16 + 8
    # the model the user gets is a real scikit-learn tree, fitted on every row (and MUNGE's)
    assert isinstance(model.student_, AllowedLabelClassifier)
    tree = model.student_.estimator_
    assert type(tree) is DecisionTreeClassifier and tree.tree_.n_node_samples[0] == 2 * len(y)
    assert model.memo_threshold_ <= model.threshold_ <= 1
    assert model.sweep_["threshold"][0] == model.memo_threshold_ and model.memo_feasible_
    # the choice by batch and by per-fold fits agree closely on what they measure
    fitted = CREMBOClassifier(
        teacher,
        DecisionTreeClassifier(max_depth=4),
        selection=KFoldOneSE(batched=False, max_swept=None),
        random_state=0,
    ).fit(X, y)
    common, a, b = np.intersect1d(
        model.sweep_["threshold"], fitted.sweep_["threshold"], return_indices=True
    )
    assert fitted.memo_threshold_ == model.memo_threshold_  # both bisect with real fits
    assert common.size == model.sweep_["threshold"].size  # the batch scores a subset
    assert np.abs(model.sweep_["score"][a] - fitted.sweep_["score"][b]).max() < 0.06
    assert abs(model.score(X, y) - fitted.score(X, y)) < 0.05


def test_other_students_fit_per_fold_with_a_cap(problem):
    X, y, teacher = problem
    student = DecisionTreeClassifier(max_depth=3, max_features=4)  # not what the batch grows
    model = CREMBOClassifier(teacher, student, random_state=0).fit(X, y)
    assert model.n_batched_ == 0
    assert model.sweep_["threshold"].size <= 24
    assert model.n_student_fits_ <= np.ceil(np.log2(model.thresholds_.size)) + 1 + 5 * 24 + 1
    with pytest.raises(ValueError, match="batched=True"):
        CREMBOClassifier(teacher, student, selection=KFoldOneSE(batched=True)).fit(X, y)


def test_large_data_choose_on_a_subsample_and_fit_on_all(problem):
    X, y, teacher = problem
    selection = KFoldOneSE(n_splits=3, max_search_rows=300)
    model = CREMBOClassifier(teacher, selection=selection, augment=0.0, random_state=0)
    model.fit(X, y)
    assert 280 <= model.n_search_rows_ <= 320
    assert model.student_.estimator_.tree_.n_node_samples[0] == len(y)
    b = belief_from(teacher, X)  # the depth is measured on every row, not the subsample
    assert model.depth_ == pytest.approx(b[np.arange(len(y)), model.student_.predict(X)].min())

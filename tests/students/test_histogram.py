"""crembo.students.histogram: the final student of a large sample, grown on binned features."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

import crembo.students.histogram as histogram
from crembo import CREMBOClassifier
from crembo.belief import belief_from
from crembo.students.batched import grow_allowed_label_trees
from crembo.students.histogram import binned_student
from crembo.students.sklearn import AllowedLabelClassifier

PARAMS = {"max_depth": 4, "min_samples_split": 2, "min_samples_leaf": 1}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        1500, 6, n_informative=4, n_redundant=0, n_classes=4, n_clusters_per_class=1,
        random_state=0,
    )  # fmt: skip
    teacher = RandomForestClassifier(15, max_depth=6, random_state=0).fit(X, y)
    return X, y, belief_from(teacher, X), teacher


@pytest.mark.parametrize("tie_break", ["index", "belief"])
@pytest.mark.parametrize("threshold", [0.2, 0.5])
def test_the_student_predicts_what_the_binned_tree_predicts(data, tie_break, threshold):
    X, _, b, _ = data
    learner = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=4), tie_break=tie_break)
    student = binned_student(learner, X, b, threshold, PARAMS)
    grown = grow_allowed_label_trees(
        X, b, [threshold], max_depth=4, max_bins=histogram.MAX_BINS, tie_break=tie_break
    )
    np.testing.assert_array_equal(student.predict(X), grown.predict(X)[0, 0, 0])
    assert type(student.estimator_) is DecisionTreeClassifier
    assert student.estimator_.get_depth() <= 4
    np.testing.assert_allclose(student.predict_proba(X).sum(axis=1), 1.0)
    assert not hasattr(learner, "estimator_")  # the learner given is left unfitted


def test_few_distinct_values_give_the_exact_tree(data):
    # every feature with at most MAX_BINS values: the bins are the values, the splits exact
    X, _, b, _ = data
    Xr = np.round(X, 1)
    learner = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=4))
    exact = learner.fit(Xr, (b >= 0.3).astype(np.uint8))
    binned = binned_student(learner, Xr, b, 0.3, PARAMS)
    np.testing.assert_array_equal(binned.predict(X), exact.predict(X))
    np.testing.assert_allclose(binned.allowed_proba(X), exact.allowed_proba(X), rtol=0, atol=1e-12)


def test_shrinkage_is_applied_as_after_an_exact_fit(data):
    X, _, b, _ = data
    Xr = np.round(X, 1)
    learner = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=4), shrinkage=10.0)
    exact = learner.fit(Xr, (b >= 0.3).astype(np.uint8))
    binned = binned_student(learner, Xr, b, 0.3, PARAMS)
    np.testing.assert_allclose(binned.allowed_proba(X), exact.allowed_proba(X), atol=1e-12)


def test_a_large_sample_gets_the_binned_final_student(data, monkeypatch):
    X, y, _, teacher = data
    exact = CREMBOClassifier(teacher, DecisionTreeClassifier(max_depth=4), random_state=0).fit(X, y)
    monkeypatch.setattr(histogram, "HISTOGRAM_ROWS", 100)  # every sample is large
    binned = CREMBOClassifier(teacher, DecisionTreeClassifier(max_depth=4), random_state=0)
    binned.fit(X, y)
    assert binned.threshold_ == exact.threshold_  # the choice does not use the final fit
    assert np.mean(binned.predict(X) == exact.predict(X)) > 0.85
    # with a missing value the exact fit is kept

    def refuse(*args, **kwargs):
        raise AssertionError("binned student with missing values")

    monkeypatch.setattr(histogram, "binned_student", refuse)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    model = CREMBOClassifier(teacher, DecisionTreeClassifier(max_depth=4), random_state=0)
    assert model.fit(Xn, y).score(X, y) > 0.5

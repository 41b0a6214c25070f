"""Sample weights (crembo.weights): a row of integer weight k is k copies of it.

Tested wherever that is exactly true (nothing split or drawn): the student at each
threshold (per-threshold and batched, with row masks), the depth, the held-out scores, the
balanced class weights, MEMO and VT end to end. CREMBO's selection splits rows, so for it:
a weight-0 row is no row (the whole fit equals the fit without it), every weight 1 is no
weight, and scaling all weights changes nothing.
"""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.class_weight import compute_sample_weight

from crembo import CREMBOClassifier, MEMOClassifier, SurrogateClassifier, belief_from
from crembo.fit import accuracy
from crembo.oracle import AllowedLabelOracle, Sample
from crembo.students.sklearn import AllowedLabelClassifier, split_class_weight
from crembo.weights import check_sample_weight, weighted_quantile

X, Y = load_wine(return_X_y=True)
X = X[:, :6]  # fewer features: the teacher is unsure in places
RNG = np.random.RandomState(0)
W = RNG.randint(1, 4, size=len(Y))  # integer weights 1..3
REP = np.repeat(np.arange(len(Y)), W)  # each row repeated its weight's times
TEACHER = RandomForestClassifier(30, max_depth=4, random_state=0).fit(X, Y)
BELIEF = belief_from(TEACHER, X)


def _same_tree(a, b, exact=True):
    """The same splits; the same node values (up to rounding where ``exact`` is False)."""
    for field in ("feature", "threshold", "children_left", "children_right"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    if exact:
        assert np.array_equal(a.value, b.value)
    else:
        assert np.allclose(a.value, b.value, rtol=1e-12, atol=0)


def _tree(model):
    student = getattr(model, "student_", model)
    student = getattr(student, "estimator_", student)
    return student.tree_


@pytest.mark.parametrize("tie_break", ["index", "belief"])
def test_student_at_each_threshold_equals_repeated_rows(tie_break):
    learner = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=3, random_state=0), tie_break)
    weighted = AllowedLabelOracle(learner, Sample(X, BELIEF, Y, W.astype(float), W), 0.1)
    repeated = AllowedLabelOracle(learner, Sample(X[REP], BELIEF[REP], Y[REP], None), 0.1)
    for theta in np.unique(BELIEF)[1:-1:3]:
        a, b = weighted.fit(theta), repeated.fit(theta)
        _same_tree(_tree(a), _tree(b))
        assert np.array_equal(a.predict(X), b.predict(X))
        assert weighted.depth(a) == repeated.depth(b)  # the weighted 10 % quantile


def test_batched_learner_equals_repeated_rows():
    learner = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=3, random_state=0))
    masks = RNG.rand(3, len(Y)) < 0.8  # three row families (folds), by original row
    weighted = AllowedLabelOracle(learner, Sample(X, BELIEF, Y, W.astype(float), W), 0.0)
    repeated = AllowedLabelOracle(learner, Sample(X[REP], BELIEF[REP], Y[REP], None), 0.0)
    assert weighted.can_fit_many
    thetas = np.unique(BELIEF)[1:-1:4]
    a = weighted.fit_many(thetas, masks).predict(X)
    b = repeated.fit_many(thetas, masks[:, REP]).predict(X)
    assert np.array_equal(a, b)


def test_weighted_quantile_is_the_repeated_rows_quantile():
    values = RNG.rand(40)
    weight = RNG.randint(1, 5, size=40)
    for alpha in (0.0, 0.05, 0.1, 0.37, 0.9):
        k = int(np.floor(alpha * weight.sum()))
        assert weighted_quantile(values, alpha, weight) == np.sort(np.repeat(values, weight))[k]


def test_scores_and_balanced_class_weights_equal_repeated_rows():
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, Y)
    assert accuracy(tree, X, Y, sample_weight=W) == pytest.approx(accuracy(tree, X[REP], Y[REP]))
    balanced = DecisionTreeClassifier(class_weight="balanced")
    _, weighted = split_class_weight(balanced, Y, np.unique(Y), W.astype(float))
    assert np.allclose(weighted[REP], compute_sample_weight("balanced", Y[REP]))


@pytest.mark.parametrize(
    "teacher",
    [TEACHER, DecisionTreeClassifier(max_depth=4, random_state=0)],
    ids=["fitted-forest", "tree-fitted-here"],
)
def test_memo_equals_repeated_rows(teacher):
    def fit(*args, **kw):
        return MEMOClassifier(teacher, belief="proba", random_state=0).fit(*args, **kw)

    a, b = fit(X, Y, sample_weight=W), fit(X[REP], Y[REP])
    _same_tree(_tree(a), _tree(b))
    assert (a.threshold_, a.depth_) == (b.threshold_, b.depth_)


def test_vt_equals_repeated_rows():
    def fit(*args, **kw):
        teacher = DecisionTreeClassifier(max_depth=5, random_state=0)  # fitted here
        return SurrogateClassifier(teacher, random_state=0).fit(*args, **kw)

    _same_tree(_tree(fit(X, Y, sample_weight=W)), _tree(fit(X[REP], Y[REP])))


@pytest.mark.parametrize("preset", ["paper", "robust"])
def test_crembo_weight_zero_is_no_row(preset):
    w = W.astype(float)
    w[::5] = 0

    def fit(*args, **kw):
        return CREMBOClassifier(preset=preset, random_state=0, n_jobs=1).fit(*args, **kw)

    a, b = fit(X, Y, sample_weight=w), fit(X[w > 0], Y[w > 0], sample_weight=w[w > 0])
    _same_tree(_tree(a), _tree(b))
    assert a.threshold_ == b.threshold_


def test_crembo_unit_and_scaled_weights_change_nothing():
    def fit(teacher=None, sample_weight=None, **kw):
        model = CREMBOClassifier(teacher, preset="robust", random_state=0, n_jobs=1, **kw)
        return model.fit(X, Y, sample_weight=sample_weight)

    # a fitted teacher: scikit-learn's forest draws its bootstrap rows differently when
    # given weights at all, so every weight 1 is no weight from the teacher's belief on
    _same_tree(_tree(fit(TEACHER)), _tree(fit(TEACHER, sample_weight=np.ones(len(Y)))))
    # the forest fitted here; no shrinkage, whose λ counts a node's (weighted) rows
    a, b = fit(sample_weight=W, shrinkage=0.0), fit(sample_weight=3 * W, shrinkage=0.0)
    _same_tree(_tree(a), _tree(b), exact=False)  # fractions of 3x the weight: rounding
    assert np.allclose(a.sweep_["score"], b.sweep_["score"], rtol=1e-12)


def test_crembo_weights_reach_the_teacher_and_the_student():
    """Weights that favour one class: the forest is fitted with them, the tree moves."""
    from sklearn.base import clone

    w = np.where(Y == 2, 5.0, 1.0)
    plain = CREMBOClassifier(preset="paper", random_state=0).fit(X, Y)
    weighted = CREMBOClassifier(preset="paper", random_state=0).fit(X, Y, sample_weight=w)
    assert not np.array_equal(_tree(plain).value, _tree(weighted).value)
    again = clone(weighted.teacher_).fit(X, Y, sample_weight=w)  # the same seed
    assert np.array_equal(
        again.estimators_[0].tree_.value, weighted.teacher_.estimators_[0].tree_.value
    )


def test_teacher_without_sample_weight_warns():
    teacher = make_pipeline(StandardScaler(), DecisionTreeClassifier(max_depth=3))
    with pytest.warns(UserWarning, match="Pipeline.fit takes no sample_weight"):
        MEMOClassifier(teacher, random_state=0).fit(X, Y, sample_weight=W)


@pytest.mark.parametrize(
    ("weight", "match"),
    [
        (np.ones(3), r"shape \(178,\); got \(3,\)"),
        (np.r_[-1.0, np.ones(177)], "finite values >= 0; 1 do not"),
        (np.r_[np.nan, np.ones(177)], "finite values >= 0"),
        (np.zeros(178), "every weight is zero"),
        (np.array(["a"] * 178), "must hold numbers"),
    ],
)
def test_bad_sample_weight(weight, match):
    with pytest.raises(ValueError, match=match):
        check_sample_weight(weight, 178)
    with pytest.raises(ValueError, match=match):
        CREMBOClassifier(TEACHER).fit(X, Y, sample_weight=weight)

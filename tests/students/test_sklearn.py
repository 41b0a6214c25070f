"""The allowed-label student: fitting Y_θ, and how it breaks ties between allowed classes."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from crembo import CREMBOClassifier, MEMOClassifier
from crembo.students.sklearn import AllowedLabelClassifier, break_ties
from crembo.students.tree import tree_rules, tree_view


def two_leaf_problem():
    """x < 0: classes 0 and 1 allowed everywhere (a tie), the teacher leaning to 1;
    x >= 0: class 2 alone. Globally the teacher leans to 0, so only a per-leaf score
    breaks the left tie toward 1."""
    X = np.array([[-2.0], [-1.5], [-1.0], [-0.5], [0.5], [1.0], [1.5], [2.0]])
    Y = np.array([[1, 1, 0]] * 4 + [[0, 0, 1]] * 4)
    belief = np.array([[0.4, 0.6, 0.0]] * 4 + [[0.55, 0.0, 0.45]] * 4)
    return X, Y, belief


def test_ties_go_to_the_lowest_index_by_default():
    X, Y, belief = two_leaf_problem()
    student = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=1)).fit(X, Y)
    np.testing.assert_array_equal(student.predict(X), [0, 0, 0, 0, 2, 2, 2, 2])
    assert student.tie_scores_ is None


def test_belief_tie_break_uses_the_leaf_not_the_global_mean():
    X, Y, belief = two_leaf_problem()
    student = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=1), tie_break="belief")
    student.fit(X, Y, belief=belief)
    np.testing.assert_array_equal(student.predict(X), [1, 1, 1, 1, 2, 2, 2, 2])
    # the allowed-probabilities are untouched up to the nudge; predict is their argmax
    proba = student.predict_proba(X)
    np.testing.assert_array_equal(proba.argmax(axis=1), student.predict(X))
    np.testing.assert_allclose(proba[:4], [[0.5, 0.5, 0.0]] * 4, atol=1e-9)
    assert student.tie_scores_.shape == (3, 3)  # root and two leaves
    # the printed tree predicts what the student predicts
    view = tree_view(student)
    leaves = np.flatnonzero(view.is_leaf)
    assert sorted(view.predicted[leaves].tolist()) == [1, 2]
    assert "predict 1" in tree_rules(student)


def test_belief_tie_break_with_weights_and_with_a_non_tree_student():
    X, Y, belief = two_leaf_problem()
    # weights make the left leaf's mean lean to class 0
    w = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    belief_w = belief.copy()
    belief_w[0] = [1.0, 0.0, 0.0]
    w[0] = 10.0
    tree = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=1), tie_break="belief")
    assert tree.fit(X, Y, sample_weight=w, belief=belief_w).predict(X[:4]).tolist() == [0] * 4
    # a student that is not a tree breaks ties by the mean belief over all rows
    Y_tied = np.ones_like(Y)  # every class allowed everywhere: every column constant
    lr = AllowedLabelClassifier(LogisticRegression(), tie_break="belief")
    lr.fit(X, Y_tied, belief=belief)
    assert lr.estimator_ is None
    np.testing.assert_allclose(lr.tie_scores_, belief.mean(axis=0))
    assert set(lr.predict(X)) == {0}  # the global mean leans to class 0 (0.475 > 0.3)


def test_break_ties_never_lifts_a_class_over_a_strictly_larger_one():
    rng = np.random.default_rng(0)
    P = rng.integers(0, 4, size=(500, 5)) / 4.0  # many exact ties
    S = rng.random((500, 5))
    ranked = break_ties(P, S)
    top = P.max(axis=1, keepdims=True)
    pick = ranked.argmax(axis=1)
    assert np.all(P[np.arange(500), pick] == top[:, 0])
    tied_scores = np.where(np.equal(P, top), S, -1.0)
    np.testing.assert_array_equal(pick, tied_scores.argmax(axis=1))
    np.testing.assert_array_equal(break_ties(P, None), P)


@pytest.mark.parametrize(
    "kwargs, fit_kwargs, match",
    [
        ({"tie_break": "random"}, {}, "'tie_break' parameter of AllowedLabelClassifier must be"),
        ({"tie_break": "belief"}, {}, "tie_break='belief' needs the teacher's belief"),
        ({"tie_break": "belief"}, {"belief": np.ones((3, 3))}, "belief must have the shape"),
    ],
)
def test_bad_tie_break_input(kwargs, fit_kwargs, match):
    X, Y, _ = two_leaf_problem()
    with pytest.raises(ValueError, match=match):
        AllowedLabelClassifier(DecisionTreeClassifier(), **kwargs).fit(X, Y, **fit_kwargs)


def test_crembo_and_memo_pass_the_belief_to_the_student(wine):
    X, y = wine
    for cls in (CREMBOClassifier, MEMOClassifier):
        model = cls(tie_break="belief", random_state=0).fit(X, y)
        assert model.student_.tie_break == "belief"
        assert model.student_.tie_scores_ is not None
        again = clone(model).fit(X, y)
        np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert CREMBOClassifier(preset="paper").fit(X, y).student_.tie_break == "index"
    assert CREMBOClassifier().fit(X, y).student_.tie_break == "belief"  # the default preset
    with pytest.raises(ValueError, match="tie_break"):
        CREMBOClassifier(tie_break="first").fit(X, y)


# --- the medoid of bootstrap students -------------------------------------------------------


def _iris_allowed():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    Y = np.eye(3, dtype=np.uint8)[y]
    Y[np.random.default_rng(0).random(y.size) < 0.3] = 1  # some rows allow every class
    return X, y, Y


def test_medoid_is_the_student_agreeing_most_with_the_others():
    from crembo.students.medoid import BootstrapMedoidStudent

    X, y, Y = _iris_allowed()
    m = BootstrapMedoidStudent(DecisionTreeClassifier(max_depth=2), n_bootstrap=9, random_state=0)
    m.fit(X, Y)
    A = m.agreement_
    assert A.shape == (9, 9)
    np.testing.assert_allclose(np.diag(A), 1.0)
    np.testing.assert_allclose(A, A.T)
    assert m.medoid_ == int(np.argmax(A.sum(axis=1)))
    assert A[m.medoid_].sum() >= A.sum(axis=1).mean()
    np.testing.assert_array_equal(m.predict(X), m.student_.predict(X))
    np.testing.assert_array_equal(m.predict_proba(X).argmax(axis=1), m.predict(X))
    # the students differ (else the medoid is trivially any of them)
    assert A.min() < 1.0


def test_medoid_is_deterministic_and_clones():
    from crembo.students.medoid import BootstrapMedoidStudent

    X, y, Y = _iris_allowed()
    a = BootstrapMedoidStudent(n_bootstrap=5, random_state=3).fit(X, Y)
    b = clone(a).fit(X, Y)
    np.testing.assert_array_equal(a.agreement_, b.agreement_)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_medoid_with_weights_belief_and_shrinkage():
    from crembo.students.medoid import BootstrapMedoidStudent

    X, y, Y = _iris_allowed()
    belief = np.random.default_rng(1).dirichlet(np.ones(3), size=y.size)
    m = BootstrapMedoidStudent(n_bootstrap=4, tie_break="belief", shrinkage=5.0, random_state=0)
    m.fit(X, Y, sample_weight=np.linspace(0.5, 2, y.size), belief=belief)
    assert m.student_.shrinkage == 5.0 and m.student_.tie_scores_ is not None


def test_medoid_inside_crembo_paper_preset():
    from crembo.students.medoid import BootstrapMedoidStudent

    X, y, _ = _iris_allowed()
    student = BootstrapMedoidStudent(DecisionTreeClassifier(max_depth=3), n_bootstrap=4)
    model = CREMBOClassifier(student=student, preset="paper", random_state=0).fit(X, y)
    assert isinstance(model.student_, BootstrapMedoidStudent)
    assert model.student_.random_state is not None  # seeded by CREMBO
    assert np.mean(model.predict(X) == y) > 0.9


@pytest.mark.parametrize("bad", [0, 1.5, "8"])
def test_medoid_bad_n_bootstrap_names_it(bad):
    from crembo.students.medoid import BootstrapMedoidStudent

    X, y, Y = _iris_allowed()
    with pytest.raises(ValueError, match="n_bootstrap"):
        BootstrapMedoidStudent(n_bootstrap=bad).fit(X, Y)

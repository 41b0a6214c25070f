"""Shrinkage λ chosen beside θ by the selection strategies (``shrinkage="auto"`` or a grid)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier

from crembo import CREMBOClassifier
from crembo.config import SHRINKAGE_GRID
from crembo.selection import Halving, HoldOut, KFoldOneSE, one_standard_error_choice_2d


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    teacher = RandomForestClassifier(50, max_depth=8, random_state=0).fit(X, y)
    return X, y, teacher


def test_one_se_with_one_lambda_is_the_1d_rule():
    rng = np.random.RandomState(0)
    for _ in range(200):
        mean, se = rng.rand(7), rng.rand(7) * 0.2
        best = int(np.argmax(mean))  # the first candidate within one SE of the best mean
        first = int(np.flatnonzero(mean >= mean[best] - se[best])[0])
        assert one_standard_error_choice_2d(mean, se) == (first, 0)
    assert one_standard_error_choice_2d([0.80, 0.84, 0.86], [0.01, 0.01, 0.03]) == (1, 0)
    assert one_standard_error_choice_2d([0.80, 0.84, 0.86], np.zeros(3)) == (2, 0)


def test_one_se_2d_takes_the_deepest_candidate_then_the_strongest_shrinkage():
    mean = np.array([[0.80, 0.84, 0.79], [0.90, 0.88, 0.87], [0.91, 0.95, 0.70]])
    se = np.full_like(mean, 0.05)
    # best pair (2, 1) = 0.95; within 0.05: (1, 0) 0.90 and (1, 1)... 0.88 < 0.90: only (1, 0)
    assert one_standard_error_choice_2d(mean, se) == (1, 0)
    se[2, 1] = 0.08  # now 0.87 is within: the strongest λ at candidate 1
    assert one_standard_error_choice_2d(mean, se) == (1, 2)


def test_auto_chooses_a_grid_value_and_the_student_carries_it(wine):
    X, y, teacher = wine
    model = CREMBOClassifier(teacher, shrinkage="auto", random_state=0).fit(X, y)
    assert model.config_.shrinkage == SHRINKAGE_GRID
    assert model.shrinkage_ in SHRINKAGE_GRID
    assert model.student_.shrinkage == model.shrinkage_
    table = pd.DataFrame(model.sweep_)  # one row per candidate, a score column per λ
    assert [c for c in table if c.startswith("score@")] == [
        f"score@λ={v:g}" for v in SHRINKAGE_GRID
    ]
    # the chosen pair's mean score is the table's score column
    np.testing.assert_array_equal(table["score"], table[f"score@λ={model.shrinkage_:g}"])


def test_a_fixed_shrinkage_gives_the_model_refitted_with_it(wine):
    X, y, teacher = wine
    auto = CREMBOClassifier(teacher, shrinkage="auto", random_state=1).fit(X, y)
    fixed = CREMBOClassifier(
        teacher, shrinkage=[auto.shrinkage_], random_state=1, max_candidates=None
    ).fit(X, y)
    assert fixed.shrinkage_ == auto.shrinkage_
    # the same θ is chosen here (seeded), so the model must be the same one
    assert fixed.threshold_ == auto.threshold_
    np.testing.assert_array_equal(fixed.predict(X), auto.predict(X))


def test_batched_and_fitted_paths_choose_from_the_same_scores():
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]
    teacher = RandomForestClassifier(30, max_depth=6, random_state=0).fit(X, y)
    grid = [0.0, 10.0, 100.0]
    kw = dict(shrinkage=grid, random_state=0, augment=0.0)
    batched = CREMBOClassifier(teacher, selection=KFoldOneSE(max_batched=8), **kw).fit(X, y)
    fitted = CREMBOClassifier(teacher, selection=KFoldOneSE(batched=False, max_swept=8), **kw).fit(
        X, y
    )
    cols = [f"score@λ={v:g}" for v in grid]
    a = pd.DataFrame(batched.sweep_)[cols].to_numpy()
    b = pd.DataFrame(fitted.sweep_)[cols].to_numpy()
    # binned proxy trees against real ones: close scores where the candidates coincide
    common = np.intersect1d(batched.sweep_["threshold"], fitted.sweep_["threshold"])
    ia = np.searchsorted(batched.sweep_["threshold"], common)
    ib = np.searchsorted(fitted.sweep_["threshold"], common)
    assert common.size >= 4
    assert np.abs(a[ia] - b[ib]).mean() < 0.03


def test_holdout_chooses_shrinkage_too(wine):
    X, y, teacher = wine
    model = CREMBOClassifier(
        teacher, selection=HoldOut(), shrinkage=[0.0, 1e6], random_state=0
    ).fit(X, y)
    assert model.shrinkage_ in (0.0, 1e6)
    assert model.student_.shrinkage == model.shrinkage_


def test_the_paper_preset_does_not_shrink_the_default_chooses(wine):
    X, y, teacher = wine
    paper = CREMBOClassifier(teacher, preset="paper", random_state=0).fit(X, y)
    assert paper.shrinkage_ == 0.0 and paper.config_.shrinkage == (0.0,)
    default = CREMBOClassifier(teacher, random_state=0).fit(X, y)
    assert default.config_.shrinkage == SHRINKAGE_GRID
    assert default.shrinkage_ in SHRINKAGE_GRID
    off = CREMBOClassifier(teacher, shrinkage=0.0, random_state=0).fit(X, y)
    assert off.shrinkage_ == 0.0 and off.config_.shrinkage == (0.0,)


def test_non_tree_students_take_no_shrinkage_under_auto(wine):
    X, y, teacher = wine
    model = CREMBOClassifier(
        teacher, KNeighborsClassifier(5), shrinkage="auto", random_state=0
    ).fit(X, y)
    assert model.shrinkage_ == 0.0


@pytest.mark.parametrize("bad", ["much", -1.0, [], [0.0, -2.0], True])
def test_bad_shrinkage_is_refused_naming_it(wine, bad):
    X, y, teacher = wine
    with pytest.raises(ValueError, match="shrinkage"):
        CREMBOClassifier(teacher, shrinkage=bad, random_state=0).fit(X, y)


def test_halving_refuses_a_grid(wine):
    X, y, teacher = wine
    with pytest.raises(ValueError, match="shrinkage"):
        CREMBOClassifier(teacher, selection=Halving(), shrinkage="auto").fit(X, y)


def test_one_se_2d_can_prefer_the_strongest_shrinkage():
    mean = np.array([[0.90, 0.89, 0.80], [0.91, 0.90, 0.89]])
    se = np.full_like(mean, 0.02)
    assert one_standard_error_choice_2d(mean, se) == (0, 1)  # deepest θ, then λ
    assert one_standard_error_choice_2d(mean, se, "shrinkage") == (1, 2)  # λ, then θ


def test_prefer_is_checked():
    with pytest.raises(ValueError, match="prefer"):
        KFoldOneSE(prefer="depth")


def test_with_shrinkage_equals_fitting_with_it(wine):
    from sklearn.tree import DecisionTreeClassifier

    from crembo import AllowedLabelClassifier
    from crembo.students.sklearn import with_shrinkage

    X, y, teacher = wine
    belief = teacher.predict_proba(X)
    Y = (belief >= 0.2).astype(np.uint8)
    kw = dict(tie_break="belief")
    plain = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=3, random_state=0), **kw)
    plain.fit(X, Y, belief=belief)
    for lam in (0.0, 3.0, 80.0):
        fitted = AllowedLabelClassifier(
            DecisionTreeClassifier(max_depth=3, random_state=0), shrinkage=lam, **kw
        ).fit(X, Y, belief=belief)
        copy = with_shrinkage(plain, lam)
        np.testing.assert_allclose(copy.predict_proba(X), fitted.predict_proba(X), atol=1e-12)
        np.testing.assert_array_equal(copy.predict(X), fitted.predict(X))
    assert plain.shrinkage == 0.0  # the original is left as it was
    assert with_shrinkage(copy, 1.0) is None  # already shrunk: refit instead


def test_halving_under_the_default_preset_takes_no_shrinkage(wine):
    X, y, teacher = wine
    model = CREMBOClassifier(teacher, selection="halving", random_state=0).fit(X, y)
    assert model.shrinkage_ == 0.0

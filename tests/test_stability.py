"""The in-fit stability estimate (crembo.stability) and the rule that chooses on it."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier

from crembo import CREMBOClassifier
from crembo.metrics import pairwise_agreement
from crembo.selection import (
    HoldOut,
    KFoldOneSE,
    StableOneSE,
    most_stable_choice,
    one_standard_error_choice_2d,
)
from crembo.stability import fold_agreement


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    teacher = RandomForestClassifier(30, max_depth=6, random_state=0).fit(X, y)
    return X, y, teacher


def test_fold_agreement_compares_each_pair_on_the_union_of_its_held_out_rows():
    pred = np.array([[0, 0, 1, 1, 2], [0, 1, 1, 0, 2], [1, 0, 1, 1, 0]])
    tests = [np.array([0]), np.array([1, 2]), np.array([3])]
    got = fold_agreement(pred[:, None, :], tests)
    # pairs: (0,1) on rows 0,1,2 -> 2/3; (0,2) on rows 0,3 -> 1/2; (1,2) on rows 1,2,3 -> 1/3
    assert got.shape == (1,)
    assert got[0] == pytest.approx((2 / 3 + 1 / 2 + 1 / 3) / 3)
    # on every row it is the benchmark's pairwise agreement
    assert fold_agreement(pred, tests, on="all") == pytest.approx(pairwise_agreement(pred))
    assert fold_agreement(pred, tests, on="synthetic", synthetic=[4]) == pytest.approx(1 / 3)
    assert np.isnan(fold_agreement(pred, tests, on="synthetic"))


def test_fold_agreement_refuses_what_it_cannot_read():
    pred = np.zeros((2, 3, 4), dtype=int)
    with pytest.raises(ValueError, match="on must be one of"):
        fold_agreement(pred, [np.array([0]), np.array([1])], on="train")
    with pytest.raises(ValueError, match="2 folds but fold_tests holds 3"):
        fold_agreement(pred, [np.array([0])] * 3)
    assert np.isnan(fold_agreement(pred[:1], [np.array([0])])).all()


def test_most_stable_choice_takes_the_most_stable_pair_inside_the_window():
    mean = np.array([[0.80, 0.85], [0.90, 0.88], [0.91, 0.70]])
    se = np.full_like(mean, 0.04)
    stab = np.array([[0.99, 0.99], [0.80, 0.95], [0.85, 0.99]])
    # the window is [0.87, 0.91]: (1,0) .90, (1,1) .88, (2,0) .91; the most stable is (1,1)
    assert most_stable_choice(mean, se, stab) == (1, 1)
    # no width: the most accurate pair
    assert most_stable_choice(mean, se, stab, width=0) == (2, 0)
    # no estimate: the one-SE rule
    nan = np.full_like(mean, np.nan)
    assert most_stable_choice(mean, se, nan) == one_standard_error_choice_2d(mean, se)
    # ties in stability go to the deeper candidate, then the stronger λ
    stab[:] = 0.5
    assert most_stable_choice(mean, se, stab) == (1, 1)


@pytest.mark.parametrize("batched", [True, False])
def test_kfold_choice_keeps_the_estimate_per_candidate(wine, batched):
    X, y, teacher = wine
    model = CREMBOClassifier(teacher, selection=KFoldOneSE(batched=batched), random_state=0).fit(
        X, y
    )
    table = pd.DataFrame(model.sweep_)
    assert table["stability"].between(0, 1).all()
    chosen = table.index[table["threshold"] == model.threshold_][0]
    assert model.stability_ == table["stability"][chosen]
    lam = f"stability@λ={model.shrinkage_:g}"
    np.testing.assert_array_equal(table["stability"], table[lam])


def test_holdout_has_no_pair_to_compare(wine):
    X, y, teacher = wine
    model = CREMBOClassifier(teacher, selection=HoldOut(), random_state=0).fit(X, y)
    assert np.isnan(model.stability_)


def test_the_stable_rule_is_at_least_as_stable_as_the_one_se_rule(wine):
    X, y, teacher = wine
    fits = {
        rule: CREMBOClassifier(teacher, selection=rule, random_state=3).fit(X, y)
        for rule in (KFoldOneSE(refine=False), StableOneSE(refine=False))
    }
    one_se, stable = fits.values()
    # the same folds and candidates: the one-SE pick is inside the stable rule's window
    np.testing.assert_array_equal(one_se.sweep_["threshold"], stable.sweep_["threshold"])
    assert stable.stability_ >= one_se.stability_


def test_the_stable_rule_works_with_any_student(wine):
    X, y, teacher = wine
    student = KNeighborsClassifier(5)
    model = CREMBOClassifier(
        teacher, student, selection=StableOneSE(n_splits=3), depth_quantile=0.05, random_state=0
    ).fit(X, y)
    assert 0 <= model.stability_ <= 1
    assert model.config_.selection.name == "stable"


def test_stable_rule_checks_its_width():
    with pytest.raises(ValueError, match="width must be a finite number >= 0"):
        StableOneSE(width=-1)
    with pytest.raises(ValueError, match="width"):
        StableOneSE(width=float("nan"))


def test_kfold_choice_checks_where_the_estimate_is_taken():
    with pytest.raises(ValueError, match="stability_rows must be one of"):
        KFoldOneSE(stability_rows="train")


def test_a_model_chosen_on_stability_saves_and_loads(wine, tmp_path):
    import crembo

    X, y, teacher = wine
    model = CREMBOClassifier(teacher, selection=StableOneSE(), random_state=0).fit(X, y)
    crembo.save(model, tmp_path / "m.skops")
    again = crembo.load(tmp_path / "m.skops")
    assert again.stability_ == model.stability_
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_the_note_gives_the_figure_or_says_why_there_is_none(wine):
    from crembo.stability import stability_note

    X, y, teacher = wine
    kfold = CREMBOClassifier(teacher, random_state=0).fit(X, y)
    assert f"= {kfold.stability_:.3f}" in stability_note(kfold)
    holdout = CREMBOClassifier(teacher, selection=HoldOut(), random_state=0).fit(X, y)
    assert "n/a" in stability_note(holdout) and "one student per candidate" in stability_note(
        holdout
    )

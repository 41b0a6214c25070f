import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import crembo
from crembo import CREMBOClassifier, MEMOClassifier, SurrogateClassifier, belief_from
from crembo.belief import votes_to_belief
from crembo.selection import Halving, HoldOut, KFoldOneSE
from support.bad_input import BELIEF, Case, X, Y, check_case, forest, with_value


def small_forest(seed=0):
    return RandomForestClassifier(n_estimators=20, max_depth=6, random_state=seed)


@pytest.fixture(scope="module")
def wine_split(wine):
    X, y = wine
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def test_crembo_on_wine(wine_split):
    Xtr, Xte, ytr, yte = wine_split
    model = CREMBOClassifier(
        RandomForestClassifier(100), DecisionTreeClassifier(max_depth=3), random_state=0
    ).fit(Xtr, ytr)
    assert model.memo_threshold_ <= model.threshold_
    assert model.memo_feasible_
    assert model.score(Xte, yte) > 0.8
    assert model.student_.estimator_.get_depth() <= 3
    sweep = pd.DataFrame(model.sweep_)
    assert sweep["threshold"].is_monotonic_increasing
    assert sweep["threshold"].iloc[0] == model.memo_threshold_
    # the default's k-fold choice: MEMO's bisection, two batches of fold trees and the final
    # fit (per-fold fits without the batched learner, at most 24 candidates each)
    if model.n_batched_:
        assert model.n_batched_ == 2
        assert model.n_student_fits_ <= np.ceil(np.log2(model.thresholds_.size)) + 2
    else:
        assert model.n_student_fits_ >= min(len(sweep), 24)


def test_crembo_keeps_the_candidate_with_the_best_validation_score(wine_split):
    Xtr, _, ytr, _ = wine_split
    model = CREMBOClassifier(small_forest(), preset="paper", random_state=3).fit(Xtr, ytr)
    scores = model.sweep_["score"]
    assert model.threshold_ == model.sweep_["threshold"][np.flatnonzero(scores == scores.max())[0]]


def test_same_random_state_same_student(wine_split):
    Xtr, Xte, ytr, _ = wine_split
    a = CREMBOClassifier(RandomForestClassifier(30), random_state=7).fit(Xtr, ytr)
    b = CREMBOClassifier(RandomForestClassifier(30), random_state=7).fit(Xtr, ytr)
    np.testing.assert_array_equal(a.predict(Xte), b.predict(Xte))
    ta, tb = a.student_.estimator_.tree_, b.student_.estimator_.tree_
    np.testing.assert_array_equal(ta.feature, tb.feature)
    np.testing.assert_array_equal(ta.threshold, tb.threshold)
    np.testing.assert_array_equal(ta.value, tb.value)
    assert a.threshold_ == b.threshold_


def test_string_labels_and_dataframes(wine_split):
    Xtr, Xte, ytr, _ = wine_split
    names = np.array(["barolo", "grignolino", "barbera"])
    cols = [f"f{i}" for i in range(Xtr.shape[1])]
    model = CREMBOClassifier(small_forest(), random_state=0).fit(
        pd.DataFrame(Xtr, columns=cols), names[ytr]
    )
    pred = model.predict(pd.DataFrame(Xte, columns=cols))
    assert set(pred) <= set(names)
    assert list(model.feature_names_in_) == cols
    proba = model.predict_proba(pd.DataFrame(Xte, columns=cols))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], pred)


def test_prefitted_teacher_is_used_as_given(wine_split):
    Xtr, _, ytr, _ = wine_split
    teacher = small_forest().fit(Xtr, ytr)
    model = CREMBOClassifier(teacher, random_state=0).fit(Xtr, ytr)
    assert model.teacher_ is teacher
    unfitted = small_forest()
    model = CREMBOClassifier(unfitted, random_state=0).fit(Xtr, ytr)
    assert model.teacher_ is not unfitted and not hasattr(unfitted, "estimators_")


def test_unlabelled_rows_join_the_depth_constraint(wine_split):
    Xtr, Xte, ytr, _ = wine_split
    teacher = small_forest().fit(Xtr, ytr)
    model = MEMOClassifier(teacher, random_state=0).fit(Xtr, ytr, X_unlabeled=Xte)
    b = belief_from(teacher, np.vstack([Xtr, Xte]))
    pred = model.student_.predict(np.vstack([Xtr, Xte]))
    assert model.depth_ == pytest.approx(b[np.arange(len(pred)), pred].min())
    assert model.depth_ >= model.threshold_


def test_refit_uses_all_training_rows(wine_split):
    Xtr, _, ytr, _ = wine_split
    a = CREMBOClassifier(small_forest(), preset="paper", random_state=0)
    b = CREMBOClassifier(small_forest(), preset="paper", selection=HoldOut(refit=True))
    b.set_params(random_state=0)
    a, b = a.fit(Xtr, ytr), b.fit(Xtr, ytr)
    assert a.threshold_ == b.threshold_
    n_a = a.student_.estimator_.tree_.n_node_samples[0]
    n_b = b.student_.estimator_.tree_.n_node_samples[0]
    assert n_b == len(ytr) and n_a < n_b


@pytest.mark.parametrize("preset", ["paper", "robust"])
def test_presets_run_and_record_how_the_belief_was_made(preset, wine_split):
    Xtr, Xte, ytr, yte = wine_split
    model = CREMBOClassifier(small_forest(), preset=preset, random_state=0).fit(Xtr, ytr)
    assert model.belief_kind_ == "votes"
    assert model.score(Xte, yte) > 0.7
    robust = preset == "robust"
    assert model.student_.tie_break == ("belief" if robust else "index")
    # robust: θ chosen by 5-fold cross-validation, which gives each score a standard error
    assert np.isfinite(model.sweep_["score_se"]).all() == robust
    # robust: the student is fitted on every training row and as many MUNGE rows
    n_rows = model.student_.estimator_.tree_.n_node_samples[0]
    assert n_rows == (2 * len(ytr) if robust else len(ytr) - int(np.ceil(0.15 * len(ytr))))


def test_robust_preset_keeps_plain_probabilities_for_non_bagging_teachers(wine_split):
    Xtr, Xte, ytr, yte = wine_split
    lr = make_pipeline(StandardScaler(), LogisticRegression())
    m = CREMBOClassifier(lr, preset="robust", random_state=0).fit(Xtr, ytr)
    assert m.belief_kind_ == "predict_proba"  # cross-fitting only with honest_belief=True
    assert "score_se" in m.sweep_  # threshold chosen by k-fold cross-validation
    halving = CREMBOClassifier(small_forest(), selection=Halving(refit=True), random_state=0)
    assert halving.fit(Xtr, ytr).score(Xte, yte) > 0.7  # halving replaces the preset's k-fold
    with pytest.raises(ValueError, match="honest_belief"):
        CREMBOClassifier(honest_belief="yes").fit(Xtr, ytr)


def test_remedies_one_by_one(wine_split):
    Xtr, Xte, ytr, yte = wine_split
    lr = make_pipeline(StandardScaler(), LogisticRegression())
    m = CREMBOClassifier(lr, honest_belief=True, random_state=0).fit(Xtr, ytr)
    assert m.belief_kind_ == "cross-fitted predict_proba"
    m = CREMBOClassifier(small_forest(), augment=1.0, random_state=0).fit(Xtr, ytr)
    assert m.score(Xte, yte) > 0.7
    m = CREMBOClassifier(small_forest(), selection=KFoldOneSE(3), random_state=0).fit(Xtr, ytr)
    assert set(m.sweep_) >= {"threshold", "score", "score_se"}
    assert np.isfinite(m.sweep_["score_se"]).all()
    assert m.threshold_ in m.sweep_["threshold"]


def test_class_weight_becomes_row_weights_computed_once():
    ys = np.r_[np.zeros(30, dtype=int), np.ones(6, dtype=int), np.full(4, 2)]
    Xs = np.c_[ys + np.random.RandomState(0).uniform(-0.2, 0.2, ys.size)]  # separable
    b = np.eye(3)[ys]
    tree = DecisionTreeClassifier(max_depth=2, class_weight="balanced")
    model = MEMOClassifier(student=tree, random_state=0).fit(Xs, ys, belief=b)
    assert model.threshold_ == 1.0
    fitted = model.student_.estimator_
    # balanced weights from the labels sum to the number of rows ...
    assert fitted.tree_.weighted_n_node_samples[0] == pytest.approx(len(ys))
    # ... and the rare class weighs n / (3 * 4) per row, as it would for the labels
    leaf = fitted.apply(Xs[ys == 2][:1])[0]
    assert fitted.tree_.weighted_n_node_samples[leaf] == pytest.approx(4 * len(ys) / 12)
    assert fitted.class_weight is None
    assert tree.class_weight == "balanced"  # the user's estimator is not changed


def test_sklearn_plumbing(wine):
    X, y = wine
    model = CREMBOClassifier(small_forest(), DecisionTreeClassifier(), random_state=0)
    assert clone(model).get_params()["delta"] == 1
    model.set_params(delta=2, student__max_depth=3)
    assert model.get_params()["delta"] == 2 and model.student.max_depth == 3
    assert clone(model).get_params()["student__max_depth"] == 3
    pipe = make_pipeline(StandardScaler(), CREMBOClassifier(small_forest(), random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.7


def test_surrogate_fits_teacher_labels(wine_split):
    Xtr, Xte, ytr, yte = wine_split
    vt = SurrogateClassifier(
        small_forest(), DecisionTreeClassifier(max_depth=3), random_state=0
    ).fit(Xtr, ytr)
    direct = DecisionTreeClassifier(max_depth=3, random_state=vt.student_.random_state)
    direct.fit(Xtr, vt.teacher_.predict(Xtr))
    np.testing.assert_array_equal(vt.predict(Xte), direct.predict(Xte))
    np.testing.assert_allclose(vt.predict_proba(Xte).sum(axis=1), 1.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.floats(0.0, 0.2))
def test_memo_student_is_certified(seed, n_classes, alpha):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(40, 3))
    y = rng.randint(0, n_classes, size=40)
    y[:n_classes] = np.arange(n_classes)
    b = votes_to_belief(rng.randint(0, n_classes, size=(40, 7)), n_classes)
    model = MEMOClassifier(
        student=DecisionTreeClassifier(max_depth=2), depth_quantile=alpha, random_state=seed
    ).fit(X, y, belief=b)
    pred = model.student_.predict(X)
    independent = min(b[i, pred[i]] for i in range(len(pred)))
    assert model.depth_ == pytest.approx(independent)
    assert model.feasible_
    if alpha == 0:
        assert model.depth_ >= model.threshold_
    else:  # at least a fraction 1 - alpha of the points are consistent
        assert np.mean(b[np.arange(40), pred] >= model.threshold_) >= 1 - alpha


def _forest_xy(wine):
    X, y = wine
    return X[:60], y[:60]


@pytest.mark.parametrize(
    ("make", "fit_kwargs", "exc", "match"),
    [
        (lambda: CREMBOClassifier(small_forest()), {"y": np.zeros(59)}, ValueError, "samples"),
        (lambda: CREMBOClassifier(small_forest()), {"y": np.zeros(60)}, ValueError, "one class"),
        (lambda: CREMBOClassifier(delta=0), {}, ValueError, "delta"),
        (lambda: CREMBOClassifier(delta=1.5), {}, ValueError, "delta"),
        (lambda: CREMBOClassifier(selection="holdout-ish"), {}, ValueError, "selection"),
        (lambda: CREMBOClassifier(selection=0.15), {}, ValueError, "selection"),
        (
            lambda: CREMBOClassifier(selection=HoldOut(0.01), preset="paper"),
            {},
            ValueError,
            "validation_size",
        ),
        (lambda: CREMBOClassifier(preset="best"), {}, ValueError, "preset"),
        (lambda: CREMBOClassifier(depth_quantile=1.0), {}, ValueError, "depth_quantile"),
        (lambda: CREMBOClassifier(tie_break="coin"), {}, ValueError, "tie_break"),
        (lambda: CREMBOClassifier(belief="soft"), {}, ValueError, "belief"),
        (lambda: CREMBOClassifier(Perceptron()), {}, TypeError, "predict_proba"),
        (lambda: CREMBOClassifier("forest"), {}, TypeError, "teacher"),
        (lambda: CREMBOClassifier(student="tree"), {}, TypeError, "student"),
        (
            lambda: CREMBOClassifier(),
            {"belief": np.full((60, 2), 0.5)},
            ValueError,
            "columns",
        ),
        (
            lambda: CREMBOClassifier(),
            {"belief": np.r_[[[np.nan, 0.5, 0.5]], np.full((59, 3), 1 / 3)]},
            ValueError,
            "not finite",
        ),
        (
            lambda: CREMBOClassifier(),
            {"belief": np.full((60, 3), 0.3)},
            ValueError,
            "do not sum to 1",
        ),
    ],
)
def test_bad_input_is_named(make, fit_kwargs, exc, match, wine):
    X, y = wine
    idx = np.r_[0:20, 60:80, 140:160]
    kwargs = {"X": X[idx], "y": y[idx], **fit_kwargs}
    with pytest.raises(exc, match=match):
        make().fit(**kwargs)


def test_labels_the_teacher_never_saw(wine):
    X, y = wine
    teacher = small_forest().fit(X[y < 2], y[y < 2])
    with pytest.raises(ValueError, match="never saw"):
        CREMBOClassifier(teacher).fit(X, y)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: HoldOut(validation_size=0), "validation_size"),
        (lambda: HoldOut(validation_size=1.0), "validation_size"),
        (lambda: KFoldOneSE(n_splits=1), "n_splits"),
        (lambda: KFoldOneSE(batched="yes"), "batched"),
        (lambda: KFoldOneSE(max_swept=0), "max_swept"),
        (lambda: Halving(eta=1), "eta"),
    ],
)
def test_bad_strategies_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_config_is_resolved_once_and_kept(wine_split):
    Xtr, _, ytr, _ = wine_split
    model = CREMBOClassifier(small_forest(), preset="paper", tie_break="belief", random_state=0)
    model.fit(Xtr, ytr)
    cfg = model.config_
    assert cfg.preset == "paper" and cfg.tie_break == "belief" and cfg.augment == 0.0
    assert cfg.selection == HoldOut(validation_size=0.15)
    assert "selection=HoldOut(validation_size=0.15, refit=False)" in repr(cfg)
    robust = CREMBOClassifier(small_forest(), selection="holdout", random_state=0).fit(Xtr, ytr)
    assert robust.config_.selection == HoldOut() and robust.config_.augment == 1.0
    assert robust.get_params()["selection"] == "holdout"  # the parameter is left as given


def test_strategy_parameters_clone_and_set(wine_split):
    model = CREMBOClassifier(small_forest(), selection=KFoldOneSE(3), random_state=0)
    copy = clone(model)
    assert copy.selection == KFoldOneSE(3) and copy.selection is not model.selection
    copy.set_params(selection=Halving())
    assert copy.get_params()["selection"] == Halving()


# ------------------------------------------------------------------ bad input
# Each case raises ``exc`` matching ``match``, or works end to end (tests/support/bad_input.py).


class OneDimensionalOnly(DecisionTreeClassifier):
    """A tree that claims multi-output support but refuses 2-D targets."""

    def fit(self, X, y, sample_weight=None, check_input=True):
        if np.ndim(y) > 1:
            raise ValueError("OneDimensionalOnly takes 1-D targets only")
        return super().fit(X, y, sample_weight=sample_weight)


class NoProba(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


class Majority(ClassifierMixin, BaseEstimator):
    """A learner for 1-D targets only (no multi-output tag): wrapped per class by crembo."""

    def fit(self, X, y):
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError("Majority: 1-D y only")
        self.classes_, counts = np.unique(y, return_counts=True)
        self.p_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        return np.tile(self.p_, (len(X), 1))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _round_trip(make, Xfit):
    def call(files, tmp):
        model = make().fit(Xfit, Y)
        pred = model.predict(Xfit)
        assert set(np.unique(pred)) <= set(np.unique(Y))
        crembo.save(model, tmp / "m.skops")
        again = crembo.load(tmp / "m.skops")
        np.testing.assert_array_equal(again.predict(Xfit), pred)

    return call


NAN_X = X.copy()
NAN_X[::7, 1] = np.nan
NAN_X[5, :] = np.nan  # a row with no value at all


def _estimator_cases(name, make):
    nan_X = NAN_X
    fewer = forest().fit(X[Y < 2], Y[Y < 2])
    more_y = Y.copy()
    more_y[:5] = 7  # the teacher knows a class y never has
    more = forest().fit(X, more_y)
    return {
        f"{name}-empty": Case(
            lambda f, t: make().fit(np.empty((0, 4)), []), ValueError, "0 sample"
        ),
        f"{name}-one-row": Case(lambda f, t: make().fit(X[:1], Y[:1]), ValueError, "one class"),
        f"{name}-one-class": Case(lambda f, t: make().fit(X[:50], Y[:50]), ValueError, "one class"),
        f"{name}-mismatched-lengths": Case(
            lambda f, t: make().fit(X, Y[:-1]), ValueError, "inconsistent numbers of samples"
        ),
        f"{name}-inf-fit": Case(
            lambda f, t: make().fit(with_value(np.inf), Y), ValueError, "infinity"
        ),
        f"{name}-inf-predict": Case(
            lambda f, t: make().fit(X, Y).predict(with_value(-np.inf)), ValueError, "infinity"
        ),
        f"{name}-predict-other-columns": Case(
            lambda f, t: make().fit(X, Y).predict(X[:, :3]), ValueError, "3 features"
        ),
        f"{name}-text-features": Case(
            lambda f, t: make().fit(np.full((150, 4), "a"), Y), ValueError, "convert string"
        ),
        f"{name}-nan-end-to-end": Case(_round_trip(make, nan_X)),
        f"{name}-labels-teacher-never-saw": Case(
            lambda f, t: type(make())(fewer).fit(X, Y), ValueError, r"never saw: \[2\]"
        ),
        f"{name}-teacher-of-more-classes": Case(
            lambda f, t: np.testing.assert_array_equal(
                type(make())(more, random_state=0).fit(X, Y).classes_, [0, 1, 2, 7]
            )
        ),
    }


def _belief_cases(name, make):
    def bad(edit):
        b = BELIEF.copy()
        edit(b)
        return lambda f, t: make().fit(X, Y, belief=b)

    def neg(b):
        b[0, :2] = [-0.1, b[0, 1] + b[0, 0] + 0.1]

    return {
        f"{name}-belief-not-summing-to-one": Case(
            bad(lambda b: b.__imul__(0.5)), ValueError, "do not sum to 1"
        ),
        f"{name}-belief-negative": Case(bad(neg), ValueError, "negative"),
        f"{name}-belief-nan": Case(
            bad(lambda b: b.__setitem__((4, 0), np.nan)), ValueError, "not finite"
        ),
        f"{name}-belief-other-class-count": Case(
            lambda f, t: make().fit(X, Y, belief=np.full((150, 4), 0.25)), ValueError, "4 columns"
        ),
        f"{name}-belief-other-row-count": Case(
            lambda f, t: make().fit(X, Y, belief=BELIEF[:-1]), ValueError, "149 rows"
        ),
    }


def crembo_with(**kw):
    return lambda: CREMBOClassifier(forest(), random_state=0, n_jobs=1, **kw)


PY_CASES = {
    **_estimator_cases("CREMBO", crembo_with()),
    **_estimator_cases("MEMO", lambda: MEMOClassifier(forest(), random_state=0)),
    **_estimator_cases("VT", lambda: SurrogateClassifier(forest(), random_state=0)),
    **{
        f"CREMBO-nan-end-to-end-{k}": Case(_round_trip(crembo_with(**kw), NAN_X))
        for k, kw in {
            "robust-preset": {"preset": "robust"},
            "augment": {"augment": 0.5},
            "halving-search": {"selection": Halving()},
            "threshold-cv": {"selection": KFoldOneSE(3, batched=False)},
        }.items()
    },
    **_belief_cases("CREMBO", lambda: CREMBOClassifier(None, random_state=0)),
    **_belief_cases("MEMO", lambda: MEMOClassifier(None, random_state=0)),
    "CREMBO-delta-0": Case(lambda f, t: crembo_with(delta=0)().fit(X, Y), ValueError, "delta"),
    "CREMBO-delta-negative": Case(
        lambda f, t: crembo_with(delta=-2)().fit(X, Y), ValueError, "delta"
    ),
    "CREMBO-delta-fraction": Case(
        lambda f, t: crembo_with(delta=0.5)().fit(X, Y), ValueError, "delta"
    ),
    "CREMBO-validation-0": Case(
        lambda f, t: crembo_with(selection=HoldOut(0))().fit(X, Y), ValueError, "validation_size"
    ),
    "CREMBO-validation-1": Case(
        lambda f, t: crembo_with(selection=HoldOut(1))().fit(X, Y), ValueError, "validation_size"
    ),
    "CREMBO-validation-too-small-for-classes": Case(
        lambda f, t: crembo_with(selection=HoldOut(0.01))().fit(X, Y),
        ValueError,
        "too few for the 3 classes",
    ),
    "CREMBO-validation-too-small-rows": Case(
        lambda f, t: crembo_with(preset="paper")().fit(
            X[[0, 1, 50, 51, 100, 101]], Y[[0, 1, 50, 51, 100, 101]]
        ),
        ValueError,
        "validation_size",
    ),
    "CREMBO-too-few-rows-for-threshold-cv": Case(
        lambda f, t: crembo_with()().fit(X[[0, 50, 100, 101]], Y[[0, 50, 100, 101]]),
        ValueError,
        r"n_splits=5\) needs at least 5 labelled rows",
    ),
    "CREMBO-student-refusing-multilabel": Case(
        lambda f, t: CREMBOClassifier(forest(), OneDimensionalOnly(max_depth=3)).fit(X, Y),
        ValueError,
        "could not be fitted to the allowed labels.*1-D targets only",
    ),
    "CREMBO-student-without-predict-proba": Case(
        lambda f, t: CREMBOClassifier(forest(), NoProba()).fit(X, Y), TypeError, "predict_proba"
    ),
    "CREMBO-student-1d-only-is-wrapped": Case(
        lambda f, t: CREMBOClassifier(forest(), Majority(), random_state=0).fit(X, Y).predict(X)
    ),
    "CREMBO-teacher-of-other-feature-count": Case(
        lambda f, t: CREMBOClassifier(forest().fit(X[:, :3], Y)).fit(X, Y),
        ValueError,
        "4 features, but the teacher expects 3",
    ),
    "VT-teacher-of-other-feature-count": Case(
        lambda f, t: SurrogateClassifier(forest().fit(X[:, :3], Y)).fit(X, Y),
        ValueError,
        "4 features",
    ),
    "CREMBO-nan-with-a-student-refusing-nan": Case(
        lambda f, t: CREMBOClassifier(forest(), LogisticRegression()).fit(with_value(np.nan), Y),
        ValueError,
        "student: LogisticRegression could not be fitted.*NaN",
    ),
    "CREMBO-student-not-an-estimator": Case(
        lambda f, t: CREMBOClassifier(forest(), "tree").fit(X, Y), TypeError, "student"
    ),
    "CREMBO-teacher-not-a-classifier": Case(
        lambda f, t: CREMBOClassifier("forest").fit(X, Y), TypeError, "teacher"
    ),
}


@pytest.mark.parametrize("case", list(PY_CASES.values()), ids=list(PY_CASES))
def test_python_entry_points(case, tmp_path):
    check_case(case, None, tmp_path)  # these cases read no input file

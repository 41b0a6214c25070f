import numpy as np
import pytest
from sklearn.ensemble import BaggingClassifier, ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from crembo import belief_from
from crembo.belief import out_of_bag_belief, out_of_bag_mask
from support.bad_input import BELIEF, TEACHER, Case, X, check_case, forest, with_value


def reference_votes(ensemble, X):
    """Per-member loop: each member's prediction mapped through the ensemble's classes_."""
    feats = getattr(ensemble, "estimators_features_", [slice(None)] * len(ensemble.estimators_))
    c = len(ensemble.classes_)
    b = np.zeros((X.shape[0], c))
    for member, f in zip(ensemble.estimators_, feats, strict=True):
        pred = member.predict(X[:, f]).astype(int)
        for i, k in enumerate(pred):
            b[i, k] += 1
    return b / len(ensemble.estimators_)


@pytest.mark.parametrize(
    "ensemble",
    [
        RandomForestClassifier(n_estimators=15, max_depth=3, random_state=0),
        ExtraTreesClassifier(n_estimators=15, max_depth=3, random_state=0),
        # members see few rows and features: some miss classes, features are subsets
        BaggingClassifier(
            DecisionTreeClassifier(max_depth=2),
            n_estimators=15,
            max_samples=8,
            max_features=0.5,
            random_state=0,
        ),
    ],
)
def test_votes_match_a_per_member_loop(ensemble, wine):
    X, y = wine
    labels = np.array(["a", "b", "c"])[y]  # string labels: members still vote indices
    ensemble.fit(X, labels)
    b = belief_from(ensemble, X)
    np.testing.assert_allclose(b, reference_votes(ensemble, X))
    np.testing.assert_allclose(b.sum(axis=1), 1.0)
    assert b.shape == (X.shape[0], 3)


def test_bagging_member_missing_a_class_is_mapped_through_classes(wine):
    X, y = wine
    # a member without sample_weight support is fitted on a row subset
    bag = BaggingClassifier(
        KNeighborsClassifier(1), n_estimators=20, max_samples=3, random_state=1
    ).fit(X, y)
    assert any(len(m.classes_) < 3 for m in bag.estimators_)
    np.testing.assert_allclose(belief_from(bag, X), reference_votes(bag, X))


def test_proba_of_any_classifier_callable_and_array(wine):
    X, y = wine
    lr = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(belief_from(lr, X), lr.predict_proba(X))
    np.testing.assert_allclose(belief_from(lr.predict_proba, X), lr.predict_proba(X))
    np.testing.assert_allclose(belief_from(lr.predict_proba(X), None), lr.predict_proba(X))
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    np.testing.assert_allclose(belief_from(forest, X, kind="proba"), forest.predict_proba(X))


def test_out_of_bag_votes_exclude_in_bag_members(wine):
    X, y = wine
    forest = RandomForestClassifier(n_estimators=30, max_depth=3, random_state=0).fit(X, y)
    mask = out_of_bag_mask(forest, X.shape[0])
    assert 0.2 < mask.mean() < 0.5  # about e^-1 of the rows are out of bag per tree
    b, n_fallback = out_of_bag_belief(forest, X)
    i = int(np.flatnonzero(mask.sum(axis=1) >= 3)[0])
    members = np.flatnonzero(mask[i])
    votes = [int(forest.estimators_[m].predict(X[i : i + 1])[0]) for m in members]
    np.testing.assert_allclose(b[i], np.bincount(votes, minlength=3) / len(votes))
    assert n_fallback == int((~mask.any(axis=1)).sum())


def test_oob_rows_without_out_of_bag_members_fall_back_and_are_counted(wine):
    X, y = wine
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    b, n_fallback = out_of_bag_belief(forest, X)
    assert n_fallback > 0
    np.testing.assert_allclose(b.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("teacher", "exc", "match"),
    [
        (np.array([[0.5, np.nan]]), ValueError, r"not finite \(rows 0\)"),
        (np.array([[0.5, 0.5], [0.5, 0.6]]), ValueError, r"do not sum to 1 \(rows 1\)"),
        (np.array([[1.5, -0.5]]), ValueError, "negative"),
        (lambda X: np.full((len(X), 2), 0.4), ValueError, "teacher"),
        (RandomForestClassifier(), ValueError, "not fitted"),
        ("forest", TypeError, "teacher"),
    ],
)
def test_bad_beliefs_and_teachers(teacher, exc, match, wine):
    X, _ = wine
    with pytest.raises(exc, match=match):
        belief_from(teacher, X[:4])


def test_teacher_without_proba_or_votes_is_a_type_error(wine):
    X, y = wine
    with pytest.raises(TypeError, match="predict_proba"):
        belief_from(Perceptron().fit(X, y), X)
    with pytest.raises(TypeError, match="bagging"):
        belief_from(
            make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X, kind="votes"
        )
    with pytest.raises(ValueError, match="kind"):
        belief_from(LogisticRegression(), X, kind="soft")


# ------------------------------------------------------------------ bad input
# Each case raises ``exc`` matching ``match``, or works end to end (tests/support/bad_input.py).


PY_CASES = {
    # belief_from
    "belief_from-empty": Case(
        lambda f, t: belief_from(TEACHER, np.empty((0, 4))), ValueError, "no rows"
    ),
    "belief_from-1d": Case(lambda f, t: belief_from(TEACHER, X[0]), ValueError, "2-D"),
    "belief_from-other-columns": Case(
        lambda f, t: belief_from(TEACHER, X[:, :3]), ValueError, "3 features.*expects 4"
    ),
    "belief_from-inf": Case(
        lambda f, t: belief_from(TEACHER, with_value(np.inf)), ValueError, "infinity"
    ),
    "belief_from-nan-works": Case(
        lambda f, t: np.testing.assert_allclose(belief_from(TEACHER, with_value(np.nan)).sum(1), 1)
    ),
    "belief_from-unfitted": Case(lambda f, t: belief_from(forest(), X), ValueError, "not fitted"),
    "belief_from-array-not-summing-to-one": Case(
        lambda f, t: belief_from(BELIEF * 2, X), ValueError, "do not sum to 1"
    ),
    "belief_from-array-negative": Case(
        lambda f, t: belief_from([[-0.5, 1.5]], None), ValueError, "negative"
    ),
    "belief_from-array-nan": Case(
        lambda f, t: belief_from([[np.nan, 1.0]], None), ValueError, "not finite"
    ),
    "belief_from-kind": Case(lambda f, t: belief_from(TEACHER, X, kind="soft"), ValueError, "kind"),
}


@pytest.mark.parametrize("case", list(PY_CASES.values()), ids=list(PY_CASES))
def test_python_entry_points(case, tmp_path):
    check_case(case, None, tmp_path)  # these cases read no input file


def test_vote_shares_in_blocks_are_the_votes_counted_at_once(monkeypatch):
    from sklearn.datasets import make_classification
    from sklearn.ensemble import BaggingClassifier, RandomForestClassifier

    import crembo.belief as belief_module

    X, y = make_classification(3000, 8, n_informative=5, n_classes=4, random_state=0)
    forest = RandomForestClassifier(8, max_depth=5, random_state=0).fit(X, y)
    bagging = BaggingClassifier(n_estimators=5, max_features=0.5, random_state=0).fit(X, y)
    for teacher in (forest, bagging):
        at_once = belief_module.votes_to_belief(
            belief_module.member_votes(teacher, X), len(teacher.classes_)
        )
        monkeypatch.setattr(belief_module, "VOTE_BLOCK_ROWS", 700)  # 5 blocks, the last short
        for n_jobs in (None, 2):
            blocks = belief_module.vote_shares(teacher, X, n_jobs=n_jobs)
            np.testing.assert_array_equal(blocks, at_once)
            np.testing.assert_array_equal(belief_from(teacher, X, n_jobs=n_jobs), at_once)
        monkeypatch.undo()

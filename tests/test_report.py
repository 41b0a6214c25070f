"""Readable trees and the report folder."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from crembo import AllowedLabelClassifier, SurrogateClassifier, belief_from
from crembo.report import write_report
from crembo.students.tree import tree_leaves, tree_rules, tree_view

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def wine(wine_crembo):
    return wine_crembo[0]


@pytest.fixture(scope="module")
def fitted(wine_crembo):
    return wine_crembo[1]


def test_node_predictions_match_the_student(fitted, wine):
    view = tree_view(fitted)
    leaf = fitted.student_.estimator_.apply(wine.data)
    np.testing.assert_array_equal(view.predicted[leaf], fitted.student_.predict(wine.data))
    assert view.allowed_labels
    assert view.scores.shape[1] == 3


def test_plain_tree_and_surrogate(wine):
    X, y = wine.data, wine.target
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    view = tree_view(tree)
    np.testing.assert_array_equal(view.predicted[tree.apply(X)], tree.predict(X))
    vt = SurrogateClassifier(RandomForestClassifier(10, random_state=0), random_state=0).fit(X, y)
    assert tree_leaves(vt) == vt.student_.get_n_leaves()
    assert "predict" in tree_rules(vt)


def test_rules_name_features_and_classes(fitted, wine):
    rules = tree_rules(fitted, wine.feature_names, wine.target_names, merge=False)
    assert rules.count("predict ") == tree_leaves(fitted)
    assert tree_leaves(fitted) == fitted.student_.estimator_.get_n_leaves()
    used = {wine.feature_names[f] for f in tree_view(fitted).feature if f >= 0}
    assert all(f"if {name} <=" in rules for name in used)
    assert any(f"predict {c}" in rules for c in wine.target_names)
    merged = tree_rules(fitted, wine.feature_names, wine.target_names)
    assert 1 <= merged.count("predict ") <= rules.count("predict ")


def test_merging_collapses_splits_with_one_class():
    X = np.arange(8.0)[:, None]
    Y = np.array([[1, 0]] * 6 + [[0, 1]] * 2)
    student = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=3)).fit(X, Y)
    # both columns follow the same split at x <= 5.5: two pure leaves
    assert tree_rules(student).count("predict ") == 2
    X2 = np.arange(8.0)[:, None]
    Y2 = np.array([[1, 1], [1, 0], [1, 1], [1, 0], [0, 1], [0, 1], [0, 1], [0, 1]])
    st2 = AllowedLabelClassifier(DecisionTreeClassifier(random_state=0)).fit(X2, Y2)
    full = tree_rules(st2, merge=False).count("predict ")
    merged = tree_rules(st2).count("predict ")
    assert merged < full
    view = tree_view(st2)
    np.testing.assert_array_equal(view.predicted[st2.estimator_.apply(X2)], st2.predict(X2))


def test_constant_student_is_one_leaf():
    X = np.zeros((4, 2))
    student = AllowedLabelClassifier(DecisionTreeClassifier()).fit(X, np.array([[0, 1]] * 4))
    assert tree_leaves(student) == 1
    assert tree_rules(student, class_names=["a", "b"]).startswith("predict b")


def test_non_tree_student_is_refused(wine):
    X, y = wine.data, wine.target
    model = SurrogateClassifier(
        RandomForestClassifier(5, random_state=0), KNeighborsClassifier()
    ).fit(X, y)
    with pytest.raises(TypeError, match="decision-tree"):
        tree_rules(model)


def test_too_few_feature_names(fitted):
    with pytest.raises(ValueError, match="feature_names"):
        tree_rules(fitted, ["a", "b"])


def test_write_report(tmp_path, fitted, wine):
    belief = belief_from(fitted.teacher_, wine.data)
    paths = write_report(
        fitted,
        tmp_path / "rep",
        X=wine.data,
        belief=belief,
        feature_names=wine.feature_names,
        class_names=wine.target_names,
        facts={"data": "wine"},
    )
    names = sorted(p.name for p in (tmp_path / "rep").iterdir())
    assert names == [
        "depth_profile.png",
        "report.html",
        "report.md",
        "student_tree.png",
        "threshold_sweep.png",
    ]
    assert len(paths) == 5
    for p in paths[1:4]:
        assert p.read_bytes()[:8] == PNG
    assert paths[4].name == "report.html"  # the page itself: tests/test_report_html.py
    text = (tmp_path / "rep" / "report.md").read_text()
    assert f"{fitted.threshold_:.3f}" in text and f"{fitted.memo_threshold_:.3f}" in text
    assert "![student tree](student_tree.png)" in text
    assert "proline" in text


def test_report_folder_must_be_a_folder(tmp_path, fitted, wine):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        write_report(fitted, target, X=wine.data, belief=belief_from(fitted.teacher_, wine.data))


def test_report_holds_the_evaluation_and_the_depth_count(tmp_path, fitted, wine):
    belief = belief_from(fitted.teacher_, wine.data)
    ev = {
        "folds": 1,
        "requested": 1,
        "note": "",
        "accuracy": [{"method": "majority class", "scores": [0.4]}],
        "agreement": [0.9],
        "stability": {"students": 1, "train_share": 0.8, "agreement": float("nan"), "splits": []},
    }
    write_report(fitted, tmp_path, X=wine.data, belief=belief, evaluation=ev, y=wine.target)
    text = (tmp_path / "report.md").read_text()
    assert "majority class" in text and "0.400" in text
    finite = int(np.isfinite(np.asarray(fitted.sweep_["depth"], dtype=float)).sum())
    assert f"({finite} of {len(fitted.sweep_['depth'])};" in text

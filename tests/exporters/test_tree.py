"""The tree as the exporters read it: exact thresholds, features traced to columns, refusals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from crembo.exporters.tree import export_tree, float64_threshold

finite32 = st.floats(
    min_value=-float(np.float32(1e38)),
    max_value=float(np.float32(1e38)),
    allow_nan=False,
    allow_infinity=False,
    width=32,
)


def _goes_left_in_tree(x: float, threshold: float) -> bool:
    """What scikit-learn's tree does: round to float32, compare with the float64 threshold."""
    return bool(np.float64(np.float32(x)) <= threshold)


@settings(max_examples=300, deadline=None)
@given(a=finite32, b=finite32, offsets=st.lists(st.integers(-3, 3), min_size=1, max_size=7))
def test_float64_threshold_is_exact_near_its_boundary(a, b, offsets):
    # thresholds as scikit-learn makes them: the float64 midpoint of two float32 values
    threshold = (np.float64(a) + np.float64(b)) / 2
    bound = float64_threshold(threshold)
    for k in offsets:  # the float64 values around the boundary, where rounding decides
        x = bound
        for _ in range(abs(k)):
            x = np.nextafter(x, np.inf if k > 0 else -np.inf)
        if abs(x) < 3.4e38:  # beyond, float32 overflows
            assert (x <= bound) == _goes_left_in_tree(x, threshold), (threshold, x)


@settings(max_examples=200, deadline=None)
@given(threshold=st.floats(-1e30, 1e30, allow_nan=False), x=st.floats(-1e30, 1e30))
def test_float64_threshold_agrees_with_the_tree_on_any_value(threshold, x):
    assert (x <= float64_threshold(threshold)) == _goes_left_in_tree(x, threshold)


def test_float64_threshold_keeps_infinity():
    assert float64_threshold(np.inf) == np.inf


def test_features_are_traced_to_columns(shipped):
    tree = export_tree(shipped.model, shipped.meta)
    by_column = {}
    for f in tree.features:
        by_column.setdefault(f.column, []).append(f.category)
    assert list(by_column) == shipped.meta["columns"]
    for column, values in shipped.meta["categories"].items():
        assert by_column[column] == values
    # the fixture exercises what the formats must get right
    tests = [t for t in tree.tests if t is not None]
    assert any(not t.numeric for t in tests), "no one-hot split"
    assert {t.missing_left for t in tests} == {True, False}


def test_student_only_file_gives_the_same_tree(shipped):
    import crembo

    a = export_tree(shipped.model, shipped.meta)
    b = export_tree(crembo.load(shipped.student), crembo.persist.read_metadata(shipped.student))
    assert a.tests == b.tests and a.classes == b.classes
    np.testing.assert_array_equal(a.proba, b.proba)


def test_without_metadata_the_names_are_the_models(iris):
    X, y = iris
    tree = export_tree(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y))
    assert [f.name for f in tree.features] == ["x0", "x1", "x2", "x3"]
    assert tree.classes == [0, 1, 2]


def test_non_tree_student_is_refused(iris):
    from sklearn.neighbors import KNeighborsClassifier

    from crembo import CREMBOClassifier

    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(*iris)
    with pytest.raises(TypeError, match="only a tree student.*RandomForestClassifier"):
        export_tree(forest)
    knn = CREMBOClassifier(forest, KNeighborsClassifier(), preset="paper", random_state=0)
    with pytest.raises(TypeError, match="AllowedLabelClassifier of KNeighborsClassifier"):
        export_tree(knn.fit(*iris))


@pytest.mark.parametrize(
    "meta",
    [
        {"feature_names": ["a", "b", "c", "d"], "columns": ["a", "b", "c"], "categories": {}},
        {"feature_names": ["a", "b"]},
        {"columns": ["a", "b"], "categories": {"b": "xyz"}, "feature_names": ["a", "b=x"]},
    ],
    ids=["columns-short", "names-short", "categories-not-a-list"],
)
def test_inconsistent_metadata_are_refused(iris, meta):
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(*iris)
    with pytest.raises(ValueError, match="metadata"):
        export_tree(tree, meta)

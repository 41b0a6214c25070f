"""crembo._compat: each private scikit-learn name against its public equivalent, the range."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_iris
from sklearn.ensemble import (
    BaggingClassifier,
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from crembo import _compat
from crembo.belief import is_bagging_ensemble, out_of_bag_mask

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data():
    X, y = load_iris(return_X_y=True)
    return X.astype(np.float32), y


# ------------------------------------------------------------------------------ the range
def test_installed_version_is_in_range():
    _compat.check_sklearn_version(sklearn.__version__)  # the import would have failed


@pytest.mark.parametrize("version", ["1.9.0", "1.9.1", "1.9.99rc1"])
def test_versions_inside(version):
    _compat.check_sklearn_version(version)


@pytest.mark.parametrize(
    "version", ["1.8.0", "1.5.2", "1.10.0", "1.10.dev0", "2.0.0", "0.24.2", "x"]
)
def test_versions_outside(version):
    with pytest.raises(ImportError, match="crembo"):
        _compat.check_sklearn_version(version)


def test_pyproject_pins_the_declared_range():
    text = (ROOT / "pyproject.toml").read_text()
    pins = [p.replace(" ", "") for p in re.findall(r'^\s*"(scikit-learn\b[^"]*)"', text, re.M)]
    assert pins == [_compat.SKLEARN_REQUIREMENT]
    assert _compat.SKLEARN_REQUIREMENT == "scikit-learn>=1.9,<1.10"


def test_import_outside_range_is_a_clear_error():
    code = "import sklearn; sklearn.__version__ = '1.8.0'; import crembo._compat"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: crembo needs scikit-learn>=1.9,<1.10")
    assert "scikit-learn 1.8.0 is installed" in last


def test_no_private_sklearn_import_outside_compat():
    """Every private scikit-learn import and call of crembo goes through crembo._compat."""
    private = re.compile(
        r"^\s*(from|import)\s+sklearn[\w.]*\._\w|^\s*from\s+sklearn[\w.]*\s+import\s+.*\b_\w"
        r"|\._(validate_params|compute_missing_values_in_feature_mask|get_estimators_indices)\("
        r"|\btree_\.(apply|predict|decision_path|__getstate__|__setstate__)\(|_estimator_type"
    )
    found = []
    for path in sorted((ROOT / "src" / "crembo").rglob("*.py")):
        if path.name == "_compat.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if private.search(code) and "self.tree_.predict(self." not in code:  # peers' trees
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


# ------------------------------------------------------------------------------- forests
@pytest.mark.parametrize(
    "params, weighted",
    [
        ({}, False),
        ({"class_weight": "balanced"}, False),
        ({}, True),
        ({"max_samples": 0.5}, True),
        ({"class_weight": "balanced_subsample", "max_samples": 40}, False),
    ],
)
def test_forest_in_bag_indices_are_the_public_samples(data, params, weighted):
    X, y = data
    sw = np.linspace(0.5, 2.0, len(y)) if weighted else None
    rf = RandomForestClassifier(n_estimators=7, random_state=0, **params)
    rf.fit(X, y, sample_weight=sw)
    ours = list(_compat.forest_in_bag_indices(rf))
    assert len(ours) == 7
    for a, b in zip(ours, rf.estimators_samples_, strict=True):
        np.testing.assert_array_equal(a, b)
    # and the out-of-bag mask is their complement, as the forest's own oob_score_ uses
    mask = out_of_bag_mask(rf, len(y))
    for j, drawn in enumerate(rf.estimators_samples_):
        expect = np.ones(len(y), dtype=bool)
        expect[drawn] = False
        np.testing.assert_array_equal(mask[:, j], expect)


def test_out_of_bag_mask_matches_sklearns_oob_score(data):
    """The forest's own OOB accuracy, recomputed from crembo's mask (class-weighted draws)."""
    X, y = data
    rf = RandomForestClassifier(
        n_estimators=30, class_weight="balanced", oob_score=True, random_state=1
    ).fit(X, y)
    mask = out_of_bag_mask(rf, len(y))
    proba = np.zeros((len(y), 3))
    for j, tree in enumerate(rf.estimators_):
        proba[mask[:, j]] += tree.predict_proba(X[mask[:, j]])
    np.testing.assert_allclose(proba / proba.sum(1, keepdims=True), rf.oob_decision_function_)


def test_no_bootstrap_yields_all_rows(data):
    X, y = data
    et = ExtraTreesClassifier(n_estimators=3, random_state=0).fit(X, y)
    for drawn in _compat.forest_in_bag_indices(et):
        np.testing.assert_array_equal(drawn, np.arange(len(y)))
    assert not out_of_bag_mask(et, len(y)).any()


def test_base_forest(data):
    X, y = data
    assert isinstance(RandomForestClassifier(), _compat.BaseForest)
    assert isinstance(ExtraTreesClassifier(), _compat.BaseForest)
    assert not isinstance(GradientBoostingClassifier(), _compat.BaseForest)
    assert is_bagging_ensemble(RandomForestClassifier())
    assert is_bagging_ensemble(BaggingClassifier())
    # a regressor's trees do not vote (the private _estimator_type this read is gone in 1.9)
    assert not is_bagging_ensemble(RandomForestRegressor())


# --------------------------------------------------------------------------------- trees
def _Xnan(X):
    Xn = X.copy()
    Xn[::7, 2] = np.nan
    return Xn


@pytest.mark.parametrize("nan", [False, True])
def test_fit_tree_unchecked_is_fit(data, nan):
    X, y = data
    X = _Xnan(X) if nan else X
    sw = np.linspace(1, 2, len(y))
    ours = _compat.fit_tree_unchecked(DecisionTreeClassifier(max_depth=3, random_state=0), X, y, sw)
    public = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y, sample_weight=sw)
    a, b = _compat.tree_state(ours), _compat.tree_state(public)
    np.testing.assert_array_equal(a["nodes"], b["nodes"])
    np.testing.assert_array_equal(a["values"], b["values"])


def test_fit_tree_unchecked_refuses_inf_as_fit_does(data):
    X, y = data
    Xi = X.copy()
    Xi[0, 0] = np.inf
    with pytest.raises(ValueError, match="[Ii]nf"):
        DecisionTreeClassifier().fit(Xi, y)
    with pytest.raises(ValueError, match="[Ii]nf"):
        _compat.fit_tree_unchecked(DecisionTreeClassifier(), Xi, y)


def test_fit_tree_is_fit(data):
    X, y = data
    ours = _compat.fit_tree(DecisionTreeRegressor(max_depth=3), X, y.astype(float))
    public = DecisionTreeRegressor(max_depth=3).fit(X, y.astype(float))
    np.testing.assert_array_equal(ours.predict(X), public.predict(X))


@pytest.mark.parametrize("nan", [False, True])
def test_tree_apply_values_path_are_the_public_ones(data, nan):
    X, y = data
    X = _Xnan(X) if nan else X
    tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y)
    np.testing.assert_array_equal(_compat.tree_apply(tree, X), tree.apply(X))
    # single output: the output axis dropped
    expect = tree.tree_.value[tree.apply(X)][:, 0]
    np.testing.assert_array_equal(_compat.tree_values(tree, X), expect)
    multi = DecisionTreeClassifier(max_depth=2).fit(X, np.column_stack([y, y % 2]))
    expect = multi.tree_.value[multi.apply(X)]
    np.testing.assert_array_equal(_compat.tree_values(multi, X), expect)
    assert (_compat.tree_decision_path(tree, X) != tree.decision_path(X)).nnz == 0


def test_build_tree_from_state_round_trip(data):
    X, y = data
    tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y)
    state = _compat.tree_state(tree)
    assert set(state) >= {"max_depth", "node_count", "nodes", "values"}
    assert state["nodes"].dtype == _compat.node_dtype()
    built = _compat.build_tree(X.shape[1], tree.n_classes_[None], state)
    np.testing.assert_array_equal(built.apply(X), tree.tree_.apply(X))
    np.testing.assert_array_equal(built.value, tree.tree_.value)
    assert (built.max_depth, built.node_count) == (tree.tree_.max_depth, tree.tree_.node_count)
    np.testing.assert_array_equal(built.children_left, tree.tree_.children_left)
    # nodes of another version (no missing_go_to_left field) are copied by name
    old = state["nodes"][[n for n in state["nodes"].dtype.names if n != "missing_go_to_left"]]
    old = np.asarray(old.tolist(), dtype=[(n, old.dtype[n]) for n in old.dtype.names])
    rebuilt = _compat.build_tree(X.shape[1], [3], {**state, "nodes": old})
    np.testing.assert_array_equal(rebuilt.threshold, tree.tree_.threshold)


# -------------------------------------------------------------------- parameter checking
def test_param_validation_names_are_sklearns():
    from sklearn.utils import _param_validation as pv

    assert (_compat.Interval, _compat.StrOptions, _compat.HasMethods) == (
        pv.Interval,
        pv.StrOptions,
        pv.HasMethods,
    )


def test_validate_params_is_what_fit_checks():
    from sklearn.utils._param_validation import InvalidParameterError

    bad = DecisionTreeClassifier(max_depth=-1)
    with pytest.raises(InvalidParameterError, match="max_depth") as ours:
        _compat.validate_params(bad)
    with pytest.raises(InvalidParameterError) as public:
        bad.fit([[0.0], [1.0]], [0, 1])
    assert str(ours.value) == str(public.value)
    _compat.validate_params(DecisionTreeClassifier(max_depth=2))  # no error


def test_safe_indexing_rows():
    pd = pytest.importorskip("pandas")
    X = np.arange(12).reshape(6, 2)
    idx = np.array([4, 0, 4])
    np.testing.assert_array_equal(_compat.safe_indexing(X, idx), X[idx])
    df = pd.DataFrame(X, columns=["a", "b"])
    out = _compat.safe_indexing(df, idx)
    assert isinstance(out, pd.DataFrame)
    np.testing.assert_array_equal(out.to_numpy(), X[idx])

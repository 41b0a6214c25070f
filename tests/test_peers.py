"""The peers (crembo.peers) as experiment methods, and failures recorded as such."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.ensemble import RandomForestClassifier

from crembo.experiments import Protocol, generalization, robustness
from crembo.experiments.methods import METHODS, make_student
from crembo.experiments.store import RunStore
from crembo.experiments.tabular import run_experiment
from crembo.peers import PEERS, ThinBinarizer, gini_gain

TINY = {"folds": 3, "repeats": 1, "shuffle": True, "seed": 1, "class_weight": "none"}


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    rng = np.random.default_rng(0)
    rows = rng.permutation(y.size)[:120]
    labels = np.array(["a", "b", "c"])[y[rows]]  # string labels: mapped back after fit
    teacher = RandomForestClassifier(30, max_depth=6, random_state=0).fit(X[rows], labels)
    return X[rows], labels, teacher


def _need(name):
    if name.startswith("STreeD"):
        pytest.importorskip("pystreed")
    elif name == "GOSDT":
        pytest.importorskip("gosdt")
    else:
        pytest.importorskip("six")
        pytest.importorskip("imodels")


@pytest.mark.parametrize("name", list(PEERS))
def test_peer_fits_multiclass_and_stays_small(name, wine):
    _need(name)
    X, y, teacher = wine
    model = METHODS[name](teacher, make_student("none", 0), 0)
    kwargs = {"time_limit": 5} if name.startswith(("STreeD", "GOSDT")) else {}
    model.set_params(**kwargs).fit(X, y)
    pred = model.predict(X)
    assert set(pred) <= {"a", "b", "c"} and pred.shape == y.shape
    assert np.mean(pred == y) > 0.8  # wine is easy: a small tree gets most rows right
    assert model.status_ in ("ok", "time limit")
    if name == "FIGS":
        assert model.get_n_splits() <= 15
    else:
        assert model.get_depth() <= 4 and model.get_n_leaves() <= 16


def test_peer_seeds_make_it_deterministic(wine):
    pytest.importorskip("imodels")
    X, y, teacher = wine
    a = METHODS["HSTree"](teacher, make_student("none", 0), 3).fit(X, y)
    b = METHODS["HSTree"](teacher, make_student("none", 0), 3).fit(X, y)
    assert a.reg_param_ == b.reg_param_ and np.array_equal(a.predict(X), b.predict(X))


def test_hstree_survives_a_class_rarer_than_its_folds():
    pytest.importorskip("imodels")
    X, y = load_iris(return_X_y=True)
    X, y = X[:101], y[:101]  # class 2 has a single row: some folds miss it
    model = METHODS["HSTree"](None, make_student("none", 0), 0).fit(X, y)
    assert model.predict_proba(X).shape == (101, 3)
    assert model.reg_param_ in (0, 0.1, 1, 10, 50, 100, 500)


def test_gosdt_binarization_uses_every_class():
    pytest.importorskip("gosdt")
    from crembo.peers import _threshold_guess

    X, y = load_iris(return_X_y=True)
    cols, thr = _threshold_guess(X, y, 40, 1, 0, 256)
    # gosdt's binarizer keeps only class 0's stumps (petal length < 2.45 or so): with every
    # class, the petal thresholds separating versicolor from virginica are there too
    assert np.any((cols >= 2) & (thr > 4.0))


def test_thin_binarizer_caps_and_keeps_binary_columns():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(200, 30)), rng.integers(0, 2, size=(200, 2))])
    y = (X[:, 0] > 0).astype(int)
    b = ThinBinarizer(n_thresholds=8, max_features=50).fit(X, y, 2)
    B = b.transform(X)
    assert B.shape == (200, 50) and set(np.unique(B)) <= {0, 1}
    assert 0 in b.columns_  # the informative column survives the cap
    full = ThinBinarizer(n_thresholds=8, max_features=10**6).fit(X, y, 2)
    assert np.bincount(full.columns_)[:30].max() <= 8
    assert (full.thresholds_[full.columns_ >= 30] == 0.5).all()
    gain = gini_gain(full.transform(X), y, 2)
    assert gain.argmax() in np.flatnonzero(full.columns_ == 0)


class _Broken:
    """A method that raises on fit in fold 1 only."""

    def __init__(self, fold_seed):
        self.fold_seed = fold_seed

    def fit(self, X, y):
        if X.shape[0] % 2 == self.fold_seed:
            raise RuntimeError("solver exploded\non this fold")
        self.c_ = np.unique(y)[0]
        return self

    def predict(self, X):
        return np.full(X.shape[0], self.c_)


class _TimedOut(_Broken):
    def fit(self, X, y):
        raise TimeoutError("no tree")


def test_failures_are_recorded_not_dropped(tmp_path):
    X, y = load_iris(return_X_y=True)
    extra = {
        "_broken": lambda t, s, rs, **_: _Broken(0),
        "_timeout": lambda t, s, rs, **_: _TimedOut(0),
    }
    options = {**TINY, "extra_methods": extra, "progress": False}
    out = tmp_path / "g"
    summary = generalization("iris", out, methods="BM,_broken,_timeout", **options)
    rec = pd.read_csv(out / "records.csv")
    broken = rec[rec["method"] == "_broken"]
    assert len(broken) == 3  # one row per fold, failed or not
    failed = broken["status"].str.startswith("failed: RuntimeError: solver exploded on")
    assert failed.any() and broken.loc[failed, "accuracy"].isna().all()
    assert broken.loc[~failed, "accuracy"].notna().all()
    assert (rec.loc[rec["method"] == "_timeout", "status"] == "timeout").all()
    assert (rec.loc[rec["method"] == "BM", "status"] == "ok").all()
    e = summary["methods"]["_broken"]
    assert e["failed"] == failed.sum() and e["n"] == 3 - failed.sum()
    assert summary["methods"]["_timeout"]["mean"] is None
    md = (out / "summary.md").read_text()
    assert "_timeout 3/3 failed (timeout 3)" in md
    # a resumed run reads the failed rows back as done units
    again = generalization("iris", out, methods="BM,_broken,_timeout", **options)
    assert again["methods"]["_broken"] == e | {"seconds_mean": e["seconds_mean"]}
    # robustness: agreement over the students that exist, with their count
    out = tmp_path / "r"
    summary = robustness("iris", out, methods="BM,_broken", **options)
    e = summary["methods"]["_broken"]
    students = e["agreement_students"][0]
    assert students == 3 - e["failed"]
    assert (e["agreement"] is None) == (students < 2)


def test_records_without_status_are_read_as_ok(tmp_path):
    X, y = load_iris(return_X_y=True)
    protocol = Protocol("generalization", "iris", methods=("BM",), **TINY)
    out = tmp_path / "old"
    first = run_experiment(protocol, X, y, out, progress=False, max_units=2)
    path = out / "records.csv"
    old = pd.read_csv(path).drop(columns="status")  # as written before the column existed
    path.write_text(old.to_csv(index=False))
    summary = run_experiment(protocol, X, y, out, progress=False)
    assert summary["units_done"] == 3 and first["units_done"] == 2
    rec = pd.read_csv(path)
    assert (rec["status"] == "ok").all() and len(rec) == 6
    assert summary["methods"]["BM"]["failed"] == 0


def test_damaged_ok_row_still_refused(tmp_path):
    X, y = load_iris(return_X_y=True)
    protocol = Protocol("generalization", "iris", methods=("BM",), **TINY)
    out = tmp_path / "d"
    run_experiment(protocol, X, y, out, progress=False, max_units=1)
    path = out / "records.csv"
    rec = pd.read_csv(path)
    rec.loc[1, "accuracy"] = np.nan  # an ok row without accuracy: damage, not a failure
    path.write_text(rec.to_csv(index=False))
    store = RunStore(out, json_settings(out))
    with pytest.raises(ValueError, match="damaged"):
        store.read_records()


def json_settings(out):
    import json

    return json.loads((out / "run.json").read_text())


def test_missing_peer_package_names_the_extra(monkeypatch):
    import sys

    from crembo.datasets import MissingExtraError

    monkeypatch.setitem(sys.modules, "imodels", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"crembo\[peers\]"):
        METHODS["FIGS"](None, make_student("none", 0), 0)

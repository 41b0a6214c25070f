"""Failed and timed-out methods are recorded as such, never dropped (the peers' case)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from crembo.experiments import Protocol, generalization, robustness
from crembo.experiments.store import RunStore
from crembo.experiments.tabular import run_experiment

TINY = {"folds": 3, "repeats": 1, "shuffle": True, "seed": 1, "class_weight": "none"}


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
    # as written before the status (and stability) columns existed
    old = pd.read_csv(path).drop(columns=["status", "stability"])
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

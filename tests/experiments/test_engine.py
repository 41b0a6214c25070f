"""The experiment engine on a toy unit function: resume, max_units, refusals, parallel = serial."""

import functools
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from crembo.experiments.engine import Experiment, Tick, UnitResult, run
from crembo.experiments.store import RecordSchema, RunStore, RunStoreError

SCHEMA = RecordSchema(
    columns=("dataset", "experiment", "repeat", "fold", "method", "value"),
    required=("value",),
)
METHODS = ["a", "b"]


@dataclass(frozen=True)
class ToyUnit:
    repeat: int
    fold: int

    @property
    def key(self):
        return (self.repeat, self.fold)


def toy_unit(unit, scale, log=None):
    """Rows and an array that depend on the unit only (so any order gives the same files)."""
    if log is not None:
        with open(log, "a") as fh:
            fh.write(f"{unit.repeat},{unit.fold}\n")
    rows = [
        {
            "dataset": "toy",
            "experiment": "demo",
            "repeat": unit.repeat,
            "fold": unit.fold,
            "method": m,
            "value": scale * (10 * unit.repeat + unit.fold) + k,
        }
        for k, m in enumerate(METHODS)
    ]
    return UnitResult(rows, {"predictions": np.arange(4) + unit.fold})


def summarize(store, records, total):
    return {"units_done": len(records) // len(METHODS), "units_total": total}


def _settings(repeats=2):
    protocol = {"dataset": "toy", "experiment": "demo", "repeats": repeats, "methods": METHODS}
    return {"protocol": protocol, "data": {"fingerprint": "x"}}


def _experiment(repeats=2, folds=3, log=None, finish=None):
    return Experiment(
        label="toy",
        units=[ToyUnit(r, f) for r in range(repeats) for f in range(folds)],
        run_unit=functools.partial(toy_unit, scale=0.5, log=log),
        summarize=summarize,
        markdown=lambda s: f"{s['units_done']}/{s['units_total']}\n",
        finish=finish,
    )


def _store(out, repeats=2):
    return RunStore(out, _settings(repeats), schema=SCHEMA, artifacts=("predictions",))


def _ran(log):
    return log.read_text().split() if log.exists() else []


def test_a_fresh_run_writes_every_file(tmp_path):
    finished = []
    summary = run(
        _experiment(finish=lambda store, s: finished.append(s)), _store(tmp_path), progress=False
    )
    assert summary == {"units_done": 6, "units_total": 6} and finished == [summary]
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    assert (tmp_path / "summary.md").read_text() == "6/6\n"
    assert json.loads((tmp_path / "run.json").read_text()) == _settings()
    rec = pd.read_csv(tmp_path / "records.csv")
    assert tuple(rec.columns) == SCHEMA.columns and len(rec) == 12
    assert np.array_equal(np.load(tmp_path / "predictions" / "r001_f002.npy"), np.arange(4) + 2)


def test_max_units_then_resume_runs_each_unit_once(tmp_path):
    log = tmp_path / "log"
    out = tmp_path / "run"
    first = run(_experiment(log=log), _store(out), max_units=2, progress=False)
    assert first["units_done"] == 2 and _ran(log) == ["0,0", "0,1"]
    nothing = run(_experiment(log=log), _store(out), max_units=0, progress=False)
    assert nothing["units_done"] == 2 and len(_ran(log)) == 2
    again = run(_experiment(log=log), _store(out), progress=False)
    assert again["units_done"] == 6
    assert sorted(_ran(log)) == sorted(f"{r},{f}" for r in range(2) for f in range(3))
    run(_experiment(log=log), _store(out), progress=False)  # all done: nothing runs
    assert len(_ran(log)) == 6


def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path):
    run(_experiment(), _store(tmp_path / "whole"), progress=False)
    for _ in range(3):
        run(_experiment(), _store(tmp_path / "parts"), max_units=2, progress=False)
    for name in ("records.csv", "summary.json", "summary.md", "run.json"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "parts" / name).read_bytes()


def test_a_unit_without_its_artifact_is_run_again(tmp_path):
    log = tmp_path / "log"
    run(_experiment(log=log), _store(tmp_path / "run"), progress=False)
    (tmp_path / "run" / "predictions" / "r000_f001.npy").unlink()
    run(_experiment(log=log), _store(tmp_path / "run"), progress=False)
    assert _ran(log)[6:] == ["0,1"]
    assert (tmp_path / "run" / "predictions" / "r000_f001.npy").exists()


def test_a_partial_unit_on_disk_is_run_again(tmp_path):
    log = tmp_path / "log"
    out = tmp_path / "run"
    run(_experiment(log=log), _store(out), max_units=2, progress=False)
    rec = pd.read_csv(out / "records.csv")
    rec.iloc[:-1].to_csv(out / "records.csv", index=False)  # unit (0, 1) lost a row
    summary = run(_experiment(log=log), _store(out), max_units=1, progress=False)
    assert _ran(log)[2:] == ["0,1"] and summary["units_done"] == 2


def test_fewer_repeats_summarize_the_first_and_keep_the_rest(tmp_path):
    run(_experiment(repeats=2), _store(tmp_path, repeats=2), progress=False)
    fewer = run(_experiment(repeats=1), _store(tmp_path, repeats=1), progress=False)
    assert fewer == {"units_done": 3, "units_total": 3}
    assert json.loads((tmp_path / "run.json").read_text())["protocol"]["repeats"] == 1
    assert sorted(pd.read_csv(tmp_path / "records.csv")["repeat"].unique()) == [0, 1]


@pytest.fixture
def by_value():
    """Send this module's toy unit function to worker processes by value: they cannot import
    a test module (pytest's importlib mode)."""
    import sys

    cloudpickle = pytest.importorskip("cloudpickle")  # what loky pickles with

    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    yield
    cloudpickle.unregister_pickle_by_value(module)


def test_parallel_gives_the_serial_files(tmp_path, by_value):
    run(_experiment(), _store(tmp_path / "serial"), n_jobs=1, progress=False)
    run(_experiment(), _store(tmp_path / "loky"), n_jobs=2, progress=False)
    run(_experiment(), _store(tmp_path / "threads"), n_jobs=2, backend="threading", progress=False)
    for other in ("loky", "threads"):
        for name in ("records.csv", "summary.json", "predictions/r001_f000.npy"):
            a = (tmp_path / "serial" / name).read_bytes()
            assert a == (tmp_path / other / name).read_bytes(), (other, name)


def test_a_progress_callable_gets_a_tick_per_unit(tmp_path):
    ticks = []
    run(_experiment(), _store(tmp_path), max_units=2, progress=ticks.append)
    run(_experiment(), _store(tmp_path), progress=ticks.append)
    assert all(isinstance(t, Tick) for t in ticks)
    assert [(t.done, t.total, t.new, t.todo) for t in ticks] == [
        (1, 6, 1, 2),
        (2, 6, 2, 2),
        (3, 6, 1, 4),
        (4, 6, 2, 4),
        (5, 6, 3, 4),
        (6, 6, 4, 4),
    ]
    assert all(t.seconds >= 0 for t in ticks)


def test_the_progress_bar_runs(tmp_path):
    summary = run(_experiment(), _store(tmp_path), progress=True)
    assert summary["units_done"] == 6


def test_a_damaged_store_is_refused_before_any_unit_runs(tmp_path):
    log = tmp_path / "log"
    out = tmp_path / "run"
    run(_experiment(log=log), _store(out), max_units=2, progress=False)
    path = out / "records.csv"
    damaged = path.read_text()[:-3]  # cut in the middle of the last row
    path.write_text(damaged)
    with pytest.raises(RunStoreError, match="truncated"):
        run(_experiment(log=log), _store(out), progress=False)
    assert path.read_text() == damaged and len(_ran(log)) == 2


def test_other_settings_are_refused(tmp_path):
    run(_experiment(), _store(tmp_path), max_units=1, progress=False)
    other = _settings()
    other["data"]["fingerprint"] = "y"
    store = RunStore(tmp_path, other, schema=SCHEMA, artifacts=("predictions",))
    with pytest.raises(RunStoreError, match="other settings.*data.fingerprint"):
        run(_experiment(), store, progress=False)

"""The run folder: settings checks, records schema, sorting, whole units, refusals, fingerprints."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from crembo.experiments.store import (
    LEGACY_RECORD_COLUMNS,
    RECORD_COLUMNS,
    RECORDS,
    RecordSchema,
    RunStore,
    RunStoreError,
    data_fingerprint,
    has_result,
)

PROTOCOL = {"dataset": "iris", "experiment": "generalization", "repeats": 2}


def _settings(methods=("teacher", "BM", "VT"), **protocol):
    return {"protocol": {**PROTOCOL, "methods": list(methods), **protocol}, "data": {"f": "x"}}


def _row(repeat, fold, method, status="ok", accuracy=0.9, dataset="iris"):
    row = dict.fromkeys(RECORD_COLUMNS, 1.0)
    row.update(dataset=dataset, experiment="generalization", repeat=repeat, fold=fold)
    row.update(method=method, status=status, accuracy=accuracy)
    return row


def _unit(repeat, fold, methods=("teacher", "BM", "VT")):
    return [_row(repeat, fold, m) for m in methods]


def test_open_writes_run_json_and_the_folders(tmp_path):
    store = RunStore(tmp_path / "out", _settings(), artifacts=("scores",))
    assert store.open().empty
    assert json.loads(store.run_path.read_text()) == _settings()
    assert (tmp_path / "out" / "predictions").is_dir() and (tmp_path / "out" / "scores").is_dir()
    assert RunStore(tmp_path / "out", _settings()).open().empty  # same settings: reopens


def test_other_settings_are_refused_and_more_repeats_extend(tmp_path):
    RunStore(tmp_path, _settings()).open()
    with pytest.raises(RunStoreError, match="other settings.*protocol.dataset: stored 'iris'"):
        RunStore(tmp_path, _settings(dataset="wine")).open()
    RunStore(tmp_path, _settings(repeats=5)).open()  # only the number of repeats changed
    assert json.loads((tmp_path / "run.json").read_text())["protocol"]["repeats"] == 5


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunStoreError, match="exists and is not a folder"):
        RunStore(tmp_path / "file", _settings()).open()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "records.csv").write_text("x\n")
    with pytest.raises(RunStoreError, match="run.json does not"):
        RunStore(tmp_path / "a", _settings()).open()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "run.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(RunStoreError, match="not readable JSON"):
        RunStore(tmp_path / "b", _settings()).open()


def test_write_sorts_by_unit_then_method_order(tmp_path):
    store = RunStore(tmp_path, _settings(methods=("teacher", "VT", "BM")))
    store.open()
    rows = _unit(1, 0, ("BM", "teacher", "VT")) + _unit(0, 1, ("VT", "BM", "teacher"))
    df = store.write(pd.DataFrame(rows))
    assert list(zip(df["repeat"], df["fold"], df["method"], strict=True)) == [
        (0, 1, "teacher"),
        (0, 1, "VT"),
        (0, 1, "BM"),
        (1, 0, "teacher"),
        (1, 0, "VT"),
        (1, 0, "BM"),
    ]
    back = store.read_records()
    assert (
        tuple(back.columns) == RECORD_COLUMNS and back["method"].tolist() == df["method"].tolist()
    )


def test_whole_units_only_and_keep_units(tmp_path):
    store = RunStore(tmp_path, _settings(), artifacts=("predictions",))
    store.open()
    rows = _unit(0, 0) + _unit(0, 1)[:2] + _unit(1, 0) + [_row(1, 1, "BM")] * 3
    records = store.write(pd.DataFrame(rows))
    # (0, 1) lacks a row; (1, 1) has three rows of one method; no unit has its array yet
    assert store.done_units(records) == set()
    for key in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        store.save_artifact("predictions", key, np.arange(3))
    assert store.done_units(records) == {(0, 0), (1, 0)}
    assert np.array_equal(store.load_predictions(1, 0), np.arange(3))
    assert store.prediction_path(1, 0).name == "r001_f000.npy"
    kept = store.keep_units(records, {(1, 0)})
    assert set(zip(kept["repeat"], kept["fold"], strict=True)) == {(1, 0)}


def test_a_schema_with_several_row_columns(tmp_path):
    schema = RecordSchema(
        columns=("dataset", "experiment", "repeat", "fold", "kind", "fraction", "method", "x"),
        required=("x",),
        rows=(("kind", "kinds"), ("fraction", "fractions"), ("method", "methods")),
        what="breakdown records",
        foreign="another data set, experiment or method",
    )
    settings = _settings(methods=("teacher", "BM"), kinds=["teacher", "labels"])
    settings["protocol"]["fractions"] = [0.0, 0.25]
    store = RunStore(tmp_path, settings, schema=schema)
    store.open()
    rows = [
        {"dataset": "iris", "experiment": "generalization", "repeat": 0, "fold": 0, "kind": k,
         "fraction": f, "method": m, "x": 1.0}
        for k in ("labels", "teacher") for f in (0.25, 0.0) for m in ("BM", "teacher")
    ]  # fmt: skip
    df = store.write(pd.DataFrame(rows))
    assert df["kind"].tolist()[:4] == ["teacher"] * 4 and df["fraction"].tolist()[:2] == [0.0] * 2
    assert df["method"].tolist()[:2] == ["teacher", "BM"]
    assert store.done_units(df) == {(0, 0)}
    assert store.done_units(df.iloc[1:]) == set()
    bad = df.assign(kind=["resampled"] + df["kind"].tolist()[1:])
    bad.to_csv(store.records_path, index=False)
    with pytest.raises(RunStoreError, match="another data set, experiment or method \\(first"):
        store.read_records()
    pd.DataFrame({"a": [1]}).to_csv(store.records_path, index=False)
    with pytest.raises(RunStoreError, match="not breakdown records of this program"):
        store.read_records()


def test_damaged_or_foreign_records_are_refused(tmp_path):
    store = RunStore(tmp_path, _settings())
    store.open()
    store.write(pd.DataFrame(_unit(0, 0) + _unit(0, 1)))
    path = store.records_path
    good = path.read_text()
    path.write_text(good[:-5])
    with pytest.raises(RunStoreError, match="truncated"):
        store.read_records()
    rec = pd.read_csv(io.StringIO(good))
    rec.loc[2, "seconds"] = np.nan
    rec.to_csv(path, index=False)
    with pytest.raises(RunStoreError, match="row 4 has no seconds \\(damaged\\)"):
        store.read_records()
    rec = pd.read_csv(io.StringIO(good))
    rec.loc[1, "accuracy"] = np.nan  # an ok row without accuracy
    rec.to_csv(path, index=False)
    with pytest.raises(RunStoreError, match="row 3 has no accuracy"):
        store.read_records()
    rec.loc[1, "status"] = "failed: RuntimeError"  # a failed row has none: accepted
    rec.to_csv(path, index=False)
    assert len(store.read_records()) == 6
    rec = pd.read_csv(io.StringIO(good))
    rec.loc[4, "dataset"] = "wine"
    rec.to_csv(path, index=False)
    with pytest.raises(RunStoreError, match="experiment or method set .first: row 6"):
        store.read_records()
    rec = pd.read_csv(io.StringIO(good)).drop(columns="accuracy")
    rec.to_csv(path, index=False)
    with pytest.raises(RunStoreError, match="expected .*not records of this program"):
        store.read_records()
    path.write_bytes(b"\x00\xff\xfe" * 10 + b"\n")
    with pytest.raises(RunStoreError, match="left untouched"):
        store.read_records()


def test_records_written_before_the_status_column_read_as_ok(tmp_path):
    store = RunStore(tmp_path, _settings())
    store.open()
    rows = pd.DataFrame(_unit(0, 0))[list(LEGACY_RECORD_COLUMNS)]
    rows.to_csv(store.records_path, index=False)
    back = store.read_records()
    assert (back["status"] == "ok").all() and tuple(back.columns) == RECORDS.columns


def test_text_columns_keep_names_like_nan(tmp_path):
    store = RunStore(tmp_path, _settings(dataset="NA"))
    store.open()
    store.write(pd.DataFrame([_row(0, 0, m, dataset="NA") for m in ("teacher", "BM", "VT")]))
    assert store.read_records()["dataset"].tolist() == ["NA"] * 3


def test_has_result():
    assert has_result(["ok", "time limit", "timeout", "failed: x"]).tolist() == [1, 1, 0, 0]


def test_data_fingerprint_is_short_stable_and_sees_dtype_and_values():
    X = np.arange(12.0).reshape(4, 3)
    y = np.array([0, 1, 0, 1], dtype=np.int64)
    a = data_fingerprint(X, y)
    assert a == data_fingerprint(X.copy(), y.copy()) and len(a) == 16
    assert a != data_fingerprint(X.astype(np.float32), y)
    X2 = X.copy()
    X2[0, 0] = 0.5
    assert a != data_fingerprint(X2, y) and a != data_fingerprint(X, y[::-1].copy())
    assert a == data_fingerprint(np.asfortranarray(X), y)  # C order, whatever the layout

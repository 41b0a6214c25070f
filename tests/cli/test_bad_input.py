"""Every command of ``crembo`` fed bad input: one parametrized matrix.

Each case expects a non-zero exit code and one line on stderr (no traceback), and checks that
the outputs the command was asked to write do not exist afterwards. The Python entry points'
cases are in the test file of their module (test_estimator.py, test_belief.py, test_depth.py,
test_datasets.py); the input files are conftest's ``bad_input_files``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import crembo
from crembo import datasets as ds
from crembo.cli import app

TARGET = "target"


@dataclass
class CliCase:
    """``crembo <args>`` must exit with a code != 0 and one stderr line holding ``words``;
    the paths in ``outputs`` (relative to the test's tmp folder) must not exist after."""

    args: object  # (files, tmp) -> list of str
    words: tuple = ()
    outputs: tuple = ()
    exit_code: int | None = None  # None: any non-zero; usage errors give 1 like the rest
    needs: tuple = field(default_factory=tuple)  # modules to import or skip


# ------------------------------------------------------------------ CLI cases


def _exp(name, dataset_key, *extra, target=TARGET, out=None):
    """An experiment command on a CSV from ``files`` (or a data set name), into tmp/out."""

    def args(files, tmp):
        data = files.get(dataset_key, dataset_key)
        folder = tmp / "out" if out is None else files[out]
        return [
            "experiment", name, "--dataset", data, "--target", target, "--folds", "2",
            "--repeats", "1", "--out", folder, "--no-progress", *extra,
        ]  # fmt: skip

    return args


def _compress(key, target=TARGET, out="m.skops"):
    return lambda f, t: ["compress", "--data", f[key], "--target", target, "--out", t / out]


def _predict(model, data, out="p.csv"):
    return lambda f, t: [
        "predict",
        "--model",
        f.get(model, model),
        "--data",
        f[data],
        "--out",
        t / out,
    ]


def _export(model, fmt="sql", out="m.sql"):
    return lambda f, t: [
        "export", "--model", f.get(model, model), "--format", fmt, "--out", t / out
    ]  # fmt: skip


CLI_CASES = {
    "compress-missing-file": CliCase(
        _compress("missing"), ("missing.csv", "does not exist"), ("m.skops",)
    ),
    "compress-not-csv-binary": CliCase(_compress("binary"), ("not a readable CSV",), ("m.skops",)),
    "compress-not-csv-zip": CliCase(_compress("zip"), ("not a readable CSV",), ("m.skops",)),
    "compress-empty-file": CliCase(_compress("empty"), ("not a readable CSV",), ("m.skops",)),
    "compress-header-only": CliCase(_compress("header"), ("0 data rows",), ("m.skops",)),
    "compress-one-row": CliCase(_compress("one"), ("1 data row",), ("m.skops",)),
    "compress-one-class": CliCase(_compress("oneclass"), ("one class",), ("m.skops",)),
    "compress-no-target-column": CliCase(_compress("iris", "colour"), ("colour",), ("m.skops",)),
    "compress-unlabelled-row": CliCase(_compress("nolabel"), ("missing in 1 row",), ("m.skops",)),
    "compress-inf": CliCase(_compress("inf"), ("infinity", "sepal width"), ("m.skops",)),
    "compress-out-folder-missing": CliCase(
        _compress("iris", out="nowhere/m.skops"), ("does not exist",), ("nowhere",)
    ),
    "compress-out-is-a-folder": CliCase(_compress("iris", out="."), ("folder",)),
    "compress-out-under-a-file": CliCase(
        lambda f, t: [
            "compress",
            "--data",
            f["iris"],
            "--target",
            TARGET,
            "--out",
            f["iris"] / "m",
        ],
        ("is a file",),
    ),
    "generalization-out-under-a-file": CliCase(
        lambda f, t: [
            *_exp("generalization", "iris")(f, t)[:-3],
            "--out",
            f["iris"] / "o",
            "--no-progress",
        ],
        ("Not a directory",),
    ),
    "compress-bad-teacher-choice": CliCase(
        lambda f, t: [*_compress("iris")(f, t), "--teacher", "svm"], ("--teacher",), ("m.skops",), 1
    ),
    "predict-missing-model": CliCase(
        _predict("nowhere.skops", "iris"), ("does not exist",), ("p.csv",)
    ),
    "predict-model-is-a-csv": CliCase(
        _predict("iris", "iris"), ("not a readable crembo model",), ("p.csv",)
    ),
    "predict-missing-data": CliCase(_predict("model", "missing"), ("does not exist",), ("p.csv",)),
    "predict-data-not-csv": CliCase(
        _predict("model", "binary"), ("not a readable CSV",), ("p.csv",)
    ),
    "predict-data-empty": CliCase(_predict("model", "empty"), ("not a readable CSV",), ("p.csv",)),
    "predict-data-header-only": CliCase(_predict("model", "header"), ("0 data rows",), ("p.csv",)),
    "predict-data-inf": CliCase(_predict("model", "inf"), ("infinity",), ("p.csv",)),
    "export-missing-model": CliCase(_export("nowhere.skops"), ("does not exist",), ("m.sql",)),
    "export-model-is-a-csv": CliCase(_export("iris"), ("not a readable crembo model",), ("m.sql",)),
    "export-out-folder-missing": CliCase(
        _export("model", out="nowhere/m.sql"), ("does not exist",), ("nowhere",)
    ),
    "export-out-is-a-folder": CliCase(_export("model", out="."), ("folder",)),
    "export-check-data-missing": CliCase(
        lambda f, t: [*_export("model")(f, t), "--check", f["missing"]],
        ("does not exist",),
        ("m.sql",),
    ),
    "export-check-data-not-csv": CliCase(
        lambda f, t: [*_export("model")(f, t), "--check", f["binary"]],
        ("not a readable CSV",),
        ("m.sql",),
    ),
    "demo-unknown-dataset": CliCase(lambda f, t: ["demo", "--dataset", "nope"], ("nope",)),
    "datasets-data-dir-not-a-folder": CliCase(
        lambda f, t: ["datasets", "--data-dir", t / "nowhere"], ("data_dir",)
    ),
    "tables-no-summaries": CliCase(
        lambda f, t: ["experiment", "tables", t / "nowhere"], ("no summary.json",)
    ),
    "tables-corrupt-summary": CliCase(
        lambda f, t: ["experiment", "tables", f["corrupt_runs"]], ("not a readable summary",)
    ),
    "dnn-cifar-without-folder": CliCase(
        lambda f, t: ["experiment", "dnn", "--dataset", "cifar10", "--out", t / "out"],
        ("cifar",),
        ("out",),
        needs=("torch",),  # without torch the command answers "needs torch" first
    ),
    "dnn-one-row": CliCase(
        lambda f, t: ["experiment", "dnn", "--max-rows", "1", "--out", t / "out"],
        ("n_samples=1",),
        ("out",),
        needs=("torch",),
    ),
}
for _name in ("generalization", "robustness", "breakdown"):
    CLI_CASES |= {
        f"{_name}-missing-file": CliCase(_exp(_name, "missing"), ("does not exist",), ("out",)),
        f"{_name}-not-csv": CliCase(_exp(_name, "binary"), ("not a readable CSV",), ("out",)),
        f"{_name}-empty-file": CliCase(_exp(_name, "empty"), ("not a readable CSV",), ("out",)),
        f"{_name}-header-only": CliCase(_exp(_name, "header"), ("0 data rows",), ("out",)),
        f"{_name}-one-row": CliCase(_exp(_name, "one"), ("one class",), ("out",)),
        f"{_name}-one-class": CliCase(_exp(_name, "oneclass"), ("one class",), ("out",)),
        f"{_name}-inf": CliCase(_exp(_name, "inf"), ("infinity",), ("out",)),
        f"{_name}-no-target-column": CliCase(
            _exp(_name, "iris", target="colour"), ("colour",), ("out",)
        ),
        f"{_name}-unknown-dataset": CliCase(
            _exp(_name, "nope"), ("unknown data set 'nope'",), ("out",)
        ),
        f"{_name}-one-fold": CliCase(
            _exp(_name, "iris", "--folds", "1"), ("--folds",), ("out",), 1
        ),
        f"{_name}-foreign-records": CliCase(
            _exp(_name, "iris", out="foreign_out"), ("left untouched",)
        ),
    }
CLI_CASES["breakdown-fraction-1"] = CliCase(
    _exp("breakdown", "iris", "--fractions", "0,1"), ("fractions",), ("out",)
)
CLI_CASES["breakdown-fraction-text"] = CliCase(
    _exp("breakdown", "iris", "--fractions", "a,b"), ("fractions",), ("out",)
)


# --------------------------------------------------------------------- fixtures


@pytest.fixture
def files(bad_input_files):
    return bad_input_files  # built once per session in conftest.py


# ------------------------------------------------------------------------ tests


def _snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", list(CLI_CASES.values()), ids=list(CLI_CASES))
def test_cli_commands(case, files, tmp_path, monkeypatch):
    for module in case.needs:
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)  # default output names land here, not in the project
    inputs = files["iris"].parent
    before = _snapshot(inputs)
    result = CliRunner().invoke(app, [str(a) for a in case.args(files, tmp_path)])
    assert result.exit_code != 0, result.output
    if case.exit_code is not None:
        assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # usage errors too: one "error:" line
    for word in case.words:
        assert word in lines[0], lines[0]
    for out in case.outputs:
        assert not (tmp_path / out).exists(), f"{out} left behind"
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".") and "tmp" in p.name]
    assert _snapshot(inputs) == before  # inputs (and foreign folders) left untouched


def test_cli_text_and_nan_columns_work_end_to_end(files, tmp_path):
    """Non-numeric columns are one-hot encoded and NaN left to the trees: compress, then
    predict the same file, agree with the model loaded in Python."""
    runner = CliRunner()
    for key in ("text", "nan"):
        model, pred = tmp_path / f"{key}.skops", tmp_path / f"{key}.csv"
        r = runner.invoke(app, ["compress", "--data", str(files[key]), "--target", TARGET,
                                "--out", str(model)])  # fmt: skip
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["predict", "--model", str(model), "--data", str(files[key]),
                                "--out", str(pred)])  # fmt: skip
        assert r.exit_code == 0, r.output
        data = ds.load_csv(files[key], TARGET)
        expected = crembo.load(model).predict(data.X)
        np.testing.assert_array_equal(pd.read_csv(pred)["prediction"].to_numpy(), expected)
        assert np.mean(expected == data.y) > 0.8

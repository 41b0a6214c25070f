"""Nothing lost: an experiment killed with SIGKILL and rerun ends as an uninterrupted run;
a damaged or foreign records file in ``--out`` is refused and left as it was."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from crembo.cli.experiment import experiment_app

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

#: (experiment, extra options); each is a few seconds of work on iris.
EXPERIMENTS = {
    "generalization": ["--folds", "5", "--repeats", "2", "--shuffle"],
    "robustness": ["--folds", "3", "--repeats", "2", "--shuffle"],
    "breakdown": ["--folds", "3", "--repeats", "1", "--fractions", "0,0.3"],
}
TIMING = {"seconds", "seconds_mean"}


def _command(experiment, out):
    return [
        sys.executable, "-m", "crembo.cli", "experiment", experiment, "--dataset", "iris",
        *EXPERIMENTS[experiment], "--seed", "3", "--out", str(out), "--no-progress",
    ]  # fmt: skip


def _records_path(experiment, out):
    # breakdown writes one sub-folder per data set
    return out / "iris" / "records.csv" if experiment == "breakdown" else out / "records.csv"


def _units_on_disk(path: Path) -> int:
    if not path.exists():
        return 0
    return len(pd.read_csv(path)[["repeat", "fold"]].drop_duplicates())


def _run(cmd):
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _without_timing(obj):
    if isinstance(obj, dict):
        return {k: _without_timing(v) for k, v in obj.items() if k not in TIMING}
    if isinstance(obj, list):
        return [_without_timing(v) for v in obj]
    return obj


def _summary(experiment, out):
    folder = out / "iris" if experiment == "breakdown" else out
    return _without_timing(json.loads((folder / "summary.json").read_text()))


@pytest.mark.parametrize(
    "experiment",
    [
        "generalization",
        pytest.param("robustness", marks=pytest.mark.slow),
        pytest.param("breakdown", marks=pytest.mark.slow),
    ],
)
def test_killed_run_resumes_to_the_same_summary(experiment, tmp_path):
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    _run(_command(experiment, reference))
    total = _units_on_disk(_records_path(experiment, reference))

    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        _command(experiment, killed), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    records = _records_path(experiment, killed)
    deadline = time.monotonic() + 300
    try:
        while _units_on_disk(records) < 1 and proc.poll() is None:
            assert time.monotonic() < deadline, "no unit recorded in time"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    proc.stderr.close()
    done_when_killed = _units_on_disk(records)
    assert 1 <= done_when_killed < total  # killed in the middle, after a whole unit
    assert not (records.parent / "summary.json").exists()  # written only at the end

    _run(_command(experiment, killed))  # the same command again

    assert _summary(experiment, killed) == _summary(experiment, reference)
    a = pd.read_csv(_records_path(experiment, reference)).drop(columns="seconds")
    b = pd.read_csv(records).drop(columns="seconds")
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------- damaged and foreign records


def _cli(*args):
    return CliRunner().invoke(experiment_app, [str(a) for a in args])


def _tiny(out, experiment="generalization"):
    extra = ["--fractions", "0,0.3"] if experiment == "breakdown" else ["--shuffle"]
    return (experiment, "--dataset", "iris", "--folds", "3", "--repeats", "1", *extra,
            "--out", out, "--no-progress")  # fmt: skip


def _truncate(text):
    return text[: len(text) - 25]  # the last row cut in the middle


def _empty_cell(text):
    lines = text.splitlines(keepends=True)
    col = lines[0].strip().split(",").index("accuracy")
    cells = lines[1].split(",")
    cells[col] = ""
    lines[1] = ",".join(cells)
    return "".join(lines)


def _other_dataset(text):
    return text.replace("iris,", "wine,")


def _binary(text):
    return "\x00\xff" * 50


@pytest.fixture(scope="session")
def two_units_run(tmp_path_factory):
    """``copy(experiment, out)``: a copy in ``out`` of the tiny run stopped after two units
    (``--max-units 2``), which runs once per session; each case damages its own copy."""
    done = {}

    def copy(experiment, out):
        if experiment not in done:
            first_out = tmp_path_factory.mktemp(f"{experiment}_two_units") / "out"
            first = _cli(*_tiny(first_out, experiment), "--max-units", "2")
            assert first.exit_code == 0, first.output
            done[experiment] = first_out
        shutil.copytree(done[experiment], out)
        return out

    return copy


@pytest.mark.parametrize("experiment", ["generalization", "breakdown"])
@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (_truncate, "truncated"),
        (_empty_cell, "damaged"),
        (_other_dataset, "another data set"),
        (_binary, "left untouched"),
    ],
)
def test_damaged_records_are_refused_and_left_untouched(
    experiment, damage, words, tmp_path, two_units_run
):
    out = two_units_run(experiment, tmp_path / "out")
    records = _records_path(experiment, out)
    damaged = damage(records.read_text())
    records.write_text(damaged)
    result = _cli(*_tiny(out, experiment))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert records.read_text() == damaged


@pytest.mark.parametrize("experiment", ["generalization", "robustness", "breakdown"])
def test_foreign_files_in_out_are_refused(experiment, tmp_path):
    out = tmp_path / "out"
    folder = out / "iris" if experiment == "breakdown" else out
    folder.mkdir(parents=True)
    (folder / "records.csv").write_text("name,score\nalice,3\n")
    result = _cli(*_tiny(out, experiment))
    assert result.exit_code == 1 and "left untouched" in result.stderr, result.output
    assert (folder / "records.csv").read_text() == "name,score\nalice,3\n"
    assert not (folder / "summary.json").exists()
    # a run.json that is not ours: refused too, nothing written next to it
    (folder / "records.csv").unlink()
    (folder / "run.json").write_text("{half a json")
    result = _cli(*_tiny(out, experiment))
    assert result.exit_code == 1 and "not readable JSON" in result.stderr, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["run.json"]


def test_other_settings_in_out_are_refused(tmp_path, two_units_run):
    out = two_units_run("breakdown", tmp_path / "out")
    records = (out / "iris" / "records.csv").read_bytes()
    result = _cli(*_tiny(out, "breakdown"), "--seed", "5")
    assert result.exit_code == 1 and "seed" in result.stderr, result.output
    assert (out / "iris" / "records.csv").read_bytes() == records

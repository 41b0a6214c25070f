"""``crembo experiment``: one group of the command, its dnn command built on first use."""

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from crembo.cli import app
from crembo.cli.experiment import experiment_app

HEAVY = ("sklearn", "torch", "rich", "pandas", "numpy", "matplotlib", "skops")


def _loaded_after(*args) -> list[str]:
    """The heavy modules a fresh interpreter holds after ``crembo <args>``."""
    probe = (
        "import sys\nfrom crembo.cli import app\n"
        f"try:\n    app({list(args)!r})\nexcept SystemExit:\n    pass\n"
        f"print('loaded:', *(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return out.stdout.splitlines()[-1].split()[1:]


@pytest.mark.parametrize("args", [["--help"], ["experiment", "--help"]])
def test_help_loads_no_heavy_package(args):
    assert _loaded_after(*args) == []


def test_the_listing_shows_every_experiment_command_in_order():
    result = CliRunner().invoke(app, ["experiment", "--help"])
    assert result.exit_code == 0, result.output
    listed = re.findall(r"^  (\w+) ", result.stdout.split("Commands:")[1], flags=re.M)
    assert listed == ["generalization", "robustness", "breakdown", "dnn", "tables"]


def test_the_dnn_stand_in_says_what_the_command_says():
    from crembo.cli.dnn import dnn_command
    from crembo.cli.experiment import _ExperimentGroup

    _, _, line, _ = _ExperimentGroup.LAZY["dnn"]
    assert dnn_command.__doc__.strip().splitlines()[0] == line


def test_dnn_choices_are_the_experiments_data_sets():
    from crembo.cli.dnn import ImageSet
    from crembo.experiments.dnn import DATASETS

    assert [s.value for s in ImageSet] == list(DATASETS)
    result = CliRunner().invoke(app, ["experiment", "dnn", "--help"])
    assert result.exit_code == 0, result.output
    assert f"<{'|'.join(DATASETS)}>" in result.stdout


def test_dnn_unknown_data_set_is_a_one_line_usage_error():
    result = CliRunner().invoke(app, ["experiment", "dnn", "--dataset", "mnist"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "'--dataset'" in lines[0] and "'mnist'" in lines[0]


def test_the_group_alone_takes_the_one_error_path():
    # tests and scripts invoke the group directly: usage errors are one line, code 1 there too
    result = CliRunner().invoke(experiment_app, ["generalization", "--folds", "many"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'--folds'" in lines[0], result.stderr
    result = CliRunner().invoke(experiment_app, ["tables", "/no/such/folder"])
    assert result.exit_code == 1 and result.stderr.startswith("error: runs: no summary.json")


def test_scheduler_without_dask_is_refused():
    result = CliRunner().invoke(
        app, ["experiment", "robustness", "--dataset", "iris", "--scheduler", "tcp://x:8786"]
    )
    assert result.exit_code == 1
    assert result.stderr == "error: --scheduler needs --backend dask.\n"

"""Helpers of the command-line tests: run ``crembo`` in-process, check a one-line refusal."""

from typer.testing import CliRunner

from crembo.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def refused(result, *words):
    """Exit code != 0, one line on stderr naming the problem, no traceback."""
    assert result.exit_code != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for w in words:
        assert w in lines[0], lines[0]


def compress_quick(data, target, out, *extra):
    result = run("compress", "--data", data, "--target", target, "--out", out, "--folds", "0",
                  "--max-depth", "3", *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    return result

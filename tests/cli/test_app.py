"""The ``crembo`` app: its help, usage errors and commands (typer's test runner)."""

import re

import pytest

from support.cli import refused, run


def test_root_help_lists_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("demo", "compress", "predict"):
        assert command in result.stdout


@pytest.mark.parametrize(
    "command, options",
    [
        ("demo", ["--dataset", "--seed", "--n-jobs", "--folds"]),
        (
            "compress",
            [
                "--data",
                "--target",
                "--teacher",
                "--max-depth",
                "--class-weight",
                "--seed",
                "--out",
                "--report",
                "--student-only",
                "--folds",
                "--drop",
                "--features",
                "--keep",
                "--sep",
                "--encoding",
                "--n-jobs",
            ],
        ),  # fmt: skip
        (
            "predict",
            ["--model", "--data", "--out", "--trust", "--proba", "--id", "--sep", "--encoding"],
        ),
    ],
)
def test_help_explains_every_option(command, options):
    result = run(command, "--help")
    assert result.exit_code == 0
    text = re.sub(r"\s+", " ", result.stdout)
    for option in options:
        assert option in text
    # every option line carries an explanation, not just its name
    assert text.count(" --") >= len(options)


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--class-weight", "heavy"], ["'--class-weight'", "'heavy'", "--help"]),
        (["--max-depth", "zero"], ["'--max-depth'"]),
        (["--no-such-option"], ["--no-such-option"]),
        (["--folds", "1"], ["--folds"]),
    ],
    ids=["unknown-choice", "not-a-number", "unknown-option", "one-fold"],
)
def test_usage_errors_are_one_line(wine_csv, tmp_path, extra, words):
    result = run("compress", "--data", wine_csv, "--target", "cultivar", *extra)
    refused(result, *words)
    assert result.exit_code == 1  # the README's code for bad input, usage errors included


def test_missing_option_is_one_line():
    refused(run("predict", "--data", "x.csv"), "'--model'")
    refused(run("no-such-command"), "no-such-command")


def test_no_arguments_print_the_help():
    result = run()
    assert "Usage" in result.output and "compress" in result.output


def test_experiment_and_datasets_are_registered():
    assert run("experiment", "--help").exit_code == 0
    result = run("datasets")
    assert result.exit_code == 0, result.output
    assert "breast_cancer" in result.stdout

"""The one error path of the ``crembo`` command (crembo.cli.errors)."""

import warnings

import pytest
import typer
from typer.testing import CliRunner

from crembo.cli.errors import (
    EXIT_BAD_INPUT,
    CommandError,
    new_app,
    recorded_warnings,
    rewarn,
)


def _toy_app():
    """A group and a nested group on the one error path, with commands that fail each way."""
    app = new_app(name="toy")
    inner = new_app(help="A nested group.")

    @app.command("refuse")
    def refuse(kind: str = "value", count: int = 1):
        if kind == "value":
            raise ValueError("--kind: 'value' is refused,\n   on two lines.")
        if kind == "type":
            raise TypeError("count must be an int")
        if kind == "os":
            raise FileNotFoundError("data file x.csv does not exist.")
        if kind == "command":
            raise CommandError("the toy needs torch")
        if kind == "bug":
            raise KeyError("a bug keeps its traceback")
        if kind == "warn":
            warnings.warn("look out\n  twice", UserWarning, stacklevel=1)
        typer.echo(f"ok {count}")

    @inner.command("deep")
    def deep(n: int = 1):
        raise ValueError(f"--n: {n} is refused.")

    @inner.command("other")
    def other():
        typer.echo("other")

    app.add_typer(inner, name="inner")
    return app


def _invoke(app, *args):
    return CliRunner().invoke(app, list(args))


def _one_error_line(result):
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    "kind, words",
    [
        ("value", "error: --kind: 'value' is refused, on two lines."),
        ("type", "error: count must be an int"),
        ("os", "error: data file x.csv does not exist."),
        ("command", "error: the toy needs torch"),
    ],
)
def test_bad_input_is_one_line_exit_1(kind, words):
    line = _one_error_line(_invoke(_toy_app(), "refuse", "--kind", kind))
    assert line == words


def test_a_bug_is_not_dressed_as_bad_input():
    result = _invoke(_toy_app(), "refuse", "--kind", "bug")
    assert isinstance(result.exception, KeyError)
    assert "error:" not in result.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["refuse", "--count", "many"], ["'--count'", "(see 'toy refuse --help')"]),
        (["refuse", "--no-such"], ["--no-such"]),
        (["nothing-here"], ["nothing-here", "(see 'toy --help')"]),
        (["inner", "deep", "--n", "x"], ["'--n'", "(see 'toy inner deep --help')"]),
        (["inner", "nowhere"], ["nowhere", "(see 'toy inner --help')"]),
    ],
    ids=["not-a-number", "unknown-option", "unknown-command", "nested-usage", "nested-command"],
)
def test_usage_errors_are_one_line_exit_1(args, words):
    line = _one_error_line(_invoke(_toy_app(), *args))
    for w in words:
        assert w in line, line


def test_nested_group_errors_take_the_same_path():
    assert _one_error_line(_invoke(_toy_app(), "inner", "deep", "--n", "3")) == (
        "error: --n: 3 is refused."
    )
    assert _invoke(_toy_app(), "inner", "other").stdout == "other\n"


def test_warnings_are_one_line_each():
    result = _invoke(_toy_app(), "refuse", "--kind", "warn")
    assert result.exit_code == 0, result.output
    assert result.stderr == "warning: look out twice\n"
    assert result.stdout == "ok 1\n"


def test_no_arguments_print_the_help():
    result = _invoke(_toy_app())
    assert "Usage" in result.output and "refuse" in result.output
    assert "error:" not in result.output


def test_recorded_warnings_keep_the_users_and_rewarn_once_each():
    with recorded_warnings() as shown:
        warnings.warn("first", UserWarning, stacklevel=1)
        warnings.warn("first", UserWarning, stacklevel=1)
        warnings.warn("library change", DeprecationWarning, stacklevel=1)
        assert shown == []  # filled on exit
    assert shown == ["first", "first"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rewarn([*shown, "second"])
    assert [str(w.message) for w in caught] == ["first", "second"]

"""The one error path of every ``crembo`` command.

Every group of the command (``crembo`` and ``crembo experiment``) is a :class:`OneErrorPath`,
which runs the parsing and the command inside :func:`one_error_path`:

- a usage error (an unknown choice or option, a missing option, a value of the wrong type) is
  one line ``error: <message> (see '<command> --help')``;
- a refusal of the input (``ValueError``, ``TypeError``, ``OSError``, :class:`CommandError`;
  the messages name the argument) is one line ``error: <message>``;
- both exit with :data:`EXIT_BAD_INPUT`; a warning is one ``warning: <message>`` line (those
  of parallel workers are recorded there and shown once each, :func:`recorded_warnings`); a
  closed output pipe (``| head``) ends the command quietly with exit code 0.

Click alone prints usage lines and exits with 2; the README promises one line and code 1 for
every bad input. Commands therefore raise and never print errors themselves.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import warnings

import typer
from typer.core import TyperGroup

#: Exit code of a command refused because of its input (and of a usage error).
EXIT_BAD_INPUT = 1


class CommandError(Exception):
    """A refusal a command states itself (a missing optional package, options that conflict)."""


#: What a command raises for bad input; anything else is a bug and keeps its traceback.
BAD_INPUT = (CommandError, ValueError, TypeError, OSError)


class OneErrorPath(TyperGroup):
    """A command group whose parsing (``make_context``) and running (``invoke``) take the one
    error path. Nested groups each wrap their own part; an error is answered where it arises."""

    def make_context(self, *args, **kwargs):
        with one_error_path():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with one_error_path():
            return super().invoke(ctx)


def new_app(**settings) -> typer.Typer:
    """A typer app (the command or one of its groups) on the one error path, plain help."""
    defaults = {
        "cls": OneErrorPath,
        "no_args_is_help": True,
        "add_completion": False,
        "pretty_exceptions_enable": False,
        "rich_markup_mode": None,
    }
    return typer.Typer(**(defaults | settings))


@contextlib.contextmanager
def one_error_path():
    """Answer usage errors and bad input with one line on stderr and exit code 1."""
    try:
        with _warnings_as_lines():
            yield
    except typer.TyperException as exc:  # the vendored click's usage errors
        if type(exc).__name__ == "NoArgsIsHelpError":
            raise  # `crembo` alone prints the help
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _refuse(exc.format_message(), hint)
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(0) from None
    except BAD_INPUT as exc:
        _refuse(str(exc) or type(exc).__name__)


def _refuse(message: str, hint: str = ""):
    typer.echo(f"error: {_line(message)}{hint}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT) from None


def _line(message) -> str:
    """One line: whitespace runs as one space, control characters (ESC sequences of a column
    or file name) shown as escapes instead of reaching the terminal."""
    from crembo._escape import visible

    return visible(" ".join(str(message).split()))


@contextlib.contextmanager
def _warnings_as_lines():
    def show(message, category, filename, lineno, file=None, line=None):
        typer.echo(f"warning: {_line(message)}", err=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


@contextlib.contextmanager
def recorded_warnings():
    """Record the warnings of a job that may run in a worker process (whose stderr is not the
    command's); the list, filled on exit, goes to :func:`rewarn` in the command's process.

    Only the user's warnings (``UserWarning`` and its kin) are kept, not the libraries'
    deprecations.
    """
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        yield messages
    messages += [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def rewarn(messages):
    """Show recorded warnings once each, in this process (as ``warning:`` lines)."""
    for message in dict.fromkeys(messages):
        warnings.warn(message, UserWarning, stacklevel=2)


def _silence_stdout():
    """Point stdout at /dev/null, so that flushing it at exit raises nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a real file (the test runner's): nothing will be flushed to a pipe

"""The ``crembo`` command: demo, compress, predict, export, experiment and datasets.

One typer app, :data:`app` (``crembo = "crembo.cli:main"``), one module per command, and one
error path (:mod:`crembo.cli.errors`): every bad input is answered with one line on stderr
and exit code 1, usage errors included. Files are written to a temporary name and renamed,
so nothing is left half-written. The command modules import typer and crembo's choices only;
models, data and rich load when a command runs, so ``crembo --help`` stays fast.
"""

from __future__ import annotations

from crembo.cli import compress, datasets, demo, experiment, export, predict
from crembo.cli.errors import EXIT_BAD_INPUT, new_app

__all__ = ["EXIT_BAD_INPUT", "app", "main"]

app = new_app(
    name="crembo", help="Robust model compression with deep hypotheses (MEMO and CREMBO)."
)
app.command("demo")(demo.demo)
app.command("compress")(compress.compress)
app.command("predict")(predict.predict)
app.command("export")(export.export)
app.add_typer(experiment.experiment_app, name="experiment")
app.command("datasets")(datasets.datasets_command)


def main():
    """Run the ``crembo`` command (the console script)."""
    app()

"""``crembo datasets``: the data sets that can be loaded on this machine, and from where."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crembo.cli import output


def datasets_command(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder to search first for the UCI files (then CREMBO_DATA, then "
            "../shared/datasets)."
        ),
    ] = None,
):
    """List the data sets that can be loaded on this machine, and from where."""
    from rich.table import Table

    from crembo._escape import terminal
    from crembo.datasets import available

    rows = available(data_dir)
    table = Table(title="data sets")
    for c in ("name", "available", "source"):
        table.add_column(c)
    for name, source, why in rows:
        table.add_row(terminal(name), "yes" if source else "no", terminal(source or why))
    output.console(soft_wrap=False).print(table)

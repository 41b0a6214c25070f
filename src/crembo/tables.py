"""Rows as tables: a rich table for the terminal, a markdown table for files; sizes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from rich.table import Table

from crembo._escape import markdown, terminal

__all__ = ["format_size", "markdown_table", "rich_table"]


def rich_table(rows: Sequence[Mapping], title: str | None = None, *, digits: int = 3) -> Table:
    """A rich table with one column per key of the first row; floats rounded; keys and
    cells shown as written (markup escaped, control characters visible)."""
    table = Table(title=title, title_justify="left")
    if not rows:
        return table
    for i, key in enumerate(rows[0]):
        table.add_column(terminal(key), justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(terminal(_fmt(v, digits)) for v in row.values()))
    return table


def markdown_table(rows: Sequence[Mapping], *, digits: int = 3) -> str:
    """The same rows as a GitHub markdown table, keys and cells escaped as literal text (a
    name can neither break the table nor become markup, HTML or a link)."""
    if not rows:
        return ""
    keys = list(rows[0])
    lines = ["| " + " | ".join(markdown(k) for k in keys) + " |", "|" + " --- |" * len(keys)]
    lines += ["| " + " | ".join(markdown(_fmt(r[k], digits)) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def _fmt(value, digits) -> str:
    if isinstance(value, (float, np.floating)):
        return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"
    return str(value)


def format_size(n_bytes: int) -> str:
    """``4.2 KB``, ``2.6 MB``."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{n_bytes} bytes"

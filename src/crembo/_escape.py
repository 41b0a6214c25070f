"""Names from data files, escaped for the medium they are shown in: one helper per medium.

Column names, class labels, data paths and cell values come from the user's files and are
shown in four media, each with its own syntax an unescaped name can break or abuse:

- the terminal (:func:`visible` for plain lines, :func:`terminal` for rich output): control
  characters (an ESC sequence can move the cursor, retitle the window or hide text) are shown
  as ``\\x1b``-style escapes, and rich markup (``[bold]``, ``[/x]``) is escaped so that
  ``petal width [cm]`` prints as written instead of vanishing or raising ``MarkupError``;
- markdown (:func:`markdown`, :func:`markdown_code`): backticks, pipes, brackets, HTML and
  line breaks are escaped, so a name can neither break a table, open a code span, inject
  ``<script>`` nor make a link (``[x](javascript:...)``);
- CSV (:func:`csv_cell`, :func:`csv_safe`): a text cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is prefixed with ``'`` (OWASP's advice against formula
  injection into spreadsheets); cells that are plain numbers (``-1.5``) are left alone;
- plots (:func:`plot_text`): matplotlib reads ``$...$`` as math: ``$`` is escaped.
"""

from __future__ import annotations

import re

__all__ = ["csv_cell", "csv_safe", "markdown", "markdown_code", "plot_text", "terminal", "visible"]

# C0 controls but newline, DEL, C1 controls, and the bidirectional overrides that reorder
# what a terminal or a browser shows (the "trojan source" characters)
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_AND_NEWLINE = re.compile(_CONTROL.pattern[:-1] + "\n]")


def _escape_char(match: re.Match) -> str:
    c = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c) or (
        f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
    )


def visible(text, *, newlines: bool = False) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``, ``\\n``, ``\\u202e``).

    Line breaks are escaped too unless ``newlines`` (text whose lines are its own structure).
    """
    pattern = _CONTROL if newlines else _CONTROL_AND_NEWLINE
    return pattern.sub(_escape_char, str(text))


def terminal(text) -> str:
    """``text`` for a rich console: control characters visible, markup escaped.

    Meant for a whole cell or a piece followed by plain text: rich's ``escape`` doubles a
    trailing backslash (in case a tag follows), which would then print twice; not here.
    """
    from rich.markup import escape

    text = visible(text)
    escaped = escape(text)
    if text.endswith("\\") and escaped.endswith("\\\\") and not text.endswith("\\\\"):
        escaped = escaped[:-1]
    return escaped


# markdown: the punctuation that starts inline syntax anywhere in a line (code spans,
# emphasis, links and images, table cells, strikethrough); "<", ">" and "&" become entities
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def markdown(text) -> str:
    """``text`` as literal inline markdown (a paragraph or a table cell)."""
    text = visible(text)
    text = "".join(_HTML.get(c, c) for c in text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_code(text, language: str = "text") -> str:
    """``text`` as a fenced code block: a fence longer than any run of backticks inside, so
    the block cannot be closed early; control characters visible, line breaks kept."""
    text = visible(text, newlines=True)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value):
    """A text cell a spreadsheet would run as a formula, prefixed with ``'``; else as is."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_safe(frame):
    """A copy of a DataFrame with :func:`csv_cell` applied to its column names and text cells."""
    out = frame.copy()
    out.columns = [csv_cell(str(c)) for c in out.columns]
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype) in ("string", "str"):
            out[c] = out[c].map(csv_cell)
    return out


def plot_text(text) -> str:
    """``text`` for a matplotlib label: ``$`` escaped (no math), control characters visible."""
    return visible(text).replace("$", r"\$")

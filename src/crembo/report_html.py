"""``report.html``: the report folder's ``report.md`` as one self-contained web page.

:func:`markdown_to_html` renders the markdown crembo's reports are written in (headings,
paragraphs, GitHub tables, ``![alt](file)`` figures, fenced code, ``-`` lists, ``**bold**``
and ``code`` spans) and nothing more: every piece of text is HTML-escaped before any markup
is added, so a column or class name shows as written and never becomes markup. Figures are
embedded as base64 ``data:`` URIs, read only from the report's own folder (a plain file
name, PNG or SVG); the page loads nothing from anywhere, which its Content-Security-Policy
also tells the browser. Rendering report.md (rather than the report's data) means every
section the report gains shows in the page too.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from crembo._io import atomic_write_text

HTML_REPORT = "report.html"

#: A markdown backslash escape of an ASCII punctuation character, and its stand-in.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_HELD = re.compile("[\U000f0021-\U000f007e]")
#: Figures a page may embed, by suffix.
_IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^()\s]+)\)")
#: Nothing from the network or anywhere else: inline styles and data: images only.
_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
#: A cell of a numeric column: 0.612, 1e-05, 0.612 ± 0.041, 8 / 3, 5/5, 12 %, n/a.
_NUMBER = re.compile(r"[-+]?[\d.,]+(e[-+]?\d+)?(\s*(±|/)\s*[-+]?[\d.,]+)?(\s*%)?|n/a|nan|")
_STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2328; max-width: 1100px; margin: 2em auto; padding: 0 1.5em; }
h1 { font-size: 1.7em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #eaeef2; }
table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: .3em .7em; text-align: left;
         white-space: pre-wrap; vertical-align: top; }
th { background: #f6f8fa; }
tr:nth-child(even) td { background: #fafbfc; }
td.num, th.num { text-align: right; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { color: #57606a; font-size: .9em; }
pre { background: #f6f8fa; padding: 1em; overflow-x: auto; font-size: .85em;
      line-height: 1.4; border-radius: 6px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.missing { color: #cf222e; }
"""


def write_html(markdown: str, folder) -> Path:
    """Write ``report.html`` into ``folder``: the report's markdown with its figures inline.

    Parameters
    ----------
    markdown : str
        The text of ``report.md``.
    folder : str or Path
        The report folder (its figures are read from there).

    Returns
    -------
    path : Path
    """
    path = Path(folder) / HTML_REPORT
    atomic_write_text(path, markdown_to_html(markdown, folder))
    return path


def markdown_to_html(markdown: str, folder=None) -> str:
    """A self-contained HTML page of crembo's report markdown.

    Parameters
    ----------
    markdown : str
    folder : str or Path, optional
        Where the figures the markdown names are; without it figures show as their names.

    Examples
    --------
    >>> page = markdown_to_html("# Report\\n\\n| name | n |\\n| --- | --- |\\n| <b> | 3 |")
    >>> "<td>&lt;b&gt;</td>" in page
    True
    """
    lines = markdown.splitlines()
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), "crembo report")
    body = "\n".join(_blocks(lines, None if folder is None else Path(folder)))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def _blocks(lines: list[str], folder: Path | None):
    """The HTML of each block of the markdown, in order."""
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            # the fence may be longer than three (names holding backticks): the same closes it
            fence = line[: len(line) - len(line.lstrip("`"))]
            end = next((j for j in range(i + 1, n) if lines[j].rstrip() == fence), n)
            code = html.escape("\n".join(lines[i + 1 : end]))
            yield f"<pre><code>{code}</code></pre>"
            i = end + 1
        elif re.match(r"#{1,6} ", line):
            level = len(line) - len(line.lstrip("#"))
            yield f"<h{level}>{_inline(line[level:].strip())}</h{level}>"
            i += 1
        elif line.startswith("|"):
            rows, i = _table_rows(lines, i)
            yield _table(rows)
        elif _IMAGE.fullmatch(line.strip()):
            yield _figure(*_IMAGE.fullmatch(line.strip()).groups(), folder)
            i += 1
        elif line.startswith("- "):
            items = []
            while i < n and lines[i].startswith("- "):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            yield "<ul>\n" + "\n".join(items) + "\n</ul>"
        else:
            text = []
            while i < n and lines[i].strip() and not _starts_block(lines[i]):
                text.append(lines[i])
                i += 1
            yield f"<p>{_inline(' '.join(text))}</p>"


def _starts_block(line: str) -> bool:
    return (
        line.startswith(("```", "|", "- "))
        or re.match(r"#{1,6} ", line) is not None
        or _IMAGE.fullmatch(line.strip()) is not None
    )


def _table_rows(lines: list[str], i: int) -> tuple[list[list[str]], int]:
    """The rows of the table starting at line ``i``, and the line after it.

    A row ends with ``|``: a line that does not continues the row (a name with a line
    break in it), joined with a space.
    """
    rows = []
    while i < len(lines) and lines[i].startswith("|"):
        row = lines[i].rstrip()
        i += 1
        while not _row_closed(row) and i < len(lines) and lines[i].strip():
            row += " " + lines[i].rstrip()
            i += 1
        rows.append(_cells(row))
    return rows, i


def _row_closed(row: str) -> bool:
    """Whether a table row ends with an unescaped ``|`` (a row continued on the next line
    does not)."""
    return row.endswith("|") and len(_split_cells(row)) > 1 and _split_cells(row)[-1] == ""


def _split_cells(row: str) -> list[str]:
    """``row`` split at each ``|`` that is not backslash-escaped (escapes kept)."""
    cells, cell, i = [], [], 0
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row):
            cell.append(row[i : i + 2])
            i += 2
            continue
        if row[i] == "|":
            cells.append("".join(cell))
            cell = []
        else:
            cell.append(row[i])
        i += 1
    return [*cells, "".join(cell)]


def _cells(row: str) -> list[str]:
    """Cells of a table row (between its outer ``|``), escapes left to :func:`_inline`."""
    parts = _split_cells(row.strip())
    return [c.strip() for c in parts[1:-1]] if len(parts) > 2 else [c.strip() for c in parts]


def _table(rows: list[list[str]]) -> str:
    header, body = rows[0], rows[1:]
    if body and all(re.fullmatch(r":?-{3,}:?", c) for c in body[0]):
        body = body[1:]
    # a column of numbers only (the first column names the rows) is right-aligned
    numeric = [
        k > 0 and all(_NUMBER.fullmatch(r[k]) for r in body if k < len(r))
        for k in range(len(header))
    ]
    head = "".join(f"<th{_num(numeric, k)}>{_inline(c)}</th>" for k, c in enumerate(header))
    out = [f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>"]
    for row in body:
        cells = "".join(f"<td{_num(numeric, k)}>{_inline(c)}</td>" for k, c in enumerate(row))
        out.append(f"<tr>{cells}</tr>")
    return "\n".join(out) + "\n</tbody>\n</table>"


def _num(numeric: list[bool], k: int) -> str:
    return ' class="num"' if k < len(numeric) and numeric[k] else ""


def _figure(alt: str, name: str, folder: Path | None) -> str:
    caption = f"<figcaption>{html.escape(alt)}</figcaption>"
    mime = _IMAGE_TYPES.get(Path(name).suffix.lower())
    # only a plain file name in the report folder: no paths, no URLs
    plain = name == Path(name).name and not name.startswith(".")
    source = folder / name if folder is not None and plain and mime else None
    if source is None or not source.is_file():
        return f'<p class="missing">[figure {html.escape(name)} is not in the report folder]</p>'
    data = base64.b64encode(source.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:{mime};base64,{data}" alt="{html.escape(alt)}">{caption}</figure>'
    )


#: Inline markdown, in the order CommonMark reads it: a backslash-escaped punctuation
#: character, a code span, bold, an entity (what crembo._escape.markdown writes for & < >).
_INLINE = re.compile(
    r"\\(?P<escaped>[!-/:-@\[-`{-~])"
    r"|(?P<ticks>`+)(?P<code>.+?)(?P=ticks)"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|(?P<entity>&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);)"
)


def _inline(text: str) -> str:
    """Markdown text as HTML: every character escaped, ``code`` and **bold** spans marked."""
    out, at = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[at : m.start()]))
        if m["escaped"] is not None:
            out.append(html.escape(m["escaped"]))
        elif m["code"] is not None:
            out.append(f"<code>{html.escape(m['code'].strip())}</code>")
        elif m["bold"] is not None:
            out.append(f"<strong>{_inline(m['bold'])}</strong>")
        else:
            out.append(html.escape(html.unescape(m["entity"])))
        at = m.end()
    out.append(html.escape(text[at:]))
    return "".join(out)

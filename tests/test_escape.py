"""crembo._escape: names from data files shown literally in each medium (issue 24, 8-10)."""

import pandas as pd
import pytest
from rich.console import Console

from crembo._escape import csv_cell, csv_safe, markdown, markdown_code, plot_text, terminal, visible


@pytest.mark.parametrize(
    "name", ["petal width [cm]", "d[/x]", "[bold]x[/bold]", "[/b].csv", "back\\", "a\\[b]"]
)
def test_terminal_prints_markup_as_written(name):
    console = Console(width=200, record=True, highlight=False, color_system=None)
    console.print(terminal(name))
    assert console.export_text().rstrip("\n") == name


def test_control_characters_are_made_visible():
    assert visible("a\x1b[31mred\x07") == "a\\x1b[31mred\\x07"
    assert visible("two\nlines") == "two\\nlines"
    assert visible("two\nlines", newlines=True) == "two\nlines"
    assert visible("bidi\u202eevil") == "bidi\\u202eevil"
    assert visible("é ünïcode 名前") == "é ünïcode 名前"  # printable text is untouched
    console = Console(width=200, record=True, highlight=False, color_system=None)
    console.print(terminal("\x1b]0;title\x07"))
    assert "\x1b" not in console.export_text()


@pytest.mark.parametrize(
    "name",
    [
        "x\n```\n<script>alert(1)</script>",
        "a|b",
        "[x](javascript:alert(1))",
        "![img](http://x/y.png)",
        "<javascript:alert(1)>",
        "**bold** _em_ ~~s~~ `code`",
        "a & b &lt;",
    ],
)
def test_markdown_is_literal(name):
    text = markdown(name)
    assert "\n" not in text and "<" not in text and ">" not in text
    assert "](" not in text.replace("\\]", "")  # no link or image syntax left
    for special in "|`*_~[]":
        # every special character is escaped by a backslash
        assert all(text[i - 1] == "\\" for i, c in enumerate(text) if c == special), text
    from crembo.report_html import _inline

    shown = _inline(text)  # report.html shows the name as written, HTML-escaped
    assert "<script" not in shown and "<a" not in shown and "<strong>" not in shown


def test_markdown_code_block_cannot_be_closed_early():
    block = markdown_code("rule on `x````\nend\x1b")
    fence = block.splitlines()[0].removesuffix("text")
    assert len(fence) == 5 and block.endswith("\n" + fence)
    assert sum(line.startswith(fence) for line in block.splitlines()) == 2
    assert "\\x1b" in block


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1+2", "'=1+2"),
        ("+cmd", "'+cmd"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\r=x", "'\r=x"),
        ("-1.5", "-1.5"),
        ("+3e5", "+3e5"),
        ("setosa", "setosa"),
        (-1, -1),
    ],
)
def test_csv_cells_that_would_be_formulas_are_neutralised(cell, expected):
    assert csv_cell(cell) == expected


def test_csv_safe_frame():
    frame = pd.DataFrame({"=id": ["@a", "b"], "x": [-1.0, 2.0]})
    safe = csv_safe(frame)
    assert list(safe.columns) == ["'=id", "x"]
    assert safe["'=id"].tolist() == ["'@a", "b"]
    assert safe["x"].tolist() == [-1.0, 2.0]
    assert list(frame.columns) == ["=id", "x"]  # a copy


def test_plot_text_escapes_math():
    assert plot_text("$x^2$ cost") == "\\$x^2\\$ cost"

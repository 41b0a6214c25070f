"""report.html: report.md as one self-contained page, names escaped, figures inline; checked in
headless Chromium where one is installed."""

import base64
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

import pytest

from crembo.report_html import markdown_to_html, write_html

PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
REPORT = f"""# Report on {HOSTILE}

| item | value |
| --- | --- |
| name | {HOSTILE} |
| a \\| b | 0.5 |
| broken
name | 3 |

Some **bold** and `code <b>` text {HOSTILE}.

![the sweep](sweep.png)

![escape](../secret.png)

![remote](http://example.com/x.png)

- first {HOSTILE}
- second

```text
if {HOSTILE} <= 3:
    predict a
```
"""


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs


def _parse(page):
    tags = _Tags()
    tags.feed(page)
    return tags


@pytest.fixture
def page(tmp_path):
    (tmp_path / "sweep.png").write_bytes(PNG_1x1)
    (tmp_path.parent / "secret.png").write_bytes(PNG_1x1)
    return write_html(REPORT, tmp_path).read_text(encoding="utf-8")


def test_names_are_escaped_never_markup(page):
    tags = _parse(page)
    assert "script" not in tags.tags
    assert not [a for a in tags.attrs if a[0].startswith("on")]  # no event handlers
    assert (
        page.count(
            HOSTILE.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
        )
        == 6
    )  # title, heading, cell, paragraph, list, code; fmt: skip


def test_tables_lists_code_and_inline_spans(page):
    tags = _parse(page)
    assert tags.tags.count("table") == 1 and tags.tags.count("li") == 2
    assert tags.tags.count("tr") == 4  # the header and three rows (one continued)
    assert "<td>a | b</td>" in page and "<td>broken name</td>" in page
    assert "<td>0.5</td>" in page  # a column of text and numbers: left-aligned
    assert "<strong>bold</strong>" in page and "<code>code &lt;b&gt;</code>" in page
    assert "<pre><code>if " in page


def test_figures_are_inline_and_only_from_the_folder(page):
    sources = [v for k, v in _parse(page).attrs if k == "src"]
    assert sources == ["data:image/png;base64," + base64.b64encode(PNG_1x1).decode()]
    assert "../secret.png is not in the report folder" in page
    assert "http://example.com/x.png is not in the report folder" in page
    # nothing to fetch: no link, script or stylesheet element, a policy forbidding it all
    assert not {"link", "script", "iframe", "object"} & set(_parse(page).tags)
    assert "default-src 'none'" in page


def test_numeric_columns_are_right_aligned():
    page = markdown_to_html("| method | accuracy |\n| --- | --- |\n| a | 0.5 ± 0.1 |\n| b | n/a |")
    assert '<td class="num">0.5 ± 0.1</td>' in page and '<td class="num">n/a</td>' in page
    assert "<td>a</td>" in page


def test_title_is_the_first_heading():
    assert "<title>Results &lt;1&gt;</title>" in markdown_to_html("# Results <1>\n\ntext")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")
def test_chromium_renders_the_page(page, tmp_path):
    """The browser parses the page into the same elements and draws it (not blank)."""
    flags = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}",
    ]  # fmt: skip
    url = (tmp_path / "report.html").as_uri()
    dom = subprocess.run(
        [*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert len(re.findall(r"<tr>", dom)) == 4 and "<script" not in dom
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*flags, "--window-size=900,1400", f"--screenshot={shot}", url],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    pixels = Image.open(shot).convert("L")
    assert pixels.size == (900, 1400)
    assert pixels.getextrema()[0] < 100  # dark text was drawn on the white page


def test_markdown_escaped_names_show_as_written():
    from crembo._escape import markdown

    names = [HOSTILE, "a|b", "x\\", "*bold* _i_ [l](u) `c` ~s~ &amp; \\|", "café ☕"]
    rows = "\n".join(f"| {markdown(n)} | 1 |" for n in names)
    page = markdown_to_html(f"| name | n |\n| --- | --- |\n{rows}\n\n{markdown(names[3])}")

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.cells, self.inside = [], None

        def handle_starttag(self, tag, attrs):
            if tag in ("td", "p"):
                self.inside = ""

        def handle_data(self, data):
            if self.inside is not None:
                self.inside += data

        def handle_endtag(self, tag):
            if tag in ("td", "p") and self.inside is not None:
                self.cells.append(self.inside)
                self.inside = None

    parsed = Cells()
    parsed.feed(page)
    assert parsed.cells[0::2][: len(names)] == names  # the name cells, as written
    assert parsed.cells[-1] == names[3]

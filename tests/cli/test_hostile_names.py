"""Hostile column names, class labels and data paths (issue 24, holes 8-10): compress and
predict print them as written, keep report.md's tables, code and links intact, and write no
spreadsheet formula into a predictions CSV."""

import re

import numpy as np
import pandas as pd
import pytest

from support.cli import run

ESC = "\x1b[31m"
NAMES = {
    "bracket": "d[/x]",
    "unit": "petal width [cm]",
    "escape": f"red{ESC}x",
    "fence": "a\n```\n<script>alert(1)</script>",
    "link": "[x](javascript:alert(1))",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 60
    X = rng.normal(size=(n, len(NAMES)))
    labels = np.array(["=cmd|' /C calc'!A0", "a|b", f"esc{ESC}"])
    y = labels[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)]
    frame = pd.DataFrame(X, columns=list(NAMES.values()))
    frame["id"] = [f"@SUM(A{i})" for i in range(n)]
    frame["label"] = y
    folder = tmp_path_factory.mktemp("names")
    (folder / "[").mkdir()
    data = folder / "[" / "b].csv"  # printed as ".../[/b].csv": a closing tag to rich
    frame.to_csv(data, index=False)
    out = folder / "m.skops"
    result = run(
        "compress", "--data", data, "--target", "label", "--out", out, "--report",
        folder / "report", "--folds", "2", "--n-jobs", "1", "--drop", "id",
        "--max-depth", "3",
    )  # fmt: skip
    return folder, data, out, result


def test_hole8_terminal_shows_names_as_written(hostile):
    folder, data, out, result = hostile
    assert result.exit_code == 0, result.output
    assert out.is_file()
    text = result.stdout
    assert "\x1b" not in result.output  # no raw ESC reaches the terminal
    assert str(data) in text  # the data path "[/b].csv" is not eaten as a closing tag
    assert "\\x1b[31m" in text  # made visible instead
    # the rules name the split columns as written, brackets and all
    rules = text.split("The student's rules")[1]
    used = [name for name in NAMES.values() if "\n" not in name and "\x1b" not in name]
    assert any(name in rules for name in used), rules


def test_hole9_report_markdown_is_intact(hostile):
    folder, *_ = hostile
    report = (folder / "report" / "report.md").read_text()
    assert "<script" not in report
    assert "](javascript:" not in report
    assert "\x1b" not in report
    for line in report.splitlines():
        if line.startswith("|"):  # every table row keeps its column count
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            assert len(cells) == 2 or len(cells) >= 3, line
    fences = [ln for ln in report.splitlines() if ln.startswith("```")]
    assert len(fences) == 2 and fences[0].startswith(fences[1]), fences  # one code block
    page = (folder / "report" / "report.html").read_text()
    assert "<script" not in page and "javascript:" not in page.split("<body>")[1].replace(
        "[x](javascript:alert(1))", ""
    )
    assert "<a " not in page


def test_hole10_predictions_csv_has_no_formulas(hostile, tmp_path):
    folder, data, out, _ = hostile
    dest = tmp_path / "p.csv"
    result = run("predict", "--model", out, "--data", data, "--out", dest, "--id", "id", "--proba")
    assert result.exit_code == 0, result.output
    written = pd.read_csv(dest, dtype=str, keep_default_na=False)
    cells = [*written.columns, *written.to_numpy().ravel()]
    starts = [c for c in cells if c[:1] in ("=", "+", "@") or re.match(r"-[^\d.]", c)]
    assert not starts, starts[:5]
    assert written["id"].str.startswith("'@SUM(").all()
    assert {"'=cmd|' /C calc'!A0", "a|b"} & set(written["prediction"])
    assert "proba_=cmd|' /C calc'!A0" in written.columns  # not at a cell's start: as is


@pytest.mark.parametrize(
    "extra, words",
    [
        (("--target", "cls"), "holds 600 classes in 600 rows"),
        (("--target", "label", "--keep", "name", "--drop", "cls"), "holds 599 different texts"),
        (("--target", "label", "--sep", "(a+)+$"), "sep: expected one character"),
        (("--target", "label", "--encoding", "rot13"), "unknown text encoding 'rot13'"),
    ],
    ids=["hole12-classes", "hole11-width", "regex-sep", "rot13"],
)
def test_bad_csv_inputs_are_one_line(tmp_path, extra, words):
    from support.cli import refused

    n = 600
    names = [f"person {i}" for i in range(n)]
    names[3] = ""  # one blank cell: near-unique, still an identifier
    frame = pd.DataFrame(
        {"x": np.arange(n) % 5, "name": names, "cls": np.arange(n), "label": np.arange(n) % 2}
    )
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "m.skops"
    result = run("compress", "--data", data, "--out", out, "--folds", "0", *extra)
    refused(result, words)
    assert not out.exists()


def test_datasets_table_shows_a_bracketed_folder(tmp_path):
    folder = tmp_path / "[" / "x]"  # shown as ".../[/x]": a closing tag to rich
    folder.mkdir(parents=True)
    (folder / "heart_cleveland.csv").write_text("a,num\n1,0\n")
    result = run("datasets", "--data-dir", folder)  # rich raised MarkupError here
    assert result.exit_code == 0, result.output
    heart = next(line for line in result.stdout.splitlines() if "heart" in line)
    assert "yes" in heart

"""``crembo export``: every format from both model files, --check, --proba, refusals."""

import json

import pytest

import crembo
from crembo.exporters.check import disagreements, python_predictions, sql_predictions
from support.cli import refused, run

FORMATS = ["sql", "python", "json", "dot", "onnx"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_writes_the_same_file_from_both_model_files(shipped, tmp_path, fmt):
    if fmt == "onnx":
        pytest.importorskip("skl2onnx")
    written = []
    for file in (shipped.full, shipped.student):
        out = tmp_path / f"{file.stem}.{fmt}"
        result = run("export", "--model", file, "--format", fmt, "--out", out)
        assert result.exit_code == 0, result.output
        assert f"wrote {out}" in result.stdout
        written.append(out.read_bytes())
    assert written[0] == written[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"full.{fmt}", f"student.{fmt}"]


@pytest.mark.parametrize("fmt", ["sql", "python", "json", "onnx"])
def test_check_runs_the_export_on_the_data(shipped, tmp_path, fmt):
    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
    out = tmp_path / f"m.{fmt}"
    args = ("export", "--model", shipped.full, "--format", fmt, "--out", out)
    result = run(*args, "--check", shipped.csv)
    assert result.exit_code == 0, result.output
    assert "every prediction equal" in result.stdout and "500 rows" in result.stdout


def test_sql_file_runs_in_sqlite(shipped, tmp_path):
    out = tmp_path / "m.sql"
    assert run("export", "--model", shipped.full, "--format", "sql", "--out", out).exit_code == 0
    got = sql_predictions(out.read_text(), shipped.frames["noisy"])
    assert disagreements(shipped.predictions("noisy"), got) == 0


def test_sql_proba_is_a_select_list(shipped, tmp_path):
    out = tmp_path / "p.sql"
    result = run("export", "--model", shipped.full, "--format", "sql", "--proba", "--out", out)
    assert result.exit_code == 0, result.output
    rows = sql_predictions(out.read_text().rstrip(), shipped.frames["train"])
    assert {len(r) for r in rows} == {1 + len(shipped.meta["classes"])}


def test_python_file_runs(shipped, tmp_path):
    out = tmp_path / "m.py"
    assert (
        run("export", "--model", shipped.student, "--format", "python", "--out", out).exit_code == 0
    )
    got = python_predictions(out.read_text(), shipped.frames["train"])
    assert disagreements(shipped.predictions("train"), got) == 0


def test_json_file_parses(shipped, tmp_path):
    out = tmp_path / "m.json"
    assert run("export", "--model", shipped.full, "--format", "json", "--out", out).exit_code == 0
    assert json.loads(out.read_text())["format"] == "crembo-tree"


def test_predict_keeps_working_on_both_files(shipped, tmp_path):
    for file in (shipped.full, shipped.student):
        out = tmp_path / f"{file.stem}.csv"
        result = run("predict", "--model", file, "--data", shipped.csv, "--out", out)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--format", "json", "--proba"], ("--proba", "sql")),
        (["--format", "dot", "--check", "{csv}"], ("--check", "dot")),
        (["--format", "pdf"], ("--format",)),
    ],
    ids=["proba-not-sql", "check-a-picture", "unknown-format"],
)
def test_bad_arguments_are_refused(shipped, tmp_path, extra, words):
    extra = [str(shipped.csv) if e == "{csv}" else e for e in extra]
    result = run("export", "--model", shipped.full, "--out", tmp_path / "m.out", *extra)
    refused(result, *words)
    assert list(tmp_path.iterdir()) == []


def test_non_tree_model_is_refused(iris, tmp_path):
    from sklearn.ensemble import RandomForestClassifier

    crembo.save(
        RandomForestClassifier(n_estimators=2, random_state=0).fit(*iris), tmp_path / "f.skops"
    )
    result = run(
        "export", "--model", tmp_path / "f.skops", "--format", "sql", "--out", tmp_path / "f.sql"
    )
    refused(result, "only a tree student", "RandomForestClassifier", "--model")
    assert not (tmp_path / "f.sql").exists()


def test_check_without_the_columns_is_refused(iris, tmp_path):
    import pandas as pd
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    crembo.save(DecisionTreeClassifier(max_depth=2).fit(X, y), tmp_path / "t.skops")
    pd.DataFrame(X, columns=list("abcd")).to_csv(tmp_path / "x.csv", index=False)
    out = tmp_path / "t.sql"
    result = run("export", "--model", tmp_path / "t.skops", "--format", "sql", "--out", out,
                 "--check", tmp_path / "x.csv")  # fmt: skip
    refused(result, "--check", "lacks the column(s)", "'x0'")
    assert not out.exists()


def test_svg_without_graphviz_is_one_line(shipped, tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = tmp_path / "t.svg"
    result = run("export", "--model", shipped.full, "--format", "svg", "--out", out)
    refused(result, "Graphviz's dot", "format dot")
    assert not out.exists()

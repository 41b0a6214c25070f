"""``crembo compress``: the model, the report and CSV hygiene (typer's test runner)."""

import re

import numpy as np
import pandas as pd
import pytest

from crembo.persist import read_metadata
from support.cli import compress_quick, refused, run


def _figures(text, method):
    """The mean accuracy printed for ``method`` in compress's table."""
    line = next(ln for ln in text.splitlines() if method in ln)
    return float(re.search(r"(\d\.\d{3}) ± ", line).group(1))


def test_compress_writes_model_and_report(compressed, wine_csv):
    out, result = compressed
    assert "chosen θ" in result.stdout
    text = result.stdout
    for method in ("CREMBO student (depth 4)", "teacher (rf)", "plain tree (depth 4)"):
        assert 0.7 < _figures(text, method) <= 1.0, text
    labels = pd.read_csv(wine_csv)["cultivar"]
    # the majority class's accuracy is its share, up to the folds' rounding
    assert abs(_figures(text, "majority class") - labels.value_counts(normalize=True).max()) < 0.02
    assert re.search(
        r"agreement of the student with the teacher on the held-out rows: 0\.\d+", text
    )
    assert re.search(r"the 5 fold students .* predict alike on (0\.\d+|1\.000) of all rows", text)
    assert re.search(r"\d/5 +│ +\d/5", text)  # a split's recurrence among the 5 students
    assert "if " in text and "predict " in text  # the rules
    assert re.search(r"\d+\.\d MB with the teacher; --student-only writes \d+\.\d KB", text)
    report = (out / "report" / "report.md").read_text()
    for part in (
        "## Cross-validated accuracy",
        "plain tree (depth 4)",
        "majority class",
        "## Stability",
    ):
        assert part in report
    assert re.search(r"where the search measured it \(\d+ of \d+;", report)
    assert sorted(p.name for p in out.iterdir()) == ["m.skops", "report"]
    names = sorted(p.name for p in (out / "report").iterdir())
    assert names == [
        "depth_profile.png",
        "report.html",
        "report.md",
        "student_tree.png",
        "threshold_sweep.png",
    ]
    page = (out / "report" / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3 and "## Stability" not in page
    assert "<h2>Stability</h2>" in page and "plain tree (depth 4)" in page
    meta = read_metadata(out / "m.skops")
    assert meta["target"] == "cultivar"
    assert "alcohol" in meta["feature_names"] and "alcohol" in meta["columns"]
    assert meta["categories"] == {} and meta["student_only"] is False
    assert sorted(meta["classes"]) == ["barbera", "barolo", "grignolino"]


def test_compress_default_model_name(wine_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(
        "compress", "--data", wine_csv, "--target", "cultivar", "--max-depth", "2", "--folds", "0"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "wine.skops").is_file()
    assert "no evaluation (--folds 0)" in result.stdout


def test_missing_data_file(tmp_path):
    result = run(
        "compress", "--data", tmp_path / "nope.csv", "--target", "y", "--out", tmp_path / "m.skops"
    )
    refused(result, "nope.csv")
    assert not (tmp_path / "m.skops").exists()


def test_not_a_csv(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\xff\xfe\x00" * 50)
    result = run("compress", "--data", path, "--target", "y", "--out", tmp_path / "m.skops")
    refused(result)
    assert not (tmp_path / "m.skops").exists()


def test_missing_target_column(wine_csv, tmp_path):
    result = run(
        "compress", "--data", wine_csv, "--target", "colour", "--out", tmp_path / "m.skops"
    )
    refused(result, "colour")
    assert list(tmp_path.iterdir()) == []


def test_one_class(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": [1, 1, 1, 1]}).to_csv(
        tmp_path / "one.csv", index=False
    )
    result = run(
        "compress", "--data", tmp_path / "one.csv", "--target", "y", "--out", tmp_path / "m.skops"
    )
    refused(result)
    assert not (tmp_path / "m.skops").exists()


def test_out_folder_missing(wine_csv, tmp_path):
    result = run(
        "compress", "--data", wine_csv, "--target", "cultivar", "--out", tmp_path / "no" / "m.skops"
    )
    refused(result, "does not exist")


@pytest.mark.parametrize(
    "text, words",
    [
        ("", ["not a readable CSV"]),
        ("a,b,y\n", ["0 data row"]),
        ("a,b,y\n1,2,0\n", ["1 data row"]),
        ("a,b,y\n1,inf,0\n2,3,1\n1,2,0\n2,3,1\n", ["'b'", "infinity"]),
    ],
    ids=["empty", "header-only", "one-row", "infinity"],
)
def test_bad_csv_content(tmp_path, text, words):
    (tmp_path / "d.csv").write_text(text)
    result = run(
        "compress", "--data", tmp_path / "d.csv", "--target", "y", "--out", tmp_path / "m.skops"
    )
    refused(result, *words)
    assert not (tmp_path / "m.skops").exists()


def test_categorical_columns_round_trip(tmp_path):
    rng = np.random.RandomState(0)
    colour = rng.choice(["red", "blue", "green"], size=60)
    df = pd.DataFrame({"x": rng.rand(60), "colour": colour, "y": (colour == "red").astype(int)})
    df.to_csv(tmp_path / "train.csv", index=False)
    result = run(
        "compress", "--data", tmp_path / "train.csv", "--target", "y", "--out",
        tmp_path / "m.skops", "--folds", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert read_metadata(tmp_path / "m.skops")["categories"] == {"colour": ["blue", "green", "red"]}
    # a file without any "green" row still gets the model's indicator columns
    new = pd.DataFrame({"x": [0.1, 0.9], "colour": ["red", "blue"]})
    new.to_csv(tmp_path / "new.csv", index=False)
    result = run("predict", "--model", tmp_path / "m.skops", "--data", tmp_path / "new.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["prediction", "1", "0"]


def test_student_only_file_is_small_and_predicts_the_same(compressed, wine_csv, tmp_path):
    out, _ = compressed
    small = tmp_path / "s.skops"
    compress_quick(wine_csv, "cultivar", small, "--max-depth", "4", "--student-only")
    assert small.stat().st_size < 100_000 < (out / "m.skops").stat().st_size
    assert read_metadata(small)["student_only"] is True
    full = tmp_path / "f.skops"
    compress_quick(wine_csv, "cultivar", full, "--max-depth", "4")
    preds = []
    for model in (small, full):
        result = run("predict", "--model", model, "--data", wine_csv, "--out", tmp_path / "p.csv")
        assert result.exit_code == 0, result.output
        preds.append(pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy())
    np.testing.assert_array_equal(*preds)


def test_duplicate_headerrefused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        "a,a,b,label,label\n" + "".join(f"{i},{i},{i % 3},{i % 2},{i % 2}\n" for i in range(20))
    )
    result = run("compress", "--data", path, "--target", "label", "--out", tmp_path / "m.skops")
    refused(result, "'a' (columns 1, 2)", "'label' (columns 4, 5)")
    assert not (tmp_path / "m.skops").exists()


def test_id_like_column_left_out_with_a_warning(wine_csv, tmp_path):
    df = pd.read_csv(wine_csv)
    df.insert(0, "rownames", [f"bottle {i}" for i in range(len(df))])
    df.insert(1, "Unnamed: 0", range(len(df)))
    df.to_csv(tmp_path / "ids.csv", index=False)
    result = compress_quick(tmp_path / "ids.csv", "cultivar", tmp_path / "m.skops")
    warned = [ln for ln in result.stderr.splitlines() if ln.startswith("warning: ")]
    assert len(warned) == 2, result.stderr
    assert "'rownames' looks like a row identifier" in warned[0] and "--keep rownames" in warned[0]
    assert "'Unnamed: 0'" in warned[1]
    meta = read_metadata(tmp_path / "m.skops")
    assert "rownames" not in meta["columns"] and "Unnamed: 0" not in meta["columns"]
    result = compress_quick(
        tmp_path / "ids.csv", "cultivar", tmp_path / "k.skops", "--keep", "Unnamed: 0"
    )
    assert "Unnamed: 0" in read_metadata(tmp_path / "k.skops")["columns"]
    assert result.stderr.count("warning: ") == 1


def test_drop_and_features(wine_csv, tmp_path):
    compress_quick(wine_csv, "cultivar", tmp_path / "d.skops", "--drop", "proline,alcohol")
    names = read_metadata(tmp_path / "d.skops")["feature_names"]
    assert "proline" not in names and "alcohol" not in names and "hue" in names
    compress_quick(wine_csv, "cultivar", tmp_path / "f.skops", "--features", "hue,proline")
    assert read_metadata(tmp_path / "f.skops")["feature_names"] == ["hue", "proline"]
    # predict needs only the model's columns
    pd.read_csv(wine_csv)[["hue", "proline"]].to_csv(tmp_path / "x.csv", index=False)
    result = run("predict", "--model", tmp_path / "f.skops", "--data", tmp_path / "x.csv")
    assert result.exit_code == 0, result.output
    refused(run("compress", "--data", wine_csv, "--target", "cultivar", "--drop", "nope"), "'nope'")


def test_sep_and_encoding(tmp_path):
    rng = np.random.RandomState(0)
    city = rng.choice(["Orléans", "Besançon"], size=40)
    frame = pd.DataFrame({"x": rng.rand(40), "ville": city, "y": (city == "Orléans") * 1})
    frame.to_csv(tmp_path / "l.csv", index=False, sep=";", encoding="latin-1")
    result = run("compress", "--data", tmp_path / "l.csv", "--target", "y", "--folds", "0")
    refused(result, "not utf-8 text: give its encoding")
    compress_quick(
        tmp_path / "l.csv", "y", tmp_path / "m.skops", "--sep", ";", "--encoding", "latin-1"
    )
    assert read_metadata(tmp_path / "m.skops")["categories"]["ville"] == ["Besançon", "Orléans"]
    # predict reads the file as the training file was read, unless told otherwise
    result = run("predict", "--model", tmp_path / "m.skops", "--data", tmp_path / "l.csv")
    assert result.exit_code == 0, result.output
    assert np.mean(np.array(result.stdout.split()[1:], dtype=int) == frame["y"]) > 0.9
    frame.to_csv(tmp_path / "u.csv", index=False)
    result = run(
        "predict", "--model", tmp_path / "m.skops", "--data", tmp_path / "u.csv", "--sep", ",",
        "--encoding", "utf-8",
    )  # fmt: skip
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output

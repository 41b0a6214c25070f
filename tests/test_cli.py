"""The ``crembo`` command through typer's test runner."""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine
from typer.testing import CliRunner

import crembo
from crembo.cli import app
from crembo.persist import read_metadata

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _refused(result, *words):
    """Exit code != 0, one line on stderr naming the problem, no traceback."""
    assert result.exit_code != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for w in words:
        assert w in lines[0], lines[0]


@pytest.fixture(scope="module")
def wine_csv(tmp_path_factory):
    data = load_wine(as_frame=True)
    df = data.frame.rename(columns={"target": "cultivar"})
    df["cultivar"] = np.array(["barolo", "grignolino", "barbera"])[data.target]
    df.loc[3, "alcohol"] = np.nan  # a missing value, left to the trees
    path = tmp_path_factory.mktemp("data") / "wine.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def compressed(wine_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    result = _run(
        "compress", "--data", wine_csv, "--target", "cultivar", "--out", out / "m.skops",
        "--report", out / "report",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result


def test_root_help_lists_commands():
    result = _run("--help")
    assert result.exit_code == 0
    for command in ("demo", "compress", "predict"):
        assert command in result.stdout


@pytest.mark.parametrize(
    "command, options",
    [
        ("demo", ["--dataset", "--seed", "--n-jobs", "--folds"]),
        (
            "compress",
            [
                "--data",
                "--target",
                "--teacher",
                "--max-depth",
                "--class-weight",
                "--seed",
                "--out",
                "--report",
                "--student-only",
                "--folds",
                "--drop",
                "--features",
                "--keep",
                "--sep",
                "--encoding",
                "--n-jobs",
            ],
        ),  # fmt: skip
        (
            "predict",
            ["--model", "--data", "--out", "--trust", "--proba", "--id", "--sep", "--encoding"],
        ),
    ],
)
def test_help_explains_every_option(command, options):
    result = _run(command, "--help")
    assert result.exit_code == 0
    text = re.sub(r"\s+", " ", result.stdout)
    for option in options:
        assert option in text
    # every option line carries an explanation, not just its name
    assert text.count(" --") >= len(options)


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
    assert names == ["depth_profile.png", "report.md", "student_tree.png", "threshold_sweep.png"]
    meta = read_metadata(out / "m.skops")
    assert meta["target"] == "cultivar"
    assert "alcohol" in meta["feature_names"] and "alcohol" in meta["columns"]
    assert meta["categories"] == {} and meta["student_only"] is False
    assert sorted(meta["classes"]) == ["barbera", "barolo", "grignolino"]


def test_compress_then_predict_round_trip(compressed, wine_csv, tmp_path):
    out, _ = compressed
    result = _run(
        "predict", "--model", out / "m.skops", "--data", wine_csv, "--out", tmp_path / "p.csv"
    )
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy()
    df = pd.read_csv(wine_csv)
    model = crembo.load(out / "m.skops")
    expected = model.predict(df.drop(columns=["cultivar"]).to_numpy(dtype=float))
    np.testing.assert_array_equal(pred, expected)
    assert "accuracy against column 'cultivar'" in result.stderr


def test_predict_to_stdout_without_target(compressed, wine_csv, tmp_path):
    out, _ = compressed
    features = pd.read_csv(wine_csv).drop(columns=["cultivar"]).head(5)
    features.to_csv(tmp_path / "x.csv", index=False)
    result = _run("predict", "--model", out / "m.skops", "--data", tmp_path / "x.csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "prediction" and len(lines) == 6


def test_predict_with_nn_teacher_and_class_weight(wine_csv, tmp_path):
    result = _run(
        "compress", "--data", wine_csv, "--target", "cultivar", "--teacher", "nn",
        "--class-weight", "balanced", "--max-depth", "2", "--out", tmp_path / "nn.skops",
        "--folds", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = _run("predict", "--model", tmp_path / "nn.skops", "--data", wine_csv)
    assert result.exit_code == 0, result.output


def test_compress_default_model_name(wine_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run(
        "compress", "--data", wine_csv, "--target", "cultivar", "--max-depth", "2", "--folds", "0"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "wine.skops").is_file()
    assert "no evaluation (--folds 0)" in result.stdout


def test_missing_data_file(tmp_path):
    result = _run(
        "compress", "--data", tmp_path / "nope.csv", "--target", "y", "--out", tmp_path / "m.skops"
    )
    _refused(result, "nope.csv")
    assert not (tmp_path / "m.skops").exists()


def test_not_a_csv(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\xff\xfe\x00" * 50)
    result = _run("compress", "--data", path, "--target", "y", "--out", tmp_path / "m.skops")
    _refused(result)
    assert not (tmp_path / "m.skops").exists()


def test_missing_target_column(wine_csv, tmp_path):
    result = _run(
        "compress", "--data", wine_csv, "--target", "colour", "--out", tmp_path / "m.skops"
    )
    _refused(result, "colour")
    assert list(tmp_path.iterdir()) == []


def test_one_class(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": [1, 1, 1, 1]}).to_csv(
        tmp_path / "one.csv", index=False
    )
    result = _run(
        "compress", "--data", tmp_path / "one.csv", "--target", "y", "--out", tmp_path / "m.skops"
    )
    _refused(result)
    assert not (tmp_path / "m.skops").exists()


def test_out_folder_missing(wine_csv, tmp_path):
    result = _run(
        "compress", "--data", wine_csv, "--target", "cultivar", "--out", tmp_path / "no" / "m.skops"
    )
    _refused(result, "does not exist")


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--teacher", "xgb"], ["'--teacher'", "'xgb'", "--help"]),
        (["--max-depth", "zero"], ["'--max-depth'"]),
        (["--no-such-option"], ["--no-such-option"]),
        (["--folds", "1"], ["--folds"]),
    ],
    ids=["unknown-choice", "not-a-number", "unknown-option", "one-fold"],
)
def test_usage_errors_are_one_line(wine_csv, tmp_path, extra, words):
    result = _run("compress", "--data", wine_csv, "--target", "cultivar", *extra)
    _refused(result, *words)
    assert result.exit_code == 1  # the README's code for bad input, usage errors included


def test_missing_option_is_one_line():
    _refused(_run("predict", "--data", "x.csv"), "'--model'")
    _refused(_run("no-such-command"), "no-such-command")


def test_no_arguments_print_the_help():
    result = _run()
    assert "Usage" in result.output and "compress" in result.output


def test_predict_missing_model(tmp_path, wine_csv):
    _refused(_run("predict", "--model", tmp_path / "m.skops", "--data", wine_csv), "does not exist")


def test_predict_not_a_model(tmp_path, wine_csv):
    _refused(_run("predict", "--model", wine_csv, "--data", wine_csv), "not a readable")


def test_predict_missing_feature_column(compressed, wine_csv, tmp_path):
    out, _ = compressed
    pd.read_csv(wine_csv).drop(columns=["proline"]).to_csv(tmp_path / "x.csv", index=False)
    result = _run(
        "predict",
        "--model",
        out / "m.skops",
        "--data",
        tmp_path / "x.csv",
        "--out",
        tmp_path / "p.csv",
    )
    _refused(result, "proline")
    assert not (tmp_path / "p.csv").exists()


def test_predict_refuses_untrusted_types_unless_trusted(tmp_path, wine_csv):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.tree import DecisionTreeClassifier
    from sklearn.utils.validation import check_array

    df = pd.read_csv(wine_csv).fillna(0)
    X, y = df.drop(columns=["cultivar"]).to_numpy(), df["cultivar"].to_numpy()
    pipe = make_pipeline(FunctionTransformer(check_array), DecisionTreeClassifier(max_depth=2))
    crembo.save(pipe.fit(X, y), tmp_path / "p.skops")
    df.drop(columns=["cultivar"]).to_csv(tmp_path / "d.csv", index=False)  # no metadata: all
    name = "sklearn.utils.validation.check_array"
    _refused(_run("predict", "--model", tmp_path / "p.skops", "--data", tmp_path / "d.csv"), name)
    trusted = _run(
        "predict", "--model", tmp_path / "p.skops", "--data", tmp_path / "d.csv", "--trust", name
    )
    assert trusted.exit_code == 0, trusted.output


def test_demo_small():
    result = _run("demo", "--dataset", "iris", "--seed", "1", "--folds", "2")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for method in ("teacher", "BM", "VT", "CREMBO", "CREMBO-robust"):
        row = next(ln for ln in text.splitlines() if re.match(rf"\W*{method}\s", ln))
        mean = float(re.search(r"(\d\.\d{3}) ± ", row).group(1))
        assert 0.85 <= mean <= 1.0, row  # iris: every method above 85 %
    assert "over 2 shuffled stratified folds" in text
    assert "MEMO θ*" in text and "agreement" in text
    assert "if petal" in text and "predict " in text


def test_demo_unknown_dataset():
    _refused(_run("demo", "--dataset", "nope"), "nope")


@pytest.mark.slow
def test_demo_default():
    result = _run("demo")
    assert result.exit_code == 0, result.output
    assert "breast_cancer" in result.stdout and "malignant" in result.stdout


def test_experiment_and_datasets_are_registered():
    assert _run("experiment", "--help").exit_code == 0
    result = _run("datasets")
    assert result.exit_code == 0, result.output
    assert "breast_cancer" in result.stdout


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
    result = _run(
        "compress", "--data", tmp_path / "d.csv", "--target", "y", "--out", tmp_path / "m.skops"
    )
    _refused(result, *words)
    assert not (tmp_path / "m.skops").exists()


def test_categorical_columns_round_trip(tmp_path):
    rng = np.random.RandomState(0)
    colour = rng.choice(["red", "blue", "green"], size=60)
    df = pd.DataFrame({"x": rng.rand(60), "colour": colour, "y": (colour == "red").astype(int)})
    df.to_csv(tmp_path / "train.csv", index=False)
    result = _run(
        "compress", "--data", tmp_path / "train.csv", "--target", "y", "--out",
        tmp_path / "m.skops", "--folds", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert read_metadata(tmp_path / "m.skops")["categories"] == {"colour": ["blue", "green", "red"]}
    # a file without any "green" row still gets the model's indicator columns
    new = pd.DataFrame({"x": [0.1, 0.9], "colour": ["red", "blue"]})
    new.to_csv(tmp_path / "new.csv", index=False)
    result = _run("predict", "--model", tmp_path / "m.skops", "--data", tmp_path / "new.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["prediction", "1", "0"]


# ------------------------------------------------------- predict options, CSV hygiene


def _compress_quick(data, target, out, *extra):
    result = _run("compress", "--data", data, "--target", target, "--out", out, "--folds", "0",
                  "--max-depth", "3", *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    return result


def test_student_only_file_is_small_and_predicts_the_same(compressed, wine_csv, tmp_path):
    out, _ = compressed
    small = tmp_path / "s.skops"
    _compress_quick(wine_csv, "cultivar", small, "--max-depth", "4", "--student-only")
    assert small.stat().st_size < 100_000 < (out / "m.skops").stat().st_size
    assert read_metadata(small)["student_only"] is True
    full = tmp_path / "f.skops"
    _compress_quick(wine_csv, "cultivar", full, "--max-depth", "4")
    preds = []
    for model in (small, full):
        result = _run("predict", "--model", model, "--data", wine_csv, "--out", tmp_path / "p.csv")
        assert result.exit_code == 0, result.output
        preds.append(pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy())
    np.testing.assert_array_equal(*preds)


def test_predict_proba_and_id(compressed, wine_csv, tmp_path):
    out, _ = compressed
    df = pd.read_csv(wine_csv).assign(bottle=lambda d: [f"b{i}" for i in range(len(d))])
    df.to_csv(tmp_path / "x.csv", index=False)
    result = _run(
        "predict", "--model", out / "m.skops", "--data", tmp_path / "x.csv", "--proba",
        "--id", "bottle", "--out", tmp_path / "p.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(tmp_path / "p.csv")
    classes = ["barbera", "barolo", "grignolino"]
    assert list(pred.columns) == ["bottle", "prediction", *(f"proba_{c}" for c in classes)]
    assert pred["bottle"].tolist() == df["bottle"].tolist()
    P = pred[[f"proba_{c}" for c in classes]].to_numpy()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-9)
    assert np.mean(np.array(classes)[P.argmax(axis=1)] == pred["prediction"]) > 0.95
    _refused(
        _run("predict", "--model", out / "m.skops", "--data", wine_csv, "--id", "nope"), "--id"
    )


def test_broken_pipe_is_quiet(compressed, wine_csv, tmp_path):
    out, _ = compressed
    big = pd.concat([pd.read_csv(wine_csv)] * 60, ignore_index=True)  # ~10k lines, > a pipe
    big.to_csv(tmp_path / "big.csv", index=False)
    command = (
        f"set -o pipefail; {sys.executable} -m crembo.cli predict --model {out / 'm.skops'} "
        f"--data {tmp_path / 'big.csv'} | head -1"
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.stdout == "prediction\n"
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert "Broken pipe" not in done.stderr and "Exception ignored" not in done.stderr


def test_duplicate_header_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        "a,a,b,label,label\n" + "".join(f"{i},{i},{i % 3},{i % 2},{i % 2}\n" for i in range(20))
    )
    result = _run("compress", "--data", path, "--target", "label", "--out", tmp_path / "m.skops")
    _refused(result, "'a' (columns 1, 2)", "'label' (columns 4, 5)")
    assert not (tmp_path / "m.skops").exists()


def test_id_like_column_left_out_with_a_warning(wine_csv, tmp_path):
    df = pd.read_csv(wine_csv)
    df.insert(0, "rownames", [f"bottle {i}" for i in range(len(df))])
    df.insert(1, "Unnamed: 0", range(len(df)))
    df.to_csv(tmp_path / "ids.csv", index=False)
    result = _compress_quick(tmp_path / "ids.csv", "cultivar", tmp_path / "m.skops")
    warned = [ln for ln in result.stderr.splitlines() if ln.startswith("warning: ")]
    assert len(warned) == 2, result.stderr
    assert "'rownames' looks like a row identifier" in warned[0] and "--keep rownames" in warned[0]
    assert "'Unnamed: 0'" in warned[1]
    meta = read_metadata(tmp_path / "m.skops")
    assert "rownames" not in meta["columns"] and "Unnamed: 0" not in meta["columns"]
    result = _compress_quick(
        tmp_path / "ids.csv", "cultivar", tmp_path / "k.skops", "--keep", "Unnamed: 0"
    )
    assert "Unnamed: 0" in read_metadata(tmp_path / "k.skops")["columns"]
    assert result.stderr.count("warning: ") == 1


def test_drop_and_features(wine_csv, tmp_path):
    _compress_quick(wine_csv, "cultivar", tmp_path / "d.skops", "--drop", "proline,alcohol")
    names = read_metadata(tmp_path / "d.skops")["feature_names"]
    assert "proline" not in names and "alcohol" not in names and "hue" in names
    _compress_quick(wine_csv, "cultivar", tmp_path / "f.skops", "--features", "hue,proline")
    assert read_metadata(tmp_path / "f.skops")["feature_names"] == ["hue", "proline"]
    # predict needs only the model's columns
    pd.read_csv(wine_csv)[["hue", "proline"]].to_csv(tmp_path / "x.csv", index=False)
    result = _run("predict", "--model", tmp_path / "f.skops", "--data", tmp_path / "x.csv")
    assert result.exit_code == 0, result.output
    _refused(
        _run("compress", "--data", wine_csv, "--target", "cultivar", "--drop", "nope"), "'nope'"
    )


def test_unseen_categories_warned_at_predict(tmp_path):
    rng = np.random.RandomState(0)
    colour = rng.choice(["red", "blue", "green"], size=60)
    train = pd.DataFrame({"x": rng.rand(60), "colour": colour, "y": (colour == "red") * 1})
    train.to_csv(tmp_path / "train.csv", index=False)
    _compress_quick(tmp_path / "train.csv", "y", tmp_path / "m.skops")
    new = pd.DataFrame({"x": [0.1, 0.5, 0.9], "colour": ["red", "purple", "purple"]})
    new.to_csv(tmp_path / "new.csv", index=False)
    result = _run("predict", "--model", tmp_path / "m.skops", "--data", tmp_path / "new.csv")
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    assert "'colour': 2 row(s)" in lines[0]
    assert result.stdout.split()[:2] == ["prediction", "1"]


def test_sep_and_encoding(tmp_path):
    rng = np.random.RandomState(0)
    city = rng.choice(["Orléans", "Besançon"], size=40)
    frame = pd.DataFrame({"x": rng.rand(40), "ville": city, "y": (city == "Orléans") * 1})
    frame.to_csv(tmp_path / "l.csv", index=False, sep=";", encoding="latin-1")
    result = _run("compress", "--data", tmp_path / "l.csv", "--target", "y", "--folds", "0")
    _refused(result, "not utf-8 text: give its encoding")
    _compress_quick(
        tmp_path / "l.csv", "y", tmp_path / "m.skops", "--sep", ";", "--encoding", "latin-1"
    )
    assert read_metadata(tmp_path / "m.skops")["categories"]["ville"] == ["Besançon", "Orléans"]
    # predict reads the file as the training file was read, unless told otherwise
    result = _run("predict", "--model", tmp_path / "m.skops", "--data", tmp_path / "l.csv")
    assert result.exit_code == 0, result.output
    assert np.mean(np.array(result.stdout.split()[1:], dtype=int) == frame["y"]) > 0.9
    frame.to_csv(tmp_path / "u.csv", index=False)
    result = _run(
        "predict", "--model", tmp_path / "m.skops", "--data", tmp_path / "u.csv", "--sep", ",",
        "--encoding", "utf-8",
    )  # fmt: skip
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output

"""The ``crembo`` command through typer's test runner."""

import re

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
        ("demo", ["--dataset", "--seed", "--n-jobs"]),
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
            ],
        ),  # fmt: skip
        ("predict", ["--model", "--data", "--out", "--trust"]),
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


def test_compress_writes_model_and_report(compressed):
    out, result = compressed
    assert "chosen θ" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["m.skops", "report"]
    names = sorted(p.name for p in (out / "report").iterdir())
    assert names == ["depth_profile.png", "report.md", "student_tree.png", "threshold_sweep.png"]
    meta = read_metadata(out / "m.skops")
    assert meta["target"] == "cultivar"
    assert "alcohol" in meta["feature_names"]
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
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = _run("predict", "--model", tmp_path / "nn.skops", "--data", wine_csv)
    assert result.exit_code == 0, result.output


def test_compress_default_model_name(wine_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run("compress", "--data", wine_csv, "--target", "cultivar", "--max-depth", "2")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "wine.skops").is_file()


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


def test_bad_choice_is_a_usage_error(wine_csv):
    result = _run("compress", "--data", wine_csv, "--target", "cultivar", "--teacher", "svm")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


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
    result = _run("demo", "--dataset", "iris", "--seed", "1")
    assert result.exit_code == 0, result.output
    for method in ("teacher", "BM", "VT", "CREMBO"):
        assert method in result.stdout
    assert "MEMO θ*" in result.stdout and "agreement" in result.stdout
    assert "if petal" in result.stdout and "predict " in result.stdout


def test_demo_unknown_dataset():
    _refused(_run("demo", "--dataset", "nope"), "nope")


@pytest.mark.slow
def test_demo_default():
    result = _run("demo")
    assert result.exit_code == 0, result.output
    assert "breast_cancer" in result.stdout and "malignant" in result.stdout


def test_experiment_and_datasets_are_registered():
    pytest.importorskip("crembo.experiments.cli")
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
        "compress", "--data", tmp_path / "train.csv", "--target", "y", "--out", tmp_path / "m.skops"
    )
    assert result.exit_code == 0, result.output
    # a file without any "green" row still gets the model's indicator columns
    new = pd.DataFrame({"x": [0.1, 0.9], "colour": ["red", "blue"]})
    new.to_csv(tmp_path / "new.csv", index=False)
    result = _run("predict", "--model", tmp_path / "m.skops", "--data", tmp_path / "new.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["prediction", "1", "0"]

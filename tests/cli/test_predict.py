"""``crembo predict``: round trips, options and refusals (typer's test runner)."""

import subprocess
import sys

import numpy as np
import pandas as pd

import crembo
from support.cli import compress_quick, refused, run


def test_compress_then_predict_round_trip(compressed, wine_csv, tmp_path):
    out, _ = compressed
    result = run(
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
    result = run("predict", "--model", out / "m.skops", "--data", tmp_path / "x.csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "prediction" and len(lines) == 6


def test_predict_with_nn_teacher_and_class_weight(wine_csv, tmp_path):
    result = run(
        "compress", "--data", wine_csv, "--target", "cultivar", "--teacher", "nn",
        "--class-weight", "balanced", "--max-depth", "2", "--out", tmp_path / "nn.skops",
        "--folds", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = run("predict", "--model", tmp_path / "nn.skops", "--data", wine_csv)
    assert result.exit_code == 0, result.output


def test_predict_missing_model(tmp_path, wine_csv):
    refused(run("predict", "--model", tmp_path / "m.skops", "--data", wine_csv), "does not exist")


def test_predict_not_a_model(tmp_path, wine_csv):
    refused(run("predict", "--model", wine_csv, "--data", wine_csv), "not a readable")


def test_predict_missing_feature_column(compressed, wine_csv, tmp_path):
    out, _ = compressed
    pd.read_csv(wine_csv).drop(columns=["proline"]).to_csv(tmp_path / "x.csv", index=False)
    result = run(
        "predict",
        "--model",
        out / "m.skops",
        "--data",
        tmp_path / "x.csv",
        "--out",
        tmp_path / "p.csv",
    )
    refused(result, "proline")
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
    refused(run("predict", "--model", tmp_path / "p.skops", "--data", tmp_path / "d.csv"), name)
    trusted = run(
        "predict", "--model", tmp_path / "p.skops", "--data", tmp_path / "d.csv", "--trust", name
    )
    assert trusted.exit_code == 0, trusted.output


def test_predict_proba_and_id(compressed, wine_csv, tmp_path):
    out, _ = compressed
    df = pd.read_csv(wine_csv).assign(bottle=lambda d: [f"b{i}" for i in range(len(d))])
    df.to_csv(tmp_path / "x.csv", index=False)
    result = run(
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
    refused(run("predict", "--model", out / "m.skops", "--data", wine_csv, "--id", "nope"), "--id")


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


def test_unseen_categories_warned_at_predict(tmp_path):
    rng = np.random.RandomState(0)
    colour = rng.choice(["red", "blue", "green"], size=60)
    train = pd.DataFrame({"x": rng.rand(60), "colour": colour, "y": (colour == "red") * 1})
    train.to_csv(tmp_path / "train.csv", index=False)
    compress_quick(tmp_path / "train.csv", "y", tmp_path / "m.skops")
    new = pd.DataFrame({"x": [0.1, 0.5, 0.9], "colour": ["red", "purple", "purple"]})
    new.to_csv(tmp_path / "new.csv", index=False)
    result = run("predict", "--model", tmp_path / "m.skops", "--data", tmp_path / "new.csv")
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    assert "'colour': 2 row(s)" in lines[0]
    assert result.stdout.split()[:2] == ["prediction", "1"]


def test_predictions_in_blocks_of_rows_are_the_same(compressed, wine_csv, tmp_path, monkeypatch):
    """Rows are predicted in blocks (a model's n x classes work stays bounded): same output."""
    import crembo.cli.predict

    out, _ = compressed
    args = ("predict", "--model", out / "m.skops", "--data", wine_csv, "--proba", "--out")
    assert run(*args, tmp_path / "one.csv").exit_code == 0
    monkeypatch.setattr(crembo.cli.predict, "_CHUNK_CELLS", 7)  # blocks of 2 rows
    assert run(*args, tmp_path / "blocks.csv").exit_code == 0
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "blocks.csv").read_bytes()

"""``crembo compress --teacher FILE`` / ``--belief FILE.csv`` and the built-in teachers.

Each model file compresses from the command line to the student that the same model, passed
as a Python object to CREMBOClassifier with the command's settings, gives; each bad file is
one ``error:`` line naming it, and nothing is written.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from crembo import CREMBOClassifier, persist
from crembo.csv_files import load_csv
from crembo.teachers import make_teacher
from support.cli import refused, run

lightgbm = pytest.importorskip("lightgbm")
xgboost = pytest.importorskip("xgboost")

TARGET = "species"
#: The paper's preset: one hold-out split (the robust preset's k-fold choice, MUNGE rows and
#: out-of-bag belief take the same path for every teacher; tests/test_teacher_files.py)
PRESET = "paper"


@pytest.fixture(scope="module")
def iris_files(tmp_path_factory):
    """The iris CSV (names with spaces, text labels, a row id) and models fitted on it."""
    import skops.io as sio
    from skl2onnx import to_onnx

    d = tmp_path_factory.mktemp("teacher_cli")
    frame = load_iris(as_frame=True).frame
    frame.columns = ["sepal length", "sepal width", "petal length", "petal width", TARGET]
    labels = np.array(["setosa", "versicolor", "virginica"])[frame[TARGET]]
    labels[::7] = np.roll(labels, 50)[::7]  # a teacher unsure in places
    frame[TARGET] = labels
    frame.insert(0, "key", [f"k{i}" for i in range(len(frame))])
    frame.to_csv(d / "iris.csv", index=False)
    ds = load_csv(d / "iris.csv", TARGET, drop=["key"])
    X = pd.DataFrame(ds.X, columns=ds.feature_names)
    codes = np.unique(ds.y, return_inverse=True)[1]
    models = {}
    m = lightgbm.LGBMClassifier(n_estimators=15, num_leaves=4, verbose=-1).fit(X, ds.y)
    m.booster_.save_model(d / "m.txt")
    models["m.txt"] = (m, ds.y)
    m = xgboost.XGBClassifier(n_estimators=15, max_depth=2).fit(X, codes)
    m.save_model(d / "m.json")
    m.save_model(d / "m.ubj")
    models["m.json"] = models["m.ubj"] = (m, codes)  # XGBoost's classifier knows codes only
    m = RandomForestClassifier(10, max_depth=3, random_state=0).fit(ds.X, ds.y)
    sio.dump(m, d / "m.skops")
    models["m.skops"] = (m, ds.y)
    m = LogisticRegression(max_iter=500).fit(ds.X, ds.y)
    (d / "m.onnx").write_bytes(to_onnx(m, ds.X[:1].astype(np.float32)).SerializeToString())
    models["m.onnx"] = (m, ds.y)
    belief = pd.DataFrame(m.predict_proba(ds.X), columns=[f"proba_{c}" for c in m.classes_])
    belief.insert(0, "key", frame["key"])
    belief.sample(frac=1, random_state=0).to_csv(d / "belief.csv", index=False)
    return d, ds, models


def _compress(d, out, *extra):
    result = run(
        "compress", "--data", d / "iris.csv", "--target", TARGET, "--out", out, "--folds", "0",
        "--max-depth", "2", "--n-jobs", "1", "--no-progress", "--preset", PRESET, *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return persist.load(out), persist.read_metadata(out)


def _same_tree(a, b):
    a, b = a.student_.estimator_.tree_, b.student_.estimator_.tree_
    for field in ("feature", "threshold", "children_left", "children_right", "value"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


@pytest.mark.parametrize("name", ["m.txt", "m.json", "m.ubj", "m.skops", "m.onnx"])
def test_teacher_file_gives_the_python_student(iris_files, tmp_path, name):
    d, ds, models = iris_files
    cli, meta = _compress(d, tmp_path / "s.skops", "--teacher", d / name, "--drop", "key")
    assert meta["teacher"] == name and meta["teacher_stored"] is False
    assert cli.teacher_ is None  # a teacher read from a file is not stored again
    model, y = models[name]
    if name == "m.onnx":  # the ONNX graph runs in float32: its own probabilities
        from crembo.teacher_files import load_teacher

        model = load_teacher(d / name, ds.feature_names, ds.y)
    student = DecisionTreeClassifier(max_depth=2, random_state=0)
    python = CREMBOClassifier(model, student, preset=PRESET, random_state=0).fit(ds.X, y)
    _same_tree(cli, python)
    assert cli.threshold_ == python.threshold_


def test_belief_file_matched_by_id(iris_files, tmp_path):
    d, ds, models = iris_files
    cli, meta = _compress(d, tmp_path / "b.skops", "--belief", d / "belief.csv", "--id", "key")
    assert meta["teacher"] == "belief file" and "key" not in meta["feature_names"]
    belief = models["m.onnx"][0].predict_proba(ds.X)  # rows in the data's order
    python = CREMBOClassifier(
        None, DecisionTreeClassifier(max_depth=2, random_state=0), preset=PRESET, random_state=0
    ).fit(ds.X, ds.y, belief=belief)
    _same_tree(cli, python)


@pytest.mark.parametrize(
    "kind", ["et", pytest.param("hgb", marks=pytest.mark.slow), "lgbm", "xgb"]
)  # hgb: 100 iterations of 3 trees, about 10 s on a loaded box
def test_built_in_teachers(iris_files, tmp_path, kind):
    d, ds, _ = iris_files
    model, meta = _compress(d, tmp_path / "k.skops", "--teacher", kind, "--drop", "key")
    assert meta["teacher"] == kind
    assert meta["teacher_stored"] is (kind == "et")  # the allow-list holds extra trees
    assert (model.teacher_ is not None) is (kind == "et")
    assert np.mean(model.predict(ds.X) == ds.y) > 0.7


def _bad_lightgbm(d):
    text = (d / "m.txt").read_text()
    (d / "bad.txt").write_text(text.replace("objective=multiclass", "objective=regression"))
    return "bad.txt", "objective 'regression' is not a classifier's"


def _bad_belief(d):
    pd.read_csv(d / "belief.csv").iloc[:-1].to_csv(d / "short.csv", index=False)
    return "short.csv", "149 rows; expected one per data row (150)"


@pytest.mark.parametrize(
    ("make", "option"),
    [
        (lambda d: ("m.pkl", "unknown model file type '.pkl'"), "--teacher"),
        (lambda d: ("nothere.txt", "no such file"), "--teacher"),
        (_bad_lightgbm, "--teacher"),
        (_bad_belief, "--belief"),
    ],
)
def test_bad_teacher_or_belief_file(iris_files, tmp_path, make, option):
    d, _, _ = iris_files
    (d / "m.pkl").write_bytes(b"\x80\x04N.")
    name, words = make(d)
    extra = ["--id", "key"] if option == "--belief" else ["--drop", "key"]
    result = run(
        "compress", "--data", d / "iris.csv", "--target", TARGET, "--out", tmp_path / "x.skops",
        option, d / name, *extra,
    )  # fmt: skip
    refused(result, name, words)
    assert not (tmp_path / "x.skops").exists()


def test_teacher_classes_must_be_the_targets(iris_files, tmp_path):
    d, _, _ = iris_files
    frame = pd.read_csv(d / "iris.csv")
    frame[frame[TARGET] != "setosa"].to_csv(tmp_path / "two.csv", index=False)
    result = run(
        "compress", "--data", tmp_path / "two.csv", "--target", TARGET, "--out",
        tmp_path / "x.skops", "--teacher", d / "m.txt", "--drop", "key",
    )  # fmt: skip
    refused(result, "m.txt", "the model has 3 classes; the target has 2")
    assert not (tmp_path / "x.skops").exists()


def test_option_conflicts(iris_files, tmp_path):
    d, _, _ = iris_files
    base = ["compress", "--data", d / "iris.csv", "--target", TARGET, "--out", tmp_path / "x"]
    refused(run(*base, "--id", "key"), "--id", "give --belief too")
    refused(run(*base, "--belief", d / "belief.csv", "--teacher", "et"), "drop --teacher et")
    refused(run(*base, "--teacher", "svm"), "neither a built-in teacher (rf, nn, et, hgb")


def test_weight_column(iris_files, tmp_path):
    d, ds, _ = iris_files
    frame = pd.read_csv(d / "iris.csv")
    w = np.random.RandomState(0).randint(0, 4, size=len(frame))  # some rows of weight 0
    frame.assign(w=w).to_csv(tmp_path / "weighted.csv", index=False)
    result = run(
        "compress", "--data", tmp_path / "weighted.csv", "--target", TARGET, "--out",
        tmp_path / "w.skops", "--weight", "w", "--drop", "key", "--preset", PRESET,
        "--max-depth", "2", "--n-jobs", "1", "--no-progress",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "weighted by --weight w" in result.stdout  # the 5-fold table's accuracies
    cli, meta = persist.load(tmp_path / "w.skops"), persist.read_metadata(tmp_path / "w.skops")
    assert meta["weight"] == "w" and "w" not in meta["feature_names"]
    student = DecisionTreeClassifier(max_depth=2, random_state=0)
    teacher = make_teacher("rf", "none", 0)  # compress's: the forest seeded by --seed
    python = CREMBOClassifier(teacher, student, preset=PRESET, random_state=0)
    _same_tree(cli, python.fit(ds.X, ds.y, sample_weight=w))


@pytest.mark.parametrize(
    ("values", "words"),
    [
        (lambda n: np.r_[-1, np.ones(n - 1)], "--weight w: 1 value(s) that are not finite"),
        (lambda n: ["x"] + [1] * (n - 1), "first in data row 1"),
        (lambda n: np.zeros(n), "--weight w: every weight is 0"),
    ],
)
def test_bad_weight_column(iris_files, tmp_path, values, words):
    d, _, _ = iris_files
    frame = pd.read_csv(d / "iris.csv")
    frame.assign(w=values(len(frame))).to_csv(tmp_path / "bad.csv", index=False)
    result = run(
        "compress", "--data", tmp_path / "bad.csv", "--target", TARGET, "--out",
        tmp_path / "x.skops", "--weight", "w", "--drop", "key",
    )  # fmt: skip
    refused(result, words)
    assert not (tmp_path / "x.skops").exists()

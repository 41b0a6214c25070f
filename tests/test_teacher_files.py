"""crembo.teacher_files: fitted teachers read from files by their own libraries, and beliefs.

Each format: the loaded teacher gives the original model's probabilities, and CREMBO fitted
with it gives the student CREMBO fitted with the original Python object gives. Each refusal:
one ValueError naming the file and what was expected.
"""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from crembo import CREMBOClassifier, teacher_files
from crembo.persist import UntrustedTypesError
from crembo.teacher_files import FileTeacher, load_belief, load_teacher

lightgbm = pytest.importorskip("lightgbm")
xgboost = pytest.importorskip("xgboost")

FRAME = load_iris(as_frame=True).frame
NAMES = ["sepal length", "sepal width", "petal length", "petal width"]
X = FRAME.iloc[:, :4].to_numpy()
DF = pd.DataFrame(X, columns=NAMES)
Y = np.array(["setosa", "versicolor", "virginica"])[FRAME["target"].to_numpy()]
Y[::7] = np.roll(Y, 50)[::7]  # some noise: a teacher that is not sure everywhere


def _lgbm(X=DF, y=Y, **kw):
    return lightgbm.LGBMClassifier(n_estimators=15, num_leaves=4, verbose=-1, **kw).fit(X, y)


def _xgb(X=DF, y=None):
    codes = np.unique(Y, return_inverse=True)[1] if y is None else y
    return xgboost.XGBClassifier(n_estimators=15, max_depth=2).fit(X, codes)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """name -> (file, the fitted Python model it was written from)."""
    d = tmp_path_factory.mktemp("teachers")
    import skops.io as sio
    from skl2onnx import to_onnx

    out = {}
    m = _lgbm()
    m.booster_.save_model(d / "lgbm.txt")
    out["lgbm"] = (d / "lgbm.txt", m)
    m = _lgbm(X, Y == "setosa")  # binary, fitted on an array: no feature names
    m.booster_.save_model(d / "lgbm_binary.txt")
    out["lgbm_binary"] = (d / "lgbm_binary.txt", m)
    m = _xgb()
    for suffix in ("json", "ubj"):
        m.save_model(d / f"xgb.{suffix}")
        out[f"xgb_{suffix}"] = (d / f"xgb.{suffix}", m)
    m = RandomForestClassifier(10, max_depth=3, random_state=0).fit(DF, Y)
    sio.dump(m, d / "rf.skops")
    out["skops"] = (d / "rf.skops", m)
    m = LogisticRegression(max_iter=500).fit(X, Y)
    (d / "lr.onnx").write_bytes(to_onnx(m, X[:1].astype(np.float32)).SerializeToString())
    out["onnx"] = (d / "lr.onnx", m)
    tensor = to_onnx(m, X[:1].astype(np.float32), options={id(m): {"zipmap": False}})
    (d / "lr_tensor.onnx").write_bytes(tensor.SerializeToString())
    out["onnx_tensor"] = (d / "lr_tensor.onnx", m)
    return out


def _target(name):
    return Y == "setosa" if name == "lgbm_binary" else Y


def _proba(model, name):
    return model.predict_proba(X if name in ("onnx", "onnx_tensor", "lgbm_binary") else DF)


FORMATS = ["lgbm", "lgbm_binary", "xgb_json", "xgb_ubj", "skops", "onnx", "onnx_tensor"]


@pytest.mark.parametrize("name", FORMATS)
def test_file_teacher_gives_the_models_probabilities(files, name):
    path, model = files[name]
    y = _target(name)
    teacher = load_teacher(path, NAMES, y)
    classes = np.unique(y)
    assert np.array_equal(teacher.classes_, classes)
    P = _proba(model, name)
    # ONNX computes in float32; the boosters' own predict is the wrappers' predict_proba
    tol = 1e-6 if name.startswith("onnx") else 0
    Xt = DF if name == "skops" else X  # the forest itself, fitted on a frame
    assert np.abs(teacher.predict_proba(Xt) - P).max() <= tol
    assert np.array_equal(teacher.predict(Xt), classes[P.argmax(axis=1)])


@pytest.mark.parametrize("name", FORMATS)
def test_same_student_as_the_python_teacher(files, name):
    """CREMBO with the file's teacher fits the tree CREMBO with the Python model fits."""
    path, model = files[name]
    y = _target(name)

    def student(teacher):
        crembo = CREMBOClassifier(
            teacher, DecisionTreeClassifier(max_depth=2, random_state=0), random_state=0
        )
        return crembo.fit(X, y).student_.estimator_.tree_

    a = student(load_teacher(path, NAMES, y))
    if name.startswith("xgb"):  # XGBoost's own classifier knows the labels' codes only
        y = np.unique(y, return_inverse=True)[1]
    b = student(model)
    for field in ("feature", "threshold", "children_left", "value"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


def test_skops_teacher_is_the_estimator_itself(files):
    teacher = load_teacher(files["skops"][0], NAMES, Y)
    assert type(teacher) is RandomForestClassifier  # votes, as the Python object gives


def test_columns_matched_by_name(files):
    """A file naming its features takes them from the data's columns wherever they are."""
    names = ["extra", *NAMES[::-1]]
    Xr = np.column_stack([np.zeros(len(X)), X[:, ::-1]])
    for key in ("lgbm", "xgb_json"):
        teacher = load_teacher(files[key][0], names, Y)
        assert isinstance(teacher, FileTeacher)
        assert np.array_equal(
            teacher.predict_proba(Xr), load_teacher(files[key][0], NAMES, Y).predict_proba(X)
        )


def _refused(path, match, names=NAMES, y=Y, **kw):
    with pytest.raises(ValueError, match=match) as info:
        load_teacher(path, names, y, **kw)
    assert str(path) in str(info.value)


def test_refusals_of_the_data_match(files):
    _refused(files["lgbm"][0], "not columns of the data.*'sepal_length'", names=["a", *NAMES[1:]])
    _refused(
        files["lgbm_binary"][0], "takes 4 features and names none; the data has 3", names=NAMES[:3]
    )
    _refused(files["lgbm"][0], "has 3 classes; the target has 2", y=Y[Y != "setosa"])
    _refused(files["xgb_ubj"][0], "has 3 classes; the target has 2", y=Y[Y != "setosa"])
    _refused(files["onnx"][0], "classes .* are not the target's", y=np.where(Y == "setosa", "x", Y))
    _refused(files["onnx"][0], "takes 4 features and names none", names=NAMES[:3])
    _refused(files["skops"][0], "classes x are not among", y=np.where(Y == "setosa", "x", Y))
    _refused(files["skops"][0], "another order", names=NAMES[::-1])


def test_refusals_of_the_file(files, tmp_path, monkeypatch):
    (tmp_path / "m.pkl").write_bytes(b"\x80\x04")
    _refused(tmp_path / "m.pkl", "unknown model file type '.pkl'; expected one of .skops")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_teacher(tmp_path / "none.txt", NAMES, Y)
    monkeypatch.setattr(teacher_files._common, "MAX_TEACHER_BYTES", 100)
    _refused(files["lgbm"][0], "over the limit of 100 bytes")
    monkeypatch.undo()
    (tmp_path / "bad.txt").write_text("hello\nversion=v4\n")
    _refused(tmp_path / "bad.txt", "not a LightGBM text model .* not 'tree'")
    text = files["lgbm"][0].read_text()
    (tmp_path / "reg.txt").write_text(text.replace("objective=multiclass", "objective=regression"))
    _refused(tmp_path / "reg.txt", "objective 'regression' is not a classifier's")
    (tmp_path / "count.txt").write_text(text.replace("num_class=3", "num_class=abc"))
    _refused(tmp_path / "count.txt", "num_class 'abc' is not a count")
    (tmp_path / "cut.txt").write_text(text[: len(text) // 2])
    _refused(tmp_path / "cut.txt", "tree 25: not where tree_sizes puts it; the file is damaged")
    (tmp_path / "dump.json").write_text(json.dumps(_lgbm().booster_.dump_model()))
    _refused(tmp_path / "dump.json", "LightGBM JSON dump, which LightGBM cannot load")
    (tmp_path / "x.json").write_text("{not json")
    _refused(tmp_path / "x.json", "XGBoost JSON model.*not a readable model")
    (tmp_path / "y.json").write_text('{"a": 1}')
    _refused(tmp_path / "y.json", "not an XGBoost model")
    model = json.loads(files["xgb_json"][0].read_text())
    model["learner"]["objective"]["name"] = "reg:squarederror"
    (tmp_path / "reg.json").write_text(json.dumps(model))
    _refused(tmp_path / "reg.json", "objective 'reg:squarederror' is not a classifier's")
    (tmp_path / "x.ubj").write_bytes(b"\x00" * 50)
    _refused(tmp_path / "x.ubj", "XGBoost UBJSON model.*XGBoost cannot read it .*damaged")
    (tmp_path / "x.onnx").write_bytes(b"\x00garbage" * 10)
    _refused(tmp_path / "x.onnx", "ONNX model.*not a readable model")


def test_onnx_refusals(files, tmp_path):
    import onnx

    model = onnx.load(files["onnx_tensor"][0])
    outside = onnx.ModelProto()
    outside.CopyFrom(model)
    tensor = outside.graph.initializer.add()  # its data would be read from another file
    tensor.name, tensor.data_type = "w", onnx.TensorProto.FLOAT
    tensor.dims.append(1)
    tensor.data_location = onnx.TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "/etc/passwd"
    (tmp_path / "outside.onnx").write_bytes(outside.SerializeToString())
    _refused(tmp_path / "outside.onnx", "stored outside the file")
    custom = onnx.ModelProto()
    custom.CopyFrom(model)
    custom.opset_import.add(domain="com.example", version=1)
    (tmp_path / "custom.onnx").write_bytes(custom.SerializeToString())
    _refused(tmp_path / "custom.onnx", "domain 'com.example'")
    two = onnx.ModelProto()
    two.CopyFrom(model)
    two.graph.input.append(two.graph.input[0])
    (tmp_path / "two.onnx").write_bytes(two.SerializeToString())
    _refused(tmp_path / "two.onnx", "2 inputs; expected one float tensor")


def test_skops_refusals(tmp_path):
    import skops.io as sio

    sio.dump(HistGradientBoostingClassifier(max_iter=3).fit(X, Y), tmp_path / "hgb.skops")
    with pytest.raises(UntrustedTypesError, match="hgb.skops holds types that are not trusted"):
        load_teacher(tmp_path / "hgb.skops", NAMES, Y)
    sio.dump(DecisionTreeRegressor(max_depth=2).fit(X, X[:, 0]), tmp_path / "reg.skops")
    _refused(tmp_path / "reg.skops", "not a fitted classifier")
    (tmp_path / "bad.skops").write_bytes(b"PK\x03\x04broken")
    _refused(tmp_path / "bad.skops", "not a readable")


def test_trusted_skops_teacher_loads(tmp_path):
    import skops.io as sio

    model = HistGradientBoostingClassifier(max_iter=3).fit(X, Y)
    sio.dump(model, tmp_path / "hgb.skops")
    with pytest.raises(UntrustedTypesError) as refused:
        load_teacher(tmp_path / "hgb.skops", NAMES, Y)
    types = refused.value.types
    assert "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor" in types
    teacher = load_teacher(tmp_path / "hgb.skops", NAMES, Y, trusted=types)
    assert np.array_equal(teacher.predict_proba(X), model.predict_proba(X))


def test_catboost_without_the_package(tmp_path):
    (tmp_path / "m.cbm").write_bytes(b"CBM1")
    try:
        import catboost  # noqa: F401
    except ImportError:
        _refused(tmp_path / "m.cbm", "needs the catboost package, which is not installed")
    else:
        _refused(tmp_path / "m.cbm", "CatBoost model.*not a readable model")


def test_catboost_teacher(tmp_path):
    catboost = pytest.importorskip("catboost")
    model = catboost.CatBoostClassifier(iterations=10, depth=2, verbose=False).fit(DF, Y)
    model.save_model(str(tmp_path / "m.cbm"))
    teacher = load_teacher(tmp_path / "m.cbm", NAMES, Y)
    assert np.allclose(teacher.predict_proba(X), model.predict_proba(DF))


# ------------------------------------------------------------------------------ beliefs

CLASSES = np.unique(Y)


def _belief_file(tmp_path, frame, name="b.csv"):
    frame.to_csv(tmp_path / name, index=False)
    return tmp_path / name


def test_belief_columns_in_class_order_and_votes_normalised(tmp_path):
    P = np.random.RandomState(0).dirichlet(np.ones(3), size=len(Y))
    frame = pd.DataFrame(P[:, ::-1], columns=[f"proba_{c}" for c in CLASSES[::-1]])
    frame.insert(0, "prediction", CLASSES[P.argmax(axis=1)])  # crembo predict --proba's
    B = load_belief(_belief_file(tmp_path, frame), CLASSES, len(Y))
    assert np.array_equal(B, P)
    votes = pd.DataFrame((P * 10).round(), columns=CLASSES)
    votes.iloc[:, 0] += 1  # no all-zero row
    B = load_belief(_belief_file(tmp_path, votes, "v.csv"), CLASSES, len(Y))
    assert np.allclose(B.sum(axis=1), 1)
    assert np.array_equal(B.argmax(axis=1), votes.to_numpy().argmax(axis=1))


def test_belief_rows_matched_by_id(tmp_path):
    P = np.random.RandomState(1).dirichlet(np.ones(3), size=len(Y))
    ids = np.array([f"r{i}" for i in range(len(Y))])
    frame = pd.DataFrame(P, columns=CLASSES)
    frame.insert(0, "key", ids)
    shuffled = frame.sample(frac=1, random_state=0)
    B = load_belief(_belief_file(tmp_path, shuffled), CLASSES, len(Y), ids=ids, id_column="key")
    assert np.array_equal(B, P)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda f: f.iloc[:-1], r"149 rows; expected one per data row \(150\)"),
        (lambda f: pd.concat([f, f.iloc[:1]]), "more than 150 rows"),
        (lambda f: f.drop(columns="setosa"), "no column for class.*setosa"),
        (lambda f: f.assign(other=1.0), "column.*other that are not classes"),
        (lambda f: f.assign(setosa=-f["setosa"]), "values negative"),
        (lambda f: f.assign(setosa=np.nan), r"not finite .*first: data row 1\)"),
        (lambda f: f.assign(setosa="x"), "column 'setosa' holds text"),
        (lambda f: f * 0, "all zero"),
    ],
)
def test_belief_refusals(tmp_path, change, match):
    frame = pd.DataFrame(np.full((len(Y), 3), 1 / 3), columns=CLASSES)
    with pytest.raises(ValueError, match=match) as info:
        load_belief(_belief_file(tmp_path, change(frame)), CLASSES, len(Y))
    assert "b.csv" in str(info.value)


def test_belief_id_refusals(tmp_path):
    ids = np.array([f"r{i}" for i in range(len(Y))])
    frame = pd.DataFrame(np.full((len(Y), 3), 1 / 3), columns=CLASSES).assign(key=ids)
    cases = [
        (frame, ids[::-1].copy(), None, "no column 'nokey'"),
        (frame.assign(key=np.append(ids[1:], ids[1])), ids, "key", "r1' occurs twice in --belief"),
        (
            frame.assign(key=np.append(ids[:-1], "zzz")),
            ids,
            "key",
            "1 id.* not in its column 'key'",
        ),
    ]
    for f, data_ids, column, match in cases:
        with pytest.raises(ValueError, match=match):
            load_belief(
                _belief_file(tmp_path, f), CLASSES, len(Y), ids=data_ids,
                id_column=column or "nokey",
            )  # fmt: skip
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_belief(tmp_path / "none.csv", CLASSES, len(Y))


def test_lightgbm_on_category_columns_and_dummies_names(tmp_path):
    """A model fitted the usual pandas ways reads crembo's one-hot columns: LightGBM on
    ``category`` columns (its codes rebuilt from col=value), XGBoost on ``get_dummies``
    (col_value)."""
    rng = np.random.RandomState(0)
    raw = pd.DataFrame({"size": rng.rand(300), "colour": rng.choice(["red", "blue", "green"], 300)})
    y = np.where((raw["size"] > 0.5) ^ (raw["colour"] == "red"), "a", "b")
    raw.loc[::17, "colour"] = np.nan  # missing values stay missing
    encoded = pd.get_dummies(raw, dtype=float, dummy_na=False)  # size, colour_blue, ...
    names = ["size", "colour=blue", "colour=green", "colour=red"]
    Xc = encoded[["size", "colour_blue", "colour_green", "colour_red"]].to_numpy()
    Xc[raw["colour"].isna().to_numpy(), 1:] = np.nan  # as crembo encodes a missing value
    frame = raw.astype({"colour": "category"})
    m = lightgbm.LGBMClassifier(n_estimators=20, num_leaves=4, verbose=-1).fit(frame, y)
    m.booster_.save_model(tmp_path / "cat.txt")
    teacher = load_teacher(tmp_path / "cat.txt", names, y)
    assert np.abs(teacher.predict_proba(Xc) - m.predict_proba(frame)).max() == 0
    codes = np.unique(y, return_inverse=True)[1]
    x = xgboost.XGBClassifier(n_estimators=10, max_depth=2).fit(encoded, codes)
    x.save_model(tmp_path / "dummies.json")
    teacher = load_teacher(tmp_path / "dummies.json", names, y)
    ok = ~raw["colour"].isna().to_numpy()
    assert np.abs(teacher.predict_proba(Xc[ok]) - x.predict_proba(encoded[ok])).max() == 0
    _refused(tmp_path / "cat.txt", "category feature 'colour' has no one-hot column", ["size", "x"])


def test_a_file_that_crashes_lightgbm_is_one_error(files, tmp_path):
    """A number LightGBM's parser cannot read aborts the process that reads it (an error
    inside its parallel loop): here only the child that reads it first."""
    lines = files["lgbm"][0].read_text().split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith("internal_value="))
    values = lines[i].split("=")[1].split(" ")
    values[1] = "x" * len(values[1])  # the same length: tree_sizes still fit
    lines[i] = "internal_value=" + " ".join(values)
    (tmp_path / "crash.txt").write_text("\n".join(lines))
    _refused(tmp_path / "crash.txt", r"LightGBM cannot read it \(.*\); the file is damaged")

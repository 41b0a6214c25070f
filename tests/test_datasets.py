"""Loaders: the shared UCI files, scikit-learn's sets, any CSV, and their errors."""

import numpy as np
import pandas as pd
import pytest

from crembo import datasets
from crembo.datasets import available, load, load_csv

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


def test_load_csv_one_hot_and_missing(tmp_path):
    df = pd.DataFrame(
        {"x": [1.0, 2.0, 3.0, 4.0], "color": ["red", "blue", None, "red"], "y": list("abab")}
    )
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    ds = load_csv(path, "y")
    assert ds.feature_names == ["x", "color_blue", "color_red"]
    assert ds.X[0].tolist() == [1.0, 0.0, 1.0]
    assert np.isnan(ds.X[2, 1:]).all()  # missing category: missing in every indicator
    assert ds.y.tolist() == list("abab")
    assert ds.name == "d"


def test_load_csv_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        load_csv(tmp_path / "absent.csv", "y")
    path = tmp_path / "d.csv"
    pd.DataFrame({"x": [1, 2], "y": [0, 1]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="no column 'label'.*x, y"):
        load_csv(path, "label")
    pd.DataFrame({"x": [1, 2, 3], "y": [0, None, 1]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="missing in 1 row"):
        load_csv(path, "y")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    with pytest.raises(ValueError, match="bad.csv"):
        load_csv(bad, "y")

"""CSV hygiene of ``load_csv``: duplicate headers, row identifiers, column choice, encoding."""

import warnings

import numpy as np
import pandas as pd
import pytest

from crembo.csv_files import ColumnWarning, encode_like, load_csv, read_csv_frame


def _frame(n=30, seed=0):
    rng = np.random.RandomState(seed)
    colour = rng.choice(["red", "blue", "green"], size=n)
    return pd.DataFrame(
        {
            "x": rng.rand(n),
            "colour": colour,
            "label": np.where(colour == "red", "yes", "no"),
        }
    )


def _load(df, path, target="label", **kw):
    df.to_csv(path, index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_csv(path, target, **kw)
    return data, [str(w.message) for w in caught if issubclass(w.category, ColumnWarning)]


def test_duplicate_header_is_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,a,b,label,label\n1,2,3,x,x\n4,5,6,y,y\n")
    with pytest.raises(ValueError, match=r"more than once: 'a' \(columns 1, 2\), 'label'") as exc:
        load_csv(path, "label")
    assert "\n" not in str(exc.value)
    with pytest.raises(ValueError, match="more than once"):
        read_csv_frame(path)


def test_one_hot_names_are_column_equals_value(tmp_path):
    data, caught = _load(_frame(), tmp_path / "d.csv")
    assert data.feature_names == ["x", "colour=blue", "colour=green", "colour=red"]
    assert data.columns == ["x", "colour"]
    assert data.categories == {"colour": ["blue", "green", "red"]}
    assert caught == []
    np.testing.assert_array_equal(data.X[:, 1:].sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "column, values, why",
    [
        ("rownames", lambda n: [f"passenger {i}" for i in range(n)], "different text"),
        ("Unnamed: 0", lambda n: list(range(n)), "consecutive integers"),
        ("rownames", lambda n: list(np.random.RandomState(1).permutation(n) + 1), "named like"),
    ],
    ids=["unique-text", "index", "shuffled-rownames"],
)
def test_row_identifier_left_out_with_a_warning(tmp_path, column, values, why):
    df = _frame()
    df.insert(0, column, values(len(df)))
    data, caught = _load(df, tmp_path / "d.csv")
    assert column not in data.columns
    assert not any(n.startswith(column) for n in data.feature_names)
    assert len(caught) == 1 and why in caught[0] and f"--keep {column}" in caught[0]
    kept, caught = _load(df, tmp_path / "d.csv", keep=[column])
    assert column in kept.columns and caught == []


def test_unique_float_column_is_not_an_identifier(tmp_path):
    data, caught = _load(_frame(), tmp_path / "d.csv")  # "x" is unique per row
    assert "x" in data.columns and caught == []


def test_drop_and_features(tmp_path):
    df = _frame().assign(z=1.5)
    data, _ = _load(df, tmp_path / "d.csv", drop=["colour"])
    assert data.feature_names == ["x", "z"]
    data, _ = _load(df, tmp_path / "d.csv", features=["z", "x"])
    assert data.columns == ["x", "z"]  # file order
    with pytest.raises(ValueError, match="drop: no column 'nope'"):
        _load(df, tmp_path / "d.csv", drop=["nope"])
    with pytest.raises(ValueError, match="features: 'label' is the target"):
        _load(df, tmp_path / "d.csv", features=["x", "label"])
    with pytest.raises(ValueError, match="'x' is also kept"):
        _load(df, tmp_path / "d.csv", drop=["x"], keep=["x"])
    with pytest.raises(ValueError, match="no feature column"):
        _load(df, tmp_path / "d.csv", drop=["x", "colour", "z"])


def test_encode_like_warns_about_unseen_values(tmp_path):
    data, _ = _load(_frame(), tmp_path / "d.csv")
    new = pd.DataFrame({"colour": ["red", "purple", "purple", None], "x": [0.1, 0.2, 0.3, 0.4]})
    with pytest.warns(ColumnWarning, match="'colour': 2 row"):
        X, unseen = encode_like(new, data.columns, data.categories)
    assert unseen == {"colour": 2}
    assert X.shape == (4, 4)
    np.testing.assert_array_equal(X[0], [0.1, 0, 0, 1])
    np.testing.assert_array_equal(X[1, 1:], 0)  # none of the known values
    assert np.isnan(X[3, 1:]).all()  # missing stays missing
    with pytest.raises(ValueError, match="lacks the model's feature column.*'x'"):
        encode_like(new.drop(columns=["x"]), data.columns, data.categories)
    with pytest.raises(ValueError, match="column 'x' holds text"):
        encode_like(new.assign(x=["a", "1", "2", "3"]), data.columns, data.categories)


def test_sep_and_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("x;ville;label\n1;Orléans;a\n2;Besançon;b\n3;Orléans;a\n".encode("latin-1"))
    with pytest.raises(ValueError, match="not utf-8 text"):
        load_csv(path, "label", sep=";")
    data = load_csv(path, "label", sep=";", encoding="latin-1")
    assert data.categories == {"ville": ["Besançon", "Orléans"]}
    with pytest.raises(ValueError, match="encoding: unknown text encoding 'klingon'"):
        load_csv(path, "label", sep=";", encoding="klingon")
    with pytest.raises(ValueError, match="sep: expected one character"):
        load_csv(path, "label", sep="")


def test_load_csv_one_hot_and_missing(tmp_path):
    df = pd.DataFrame(
        {"x": [1.0, 2.0, 3.0, 4.0], "color": ["red", "blue", None, "red"], "y": list("abab")}
    )
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    ds = load_csv(path, "y")
    assert ds.feature_names == ["x", "color=blue", "color=red"]
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


# ------------------------------------------------- issue 24: options and sizes are bounded


@pytest.mark.parametrize("sep", ["(a+)+$", ";;", '"', "\n", 7])
def test_sep_is_one_literal_character(tmp_path, sep):
    path = tmp_path / "d.csv"
    _frame().to_csv(path, index=False)
    with pytest.raises(ValueError, match="sep: expected one character"):
        load_csv(path, "label", sep=sep)


def test_tab_spelled_out(tmp_path):
    path = tmp_path / "d.tsv"
    _frame().to_csv(path, index=False, sep="\t")
    for sep in ("\t", "\\t", "tab"):
        assert load_csv(path, "label", sep=sep).X.shape == (30, 4)


@pytest.mark.parametrize("encoding", ["rot13", "zlib_codec", "base64", "idna", "x" * 1000])
def test_encoding_is_a_text_encoding(tmp_path, encoding):
    path = tmp_path / "d.csv"
    _frame().to_csv(path, index=False)
    with pytest.raises(ValueError, match="encoding: unknown text encoding"):
        read_csv_frame(path, encoding=encoding)


def test_hole11_near_unique_text_is_an_identifier(tmp_path):
    """Unique in every row but one blank cell: still an identifier, not an N x N one-hot."""
    df = _frame(n=400)
    names = [f"person {i}" for i in range(len(df))]
    names[5] = None
    df.insert(0, "name", names)
    data, caught = _load(df, tmp_path / "d.csv")
    assert "name" not in data.columns and data.X.shape == (400, 4)
    assert len(caught) == 1 and "almost every row" in caught[0]
    with pytest.raises(ValueError, match="column 'name' holds 399 different texts; at most 256"):
        _load(df, tmp_path / "d.csv", keep=["name"])


def test_hole11_one_hot_width_is_bounded_before_encoding(tmp_path, monkeypatch):
    import crembo.csv_files

    df = _frame(n=400)
    rng = np.random.RandomState(0)
    for k in range(3):  # three columns of 200 values, each repeated twice: not identifiers
        df[f"code{k}"] = [f"c{v}" for v in rng.permutation(np.repeat(np.arange(200), 2))]
    monkeypatch.setattr(crembo.csv_files, "MAX_ONEHOT_COLUMNS", 500)
    with pytest.raises(ValueError, match="one-hot encoded into 603 columns; at most 500"):
        _load(df, tmp_path / "d.csv")
    data, _ = _load(df.drop(columns=["code2"]), tmp_path / "d.csv")
    assert data.X.shape == (400, 1 + 3 + 400)


@pytest.mark.parametrize("n_rows, n_classes", [(600, 600), (600, 301), (10_000, 101)])
def test_hole12_target_with_too_many_classes(tmp_path, n_rows, n_classes):
    df = pd.DataFrame({"x": np.arange(n_rows) % 7, "label": np.arange(n_rows) % n_classes})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    with pytest.raises(ValueError, match=f"holds {n_classes} classes in {n_rows} rows"):
        load_csv(path, "label")


def test_classes_up_to_the_limit_load(tmp_path):
    df = pd.DataFrame({"x": np.arange(600) % 7, "label": np.arange(600) % 100})
    df.to_csv(tmp_path / "d.csv", index=False)
    assert np.unique(load_csv(tmp_path / "d.csv", "label").y).size == 100

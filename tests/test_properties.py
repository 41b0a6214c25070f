"""Property-based tests (hypothesis): core invariants, safe model files, the CSV loader."""

from __future__ import annotations

import string
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

import crembo
from crembo.belief import votes_to_belief
from crembo.csv_files import load_csv
from crembo.depth import allowed_labels, candidate_thresholds, empirical_depth, pointwise_depth
from crembo.selection import HoldOut

FAST = settings(max_examples=60, deadline=None)
SLOW = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def votes(draw):
    n = draw(st.integers(1, 30))
    m = draw(st.integers(1, 25))
    c = draw(st.integers(1, 6))
    v = draw(arrays(np.int64, (n, m), elements=st.integers(0, c - 1)))
    return v, c


@st.composite
def beliefs(draw, max_rows=25):
    """Belief matrices as forests make them: vote shares of m members over c classes."""
    v, c = draw(votes())
    return votes_to_belief(v[:max_rows], c)


@given(votes(), st.data())
@FAST
def test_vote_shares_are_beliefs(vc, data):
    v, c = vc
    b = votes_to_belief(v, c)
    assert b.shape == (v.shape[0], c)
    assert (b >= 0).all() and np.allclose(b.sum(axis=1), 1)
    # each share is a whole number of votes out of the members
    np.testing.assert_allclose(b * v.shape[1], np.round(b * v.shape[1]), atol=1e-9)
    w = data.draw(arrays(np.float64, v.shape, elements=st.sampled_from([0.0, 1.0, 2.5])))
    bw = votes_to_belief(v, c, weights=w)
    assert (bw >= 0).all() and np.allclose(bw.sum(axis=1), 1)
    crembo.check_belief(bw)


@given(beliefs(), st.floats(0, 1), st.floats(0, 1))
@FAST
def test_allowed_labels_shrink_as_threshold_grows(b, t1, t2):
    low, high = sorted((t1, t2))
    a_low, a_high = allowed_labels(b, low), allowed_labels(b, high)
    assert (a_high <= a_low).all()
    # at θ <= 1/c some class is allowed everywhere (some share is at least 1/c)
    assert allowed_labels(b, 1.0 / b.shape[1]).any(axis=1).all()


@given(beliefs(), st.one_of(st.none(), st.integers(2, 12)), st.sampled_from([0.0, 0.05, 0.2]))
@FAST
def test_candidate_thresholds_sorted_unique_in_unit_interval(b, cap, eps):
    t = candidate_thresholds(b, epsilon=eps, max_candidates=cap)
    assert t.ndim == 1 and t.size >= 1
    assert (np.diff(t) > 0).all()  # sorted, no repeats
    assert t.min() >= 0 and t.max() <= 1
    full = candidate_thresholds(b, epsilon=eps)
    assert np.isin(t, full).all()
    if cap is not None:
        assert t.size <= cap and t[0] == full[0] and t[-1] == full[-1]


@given(beliefs(), st.data(), st.floats(0, 0.9))
@FAST
def test_empirical_depth_is_below_every_pointwise_depth(b, data, alpha):
    pred = data.draw(arrays(np.int64, b.shape[0], elements=st.integers(0, b.shape[1] - 1)))
    d = pointwise_depth(pred, b)
    depth = empirical_depth(pred, b)
    assert depth == d.min() and (depth <= d).all()
    robust = empirical_depth(pred, b, alpha=alpha)
    assert robust >= depth  # ignoring a fraction of points can only raise it
    assert np.mean(d < robust) <= alpha + 1e-12
    # a hypothesis is consistent with the allowed labels at θ exactly when its depth >= θ
    for theta in np.unique(b):
        consistent = allowed_labels(b, theta)[np.arange(b.shape[0]), pred].all()
        assert consistent == (depth >= theta)


@given(
    st.integers(0, 10_000),
    st.integers(30, 80),
    st.integers(2, 4),
    st.booleans(),
    st.sampled_from(["CREMBO", "MEMO", "VT"]),
)
@SLOW
def test_loaded_model_predicts_as_the_saved_one(tmp_path, seed, n, c, missing, kind):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    y = np.arange(n) % c
    X[:, 0] += y  # some signal
    if missing:
        X[rng.rand(n, 3) < 0.1] = np.nan
    labels = np.array(["a", "b", "c", "d"])[y]  # string labels survive the round trip
    teacher = RandomForestClassifier(8, max_depth=5, random_state=seed)
    student = DecisionTreeClassifier(max_depth=3, random_state=seed)
    make = {
        "CREMBO": lambda: crembo.CREMBOClassifier(
            teacher, student, selection=HoldOut(0.3, refit=True)
        ),
        "MEMO": lambda: crembo.MEMOClassifier(teacher, student),
        "VT": lambda: crembo.SurrogateClassifier(teacher, student),
    }[kind]
    model = make().set_params(random_state=seed).fit(X, labels)
    path = crembo.save(model, tmp_path / f"m{seed}.skops")
    again = crembo.load(path)
    Xnew = rng.normal(size=(40, 3))
    Xnew[rng.rand(40, 3) < 0.2] = np.nan
    for Z in (X, Xnew):
        np.testing.assert_array_equal(again.predict(Z), model.predict(Z))
    np.testing.assert_allclose(again.predict_proba(Xnew), model.predict_proba(Xnew))


# --------------------------------------------------------------- the CSV loader

_TEXT = st.text(string.ascii_letters + string.digits + " ,;\"'-_é", min_size=0, max_size=6)
_NAMES = st.text(string.ascii_letters + "_ ", min_size=1, max_size=6)


@st.composite
def column(draw, n):
    kind = draw(st.sampled_from(["int", "float", "bool", "text", "mixed", "inf"]))
    if kind == "int":
        values = draw(st.lists(st.integers(-1000, 1000), min_size=n, max_size=n))
    elif kind == "float":
        values = draw(st.lists(st.floats(-1e6, 1e6), min_size=n, max_size=n))
    elif kind == "bool":
        values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif kind == "text":
        values = draw(
            st.lists(st.sampled_from(["red", "blue", "grün", "a b"]), min_size=n, max_size=n)
        )
    elif kind == "inf":
        values = draw(
            st.lists(st.sampled_from([1.0, -2.5, np.inf, -np.inf]), min_size=n, max_size=n)
        )
    else:
        values = draw(st.lists(st.one_of(st.integers(0, 9), _TEXT), min_size=n, max_size=n))
    series = pd.Series(values, dtype=object)
    missing = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    series[np.asarray(missing, dtype=bool)] = None
    return series


@st.composite
def frames(draw):
    n = draw(st.integers(0, 12))
    names = draw(st.lists(_NAMES, min_size=1, max_size=5, unique=True))
    return pd.DataFrame({name: draw(column(n)) for name in names})


@given(frames(), st.data())
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_csv_loader_loads_or_refuses_cleanly(tmp_path_factory, frame, data):
    target = data.draw(st.sampled_from([*frame.columns, "no such column"]))
    path = tmp_path_factory.mktemp("csv") / "data.csv"
    frame.to_csv(path, index=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas' mixed-type warnings are not failures
            ds = load_csv(path, target)
    except ValueError as exc:
        assert str(exc)  # a message, naming what is wrong
        return
    # it loaded: one row per data row, floats, the target column dropped, no infinity
    assert target in frame.columns and frame.shape[1] >= 2
    assert ds.X.dtype == np.float64 and ds.X.shape[0] == len(frame) > 0
    assert len(ds.feature_names) == ds.X.shape[1] and not np.isinf(ds.X).any()
    assert len(ds.y) == len(frame)
    back = pd.read_csv(path, na_values=["?", ""])
    for c in back.columns:
        if c == target or not pd.api.types.is_numeric_dtype(back[c]) or c not in ds.columns:
            continue  # (a column of consecutive integers is left out as a row index)
        # a numeric column comes through as itself, missing values as NaN in place
        col = ds.X[:, ds.feature_names.index(str(c))]
        np.testing.assert_array_equal(np.isnan(col), back[c].isna().to_numpy())
        np.testing.assert_allclose(col[~np.isnan(col)], back[c].dropna().to_numpy(dtype=float))


def test_csv_loader_one_hot_does_not_touch_a_column_sharing_its_prefix(tmp_path):
    """A text column ``c`` and a numeric column ``c_x``: c's missing rows stay c's own."""
    frame = pd.DataFrame(
        {"c": ["u", None, "v", "u"], "c_x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]}
    )
    frame.to_csv(tmp_path / "d.csv", index=False)
    ds = load_csv(tmp_path / "d.csv", "y")
    np.testing.assert_array_equal(ds.X[:, ds.feature_names.index("c_x")], [1, 2, 3, 4])
    assert np.isnan(ds.X[1, ds.feature_names.index("c=u")])


@pytest.mark.parametrize("bad", ["", "a,b\n", "\x00\x01\x02"])
def test_csv_loader_refuses_files_without_rows(tmp_path, bad):
    (tmp_path / "d.csv").write_text(bad)
    with pytest.raises(ValueError):
        load_csv(tmp_path / "d.csv", "a")

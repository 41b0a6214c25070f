"""The breakdown experiment: contaminated teachers and labels, on a tiny protocol."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from typer.testing import CliRunner

from crembo import belief_from
from crembo.cli.experiment import experiment_app
from crembo.experiments.breakdown import (
    COLUMNS,
    KINDS,
    METHOD_ORDER,
    BreakdownProtocol,
    breakdown,
    check_fractions,
    corrupt_forest,
    flip_labels,
)

X, Y = load_iris(return_X_y=True)
TINY = {"folds": 2, "repeats": 1, "fractions": (0.0, 0.5), "seed": 2}


def test_corrupt_forest_replaces_the_first_k_trees_and_keeps_classes():
    clean = RandomForestClassifier(20, random_state=0).fit(X, Y)
    noise = RandomForestClassifier(10, random_state=1).fit(
        X, np.random.RandomState(0).permutation(Y)
    )
    trees = list(clean.estimators_)
    mixed = corrupt_forest(clean, noise, 6)
    assert mixed.estimators_[:6] == noise.estimators_[:6]
    assert mixed.estimators_[6:] == trees[6:]
    assert clean.estimators_ == trees  # the clean forest is left as it was
    np.testing.assert_array_equal(mixed.classes_, clean.classes_)
    b = belief_from(mixed, X)
    assert np.allclose(b.sum(axis=1), 1)
    assert not np.allclose(b, belief_from(clean, X))
    np.testing.assert_array_equal(corrupt_forest(clean, noise, 0).predict(X), clean.predict(X))
    with pytest.raises(ValueError, match="more than the 10 noise trees"):
        corrupt_forest(clean, noise, 11)
    other = RandomForestClassifier(5, random_state=0).fit(X[Y < 2], Y[Y < 2])
    with pytest.raises(ValueError, match="classes differ"):
        corrupt_forest(clean, other, 1)


def test_flipped_labels_move_to_another_class_and_are_nested():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 4, size=200)
    order, shift = rng.permutation(200), rng.randint(1, 4, size=200)
    previous = np.zeros(200, dtype=bool)
    for f in (0.0, 0.1, 0.25, 0.5):
        noisy = flip_labels(y, 4, f, order, shift)
        changed = noisy != y
        assert changed.sum() == round(f * 200)  # every flipped label really changed
        assert (previous <= changed).all()  # the 10 % are among the 25 %
        assert noisy.min() >= 0 and noisy.max() <= 3
        previous = changed


@pytest.mark.parametrize(
    ("fractions", "expected"),
    [
        ((0.3, 0.1), (0.0, 0.1, 0.3)),
        ("0.2,0,0.2", (0.0, 0.2)),
        ([], (0.0,)),
        ((1 / 3,), (0.0, 0.3333333333)),  # what records.csv (%.10g) reads back
    ],
)
def test_fractions_are_sorted_with_zero(fractions, expected):
    assert check_fractions(fractions) == expected


def test_a_fraction_of_many_digits_is_resumed_and_summarized(tmp_path):
    # records.csv keeps 10 significant digits: the protocol's fractions must be those
    settings = {**TINY, "fractions": (1 / 3,)}
    first = breakdown("iris", tmp_path, **settings, max_units=1)
    assert first["units_done"] == 1
    summary = breakdown("iris", tmp_path, **settings)  # resumes the records it wrote
    assert summary["units_done"] == 2
    for kind in KINDS:
        assert set(summary["results"][kind]["0.333333"]) == set(METHOD_ORDER)
        assert set(summary["headline"][kind]) == set(METHOD_ORDER)


@pytest.mark.parametrize("bad", [(0.1, 1.0), (-0.1,), "a,b", (np.nan,), [[0.1]], (1 - 1e-12,)])
def test_bad_fractions_are_refused(bad):
    with pytest.raises(ValueError, match="fractions"):
        BreakdownProtocol("iris", fractions=bad)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("breakdown") / "iris"
    return out, breakdown("iris", out, **TINY)


def test_records_and_summary(run):
    out, summary = run
    for name in ("run.json", "records.csv", "summary.json", "summary.md", "breakdown.png"):
        assert (out / name).is_file(), name
    records = pd.read_csv(out / "records.csv")
    assert tuple(records.columns) == COLUMNS
    assert len(records) == 2 * len(KINDS) * 2 * len(METHOD_ORDER)
    clean = records[records["fraction"] == 0]
    assert (clean["agreement"] == 1).all()  # the clean run agrees with itself
    # every kind shares the clean reference
    first, *others = (
        clean[clean["kind"] == k].drop(columns=["kind", "seconds"]).reset_index(drop=True)
        for k in KINDS
    )
    for other in others:
        pd.testing.assert_frame_equal(first, other)
    # BM never sees the teacher: replacing trees leaves it as it was
    bm = records[records["kind"].isin(["teacher", "resampled"]) & (records["method"] == "BM")]
    assert (bm["agreement"] == 1).all() and bm.groupby("fold")["accuracy"].nunique().eq(1).all()
    # the control and the contamination replace the same number of trees, by other trees
    half = records[(records["fraction"] == 0.5) & (records["method"] == "CREMBO")]
    assert set(half["kind"]) == set(KINDS)
    # half of the labels flipped moves every method somewhere
    flipped = records[(records["kind"] == "labels") & (records["fraction"] == 0.5)]
    assert (flipped["agreement"] < 1).all()
    assert summary["complete"] and summary["units_done"] == 2
    assert json.loads((out / "summary.json").read_text()) == summary
    for kind in KINDS:
        assert set(summary["results"][kind]) == {"0", "0.5"}
        for m in METHOD_ORDER:
            entry = summary["results"][kind]["0.5"][m]
            assert 0 <= entry["accuracy"] <= 1 and 0 <= entry["agreement"] <= 1
            drop = summary["headline"][kind][m]["accuracy_drop"]
            clean_acc = summary["results"][kind]["0"][m]["accuracy"]
            assert drop == pytest.approx(entry["accuracy"] - clean_acc)
    text = (out / "summary.md").read_text()
    for kind in KINDS:
        assert f"| {kind} | 0.5 |" in text


def test_rerun_resumes_without_new_work(run):
    out, summary = run
    before = (out / "records.csv").read_bytes()
    again = breakdown("iris", out, **TINY)
    assert (out / "records.csv").read_bytes() == before
    assert again == summary


def test_cli_two_datasets_and_a_combined_table(tmp_path):
    result = CliRunner().invoke(
        experiment_app,
        ["breakdown", "--dataset", "iris,wine", "--folds", "2", "--repeats", "1",
         "--fractions", "0.4", "--max-units", "1", "--out", str(tmp_path), "--no-progress"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("iris", "wine"):
        assert (tmp_path / name / "summary.json").is_file()
        assert f"**breakdown** on `{name}`" in result.stdout
    combined = (tmp_path / "summary.md").read_text()
    assert "`iris`" in combined and "`wine`" in combined and "1/2 units done" in combined
    assert (tmp_path / "breakdown.png").stat().st_size > 0

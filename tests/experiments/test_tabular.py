"""Experiments: protocol units, wins with ties, agreement, output files, resume, refusals."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from crembo.baselines import EpochSelectedMLP
from crembo.cli.experiment import experiment_app
from crembo.estimator import CREMBOClassifier, SurrogateClassifier
from crembo.experiments import (
    Protocol,
    generalization,
    make_units,
    pairwise_agreement,
    robustness,
    wins_and_ties,
)
from crembo.experiments.methods import METHODS, check_methods, tabular_methods
from crembo.experiments.store import RECORD_COLUMNS, RunStoreError

runner = CliRunner()
TINY = {"folds": 3, "repeats": 1, "shuffle": True, "seed": 1}


def _no_seconds(summary):
    return {m: {k: v for k, v in e.items() if k != "seconds_mean"} for m, e in summary.items()}


def test_wins_count_ties_as_ties():
    acc = [
        [0.9, 0.8, 0.7],  # method 0 wins
        [0.8, 0.8, 0.7],  # 0 and 1 tie
        [0.5, 0.6, 0.6],  # 1 and 2 tie
        [0.1, 0.2, 0.3],  # 2 wins
        [0.4, 0.4, 0.4],  # all tie
    ]
    wins, ties = wins_and_ties(acc)
    assert wins.tolist() == [1, 0, 1]
    assert ties.tolist() == [2, 3, 2]


def test_pairwise_agreement_by_hand():
    P = [[0, 0, 1, 1], [0, 0, 1, 0], [1, 0, 1, 1]]
    # pairs: (0,1) 3/4, (0,2) 3/4, (1,2) 2/4
    assert pairwise_agreement(P) == pytest.approx((0.75 + 0.75 + 0.5) / 3)
    with pytest.raises(ValueError, match="n_models >= 2"):
        pairwise_agreement([[0, 1]])


def test_paper_folds_are_unshuffled_kfold_and_repeat():
    y = np.repeat([0, 1, 2], 10)  # sorted by class, as iris is stored
    p = Protocol("generalization", "toy", folds=3, repeats=2)
    units = make_units(p, y)
    assert len(units) == 6
    assert units[0].test.tolist() == list(range(10))  # one class per test fold
    for a, b in zip(units[:3], units[3:], strict=True):
        assert np.array_equal(a.test, b.test)
    fair = make_units(Protocol("generalization", "toy", folds=3, repeats=2, shuffle=True), y)
    assert sorted(np.bincount(y[fair[0].test]).tolist()) == [3, 3, 4]
    assert not np.array_equal(fair[0].test, fair[3].test)


def test_robustness_units_share_a_disjoint_test_set():
    y = np.repeat([0, 1], 20)
    units = make_units(Protocol("robustness", "toy", folds=4, repeats=2, shuffle=True), y)
    first = [u for u in units if u.repeat == 0]
    assert len(first) == 4
    for u in first:
        assert np.array_equal(u.test, first[0].test)
        assert not set(u.train) & set(u.test)
    assert first[0].test.size == 6  # 15 % of 40
    trains = [set(u.train) for u in first]
    assert len(set.union(*trains) | set(first[0].test)) == 40


def test_protocol_validation():
    with pytest.raises(ValueError, match="teacher"):
        Protocol("generalization", "iris", teacher="svm")
    with pytest.raises(ValueError, match="folds"):
        Protocol("generalization", "iris", folds=1)
    with pytest.raises(ValueError, match="unknown"):
        Protocol("generalization", "iris", methods=("BM", "nope"))
    assert check_methods("CREMBO,BM") == ("teacher", "CREMBO", "BM")


def test_methods_registry():
    methods = tabular_methods("rf", "balanced", random_state=0)
    assert list(methods) == ["teacher", "BM", "VT", "CREMBO", "CREMBO-refit"]
    assert isinstance(methods["VT"], SurrogateClassifier)
    assert methods["CREMBO-refit"].selection.refit is True
    assert methods["BM"].class_weight == "balanced" and methods["BM"].max_depth == 4
    assert tabular_methods("nn", "none")["CREMBO"].max_candidates == 100
    with pytest.raises(TypeError):  # declared once: a run adds methods as extra_methods
        METHODS["mine"] = METHODS["BM"]
    mine = {"mine": lambda t, s, rs, **_: CREMBOClassifier(t, s, preset="robust")}
    assert check_methods(["mine"], mine) == ("teacher", "mine")
    with pytest.raises(ValueError, match="unknown"):
        check_methods(["mine"])
    p = Protocol("generalization", "iris", methods=("mine", "BM"), extra_methods=mine)
    assert p.builder("mine") is mine["mine"] and p.builder("BM") is METHODS["BM"]
    settings = p.to_dict()  # run.json: the names only
    assert "extra_methods" not in settings and settings["methods"] == ["teacher", "mine", "BM"]


def test_epoch_selected_mlp_handles_a_single_member_class(iris):
    X, y = iris
    y = y.copy()
    y[0] = 7  # a class with one row: stratified early stopping would fail
    net = EpochSelectedMLP(max_epochs=3, random_state=0).fit(X, y)
    assert net.classes_.tolist() == [0, 1, 2, 7]
    assert net.best_epoch_ == int(np.argmax(net.validation_scores_)) + 1
    assert net.predict_proba(X).shape == (150, 4)


def test_generalization_writes_files(tmp_path):
    out = tmp_path / "g"
    result = runner.invoke(
        experiment_app,
        [
            "generalization",
            "--dataset",
            "iris",
            "--folds",
            "3",
            "--repeats",
            "1",
            "--shuffle",
            "--seed",
            "1",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "CREMBO" in result.stdout
    records = pd.read_csv(out / "records.csv")
    assert tuple(records.columns) == RECORD_COLUMNS
    assert len(records) == 3 * 5
    assert records["accuracy"].between(0, 1).all()
    crembo = records[records["method"] == "CREMBO"]
    assert (crembo["threshold"] >= crembo["memo_threshold"]).all()
    assert records.loc[records["method"] == "BM", "threshold"].isna().all()
    assert (records.loc[records["method"] == "BM", "leaves"] <= 16).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] and summary["units_done"] == 3
    assert summary["protocol"]["class_weight"] == "balanced"
    assert summary["protocol"]["shuffle"] is True
    assert set(summary["methods"]) == {"teacher", "BM", "VT", "CREMBO", "CREMBO-refit"}
    for m, e in summary["methods"].items():
        assert {"mean", "std", "wins", "ties"} <= set(e)
        if m != "teacher":
            assert 0 <= e["wins"] + e["ties"] <= 3
    assert sum(e["wins"] for m, e in summary["methods"].items() if m != "teacher") <= 3
    assert "| CREMBO |" in (out / "summary.md").read_text()


def test_robustness_agreement_recomputed_from_predictions(tmp_path):
    out = tmp_path / "r"
    s = robustness("iris", out, folds=3, repeats=2, shuffle=True, seed=2)
    preds = sorted((out / "predictions").glob("*.npy"))
    assert len(preds) == 6
    P = np.stack([np.load(p) for p in preds[:3]])  # repeat 0: (folds, methods, n_test)
    assert P.shape == (3, 5, 23)
    k = s["protocol"]["methods"].index("CREMBO")
    assert s["methods"]["CREMBO"]["agreement_per_repeat"][0] == pytest.approx(
        pairwise_agreement(P[:, k, :])
    )
    for e in s["methods"].values():
        assert 0 <= e["agreement"] <= 1 and e["agreement_std"] >= 0


@pytest.mark.parametrize("experiment", [generalization, robustness])
def test_resume_gives_the_same_summary(tmp_path, experiment):
    full = experiment("iris", tmp_path / "full", **TINY | {"repeats": 2})
    part = experiment("iris", tmp_path / "part", **TINY | {"repeats": 2}, max_units=2)
    assert not part["complete"] and part["units_done"] == 2
    # lose a unit's rows too, as a crash between units of an older version would
    records = pd.read_csv(tmp_path / "part" / "records.csv")
    records[records["fold"] != 0].to_csv(tmp_path / "part" / "records.csv", index=False)
    resumed = experiment("iris", tmp_path / "part", **TINY | {"repeats": 2})
    assert resumed["complete"]
    assert _no_seconds(resumed["methods"]) == _no_seconds(full["methods"])
    a = pd.read_csv(tmp_path / "full" / "records.csv").drop(columns="seconds")
    b = pd.read_csv(tmp_path / "part" / "records.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(a, b)


def test_more_repeats_extend_a_run(tmp_path):
    one = generalization("iris", tmp_path / "g", **TINY)
    two = generalization("iris", tmp_path / "g", **TINY | {"repeats": 2})
    assert one["units_done"] == 3 and two["units_done"] == 6
    again = generalization("iris", tmp_path / "g", **TINY)  # fewer: first repeat only
    assert _no_seconds(again["methods"]) == _no_seconds(one["methods"])


def test_other_settings_are_refused(tmp_path):
    out = tmp_path / "g"
    generalization("iris", out, **TINY, max_units=1)
    before = (out / "records.csv").read_bytes()
    with pytest.raises(RunStoreError, match="class_weight"):
        generalization("iris", out, **TINY | {"class_weight": "none"})
    result = runner.invoke(
        experiment_app,
        [
            "generalization",
            "--dataset",
            "iris",
            "--folds",
            "4",
            "--repeats",
            "1",
            "--shuffle",
            "--seed",
            "1",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 1
    assert "other settings" in result.stderr and "folds" in result.stderr
    assert (out / "records.csv").read_bytes() == before


def test_foreign_or_damaged_records_are_left_alone(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "records.csv").write_text("a,b\n1,2\n")
    with pytest.raises(RunStoreError, match="run.json"):
        generalization("iris", foreign, **TINY)
    assert (foreign / "records.csv").read_text() == "a,b\n1,2\n"
    out = tmp_path / "g"
    generalization("iris", out, **TINY, max_units=1)
    (out / "records.csv").write_text("dataset,x\n1,2\n")
    with pytest.raises(RunStoreError, match="columns"):
        generalization("iris", out, **TINY)
    assert (out / "records.csv").read_text() == "dataset,x\n1,2\n"


def test_parallel_units_match_serial(tmp_path):
    a = generalization("iris", tmp_path / "a", **TINY)
    b = generalization("iris", tmp_path / "b", **TINY, n_jobs=2, backend="threading")
    assert _no_seconds(a["methods"]) == _no_seconds(b["methods"])


def test_cli_bad_dataset_is_one_line(tmp_path):
    result = runner.invoke(
        experiment_app,
        ["robustness", "--dataset", "nope", "--out", str(tmp_path / "x"), "--no-progress"],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "unknown data set" in result.stderr


@pytest.mark.slow
def test_nn_teacher_on_arrhythmia_units(tmp_path):
    from crembo.datasets import search_dirs

    if not any((d / "arrhythmia.csv").is_file() for d in search_dirs()):
        pytest.skip("shared data folder not here")
    s = generalization("arrhythmia", tmp_path / "a", teacher="nn", max_units=1)
    assert s["units_done"] == 1
    assert s["methods"]["teacher"]["mean"] > 0.3


def test_tables_gather_summaries(tmp_path):
    generalization("iris", tmp_path / "runs" / "g", **TINY)
    robustness("iris", tmp_path / "runs" / "r", **TINY | {"folds": 2})
    result = runner.invoke(experiment_app, ["tables", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "### generalization" in text and "### robustness" in text
    assert "| iris | rf | 3/3 |" in text and "| iris | rf | 2/2 |" in text
    empty = runner.invoke(experiment_app, ["tables", str(tmp_path / "none")])
    assert empty.exit_code == 1 and "no summary.json" in empty.stderr


def test_an_exact_student_stopped_at_its_limit_is_recorded_as_time_limit():
    from types import SimpleNamespace

    from crembo.experiments.tabular import _fit_status

    class Fits:
        def __init__(self, optimal):
            self.optimal = optimal

        def fit(self, X, y):
            self.student_ = SimpleNamespace(optimal_=self.optimal)
            return self

    assert _fit_status(Fits(False), None, None) == "time limit"
    assert _fit_status(Fits(True), None, None) == "ok"

"""Every public entry point fed bad input: one parametrized matrix.

Each case either raises an exception of the expected type whose message names the problem,
or (where the input is legitimate, e.g. NaN features that trees handle) works end to end.
CLI cases expect a non-zero exit code and one line on stderr (no traceback), and check that
the outputs the command was asked to write do not exist afterwards.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from typer.testing import CliRunner

import crembo
from crembo import (
    CREMBOClassifier,
    MEMOClassifier,
    SurrogateClassifier,
    allowed_labels,
    belief_from,
    candidate_thresholds,
    empirical_depth,
)
from crembo import datasets as ds
from crembo.cli import app

X, Y = load_iris(return_X_y=True)
TARGET = "target"


def forest(n=10):
    return RandomForestClassifier(n, max_depth=4, random_state=0)


TEACHER = forest().fit(X, Y)
BELIEF = belief_from(TEACHER, X)


def with_value(value, row=3, col=1):
    Z = X.copy()
    Z[row, col] = value
    return Z


class OneDimensionalOnly(DecisionTreeClassifier):
    """A tree that claims multi-output support but refuses 2-D targets."""

    def fit(self, X, y, sample_weight=None, check_input=True):
        if np.ndim(y) > 1:
            raise ValueError("OneDimensionalOnly takes 1-D targets only")
        return super().fit(X, y, sample_weight=sample_weight)


class NoProba(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


class Majority(ClassifierMixin, BaseEstimator):
    """A learner for 1-D targets only (no multi-output tag): wrapped per class by crembo."""

    def fit(self, X, y):
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError("Majority: 1-D y only")
        self.classes_, counts = np.unique(y, return_counts=True)
        self.p_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        return np.tile(self.p_, (len(X), 1))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


# ---------------------------------------------------------------------- cases


@dataclass
class Case:
    """``call(files, tmp)`` must raise ``exc`` matching ``match``; or, with ``exc=None``,
    return normally (then ``call`` does its own checks)."""

    call: object
    exc: type | None = None
    match: str | None = None


@dataclass
class CliCase:
    """``crembo <args>`` must exit with a code != 0 and one stderr line holding ``words``;
    the paths in ``outputs`` (relative to the test's tmp folder) must not exist after."""

    args: object  # (files, tmp) -> list of str
    words: tuple = ()
    outputs: tuple = ()
    exit_code: int | None = None  # None: any non-zero; usage errors give 1 like the rest
    needs: tuple = field(default_factory=tuple)  # modules to import or skip


def _round_trip(make, Xfit):
    def call(files, tmp):
        model = make().fit(Xfit, Y)
        pred = model.predict(Xfit)
        assert set(np.unique(pred)) <= set(np.unique(Y))
        crembo.save(model, tmp / "m.skops")
        again = crembo.load(tmp / "m.skops")
        np.testing.assert_array_equal(again.predict(Xfit), pred)

    return call


NAN_X = X.copy()
NAN_X[::7, 1] = np.nan
NAN_X[5, :] = np.nan  # a row with no value at all


def _estimator_cases(name, make):
    nan_X = NAN_X
    fewer = forest().fit(X[Y < 2], Y[Y < 2])
    more_y = Y.copy()
    more_y[:5] = 7  # the teacher knows a class y never has
    more = forest().fit(X, more_y)
    return {
        f"{name}-empty": Case(
            lambda f, t: make().fit(np.empty((0, 4)), []), ValueError, "0 sample"
        ),
        f"{name}-one-row": Case(lambda f, t: make().fit(X[:1], Y[:1]), ValueError, "one class"),
        f"{name}-one-class": Case(lambda f, t: make().fit(X[:50], Y[:50]), ValueError, "one class"),
        f"{name}-mismatched-lengths": Case(
            lambda f, t: make().fit(X, Y[:-1]), ValueError, "inconsistent numbers of samples"
        ),
        f"{name}-inf-fit": Case(
            lambda f, t: make().fit(with_value(np.inf), Y), ValueError, "infinity"
        ),
        f"{name}-inf-predict": Case(
            lambda f, t: make().fit(X, Y).predict(with_value(-np.inf)), ValueError, "infinity"
        ),
        f"{name}-predict-other-columns": Case(
            lambda f, t: make().fit(X, Y).predict(X[:, :3]), ValueError, "3 features"
        ),
        f"{name}-text-features": Case(
            lambda f, t: make().fit(np.full((150, 4), "a"), Y), ValueError, "convert string"
        ),
        f"{name}-nan-end-to-end": Case(_round_trip(make, nan_X)),
        f"{name}-labels-teacher-never-saw": Case(
            lambda f, t: type(make())(fewer).fit(X, Y), ValueError, r"never saw: \[2\]"
        ),
        f"{name}-teacher-of-more-classes": Case(
            lambda f, t: np.testing.assert_array_equal(
                type(make())(more, random_state=0).fit(X, Y).classes_, [0, 1, 2, 7]
            )
        ),
    }


def _belief_cases(name, make):
    def bad(edit):
        b = BELIEF.copy()
        edit(b)
        return lambda f, t: make().fit(X, Y, belief=b)

    def neg(b):
        b[0, :2] = [-0.1, b[0, 1] + b[0, 0] + 0.1]

    return {
        f"{name}-belief-not-summing-to-one": Case(
            bad(lambda b: b.__imul__(0.5)), ValueError, "do not sum to 1"
        ),
        f"{name}-belief-negative": Case(bad(neg), ValueError, "negative"),
        f"{name}-belief-nan": Case(
            bad(lambda b: b.__setitem__((4, 0), np.nan)), ValueError, "not finite"
        ),
        f"{name}-belief-other-class-count": Case(
            lambda f, t: make().fit(X, Y, belief=np.full((150, 4), 0.25)), ValueError, "4 columns"
        ),
        f"{name}-belief-other-row-count": Case(
            lambda f, t: make().fit(X, Y, belief=BELIEF[:-1]), ValueError, "149 rows"
        ),
    }


def crembo_with(**kw):
    return lambda: CREMBOClassifier(forest(), random_state=0, n_jobs=1, **kw)


PY_CASES = {
    **_estimator_cases("CREMBO", crembo_with()),
    **_estimator_cases("MEMO", lambda: MEMOClassifier(forest(), random_state=0)),
    **_estimator_cases("VT", lambda: SurrogateClassifier(forest(), random_state=0)),
    **{
        f"CREMBO-nan-end-to-end-{k}": Case(_round_trip(crembo_with(**kw), NAN_X))
        for k, kw in {
            "robust-preset": {"preset": "robust"},
            "augment": {"augment": 0.5},
            "halving-search": {"search": "halving"},
            "threshold-cv": {"threshold_cv": 3},
        }.items()
    },
    **_belief_cases("CREMBO", lambda: CREMBOClassifier(None, random_state=0)),
    **_belief_cases("MEMO", lambda: MEMOClassifier(None, random_state=0)),
    "CREMBO-delta-0": Case(lambda f, t: crembo_with(delta=0)().fit(X, Y), ValueError, "delta"),
    "CREMBO-delta-negative": Case(
        lambda f, t: crembo_with(delta=-2)().fit(X, Y), ValueError, "delta"
    ),
    "CREMBO-delta-fraction": Case(
        lambda f, t: crembo_with(delta=0.5)().fit(X, Y), ValueError, "delta"
    ),
    "CREMBO-validation-0": Case(
        lambda f, t: crembo_with(validation_size=0)().fit(X, Y), ValueError, "validation_size"
    ),
    "CREMBO-validation-1": Case(
        lambda f, t: crembo_with(validation_size=1)().fit(X, Y), ValueError, "validation_size"
    ),
    "CREMBO-validation-too-small-for-classes": Case(
        lambda f, t: crembo_with(validation_size=0.01, preset="paper")().fit(X, Y),
        ValueError,
        "too few for the 3 classes",
    ),
    "CREMBO-validation-too-small-rows": Case(
        lambda f, t: crembo_with(preset="paper")().fit(
            X[[0, 1, 50, 51, 100, 101]], Y[[0, 1, 50, 51, 100, 101]]
        ),
        ValueError,
        "validation_size",
    ),
    "CREMBO-too-few-rows-for-threshold-cv": Case(
        lambda f, t: crembo_with()().fit(X[[0, 50, 100, 101]], Y[[0, 50, 100, 101]]),
        ValueError,
        r"n_splits=5\) needs at least 5 labelled rows",
    ),
    "CREMBO-student-refusing-multilabel": Case(
        lambda f, t: CREMBOClassifier(forest(), OneDimensionalOnly(max_depth=3)).fit(X, Y),
        ValueError,
        "could not be fitted to the allowed labels.*1-D targets only",
    ),
    "CREMBO-student-without-predict-proba": Case(
        lambda f, t: CREMBOClassifier(forest(), NoProba()).fit(X, Y), TypeError, "predict_proba"
    ),
    "CREMBO-student-1d-only-is-wrapped": Case(
        lambda f, t: CREMBOClassifier(forest(), Majority(), random_state=0).fit(X, Y).predict(X)
    ),
    "CREMBO-teacher-of-other-feature-count": Case(
        lambda f, t: CREMBOClassifier(forest().fit(X[:, :3], Y)).fit(X, Y),
        ValueError,
        "4 features, but the teacher expects 3",
    ),
    "VT-teacher-of-other-feature-count": Case(
        lambda f, t: SurrogateClassifier(forest().fit(X[:, :3], Y)).fit(X, Y),
        ValueError,
        "4 features",
    ),
    "CREMBO-nan-with-a-student-refusing-nan": Case(
        lambda f, t: CREMBOClassifier(forest(), LogisticRegression()).fit(with_value(np.nan), Y),
        ValueError,
        "student: LogisticRegression could not be fitted.*NaN",
    ),
    "CREMBO-student-not-an-estimator": Case(
        lambda f, t: CREMBOClassifier(forest(), "tree").fit(X, Y), TypeError, "student"
    ),
    "CREMBO-teacher-not-a-classifier": Case(
        lambda f, t: CREMBOClassifier("forest").fit(X, Y), TypeError, "teacher"
    ),
    # belief_from
    "belief_from-empty": Case(
        lambda f, t: belief_from(TEACHER, np.empty((0, 4))), ValueError, "no rows"
    ),
    "belief_from-1d": Case(lambda f, t: belief_from(TEACHER, X[0]), ValueError, "2-D"),
    "belief_from-other-columns": Case(
        lambda f, t: belief_from(TEACHER, X[:, :3]), ValueError, "3 features.*expects 4"
    ),
    "belief_from-inf": Case(
        lambda f, t: belief_from(TEACHER, with_value(np.inf)), ValueError, "infinity"
    ),
    "belief_from-nan-works": Case(
        lambda f, t: np.testing.assert_allclose(belief_from(TEACHER, with_value(np.nan)).sum(1), 1)
    ),
    "belief_from-unfitted": Case(lambda f, t: belief_from(forest(), X), ValueError, "not fitted"),
    "belief_from-array-not-summing-to-one": Case(
        lambda f, t: belief_from(BELIEF * 2, X), ValueError, "do not sum to 1"
    ),
    "belief_from-array-negative": Case(
        lambda f, t: belief_from([[-0.5, 1.5]], None), ValueError, "negative"
    ),
    "belief_from-array-nan": Case(
        lambda f, t: belief_from([[np.nan, 1.0]], None), ValueError, "not finite"
    ),
    "belief_from-kind": Case(lambda f, t: belief_from(TEACHER, X, kind="soft"), ValueError, "kind"),
    # empirical_depth
    "empirical_depth-empty": Case(
        lambda f, t: empirical_depth([], np.empty((0, 3))), ValueError, "at least one row"
    ),
    "empirical_depth-mismatched-lengths": Case(
        lambda f, t: empirical_depth([0, 1], BELIEF), ValueError, "one entry per belief row"
    ),
    "empirical_depth-not-summing-to-one": Case(
        lambda f, t: empirical_depth([0], [[0.2, 0.2]]), ValueError, "do not sum to 1"
    ),
    "empirical_depth-negative": Case(
        lambda f, t: empirical_depth([0], [[-0.5, 1.5]]), ValueError, "negative"
    ),
    "empirical_depth-nan": Case(
        lambda f, t: empirical_depth([0], [[np.nan, 1]]), ValueError, "not finite"
    ),
    "empirical_depth-class-out-of-range": Case(
        lambda f, t: empirical_depth([2], [[0.5, 0.5]]), ValueError, "outside 0..1"
    ),
    "empirical_depth-not-indices": Case(
        lambda f, t: empirical_depth([0.5], [[0.5, 0.5]]), ValueError, "integers"
    ),
    # allowed_labels
    "allowed_labels-not-summing-to-one": Case(
        lambda f, t: allowed_labels([[0.2, 0.2]], 0.1), ValueError, "do not sum to 1"
    ),
    "allowed_labels-negative": Case(
        lambda f, t: allowed_labels([[-0.5, 1.5]], 0.1), ValueError, "negative"
    ),
    "allowed_labels-nan": Case(
        lambda f, t: allowed_labels([[np.nan, 1]], 0.1), ValueError, "not finite"
    ),
    "allowed_labels-nan-threshold": Case(
        lambda f, t: allowed_labels(BELIEF, np.nan), ValueError, "threshold"
    ),
    "allowed_labels-text-threshold": Case(
        lambda f, t: allowed_labels(BELIEF, "0.5"), TypeError, "threshold"
    ),
    # candidate_thresholds
    "candidate_thresholds-negative": Case(
        lambda f, t: candidate_thresholds([[-0.5, 1.5]]), ValueError, "negative"
    ),
    "candidate_thresholds-nan": Case(
        lambda f, t: candidate_thresholds([[np.nan, 1]]), ValueError, "not finite"
    ),
    "candidate_thresholds-1d": Case(
        lambda f, t: candidate_thresholds([0.5, 0.5]), ValueError, "2-D"
    ),
    "candidate_thresholds-max-1": Case(
        lambda f, t: candidate_thresholds(BELIEF, max_candidates=1), ValueError, "max_candidates"
    ),
    "candidate_thresholds-max-text": Case(
        lambda f, t: candidate_thresholds(BELIEF, max_candidates="10"), ValueError, "max_candidates"
    ),
    # loaders
    "load-unknown-name": Case(lambda f, t: ds.load("nope"), ValueError, "unknown data set 'nope'"),
    "load-data-dir-not-a-folder": Case(
        lambda f, t: ds.load("heart", data_dir=t / "nowhere"), ValueError, "data_dir"
    ),
    "load_csv-missing-file": Case(
        lambda f, t: ds.load_csv(f["missing"], TARGET), FileNotFoundError, "missing.csv"
    ),
    "load_csv-a-folder": Case(
        lambda f, t: ds.load_csv(t, TARGET), FileNotFoundError, "does not exist"
    ),
    "load_csv-empty-file": Case(
        lambda f, t: ds.load_csv(f["empty"], TARGET), ValueError, "not a readable CSV"
    ),
    "load_csv-header-only": Case(
        lambda f, t: ds.load_csv(f["header"], TARGET), ValueError, "0 data rows"
    ),
    "load_csv-binary": Case(
        lambda f, t: ds.load_csv(f["binary"], TARGET), ValueError, "not a readable CSV"
    ),
    "load_csv-zip": Case(
        lambda f, t: ds.load_csv(f["zip"], TARGET), ValueError, "not a readable CSV"
    ),
    "load_csv-ragged": Case(
        lambda f, t: ds.load_csv(f["ragged"], TARGET), ValueError, "not a readable CSV"
    ),
    "load_csv-no-target-column": Case(
        lambda f, t: ds.load_csv(f["iris"], "colour"), ValueError, "no column 'colour'"
    ),
    "load_csv-unlabelled-row": Case(
        lambda f, t: ds.load_csv(f["nolabel"], TARGET), ValueError, "missing in 1 row"
    ),
    "load_csv-inf": Case(
        lambda f, t: ds.load_csv(f["inf"], TARGET), ValueError, "'sepal width' holds infinity"
    ),
    "load_csv-text-column-one-hot": Case(
        lambda f, t: _check_one_hot(ds.load_csv(f["text"], TARGET))
    ),
    "load_csv-nan-kept": Case(
        lambda f, t: np.testing.assert_equal(np.isnan(ds.load_csv(f["nan"], TARGET).X).sum(), 30)
    ),
}


def _check_one_hot(data):
    assert "colour=red" in data.feature_names and "colour=blue" in data.feature_names
    rows = np.isnan(data.X[:, data.feature_names.index("colour=red")])
    assert rows.sum() == 1  # the missing category is missing, not "none of them"


# ------------------------------------------------------------------ CLI cases


def _exp(name, dataset_key, *extra, target=TARGET, out=None):
    """An experiment command on a CSV from ``files`` (or a data set name), into tmp/out."""

    def args(files, tmp):
        data = files.get(dataset_key, dataset_key)
        folder = tmp / "out" if out is None else files[out]
        return [
            "experiment", name, "--dataset", data, "--target", target, "--folds", "2",
            "--repeats", "1", "--out", folder, "--no-progress", *extra,
        ]  # fmt: skip

    return args


def _compress(key, target=TARGET, out="m.skops"):
    return lambda f, t: ["compress", "--data", f[key], "--target", target, "--out", t / out]


def _predict(model, data, out="p.csv"):
    return lambda f, t: [
        "predict",
        "--model",
        f.get(model, model),
        "--data",
        f[data],
        "--out",
        t / out,
    ]


CLI_CASES = {
    "compress-missing-file": CliCase(
        _compress("missing"), ("missing.csv", "does not exist"), ("m.skops",)
    ),
    "compress-not-csv-binary": CliCase(_compress("binary"), ("not a readable CSV",), ("m.skops",)),
    "compress-not-csv-zip": CliCase(_compress("zip"), ("not a readable CSV",), ("m.skops",)),
    "compress-empty-file": CliCase(_compress("empty"), ("not a readable CSV",), ("m.skops",)),
    "compress-header-only": CliCase(_compress("header"), ("0 data rows",), ("m.skops",)),
    "compress-one-row": CliCase(_compress("one"), ("1 data row",), ("m.skops",)),
    "compress-one-class": CliCase(_compress("oneclass"), ("one class",), ("m.skops",)),
    "compress-no-target-column": CliCase(_compress("iris", "colour"), ("colour",), ("m.skops",)),
    "compress-unlabelled-row": CliCase(_compress("nolabel"), ("missing in 1 row",), ("m.skops",)),
    "compress-inf": CliCase(_compress("inf"), ("infinity", "sepal width"), ("m.skops",)),
    "compress-out-folder-missing": CliCase(
        _compress("iris", out="nowhere/m.skops"), ("does not exist",), ("nowhere",)
    ),
    "compress-out-is-a-folder": CliCase(_compress("iris", out="."), ("folder",)),
    "compress-out-under-a-file": CliCase(
        lambda f, t: [
            "compress",
            "--data",
            f["iris"],
            "--target",
            TARGET,
            "--out",
            f["iris"] / "m",
        ],
        ("is a file",),
    ),
    "generalization-out-under-a-file": CliCase(
        lambda f, t: [
            *_exp("generalization", "iris")(f, t)[:-3],
            "--out",
            f["iris"] / "o",
            "--no-progress",
        ],
        ("Not a directory",),
    ),
    "compress-bad-teacher-choice": CliCase(
        lambda f, t: [*_compress("iris")(f, t), "--teacher", "svm"], ("--teacher",), ("m.skops",), 1
    ),
    "predict-missing-model": CliCase(
        _predict("nowhere.skops", "iris"), ("does not exist",), ("p.csv",)
    ),
    "predict-model-is-a-csv": CliCase(
        _predict("iris", "iris"), ("not a readable crembo model",), ("p.csv",)
    ),
    "predict-missing-data": CliCase(_predict("model", "missing"), ("does not exist",), ("p.csv",)),
    "predict-data-not-csv": CliCase(
        _predict("model", "binary"), ("not a readable CSV",), ("p.csv",)
    ),
    "predict-data-empty": CliCase(_predict("model", "empty"), ("not a readable CSV",), ("p.csv",)),
    "predict-data-header-only": CliCase(_predict("model", "header"), ("0 data rows",), ("p.csv",)),
    "predict-data-inf": CliCase(_predict("model", "inf"), ("infinity",), ("p.csv",)),
    "demo-unknown-dataset": CliCase(lambda f, t: ["demo", "--dataset", "nope"], ("nope",)),
    "datasets-data-dir-not-a-folder": CliCase(
        lambda f, t: ["datasets", "--data-dir", t / "nowhere"], ("data_dir",)
    ),
    "tables-no-summaries": CliCase(
        lambda f, t: ["experiment", "tables", t / "nowhere"], ("no summary.json",)
    ),
    "tables-corrupt-summary": CliCase(
        lambda f, t: ["experiment", "tables", f["corrupt_runs"]], ("not a readable summary",)
    ),
    "dnn-cifar-without-folder": CliCase(
        lambda f, t: ["experiment", "dnn", "--dataset", "cifar10", "--out", t / "out"],
        ("cifar",),
        ("out",),
        needs=("torch",),  # without torch the command answers "needs torch" first
    ),
    "dnn-one-row": CliCase(
        lambda f, t: ["experiment", "dnn", "--max-rows", "1", "--out", t / "out"],
        ("n_samples=1",),
        ("out",),
        needs=("torch",),
    ),
}
for _name in ("generalization", "robustness", "breakdown"):
    CLI_CASES |= {
        f"{_name}-missing-file": CliCase(_exp(_name, "missing"), ("does not exist",), ("out",)),
        f"{_name}-not-csv": CliCase(_exp(_name, "binary"), ("not a readable CSV",), ("out",)),
        f"{_name}-empty-file": CliCase(_exp(_name, "empty"), ("not a readable CSV",), ("out",)),
        f"{_name}-header-only": CliCase(_exp(_name, "header"), ("0 data rows",), ("out",)),
        f"{_name}-one-row": CliCase(_exp(_name, "one"), ("one class",), ("out",)),
        f"{_name}-one-class": CliCase(_exp(_name, "oneclass"), ("one class",), ("out",)),
        f"{_name}-inf": CliCase(_exp(_name, "inf"), ("infinity",), ("out",)),
        f"{_name}-no-target-column": CliCase(
            _exp(_name, "iris", target="colour"), ("colour",), ("out",)
        ),
        f"{_name}-unknown-dataset": CliCase(
            _exp(_name, "nope"), ("unknown data set 'nope'",), ("out",)
        ),
        f"{_name}-one-fold": CliCase(
            _exp(_name, "iris", "--folds", "1"), ("--folds",), ("out",), 1
        ),
        f"{_name}-foreign-records": CliCase(
            _exp(_name, "iris", out="foreign_out"), ("left untouched",)
        ),
    }
CLI_CASES["breakdown-fraction-1"] = CliCase(
    _exp("breakdown", "iris", "--fractions", "0,1"), ("fractions",), ("out",)
)
CLI_CASES["breakdown-fraction-text"] = CliCase(
    _exp("breakdown", "iris", "--fractions", "a,b"), ("fractions",), ("out",)
)


# --------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad_input")
    frame = load_iris(as_frame=True).frame
    frame.columns = ["sepal length", "sepal width", "petal length", "petal width", TARGET]
    names = [
        "iris",
        "empty",
        "header",
        "one",
        "oneclass",
        "text",
        "nan",
        "inf",
        "binary",
        "zip",
        "ragged",
        "nolabel",
    ]
    paths = {k: d / f"{k}.csv" for k in names}
    paths["missing"] = d / "missing.csv"
    frame.to_csv(paths["iris"], index=False)
    paths["empty"].write_text("")
    paths["header"].write_text(",".join(frame.columns) + "\n")
    frame.iloc[:1].to_csv(paths["one"], index=False)
    frame.iloc[:50].to_csv(paths["oneclass"], index=False)
    text = frame.assign(colour=np.where(frame.index % 2, "red", "blue"))
    text.loc[5, "colour"] = None
    text.to_csv(paths["text"], index=False)
    nan = frame.copy()
    nan.iloc[::5, 1] = np.nan
    nan.to_csv(paths["nan"], index=False)
    frame.assign(**{"sepal width": frame["sepal width"].where(frame.index != 3, np.inf)}).to_csv(
        paths["inf"], index=False
    )
    paths["binary"].write_bytes(bytes(range(256)) * 8)
    with zipfile.ZipFile(paths["zip"], "w") as z:
        z.writestr("data.csv", "a,b\n1,2\n")
    paths["ragged"].write_text('a,b,target\n1,2,0\n1,2,3,4,5\n"unterminated\n')
    labels = frame.astype({TARGET: float})
    labels.loc[3, TARGET] = np.nan
    labels.to_csv(paths["nolabel"], index=False)
    # a model to predict with, and folders holding something that is not ours
    model = d / "model.skops"
    result = CliRunner().invoke(
        app, ["compress", "--data", str(paths["iris"]), "--target", TARGET, "--out", str(model)]
    )
    assert result.exit_code == 0, result.output
    paths["model"] = model
    corrupt = d / "corrupt_runs" / "run"
    corrupt.mkdir(parents=True)
    (corrupt / "summary.json").write_text("{not json")
    paths["corrupt_runs"] = corrupt.parent
    foreign = d / "foreign_out"
    foreign.mkdir()
    (foreign / "records.csv").write_text("name,score\nalice,3\n")
    (foreign / "iris").mkdir()  # breakdown writes one sub-folder per data set
    (foreign / "iris" / "records.csv").write_text("name,score\nalice,3\n")
    paths["foreign_out"] = foreign
    return paths


# ------------------------------------------------------------------------ tests


@pytest.mark.parametrize("case", list(PY_CASES.values()), ids=list(PY_CASES))
def test_python_entry_points(case, files, tmp_path):
    if case.exc is None:
        case.call(files, tmp_path)
        return
    with pytest.raises(case.exc, match=case.match):
        case.call(files, tmp_path)


def _snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", list(CLI_CASES.values()), ids=list(CLI_CASES))
def test_cli_commands(case, files, tmp_path, monkeypatch):
    for module in case.needs:
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)  # default output names land here, not in the project
    inputs = files["iris"].parent
    before = _snapshot(inputs)
    result = CliRunner().invoke(app, [str(a) for a in case.args(files, tmp_path)])
    assert result.exit_code != 0, result.output
    if case.exit_code is not None:
        assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # usage errors too: one "error:" line
    for word in case.words:
        assert word in lines[0], lines[0]
    for out in case.outputs:
        assert not (tmp_path / out).exists(), f"{out} left behind"
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".") and "tmp" in p.name]
    assert _snapshot(inputs) == before  # inputs (and foreign folders) left untouched


def test_cli_text_and_nan_columns_work_end_to_end(files, tmp_path):
    """Non-numeric columns are one-hot encoded and NaN left to the trees: compress, then
    predict the same file, agree with the model loaded in Python."""
    runner = CliRunner()
    for key in ("text", "nan"):
        model, pred = tmp_path / f"{key}.skops", tmp_path / f"{key}.csv"
        r = runner.invoke(app, ["compress", "--data", str(files[key]), "--target", TARGET,
                                "--out", str(model)])  # fmt: skip
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["predict", "--model", str(model), "--data", str(files[key]),
                                "--out", str(pred)])  # fmt: skip
        assert r.exit_code == 0, r.output
        data = ds.load_csv(files[key], TARGET)
        expected = crembo.load(model).predict(data.X)
        np.testing.assert_array_equal(pd.read_csv(pred)["prediction"].to_numpy(), expected)
        assert np.mean(expected == data.y) > 0.8

"""``crembo demo`` runs on the experiments' code and keeps its figures.

The whole demo runs at the end of this file; before it, its pieces: the folds are the splits
the demo drew before it used the protocol's units (so its printed figures did not move), and the
models are the experiments' named methods with the demo's settings.
"""

import re

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.model_selection import StratifiedKFold, train_test_split

from crembo.cli.demo import _METHODS, _demo_units, _fit_methods
from support.cli import refused, run


def _splits_before(y, seed, folds):
    """The demo's own splits before it ran on the protocol (accuracy folds, then agreement)."""
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    jobs = [("accuracy", tr, te) for tr, te in cv.split(np.zeros((y.size, 1)), y)]
    stratify = y if np.unique(y, return_counts=True)[1].min() >= 2 else None
    rest, test = train_test_split(
        np.arange(y.size), test_size=0.15, stratify=stratify, random_state=seed
    )
    jobs += [("agreement", rest[tr], test) for tr, _ in cv.split(np.zeros((rest.size, 1)), y[rest])]
    return jobs


@pytest.mark.parametrize(
    "load, seed, folds", [(load_iris, 0, 5), (load_iris, 1, 2), (load_wine, 3, 4)]
)
def test_demo_folds_are_the_splits_it_always_drew(load, seed, folds):
    y = load().target
    units = _demo_units(y, seed, folds)
    before = _splits_before(y, seed, folds)
    assert [part for part, _ in units] == [part for part, _, _ in before]
    for (_, unit), (_, train, test) in zip(units, before, strict=True):
        np.testing.assert_array_equal(unit.train, train)  # same rows, same order: same fits
        # the agreement's test rows come sorted; the scores do not depend on their order
        np.testing.assert_array_equal(unit.test, np.sort(test))


def test_demo_models_are_the_named_methods_with_the_demo_settings():
    X, y = load_iris(return_X_y=True)
    models = _fit_methods(X, y, seed=7)
    assert tuple(models) == _METHODS
    teacher = models["teacher"]
    assert teacher.get_params()["n_estimators"] == 100 and teacher.max_depth == 12
    assert teacher.class_weight is None and teacher.random_state == 7
    assert models["BM"].get_params()["max_depth"] == 4 and models["BM"].class_weight is None
    assert models["CREMBO"].preset == "paper" and models["CREMBO-robust"].preset == "robust"
    for name in ("VT", "CREMBO", "CREMBO-robust"):
        assert models[name].teacher is teacher  # one fitted forest shared, as in the experiments
        assert models[name].random_state == 7
        assert models[name].student.max_depth == 4 and models[name].student.class_weight is None


# the whole demo through the command (typer's test runner)


def test_demo_small():
    result = run("demo", "--dataset", "iris", "--seed", "1", "--folds", "2")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for method in ("teacher", "BM", "VT", "CREMBO", "CREMBO-robust"):
        row = next(ln for ln in text.splitlines() if re.match(rf"\W*{method}\s", ln))
        mean = float(re.search(r"(\d\.\d{3}) ± ", row).group(1))
        assert 0.85 <= mean <= 1.0, row  # iris: every method above 85 %
    assert "over 2 shuffled stratified folds" in text
    assert "MEMO θ*" in text and "agreement" in text
    # the default's own stability figure (its k fold students' agreement), a share, not NaN
    stability = float(re.search(r"in-fit stability = (\d\.\d{3})", text).group(1))
    assert 0.5 <= stability <= 1.0
    assert "if petal" in text and "predict " in text


def test_demo_unknown_dataset():
    refused(run("demo", "--dataset", "nope"), "nope")


@pytest.mark.slow
def test_demo_default():
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "breast_cancer" in result.stdout and "malignant" in result.stdout

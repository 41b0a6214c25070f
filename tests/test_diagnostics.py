"""Warnings for fitted models whose depth or threshold says little."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from crembo.diagnostics import (
    MAX_UNLABELLED_SHARE,
    VACUOUS_DEPTH,
    DegenerateThresholdWarning,
    check_fitted_model,
    warn_fitted_model,
)


def _model(depth=0.3, threshold=0.4, memo=0.2):
    return SimpleNamespace(depth_=depth, threshold_=threshold, memo_threshold_=memo)


def test_a_sound_model_has_no_problems():
    belief = np.tile([0.7, 0.2, 0.1], (10, 1))
    assert check_fitted_model(_model(), belief) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_fitted_model(_model(), belief) == []


def test_vacuous_depth_is_named_with_what_to_try():
    (text,) = check_fitted_model(_model(depth=3.5e-05))
    assert "3.5e-05" in text and "vacuous" in text and "depth_quantile" in text
    assert check_fitted_model(_model(depth=VACUOUS_DEPTH)) == []  # the bound itself is fine


def test_threshold_leaving_most_rows_without_a_label():
    belief = np.array([[0.5, 0.5]] * 6 + [[0.9, 0.1]] * 4)  # 60 % of rows top out at 0.5
    (text,) = check_fitted_model(_model(threshold=0.6), belief)
    assert "60%" in text and "without any allowed label" in text and "0.2" in text
    assert check_fitted_model(_model(threshold=0.5), belief) == []  # 0.5 >= θ is allowed
    assert MAX_UNLABELLED_SHARE == 0.5
    assert check_fitted_model(_model(threshold=0.6)) == []  # no belief: depth only


def test_warnings_are_degenerate_threshold_warnings():
    assert issubclass(DegenerateThresholdWarning, UserWarning)
    belief = np.array([[0.5, 0.5]] * 6 + [[0.9, 0.1]] * 4)
    with pytest.warns(DegenerateThresholdWarning) as record:
        problems = warn_fitted_model(_model(depth=0.0, threshold=0.6), belief)
    assert len(problems) == 2 and len(record) == 2
    assert all(str(w.message).startswith("SimpleNamespace: ") for w in record)


def test_a_fit_with_sharp_contradicting_beliefs_warns():
    from sklearn.datasets import load_iris

    from crembo import CREMBOClassifier, MEMOClassifier

    X, y = load_iris(return_X_y=True)
    rng = np.random.default_rng(0)
    noisy = np.where(rng.random(y.size) < 0.1, (y + 1) % 3, y)  # labels no small tree fits
    belief = np.full((y.size, 3), 1e-5)
    belief[np.arange(y.size), noisy] = 1 - 2e-5  # near-0/1, as a boosted teacher gives
    with pytest.warns(DegenerateThresholdWarning, match="vacuous"):
        model = MEMOClassifier(random_state=0).fit(X, y, belief=belief)
    assert model.depth_ < VACUOUS_DEPTH
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a sound fit stays silent
        CREMBOClassifier(preset="paper", random_state=0).fit(X, y)

"""crembo.peers.hstree: λ by shuffled stratified folds, deterministic per seed."""

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine

from crembo.experiments.methods import METHODS, make_student

pytest.importorskip("six")
pytest.importorskip("imodels")


def test_peer_seeds_make_it_deterministic():
    X, y = load_wine(return_X_y=True)
    a = METHODS["HSTree"](None, make_student("none", 0), 3).fit(X, y)
    b = METHODS["HSTree"](None, make_student("none", 0), 3).fit(X, y)
    assert a.reg_param_ == b.reg_param_ and np.array_equal(a.predict(X), b.predict(X))
    assert a.get_depth() <= 4 and a.get_n_leaves() <= 16


def test_hstree_survives_a_class_rarer_than_its_folds():
    X, y = load_iris(return_X_y=True)
    X, y = X[:101], y[:101]  # class 2 has a single row: some folds miss it
    model = METHODS["HSTree"](None, make_student("none", 0), 0).fit(X, y)
    assert model.predict_proba(X).shape == (101, 3)
    assert model.reg_param_ in (0, 0.1, 1, 10, 50, 100, 500)

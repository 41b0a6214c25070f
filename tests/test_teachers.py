"""crembo.teachers: the one paper forest, with each caller's settings unchanged."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

from crembo.fit import default_teacher
from crembo.teachers import make_teacher, paper_forest, resolve_class_weight


def test_paper_forest_settings():
    params = paper_forest(3, "balanced", n_jobs=1).get_params()
    assert (params["n_estimators"], params["max_depth"]) == (100, 12)
    assert (params["random_state"], params["class_weight"], params["n_jobs"]) == (3, "balanced", 1)
    # all other settings (n_estimators=100 among them) are scikit-learn's defaults
    defaults = RandomForestClassifier().get_params()
    changed = {k for k in params if params[k] != defaults[k]}
    assert changed == {"max_depth", "random_state", "class_weight", "n_jobs"}


def test_callers_keep_their_settings():
    # the estimators' default teacher: no class weight, n_jobs left to scikit-learn
    assert default_teacher(0).get_params() == paper_forest(0).get_params()
    assert default_teacher(0).get_params()["n_jobs"] is None
    # the experiments' and the command line's: balanced by default, one job
    rf = make_teacher("rf", "balanced", 5).get_params()
    assert rf == paper_forest(5, "balanced", n_jobs=1).get_params()
    assert make_teacher("rf", "none", 5).get_params()["class_weight"] is None


def test_same_trees_as_before():
    X, y = load_iris(return_X_y=True)
    old = RandomForestClassifier(n_estimators=100, max_depth=12, random_state=0).fit(X, y)
    new = paper_forest(0).fit(X, y)
    np.testing.assert_array_equal(old.predict_proba(X), new.predict_proba(X))


def test_make_teacher_nn_and_errors():
    assert type(make_teacher("nn", random_state=1)).__name__ == "EpochSelectedMLP"
    with pytest.raises(ValueError, match="teacher must be one of"):
        make_teacher("svm")
    with pytest.raises(ValueError, match="class_weight must be 'balanced' or 'none'"):
        resolve_class_weight("heavy")
    assert resolve_class_weight(None) is None


def test_make_teacher_more_kinds(monkeypatch):
    import sys

    et = make_teacher("et", "balanced", 3).get_params()
    assert (et["n_estimators"], et["max_depth"], et["class_weight"]) == (100, 12, "balanced")
    assert make_teacher("hgb", "none", 3).get_params()["random_state"] == 3
    monkeypatch.setitem(sys.modules, "xgboost", None)  # as if not installed
    with pytest.raises(ValueError, match="teacher 'xgb' needs the xgboost package"):
        make_teacher("xgb")

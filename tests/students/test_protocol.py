"""crembo.students.protocol: every student follows the contract, under every preset.

The students are found, not listed: every class of a ``crembo.students`` module (and of
``crembo.nets.students`` where torch is installed) that declares ``fits_allowed_labels``,
plus scikit-learn classifiers that CREMBO wraps. A new student module is in these tests
without an edit here (give it cheap settings in ``CHEAP`` when its defaults are slow).
"""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

import crembo.students
from crembo import CREMBOClassifier
from crembo.config import PRESETS
from crembo.students.medoid import BootstrapMedoidStudent
from crembo.students.protocol import (
    AllowedLabelLearner,
    as_allowed_label_learner,
    resolve_tie_break,
)
from crembo.students.sklearn import AllowedLabelClassifier
from crembo.students.tree_fast import GiniRegressionTree

X, Y = load_iris(return_X_y=True)
ROWS = np.random.default_rng(0).permutation(Y.size)[:90]
X, Y = X[ROWS], Y[ROWS]

#: Cheap settings of the slower students, by class name (their defaults otherwise).
CHEAP = {
    "BootstrapMedoidStudent": {"n_bootstrap": 4},
    "OptimalAllowedLabelTree": {"max_depth": 2, "time_limit": 5},
    "TorchAllowedLabelClassifier": {
        "max_epochs": 8,
        "lr": 0.03,
        "validation_fraction": 0.0,
        "device": "cpu",
        "random_state": 0,
    },
}
#: Students whose fits take seconds: run with ``-m slow``.
SLOW = {"TorchAllowedLabelClassifier"}
#: The optional package a student module needs (skipped without it).
NEEDS = {"OptimalAllowedLabelTree": "pystreed", "TorchAllowedLabelClassifier": "torch"}


def _native_students():
    """Every class declaring ``fits_allowed_labels`` in crembo.students and crembo.nets."""
    modules = [f"crembo.students.{m.name}" for m in pkgutil.iter_modules(crembo.students.__path__)]
    modules.append("crembo.nets.students")
    found = {}
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError:  # torch is an extra
            continue
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and getattr(cls, "fits_allowed_labels", False):
                found[cls_name] = cls
    return found


NATIVE = _native_students()


def _make(name):
    if name in NATIVE:
        if name in NEEDS:
            pytest.importorskip(NEEDS[name])
        cls = NATIVE[name]
        if name == "AllowedLabelClassifier":
            return cls(DecisionTreeClassifier(max_depth=3), tie_break="belief")
        return cls(**CHEAP.get(name, {}))
    return WRAPPED[name]()


#: Classifiers CREMBO wraps in AllowedLabelClassifier (None: the default depth-4 tree).
WRAPPED = {
    "default tree": lambda: None,
    "DecisionTreeClassifier": lambda: DecisionTreeClassifier(max_depth=3),
    "GiniRegressionTree": lambda: GiniRegressionTree(max_depth=3),
    "KNeighborsClassifier": lambda: KNeighborsClassifier(5),
}
STUDENTS = [
    pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name
    for name in [*WRAPPED, *NATIVE]
]


@pytest.fixture(scope="module")
def teacher():
    return RandomForestClassifier(20, max_depth=4, random_state=0).fit(X, Y)


def test_the_students_are_found():
    assert {"AllowedLabelClassifier", "BootstrapMedoidStudent", "OptimalAllowedLabelTree"} <= set(
        NATIVE
    )


@pytest.mark.parametrize("name", STUDENTS)
def test_every_learner_follows_the_contract(name):
    student = _make(name)
    learner = as_allowed_label_learner(DecisionTreeClassifier() if student is None else student)
    B = RandomForestClassifier(10, random_state=0).fit(X, Y).predict_proba(X)
    allowed = (B >= 0.3).astype(np.uint8)
    fitted = clone(learner).fit(X, allowed, sample_weight=None, belief=B)
    assert isinstance(fitted, AllowedLabelLearner)  # fit, predict, predict_proba, n_features_in_
    pred = fitted.predict(X)
    assert fitted.n_features_in_ == X.shape[1]
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1, 2}  # class indices
    P = fitted.predict_proba(X)
    assert P.shape == (Y.size, 3) and np.allclose(P.sum(axis=1), 1)
    assert np.array_equal(P.argmax(axis=1), pred)


# the few rows make degenerate thresholds likely: the warnings say so, not the test
@pytest.mark.filterwarnings("ignore::crembo.diagnostics.DegenerateThresholdWarning")
@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("name", STUDENTS)
def test_every_student_under_every_preset(name, preset, teacher):
    student = _make(name)
    model = CREMBOClassifier(
        teacher, student, preset=preset, max_candidates=6, random_state=0, n_jobs=1
    ).fit(X, Y)
    pred = model.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1, 2}
    assert np.mean(pred == Y) > 0.6  # iris: any student gets most training rows right
    assert model.threshold_ >= model.memo_threshold_
    # the configuration says how the fitted student breaks ties
    fitted = model.student_
    assert model.config_.tie_break == fitted.get_params().get("tie_break", "index")
    if name in NATIVE:
        assert type(fitted) is type(student)  # used as it is, not wrapped


def test_a_conflicting_tie_break_is_refused(teacher):
    student = BootstrapMedoidStudent(n_bootstrap=2, tie_break="index")
    with pytest.raises(ValueError, match="tie_break='belief' conflicts with the student's own"):
        CREMBOClassifier(teacher, student, tie_break="belief").fit(X, Y)
    # left to the preset (robust: "belief"), the student's own tie-break is kept and reported
    model = CREMBOClassifier(teacher, student, max_candidates=4, random_state=0).fit(X, Y)
    assert model.config_.tie_break == "index"


def test_resolve_tie_break():
    tree = DecisionTreeClassifier()
    assert resolve_tie_break(tree, None, "belief") == "belief"
    assert resolve_tie_break(tree, "index", "belief") == "index"
    medoid = BootstrapMedoidStudent(tie_break="belief")
    assert resolve_tie_break(medoid, None, "index") == "belief"
    assert resolve_tie_break(medoid, "belief", "index") == "belief"

    class NoTies(AllowedLabelClassifier):
        def get_params(self, deep=True):
            return {}

    with pytest.raises(ValueError, match="no tie_break of its own"):
        resolve_tie_break(NoTies(tree), "belief", "index")

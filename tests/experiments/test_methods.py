"""crembo.experiments.methods: every named method builds, fits, predicts and clones."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from crembo import CREMBOClassifier, SurrogateClassifier
from crembo.experiments.methods import (
    ABLATION,
    METHODS,
    STUDENT_CLASSES,
    check_methods,
    default_max_candidates,
    make_student,
    tabular_methods,
)
from crembo.peers import PEERS

X, Y = load_iris(return_X_y=True)
ROWS = np.random.default_rng(0).permutation(Y.size)[:90]  # small and shuffled: quick fits
X, Y = X[ROWS], Y[ROWS]


@pytest.fixture(scope="module")
def teacher():
    return RandomForestClassifier(10, max_depth=4, random_state=0).fit(X, Y)


def _build(name, teacher, rs=0):
    for module in getattr(PEERS.get(name), "needs", ()):
        pytest.importorskip(module)
    model = METHODS[name](teacher, make_student("none", 0), rs, max_candidates=None)
    if name in PEERS and "time_limit" in model.get_params():
        model.set_params(time_limit=5)  # a few seconds are plenty on 90 rows
    return model


def test_names_are_the_core_methods_the_ablation_the_student_classes_and_the_peers():
    assert list(METHODS)[:5] == ["teacher", "BM", "VT", "CREMBO", "CREMBO-refit"]
    assert set(ABLATION) <= set(METHODS) and set(PEERS) <= set(METHODS)
    assert set(STUDENT_CLASSES) <= set(METHODS)
    assert len(METHODS) == 5 + len(ABLATION) + len(STUDENT_CLASSES) + len(PEERS)


def test_a_student_class_method_is_crembo_with_that_student():
    from crembo.students import SumOfTreesStudent

    teacher = RandomForestClassifier(5, random_state=0)
    model = METHODS["CREMBO-sum"](teacher, DecisionTreeClassifier(max_depth=4), 3)
    assert isinstance(model.student, SumOfTreesStudent)
    assert model.student.max_splits == 15 and model.student.random_state == 3
    assert model.selection.max_swept == 4 and model.selection.max_search_rows == 1000
    exact = METHODS["CREMBO-opt"](teacher, DecisionTreeClassifier(max_depth=4), 3)
    assert exact.student.n_thresholds == 4 and exact.student.time_limit == 2
    assert exact.selection.max_swept == 4
    # the screen's levers change one thing each
    tie = METHODS["CREMBO-sum+tie"](teacher, None, 3)
    assert tie.student.tie_break == "belief" and tie.student.target == "allowed"
    assert METHODS["CREMBO-sum+belief"](teacher, None, 3).student.target == "belief"
    allowed_belief = METHODS["CREMBO-sum+allowed-belief"](teacher, None, 3)
    assert allowed_belief.student.target == "allowed_belief"
    no_aug = METHODS["CREMBO-sum+aug0"](teacher, None, 3)
    assert no_aug.augment == 0.0 and model.augment is None
    proxy = METHODS["CREMBO-sum+proxy"](teacher, None, 3)
    assert proxy.selection.name == "proxy" and isinstance(proxy.student, SumOfTreesStudent)


def test_the_mapping_is_read_only():
    with pytest.raises(TypeError):
        METHODS["mine"] = METHODS["BM"]
    with pytest.raises(TypeError):
        del METHODS["BM"]
    with pytest.raises(TypeError):
        ABLATION["CREMBO+x"] = {}


# the depth-quantile variants find a vacuous depth on these few rows, and say so
@pytest.mark.filterwarnings("ignore::crembo.diagnostics.DegenerateThresholdWarning")
@pytest.mark.parametrize("name", list(METHODS))
def test_every_method_builds_fits_predicts_and_clones(name, teacher):
    model = _build(name, teacher)
    if name == "teacher":
        assert model is teacher  # shared, already fitted: one teacher fit per fold
    else:
        assert model is not teacher
        model.fit(X, Y)
    pred = model.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1, 2}
    assert np.mean(pred == Y) > 0.8  # iris: every method gets most training rows right
    copy = clone(model)
    assert type(copy) is type(model)
    assert copy.get_params().keys() == model.get_params().keys()
    assert not hasattr(copy, "classes_")  # the clone is unfitted


@pytest.mark.parametrize("name", ["BM", "VT", "CREMBO", "CREMBO+aug", "CREMBO-robust"])
def test_a_method_is_deterministic_per_seed(name, teacher):
    a = _build(name, teacher, rs=3).fit(X, Y)
    b = _build(name, teacher, rs=3).fit(X, Y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_what_the_core_builders_build(teacher):
    student = make_student("balanced", 0)
    assert isinstance(student, DecisionTreeClassifier)
    assert student.max_depth == 4 and student.class_weight == "balanced"
    assert make_student("none").class_weight is None
    bm = METHODS["BM"](teacher, student, 7)
    assert isinstance(bm, DecisionTreeClassifier) and bm.random_state == 7
    assert student.random_state == 0  # the given student is left as it was
    vt = METHODS["VT"](teacher, student, 7)
    assert isinstance(vt, SurrogateClassifier) and vt.teacher is teacher
    crembo = METHODS["CREMBO"](teacher, student, 7, max_candidates=50)
    assert isinstance(crembo, CREMBOClassifier)
    assert crembo.preset == "paper" and crembo.max_candidates == 50 and crembo.random_state == 7
    assert METHODS["CREMBO-refit"](teacher, student, 7).selection.refit is True


def test_variants_get_their_options(teacher):
    for name, options in ABLATION.items():
        model = METHODS[name](teacher, make_student(), 0)
        params = model.get_params(deep=False)
        assert params["preset"] == options.get("preset", "paper"), name
        for key, value in options.items():
            assert params[key] == value, (name, key)
    # an honest belief needs the teacher fitted inside CREMBO: an unfitted copy
    honest = METHODS["CREMBO+oob"](teacher, make_student(), 0)
    assert honest.teacher is not teacher and not hasattr(honest.teacher, "estimators_")
    assert METHODS["CREMBO+tie"](teacher, make_student(), 0).teacher is teacher


def test_tabular_methods_are_unfitted_and_keyed_by_name():
    methods = tabular_methods("rf", "balanced", random_state=0, methods=("VT", "BM"))
    assert list(methods) == ["teacher", "VT", "BM"]  # the teacher first, then as asked
    for model in methods.values():
        assert not hasattr(model, "classes_")
    assert tabular_methods("nn", "none", methods=("CREMBO",))["CREMBO"].max_candidates == 100
    assert tabular_methods("rf", methods=("CREMBO",))["CREMBO"].max_candidates is None
    assert default_max_candidates("rf") is None and default_max_candidates("nn") == 100


def test_check_methods_orders_and_deduplicates():
    assert check_methods("VT, BM,VT") == ("teacher", "VT", "BM")
    assert check_methods(["BM", "teacher"]) == ("teacher", "BM")
    assert check_methods(["mine"], {"mine": None}) == ("teacher", "mine")


@pytest.mark.parametrize(
    ("methods", "match"),
    [
        (["BM", "nope"], r"methods: unknown \['nope'\]; known: teacher, BM"),
        ("BM,Nope", r"unknown \['Nope'\]"),  # names are case-sensitive
        ([], "at least one method"),
        ("", "at least one method"),
    ],
    ids=["unknown", "case", "empty-list", "empty-text"],
)
def test_unknown_or_no_method_is_refused(methods, match):
    with pytest.raises(ValueError, match=match):
        check_methods(methods)


def test_tabular_methods_refuse_an_unknown_name():
    with pytest.raises(ValueError, match="unknown"):
        tabular_methods(methods=("BM", "CREMBO+nothing"))

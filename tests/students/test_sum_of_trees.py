"""The sum-of-trees student against imodels' FIGS, and as an allowed-label student."""

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.utils._param_validation import InvalidParameterError

from crembo import CREMBOClassifier
from crembo.metrics import n_leaves
from crembo.students import SumOfTreesStudent


def problem(seed, n=300, d=5, c=3):
    """Continuous features and labels that need several trees. For seeds 0-5 FIGS grows the
    same trees under four global random states (checked: no two candidate splits tie), so
    the two learners must agree exactly."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    logits = np.column_stack([np.sin(2 * X[:, 0]) * 2, X[:, 1] - X[:, 2], np.cos(2 * X[:, 3])])
    y = (logits[:, :c] + rng.normal(0, 0.7, (n, c))).argmax(axis=1)
    return X, y


def figs_nodes(figs):
    """Each tree of a fitted FIGS in pre-order: (feature, threshold) or leaf values."""
    out = []
    for root in figs.trees_:
        nodes, stack = [], [root]
        while stack:
            node = stack.pop()
            if node.left is None:
                nodes.append(np.asarray(node.value, dtype=float))
                continue
            nodes.append((int(node.feature), float(node.threshold)))
            stack += [node.right, node.left]
        out.append(nodes)
    return out


def our_nodes(student):
    out = []
    for tree in student.trees_:
        nodes, stack = [], [0]
        while stack:
            i = stack.pop()
            if tree.children_left[i] < 0:
                nodes.append(tree.value[i])
                continue
            nodes.append((int(tree.feature[i]), float(tree.threshold[i])))
            stack += [tree.children_right[i], tree.children_left[i]]
        out.append(nodes)
    return out


def assert_same(a, b):
    assert len(a) == len(b)
    for ta, tb in zip(a, b, strict=True):
        assert len(ta) == len(tb)
        for na, nb in zip(ta, tb, strict=True):
            if isinstance(na, tuple):
                assert na == nb
            else:
                np.testing.assert_allclose(na, nb, atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_same_trees_as_figs_on_one_hot_labels(seed):
    imodels = pytest.importorskip("imodels")
    X, y = problem(seed)
    np.random.seed(0)  # noqa: NPY002 (FIGS's stumps draw their feature order from the global state)
    figs = imodels.FIGSClassifier(max_rules=15).fit(X, y)
    ours = SumOfTreesStudent(max_splits=15, max_depth=None, max_bins=None, random_state=0)
    ours.fit(X, np.eye(3)[y])
    assert_same(figs_nodes(figs), our_nodes(ours))
    assert len(figs.trees_) >= 2  # the test holds a sum, not a single tree
    np.testing.assert_array_equal(figs.predict(X), ours.predict(X))
    assert ours.n_splits_ == figs.complexity_ == 15
    assert ours.get_n_leaves() == figs.complexity_ + len(figs.trees_)


def test_bins_are_exact_up_to_max_bins_values():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 40, size=(250, 4)).astype(float)
    Y = (rng.random((250, 3)) < 0.3 + 0.4 * (X[:, :3] > 20)).astype(float)
    exact = SumOfTreesStudent(max_bins=None, random_state=0).fit(X, Y)
    binned = SumOfTreesStudent(max_bins=40, random_state=0).fit(X, Y)
    coarse = SumOfTreesStudent(max_bins=4, random_state=0).fit(X, Y)
    assert_same(our_nodes(exact), our_nodes(binned))
    # four ranges of about equal row counts per feature, in the order of the values
    from crembo.students.sum_of_trees import _bin_codes

    codes, n_bins, nan_bin = _bin_codes(X.astype(np.float32), 4)
    assert np.all(n_bins == 5) and np.all(nan_bin == 4)  # 4 ranges + the (empty) missing bin
    for f in range(4):
        order = np.argsort(X[:, f], kind="stable")
        assert np.all(np.diff(codes[order, f]) >= 0)
        assert np.bincount(codes[:, f]).max() <= 250 / 4 + np.bincount(X[:, f].astype(int)).max()
    assert coarse.n_splits_ == 15


def test_size_limits_and_predictions():
    X, y = problem(1, n=400)
    Y = np.eye(3)[y]
    Y[::3, (y[::3] + 1) % 3] = 1  # some rows allow two classes
    s = SumOfTreesStudent(max_splits=9, max_depth=2, max_trees=2, random_state=0).fit(X, Y)
    assert s.n_splits_ == s.get_n_splits() <= 9
    assert len(s.trees_) <= 2 and s.get_depth() <= 2
    assert s.get_n_leaves() == s.n_splits_ + len(s.trees_)
    P = s.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(P.argmax(axis=1), s.predict(X))
    A = s.allowed_proba(X)
    assert A.min() >= 0 and A.max() <= 1
    np.testing.assert_array_equal(s.decision_function(X).argmax(axis=1), s.predict(X))
    # the exported regression trees add up to the same scores
    total = sum(t.predict(X) for t in s.to_sklearn())
    np.testing.assert_allclose(total, s.decision_function(X), atol=1e-12)


def test_integer_weights_are_repeated_rows():
    X, y = problem(2, n=120)
    Y = np.eye(3)[y]
    w = np.random.default_rng(0).integers(1, 4, size=120)
    weighted = SumOfTreesStudent(max_splits=6, max_bins=None, random_state=0)
    weighted.fit(X, Y, sample_weight=w)
    rep = np.repeat(np.arange(120), w)
    repeated = SumOfTreesStudent(max_splits=6, max_bins=None, random_state=0).fit(X[rep], Y[rep])
    assert_same(our_nodes(weighted), our_nodes(repeated))


def test_missing_values_go_right():
    X, y = problem(4, n=200)
    X[::7, 0] = np.nan
    s = SumOfTreesStudent(max_splits=8, random_state=0).fit(X, np.eye(3)[y])
    total = sum(t.predict(X) for t in s.to_sklearn())
    np.testing.assert_allclose(total, s.decision_function(X), atol=1e-12)
    for tree in s.trees_:
        inner = tree.feature >= 0
        assert np.all(np.isfinite(tree.threshold[inner]))
    # a row missing every feature goes right at every split
    row = np.full((1, X.shape[1]), np.nan)
    expected = sum(t.value[_rightmost(t)] for t in s.trees_)
    np.testing.assert_allclose(s.decision_function(row)[0], expected)


def _rightmost(tree):
    node = 0
    while tree.children_right[node] >= 0:
        node = tree.children_right[node]
    return node


def test_belief_target_and_tie_break():
    X, y = problem(5, n=200)
    belief = np.full((200, 3), 0.1)
    belief[np.arange(200), y] = 0.8
    Y = np.ones((200, 3))  # every class allowed everywhere: every total ties
    with pytest.raises(ValueError, match="tie_break='belief' needs the teacher's belief"):
        SumOfTreesStudent(tie_break="belief").fit(X, Y)
    with pytest.raises(ValueError, match="target='belief' needs"):
        SumOfTreesStudent(target="belief").fit(X, Y)
    plain = SumOfTreesStudent(random_state=0).fit(X, Y, belief=belief)  # accepted, unused
    assert set(plain.predict(X)) == {0}
    tied = SumOfTreesStudent(tie_break="belief", random_state=0).fit(X, Y, belief=belief)
    assert len(tied.trees_) == 1 and tied.n_splits_ == 0  # nothing to fit
    # one leaf: the mean belief decides, the most common label
    assert set(tied.predict(X)) == {np.bincount(y).argmax()}
    on_belief = SumOfTreesStudent(target="belief", random_state=0).fit(X, Y, belief=belief)
    assert (on_belief.predict(X) == y).mean() > 0.6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"Y": np.ones(10)}, "Y must be a 2-D matrix"),
        ({"Y": np.full((10, 2), 2.0)}, r"Y must hold values in \[0, 1\]"),
        ({"sample_weight": -np.ones(10)}, "sample_weight must be 10 finite weights"),
        ({"belief": np.ones((10, 3))}, "belief must be a 2-D matrix of shape"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    X = np.arange(20.0).reshape(10, 2)
    args = {"Y": np.eye(2)[np.arange(10) % 2], **kwargs}
    with pytest.raises(ValueError, match=match):
        SumOfTreesStudent().fit(X, **args)


def test_parameters_are_checked_and_cloned():
    with pytest.raises(InvalidParameterError, match="max_splits"):
        SumOfTreesStudent(max_splits=0).fit(np.zeros((4, 1)), np.eye(2)[[0, 1, 0, 1]])
    s = SumOfTreesStudent(max_splits=3, max_bins=None, random_state=7)
    assert clone(s).get_params() == s.get_params()
    assert "max_splits=3" in str(s)  # unfitted: its repr


def test_rules_export_and_plot():
    data = load_iris(as_frame=True)
    Y = np.eye(3)[data.target]
    s = SumOfTreesStudent(max_splits=5, random_state=0).fit(data.data, Y)
    text = s.rules(class_names=list(data.target_names))
    assert text.startswith("a sum of") and "tree 1:" in text
    assert "petal" in text and "setosa +1.00" in text
    assert str(s) == s.rules()
    d = json.loads(json.dumps(s.to_dict()))
    assert d["kind"] == "sum_of_trees" and len(d["trees"]) == len(s.trees_)
    assert d["feature_names"] == list(data.data.columns)
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    fig = s.plot(class_names=list(data.target_names))
    assert len(fig.axes) == len(s.trees_)


def test_as_crembo_student():
    X, y = load_iris(return_X_y=True)
    student = SumOfTreesStudent(max_splits=4)
    model = CREMBOClassifier(student=student, preset="paper", random_state=0).fit(X, y)
    assert isinstance(model.student_, SumOfTreesStudent)
    assert model.student_.random_state is not None  # seeded by CREMBO
    assert (model.predict(X) == y).mean() > 0.9
    assert n_leaves(model) == model.student_.get_n_leaves() <= 4 + len(model.student_.trees_)
    text = str(model)
    assert text.startswith("CREMBOClassifier: a SumOfTreesStudent, θ =") and "tree 1:" in text


@pytest.mark.parametrize("student", ["sum", "exact"])
def test_other_students_get_the_stability_estimate_and_rule(student):
    """Item 4 of issue 21: the in-fit stability estimate and the stability-aware choice read
    only the fold students' predictions, so the sum of trees and the exact tree get them."""
    from crembo.selection import KFoldOneSE, StableOneSE

    if student == "exact":
        pytest.importorskip("pystreed")
        from crembo.students.optimal import OptimalAllowedLabelTree

        make = lambda: OptimalAllowedLabelTree(max_depth=2, n_thresholds=3, time_limit=5)  # noqa: E731
    else:
        make = lambda: SumOfTreesStudent(max_splits=4)  # noqa: E731
    X, y = load_iris(return_X_y=True)
    for selection in (KFoldOneSE(3, max_swept=3), StableOneSE(3, max_swept=3)):
        model = CREMBOClassifier(student=make(), selection=selection, random_state=0).fit(X, y)
        assert 0.5 < model.stability_ <= 1.0
        stab = np.asarray(model.sweep_["stability"], dtype=float)
        assert np.isfinite(stab).all() and stab.size >= 1
        assert (model.predict(X) == y).mean() > 0.85


def test_allowed_belief_target_is_the_belief_on_the_allowed_classes():
    X, y = problem(5, n=200)
    rng = np.random.default_rng(0)
    belief = rng.dirichlet(np.ones(3), size=200)
    with pytest.raises(ValueError, match="target='allowed_belief' needs"):
        SumOfTreesStudent(target="allowed_belief").fit(X, np.eye(3)[y])
    # every class allowed: the target is the belief itself, so are the trees
    everything = np.ones((200, 3))
    a = SumOfTreesStudent(target="allowed_belief", random_state=0)
    b = SumOfTreesStudent(target="belief", random_state=0)
    a.fit(X, everything, belief=belief)
    b.fit(X, everything, belief=belief)
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X))
    # one class allowed: the target is the one-hot label, as target="allowed" fits it
    onehot = np.eye(3)[y]
    c = SumOfTreesStudent(target="allowed_belief", random_state=0).fit(X, onehot, belief=belief)
    d = SumOfTreesStudent(random_state=0).fit(X, onehot)
    np.testing.assert_allclose(c.decision_function(X), d.decision_function(X))
    # two allowed: each row's target is its belief on them, summing to one, so is every
    # total (a tree after the first fits residuals that sum to zero over the classes)
    two = onehot.copy()
    two[np.arange(200), (y + 1) % 3] = 1
    e = SumOfTreesStudent(target="allowed_belief", random_state=0).fit(X, two, belief=belief)
    np.testing.assert_allclose(e.decision_function(X).sum(axis=1), 1.0)
    f = SumOfTreesStudent(random_state=0).fit(X, two)
    np.testing.assert_allclose(f.decision_function(X).sum(axis=1), 2.0)

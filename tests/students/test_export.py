"""The compressed model as a plain scikit-learn tree: same splits, same predictions."""

import shutil

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier, export_graphviz, export_text

from crembo import CREMBOClassifier, MEMOClassifier, SurrogateClassifier
from crembo.students import AllowedLabelClassifier
from crembo.students.export import student_only, to_sklearn
from crembo.students.tree_fast import GiniRegressionTree

LOADERS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer}


def _teacher(seed=0):
    return RandomForestClassifier(n_estimators=20, max_depth=6, random_state=seed)


def _probe_rows(X, seed=0, n=600):
    """Training rows plus noisy copies: rows the model never saw, in every region."""
    rng = np.random.default_rng(seed)
    noisy = X[rng.integers(0, X.shape[0], n)] + rng.normal(size=(n, X.shape[1])) * X.std(axis=0)
    return np.vstack([X, noisy])


def _assert_same(model, tree, X):
    pred = model.predict(X)
    assert isinstance(tree, DecisionTreeClassifier) and type(tree) is DecisionTreeClassifier
    assert tree.n_outputs_ == 1 and tree.tree_.n_outputs == 1
    np.testing.assert_array_equal(tree.classes_, model.classes_)
    np.testing.assert_array_equal(tree.predict(X), pred)
    proba = tree.predict_proba(X)
    np.testing.assert_array_equal(tree.classes_[proba.argmax(axis=1)], pred)
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-9)


@pytest.mark.parametrize("name", sorted(LOADERS))
@pytest.mark.parametrize("tie_break", ["index", "belief"])
def test_exported_tree_predicts_what_the_model_predicts(name, tie_break):
    X, y = LOADERS[name](return_X_y=True)
    model = CREMBOClassifier(
        _teacher(), preset="paper", tie_break=tie_break, augment=0.5, random_state=0
    ).fit(X, y)
    tree = to_sklearn(model)
    _assert_same(model, tree, _probe_rows(X))
    inner = model.student_.estimator_.tree_
    t = tree.tree_
    np.testing.assert_array_equal(t.children_left, inner.children_left)
    np.testing.assert_array_equal(t.children_right, inner.children_right)
    np.testing.assert_array_equal(t.feature, inner.feature)
    np.testing.assert_array_equal(t.threshold, inner.threshold)
    np.testing.assert_array_equal(t.n_node_samples, inner.n_node_samples)
    np.testing.assert_array_equal(t.missing_go_to_left, inner.missing_go_to_left)
    np.testing.assert_array_equal(tree.apply(X), model.student_.estimator_.apply(X))
    assert tree.get_depth() == model.student_.estimator_.get_depth()
    assert tree.get_n_leaves() == model.student_.estimator_.get_n_leaves()
    assert tree.decision_path(X).shape == (X.shape[0], t.node_count)


def test_belief_tie_break_is_kept_where_it_changes_the_prediction():
    # low thresholds make leaves where several classes are allowed everywhere: there the
    # tie-break decides, and the exported tree must decide the same way
    X, y = load_wine(return_X_y=True)
    seen = 0
    for seed in range(4):
        model = MEMOClassifier(_teacher(seed), tie_break="belief", random_state=seed).fit(X, y)
        tree = to_sklearn(model)
        Z = _probe_rows(X, seed)
        _assert_same(model, tree, Z)
        by_index = AllowedLabelClassifier(DecisionTreeClassifier())
        by_index.__dict__.update(model.student_.__dict__, tie_break="index", tie_scores_=None)
        seen += int((by_index.predict(Z) != model.student_.predict(Z)).sum())
    assert seen > 0  # the tie-break mattered somewhere, so the check above meant something


def test_missing_values_follow_the_same_branches():
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    X = X.copy()
    X[rng.random(X.shape) < 0.15] = np.nan
    teacher = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0)
    model = CREMBOClassifier(teacher, preset="paper", random_state=0).fit(X, y)
    tree = to_sklearn(model)
    Z = _probe_rows(np.nan_to_num(X), 1)
    Z[rng.random(Z.shape) < 0.3] = np.nan
    _assert_same(model, tree, Z)
    assert np.isnan(Z[:, tree.tree_.feature[0]]).any()  # the root's feature is missing somewhere


def test_string_labels_and_feature_names_from_a_frame():
    pd = pytest.importorskip("pandas")
    data = load_iris(as_frame=True)
    X = data.data
    y = pd.Series(np.asarray(data.target_names)[data.target]).rename("species")
    model = CREMBOClassifier(_teacher(), preset="paper", random_state=0).fit(X, y)
    tree = to_sklearn(model)
    np.testing.assert_array_equal(tree.feature_names_in_, X.columns)
    np.testing.assert_array_equal(tree.classes_, ["setosa", "versicolor", "virginica"])
    np.testing.assert_array_equal(tree.predict(X), model.predict(X))
    text = export_text(tree, feature_names=list(tree.feature_names_in_))
    assert "petal" in text and "class: setosa" in text
    # export_text labels each leaf with the class the tree predicts there
    leaves = tree.apply(X)
    shown = {}
    for leaf in np.unique(leaves):
        shown[leaf] = tree.classes_[tree.tree_.value[leaf, 0].argmax()]
        assert (model.predict(X)[leaves == leaf] == shown[leaf]).all()


def test_scikit_learn_renderers_read_the_tree():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.tree import plot_tree

    data = load_wine()
    model = CREMBOClassifier(_teacher(), preset="paper", random_state=0).fit(data.data, data.target)
    tree = to_sklearn(model)
    fig, ax = plt.subplots()
    artists = plot_tree(tree, feature_names=data.feature_names, class_names=data.target_names)
    plt.close(fig)
    boxes = [a.get_text() for a in artists if "samples =" in a.get_text()]
    assert len(boxes) == tree.tree_.node_count
    assert any("class = class_0" in b for b in boxes)
    dot = export_graphviz(tree, feature_names=data.feature_names, class_names=data.target_names)
    assert dot.count("->") == tree.tree_.node_count - 1
    text = export_text(tree, feature_names=data.feature_names)
    assert text.count("class:") == tree.get_n_leaves()


def test_dtreeviz_renders_the_exported_tree():
    dtreeviz = pytest.importorskip("dtreeviz")
    pytest.importorskip("matplotlib").use("Agg")
    data = load_iris()
    X, y = data.data, data.target
    model = CREMBOClassifier(_teacher(), preset="paper", random_state=0).fit(X, y)
    tree = to_sklearn(model)
    viz = dtreeviz.model(
        tree,
        X,
        model.predict(X),
        feature_names=list(data.feature_names),
        class_names=list(data.target_names),
    )
    # renderings that need only matplotlib
    import logging

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # no Arial here
    import matplotlib.pyplot as plt

    path = viz.explain_prediction_path(X[60])
    assert "petal" in path
    viz.leaf_sizes()
    viz.ctree_leaf_distributions()
    assert len(plt.get_fignums()) >= 2
    plt.close("all")
    if shutil.which("dot") is not None:  # graphviz's binary is no Python package
        assert "<svg" in viz.view().svg()


def test_gini_regression_tree_student():
    X, y = load_wine(return_X_y=True)
    model = CREMBOClassifier(
        _teacher(), GiniRegressionTree(max_depth=3), preset="paper", random_state=0
    ).fit(X, y)
    assert type(model.student_.estimator_) is GiniRegressionTree
    tree = to_sklearn(model)
    _assert_same(model, tree, _probe_rows(X))
    assert tree.get_depth() <= 3


def test_surrogate_and_plain_trees():
    X, y = load_iris(return_X_y=True)
    vt = SurrogateClassifier(_teacher(), random_state=0).fit(X, y)
    tree = to_sklearn(vt)
    _assert_same(vt, tree, _probe_rows(X))
    assert tree is not vt.student_
    # a VT student that never saw one class of its teacher: the column is there, at zero
    teacher = _teacher().fit(X, y)
    keep = y != 1
    vt2 = SurrogateClassifier(teacher, random_state=0).fit(X[keep], y[keep])
    tree2 = to_sklearn(vt2)
    np.testing.assert_array_equal(tree2.classes_, [0, 1, 2])
    _assert_same(vt2, tree2, _probe_rows(X))
    plain = DecisionTreeClassifier(max_depth=2).fit(X, y)
    np.testing.assert_array_equal(to_sklearn(plain).predict(X), plain.predict(X))


def test_constant_student_exports_one_leaf():
    X, y = load_iris(return_X_y=True)
    belief = np.tile([0.6, 0.3, 0.1], (X.shape[0], 1))
    model = MEMOClassifier(random_state=0).fit(X, y, belief=belief)
    assert model.student_.estimator_ is None
    tree = to_sklearn(model)
    assert tree.get_n_leaves() == 1 and tree.get_depth() == 0
    _assert_same(model, tree, X)
    assert "class: 0" in export_text(tree)


def test_student_only_is_small_and_loads(tmp_path):
    import crembo

    X, y = load_breast_cancer(return_X_y=True)
    model = CREMBOClassifier(preset="paper", random_state=0).fit(X, y)
    small = student_only(model)
    full_path = crembo.save(model, tmp_path / "full.crembo")
    small_path = crembo.save(small, tmp_path / "small.crembo")
    assert small_path.stat().st_size < 50_000 < full_path.stat().st_size
    loaded = crembo.load(small_path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_non_tree_students_are_refused():
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    # a few candidate thresholds: the sweep's every-threshold logistic fits are not the point
    model = CREMBOClassifier(
        _teacher(),
        LogisticRegression(max_iter=200),
        preset="paper",
        max_candidates=4,
        random_state=0,
    ).fit(X, y)
    assert model.student_.estimator_ is not None
    with pytest.raises(TypeError, match="decision tree"):
        to_sklearn(model)


@pytest.mark.parametrize("tie_break", ["index", "belief"])
def test_shrunk_allowed_label_student(tie_break):
    X, y = load_wine(return_X_y=True)
    belief = _teacher().fit(X, y).predict_proba(X)
    Y = (belief >= 0.3).astype(np.uint8)
    plain = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=4, random_state=0))
    student = AllowedLabelClassifier(
        DecisionTreeClassifier(max_depth=4, random_state=0), tie_break=tie_break, shrinkage=20.0
    ).fit(X, Y, belief=belief)
    plain.fit(X, Y)
    tree = to_sklearn(student)
    Z = _probe_rows(X)
    np.testing.assert_array_equal(tree.classes_, [0, 1, 2])
    np.testing.assert_array_equal(tree.predict(Z), student.predict(Z))
    np.testing.assert_allclose(tree.predict_proba(Z), student.predict_proba(Z), atol=1e-9)
    # shrinkage moved the probabilities, and the exported tree carries the moved ones
    assert np.abs(tree.predict_proba(Z) - plain.predict_proba(Z)).max() > 1e-3


def test_estimator_methods_and_print():
    import crembo

    X, y = load_iris(return_X_y=True)
    for model in (
        CREMBOClassifier(_teacher(), preset="paper", random_state=0),
        MEMOClassifier(_teacher(), random_state=0),
    ):
        assert str(model) == repr(model)  # unfitted: scikit-learn's repr
        model.fit(X, y)
        _assert_same(model, model.to_sklearn(), _probe_rows(X))
        np.testing.assert_array_equal(model.student_only().predict(X), model.predict(X))
        text = str(model)
        assert text.startswith(type(model).__name__ + ": a tree of depth")
        assert model.rules() in text and "predict " in model.rules()
        assert repr(model).startswith(type(model).__name__ + "(")
        assert crembo.rules(model) == model.rules()

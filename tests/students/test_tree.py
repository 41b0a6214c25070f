"""The tree student read as if/else rules: names, one-hot columns, missing values, counts."""

import re

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from crembo import CREMBOClassifier
from crembo.students.tree import describe, rules, tree_leaves, tree_rules

pd = pytest.importorskip("pandas")

LEAF = re.compile(r"predict (\S+)  # (\d+) (?:fitted )?rows?(?:, (\d+) of them \S+)?;")


def _teacher(seed=0):
    return RandomForestClassifier(n_estimators=20, max_depth=6, random_state=seed)


def _leaves(text):
    return [
        (m.group(1), int(m.group(2)), None if m.group(3) is None else int(m.group(3)))
        for m in map(LEAF.search, text.splitlines())
        if m
    ]


def _titanic_like(n=600, seed=0):
    """Age with missing values, one-hot sex and class columns named ``col=value``."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(1, 80, n)
    age[rng.random(n) < 0.25] = np.nan
    sex = rng.choice(["male", "female"], n)
    cls = rng.choice(["1st", "2nd", "3rd"], n)
    child = np.nan_to_num(age, nan=40) < 10
    survived = ((sex == "female") ^ (rng.random(n) < 0.1)) | (child & (rng.random(n) < 0.8))
    survived &= ~(np.isnan(age) & (sex == "male"))
    X = pd.DataFrame({"age": age})
    for v in ("female", "male"):
        X[f"sex={v}"] = (sex == v).astype(float)
    for v in ("1st", "2nd", "3rd"):
        X[f"class={v}"] = (cls == v).astype(float)
    return X, np.where(survived, "yes", "no")


def test_feature_names_of_the_frame_and_class_labels():
    data = load_iris(as_frame=True)
    y = np.asarray(data.target_names)[data.target]
    model = CREMBOClassifier(_teacher(), preset="paper", random_state=0).fit(data.data, y)
    text = rules(model)
    assert "if petal" in text and "x[" not in text
    assert {c for c, _, _ in _leaves(text)} <= set(data.target_names)
    assert "fitted rows" not in text  # the paper's algorithm fits no synthetic rows
    fitted = model.student_.estimator_.tree_.n_node_samples[0]  # the search rows
    assert sum(n for _, n, _ in _leaves(rules(model, merge=False))) == fitted
    assert rules(model, feature_names=["a", "b", "c", "d"]).count("if ") == text.count("if ")
    assert "if c <=" in rules(model, feature_names=["a", "b", "c", "d"]) or "if d <=" in rules(
        model, feature_names=["a", "b", "c", "d"]
    )


def test_leaf_labels_are_the_predictions_and_real_rows_are_counted():
    data = load_wine()
    X, y = data.data, data.target
    model = CREMBOClassifier(_teacher(), preset="paper", augment=1.0, random_state=0).fit(X, y)
    without = rules(model, class_names=data.target_names)
    assert "fitted rows" in without  # the tree's counts hold the synthetic rows too
    fitted = model.student_.estimator_.tree_.n_node_samples[0]  # search rows + synthetic
    assert sum(n for _, n, _ in _leaves(rules(model, merge=False))) == fitted > X.shape[0]
    for merge in (True, False):
        pred = model.predict(X)
        text = rules(model, class_names=data.target_names, X=X, y=pred, merge=merge)
        leaves = _leaves(text)
        assert "fitted rows" not in text
        assert sum(n for _, n, _ in leaves) == X.shape[0]
        assert all(k == n for _, n, k in leaves)  # every row predicted as its leaf says
        true = _leaves(rules(model, X=X, y=y, merge=merge))
        assert sum(k for _, _, k in true) == int((pred == y).sum())


def test_one_hot_columns_and_missing_values_read_as_words():
    X, y = _titanic_like()
    model = CREMBOClassifier(_teacher(), preset="paper", random_state=0).fit(X, y)
    text = rules(model, X=X, y=y)
    used = {str(X.columns[f]) for f in model.student_.estimator_.tree_.feature if f >= 0}
    assert "sex=female" in used or "sex=male" in used
    assert re.search(r"if sex == (fe)?male", text)
    assert "sex=" not in text and "<= inf" not in text and "inf" not in text
    assert "or missing" in text  # X has missing ages: the rules say where they go
    assert sum(n for _, n, _ in _leaves(rules(model, X=X))) == len(X)


def test_a_split_of_missing_from_present_values():
    X, _ = _titanic_like()
    y = np.where(np.isnan(X["age"]), "unknown", "known")
    tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y)
    # scikit-learn stores "missing one way, every present value the other" as age <= inf
    assert np.isinf(tree.tree_.threshold[0])
    for X_given in (None, X):
        text = rules(tree, X=X_given)
        assert "if age is missing:" in text and "inf" not in text
        assert text.splitlines()[1].strip().startswith("predict unknown")


def test_missing_direction_is_said_where_a_threshold_split_sends_missing_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] > 0).astype(int)
    X[rng.random(400) < 0.3, 0] = np.nan
    y[np.isnan(X[:, 0])] = 1  # missing rows side with the large values
    tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y)
    t = tree.tree_
    assert np.isfinite(t.threshold[0])
    text = rules(tree, ["x0", "x1"], X=X, missing="auto")
    if t.missing_go_to_left[0]:
        assert "x0 <=" in text and "or x0 is missing:" in text
    else:
        assert "else:  # x0 >" in text and "or missing" in text
    plain = rules(tree, ["x0", "x1"])
    assert "missing" not in plain  # without X nothing says where missing rows go
    assert "missing" in rules(tree, ["x0", "x1"], missing=True)


def test_close_thresholds_never_read_the_same():
    X = np.array([[1.0], [1.00001], [1.00002], [1.00003]])
    y = np.array([0, 1, 0, 1])
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    t = tree.tree_
    values = t.threshold[t.children_left >= 0]
    assert np.unique(values).size >= 2
    text = rules(tree, ["x"], merge=False)
    shown = re.findall(r"x <= (\S+):", text)
    assert len(shown) == values.size
    assert len(set(shown)) == np.unique(values).size  # distinct thresholds, distinct text
    assert all(abs(float(s) - v) < 1e-5 for s, v in zip(shown, sorted(values), strict=False))
    # and few digits where few suffice
    wide = rules(DecisionTreeClassifier(max_depth=1).fit([[0.0], [10.0]], [0, 1]), ["x"])
    assert "if x <= 5.00:" in wide


def test_describe_and_tree_rules():
    X, y = load_iris(return_X_y=True)
    model = CREMBOClassifier(_teacher(), preset="paper", random_state=0)
    assert describe(model) == repr(model)
    model.fit(X, y)
    text = describe(model)
    first, rest = text.split("\n", 1)
    assert first.startswith("CREMBOClassifier: a tree of depth") and "θ =" in first
    assert f"with {tree_leaves(model)} leaves" in first
    assert rest == rules(model)
    assert tree_rules(model, merge=False).count("predict ") == tree_leaves(model)


def test_bad_arguments_are_named():
    X, y = load_iris(return_X_y=True)
    model = CREMBOClassifier(_teacher(), preset="paper", random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="digits"):
        rules(model, digits=0)
    with pytest.raises(ValueError, match="missing"):
        rules(model, missing="sometimes")
    with pytest.raises(ValueError, match="X must have shape"):
        rules(model, X=X[:, :2])
    with pytest.raises(ValueError, match="y must have shape"):
        rules(model, X=X, y=y[:10])
    with pytest.raises(ValueError, match="feature_names"):
        rules(model, feature_names=["a"])

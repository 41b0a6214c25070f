"""The batched allowed-label trees against scikit-learn trees fitted one threshold at a time."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.tree import DecisionTreeClassifier

from crembo.students.batched import _bin, grow_allowed_label_trees
from crembo.students.sklearn import AllowedLabelClassifier


def problem(seed=1, n=240, d=4, c=3, levels=30):
    """Integer features (exact bins) and a belief that depends on them. With seed 1 no split
    search of the trees below meets two equal gains (checked: scikit-learn grows the same trees
    under six random states), so the trees must agree exactly."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, levels, size=(n, d)).astype(float)
    logits = np.column_stack(
        [np.sin(X[:, 0] / 5) * 2, X[:, 1] / 10 - X[:, 2] / 15, np.cos(X[:, 3] / 4)]
    ) + rng.normal(0, 0.7, (n, c))
    belief = np.exp(logits)
    belief /= belief.sum(axis=1, keepdims=True)
    belief = np.round(belief, 3)
    thresholds = np.quantile(belief, [0.2, 0.35, 0.5, 0.65, 0.8])
    masks = np.vstack([np.arange(n) % 4 != 0, np.ones(n, dtype=bool)])
    return X, belief, thresholds, masks


def sklearn_student(X, belief, threshold, rows, sample_weight=None, tie_break="index", **params):
    Y = (belief >= threshold).astype(np.uint8)
    student = AllowedLabelClassifier(DecisionTreeClassifier(random_state=0, **params), tie_break)
    w = None if sample_weight is None else sample_weight[rows]
    return student.fit(X[rows], Y[rows], sample_weight=w, belief=belief[rows])


def assert_same_trees(trees, X, belief, thresholds, masks, sample_weight=None, **params):
    pred = trees.predict(X)
    for m in range(masks.shape[0]):
        for t, theta in enumerate(thresholds):
            student = sklearn_student(X, belief, theta, masks[m], sample_weight, **params)
            np.testing.assert_array_equal(pred[m, t, 0], student.predict(X), err_msg=f"{m},{t}")
            mine = trees.tree(m, t)
            if student.estimator_ is None:  # every column constant: a single leaf
                assert mine.node_count == 1
                continue
            sk = student.estimator_.tree_
            np.testing.assert_array_equal(mine.feature, sk.feature)
            np.testing.assert_array_equal(mine.threshold, sk.threshold)
            np.testing.assert_array_equal(mine.n_node_samples, sk.n_node_samples)
            leaf = mine.is_leaf
            assert sorted(mine.n_node_samples[leaf]) == sorted(sk.n_node_samples[sk.feature < 0])
            # impurity: scikit-learn's is the mean over the fitted (non-constant) columns
            total = (sk.impurity * sk.weighted_n_node_samples)[leaf].sum() * student.active_.size
            mine_total = (mine.impurity * mine.weighted_n_node_samples)[leaf].sum()
            np.testing.assert_allclose(mine_total, total, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("min_samples_leaf", [1, 5])
def test_same_trees_as_sklearn(min_samples_leaf):
    X, belief, thresholds, masks = problem()
    trees = grow_allowed_label_trees(
        X, belief, thresholds, masks, max_depth=3, min_samples_leaf=min_samples_leaf
    )
    assert trees.predict(X).shape == (2, thresholds.size, 1, X.shape[0])
    assert_same_trees(
        trees, X, belief, thresholds, masks, max_depth=3, min_samples_leaf=min_samples_leaf
    )


def test_bin_codes_take_one_byte_up_to_256_bins():
    X = np.random.default_rng(0).normal(size=(600, 2)).astype(np.float32)
    used = np.ones(600, dtype=bool)
    assert _bin(X, used, 256)[0].dtype == np.uint8
    codes = _bin(X, used, 512)[0]  # two bytes a value: the search is held to NumPy's below
    assert codes.dtype == np.uint16 and codes.shape == (2, 600) and codes.max() == 511


def test_same_trees_with_sample_weights_and_min_samples_split():
    X, belief, thresholds, masks = problem()
    w = np.random.default_rng(3).uniform(0.5, 2.0, X.shape[0])
    w[:5] = 0.0  # zero-weight rows take no part, as in scikit-learn
    params = dict(max_depth=3, min_samples_split=30)
    trees = grow_allowed_label_trees(X, belief, thresholds, masks, sample_weight=w, **params)
    assert_same_trees(trees, X, belief, thresholds, masks, sample_weight=w, **params)


def test_belief_tie_break_matches_the_sklearn_student():
    X, belief, _, masks = problem()
    # low thresholds allow several classes in whole leaves: the ties the belief breaks
    thresholds = np.array([0.01, 0.05, 0.1])
    w = np.random.default_rng(4).uniform(0.5, 2.0, X.shape[0])
    for tie_break in ("index", "belief"):
        trees = grow_allowed_label_trees(
            X, belief, thresholds, masks, max_depth=2, sample_weight=w, tie_break=tie_break
        )
        pred = trees.predict(X)
        for m in range(2):
            for t, theta in enumerate(thresholds):
                student = sklearn_student(
                    X, belief, theta, masks[m], w, tie_break=tie_break, max_depth=2
                )
                np.testing.assert_array_equal(pred[m, t, 0], student.predict(X))
        if tie_break == "index":
            index_pred = pred
    assert not np.array_equal(index_pred, pred)  # the tie-break did change something


def test_binned_features_split_as_sklearn_on_the_bins():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    belief = np.column_stack([1 / (1 + np.exp(-3 * X[:, 0] * X[:, 1])), np.full(300, 0.5)])
    belief[:, 1] = 1 - belief[:, 0]
    thresholds = np.array([0.3, 0.5, 0.7])
    trees = grow_allowed_label_trees(X, belief, thresholds, max_depth=3, max_bins=8)
    codes, lo, hi = _bin(X.astype(np.float32), np.ones(300, dtype=bool), 8)
    assert lo.shape == (3, 8)
    pred = trees.predict(X)
    for t, theta in enumerate(thresholds):
        student = sklearn_student(codes.T.astype(float), belief, theta, slice(None), max_depth=3)
        np.testing.assert_array_equal(pred[0, t, 0], student.predict(codes.T.astype(float)))


def shrink(tree, lam):
    """Hierarchical shrinkage written out node by node (the imodels formula)."""
    out = np.empty_like(tree.allowed)

    def walk(i, parent, acc):
        if parent is None:
            acc = tree.allowed[i].copy()
        else:
            n_parent = tree.weighted_n_node_samples[parent]
            acc = acc + (tree.allowed[i] - tree.allowed[parent]) / (1 + lam / n_parent)
        out[i] = acc
        if tree.children_left[i] >= 0:
            walk(tree.children_left[i], i, acc)
            walk(tree.children_right[i], i, acc)

    walk(0, None, None)
    return out


def test_shrinkage_follows_the_formula_and_imodels():
    X, belief, thresholds, masks = problem()
    lams = (0.0, 1.0, 25.0)
    w = np.random.default_rng(5).uniform(0.5, 2.0, X.shape[0])
    trees = grow_allowed_label_trees(
        X, belief, thresholds, masks, max_depth=3, shrinkage=lams, sample_weight=w
    )
    pred = trees.predict(X)
    for m in range(2):
        for t in range(thresholds.size):
            base = trees.tree(m, t, 0)
            np.testing.assert_array_equal(base.value, base.allowed)
            for li, lam in enumerate(lams):
                tree = trees.tree(m, t, li)
                np.testing.assert_allclose(tree.value, shrink(base, lam), atol=1e-12)
                # predict is the argmax (lowest index within 1e-9) at each row's leaf
                leaf = apply(tree, X)
                top = tree.value.max(axis=1, keepdims=True)
                expected = (top - tree.value <= 1e-9).argmax(axis=1)[leaf]
                np.testing.assert_array_equal(pred[m, t, li], expected)
    assert not np.array_equal(pred[:, :, 0], pred[:, :, 2])  # shrinkage changed predictions

    imodels = pytest.importorskip("imodels")
    # one fitted output (class 0 allowed everywhere, 2 nowhere): imodels' classifier takes it
    b1 = belief.copy()
    b1[:, 0], b1[:, 2] = 1.0, 0.0
    trees = grow_allowed_label_trees(X, b1, thresholds, max_depth=3, shrinkage=(10.0,))
    for t, theta in enumerate(thresholds):
        student = sklearn_student(X, b1, theta, slice(None), max_depth=3)
        assert student.active_.size == 1
        hs = imodels.HSTreeClassifier(estimator_=student.estimator_, reg_param=10.0)
        np.testing.assert_allclose(
            trees.tree(0, t, 0).value[:, 1], hs.estimator_.tree_.value[:, 0, 1], atol=1e-12
        )


def apply(tree, X):
    """Leaf of each row, walking the tree arrays."""
    node = np.zeros(X.shape[0], dtype=int)
    for _ in range(tree.node_count):
        inner = tree.children_left[node] >= 0
        go_left = (
            X.astype(np.float32)[np.arange(X.shape[0]), tree.feature[node]]
            <= (tree.threshold[node])
        )
        nxt = np.where(go_left, tree.children_left[node], tree.children_right[node])
        node = np.where(inner, nxt, node)
    return node


def test_constant_allowed_labels_give_one_leaf():
    X, belief, _, masks = problem()
    # below every belief: all allowed; above every belief: none allowed
    thresholds = np.array([-1.0, 0.0, 1.5])
    trees = grow_allowed_label_trees(X, belief, thresholds, masks, tie_break="belief")
    pred = trees.predict(X)
    for m in range(2):
        for t in (0, 2):
            tree = trees.tree(m, t)
            assert tree.node_count == 1
            student = sklearn_student(X, belief, thresholds[t], masks[m], tie_break="belief")
            np.testing.assert_array_equal(pred[m, t, 0], student.predict(X))
    assert np.all(trees.tree(0, 2).value == 0.0) and np.all(trees.tree(0, 0).value == 1.0)


def test_deterministic_and_tree_arrays_route_like_predict():
    X, belief, thresholds, masks = problem()
    kwargs = dict(max_depth=4, shrinkage=(0.0, 5.0))
    a = grow_allowed_label_trees(X, belief, thresholds, masks, **kwargs)
    b = grow_allowed_label_trees(X, belief, thresholds, masks, **kwargs)
    Xn = np.random.default_rng(9).integers(-2, 33, size=(50, 4)).astype(float)
    np.testing.assert_array_equal(a.predict(Xn), b.predict(Xn))
    for m, t, li in [(0, 0, 0), (1, 3, 1), (1, 4, 0)]:
        ta, tb = a.tree(m, t, li), b.tree(m, t, li)
        np.testing.assert_array_equal(ta.threshold, tb.threshold)
        np.testing.assert_array_equal(ta.prediction[apply(ta, Xn)], a.predict(Xn)[m, t, li])


def test_sharing_on_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    # a smooth belief: many thresholds, neighbours differing in a few rows
    score = 1 / (1 + np.exp(-(X[:, 27] - 0.11) * 40 - (X[:, 22] - 110) / 20))
    belief = np.round(np.column_stack([1 - score, score]), 2)
    thresholds = np.unique(belief)[1:]
    masks = np.vstack([rng.integers(0, 3, X.shape[0]) != k for k in range(3)])
    trees = grow_allowed_label_trees(X, belief, thresholds, masks, max_depth=4)
    full = masks.shape[0] * thresholds.size
    assert trees.n_nodes_ <= full * 31
    # measured: 3,733 nodes grown for 6,661 (9,021 in full trees)
    assert trees.n_groups_ < 0.6 * trees.n_nodes_
    assert trees.predict(X[:10]).shape == (3, thresholds.size, 1, 10)


@pytest.mark.parametrize(
    "change, name",
    [
        (dict(X=np.ones(10)), "X"),
        (dict(X=np.ones((5, 2))), "belief has 10 rows but X has 5"),
        (dict(X=np.full((10, 2), np.nan)), "X"),
        (dict(belief=np.ones((10, 2)) * 2), "belief"),
        (dict(belief=np.ones((9, 2))), "belief"),
        (dict(thresholds=[0.5, 0.5]), "thresholds"),
        (dict(thresholds=[0.6, 0.4]), "thresholds"),
        (dict(thresholds=[]), "thresholds"),
        (dict(masks=np.ones((2, 9), dtype=bool)), "masks"),
        (dict(masks=np.ones((2, 10))), "masks"),
        (dict(masks=np.zeros((1, 10), dtype=bool)), "masks"),
        (dict(sample_weight=-np.ones(10)), "sample_weight"),
        (dict(max_depth=-1), "max_depth"),
        (dict(min_samples_leaf=0), "min_samples_leaf"),
        (dict(min_samples_split=1.5), "min_samples_split"),
        (dict(max_bins=1), "max_bins"),
        (dict(shrinkage=(-1.0,)), "shrinkage"),
        (dict(tie_break="random"), "tie_break"),
    ],
)
def test_bad_input_names_the_argument(change, name):
    rng = np.random.default_rng(0)
    args = dict(X=rng.normal(size=(10, 2)), belief=rng.uniform(size=(10, 2)), thresholds=[0.5])
    args.update(change)
    with pytest.raises(ValueError, match=name):
        grow_allowed_label_trees(**args)


def test_bad_predict_and_tree_arguments():
    X, belief, thresholds, masks = problem()
    trees = grow_allowed_label_trees(X, belief, thresholds, masks, max_depth=2)
    with pytest.raises(ValueError, match="features"):
        trees.predict(X[:, :2])
    with pytest.raises(ValueError, match="X"):
        trees.predict(np.full((2, 4), np.inf))
    with pytest.raises(ValueError, match="t must"):
        trees.tree(0, thresholds.size)


def _all_arrays(trees, X):
    out = {"pred": trees.predict(X)}
    for m in range(trees.n_families_):
        for t in range(trees.thresholds_.size):
            for l in range(trees.shrinkage_.size):  # noqa: E741
                one = trees.tree(m, t, l)
                for name in ("feature", "threshold", "children_left", "value", "prediction"):
                    out[f"{m}/{t}/{l}/{name}"] = getattr(one, name)
    return out


@pytest.mark.parametrize(
    "params",
    [
        dict(max_depth=4),
        dict(max_depth=None, min_samples_leaf=3, tie_break="belief", max_bins=8),
        dict(max_depth=3, min_samples_split=40, shrinkage=(0.0, 5.0)),
        dict(max_depth=3, max_bins=512),  # the continuous feature: 300 bins, two-byte codes
    ],
)
def test_compiled_search_is_the_full_grid_search_bit_for_bit(monkeypatch, params):
    """Unit weights take the compiled search on each node's present bins; forced onto the
    NumPy full-grid search (the one weighted rows take) it must give the very same arrays."""
    import crembo.students.batched as batched

    rng = np.random.default_rng(7)
    n, c = 300, 4
    # features of 2 to 40 distinct values and a continuous one: many bins absent per node
    X = np.column_stack(
        [rng.integers(0, k, n) for k in (2, 3, 5, 12, 40)] + [rng.normal(size=n)]
    ).astype(float)
    logits = X[:, :c] / (1 + X[:, :c].std(axis=0)) + rng.normal(0, 0.8, (n, c))
    belief = np.round(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), 2)
    thresholds = np.unique(np.quantile(belief, np.linspace(0.05, 0.95, 12)))
    masks = np.vstack([rng.uniform(size=n) < 0.8 for _ in range(3)] + [np.ones(n, dtype=bool)])
    compact = _all_arrays(grow_allowed_label_trees(X, belief, thresholds, masks, **params), X)

    def full_grid(cand, base, n_st, order, pstart, pair_row, q, codes, lo, hi, min_leaf, *out):
        ctx = dict(base=base, n_st=n_st, order=order, pstart=pstart, pair_row=pair_row, q=q)
        ctx.update(w=np.ones(codes.shape[1]), lo=lo, hi=hi, min_leaf=min_leaf, codes=codes)
        batched._split_chunk(cand, ctx, *out)

    monkeypatch.setattr(batched, "split_groups_unit", full_grid)
    full = _all_arrays(grow_allowed_label_trees(X, belief, thresholds, masks, **params), X)
    assert compact.keys() == full.keys()
    assert (compact["pred"] >= 0).all() and np.unique(compact["pred"]).size > 1
    for key, value in full.items():
        np.testing.assert_array_equal(compact[key], value, err_msg=key)


def test_kernels_compile_without_a_writable_cache(monkeypatch):
    """Where numba finds no directory to cache in, it raises at decoration; the kernels are
    then compiled in each process instead of failing the import."""
    import numba

    from crembo.students import batched_jit

    real = numba.njit

    def no_cache(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file 'x'")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_cache)

    def twice(a):
        return 2 * a

    assert batched_jit._jit(twice)(21) == 42

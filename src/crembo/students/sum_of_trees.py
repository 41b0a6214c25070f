"""A sum of small trees fitted to the allowed labels: FIGS's greedy growth on ``Y_θ``.

Why one file of more than 500 lines: it is one algorithm (binning, the greedy grower over the
sum's trees, the fitted arrays) whose private pieces share one layout; its rules and picture
are :mod:`crembo.students.sum_of_trees_view`.

:class:`SumOfTreesStudent` grows several small regression trees whose leaf values add up to a
score per class, one split at a time, as FIGS does (Tan et al., "Fast interpretable greedy-tree
sums", PNAS 2025; imodels' ``FIGSClassifier``): at each step, among every leaf of every tree
and the root of a possible new tree, it takes the split with the largest decrease of the
squared error of that tree's residual (the targets minus the other trees' predictions), until
``max_splits`` splits are made. The targets are the multi-hot allowed labels ``Y`` (or the
teacher's belief), so each class's total is an estimate of its probability of being allowed
and the student predicts the class with the highest total. Fitted to one-hot labels it is
FIGS: same splits, same leaf values (``tests/students/test_sum_of_trees.py``).

The split search is scikit-learn's for a regression stump (thresholds midway between
consecutive distinct ``float32`` values, ``min_samples_leaf`` rows on each side), vectorized
over rows and features with NumPy. A missing value (NaN) fails every test ``x <= t`` and goes
to the right child, at fit and predict time.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csc_matrix
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from crembo._compat import Interval, StrOptions, validate_data, validate_params
from crembo.depth import allowed_belief
from crembo.students.sklearn import break_ties

__all__ = ["AdditiveTree", "SumOfTreesStudent"]

#: scikit-learn's FEATURE_THRESHOLD: values closer than this are one value to a split.
_FEATURE_THRESHOLD = 1e-7
#: scikit-learn's EPSILON: a node whose impurity is at most this is not split.
_EPSILON = np.finfo(np.float64).eps
#: A tied class is nudged by this much in predict_proba, so that its argmax is predict.
_NUDGE = 1e-9


#: What the trees are fitted to, by ``target``: ``f(Y, belief)``.
_TARGETS = {
    "allowed": lambda Y, belief: Y,
    "belief": lambda Y, belief: belief,
    "allowed_belief": allowed_belief,
}


@dataclass(frozen=True)
class AdditiveTree:
    """One fitted tree of the sum, in scikit-learn's node layout (parents before children).

    Attributes
    ----------
    feature : ndarray of int
        Split feature of each node (-2 at leaves).
    threshold : ndarray of float
        Go left when ``x[feature] <= threshold`` (NaN at leaves; missing values go right).
    children_left, children_right : ndarray of int
        Children of each node (-1 at leaves).
    value : ndarray of shape (n_nodes, n_classes)
        What a leaf adds to each class's score (at an inner node: its value before it was
        split).
    n_node_samples : ndarray of int
    weighted_n_node_samples : ndarray of float
    """

    feature: np.ndarray
    threshold: np.ndarray
    children_left: np.ndarray
    children_right: np.ndarray
    value: np.ndarray
    n_node_samples: np.ndarray
    weighted_n_node_samples: np.ndarray

    @property
    def is_leaf(self) -> np.ndarray:
        return self.children_left < 0

    @property
    def n_leaves(self) -> int:
        return int(self.is_leaf.sum())

    @property
    def n_splits(self) -> int:
        return int(self.feature.size - self.n_leaves)

    @property
    def depth(self) -> int:
        d = np.zeros(self.feature.size, dtype=int)
        for node in range(self.feature.size):  # parents come before children
            if self.children_left[node] >= 0:
                d[[self.children_left[node], self.children_right[node]]] = d[node] + 1
        return int(d.max())

    def apply(self, X32) -> np.ndarray:
        """Leaf of each row of a ``float32`` matrix, routed level by level."""
        node = np.zeros(X32.shape[0], dtype=np.intp)
        rows = np.arange(X32.shape[0])
        while True:
            f = self.feature[node]
            inner = f >= 0
            if not inner.any():
                return node
            go_left = X32[rows, np.maximum(f, 0)] <= self.threshold[node]  # NaN: right
            step = np.where(go_left, self.children_left[node], self.children_right[node])
            node = np.where(inner, step, node)


class SumOfTreesStudent(ClassifierMixin, BaseEstimator):
    """Several small trees whose leaf values add up, grown greedily on allowed labels (FIGS).

    Parameters
    ----------
    max_splits : int, default=15
        Splits over all trees (FIGS's ``max_rules``); the model has ``max_splits + n_trees``
        leaves at most.
    max_depth : int or None, default=4
        Largest depth of each tree (a node at this depth is not split). None: no limit.
    max_trees : int or None, default=None
        Largest number of trees. None: no limit.
    min_samples_leaf : int, default=1
        Fitted rows on each side of a split, at least.
    max_bins : int or None, default=64
        A feature with more distinct values than this is cut only between ``max_bins``
        quantile ranges of its values (the search then costs far less on wide, continuous
        data). None: every cut between distinct values, as FIGS.
    target : {"allowed", "belief", "allowed_belief"}, default="allowed"
        Fit the trees to the allowed labels ``Y``, to the teacher's belief, or to the belief
        on the allowed classes only (zero elsewhere, renormalized per row: the bulk of the
        belief that ``Y_θ`` keeps). The last two need ``belief`` in :meth:`fit`.
    tie_break : {"index", "belief"}, default="index"
        Among classes whose totals tie, predict the lowest index, or the one with the highest
        mean teacher belief over the fitted rows of the row's leaves (averaged over the
        trees); ``"belief"`` needs ``belief`` in :meth:`fit`.
    random_state : int, RandomState instance or None, default=None
        Order in which features are searched, which decides between splits of exactly equal
        gain (as scikit-learn's trees do).

    Attributes
    ----------
    trees_ : list of AdditiveTree
        In the order they were started.
    classes_ : ndarray
        ``arange(n_classes)``: predictions are class indices.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When fitted on a data frame with string column names.
    n_splits_ : int
        Splits over all trees.
    gains_ : ndarray of float
        The impurity decrease of each split, in the order they were made (FIGS's
        ``impurity_reduction``: weighted squared error over the mean of the classes).
    tie_values_ : list of ndarray or None
        With ``tie_break="belief"``: mean belief per node of each tree.

    Examples
    --------
    >>> import numpy as np
    >>> from crembo.students.sum_of_trees import SumOfTreesStudent
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 5)
    >>> Y = np.array([[1, 0], [0, 1], [0, 1], [1, 1]] * 5)
    >>> student = SumOfTreesStudent(max_splits=3, random_state=0).fit(X, Y)
    >>> student.predict(X[:4]).tolist(), student.get_n_leaves()
    ([0, 1, 1, 0], 4)
    """

    #: Used by CREMBO/MEMO as it is: it fits the multi-hot ``Y`` itself.
    fits_allowed_labels = True

    _parameter_constraints: dict = {
        "max_splits": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_depth": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "max_trees": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_bins": [Interval(numbers.Integral, 2, None, closed="left"), None],
        "target": [StrOptions(set(_TARGETS))],
        "tie_break": [StrOptions({"index", "belief"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        max_splits=15,
        max_depth=4,
        max_trees=None,
        min_samples_leaf=1,
        max_bins=64,
        target="allowed",
        tie_break="index",
        random_state=None,
    ):
        self.max_splits = max_splits
        self.max_depth = max_depth
        self.max_trees = max_trees
        self.min_samples_leaf = min_samples_leaf
        self.max_bins = max_bins
        self.target = target
        self.tie_break = tie_break
        self.random_state = random_state

    def fit(self, X, Y, sample_weight=None, belief=None):
        """Grow the trees on a multi-hot matrix ``Y`` of shape (n_samples, n_classes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        Y : array-like of shape (n_samples, n_classes)
            1 where a class is allowed (values in [0, 1]).
        sample_weight : array-like of shape (n_samples,), default=None
        belief : array-like of shape (n_samples, n_classes), default=None
            The teacher's belief at the rows; needed by ``target="belief"`` and
            ``tie_break="belief"``, accepted (and unused) otherwise.
        """
        validate_params(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        n = X.shape[0]
        Y = _matrix(Y, n, "Y")
        w = _weights(sample_weight, n)
        needs_belief = self.target != "allowed" or self.tie_break == "belief"
        if belief is not None:
            belief = _matrix(belief, n, "belief", shape=Y.shape)
        elif needs_belief:
            which = "target" if self.target != "allowed" else "tie_break"
            raise ValueError(
                f"{which}={getattr(self, which)!r} needs the teacher's belief: fit(belief=...)."
            )
        targets = _TARGETS[self.target](Y, belief)
        self.classes_ = np.arange(Y.shape[1])
        rng = check_random_state(self.random_state)
        grower = _Grower(
            X.astype(np.float32),
            targets,
            w,
            feature_order=rng.permutation(X.shape[1]),
            max_depth=np.inf if self.max_depth is None else int(self.max_depth),
            max_trees=np.inf if self.max_trees is None else int(self.max_trees),
            min_leaf=int(self.min_samples_leaf),
            max_bins=self.max_bins,
        )
        self.trees_, self.gains_ = grower.grow(int(self.max_splits))
        self.n_splits_ = int(sum(t.n_splits for t in self.trees_))
        self.tie_values_ = None
        if self.tie_break == "belief":
            X32 = X.astype(np.float32)
            self.tie_values_ = [_node_means(t, t.apply(X32), belief, w) for t in self.trees_]
        return self

    # -- predictions ------------------------------------------------------------------------

    def _X32(self, X):
        check_is_fitted(self, "trees_")
        X = validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan")
        return X.astype(np.float32)

    def _scores(self, X32) -> np.ndarray:
        total = np.zeros((X32.shape[0], self.classes_.size))
        for tree in self.trees_:
            total += tree.value[tree.apply(X32)]
        return total

    def _ranked(self, X32) -> np.ndarray:
        scores = self._scores(X32)
        if self.tie_values_ is None:
            return scores
        ties = np.mean(
            [v[t.apply(X32)] for t, v in zip(self.trees_, self.tie_values_, strict=True)], axis=0
        )
        return break_ties(scores, ties)

    def decision_function(self, X) -> np.ndarray:
        """Each class's total over the trees, shape (n_samples, n_classes)."""
        return self._scores(self._X32(X))

    def allowed_proba(self, X) -> np.ndarray:
        """Each class's total clipped to [0, 1]: its estimated probability of being allowed."""
        return np.clip(self.decision_function(X), 0.0, 1.0)

    def predict(self, X) -> np.ndarray:
        """Class index with the highest total (ties: ``tie_break``)."""
        return self._ranked(self._X32(X)).argmax(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Allowed-probabilities normalized per row, the predicted class nudged ahead of any
        class tied with it after clipping, so that the argmax is :meth:`predict`."""
        ranked = self._ranked(self._X32(X))
        pred = ranked.argmax(axis=1)
        P = np.clip(ranked, 0.0, 1.0)
        P[np.arange(P.shape[0]), pred] += _NUDGE
        return P / P.sum(axis=1, keepdims=True)

    # -- size and views ----------------------------------------------------------------------

    def get_n_leaves(self) -> int:
        """Leaves over all trees (splits + trees)."""
        check_is_fitted(self, "trees_")
        return int(sum(t.n_leaves for t in self.trees_))

    def get_n_splits(self) -> int:
        """Splits over all trees."""
        check_is_fitted(self, "trees_")
        return self.n_splits_

    def get_depth(self) -> int:
        """Depth of the deepest tree."""
        check_is_fitted(self, "trees_")
        return max(t.depth for t in self.trees_)

    def to_sklearn(self):
        """The trees as fitted scikit-learn ``DecisionTreeRegressor`` s (one output per class),
        whose predictions add up to :meth:`decision_function`; see
        :func:`crembo.students.sum_of_trees_view.to_sklearn_trees`."""
        from crembo.students.sum_of_trees_view import to_sklearn_trees

        return to_sklearn_trees(self)

    def to_dict(self) -> dict:
        """The fitted model as plain data (JSON-serializable); see
        :func:`crembo.students.sum_of_trees_view.to_dict`."""
        from crembo.students.sum_of_trees_view import to_dict

        return to_dict(self)

    def rules(self, feature_names=None, class_names=None, *, digits: int = 3) -> str:
        """The trees as if/else rules, each leaf saying what it adds to each class."""
        from crembo.students.sum_of_trees_view import rules

        return rules(self, feature_names, class_names, digits=digits)

    def plot(self, feature_names=None, class_names=None, ax=None):
        """Draw the trees side by side with matplotlib; returns the figure."""
        from crembo.students.sum_of_trees_view import plot

        return plot(self, feature_names, class_names, ax=ax)

    def __str__(self) -> str:
        if not hasattr(self, "trees_"):
            return repr(self)
        return self.rules()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


# -- growth -----------------------------------------------------------------------------------


@dataclass
class _Leaf:
    """A leaf while the trees grow: its rows and, per (feature, bin) cell its rows fill, a
    one-hot matrix to sum any residual by cell, and which cuts between cells are valid."""

    node: int
    depth: int
    rows: np.ndarray
    cells_T: object  # sparse (cells, m): sums the leaf's rows by cell
    feature: np.ndarray  # feature of each cell (cells ordered by feature, then bin)
    bin: np.ndarray  # bin of each cell
    base: np.ndarray  # the first cell of each cell's feature
    valid: np.ndarray  # cells after which a cut is valid
    w_left: np.ndarray  # weight left of the cut after each valid cell
    weight: float


@dataclass
class _Split:
    gain: float  # decrease of the weighted squared error summed over the classes
    feature: int
    threshold: float
    left_rows: np.ndarray
    right_rows: np.ndarray


class _Grower:
    """FIGS's loop over the trees being grown (see the module docstring)."""

    def __init__(self, X32, targets, w, feature_order, max_depth, max_trees, min_leaf, max_bins):
        self.X32, self.T, self.w = X32, np.asarray(targets, dtype=np.float64), w
        self.n, self.p = X32.shape
        self.c = self.T.shape[1]
        self.max_depth, self.max_trees, self.min_leaf = max_depth, max_trees, min_leaf
        self.rank = np.empty(self.p, dtype=np.intp)  # place of each feature in the search
        self.rank[np.asarray(feature_order, dtype=np.intp)] = np.arange(self.p)
        # one binning for the whole fit: a split search sums rows by (feature, bin) cell
        self.codes, n_bins, self.nan_bin = _bin_codes(X32, max_bins)
        self.offset = np.concatenate([[0], np.cumsum(n_bins)[:-1]]).astype(np.intp)
        self.cell_feature = np.repeat(np.arange(self.p), n_bins)
        self.cell_bin = np.concatenate([np.arange(b) for b in n_bins]).astype(np.intp)
        self.cell_nan = self.cell_bin == self.nan_bin[self.cell_feature]
        self.n_cells = int(np.sum(n_bins))
        self.cells = self.codes + self.offset  # global cell of every (row, feature)
        self.unit_weight = bool(np.all(w == 1))
        self.root = self._leaf(0, 0, np.arange(self.n))
        # columns that vary somewhere: the others add nothing to any split's gain
        self.active = np.flatnonzero(self.T.max(axis=0) > self.T.min(axis=0))

    def _leaf(self, node, depth, rows) -> _Leaf:
        m = rows.size
        if depth >= self.max_depth or m < 2 * self.min_leaf:  # never split: nothing to search
            none = np.zeros(0, dtype=np.intp)
            return _Leaf(node, depth, rows, None, none, none, none, none.astype(bool), none, 0.0)
        cells = self.cells[rows].ravel()  # (m * p,): row-major, feature after feature
        count = np.bincount(cells, minlength=self.n_cells)
        present = np.flatnonzero(count)  # ordered by feature, then bin
        local = np.cumsum(count > 0) - 1
        cells = local[cells]
        count = count[present]
        feature = self.cell_feature[present]
        if self.unit_weight:
            w_cell = count.astype(np.float64)
        else:
            w_cell = np.bincount(cells, weights=np.repeat(self.w[rows], self.p))
        start = np.flatnonzero(np.diff(feature, prepend=-1))
        base = np.repeat(start, np.diff(start, append=present.size))  # feature's first cell

        def within(a):  # cumulative sum of a cell quantity within each feature
            cum = np.cumsum(a)
            return cum - (cum - a)[base]

        n_left = within(count)
        nan = self.cell_nan[present]
        finite_left = within(np.where(nan, 0, count))
        finite_total = np.full(present.size, m) - np.bincount(
            feature[nan], weights=count[nan], minlength=self.p
        )[feature].astype(np.intp)
        # a cut after a cell: finite rows on both sides (missing values always go right)
        valid = (finite_left < finite_total) & ~nan
        valid &= (n_left >= self.min_leaf) & (m - n_left >= self.min_leaf)
        # the one-hot of each row's cells, transposed (a row's cells are its column): a product
        # sums any residual by cell
        cells_T = csc_matrix(
            (np.ones(cells.size), cells, np.arange(0, cells.size + 1, self.p)),
            shape=(present.size, m),
        )
        return _Leaf(
            node,
            depth,
            rows,
            cells_T,
            feature,
            self.cell_bin[present],
            base,
            valid,
            within(w_cell)[valid],
            float(self.w[rows].sum()),
        )

    def grow(self, max_splits):
        trees: list[_TreeBuilder] = []
        total = np.zeros((self.n, self.c))
        gains = []
        cache: dict = {}  # (tree, node) -> _Split or None, valid while the tree's residual is
        changed = None  # the tree split last: the others' residuals moved
        while len(gains) < max_splits:
            for t, tree in enumerate(trees):
                residual = None
                for leaf in tree.leaves.values():
                    key = (t, leaf.node)
                    if t != changed or key not in cache:
                        if residual is None:
                            residual = self._weighted(self.T - total + tree.prediction)
                        cache[key] = self._best(leaf, *residual)
            best_key, best = None, None
            if len(trees) < self.max_trees:
                best = self._best(self.root, *self._weighted(self.T - total))
            for t, tree in enumerate(trees):
                for node in tree.leaves:
                    s = cache[(t, node)]
                    if s is not None and (best is None or s.gain > best.gain):
                        best_key, best = (t, node), s
            if best is None:
                break
            if best_key is None:  # a new tree
                residual = self.T - total
                tree = _TreeBuilder(self, self._mean(residual, self.root.rows), self.root)
                trees.append(tree)
                t, node = len(trees) - 1, 0
            else:
                t, node = best_key
                tree = trees[t]
                residual = self.T - total + tree.prediction
                del cache[best_key]
            total -= tree.prediction
            tree.split(node, best, residual)
            total += tree.prediction
            gains.append(best.gain / self.c)
            changed = t
        if not trees:  # nothing to split: one leaf with the targets' mean
            trees.append(_TreeBuilder(self, self._mean(self.T, self.root.rows), self.root))
        return [tree.freeze() for tree in trees], np.asarray(gains)

    def _mean(self, residual, rows) -> np.ndarray:
        w = self.w[rows]
        return (w[:, None] * residual[rows]).sum(axis=0) / w.sum()

    def _weighted(self, residual):
        """``(residual, weight × residual)`` on the columns that vary."""
        R = residual[:, self.active]
        return R, self.w[:, None] * R

    def _best(self, leaf: _Leaf, residual, wr) -> _Split | None:
        """The best cut of ``leaf`` for this residual (None when it has none).

        scikit-learn's proxy ``|S_left|² / W_left + |S_right|² / W_right`` at every valid
        cut, from the residual summed by cell; of equal gains the first in the search order
        (features in ``rank`` order, then the lower cut) is kept, as scikit-learn keeps the
        first strictly better one.
        """
        if not leaf.valid.any():
            return None
        rows = leaf.rows
        R, WR = residual[rows], wr[rows]
        W = leaf.weight
        S = WR.sum(axis=0)
        # scikit-learn does not split a node whose impurity is at most EPSILON
        impurity = ((WR * R).sum() / W - ((S / W) ** 2).sum()) / self.c
        if impurity <= _EPSILON:
            return None
        H = leaf.cells_T @ WR  # the residual summed by cell: (cells, classes)
        C = np.cumsum(H, axis=0)
        left = (C - (C - H)[leaf.base])[leaf.valid]
        wl = leaf.w_left
        right = S - left
        with np.errstate(divide="ignore", invalid="ignore"):
            proxy = (left * left).sum(axis=1) / wl + (right * right).sum(axis=1) / (W - wl)
        proxy = np.where((wl > 0) & (W - wl > 0), proxy, -np.inf)
        top = proxy.max()
        if not np.isfinite(top):
            return None
        tied = np.flatnonzero(proxy == top)
        cells = np.flatnonzero(leaf.valid)[tied]
        k = cells[np.argmin(self.rank[leaf.feature[cells]] * (self.n_cells + 1) + leaf.bin[cells])]
        f, b = int(leaf.feature[k]), int(leaf.bin[k])
        go_left = self.codes[rows, f] <= b
        x = self.X32[rows, f].astype(np.float64)
        lo, hi = x[go_left].max(), np.nanmin(x[~go_left])
        threshold = lo / 2.0 + hi / 2.0  # as scikit-learn places it
        if threshold == hi or not np.isfinite(threshold):
            threshold = lo
        return _Split(
            gain=float(top - (S @ S) / W),
            feature=f,
            threshold=float(threshold),
            left_rows=rows[go_left],
            right_rows=rows[~go_left],
        )


class _TreeBuilder:
    """One tree being grown: node lists, its leaves, and its prediction at every row."""

    def __init__(self, grower: _Grower, value, root: _Leaf):
        self.g = grower
        self.feature, self.threshold = [-2], [np.nan]
        self.left, self.right = [-1], [-1]
        self.value = [np.asarray(value, dtype=np.float64)]
        self.count, self.weight = [grower.n], [float(grower.w.sum())]
        self.leaves = {0: root}
        # what the tree adds at each row: nothing until its root is split
        self.prediction = np.zeros((grower.n, grower.c))

    def split(self, node, split: _Split, residual):
        leaf = self.leaves.pop(node)
        self.feature[node], self.threshold[node] = split.feature, split.threshold
        for rows in (split.left_rows, split.right_rows):
            child = len(self.feature)
            self.leaves[child] = self.g._leaf(child, leaf.depth + 1, rows)
            value = self.g._mean(residual, rows)
            self.feature.append(-2), self.threshold.append(np.nan)
            self.left.append(-1), self.right.append(-1)
            self.value.append(value)
            self.count.append(int(rows.size)), self.weight.append(float(self.g.w[rows].sum()))
            self.prediction[rows] = value
        self.left[node], self.right[node] = len(self.feature) - 2, len(self.feature) - 1

    def freeze(self) -> AdditiveTree:
        return AdditiveTree(
            feature=np.asarray(self.feature, dtype=np.intp),
            threshold=np.asarray(self.threshold, dtype=np.float64),
            children_left=np.asarray(self.left, dtype=np.intp),
            children_right=np.asarray(self.right, dtype=np.intp),
            value=np.vstack(self.value),
            n_node_samples=np.asarray(self.count, dtype=np.intp),
            weighted_n_node_samples=np.asarray(self.weight, dtype=np.float64),
        )


def _bin_codes(X32, max_bins):
    """Bin of every value, bins per feature, and each feature's missing-value bin.

    A feature's bins are its distinct values (values closer than scikit-learn's
    FEATURE_THRESHOLD are one), or, beyond ``max_bins`` of them, ``max_bins`` ranges of about
    equal row counts (equal values always share one); missing values get one bin after the
    others (empty when there are none). All features at once, from one sort.
    """
    n, p = X32.shape
    x = X32.astype(np.float64)
    order = np.argsort(x, axis=0, kind="stable")  # NaN last
    s = np.take_along_axis(x, order, axis=0)
    nan = np.isnan(s)
    new = np.ones((n, p), dtype=bool)  # a sorted value that starts a new group
    new[1:] = (s[1:] > s[:-1] + _FEATURE_THRESHOLD) | (nan[1:] & ~nan[:-1])
    group = np.cumsum(new, axis=0) - 1
    n_finite = n - nan.sum(axis=0)
    last = np.maximum(n_finite - 1, 0)
    n_groups = np.where(n_finite > 0, group[last, np.arange(p)] + 1, 0)
    if max_bins is not None and np.any(n_groups > max_bins):
        # equal-frequency ranges: a group's range is where its first row falls
        first = np.maximum.accumulate(np.where(new, np.arange(n)[:, None], 0), axis=0)
        ranged = np.where(nan, max_bins, first * max_bins // np.maximum(n_finite, 1))
        renew = np.ones((n, p), dtype=bool)
        renew[1:] = ranged[1:] != ranged[:-1]
        coarse = n_groups > max_bins
        group = np.where(coarse, np.cumsum(renew, axis=0) - 1, group)
        n_groups = np.where(coarse & (n_finite > 0), group[last, np.arange(p)] + 1, n_groups)
    codes = np.empty((n, p), dtype=np.intp)
    np.put_along_axis(codes, order, np.where(nan, n_groups, group), axis=0)
    n_bins = (n_groups + 1).astype(np.intp)
    return codes, n_bins, n_bins - 1


# -- input checks -------------------------------------------------------------------------------


def _matrix(A, n, name, shape=None) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != n or (shape is not None and A.shape != shape):
        want = f"{shape}" if shape is not None else f"({n}, n_classes)"
        raise ValueError(f"{name} must be a 2-D matrix of shape {want}; got shape {A.shape}.")
    if A.shape[1] < 1 or not np.all(np.isfinite(A)) or A.min() < 0 or A.max() > 1:
        raise ValueError(f"{name} must hold values in [0, 1], at least one column.")
    return A


def _weights(sample_weight, n) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(
            f"sample_weight must be {n} finite weights >= 0, not all 0; got shape {w.shape}."
        )
    return w


def _node_means(tree: AdditiveTree, leaves, belief, w) -> np.ndarray:
    """Mean belief of the fitted rows at each leaf (the overall mean elsewhere)."""
    n_nodes = tree.feature.size
    mass = np.bincount(leaves, weights=w, minlength=n_nodes)
    totals = np.column_stack(
        [np.bincount(leaves, weights=b * w, minlength=n_nodes) for b in belief.T]
    )
    overall = np.average(belief, axis=0, weights=w)
    return np.where(mass[:, None] > 0, totals / np.maximum(mass, 1e-300)[:, None], overall)

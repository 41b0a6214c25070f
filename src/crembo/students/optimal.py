"""An exact allowed-label oracle: the optimal depth-d tree on binarized features.

MEMO asks its oracle for a student that agrees with the allowed labels ``Y_θ``; a greedy tree
only approximates the best one. :class:`OptimalAllowedLabelTree` solves that problem exactly
among the trees of depth at most ``max_depth`` whose tests are ``x_j <= t`` for fit-time
thresholds ``t``: with ``cost="violation"`` it minimizes the (weighted) number of rows whose
prediction is not allowed, the cost of predicting class ``k`` at row ``i`` being
``w_i (1 − Y[i, k])``; with ``cost="belief"`` it maximizes the teacher's (weighted) belief in its
predictions, the cost being ``w_i (1 − belief[i, k])``; with ``cost="allowed_belief"`` the
belief on the allowed classes only, renormalized per row (zero on the others): θ still rules
classes out, and among the allowed ones the tree prefers those the teacher believes in.
The search is STreeD's (``pystreed.STreeDInstanceCostSensitiveClassifier``, Van der Linden
et al. 2023), a dynamic program over binary features with a cost per row and label; install
it with the ``peers`` extra. Used as MEMO's student, MEMO then finds the true median
hypothesis among those trees.

Binarization (fit time, on the rows fitted): for each feature with at most
``n_thresholds + 1`` distinct finite values, every midpoint between consecutive values is a
threshold (binary and small integer features are exact); otherwise the ``k / (n_thresholds+1)``
quantiles (``k = 1..n_thresholds``) are moved to the midpoint between the two distinct values
around them, so that every test splits the rows. Tests that split the rows identically are
kept once (the first). A missing value (NaN) fails every test ``x <= t``, as it would in a
comparison, and goes to the right child.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_array, check_is_fitted

from crembo._compat import Interval, StrOptions, validate_params
from crembo.depth import allowed_belief

#: A tied class is nudged by this much in predict_proba, so that its argmax is predict.
_NUDGE = 1e-10


class OptimalAllowedLabelTree(ClassifierMixin, BaseEstimator):
    """Optimal depth-d tree on allowed labels (or the teacher's belief), by STreeD.

    Parameters
    ----------
    max_depth : int, default=4
        Largest depth of the tree (1 ≤ max_depth ≤ 10).
    cost : {"violation", "belief", "allowed_belief"}, default="violation"
        ``"violation"``: minimize the weighted number of rows predicted a class that ``Y`` does
        not allow. ``"belief"``: maximize the weighted sum of the teacher's belief in the
        predicted classes (needs ``belief`` in :meth:`fit`). ``"allowed_belief"``: the same
        with the belief kept on the classes ``Y`` allows, renormalized per row (zero on the
        others; a row with no allowed belief keeps ``Y``), as
        :class:`~crembo.students.SumOfTreesStudent`'s ``target="allowed_belief"``.
    time_limit : float, default=60
        Seconds STreeD may search (> 0). When it runs out, the best tree found so far is kept
        and ``optimal_`` is False.
    n_thresholds : int, default=8
        Thresholds per numeric feature (see the module docstring for how they are placed).
    greedy_bound : bool, default=True
        Start STreeD with the cost of a greedy (CART-style) tree of the same depth on the same
        tests as its upper bound, which prunes the search; when the time runs out before it
        finds a better tree, that greedy tree is kept (``optimal_`` False). The optimum is the
        same either way.

    Attributes
    ----------
    classes_ : ndarray
        ``arange(n_classes)``: predictions are class indices.
    thresholds_ : list of ndarray
        The thresholds of each input feature.
    n_binary_features_ : int
        Distinct binary tests the search chose from.
    optimal_ : bool
        Whether STreeD proved the tree optimal (False after a time-out).
    objective_ : float
        Training cost of the tree (weighted violations, or weighted ``1 − belief``).
    feature_, threshold_, children_left_, children_right_ : ndarray
        The tree in scikit-learn's layout: node ``i`` sends a row to ``children_left_[i]`` when
        ``X[:, feature_[i]] <= threshold_[i]``; leaves have ``feature_ = -1`` and children -1.
    value_ : ndarray of shape (n_nodes, n_classes)
        Weighted mean over a node's fitted rows of ``Y`` (``"violation"``) or ``belief``.
    label_ : ndarray of shape (n_nodes,)
        The class a leaf predicts (-1 at internal nodes).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([[1, 0], [1, 1], [0, 1], [0, 1]])
    >>> tree = OptimalAllowedLabelTree(max_depth=1).fit(X, Y)  # doctest: +SKIP
    >>> tree.predict(X).tolist(), tree.objective_  # doctest: +SKIP
    ([0, 1, 1, 1], 0.0)
    """

    #: Used by CREMBO/MEMO as it is: it fits the multi-hot ``Y`` itself.
    fits_allowed_labels = True

    _parameter_constraints: dict = {
        "max_depth": [Interval(numbers.Integral, 1, 10, closed="both")],
        "cost": [StrOptions({"violation", "belief", "allowed_belief"})],
        "time_limit": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_thresholds": [Interval(numbers.Integral, 1, None, closed="left")],
        "greedy_bound": ["boolean"],
    }

    def __init__(
        self, max_depth=4, cost="violation", time_limit=60, n_thresholds=8, greedy_bound=True
    ):
        self.max_depth = max_depth
        self.cost = cost
        self.time_limit = time_limit
        self.n_thresholds = n_thresholds
        self.greedy_bound = greedy_bound

    def fit(self, X, Y, sample_weight=None, belief=None):
        """Fit to a multi-hot matrix ``Y`` of shape (n_samples, n_classes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        Y : array-like of shape (n_samples, n_classes)
            1 where a class is allowed.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row's cost.
        belief : array-like of shape (n_samples, n_classes), default=None
            The teacher's belief; needed by ``cost="belief"`` and ``"allowed_belief"``,
            ignored otherwise.
        """
        validate_params(self)
        X = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
            raise ValueError(
                f"Y must be a 2-D multi-hot matrix with one row per row of X ({X.shape[0]}); "
                f"got shape {Y.shape}."
            )
        if sample_weight is None:
            w = np.ones(X.shape[0])
        else:
            w = np.asarray(sample_weight, dtype=np.float64)
            if w.shape != (X.shape[0],) or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError(
                    f"sample_weight must be {X.shape[0]} finite weights >= 0; got shape {w.shape}."
                )
        if self.cost != "violation":
            if belief is None:
                raise ValueError(f"cost={self.cost!r} needs the teacher's belief: fit(belief=...).")
            gain = np.asarray(belief, dtype=np.float64)
            if gain.shape != Y.shape:
                raise ValueError(f"belief must have the shape of Y, {Y.shape}; got {gain.shape}.")
            if self.cost == "allowed_belief":
                gain = allowed_belief(Y, gain)
        else:
            gain = Y
        n_classes = Y.shape[1]
        self.classes_ = np.arange(n_classes)
        self.n_features_in_ = X.shape[1]
        costs = w[:, None] * (1.0 - gain)

        self.thresholds_ = [_thresholds(X[:, j], self.n_thresholds) for j in range(X.shape[1])]
        feat = np.concatenate(
            [np.full(t.size, j) for j, t in enumerate(self.thresholds_)] + [np.zeros(0, int)]
        ).astype(np.intp)
        thr = np.concatenate(list(self.thresholds_) + [np.zeros(0)])
        bits = X[:, feat] <= thr  # NaN compares False: right child
        if bits.shape[1]:
            # identical tests only slow the search: keep the first of each
            _, first = np.unique(bits, axis=1, return_index=True)
            keep = np.sort(first)
            feat, thr, bits = feat[keep], thr[keep], bits[:, keep]
        self.n_binary_features_ = int(bits.shape[1])

        root = _Node(label=int(np.argmin(costs.sum(axis=0))))
        self.optimal_ = True
        if self.n_binary_features_ and n_classes >= 2 and X.shape[0] >= 2:
            root, self.optimal_ = self._solve(bits, costs, root)
        self._store(root, feat, thr)
        leaves = self._apply(X)
        self.value_ = _node_means(self, X, gain, w)
        self.objective_ = float(costs[np.arange(X.shape[0]), self.label_[leaves]].sum())
        return self

    def _solve(self, bits, costs, fallback):
        from pystreed import STreeDInstanceCostSensitiveClassifier

        bound = {}
        if self.greedy_bound:
            # a greedy tree's cost bounds the search from above (it prunes every branch that
            # cannot beat it) and is the tree kept when the search finds none in time
            fallback, cost = _greedy_tree(bits, costs, int(self.max_depth))
            bound = {"upper_bound": float(cost) + 1e-6 * max(1.0, abs(cost))}
        solver = STreeDInstanceCostSensitiveClassifier(
            max_depth=int(self.max_depth), time_limit=float(self.time_limit), **bound
        )
        with warnings.catch_warnings():
            # "No feasible tree found" after a time-out is handled below
            warnings.simplefilter("ignore", UserWarning)
            solver.fit(bits.astype(np.intc), costs)
        if not solver.is_fitted():
            return fallback, False
        optimal = bool(solver.fit_result.is_optimal())
        # STreeD's tree tests "bit is 1" (x <= t) and sends satisfied rows to right_child
        return _Node.from_streed(solver.get_tree()), optimal

    def _store(self, root, feat, thr):
        nodes = []
        root.flatten(nodes)
        index = {id(n): i for i, n in enumerate(nodes)}
        self.feature_ = np.array([feat[n.bit] if n.bit >= 0 else -1 for n in nodes], dtype=np.intp)
        self.threshold_ = np.array([thr[n.bit] if n.bit >= 0 else np.nan for n in nodes])
        self.children_left_ = np.array(
            [index[id(n.left)] if n.left else -1 for n in nodes], dtype=np.intp
        )
        self.children_right_ = np.array(
            [index[id(n.right)] if n.right else -1 for n in nodes], dtype=np.intp
        )
        self.label_ = np.array([n.label for n in nodes], dtype=np.intp)

    def _apply(self, X) -> np.ndarray:
        """Leaf of each row, routed level by level (vectorized over rows)."""
        node = np.zeros(X.shape[0], dtype=np.intp)
        rows = np.arange(X.shape[0])
        for _ in range(int(self.max_depth)):
            node, inner = _descend(self, X, rows, node)
            if not inner.any():
                break
        return node

    def _checked(self, X):
        check_is_fitted(self, "label_")
        X = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features; the tree was fitted on {self.n_features_in_}."
            )
        return X

    def apply(self, X) -> np.ndarray:
        """Index of the leaf each row falls in."""
        return self._apply(self._checked(X))

    def predict(self, X) -> np.ndarray:
        """Class index of each row's leaf."""
        return self.label_[self.apply(X)]

    def predict_proba(self, X) -> np.ndarray:
        """The leaf's ``value_`` normalized per row, its predicted class nudged to be the
        argmax where it ties."""
        leaves = self.apply(X)
        P = self.value_[leaves].copy()
        P[np.arange(P.shape[0]), self.label_[leaves]] += _NUDGE
        totals = P.sum(axis=1, keepdims=True)
        return P / totals

    def get_depth(self) -> int:
        """Depth of the fitted tree (0 for a single leaf)."""
        check_is_fitted(self, "label_")
        depth = np.zeros(self.feature_.size, dtype=int)
        for i in range(self.feature_.size):  # nodes are stored parents first
            for c in (self.children_left_[i], self.children_right_[i]):
                if c >= 0:
                    depth[c] = depth[i] + 1
        return int(depth.max())

    def get_n_leaves(self) -> int:
        """Number of leaves of the fitted tree."""
        check_is_fitted(self, "label_")
        return int(np.sum(self.feature_ < 0))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _greedy_tree(bits, costs, max_depth):
    """A CART-style tree on the binary tests (squared error of the costs, the cheapest label
    at each leaf): ``(root _Node, its total cost)``."""
    from sklearn.tree import DecisionTreeRegressor

    reg = DecisionTreeRegressor(max_depth=max_depth, random_state=0)
    reg.fit(bits.astype(np.float32), costs)
    t = reg.tree_
    leaves = reg.apply(bits.astype(np.float32))
    totals = np.zeros((t.node_count, costs.shape[1]))
    np.add.at(totals, leaves, costs)  # rows x classes: small, once per fit
    labels = totals.argmin(axis=1)

    def node(i):
        if t.children_left[i] < 0:
            return _Node(label=int(labels[i]))
        # scikit-learn sends bit 0 (x > t) left; our left is the satisfied test (bit 1)
        return _Node(
            bit=int(t.feature[i]), left=node(t.children_right[i]), right=node(t.children_left[i])
        )

    cost = float(totals[np.unique(leaves), labels[np.unique(leaves)]].sum())
    return node(0), cost


class _Node:
    """One node of the solved tree while it is converted (bit = -1 at a leaf)."""

    __slots__ = ("bit", "label", "left", "right")

    def __init__(self, bit=-1, label=-1, left=None, right=None):
        self.bit, self.label, self.left, self.right = bit, label, left, right

    @classmethod
    def from_streed(cls, node):
        if node.is_leaf_node():
            return cls(label=int(node.label))
        # left (x <= t) is STreeD's satisfied branch, its right_child
        return cls(
            bit=int(node.feature),
            left=cls.from_streed(node.right_child),
            right=cls.from_streed(node.left_child),
        )

    def flatten(self, out):
        """Parents before children, breadth first."""
        queue = [self]
        while queue:
            node = queue.pop(0)
            out.append(node)
            if node.bit >= 0:
                queue.extend((node.left, node.right))


def _thresholds(x, n_thresholds) -> np.ndarray:
    """Midpoint thresholds of one feature (see the module docstring)."""
    u = np.unique(x[np.isfinite(x)])
    if u.size < 2:
        return np.zeros(0)
    mids = (u[:-1] + u[1:]) / 2
    if u.size <= n_thresholds + 1:
        return mids
    levels = np.arange(1, n_thresholds + 1) / (n_thresholds + 1)
    q = np.quantile(x[np.isfinite(x)], levels)
    # the midpoint just above each quantile's value: a test that splits the rows
    idx = np.clip(np.searchsorted(u, q, side="right") - 1, 0, u.size - 2)
    return mids[np.unique(idx)]


def _descend(tree, X, rows, node):
    """Every row one level down (rows at a leaf stay): ``(next node, was at an inner node)``."""
    f = tree.feature_[node]
    inner = f >= 0
    go_left = X[rows, np.maximum(f, 0)] <= tree.threshold_[node]
    step = np.where(go_left, tree.children_left_[node], tree.children_right_[node])
    return np.where(inner, step, node), inner


def _node_means(tree, X, gain, w) -> np.ndarray:
    """Weighted mean of ``gain`` per node over the fitted rows (root mean where none reach)."""
    n_nodes = tree.feature_.size
    overall = np.average(gain, axis=0, weights=w) if w.sum() > 0 else gain.mean(axis=0)
    # every node on each row's path: walk the levels once more, accumulating
    totals = np.zeros((n_nodes, gain.shape[1]))
    mass = np.zeros(n_nodes)
    node = np.zeros(X.shape[0], dtype=np.intp)
    rows = np.arange(X.shape[0])
    for _ in range(int(tree.max_depth) + 1):
        mass += np.bincount(node, weights=w, minlength=n_nodes)
        totals += np.column_stack(
            [np.bincount(node, weights=g * w, minlength=n_nodes) for g in gain.T]
        )
        node, inner = _descend(tree, X, rows, node)
        if not inner.any():
            break
        # rows already at a leaf are counted once: drop them from the walk
        done = ~inner
        if done.any():
            keep = ~done
            node, rows, w, gain = node[keep], rows[keep], w[keep], gain[keep]
    return np.where(mass[:, None] > 0, totals / np.maximum(mass, 1e-300)[:, None], overall)

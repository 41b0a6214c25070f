"""Allowed-label trees for many thresholds and row sets at once (NumPy, numba kernels).

Why one file of more than 500 lines: it is one algorithm (bin, grow the groups of
neighbouring thresholds, finish the leaves), its hot loops share private array layouts, and
it imports nothing of scikit-learn so that the default's search stays light; the plumbing
that decides when a student can use it is :mod:`crembo.students.tree_batch`.

Usage
-----
>>> trees = grow_allowed_label_trees(
...     X, belief, thresholds, masks=fold_masks, max_depth=4, shrinkage=(0.0, 10.0)
... )  # doctest: +SKIP
>>> pred = trees.predict(X_val)  # (families, thresholds, shrinkage, rows)  # doctest: +SKIP
>>> one = trees.tree(m=0, t=5, l=0)  # one tree, scikit-learn node order  # doctest: +SKIP

``masks[m]`` selects the rows tree family ``m`` is fitted on (for a k-fold threshold choice:
one mask per fold and one of all rows). For every family and every threshold ``θ_t`` the
result holds the tree a multi-output Gini ``DecisionTreeClassifier`` would grow on
``Y_t = belief >= θ_t`` (on binned features: exact where a feature has at most ``max_bins``
distinct values), predicting like :class:`~crembo.students.sklearn.AllowedLabelClassifier`.
The trees of neighbouring thresholds are grown together: a *group* is one node's row set
shared by a contiguous range of thresholds, its split search is one histogram for the whole
range, and the range is cut only where the thresholds choose different splits.
``trees.n_groups_`` (nodes grown) against ``trees.n_nodes_`` (nodes of all the trees) says
how much was shared.

Ties between equal gains go to the lowest feature index, then the lowest bin (scikit-learn
breaks them by a random feature order).

Cost: one split search per (node, distinct allowed-label pattern of its rows). With unit
weights (the default) it is compiled (:mod:`crembo.students.batched_jit`): per feature one
pass over the node's rows and their allowed classes, then a scan of the bins holding them,
in int64 counts; weighted rows take the NumPy search over the full features x bins x classes
grid. Neighbouring thresholds mostly choose different root splits, so the saving of the
groups is bounded by the per-state search, not the rows. Bin codes are one byte a value (up
to 256 bins), feature-major.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from crembo._validation import check_belief, check_int, check_thresholds
from crembo.students.batched_jit import level_states, predict_slots, route, split_groups_unit

# Same constants as crembo.students.sklearn (not imported: that module imports scikit-learn).
_TIE_TOL = 1e-9
_NUDGE = 1e-10
#: scikit-learn's splitter never splits between feature values closer than this (float32).
_FEATURE_THRESHOLD = np.float32(1e-7)
#: A column counts as pure in a node when its minority weight is below this share of the node.
_PURE_TOL = 1e-12
#: Split gains this close (relative) to the best count as tied with it.
_GAIN_TOL = 1e-12
#: Elements of one histogram chunk (states x features x bins x classes), about 32 MB.
_CHUNK = 1 << 22


@dataclass(frozen=True)
class TreeArrays:
    """One tree of a batch, nodes in depth-first (left first) order as scikit-learn's ``tree_``.

    Leaves have ``feature == -2``, ``threshold == -2.0`` and children ``-1``; a row goes left
    where ``float32(x[feature]) <= threshold``. ``value`` holds the (shrunk) probability of
    each class being allowed, ``allowed`` the unshrunk weighted share of rows allowing it,
    ``impurity`` the Gini impurity summed over classes, ``tie_score`` the weighted mean belief
    of the node's rows and ``prediction`` the class a row ending there gets.
    """

    feature: np.ndarray
    threshold: np.ndarray
    children_left: np.ndarray
    children_right: np.ndarray
    value: np.ndarray
    allowed: np.ndarray
    impurity: np.ndarray
    n_node_samples: np.ndarray
    weighted_n_node_samples: np.ndarray
    tie_score: np.ndarray
    prediction: np.ndarray

    @property
    def node_count(self) -> int:
        return int(self.feature.size)

    @property
    def is_leaf(self) -> np.ndarray:
        return self.children_left < 0


class BatchedTrees:
    """Trees grown by :func:`grow_allowed_label_trees`, for every family, threshold and λ.

    Attributes
    ----------
    thresholds_ : ndarray of shape (n_thresholds,)
    shrinkage_ : ndarray of shape (n_shrinkage,)
    n_families_ : int
    n_features_in_ : int
    n_groups_ : int
        Distinct nodes grown (a row set shared by a range of thresholds counts once).
    n_states_ : int
        Distinct (node, allowed-label pattern) pairs: the split searches actually made.
    n_nodes_ : int
        Nodes of all ``n_families_ * n_thresholds`` trees counted separately: what one fit
        per tree would grow.
    """

    def __init__(self, arrays, thresholds, shrinkage, n_families, n_features, n_classes):
        self._a = arrays
        self.thresholds_ = thresholds
        self.shrinkage_ = shrinkage
        self.n_families_ = n_families
        self.n_features_in_ = n_features
        self.n_classes_ = n_classes
        self.n_groups_ = int(arrays["g_t0"].size)
        self.n_states_ = int(arrays["s_feature"].size)
        self.n_nodes_ = int(arrays["slot_state"].size)

    def predict(self, X) -> np.ndarray:
        """Class index predicted by every tree, shape (n_families, n_thresholds, n_shrinkage,
        n_rows)."""
        X32 = _check_X(X, "X", self.n_features_in_)
        a = self._a
        M, T, L = self.n_families_, self.thresholds_.size, self.shrinkage_.size
        out = np.empty((M, T, L, X32.shape[0]), dtype=np.intp)
        keys = ("slot_base", "slot_state", "s_feature", "s_threshold", "s_left", "s_right")
        predict_slots(X32, *(a[k] for k in keys), a["g_t0"], a["slot_pred"], out)
        return out

    def tree(self, m: int, t: int, l: int = 0) -> TreeArrays:  # noqa: E741
        """The tree of family ``m`` at threshold index ``t`` with shrinkage index ``l``."""
        a = self._a
        for name, v, size in (
            ("m", m, self.n_families_),
            ("t", t, self.thresholds_.size),
            ("l", l, self.shrinkage_.size),
        ):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not 0 <= v < size:
                raise ValueError(f"{name} must be an integer in [0, {size}); got {v!r}.")
        slots = []
        stack = [int(a["slot_base"][m] + t)]
        while stack:  # depth-first, left child first: scikit-learn's node order
            s = stack.pop()
            slots.append(s)
            st = a["slot_state"][s]
            if a["s_feature"][st] >= 0:
                kids = [
                    a["slot_base"][g] + a["slot_t"][s] - a["g_t0"][g]
                    for g in (a["s_left"][st], a["s_right"][st])
                ]
                stack.extend([int(kids[1]), int(kids[0])])
        slots = np.asarray(slots)
        index = np.full(a["slot_state"].size, -1)
        index[slots] = np.arange(slots.size)
        st = a["slot_state"][slots]
        grp = a["slot_group"][slots]
        leaf = a["s_feature"][st] < 0
        left = np.full(slots.size, -1)
        right = np.full(slots.size, -1)
        inner = np.flatnonzero(~leaf)
        for i in inner:
            s = slots[i]
            for out, g in ((left, a["s_left"][st[i]]), (right, a["s_right"][st[i]])):
                out[i] = index[a["slot_base"][g] + a["slot_t"][s] - a["g_t0"][g]]
        allowed = a["s_value"][st]
        return TreeArrays(
            feature=np.where(leaf, -2, a["s_feature"][st]),
            threshold=np.where(leaf, -2.0, a["s_threshold"][st]),
            children_left=left,
            children_right=right,
            value=a["slot_shrunk"][l, slots],
            allowed=allowed,
            impurity=(2 * allowed * (1 - allowed)).sum(axis=1),
            n_node_samples=a["g_n"][grp],
            weighted_n_node_samples=a["g_weight"][grp],
            tie_score=a["g_belief"][grp],
            prediction=a["slot_pred"][l, slots],
        )

    def __repr__(self):
        return (
            f"BatchedTrees(n_families={self.n_families_}, n_thresholds={self.thresholds_.size}, "
            f"n_shrinkage={self.shrinkage_.size}, n_groups={self.n_groups_}, "
            f"n_nodes={self.n_nodes_})"
        )


def grow_allowed_label_trees(
    X,
    belief,
    thresholds,
    masks=None,
    *,
    max_depth=4,
    min_samples_split=2,
    min_samples_leaf=1,
    sample_weight=None,
    max_bins=64,
    shrinkage=(0.0,),
    tie_break="index",
) -> BatchedTrees:
    """Grow the allowed-label tree of every (row family, threshold) pair in one pass.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Finite numbers (callers fall back to per-threshold fits for NaN).
    belief : array-like of shape (n_samples, n_classes)
        The teacher's belief, in [0, 1].
    thresholds : array-like of shape (n_thresholds,)
        Strictly increasing; tree ``t`` is fitted to ``belief >= thresholds[t]``.
    masks : array-like of bool, shape (n_families, n_samples), default=None
        Rows each family of trees is fitted on; None: one family of all rows.
    max_depth : int or None, default=4
    min_samples_split : int, default=2
    min_samples_leaf : int, default=1
        Rows (not weight) on each side of a split, as in scikit-learn.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative; rows of weight 0 are left out, as scikit-learn's trees do.
    max_bins : int, default=64
        Bins per feature, quantiles of its distinct values; a feature with at most this many
        distinct values is split exactly as scikit-learn would.
    shrinkage : tuple of float, default=(0.0,)
        λ values of hierarchical shrinkage (Agarwal et al. 2022, as imodels' ``HSTree``);
        0 is the plain tree.
    tie_break : {"index", "belief"}, default="index"
        Among classes equally likely (within 1e-9) to be allowed at a leaf: the lowest index,
        or the highest weighted mean belief of the leaf's rows.

    Returns
    -------
    BatchedTrees
    """
    X32 = _check_X(X, "X")
    n, d = X32.shape
    belief = check_belief(belief, n_rows=n, sums_to_one=False)
    thresholds = check_thresholds(thresholds)
    masks = _check_masks(masks, n)
    w = _check_weight(sample_weight, n)
    max_depth = _check_int(max_depth, "max_depth", 0, allow_none=True)
    min_samples_split = _check_int(min_samples_split, "min_samples_split", 2)
    min_samples_leaf = _check_int(min_samples_leaf, "min_samples_leaf", 1)
    max_bins = _check_int(max_bins, "max_bins", 2)
    shrinkage = _check_shrinkage(shrinkage)
    if tie_break not in ("index", "belief"):
        raise ValueError(f"tie_break must be 'index' or 'belief'; got {tie_break!r}.")
    # as scikit-learn's trees: zero-weight rows take no part in the fit
    masks = masks & (w > 0)[None, :]
    empty = np.flatnonzero(~masks.any(axis=1))
    if empty.size:
        raise ValueError(
            f"masks: family {int(empty[0])} has no row of positive weight to fit a tree on."
        )
    used = masks.any(axis=0)
    codes, lo, hi = _bin(X32, used, max_bins)
    del X32  # binned: the float copy is not needed any more (n x d x 4 bytes)
    # per class column, in int32: at millions of rows an int64 (rows x classes) array is large
    ranks = np.empty(belief.shape, dtype=np.int32)
    for k in range(belief.shape[1]):
        ranks[:, k] = np.searchsorted(thresholds, belief[:, k], side="right")
    arrays = _grow(
        codes,
        lo,
        hi,
        ranks,
        belief,
        w,
        masks,
        thresholds.size,
        max_depth if max_depth is not None else n,
        max(min_samples_split, 2 * min_samples_leaf),  # scikit-learn's effective rule
        min_samples_leaf,
    )
    _finish(arrays, masks.shape[0], thresholds.size, shrinkage, tie_break)
    return BatchedTrees(arrays, thresholds, shrinkage, masks.shape[0], d, belief.shape[1])


def _bin(X32, used, max_bins):
    """Bin codes (d, n), and each bin's smallest and largest value (d, n_bins), NaN-padded.

    The codes are feature-major in the smallest unsigned type (one byte a value up to 256
    bins): the split search reads one feature of a node's rows at a time, and at millions of
    rows they are the largest array of a fit.
    """
    n, d = X32.shape
    codes = np.empty((d, n), dtype=np.min_scalar_type(max(max_bins - 1, 0)))
    los, his = [], []
    for f in range(d):
        col = X32[:, f]
        u = np.unique(col[used])
        # values this close are one value to scikit-learn's splitter (never split between)
        new = np.ones(u.size, dtype=bool)
        new[1:] = u[1:] > u[:-1] + _FEATURE_THRESHOLD
        starts = np.flatnonzero(new)
        vmin = u[starts]
        vmax = u[np.append(starts[1:] - 1, u.size - 1)]
        if starts.size > max_bins:
            cuts = np.unique(np.round(np.linspace(0, starts.size, max_bins + 1)).astype(np.intp))
            vmin, vmax = vmin[cuts[:-1]], vmax[cuts[1:] - 1]
        codes[f] = np.minimum(np.searchsorted(vmax, col, side="left"), vmax.size - 1)
        los.append(vmin)
        his.append(vmax)
    B = max(v.size for v in los)
    lo = np.full((d, B), np.nan)
    hi = np.full((d, B), np.nan)
    for f in range(d):
        lo[f, : los[f].size] = los[f]
        hi[f, : his[f].size] = his[f]
    return codes, lo, hi


def _grow(codes, lo, hi, ranks, belief, w, masks, T, max_depth, min_split, min_leaf):
    """Breadth-first growth over all groups of a level at once; returns the node arrays."""
    d, n = codes.shape
    c = ranks.shape[1]
    B = lo.shape[1]
    M = masks.shape[0]
    unit = bool(np.all(w == 1.0))  # integer counts: bincount without weights
    groups = {k: [] for k in ("g_t0", "g_t1", "g_parent", "g_depth", "g_n", "g_weight")}
    groups["g_belief"] = []
    states = {k: [] for k in ("s_group", "s_start", "s_feature", "s_threshold")}
    states.update(s_left=[], s_right=[], s_value=[])
    # level 0: one group per family, all thresholds
    pair_group, pair_row = np.nonzero(masks)
    t0 = np.zeros(M, dtype=np.intp)
    t1 = np.full(M, T, dtype=np.intp)
    parent = np.full(M, -1, dtype=np.intp)
    goff = soff = 0
    depth = 0
    n_levels = 0
    while t0.size:
        n_levels += 1
        G = t0.size
        # --- states: the distinct allowed-label patterns of each group's rows over its range
        (s_group, s_start, base, n_st, q, order, pstart, g_n, g_weight, g_bel, pos) = level_states(
            pair_group, pair_row, ranks, belief, w, t0, t1
        )
        g_bel /= g_weight[:, None]
        S = s_group.size
        local = np.arange(S) - base[s_group]
        s_end = np.where(local + 1 < n_st[s_group], np.append(s_start[1:], 0), t1[s_group])
        _suffix_sum(pos, local, n_st[s_group])
        N = g_weight[s_group][:, None]
        value = pos / N
        pure = (np.minimum(pos, N - pos) <= _PURE_TOL * N).all(axis=1)
        can = ~pure & (g_n[s_group] >= min_split) & (depth < max_depth)
        feature = np.full(S, -1, dtype=np.intp)
        split_bin = np.zeros(S, dtype=np.intp)
        threshold = np.full(S, np.nan)
        cand = np.flatnonzero(np.bincount(s_group[can], minlength=G) > 0)
        if cand.size:
            if unit:  # compiled: one pass over the groups, integer counts
                split_groups_unit(
                    cand, base, n_st, order, pstart, pair_row, q, codes, lo, hi, min_leaf,
                    feature, split_bin, threshold,
                )  # fmt: skip
            else:
                ctx = dict(base=base, n_st=n_st, order=order, pstart=pstart, pair_row=pair_row)
                ctx.update(q=q, w=w, lo=lo, hi=hi, min_leaf=min_leaf, codes=codes)
                # groups in chunks that bound the histogram's memory
                sizes = np.cumsum(n_st[cand]) * (d * B * c)
                cut = np.searchsorted(sizes, np.arange(_CHUNK, sizes[-1], _CHUNK), side="right")
                for part in np.split(cand, np.unique(cut[(cut > 0) & (cut < cand.size)])):
                    _split_chunk(part, ctx, feature, split_bin, threshold)
            feature[~can] = -1
        # --- runs of consecutive states choosing the same split share their children
        key = np.where(feature >= 0, feature * B + split_bin, -1)
        new_run = np.ones(S, dtype=bool)
        new_run[1:] = (local[1:] == 0) | (key[1:] != key[:-1])
        new_run &= key >= 0
        run_first = np.flatnonzero(new_run)
        run_id = np.cumsum(new_run) - 1
        R = run_first.size
        left = np.full(S, -1, dtype=np.intp)
        right = np.full(S, -1, dtype=np.intp)
        inner = key >= 0
        left[inner] = goff + G + 2 * run_id[inner]
        right[inner] = left[inner] + 1
        for name, v in (
            ("g_t0", t0),
            ("g_t1", t1),
            ("g_parent", parent),
            ("g_depth", np.full(G, depth)),
            ("g_n", g_n),
            ("g_weight", g_weight),
            ("g_belief", g_bel),
        ):
            groups[name].append(v)
        for name, v in (
            ("s_group", s_group + goff),
            ("s_start", s_start),
            ("s_feature", feature),
            ("s_threshold", threshold),
            ("s_left", left),
            ("s_right", right),
            ("s_value", value),
        ):
            states[name].append(v)
        if R == 0:
            break
        # --- the next level: two child groups per run, rows routed by the run's split
        run_group = s_group[run_first]
        run_last = _run_ends(inner, run_id)
        run_f = feature[run_first]
        run_b = split_bin[run_first]
        n_runs = np.bincount(run_group, minlength=G)
        first_run = np.cumsum(n_runs) - n_runs
        pair_group, pair_row = route(pair_group, pair_row, first_run, n_runs, run_f, run_b, codes)
        t0 = np.repeat(s_start[run_first], 2)
        t1 = np.repeat(s_end[run_last], 2)
        parent = np.repeat(goff + run_group, 2)
        goff += G
        soff += S
        depth += 1
    out = {k: np.concatenate(v) for k, v in groups.items()}
    out.update({k: np.concatenate(v) for k, v in states.items()})
    out["n_levels"] = n_levels
    return out


def _run_ends(inner, run_id):
    """Last state of each run (a run of split states stops at a leaf state or the next run)."""
    idx = np.flatnonzero(inner)
    return idx[np.append(np.flatnonzero(np.diff(run_id[idx])), idx.size - 1)]


def _suffix_sum(a, local, n_st):
    """In place: ``a[s] = sum of a[s:]`` within each group's consecutive states.

    A loop over the local state index, from the last: each step adds the next state's row,
    in the same order for every group, which keeps weighted sums reproducible.
    """
    has_next = local + 1 < n_st
    for j in range(int(local.max(initial=0)) - 1, -1, -1):
        s = np.flatnonzero((local == j) & has_next)
        if s.size:
            a[s] += a[s + 1]


def _split_chunk(chunk, v, feature, split_bin, threshold):
    """Best split of every state of the groups in ``chunk`` (one histogram for all).

    Weighted rows; unit weights take :func:`crembo.students.batched_jit.split_groups_unit`.
    """
    lo, hi = v["lo"], v["hi"]
    d, B = lo.shape
    c = v["q"].shape[1]
    min_leaf = v["min_leaf"]
    base, n_st, order, pstart = v["base"], v["n_st"], v["order"], v["pstart"]
    # states of the chunk, renumbered 0..Sc-1 group after group
    st = np.concatenate([np.arange(base[g], base[g] + n_st[g]) for g in chunk])
    Sc = st.size
    Gc = chunk.size
    lbase = np.cumsum(n_st[chunk]) - n_st[chunk]
    pidx = np.concatenate([order[pstart[g] : pstart[g + 1]] for g in chunk])
    lg = np.repeat(np.arange(Gc), pstart[chunk + 1] - pstart[chunk])  # local group of each pair
    rows = v["pair_row"][pidx]
    q = v["q"][pidx]  # (Pc, c)
    wp = v["w"][rows]
    dB = d * B
    cell = v["codes"][:, rows].T + np.arange(0, dB, B)  # (Pc, d): feature * B + bin
    # Positive weight per (state, class, feature, bin), class-major so that the per-class
    # slices below are contiguous. Only rows whose label changes inside the group's range
    # ("partial") are counted per state, at the last state allowing them (a suffix sum then
    # gives every state); of the rows allowed in all states or in none, only the smaller set
    # is counted (one extra row per group), the other follows from the node's totals.
    n_st_p = n_st[chunk][lg][:, None]
    partial = (q > 0) & (q < n_st_p)
    always = q == n_st_p
    never = q == 0
    kk = np.arange(c)
    n_always = np.bincount((lg[:, None] * c + kk).ravel(), always.ravel(), Gc * c)
    n_never = np.bincount((lg[:, None] * c + kk).ravel(), never.ravel(), Gc * c)
    count_always = (n_always <= n_never).reshape(Gc, c)
    extra = np.where(count_always[lg], always, never)
    slot = np.where(partial, lbase[lg][:, None] + q - 1, Sc + lg[:, None])
    pi, ki = np.nonzero(partial | extra)
    idx = ((slot[pi, ki] * c + ki) * dB)[:, None] + cell[pi]
    size = (Sc + Gc) * c * dB
    hist = np.bincount(idx.ravel(), weights=np.repeat(wp[pi], d), minlength=size)
    hist = hist.reshape(Sc + Gc, c, dB)
    gcell = (cell + (lg * dB)[:, None]).ravel()
    cnt = np.bincount(gcell, minlength=Gc * dB).reshape(Gc, d, B)
    wcnt = np.bincount(gcell, weights=np.repeat(wp, d), minlength=Gc * dB).reshape(Gc, d, B)
    local = np.arange(Sc) - np.repeat(lbase, n_st[chunk])
    s_lg = np.repeat(np.arange(Gc), n_st[chunk])
    states_hist = hist[:Sc]
    # the rows of every state: the counted set, or node total - the other set - partial rows
    fixed = hist[Sc:]
    if not count_always.all():
        # partial rows per group: one more count of just those (reduceat over states is slow)
        part = partial[pi, ki]
        pidx_ = ((lg[pi[part]] * c + ki[part]) * dB)[:, None] + cell[pi[part]]
        pw = np.repeat(wp[pi[part]], d)
        partial_total = np.bincount(pidx_.ravel(), pw, Gc * c * dB).reshape(Gc, c, dB)
        others = wcnt.reshape(Gc, 1, dB) - fixed - partial_total
        fixed = np.where(count_always[:, :, None], fixed, others)
    states_hist[lbase + n_st[chunk] - 1] += fixed  # the suffix sum carries it to every state
    _suffix_sum(states_hist, local, n_st[chunk][s_lg])
    Lpos = np.cumsum(states_hist.reshape(Sc, c, d, B), axis=3)
    nL = np.cumsum(cnt, axis=2)
    NL = np.cumsum(wcnt, axis=2)
    n_all = nL[:, :1, -1:]
    N_all = NL[:, :1, -1:]
    ok = (nL >= min_leaf) & (n_all - nL >= min_leaf)  # (Gc, d, B)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_l = np.where(ok, 1.0 / NL, 0.0)
        inv_r = np.where(ok, 1.0 / (N_all - NL), 0.0)
    # Multi-output Gini: the best split maximizes sum_k L_k²/N_L + R_k²/N_R, here written
    # sum_k L_k² (1/N_L + 1/N_R) + (sum_k P_k² - 2 sum_k P_k L_k) / N_R (P_k: node total)
    # for fewer passes over the (state, feature, bin) arrays.
    P = Lpos[:, :, -1, -1]  # (Sc, c)
    sq = np.einsum("skdb,skdb->sdb", Lpos, Lpos)
    cross = np.einsum("skdb,sk->sdb", Lpos, P)
    cross *= -2
    cross += np.einsum("sk,sk->s", P, P)[:, None, None]
    gain = sq * (inv_l + inv_r)[s_lg]
    gain += cross * inv_r[s_lg]
    gain[~ok[s_lg]] = -np.inf  # too few rows on a side
    gain = gain.reshape(Sc, dB)
    # Ties, up to rounding (the same gain computed from mirrored counts may differ in the last
    # bits), go to the lowest feature, then the lowest bin: argmax takes the first maximum.
    top = gain.max(axis=1, keepdims=True)
    valid = np.isfinite(top[:, 0])
    best = (gain >= top - _GAIN_TOL * np.abs(top)).argmax(axis=1)
    f = best // B
    b = best % B
    # the right child's smallest value: next bin with rows of this node
    nxt = cnt[s_lg, f] > 0  # (Sc, B)
    nxt &= np.arange(B)[None, :] > b[:, None]
    b2 = nxt.argmax(axis=1)
    thr = hi[f, b] / 2.0 + lo[f, np.where(valid, b2, b)] / 2.0  # scikit-learn's midpoint
    feature[st] = np.where(valid, f, -1)
    split_bin[st] = b
    threshold[st] = thr


def _finish(a, M, T, shrinkage, tie_break):
    """Per (node, threshold) slots, their shrunk values and the class each predicts."""
    g_t0, g_t1 = a["g_t0"], a["g_t1"]
    K = T + 1
    span = g_t1 - g_t0
    a["slot_base"] = np.cumsum(span) - span
    slot_group = np.repeat(np.arange(span.size), span)
    slot_t = g_t0[slot_group] + np.arange(slot_group.size) - a["slot_base"][slot_group]
    skeys = a["s_group"] * K + a["s_start"]
    slot_state = np.searchsorted(skeys, slot_group * K + slot_t, side="right") - 1
    a["slot_group"], a["slot_t"], a["slot_state"] = slot_group, slot_t, slot_state
    val = a["s_value"][slot_state]  # (n_slots, c)
    L = shrinkage.size
    shrunk = np.broadcast_to(val, (L,) + val.shape).copy()
    # children after parents: groups are numbered level by level
    for depth in range(1, int(a["g_depth"].max(initial=0)) + 1):
        s = np.flatnonzero(a["g_depth"][slot_group] == depth)
        if not s.size:
            continue
        p = a["g_parent"][slot_group[s]]
        ps = a["slot_base"][p] + slot_t[s] - g_t0[p]
        # imodels' node_based scheme: the parent's (weighted) sample count
        factor = 1.0 / (1.0 + shrinkage[:, None] / a["g_weight"][p][None, :])
        shrunk[:, s] = shrunk[:, ps] + (val[s] - val[ps])[None] * factor[:, :, None]
    # λ = 0 is the plain tree exactly (the telescoping sum rounds in the last bit)
    shrunk[shrinkage == 0] = val
    a["slot_shrunk"] = shrunk
    top = shrunk.max(axis=2, keepdims=True)
    tied = top - shrunk <= _TIE_TOL
    if tie_break == "index":
        pred = tied.argmax(axis=2)
    else:
        score = np.clip(a["g_belief"][slot_group], 0.0, 1.0)[None]
        pred = (shrunk + np.where(tied, _NUDGE * score, 0.0)).argmax(axis=2)
    a["slot_pred"] = pred


def _check_X(X, name, n_features=None):
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 2-D array of numbers: {exc}") from exc
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array; got shape {X.shape}.")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features; the trees were grown on {n_features}.")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} must be finite (no NaN or inf); fit per threshold instead.")
    X32 = X.astype(np.float32)  # as scikit-learn's trees, which split float32 values
    if not np.isfinite(X32).all():
        raise ValueError(f"{name} has values beyond float32's range.")
    return X32


def _check_masks(masks, n):
    if masks is None:
        return np.ones((1, n), dtype=bool)
    m = np.asarray(masks)
    if m.dtype != bool:
        raise ValueError(f"masks must be a boolean array; got dtype {m.dtype}.")
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2 or m.shape[1] != n or m.shape[0] == 0:
        raise ValueError(f"masks must have shape (n_families, {n}); got {m.shape}.")
    return m


def _check_weight(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},); got {w.shape}.")
    if not np.isfinite(w).all() or w.min() < 0:
        raise ValueError("sample_weight must hold finite non-negative values.")
    return w


def _check_int(v, name, low, allow_none=False):
    v = check_int(name, v, low=low, allow_none=allow_none)
    return None if v is None else int(v)  # a plain int for the grower


def _check_shrinkage(shrinkage):
    s = np.atleast_1d(np.asarray(shrinkage, dtype=np.float64))
    if s.ndim != 1 or s.size == 0 or not np.isfinite(s).all() or s.min() < 0:
        raise ValueError(
            f"shrinkage must be a non-empty tuple of finite λ >= 0; got {shrinkage!r}."
        )
    return s

"""Compiled (numba) split search of the batched tree learner, for unit row weights.

Why compiled: the default's k-fold choice grows 5 folds x up to 24 thresholds of trees, and
in NumPy the per-node bookkeeping (index arrays per present histogram cell, then sums over
them) cost about 80 % of a small default fit; the same loops compiled by numba cost a few
tree fits (``docs/performance.md``). Why numba rather than Cython: it installs as a wheel
with no compiler, and the kernels are compiled once per machine (``cache=True``).

The search is the one :mod:`crembo.students.batched` describes, bit for bit: integer counts
per (state, class, feature, bin), the same gain formula in the same floating-point
operations, the same tie rule (the first cell in (feature, bin) order whose gain is within
a relative 1e-12 of the best).
"""

from __future__ import annotations

import numba
import numpy as np

#: Split gains this close (relative) to the best count as tied with it (batched._GAIN_TOL).
GAIN_TOL = 1e-12


def _jit(func):
    """``numba.njit``, cached on disk where numba finds a writable directory (next to this
    module, else the user's cache directory); else compiled anew in each process."""
    try:
        return numba.njit(cache=True, nogil=True)(func)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True)(func)


@_jit
def split_groups_unit(
    groups, base, n_st, order, pstart, pair_row, q, codes, lo, hi, min_leaf, out_f, out_b, out_t
):
    """Best split of every state of every group in ``groups`` (unit weights).

    Parameters
    ----------
    groups : int array
        Groups to search.
    base, n_st : int arrays, one entry per group
        A group's first state and its number of states.
    order, pstart : int arrays
        The pairs of group ``g`` are ``order[pstart[g]:pstart[g + 1]]``.
    pair_row : int array
        The row of each pair.
    q : int array of shape (n_pairs, n_classes)
        How many of its group's states (the first ones) allow each class at each pair.
    codes : unsigned int array of shape (n_features, n_rows)
        The bin of each value.
    lo, hi : float arrays of shape (n_features, n_bins)
        Each bin's smallest and largest value.
    min_leaf : int
    out_f, out_b, out_t : arrays, one entry per state
        Written: the split feature (-1: none), its bin and threshold.
    """
    d, B = lo.shape
    c = q.shape[1]
    max_ns = 1
    max_n = 1
    for g in groups:
        max_ns = max(max_ns, n_st[g])
        max_n = max(max_n, pstart[g + 1] - pstart[g])
    cnt = np.zeros(B, np.int64)
    bins = np.zeros(B, np.int64)
    H = np.zeros((max_ns, B, c), np.int64)  # zeroed again after each feature, where used
    P = np.zeros((max_ns, c), np.int64)
    P2 = np.zeros(max_ns, np.int64)
    L = np.zeros(c, np.int64)
    gains = np.empty((max_ns, d * B), np.float64)
    c_f = np.empty(d * B, np.int64)
    c_b = np.empty(d * B, np.int64)
    c_b2 = np.empty(d * B, np.int64)
    ok = np.empty(B, np.bool_)
    inv_l = np.empty(B)
    inv_r = np.empty(B)
    rows = np.empty(max_n, np.int64)
    row_bin = np.empty(max_n, np.int64)
    for g in groups:
        ns = n_st[g]
        p0 = pstart[g]
        n = pstart[g + 1] - p0
        # the group's rows, and per row its allowed (class, last state) pairs: most classes
        # are allowed in no state, so the counts below touch only these
        nnz = 0
        for i in range(n):
            pi = order[p0 + i]
            rows[i] = pair_row[pi]
            for k in range(c):
                if q[pi, k] > 0:
                    nnz += 1
        e_k = np.empty(nnz, np.int32)
        e_j = np.empty(nnz, np.int32)
        e_i = np.empty(nnz, np.int32)
        e = 0
        P[:ns] = 0
        for i in range(n):
            pi = order[p0 + i]
            for k in range(c):
                if q[pi, k] > 0:
                    e_k[e] = k
                    e_i[e] = i
                    e_j[e] = q[pi, k] - 1
                    P[q[pi, k] - 1, k] += 1  # the node's positive counts, at the last state
                    e += 1
        for j in range(ns - 2, -1, -1):
            for k in range(c):
                P[j, k] += P[j + 1, k]
        for j in range(ns):
            s = 0
            for k in range(c):
                s += P[j, k] * P[j, k]
            P2[j] = s
        m = 0  # candidate cells of the group so far, in (feature, bin) order
        for f in range(d):
            for i in range(n):
                b = codes[f, rows[i]]
                cnt[b] += 1
                row_bin[i] = b
            for e in range(nnz):  # one flat loop (not one per row: fewer mispredicted exits)
                H[e_j[e], row_bin[e_i[e]], e_k[e]] += 1
            npres = 0
            for b in range(B):
                if cnt[b] > 0:
                    bins[npres] = b
                    npres += 1
            for p in range(npres):
                b = bins[p]
                for j in range(ns - 2, -1, -1):  # suffix sums: every state allowing the class
                    for k in range(c):
                        H[j, b, k] += H[j + 1, b, k]
            nL = 0
            for p in range(npres - 1):  # the last bin would send nothing right
                c_f[m + p] = f
                c_b[m + p] = bins[p]
                c_b2[m + p] = bins[p + 1]
                nL += cnt[bins[p]]
                ok[p] = nL >= min_leaf and n - nL >= min_leaf
                inv_l[p] = 1.0 / nL  # the same for every state: divided once
                inv_r[p] = 1.0 / (n - nL)
            for j in range(ns):
                L[:] = 0
                for p in range(npres - 1):
                    b = bins[p]
                    sq = 0
                    cr = 0
                    for k in range(c):
                        L[k] += H[j, b, k]
                        sq += L[k] * L[k]
                        cr += P[j, k] * L[k]
                    if ok[p]:
                        # the same operations as the NumPy search: sum_k L_k² (1/N_L + 1/N_R)
                        # + (sum_k P_k² - 2 sum_k P_k L_k) / N_R
                        gain = sq * (inv_l[p] + inv_r[p])
                        gain += (P2[j] - 2 * cr) * inv_r[p]
                        gains[j, m + p] = gain
                    else:
                        gains[j, m + p] = -np.inf
            m += max(npres - 1, 0)
            for p in range(npres):
                b = bins[p]
                cnt[b] = 0
                H[:ns, b] = 0
        for j in range(ns):
            st = base[g] + j
            top = -np.inf
            for i in range(m):
                top = max(top, gains[j, i])
            if top == -np.inf:
                out_f[st] = -1
                out_b[st] = 0
                out_t[st] = hi[0, 0] / 2.0 + lo[0, 0] / 2.0
                continue
            cut = top - GAIN_TOL * abs(top)
            i = 0
            while gains[j, i] < cut:
                i += 1
            f, b = c_f[i], c_b[i]
            out_f[st] = f
            out_b[st] = b
            out_t[st] = hi[f, b] / 2.0 + lo[f, c_b2[i]] / 2.0  # scikit-learn's midpoint


@_jit
def level_states(pair_group, pair_row, ranks, belief, w, t0, t1):
    """The states of every group of a level, and the sums over each group's pairs.

    A group's states are its range's first threshold index ``t0`` and every rank of a
    class at one of its rows strictly inside ``(t0, t1)``, in increasing order. Sums are
    taken in pair order, the order of ``np.bincount``, so that weighted sums are the same
    bit for bit.

    Returns
    -------
    s_group, s_start : int arrays, one entry per state (groups in order)
    base, n_st : int arrays, one entry per group
    q : int32 array of shape (n_pairs, n_classes)
        How many of its group's states (the first ones) allow each class at each pair.
    order, pstart : int arrays
        The pairs of group ``g`` are ``order[pstart[g]:pstart[g + 1]]``, in pair order.
    g_n, g_weight, g_bel : the rows, their weight and weighted belief sums per group
    pos : float array of shape (n_states, n_classes)
        Weight of the pairs allowing each class whose last state allowing it is this one.
    """
    G = t0.size
    P = pair_group.size
    c = ranks.shape[1]
    width = t1 - t0
    woff = np.zeros(G + 1, np.int64)
    for g in range(G):
        woff[g + 1] = woff[g] + width[g]
    mark = np.zeros(woff[G], np.int64)  # then: states of the group below each rank
    for g in range(G):
        mark[woff[g]] = 1
    g_n = np.zeros(G, np.int64)
    for i in range(P):
        g = pair_group[i]
        g_n[g] += 1
        lo, hi = t0[g], t1[g]
        for k in range(c):
            r = ranks[pair_row[i], k]
            if lo < r < hi:
                mark[woff[g] + r - lo] = 1
    n_st = np.zeros(G, np.int64)
    base = np.zeros(G, np.int64)
    S = 0
    for g in range(G):
        base[g] = S
        for x in range(woff[g], woff[g + 1]):
            n_st[g] += mark[x]
        S += n_st[g]
    s_group = np.empty(S, np.int64)
    s_start = np.empty(S, np.int64)
    for g in range(G):
        seen = 0
        for x in range(woff[g], woff[g + 1]):
            if mark[x]:
                s_group[base[g] + seen] = g
                s_start[base[g] + seen] = t0[g] + x - woff[g]
                seen += 1
            mark[x] = seen  # states starting at or below this rank
    q = np.empty((P, c), np.int32)
    pstart = np.zeros(G + 1, np.int64)
    for g in range(G):
        pstart[g + 1] = pstart[g] + g_n[g]
    order = np.empty(P, np.int64)
    fill = pstart[:G].copy()
    g_weight = np.zeros(G)
    g_bel = np.zeros((G, c))
    pos = np.zeros((S, c))
    for i in range(P):
        g = pair_group[i]
        row = pair_row[i]
        order[fill[g]] = i
        fill[g] += 1
        wi = w[row]
        g_weight[g] += wi
        lo, hi = t0[g], t1[g]
        for k in range(c):
            g_bel[g, k] += wi * belief[row, k]
            r = ranks[row, k]
            # searchsorted(keys, g * K + r, "left") - base[g]: states starting below r
            if r <= lo:
                qq = 0
            elif r >= hi:
                qq = n_st[g]
            else:
                qq = mark[woff[g] + r - lo - 1]
            q[i, k] = qq
            if qq > 0:
                pos[base[g] + qq - 1, k] += wi
    return s_group, s_start, base, n_st, q, order, pstart, g_n, g_weight, g_bel, pos


@_jit
def route(pair_group, pair_row, first_run, n_runs, run_f, run_b, codes):
    """The next level's pairs: each pair once per run of its group, to the run's child group
    ``2 * run + (goes right)``; in pair order, then run order."""
    P = pair_group.size
    total = 0
    for i in range(P):
        total += n_runs[pair_group[i]]
    new_group = np.empty(total, np.int64)
    new_row = np.empty(total, pair_row.dtype)
    j = 0
    for i in range(P):
        g = pair_group[i]
        row = pair_row[i]
        for r in range(first_run[g], first_run[g] + n_runs[g]):
            new_group[j] = 2 * r + (codes[run_f[r], row] > run_b[r])
            new_row[j] = row
            j += 1
    return new_group, new_row


@_jit
def predict_slots(X32, slot_base, slot_state, feature, threshold, left, right, g_t0, pred, out):
    """``out[m, t, l, i]``: the class tree (m, t) with shrinkage l predicts for row ``i``.

    A row goes right where ``float32(x) > threshold`` (compared as float64, as NumPy does).
    """
    M, T, L, n = out.shape
    for m in range(M):
        for t in range(T):
            root = slot_base[m] + t
            for i in range(n):
                cur = root
                st = slot_state[cur]
                while feature[st] >= 0:
                    child = right[st] if X32[i, feature[st]] > threshold[st] else left[st]
                    cur = slot_base[child] + t - g_t0[child]
                    st = slot_state[cur]
                for l in range(L):  # noqa: E741
                    out[m, t, l, i] = pred[l, cur]

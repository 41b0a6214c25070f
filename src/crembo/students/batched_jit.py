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


@numba.njit(cache=True, nogil=True)
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
    rows = np.empty(max_n, np.int64)
    ptr = np.empty(max_n + 1, np.int64)
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
        e_k = np.empty(nnz, np.int64)
        e_j = np.empty(nnz, np.int64)
        e = 0
        P[:ns] = 0
        for i in range(n):
            ptr[i] = e
            pi = order[p0 + i]
            for k in range(c):
                if q[pi, k] > 0:
                    e_k[e] = k
                    e_j[e] = q[pi, k] - 1
                    P[q[pi, k] - 1, k] += 1  # the node's positive counts, at the last state
                    e += 1
        ptr[n] = e
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
                for e in range(ptr[i], ptr[i + 1]):
                    H[e_j[e], b, e_k[e]] += 1
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
            for p in range(npres - 1):  # the last bin would send nothing right
                c_f[m + p] = f
                c_b[m + p] = bins[p]
                c_b2[m + p] = bins[p + 1]
            for j in range(ns):
                L[:] = 0
                nL = 0
                for p in range(npres - 1):
                    b = bins[p]
                    nL += cnt[b]
                    sq = 0
                    cr = 0
                    for k in range(c):
                        L[k] += H[j, b, k]
                        sq += L[k] * L[k]
                        cr += P[j, k] * L[k]
                    if nL >= min_leaf and n - nL >= min_leaf:
                        # the same operations as the NumPy search: sum_k L_k² (1/N_L + 1/N_R)
                        # + (sum_k P_k² - 2 sum_k P_k L_k) / N_R
                        inv_l = 1.0 / nL
                        inv_r = 1.0 / (n - nL)
                        gain = sq * (inv_l + inv_r)
                        gain += (P2[j] - 2 * cr) * inv_r
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

"""MEMO's binary search and CREMBO's sweep over candidate thresholds.

Nothing here knows what a student is: the searches talk to an :class:`Oracle`, which fits a
student at a threshold and measures its depth. Every candidate tried is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from joblib import Parallel, delayed

from crembo._validation import check_int, check_thresholds

#: Parallel fits run in threads unless a joblib backend is set (``parallel_config``, e.g.
#: Dask): tree fits release the GIL, and threads share the sample instead of pickling it to
#: worker processes for every candidate, which cost more than the fits themselves.
PREFER = "threads"


class Oracle(Protocol):
    """What the searches need from a student learner."""

    def fit(self, threshold: float) -> Any:
        """Return a student fitted to the allowed labels at ``threshold``."""

    def depth(self, student: Any) -> float:
        """Measured (possibly robust) empirical depth of ``student`` on the search sample."""


class BatchOracle(Oracle, Protocol):
    """An oracle that may also grow many students in one pass (``can_fit_many`` true).

    ``fit_many(thresholds, masks)`` returns a batch whose ``predict(X)`` gives class indices
    of shape ``(n_masks, n_thresholds, n_rows)`` (or with a shrinkage axis of length one
    before the rows): the student fitted on the rows of each mask (boolean, one row of the
    sample per column) at each threshold.
    """

    can_fit_many: bool

    def fit_many(self, thresholds, masks) -> Any:
        """Students at every (mask, threshold)."""


@dataclass
class Candidate:
    """One threshold tried: the student fitted there and what was measured."""

    index: int
    threshold: float
    student: Any
    depth: float
    score: float = np.nan

    @property
    def feasible(self) -> bool:
        return self.depth >= self.threshold


@dataclass
class MemoResult:
    """Outcome of MEMO: the deepest certified candidate and every probe on the way."""

    index: int
    threshold: float
    student: Any
    depth: float
    feasible: bool
    probes: list[Candidate] = field(default_factory=list)


def memo(thresholds, oracle: Oracle) -> MemoResult:
    """Largest candidate threshold at which the oracle's student is consistent.

    Binary search over the sorted ``thresholds`` (feasibility is monotone: raising θ only
    shrinks the allowed sets), about ``log2(len(thresholds))`` fits. When no candidate is
    feasible the student of the smallest threshold is returned with ``feasible=False``.

    Returns
    -------
    MemoResult
        θ*'s index, threshold, student and depth, whether it is feasible, every probe.
    """
    thresholds = check_thresholds(thresholds)
    probes: list[Candidate] = []
    lo, hi, best = -1, thresholds.size, None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        cand = _probe(oracle, thresholds, mid)
        probes.append(cand)
        if cand.feasible:
            lo, best = mid, cand
        else:
            hi = mid
    if best is None:
        best = next((p for p in probes if p.index == 0), None)
        if best is None:  # the search never probed the smallest threshold
            best = _probe(oracle, thresholds, 0)
            probes.append(best)
        return MemoResult(0, best.threshold, best.student, best.depth, False, probes)
    return MemoResult(best.index, best.threshold, best.student, best.depth, True, probes)


def memo_linear(thresholds, oracle: Oracle) -> MemoResult:
    """MEMO by scanning every candidate (a reference for tests; |Θ| fits)."""
    thresholds = check_thresholds(thresholds)
    probes = [_probe(oracle, thresholds, i) for i in range(thresholds.size)]
    feasible = [p for p in probes if p.feasible]
    best = feasible[-1] if feasible else probes[0]
    return MemoResult(best.index, best.threshold, best.student, best.depth, bool(feasible), probes)


def sweep_indices(start: int, n_thresholds: int, delta: int) -> np.ndarray:
    """Indices from ``start`` upward in steps of ``delta``, within the candidate list."""
    check_int("delta", delta, low=1)
    return np.arange(start, n_thresholds, int(delta))


def sweep(
    thresholds, start: int, oracle: Oracle, score, *, delta: int = 1, first=None, n_jobs=None
) -> list[Candidate]:
    """CREMBO's sweep: fit a student at every δ-th threshold from ``start`` upward, score it.

    Parameters
    ----------
    thresholds : array-like
        Sorted candidate thresholds, as given to :func:`memo`.
    start : int
        Index of θ* in ``thresholds``.
    oracle : Oracle
    score : callable
        ``score(student) -> float``, higher is better (validation accuracy, say).
    delta : int, default=1
        Step in candidate indices.
    first : MemoResult or Candidate, optional
        An already fitted student at ``start`` (MEMO's), reused instead of refitted.
    n_jobs : int, default=None
        Parallel fits (joblib).

    Returns
    -------
    candidates : list of Candidate
        In threshold order, each with its score.
    """
    thresholds = check_thresholds(thresholds)
    idx = sweep_indices(start, thresholds.size, delta)
    if first is not None:  # MEMO's student is the one at ``start``
        first = Candidate(start, first.threshold, first.student, first.depth)
    return sweep_at(thresholds, idx, oracle, score, first=first, n_jobs=n_jobs)


def sweep_at(
    thresholds, indices, oracle: Oracle, score, *, first=None, n_jobs=None
) -> list[Candidate]:
    """Fit and score a student at each of ``indices`` (any subset of the candidates).

    ``first`` (a fitted :class:`Candidate` or :class:`MemoResult`) is reused at its index.

    Returns
    -------
    list of Candidate
        In the order of ``indices``, each with its score.
    """
    thresholds = check_thresholds(thresholds)

    def run(i):
        if first is not None and i == first.index:
            cand = Candidate(i, first.threshold, first.student, first.depth)
        else:
            cand = _probe(oracle, thresholds, i)
        cand.score = float(score(cand.student))
        return cand

    return list(Parallel(n_jobs=n_jobs, prefer=PREFER)(delayed(run)(int(i)) for i in indices))


@dataclass
class HalvingResult:
    """Outcome of :func:`halving_sweep`: the winner refitted on all rows, and every rung."""

    best: Candidate
    candidates: list[Candidate]
    n_rows: np.ndarray
    n_fits: int


def halving_schedule(n_candidates: int, n_rows: int, *, eta: int = 3, min_rows: int = 1000):
    """Rows used at each rung of successive halving: grows by ``eta`` up to ``n_rows``.

    As many rungs as it takes to cut ``n_candidates`` down to one by a factor ``eta``; the
    first rung has ``n_rows / eta**(rungs-1)`` rows but never fewer than ``min_rows`` (or
    ``n_rows`` when that is smaller). When one rung already holds every row, the schedule is
    that rung alone: successive halving reduces to the exhaustive sweep.
    """
    check_int("eta", eta, low=2)
    check_int("min_rows", min_rows, low=1)
    rungs = 1
    while eta ** (rungs - 1) < n_candidates:
        rungs += 1
    first = max(min(int(min_rows), n_rows), int(np.ceil(n_rows / eta ** (rungs - 1))))
    sizes = [first]
    while sizes[-1] < n_rows and len(sizes) < rungs:
        sizes.append(min(n_rows, sizes[-1] * eta))
    return np.array(sizes, dtype=np.intp)


def halving_sweep(
    thresholds,
    start: int,
    oracle_for,
    score,
    *,
    n_rows: int,
    delta: int = 1,
    eta: int = 3,
    min_rows: int = 1000,
    random_state=None,
    n_jobs=None,
) -> HalvingResult:
    """CREMBO's sweep by successive halving: many cheap fits on few rows, few on many.

    Every δ-th candidate from ``start`` upward is fitted on a random subsample and scored;
    the best ``1/eta`` of them (ties to the lower threshold) go on to a sample ``eta`` times
    larger, until one is left or the sample holds every row. The winner is then refitted on
    all rows, unless its last fit already used them. Samples are nested.

    Parameters
    ----------
    thresholds : array-like
        Sorted candidate thresholds.
    start : int
        Index of θ* in ``thresholds``.
    oracle_for : callable
        ``oracle_for(rows)`` returns an :class:`Oracle` that fits on those rows (sorted
        indices into the search sample); ``rows=None`` means all of them.
    score : callable
        ``score(student) -> float``, higher is better, on data that does not change.
    n_rows : int
        Rows in the search sample.
    delta : int, default=1
    eta : int, default=3
        Share kept (``1/eta``) and growth of the sample per rung.
    min_rows : int, default=1000
        Smallest sample of the first rung.
    random_state : int, RandomState instance or None, default=None
        Draws the subsamples.
    n_jobs : int, default=None
        Parallel fits within a rung (joblib).

    Returns
    -------
    HalvingResult
        The winner (refitted on all rows), every candidate tried and the rows it saw.
    """
    thresholds = check_thresholds(thresholds)
    idx = sweep_indices(start, thresholds.size, delta)
    sizes = halving_schedule(idx.size, n_rows, eta=eta, min_rows=min_rows)
    rng = random_state
    if not isinstance(rng, np.random.RandomState | np.random.Generator):
        rng = np.random.RandomState(random_state)
    order = rng.permutation(n_rows)
    alive, tried, used, n_fits = list(idx), [], [], 0
    for size in sizes:
        rows = None if size >= n_rows else np.sort(order[:size])
        oracle = oracle_for(rows)

        def run(i, oracle=oracle):
            cand = _probe(oracle, thresholds, i)
            cand.score = float(score(cand.student))
            return cand

        rung = list(Parallel(n_jobs=n_jobs, prefer=PREFER)(delayed(run)(i) for i in alive))
        n_fits += len(rung)
        tried += rung
        used += [int(size)] * len(rung)
        keep = max(1, int(np.ceil(len(rung) / eta)))
        ranked = sorted(rung, key=lambda c: (-c.score, c.index))[:keep]
        alive = sorted(c.index for c in ranked)
        if len(rung) == 1:
            break
    best = best_candidate(rung)
    if used[-1] < n_rows:
        refit = _probe(oracle_for(None), thresholds, best.index)
        refit.score = float(score(refit.student))
        best, n_fits = refit, n_fits + 1
        tried.append(refit)
        used.append(int(n_rows))
    return HalvingResult(best, tried, np.array(used, dtype=np.intp), n_fits)


def best_candidate(candidates: list[Candidate]) -> Candidate:
    """The highest score; ties go to the lowest threshold (the deeper hypothesis)."""
    scores = np.array([c.score for c in candidates])
    return candidates[int(np.flatnonzero(scores == scores.max())[0])]


def _probe(oracle: Oracle, thresholds: np.ndarray, i: int) -> Candidate:
    student = oracle.fit(float(thresholds[i]))
    return Candidate(i, float(thresholds[i]), student, float(oracle.depth(student)))


def candidates_table(cands, score_se=None) -> dict:
    """The searched candidates as a dict of arrays (``sweep_``, ``probes_``)."""
    table = {
        "threshold": np.array([c.threshold for c in cands], dtype=float),
        "score": np.array([c.score for c in cands], dtype=float),
        "depth": np.array([c.depth for c in cands], dtype=float),
    }
    if score_se is not None:
        table["score_se"] = score_se
    return table

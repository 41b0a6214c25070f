"""MEMO's binary search and CREMBO's sweep over candidate thresholds.

Nothing here knows what a student is: the searches talk to an :class:`Oracle`, which fits a
student at a threshold and measures its depth. Every candidate tried is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from joblib import Parallel, delayed


class Oracle(Protocol):
    """What the searches need from a student learner."""

    def fit(self, threshold: float) -> Any:
        """Return a student fitted to the allowed labels at ``threshold``."""

    def depth(self, student: Any) -> float:
        """Measured (possibly robust) empirical depth of ``student`` on the search sample."""


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
    """
    thresholds = _check_thresholds(thresholds)
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
        best = next((p for p in probes if p.index == 0), None) or _probe(oracle, thresholds, 0)
        if best not in probes:
            probes.append(best)
        return MemoResult(0, best.threshold, best.student, best.depth, False, probes)
    return MemoResult(best.index, best.threshold, best.student, best.depth, True, probes)


def memo_linear(thresholds, oracle: Oracle) -> MemoResult:
    """MEMO by scanning every candidate (a reference for tests; |Θ| fits)."""
    thresholds = _check_thresholds(thresholds)
    probes = [_probe(oracle, thresholds, i) for i in range(thresholds.size)]
    feasible = [p for p in probes if p.feasible]
    best = feasible[-1] if feasible else probes[0]
    return MemoResult(best.index, best.threshold, best.student, best.depth, bool(feasible), probes)


def sweep_indices(start: int, n_thresholds: int, delta: int) -> np.ndarray:
    """Indices from ``start`` upward in steps of ``delta``, within the candidate list."""
    check_delta(delta)
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
    thresholds = _check_thresholds(thresholds)
    idx = sweep_indices(start, thresholds.size, delta)

    def run(i):
        if i == start and first is not None:
            cand = Candidate(i, first.threshold, first.student, first.depth)
        else:
            cand = _probe(oracle, thresholds, i)
        cand.score = float(score(cand.student))
        return cand

    return list(Parallel(n_jobs=n_jobs)(delayed(run)(i) for i in idx))


def best_candidate(candidates: list[Candidate]) -> Candidate:
    """The highest score; ties go to the lowest threshold (the deeper hypothesis)."""
    scores = np.array([c.score for c in candidates])
    return candidates[int(np.flatnonzero(scores == scores.max())[0])]


def one_standard_error_choice(mean_scores, std_errors) -> int:
    """Index of the first (deepest) candidate within one standard error of the best mean."""
    mean_scores = np.asarray(mean_scores, dtype=float)
    best = int(np.argmax(mean_scores))
    return int(np.flatnonzero(mean_scores >= mean_scores[best] - std_errors[best])[0])


def check_delta(delta) -> None:
    if isinstance(delta, bool) or not isinstance(delta, int | np.integer) or delta < 1:
        raise ValueError(f"delta must be an integer >= 1; got {delta!r}.")


def _probe(oracle: Oracle, thresholds: np.ndarray, i: int) -> Candidate:
    student = oracle.fit(float(thresholds[i]))
    return Candidate(i, float(thresholds[i]), student, float(oracle.depth(student)))


def _check_thresholds(thresholds) -> np.ndarray:
    t = np.asarray(thresholds, dtype=np.float64)
    if t.ndim != 1 or t.size == 0:
        raise ValueError("thresholds must be a non-empty 1-D array.")
    if np.any(np.diff(t) <= 0):
        raise ValueError("thresholds must be strictly increasing.")
    return t

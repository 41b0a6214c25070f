"""Sample weights: what ``fit(X, y, sample_weight=...)`` means in every step of a fit.

The rule: **a row of integer weight k counts as k copies of that row** in every sum a fit
takes: the teacher's own fit (where its ``fit`` takes ``sample_weight``), the class
frequencies behind ``class_weight="balanced"``, the student's impurities and leaf values (the
per-threshold fits and the batched learner alike), the depth (a weighted quantile for
``depth_quantile > 0``) and the selection's held-out scores (weighted accuracy). A row of
weight 0 is no row at all: it is dropped before anything else, so the fit equals the fit
without it. An unlabelled or synthetic (MUNGE) row counts as an average labelled row (the
mean weight), so that the synthetic rows weigh in total what they weigh when the weighted
rows are repeated.

What a weight cannot reproduce is *where* copies land: the selection's hold-out split and
folds split rows (a weighted row lies on one side, its copies may lie on both), MUNGE draws
synthetic rows around rows and a forest teacher draws bootstrap samples of rows. So
``fit(X, y, sample_weight=k)`` equals the fit on repeated rows wherever nothing is split or
drawn: MEMO and VT with a deterministic or fitted teacher, and the student at every
threshold; CREMBO's selection scores each candidate by weighted accuracy on its own split.
Scaling every weight by the same factor changes nothing but hierarchical shrinkage, whose λ
is in rows (a node's weighted row count, as for repeated rows) (tests/test_weights.py).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.utils.validation import has_fit_parameter

__all__ = ["check_sample_weight", "fit_with_weights", "weighted_quantile"]


def check_sample_weight(sample_weight, n_rows: int) -> np.ndarray | None:
    """``sample_weight`` as a float64 array of ``n_rows`` finite values ``>= 0``, not all 0.

    None stays None (every row weighs 1).
    """
    if sample_weight is None:
        return None
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("sample_weight must hold numbers.") from None
    if w.ndim != 1 or w.shape[0] != n_rows:
        raise ValueError(f"sample_weight must have shape ({n_rows},); got {w.shape}.")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise ValueError(
            f"sample_weight must hold finite values >= 0; {int(bad.sum())} do not (first: "
            f"row {int(np.flatnonzero(bad)[0])})."
        )
    if not w.sum() > 0:
        raise ValueError("sample_weight: every weight is zero; some row must weigh more.")
    return w


def fit_with_weights(estimator, X, y, sample_weight, what="teacher"):
    """``estimator.fit(X, y)`` with the weights where its ``fit`` takes them.

    An estimator whose ``fit`` has no ``sample_weight`` (a pipeline, say) is fitted without
    them, with a warning naming it: its belief is then that of the unweighted rows.
    """
    if sample_weight is None:
        return estimator.fit(X, y)
    if not has_fit_parameter(estimator, "sample_weight"):
        warnings.warn(
            f"{what}: {type(estimator).__name__}.fit takes no sample_weight; it is fitted "
            "without the weights (the student and the scores still use them).",
            UserWarning,
            stacklevel=3,
        )
        return estimator.fit(X, y)
    return estimator.fit(X, y, sample_weight=sample_weight)


def weighted_quantile(values, alpha: float, weight) -> float:
    """The value below which lies at most a share ``alpha`` of the total weight.

    With integer weights, the ``floor(alpha * W)``-th smallest value (from 0) of the list in
    which each value is repeated its weight's times (``W`` their sum): what
    :func:`crembo.depth.depth_statistic` takes on the repeated rows.
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    k = np.floor(alpha * cum[-1])
    i = min(int(np.searchsorted(cum, k, side="right")), v.size - 1)
    return float(v[order[i]])

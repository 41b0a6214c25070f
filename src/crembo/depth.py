"""Depth of a hypothesis under a belief, allowed labels and candidate thresholds."""

from __future__ import annotations

import numbers

import numpy as np

from crembo.belief import check_belief


def pointwise_depth(y_pred, belief) -> np.ndarray:
    """Share of the belief that agrees with each prediction: ``belief[i, y_pred[i]]``.

    Parameters
    ----------
    y_pred : array-like of shape (n_samples,)
        Predicted class indices in ``0..n_classes-1``.
    belief : array-like of shape (n_samples, n_classes)

    Returns
    -------
    depth : ndarray of shape (n_samples,)
    """
    b = check_belief(belief)
    y = np.asarray(y_pred)
    if y.ndim != 1 or y.shape[0] != b.shape[0]:
        raise ValueError(
            f"y_pred must be 1-D with one entry per belief row ({b.shape[0]}); got shape {y.shape}."
        )
    if y.size == 0:
        y = y.astype(np.intp)  # np.asarray([]) is float: no index array
    elif not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError("y_pred must hold class indices (integers).")
        y = y.astype(np.intp)
    if y.size and (y.min() < 0 or y.max() >= b.shape[1]):
        raise ValueError(f"y_pred holds class indices outside 0..{b.shape[1] - 1}.")
    return b[np.arange(b.shape[0]), y]


def empirical_depth(y_pred, belief, *, alpha: float = 0.0) -> float:
    """Empirical depth of a hypothesis: the minimum of its pointwise depth.

    With ``alpha > 0`` a fraction ``alpha`` of the points may fall below the returned depth
    (a robust depth: see :func:`depth_statistic`).
    """
    _check_alpha(alpha)
    d = pointwise_depth(y_pred, belief)
    if d.size == 0:
        raise ValueError("belief must have at least one row.")
    return depth_statistic(d, alpha)


def depth_statistic(pointwise, alpha: float = 0.0, weight=None) -> float:
    """Largest θ with at most a fraction α of the points below it; no input checks.

    ``alpha=0`` is the minimum. Otherwise the ``floor(α·n)``-th smallest pointwise depth, so
    a student is consistent at that θ on at least a fraction ``1 - α`` of the points; with
    ``weight`` (positive), the fraction is of the total weight
    (:func:`crembo.weights.weighted_quantile`: a point of weight k counts k times).
    """
    d = np.asarray(pointwise)
    if alpha == 0:
        return float(d.min())
    if weight is not None:
        from crembo.weights import weighted_quantile

        return weighted_quantile(d, alpha, weight)
    k = min(int(np.floor(alpha * d.size)), d.size - 1)
    return float(np.partition(d, k)[k])


def allowed_labels(belief, threshold: float) -> np.ndarray:
    """Multi-hot matrix ``Y_θ = 1[belief >= threshold]`` of the labels allowed at each point."""
    b = check_belief(belief)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"threshold must be a number; got {type(threshold).__name__}.")
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number; got {threshold!r}.")
    return (b >= threshold).astype(np.uint8)


def allowed_belief(Y, belief) -> np.ndarray:
    """The belief on the allowed classes only, renormalized per row (zero on the classes ``Y``
    rules out): the bulk of the belief that ``Y_θ`` keeps. A row with no allowed belief keeps
    ``Y``."""
    kept = belief * (Y > 0)
    mass = kept.sum(axis=1, keepdims=True)
    return np.where(mass > 0, kept / np.where(mass > 0, mass, 1.0), Y)


def clip_belief(belief, epsilon: float) -> np.ndarray:
    """Set values below ``epsilon`` to 0 and above ``1 - epsilon`` to 1 (thresholds only)."""
    if not 0 <= epsilon < 0.5:
        raise ValueError(f"epsilon must be in [0, 0.5); got {epsilon!r}.")
    b = np.asarray(belief, dtype=np.float64)
    if epsilon == 0:
        return b
    return np.where(b < epsilon, 0.0, np.where(b > 1 - epsilon, 1.0, b))


def candidate_thresholds(belief, *, epsilon: float = 0.0, max_candidates=None) -> np.ndarray:
    """Sorted distinct values of the (ε-clipped) belief: the thresholds worth trying.

    ``max_candidates`` keeps that many, evenly spaced in rank, always including the smallest
    and the largest value.
    """
    mc = max_candidates
    if mc is not None and (
        isinstance(mc, bool) or not isinstance(mc, numbers.Real) or int(mc) != mc or mc < 2
    ):
        raise ValueError(f"max_candidates must be an integer >= 2; got {mc!r}.")
    values = np.unique(clip_belief(_belief_values(belief), epsilon))
    if max_candidates is None or values.size <= max_candidates:
        return values
    keep = np.unique(np.round(np.linspace(0, values.size - 1, int(max_candidates))).astype(int))
    return values[keep]


def _belief_values(belief) -> np.ndarray:
    """A belief whose rows may no longer sum to 1 because it was ε-clipped already
    (estimators clip once, then ask for the thresholds): entries finite and in [0, 1]."""
    b = np.asarray(belief, dtype=np.float64)
    if b.ndim != 2 or not np.isfinite(b).all() or (b < 0).any() or (b > 1).any():
        return check_belief(b)  # raises, naming the problem
    return b


def _check_alpha(alpha) -> None:
    if not (isinstance(alpha, int | float | np.floating) and 0 <= alpha < 1):
        raise ValueError(f"alpha must be a number in [0, 1); got {alpha!r}.")

"""Teacher-labelled augmentation rows for small images: pixel shifts and mixup.

The rows made here carry no label: the teacher labels them (soft targets for KD, a belief
and so allowed sets for CREMBO), which is much of what distillation gains on small data
(issue 15). Every draw comes from ``random_state``; rows are flat, like the nets' inputs.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state

from crembo._validation import check_int


def shifted_rows(X, image_shape, n_copies=2, *, max_shift=1, random_state=None):
    """``n_copies`` shifted copies of every image, zero-filled, flat.

    Copy ``k`` of row ``i`` is row ``i`` moved by ``(dy, dx)``, each drawn uniformly from
    ``[-max_shift, max_shift]`` with ``(0, 0)`` excluded (so no copy equals its source).

    Parameters
    ----------
    X : array-like of shape (n, prod(image_shape))
    image_shape : tuple (C, H, W)
    n_copies : int, default=2
    max_shift : int, default=1
        Largest shift in pixels, in each direction.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X_shifted : ndarray of shape (n * n_copies, n_features), float32
        Copy-major: rows ``k * n ... (k + 1) * n - 1`` are copy ``k``.
    source : ndarray of shape (n * n_copies,)
        Index of the row each copy came from.
    """
    n_copies = int(check_int("n_copies", n_copies, low=0))
    s = int(check_int("max_shift", max_shift, low=1))
    c, h, w = (int(v) for v in image_shape)
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or X.shape[1] != c * h * w:
        raise ValueError(
            f"X must have shape (n, {c * h * w}) for images {(c, h, w)}; got {X.shape}."
        )
    rng = check_random_state(random_state)
    n = X.shape[0]
    source = np.tile(np.arange(n), n_copies)
    # draw among the (2s+1)² - 1 non-zero shifts: one code per copy
    side = 2 * s + 1
    code = rng.randint(side * side - 1, size=source.size)
    code += code >= (side * side) // 2  # skip the centre, (0, 0)
    dy, dx = code // side - s, code % side - s
    padded = np.pad(X.reshape(n, c, h, w), ((0, 0), (0, 0), (s, s), (s, s)))
    rows = (s - dy)[:, None] + np.arange(h)  # moving by +dy reads from -dy
    cols = (s - dx)[:, None] + np.arange(w)
    out = padded[source[:, None, None], :, rows[:, :, None], cols[:, None, :]]  # (m, h, w, c)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2).reshape(source.size, -1)), source


def mixup_rows(X, n_rows, *, low=0.3, random_state=None):
    """``n_rows`` mixtures ``λ·x_i + (1-λ)·x_j`` of random pairs, ``λ ~ U(low, 1-low)``.

    Returns
    -------
    X_mixed : ndarray of shape (n_rows, n_features), float32
    pairs : ndarray of shape (n_rows, 2)
        The two source rows of each mixture.
    """
    n_rows = int(check_int("n_rows", n_rows, low=0))
    if not (isinstance(low, numbers.Real) and 0 <= low <= 0.5):
        raise ValueError(f"low must be a number in [0, 0.5]; got {low!r}.")
    X = np.asarray(X, dtype=np.float32)
    rng = check_random_state(random_state)
    i = rng.randint(X.shape[0], size=n_rows)
    j = rng.randint(X.shape[0], size=n_rows)
    lam = rng.uniform(low, 1 - low, size=n_rows).astype(np.float32)[:, None]
    return lam * X[i] + (1 - lam) * X[j], np.stack([i, j], axis=1)


def teacher_augmented_rows(
    X, image_shape, *, shift_copies=0, max_shift=1, mixup=0.0, random_state=None
):
    """Shifted copies then mixup rows (``mixup`` × n of them), in one unlabelled array.

    Returns ``(X_extra, source)``: ``source`` is the row each shifted copy came from and -1
    for mixup rows.
    """
    rng = check_random_state(random_state)
    X = np.asarray(X, dtype=np.float32)
    parts, sources = [], []
    if shift_copies:
        Xs, src = shifted_rows(X, image_shape, shift_copies, max_shift=max_shift, random_state=rng)
        parts.append(Xs)
        sources.append(src)
    if not (isinstance(mixup, numbers.Real) and mixup >= 0):
        raise ValueError(f"mixup must be a number >= 0; got {mixup!r}.")
    n_mix = int(round(mixup * X.shape[0]))
    if n_mix:
        parts.append(mixup_rows(X, n_mix, random_state=rng)[0])
        sources.append(np.full(n_mix, -1))
    if not parts:
        return np.empty((0, X.shape[1]), dtype=np.float32), np.empty(0, dtype=int)
    return np.concatenate(parts), np.concatenate(sources)

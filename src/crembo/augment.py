"""Teacher-labelled augmentation: synthetic rows that get a belief but no label."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state


def munge(X, n_new: int, *, swap_probability=0.5, spread=1.0, random_state=None) -> np.ndarray:
    """MUNGE-style synthetic rows (Buciluǎ, Caruana & Niculescu-Mizil, 2006).

    Each new row starts from a random real row; every feature is, with probability
    ``swap_probability``, replaced by the value of the row's nearest neighbour plus Gaussian
    noise of scale ``|x - neighbour| / spread``. Missing values are kept where they were.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_new : int
        Number of rows to make.
    swap_probability : float, default=0.5
    spread : float, default=1.0
    random_state : int, RandomState instance or None

    Returns
    -------
    X_new : ndarray of shape (n_new, n_features)
    """
    X = np.asarray(X, dtype=np.float64)
    if n_new <= 0 or X.shape[0] < 2:
        return np.empty((0, X.shape[1]))
    rng = check_random_state(random_state)
    # neighbours in a standardized, median-imputed space so no feature dominates
    filled = np.where(np.isnan(X), np.nanmedian(X, axis=0), X)
    filled = np.nan_to_num(filled)
    scale = filled.std(axis=0)
    scaled = (filled - filled.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    nn = NearestNeighbors(n_neighbors=2).fit(scaled)
    base = rng.randint(0, X.shape[0], size=n_new)
    neighbour = nn.kneighbors(scaled[base], return_distance=False)[:, 1]
    x, z = X[base], X[neighbour]
    swap = rng.random_sample(x.shape) < swap_probability
    noise = rng.standard_normal(x.shape) * np.abs(x - z) / spread
    moved = np.where(swap, z + noise, x)
    return np.where(np.isnan(moved), x, moved)

"""Teacher-labelled augmentation: synthetic rows that get a belief but no label."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

#: Up to this many rows each row's neighbour is its exact nearest one (all pairs: the cost
#: grows with the square of the rows, 0.3 s at 10,000 rows, 30 s at 100,000 on one core).
EXACT_ROWS = 20_000
#: Above EXACT_ROWS the rows are split at the median of their widest feature, again and
#: again, into cells of at most this many, and a row's neighbour is the nearest in its cell
#: (approximate neighbours, as one leaf of a k-d tree gives them): the cost grows as
#: ``rows × CELL_ROWS``, a few seconds at a million rows.
CELL_ROWS = 2048


def munge(
    X,
    n_new: int,
    *,
    swap_probability=0.5,
    spread=1.0,
    random_state=None,
    exact_rows=EXACT_ROWS,
    cell_rows=CELL_ROWS,
) -> np.ndarray:
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
    exact_rows : int, default=EXACT_ROWS
        Up to this many rows of ``X`` the neighbour is the exact nearest row.
    cell_rows : int, default=CELL_ROWS
        Above ``exact_rows``: the nearest row within a median-split cell of at most this
        many rows, so that the search costs ``n_samples × cell_rows`` distances.

    Returns
    -------
    X_new : ndarray of shape (n_new, n_features)
    """
    X = np.asarray(X, dtype=np.float64)
    if n_new <= 0 or X.shape[0] < 2:
        return np.empty((0, X.shape[1]))
    rng = check_random_state(random_state)
    scaled = _standardized(X)
    base = rng.randint(0, X.shape[0], size=n_new)
    if X.shape[0] <= exact_rows:
        nn = NearestNeighbors(n_neighbors=2).fit(scaled)
        neighbour = nn.kneighbors(scaled[base], return_distance=False)[:, 1]
    else:
        neighbour = approximate_neighbours(scaled, cell_rows)[base]
    del scaled
    x, z = X[base], X[neighbour]
    swap = rng.random_sample(x.shape) < swap_probability
    noise = rng.standard_normal(x.shape)
    # in place: at a million rows each temporary is another 160 MB
    z -= x
    np.abs(z, out=z)
    noise *= z
    noise /= spread
    z = X[neighbour]
    noise += z
    moved = np.where(swap, noise, x)
    return np.where(np.isnan(moved), x, moved)


def _standardized(X) -> np.ndarray:
    """X median-imputed and standardized, so that no feature dominates the distances."""
    filled = np.where(np.isnan(X), np.nanmedian(X, axis=0), X)
    filled = np.nan_to_num(filled)
    scale = filled.std(axis=0)
    filled -= filled.mean(axis=0)
    filled /= np.where(scale > 0, scale, 1.0)
    return filled


def approximate_neighbours(points, cell_rows=CELL_ROWS) -> np.ndarray:
    """For each row, another row near it: the nearest within its cell.

    The rows are split at the median of the feature with the largest variance, recursively,
    until each cell holds at most ``cell_rows`` rows (at least 2); within a cell the nearest
    other row is found from all pairs. A row's true nearest neighbour may lie across a cell
    border; the one returned is then a little farther.
    """
    n = points.shape[0]
    cell_rows = max(int(cell_rows), 2)
    neighbour = np.empty(n, dtype=np.intp)
    stack = [np.arange(n)]
    while stack:  # a loop over cells (about 2 n / cell_rows of them), not over rows
        rows = stack.pop()
        part = points[rows]
        if rows.size <= cell_rows:
            neighbour[rows] = rows[_nearest_other(part)]
            continue
        half = rows.size // 2
        order = np.argpartition(part[:, int(part.var(axis=0).argmax())], half)
        stack += [rows[order[:half]], rows[order[half:]]]
    return neighbour


def _nearest_other(points) -> np.ndarray:
    """Index of the nearest other row of each row (squared Euclidean, all pairs)."""
    sq = np.einsum("ij,ij->i", points, points)
    d2 = points @ points.T
    d2 *= -2.0
    d2 += sq[:, None]
    d2 += sq[None, :]
    np.fill_diagonal(d2, np.inf)
    return d2.argmin(axis=1)

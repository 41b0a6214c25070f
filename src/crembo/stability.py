"""The in-fit stability estimate: how alike the k-fold students of one candidate predict.

The k-fold choice (:class:`~crembo.selection.KFoldOneSE`) grows one student per fold for
every (θ, λ) candidate. Two of them were trained on different rows, so their agreement is
an estimate, free of extra fits, of how much that candidate's tree moves when its training
set moves: the stability the robustness experiment measures (mean pairwise agreement of
students fitted on different folds, on rows none of them saw).

In k-fold no row is unseen by both students of a pair. The estimate is taken on the rows
that *one* of the pair did not see, the union of the two held-out folds (``on="heldout"``):
the rows where a student can disagree because it did not see them, as in the benchmark.
``on="all"`` takes every row of the search sample (the shared training rows pull it up,
most where the tree fits its training rows), ``on="synthetic"`` the unlabelled and
synthetic (MUNGE) rows, which every fold student trains on. docs/results.md ("in-fit
stability estimate") has the measurement that chose ``"heldout"``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ESTIMATE_ROWS", "fold_agreement", "predictions_of", "stability_note"]

#: The row sets the estimate can be taken on (see the module docstring).
ESTIMATE_ROWS = ("heldout", "all", "synthetic")


def fold_agreement(pred, fold_tests, on="heldout", synthetic=None) -> np.ndarray:
    """Mean over pairs of fold students of the share of rows where both predict alike.

    Parameters
    ----------
    pred : array-like of int, shape (n_folds, ..., n_rows)
        Class predicted on every row of the search sample by each fold's student of each
        candidate (the middle axes: candidates, λ, ...).
    fold_tests : sequence of int arrays
        The held-out rows of each fold (indices into the rows).
    on : {"heldout", "all", "synthetic"}, default="heldout"
        Which rows a pair is compared on: the union of the pair's held-out rows, every row,
        or the rows in ``synthetic``.
    synthetic : array-like of int, optional
        Rows that no fold holds out (unlabelled and synthetic); needed for
        ``on="synthetic"``, where none gives NaN.

    Returns
    -------
    ndarray of shape ``pred.shape[1:-1]``
        NaN where there are fewer than two folds or no row to compare on.

    Examples
    --------
    >>> import numpy as np
    >>> pred = np.array([[0, 0, 1, 1], [0, 1, 1, 1], [0, 0, 1, 0]])[:, None, :]
    >>> fold_agreement(pred, [np.array([0]), np.array([1]), np.array([2, 3])], on="all")
    array([0.66666667])
    """
    P = np.asarray(pred)
    if on not in ESTIMATE_ROWS:
        raise ValueError(f"on must be one of {ESTIMATE_ROWS}; got {on!r}.")
    k, n = P.shape[0], P.shape[-1]
    shape = P.shape[1:-1]
    if k != len(fold_tests):
        raise ValueError(f"pred has {k} folds but fold_tests holds {len(fold_tests)}.")
    if k < 2:
        return np.full(shape, np.nan)
    total = np.zeros(shape)
    for f in range(k):
        for g in range(f + 1, k):
            rows = _pair_rows(fold_tests[f], fold_tests[g], n, on, synthetic)
            if rows.size == 0:
                return np.full(shape, np.nan)
            total += (P[f][..., rows] == P[g][..., rows]).mean(axis=-1)
    return total / (k * (k - 1) / 2)


def _pair_rows(test_f, test_g, n, on, synthetic):
    if on == "heldout":
        return np.union1d(test_f, test_g)
    if on == "all":
        return np.arange(n)
    return np.asarray([] if synthetic is None else synthetic, dtype=np.intp)


def predictions_of(students, X) -> np.ndarray:
    """Class predictions of fitted students on ``X``, shape (n_students, n_rows).

    Any student with ``predict`` (a tree, a sum of trees, an exact tree): the estimate is
    generic over students; the batched trees give the same array in one pass instead.
    """
    return np.stack([np.asarray(s.predict(X)) for s in students])


def stability_note(model) -> str:
    """One sentence on a fitted model's in-fit stability estimate (``stability_``)."""
    value = float(getattr(model, "stability_", np.nan))
    if np.isnan(value):
        return (
            "in-fit stability estimate: n/a (this selection grows one student per candidate, "
            "so no pair of students to compare; the k-fold selections give it)"
        )
    k = getattr(getattr(model.config_, "selection", None), "n_splits", "k")
    return (
        f"in-fit stability estimate = {value:.3f} (the chosen candidate's {k} fold students "
        "predict alike on that share of the rows one of each pair did not train on; "
        "optimistic: they share this fit's teacher and synthetic rows, so students of "
        "independent fits agree less)"
    )

"""Measures of fitted models recorded by the experiments and printed by the command line.

:func:`pairwise_agreement` is the stability measure of the paper (how often two models fitted
on different data predict the same class); :func:`n_leaves` the size of a tree model.
"""

from __future__ import annotations

import numpy as np

__all__ = ["n_leaves", "pairwise_agreement"]


def pairwise_agreement(predictions, present=None) -> float:
    """Mean over pairs of models of the share of points where both predict the same class.

    Parameters
    ----------
    predictions : array-like of shape (n_models, n_points)
    present : array-like of bool, shape (n_models,), optional
        The models that exist (a failed fit has none): only pairs of these count; NaN when
        fewer than two exist.

    Returns
    -------
    float

    Examples
    --------
    >>> pairwise_agreement([[0, 1, 1, 0], [0, 1, 0, 0], [0, 1, 1, 1]])
    0.6666666666666666
    """
    P = np.asarray(predictions)
    if present is not None:
        if P.ndim != 2 or len(present) != P.shape[0]:
            raise ValueError("present must hold one flag per row of predictions.")
        P = P[np.asarray(present, dtype=bool)]
        if P.shape[0] < 2:
            return float("nan")
    if P.ndim != 2 or P.shape[0] < 2:
        raise ValueError(f"predictions must be (n_models >= 2, n_points); got shape {P.shape}.")
    same = (P[:, None, :] == P[None, :, :]).mean(axis=2)
    i, j = np.triu_indices(P.shape[0], k=1)
    return float(same[i, j].mean())


def n_leaves(model) -> float:
    """Leaves of a fitted tree model (summed over a forest's trees); NaN when not a tree model.

    Any fitted model is accepted: a tree, a forest, a crembo estimator or surrogate (its
    ``student_``), an :class:`~crembo.students.sklearn.AllowedLabelClassifier` (one leaf when
    its targets were constant). The experiments record it for every method, the teacher
    included; a float so that models without trees (a net) read NaN. For the int size of one
    tree student use ``crembo.students.tree.tree_view(model).n_leaves``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> n_leaves(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y))
    3.0
    """
    if hasattr(model, "get_n_leaves"):
        return float(model.get_n_leaves())
    if hasattr(model, "estimators_") and isinstance(model.estimators_, list):
        return float(sum(n_leaves(e) for e in model.estimators_))
    if hasattr(model, "student_"):
        return n_leaves(model.student_)
    if hasattr(model, "active_"):  # AllowedLabelClassifier; all-constant targets: one leaf
        return 1.0 if model.estimator_ is None else n_leaves(model.estimator_)
    return float("nan")

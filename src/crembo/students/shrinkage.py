"""Hierarchical shrinkage of a fitted decision tree (Agarwal et al. 2022).

Each node's value becomes its root's mean plus every step along its path, each step damped by
the size of the node it leaves::

    v̂(node) = v(root) + Σ_{edges p → c on the path} (v(c) − v(p)) / (1 + λ / N(p))

where ``v`` is the node's mean as scikit-learn stores it (class fractions of a classifier,
means of a regressor; every output column is shrunk alike) and ``N`` the parent's
*weighted* number of training rows (``weighted_n_node_samples``), as imodels' ``HSTree`` does
with its default ``shrinkage_scheme_="node_based"``. The tree's splits do not change: only the
values, so a shrunk tree is still a plain scikit-learn tree. ``λ = 0`` leaves every value as it
is; ``λ → ∞`` gives every node the root's mean.

This module is the reference of the formula for the other learners of the package (the batched
allowed-label trees apply the same one).
"""

from __future__ import annotations

import numbers

import numpy as np


def check_shrinkage(value, name="shrinkage") -> float:
    """``value`` as a float if it is a real number ≥ 0 (``inf`` allowed), else ValueError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or np.isnan(value)
        or value < 0
    ):
        raise ValueError(f"{name} must be a number >= 0 (0 = no shrinkage); got {value!r}.")
    return float(value)


def shrink_tree_values(tree, lam) -> np.ndarray:
    """Node values of ``tree`` after hierarchical shrinkage with strength ``lam``.

    Parameters
    ----------
    tree : sklearn.tree._tree.Tree or fitted scikit-learn tree estimator
        The low-level tree (``estimator.tree_``) or an estimator holding one.
    lam : float
        Shrinkage strength λ ≥ 0.

    Returns
    -------
    ndarray of shape ``tree.value.shape``
        A new array; ``tree`` is not changed. Write it back with ``tree.value[...] = values``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> est = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    >>> values = shrink_tree_values(est, 10.0)
    >>> bool(abs(values[0] - est.tree_.value[0]).max() == 0)  # the root keeps its mean
    True
    """
    lam = check_shrinkage(lam, "lam")
    tree = getattr(tree, "tree_", tree)
    value = np.array(tree.value, dtype=np.float64)
    if lam == 0.0 or tree.node_count == 1:
        return value
    left, right = tree.children_left, tree.children_right
    n = tree.weighted_n_node_samples
    out = value.copy()
    # One step per depth level, vectorized over the level's nodes: a child's shrunk value is
    # its parent's shrunk value plus the damped step, the order of imodels' running sum.
    level = np.array([0])
    while level.size:
        level = level[left[level] != -1]  # the level's internal nodes
        if not level.size:
            break
        with np.errstate(divide="ignore"):  # a parent of zero weight: its children keep its value
            damp = (1.0 + lam / n[level])[:, None, None]
        for children in (left[level], right[level]):
            out[children] = out[level] + (value[children] - value[level]) / damp
        level = np.concatenate([left[level], right[level]])
    return out

"""When a student can be grown by the batched tree learner, and growing it there.

:func:`crembo.students.batched.grow_allowed_label_trees` reproduces an
:class:`~crembo.students.sklearn.AllowedLabelClassifier` around a plain Gini
``DecisionTreeClassifier`` (:data:`BATCHABLE_TREE` settings, integer depth and leaf sizes) for
many thresholds and row masks in one NumPy pass. :func:`batch_params` says whether a learner
is such a student (and with which settings); :func:`grow_batch` grows the batch on numbers
only: missing values are, for the batch alone, a value below every other of the rows
(:class:`BatchOnFinite` predicts new rows the same way).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["BATCHABLE_TREE", "BatchOnFinite", "batch_params", "batched_learner", "grow_batch"]

#: Tree settings the batched learner reproduces; any other value means per-threshold fits.
BATCHABLE_TREE = {
    "criterion": "gini",
    "splitter": "best",
    "max_features": None,
    "max_leaf_nodes": None,
    "min_weight_fraction_leaf": 0.0,
    "min_impurity_decrease": 0.0,
    "ccp_alpha": 0.0,
    "monotonic_cst": None,
    "class_weight": None,
}


def batched_learner():
    """``crembo.students.batched.grow_allowed_label_trees``, or None where it is missing."""
    try:
        from crembo.students.batched import grow_allowed_label_trees
    except ImportError:
        return None
    return grow_allowed_label_trees


def batch_params(learner) -> dict | None:
    """Settings of the batched learner for ``learner``, or None if it has none.

    Only an :class:`~crembo.students.sklearn.AllowedLabelClassifier` (exactly that class)
    around a plain ``DecisionTreeClassifier`` with :data:`BATCHABLE_TREE` settings, an integer
    ``max_depth`` in 1..16 and integer leaf sizes.

    Returns
    -------
    dict or None
        ``max_depth``, ``min_samples_split``, ``min_samples_leaf``, ``shrinkage`` (a tuple)
        and ``tie_break`` for :func:`grow_batch`; None when the learner is not batchable.
    """
    from sklearn.tree import DecisionTreeClassifier

    from crembo.students.sklearn import AllowedLabelClassifier

    if type(learner) is not AllowedLabelClassifier:
        return None
    tree = learner.estimator
    if type(tree) is not DecisionTreeClassifier:
        return None
    p = tree.get_params(deep=False)
    if any(p[k] != v for k, v in BATCHABLE_TREE.items() if k in p):
        return None
    depth, split, leaf = p["max_depth"], p["min_samples_split"], p["min_samples_leaf"]
    ints = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (split, leaf))
    if not (isinstance(depth, numbers.Integral) and 1 <= depth <= 16 and ints):
        return None
    params = learner.get_params(deep=False)
    return {
        "max_depth": int(depth),
        "min_samples_split": int(split),
        "min_samples_leaf": int(leaf),
        "shrinkage": (float(params.get("shrinkage", 0.0)),),
        "tie_break": learner.tie_break,
    }


def grow_batch(learner, X, belief, thresholds, masks=None, sample_weight=None, shrinkage=None):
    """The batch of ``learner``'s trees at every (row mask, threshold) of ``(X, belief)``.

    Returns a :class:`BatchOnFinite`, whose ``predict(X)`` gives class indices of shape
    ``(n_masks, n_thresholds, n_shrinkage, n_rows)``; ``shrinkage`` (a sequence of λ)
    replaces the learner's own λ. Raises ``TypeError`` when :func:`batch_params` is None.
    """
    params = batch_params(learner)
    grow = batched_learner()
    if params is None or grow is None:
        raise TypeError("fit_many needs a plain DecisionTreeClassifier student.")
    if shrinkage is not None:  # a grid of λ: the batch predicts with each
        params["shrinkage"] = tuple(float(v) for v in shrinkage)
    finite = ~np.isnan(X)
    low = float(X[finite].min()) - 1.0 if finite.any() else 0.0  # below every value
    batch = grow(
        _finite(X, low),
        belief,
        np.asarray(thresholds),
        masks,
        sample_weight=sample_weight,
        **params,
    )
    return BatchOnFinite(batch, low)


def _finite(X, low):
    """X with missing values set to ``low`` (the batch needs numbers)."""
    nan = np.isnan(X)
    return np.where(nan, low, X) if nan.any() else X


class BatchOnFinite:
    """A batch grown with missing values at ``low``, predicting the same way."""

    def __init__(self, batch, low):
        self.batch, self.low = batch, low

    def predict(self, X):
        """Class indices of every tree of the batch on ``X`` (missing values at ``low``)."""
        return self.batch.predict(_finite(X, self.low))

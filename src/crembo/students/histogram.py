"""The allowed-label tree student grown on binned features, for large data.

Above :data:`HISTOGRAM_ROWS` rows an exact scikit-learn tree on ``Y_θ`` (one output per
class) costs most of a fit (443 of 671 s at a million rows plus as many MUNGE rows, see
``docs/performance.md``): it sorts every feature at every node. The batched learner
(:func:`crembo.students.batched.grow_allowed_label_trees`) grows the same kind of tree from
per-feature histograms of at most :data:`MAX_BINS` bins (quantiles), in time linear in the
rows; :func:`binned_student` turns its tree into the
:class:`~crembo.students.sklearn.AllowedLabelClassifier` an exact fit would have given, a
plain ``DecisionTreeClassifier`` inside, so that predicting, exporting and saving see no
difference. Where a feature has at most ``MAX_BINS`` distinct values its splits are the exact
ones; otherwise a split falls on a bin edge.
"""

from __future__ import annotations

import copy

import numpy as np

from crembo._compat import build_tree, node_dtype
from crembo.students.batched import grow_allowed_label_trees
from crembo.students.shrinkage import shrink_tree_values
from crembo.students.sklearn import AllowedLabelClassifier
from crembo.students.tree_fast import as_fitted_binary_tree

#: Rows (real and synthetic) above which the final student is grown on binned features.
HISTOGRAM_ROWS = 200_000
#: Bins per feature (quantiles of its distinct values).
MAX_BINS = 256


def binned_student(
    learner: AllowedLabelClassifier, X, Y_belief, threshold, params, sample_weight=None
) -> AllowedLabelClassifier:
    """``learner`` as if fitted to ``belief >= threshold`` on ``X``, grown on binned features.

    Parameters
    ----------
    learner : AllowedLabelClassifier
        Unfitted, around a plain ``DecisionTreeClassifier``; copied, not changed.
    X : ndarray of shape (n_samples, n_features)
        Finite.
    Y_belief : ndarray of shape (n_samples, n_classes)
        The teacher's belief.
    threshold : float
    params : dict
        ``max_depth``, ``min_samples_split``, ``min_samples_leaf`` of the tree.
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    AllowedLabelClassifier
    """
    belief = np.asarray(Y_belief, dtype=np.float64)
    trees = grow_allowed_label_trees(
        X,
        belief,
        np.array([float(threshold)]),
        max_depth=params["max_depth"],
        min_samples_split=params["min_samples_split"],
        min_samples_leaf=params["min_samples_leaf"],
        sample_weight=sample_weight,
        max_bins=MAX_BINS,
        tie_break=learner.tie_break,
    )
    t = trees.tree(0, 0, 0)
    allowed = belief >= threshold
    col_min, col_max = allowed.min(axis=0), allowed.max(axis=0)
    constant = col_min == col_max
    out = copy.deepcopy(learner)
    out.classes_ = np.arange(belief.shape[1])
    out.active_ = np.flatnonzero(~constant)
    out.constant_ = np.where(constant, col_min.astype(float), np.nan)
    out.estimator_ = None
    if out.active_.size:
        out.estimator_ = _as_sklearn_tree(learner.estimator, t, out.active_, X.shape[1])
        lam = float(learner.shrinkage)
        if lam > 0:
            tree = out.estimator_.tree_
            tree.value[...] = shrink_tree_values(tree, lam)
    out.tie_scores_ = t.tie_score if learner.tie_break == "belief" else None
    return out


def _as_sklearn_tree(estimator, t, active, n_features):
    """A fitted copy of ``estimator`` (a ``DecisionTreeClassifier``) holding tree ``t``."""
    p = t.allowed[:, active]
    k = active.size
    nodes = np.zeros(t.node_count, dtype=node_dtype())
    nodes["left_child"] = t.children_left
    nodes["right_child"] = t.children_right
    nodes["feature"] = t.feature
    nodes["threshold"] = t.threshold
    nodes["impurity"] = (2.0 * p * (1.0 - p)).mean(axis=1)  # scikit-learn: mean over outputs
    nodes["n_node_samples"] = t.n_node_samples
    nodes["weighted_n_node_samples"] = t.weighted_n_node_samples
    inner = np.flatnonzero(t.children_left >= 0)
    # a value missing at predict time goes to the larger child, as for a tree that saw none
    left_n = t.weighted_n_node_samples[t.children_left[inner]]
    right_n = t.weighted_n_node_samples[t.children_right[inner]]
    nodes["missing_go_to_left"][inner] = left_n >= right_n
    tree = build_tree(
        n_features,
        np.full(k, 2, dtype=np.intp),
        {
            "max_depth": _depth(t.children_left, t.children_right),
            "node_count": t.node_count,
            "nodes": nodes,
            "values": np.stack([1.0 - p, p], axis=2),
        },
    )
    return as_fitted_binary_tree(copy.deepcopy(estimator), tree, n_features, n_features, np.uint8)


def _depth(left, right) -> int:
    """Depth of a tree given by its child arrays (nodes in depth-first order)."""
    depth = np.zeros(left.size, dtype=np.intp)
    for i in range(left.size):  # one pass over the nodes (a few hundred), parents first
        if left[i] >= 0:
            depth[left[i]] = depth[right[i]] = depth[i] + 1
    return int(depth.max(initial=0))

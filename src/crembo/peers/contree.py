"""ConTree (``pytrees-rs``): the optimal depth-d tree on continuous features, no binarization.

Decisions (one line each; they go into the notes of the results tables):

- ``pytrees.ConTreeClassifier(max_depth=4, max_time=10, use_lds=True)``: the anytime search
  (limited discrepancy) the issue names, so that a fit stopped at the limit holds a good tree;
  thresholds between observed values of the raw (imputed) features, fewest training errors.
- 10 s per fit, as STreeD and GOSDT; a fit that stops there keeps its best tree, status
  ``time limit`` (``status_`` of pytrees other than ``"optimal"``).
- ``ConTree`` fits the labels, ``ConTree-VT`` the teacher's predicted labels.
"""

from __future__ import annotations

import numpy as np

from crembo.peers.base import (
    STATUS_OK,
    STATUS_TIME_LIMIT,
    TIME_LIMIT,
    Peer,
    PeerClassifier,
    quiet,
    require,
)

__all__ = ["PEERS", "ConTreePeer"]


class ConTreePeer(PeerClassifier):
    """ConTree optimal classification tree of depth ``max_depth`` (``pytrees``).

    Parameters
    ----------
    teacher : classifier or None, default=None
        None: fitted to the labels (``ConTree``); a classifier (fitted, or fitted here): to
        its predicted labels (``ConTree-VT``).
    max_depth : int, default=4
    time_limit : float, default=10
        Seconds per fit (ConTree's ``max_time``); at the limit the best tree found so far is
        kept (status ``"time limit"``).
    random_state : int, RandomState instance or None, default=None
        Unused by the search (deterministic); kept for the experiments' seeding.

    Attributes
    ----------
    classes_, contree_ (the fitted ``pytrees.ConTreeClassifier``), status_

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> ConTreePeer(max_depth=2, time_limit=5).fit(X, y).score(X, y) > 0.9  # doctest: +SKIP
    True
    """

    def __init__(self, teacher=None, max_depth=4, time_limit=TIME_LIMIT, random_state=None):
        self.teacher = teacher
        self.max_depth = max_depth
        self.time_limit = time_limit
        self.random_state = random_state

    def fit(self, X, y):
        """Search the tree with the fewest training errors within the time limit."""
        pytrees = require("pytrees")
        X, y_idx, seed = self._start(X, y)
        target = self._target(X, y_idx, seed)
        tree = pytrees.ConTreeClassifier(
            max_depth=self.max_depth, max_time=float(self.time_limit), use_lds=True
        )
        with quiet():
            tree.fit(X, target)  # its classes_ are the indices the target holds
        self.contree_ = tree
        self.status_ = STATUS_OK if tree.status_ == "optimal" else STATUS_TIME_LIMIT
        return self

    def _predict_index(self, X):
        return np.asarray(self.contree_.predict(X), dtype=int)

    def get_n_leaves(self) -> int:
        return int(np.sum(np.asarray(self.contree_.tree_.children_left) < 0))

    def get_depth(self) -> int:
        left = np.asarray(self.contree_.tree_.children_left)
        right = np.asarray(self.contree_.tree_.children_right)
        depth = np.zeros(left.size, dtype=int)
        for node in range(left.size):  # parents come before children
            if left[node] >= 0:
                depth[[left[node], right[node]]] = depth[node] + 1
        return int(depth.max())


PEERS = {
    "ConTree": Peer(lambda t, s, rs: ConTreePeer(random_state=rs), needs=("pytrees",)),
    "ConTree-VT": Peer(lambda t, s, rs: ConTreePeer(t, random_state=rs), needs=("pytrees",)),
}

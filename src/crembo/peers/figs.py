"""FIGS (``imodels``): a sum of trees grown greedily, one split at a time.

Decisions (one line each; they go into the notes of the results tables):

- ``FIGSClassifier(max_rules=15)``; multi-class natively (one output per class).
- imodels 3.0.4 imports ``six`` without declaring it: ``six`` is in the ``peers`` extra.
"""

from __future__ import annotations

import numpy as np

from crembo.peers.base import STATUS_OK, Peer, PeerClassifier, quiet, require

__all__ = ["PEERS", "FIGSPeer"]


class FIGSPeer(PeerClassifier):
    """FIGS: a sum of trees with at most ``max_rules`` splits in all (``imodels``).

    Parameters
    ----------
    max_rules : int, default=15
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_, estimator_ (the fitted ``imodels.FIGSClassifier``), status_
    """

    def __init__(self, max_rules=15, random_state=None):
        self.max_rules = max_rules
        self.random_state = random_state

    def fit(self, X, y):
        """Grow the trees greedily, one split at a time."""
        require("six")
        imodels = require("imodels")
        X, y_idx, seed = self._start(X, y)
        self.estimator_ = imodels.FIGSClassifier(max_rules=self.max_rules, random_state=seed)
        with quiet():
            self.estimator_.fit(X, y_idx)
        self.status_ = STATUS_OK
        return self

    def _predict_index(self, X):
        return np.asarray(self.estimator_.predict(X), dtype=int)

    def get_n_splits(self) -> int:
        return int(self.estimator_.complexity_)

    def get_n_leaves(self) -> int:
        """Leaves over all of its trees (splits + trees)."""
        return int(self.estimator_.complexity_ + len(self.estimator_.trees_))


PEERS = {"FIGS": Peer(lambda t, s, rs: FIGSPeer(random_state=rs), needs=("six", "imodels"))}

"""STreeD (``pystreed``): the optimal classification tree on the thin binarization.

Decisions (one line each; they go into the notes of the results tables):

- ``STreeDClassifier(max_depth=4)``, its default ``accuracy`` task, on our thin binarization
  (:mod:`crembo.peers.binarize`); ``STreeD`` fits the labels, ``STreeD-VT`` the teacher's
  predicted labels.
- 10 s time limit per fit (``time_limit``), chosen by timing heart, arrhythmia, spam7 and
  chile; a fit that hits it keeps its best tree, status ``time limit``.
"""

from __future__ import annotations

import warnings

import numpy as np

from crembo.peers.base import (
    STATUS_OK,
    STATUS_TIME_LIMIT,
    TIME_LIMIT,
    Peer,
    PeerClassifier,
    PeerTimeout,
    quiet,
    require,
)
from crembo.peers.binarize import MAX_BINARY_FEATURES, N_THRESHOLDS, ThinBinarizer

__all__ = ["PEERS", "STreeDPeer"]


class STreeDPeer(PeerClassifier):
    """STreeD optimal classification tree of depth ``max_depth`` (``pystreed``).

    Parameters
    ----------
    teacher : classifier or None, default=None
        None: fitted to the labels (``STreeD``); a classifier (fitted, or fitted here): to its
        predicted labels (``STreeD-VT``).
    max_depth : int, default=4
    time_limit : float, default=10
        Seconds per fit; at the limit the best tree found so far is kept (status
        ``"time limit"``).
    n_thresholds, max_binary_features : int, default=8, 256
        Thin binarization (:class:`ThinBinarizer`).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_, binarizer_, tree_ (the fitted ``pystreed.STreeDClassifier``), status_

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> STreeDPeer(max_depth=2).fit(X, y).score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        teacher=None,
        max_depth=4,
        time_limit=TIME_LIMIT,
        n_thresholds=N_THRESHOLDS,
        max_binary_features=MAX_BINARY_FEATURES,
        random_state=None,
    ):
        self.teacher = teacher
        self.max_depth = max_depth
        self.time_limit = time_limit
        self.n_thresholds = n_thresholds
        self.max_binary_features = max_binary_features
        self.random_state = random_state

    def fit(self, X, y):
        """Binarize, then search the optimal tree within the time limit."""
        pystreed = require("pystreed")
        X, y_idx, seed = self._start(X, y)
        target = self._target(X, y_idx, seed)
        self.binarizer_ = ThinBinarizer(self.n_thresholds, self.max_binary_features)
        B = self.binarizer_.fit(X, target, self.classes_.size).transform(X)
        tree = pystreed.STreeDClassifier(
            max_depth=self.max_depth, time_limit=self.time_limit, random_seed=seed
        )
        with quiet(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            tree.fit(B, target)
        if not tree.is_fitted():
            raise PeerTimeout(f"STreeD found no tree within {self.time_limit} s.")
        self.tree_ = tree
        self.status_ = STATUS_OK if tree.fit_result.is_optimal() else STATUS_TIME_LIMIT
        return self

    def _predict_index(self, X):
        return np.asarray(self.tree_.predict(self.binarizer_.transform(X)), dtype=int)

    def get_n_leaves(self) -> int:
        return int(self.tree_.get_n_leaves())

    def get_depth(self) -> int:
        return int(self.tree_.get_depth())


PEERS = {
    "STreeD": Peer(lambda t, s, rs: STreeDPeer(random_state=rs), needs=("pystreed",)),
    "STreeD-VT": Peer(lambda t, s, rs: STreeDPeer(t, random_state=rs), needs=("pystreed",)),
}

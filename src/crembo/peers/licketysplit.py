"""LicketySPLIT (``licketysplit``): a near-optimal sparse tree in polynomial time.

Decisions (one line each; they go into the notes of the results tables):

- ``LicketySPLITClassifier(depth_budget=4)``: depth 4. In licketysplit 0.2.1 the budget
  is the number of splits on a path (checked on digits: budget d gives depth d and, without
  the leaf penalty, 2^d leaves), not the leaf level as in GOSDT; 5 would give depth 5. Its
  default ``lambda_leaf=0.01`` (penalty per leaf, so its trees are often smaller) and
  ``lookahead_k=1``; no time limit (it has none; it is fast).
- Never with black-box deferral: ``bb_pred`` lets a leaf defer to the black box at predict
  time, and the model would no longer be a small tree. ``LicketySPLIT`` fits the labels,
  ``LicketySPLIT-VT`` the teacher's predicted labels as a surrogate.
- Binarization: its own ``ThresholdGuessBinarizer`` (the thresholds of a GBDT's stumps of
  every class) with 40 stumps of depth 1, as SPLIT's examples; its column elimination (one
  GBDT refit per dropped threshold) is off, as for GOSDT.
- It needs labels ``0..k-1`` all present: the teacher's labels are re-encoded over the classes
  it predicts and mapped back.
"""

from __future__ import annotations

import numpy as np

from crembo.peers.base import STATUS_OK, Peer, PeerClassifier, quiet, require

__all__ = ["PEERS", "LicketySPLITPeer"]


class LicketySPLITPeer(PeerClassifier):
    """LicketySPLIT near-optimal tree of depth ``max_depth`` (``licketysplit``).

    Parameters
    ----------
    teacher : classifier or None, default=None
        None: fitted to the labels (``LicketySPLIT``); a classifier (fitted, or fitted here):
        to its predicted labels (``LicketySPLIT-VT``), never deferring to it.
    max_depth : int, default=4
        ``depth_budget`` (splits on a path).
    lambda_leaf : float, default=0.01
        Penalty per leaf (LicketySPLIT's default).
    n_estimators : int, default=40
        Stumps of the threshold-guessing GBDT.
    random_state : int, RandomState instance or None, default=None
        Seeds the threshold-guessing GBDT.

    Attributes
    ----------
    classes_, binarizer_ (the fitted ``ThresholdGuessBinarizer``), tree_ (the fitted
    ``LicketySPLITClassifier``, None when the target holds one class), labels_ (the class
    index of each of its labels), status_
    """

    def __init__(
        self, teacher=None, max_depth=4, lambda_leaf=0.01, n_estimators=40, random_state=None
    ):
        self.teacher = teacher
        self.max_depth = max_depth
        self.lambda_leaf = lambda_leaf
        self.n_estimators = n_estimators
        self.random_state = random_state

    def fit(self, X, y):
        """Guess thresholds, then grow the tree on the binarized rows."""
        ls = require("licketysplit")
        X, y_idx, seed = self._start(X, y)
        target = self._target(X, y_idx, seed)
        self.labels_, coded = np.unique(target, return_inverse=True)
        self.binarizer_ = ls.ThresholdGuessBinarizer(
            n_estimators=self.n_estimators,
            max_depth=1,
            random_state=seed % 2**31,
            column_elimination=False,
        )
        self.tree_ = None
        if self.labels_.size == 1:  # the teacher predicts one class: a single leaf
            self.status_ = STATUS_OK
            return self
        with quiet():
            B = self._binarize(X, coded, fit=True)
            self.tree_ = ls.LicketySPLITClassifier(
                lambda_leaf=self.lambda_leaf, depth_budget=int(self.max_depth)
            ).fit(B, coded)
        self.status_ = STATUS_OK
        return self

    def _binarize(self, X, coded=None, fit=False):
        if fit:
            self.binarizer_.fit(X, coded)
        B = self.binarizer_.transform(X)
        if B.shape[1] == 0:  # no threshold guessed: one always-true column, a single leaf
            B = np.ones((X.shape[0], 1))
        return B.astype(np.uint8)

    def _predict_index(self, X):
        if self.tree_ is None:
            return np.full(X.shape[0], self.labels_[0])
        return self.labels_[np.asarray(self.tree_.predict(self._binarize(X)), dtype=int)]

    def get_n_leaves(self) -> int:
        return 1 if self.tree_ is None else len(self.tree_.leaf_paths())

    def get_depth(self) -> int:
        paths = [] if self.tree_ is None else self.tree_.leaf_paths()
        return max((len(p) for p in paths), default=0)


PEERS = {
    "LicketySPLIT": Peer(
        lambda t, s, rs: LicketySPLITPeer(random_state=rs), needs=("licketysplit",)
    ),
    "LicketySPLIT-VT": Peer(
        lambda t, s, rs: LicketySPLITPeer(t, random_state=rs), needs=("licketysplit",)
    ),
}

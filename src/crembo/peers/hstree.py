"""Hierarchical shrinkage (``imodels``): a depth-4 CART shrunk by λ chosen on folds.

Decisions (one line each; they go into the notes of the results tables):

- imodels 3.0.4 imports ``six`` without declaring it: ``six`` is in the ``peers`` extra.
- ``HSTreeClassifierCV``'s λ grid (0, 0.1, 1, 10, 50, 100, 500), 3 folds and log-loss
  criterion around the experiment's depth-4 CART, but its cross-validation redone here with
  shuffled stratified folds and log loss over all classes (its own unshuffled ``KFold`` raises
  when a fold misses a class); the chosen λ then shrinks the tree fitted on all rows.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from crembo.peers.base import STATUS_OK, Peer, PeerClassifier, require

__all__ = ["PEERS", "HSTreePeer"]


class HSTreePeer(PeerClassifier):
    """Hierarchical shrinkage of a depth-4 CART, λ by cross-validation (``imodels``).

    Parameters
    ----------
    estimator : DecisionTreeClassifier or None, default=None
        The tree to shrink (cloned); None: ``DecisionTreeClassifier(max_depth=4)``.
    reg_param_list : sequence of float, default=(0, 0.1, 1, 10, 50, 100, 500)
        ``HSTreeClassifierCV``'s grid.
    cv : int, default=3
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_, reg_param_ (the chosen λ), scores_ (mean validation log loss per λ),
    estimator_ (the fitted ``imodels.HSTreeClassifier``), status_
    """

    def __init__(
        self, estimator=None, reg_param_list=(0, 0.1, 1, 10, 50, 100, 500), cv=3, random_state=None
    ):
        self.estimator = estimator
        self.reg_param_list = reg_param_list
        self.cv = cv
        self.random_state = random_state

    def fit(self, X, y):
        """Choose λ on shuffled stratified folds, then shrink the tree fitted on all rows."""
        require("six")
        imodels = require("imodels")
        X, y_idx, seed = self._start(X, y)
        base = DecisionTreeClassifier(max_depth=4) if self.estimator is None else self.estimator
        base = clone(base).set_params(random_state=seed)
        lambdas = list(self.reg_param_list)
        labels = np.arange(self.classes_.size)
        scores = np.zeros(len(lambdas))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # classes rarer than the folds
            folds = StratifiedKFold(self.cv, shuffle=True, random_state=seed).split(X, y_idx)
            for tr, va in folds:
                # as HSTreeClassifierCV: one tree per fold, shrunk copies per λ
                tree = clone(base).fit(X[tr], y_idx[tr])
                for i, lam in enumerate(lambdas):
                    hs = imodels.HSTreeClassifier(copy.deepcopy(tree), reg_param=lam)
                    P = np.zeros((va.size, labels.size))
                    shrunk = hs.estimator_.predict_proba(X[va])
                    P[:, tree.classes_.astype(int)] = _normalized(shrunk)
                    scores[i] += _log_loss(y_idx[va], P)
        self.scores_ = scores / self.cv
        self.reg_param_ = lambdas[int(np.argmin(self.scores_))]
        self.estimator_ = imodels.HSTreeClassifier(clone(base), reg_param=self.reg_param_)
        self.estimator_.fit(X, y_idx)
        self.status_ = STATUS_OK
        return self

    def _proba(self, X):
        P = np.zeros((X.shape[0], self.classes_.size))
        P[:, self.estimator_.estimator_.classes_.astype(int)] = self.estimator_.predict_proba(X)
        return P

    def predict_proba(self, X):
        """Shrunk leaf probabilities, columns in ``classes_`` order."""
        return self._proba(self._check(X))

    def _predict_index(self, X):
        return self._proba(X).argmax(axis=1)

    def get_n_leaves(self) -> int:
        return int(self.estimator_.estimator_.get_n_leaves())

    def get_depth(self) -> int:
        return int(self.estimator_.estimator_.get_depth())


def _normalized(P):
    """imodels' clean-up of shrunk probabilities: clipped to [0, 1], rows summing to 1."""
    P = np.clip(P, 0, 1)
    total = P.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, P / total, 1 / P.shape[1])


def _log_loss(y, P) -> float:
    """Mean log loss over all classes (a class missing from a fold is scored, not refused);
    scikit-learn's ``log_loss``, without its checks that cost more than the tree."""
    return float(-np.log(np.clip(P[np.arange(y.size), y], 1e-15, 1)).mean())


PEERS = {"HSTree": Peer(lambda t, s, rs: HSTreePeer(s, random_state=rs), needs=("six", "imodels"))}

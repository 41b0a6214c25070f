"""GOSDT (``gosdt``): the sparse optimal tree, thresholds guessed, the teacher as reference.

Decisions (one line each; they go into the notes of the results tables):

- ``ThresholdGuessBinarizer`` fixed for multi-class (it keeps only the first class's stumps):
  thresholds from the stumps of every class of the same GBDT (40 stumps, as in its README), at
  most 64 of them (single-split Gini gain); its column elimination (one GBDT refit per dropped
  threshold, 27 of 42 s per fit on skulls) is off (``column_elimination=False``).
- Reference (warm) labels from the experiment's teacher instead of the README's GBDT; rows of
  a class the teacher never predicts keep their own label (``y_ref`` must hold every class);
  ``depth_budget=4`` (gives depth ≤ 4 in gosdt 1.0.4, checked), ``regularization`` 0.001
  raised to 1/n as gosdt itself does, ``similar_support=False`` as in the README.
- 10 s time limit per fit, as STreeD's; a fit that hits it keeps its best tree.
- ``GOSDTClassifier.predict`` passes ``force_all_finite`` (removed in scikit-learn 1.8) and
  raises, so predictions come from its fitted ``trees_[0]``.
"""

from __future__ import annotations

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
    teacher_labels,
)
from crembo.peers.binarize import gini_gain

__all__ = ["PEERS", "GOSDTPeer"]


def _threshold_guess(X, y, n_estimators, max_depth, seed, max_features, eliminate=False):
    """gosdt's threshold guessing for any number of classes: the thresholds of the GBDT's
    stumps of *every* class (gosdt 1.0.4 reads only ``estimators_[:, 0]``), at most
    ``max_features`` of them (single-split Gini gain), then, with ``eliminate``, gosdt's own
    column elimination. Returns (columns, thresholds)."""
    from sklearn.ensemble import GradientBoostingClassifier

    gosdt = require("gosdt")
    gbdt = GradientBoostingClassifier(
        n_estimators=n_estimators, max_depth=max_depth, random_state=seed
    ).fit(X, y)
    pairs = set()
    for est in gbdt.estimators_.ravel():
        inner = est.tree_.feature >= 0
        pairs.update(
            zip(est.tree_.feature[inner].tolist(), est.tree_.threshold[inner].tolist(), strict=True)
        )
    pairs = sorted(pairs)
    if not pairs:
        return np.zeros(1, dtype=int), np.array([np.inf])
    cols = np.array([j for j, _ in pairs])
    thr = np.array([t for _, t in pairs])
    B = (X[:, cols] <= thr).astype(float)
    if cols.size > max_features:  # by single-split Gini gain, before the elimination
        gain = gini_gain(B, y, int(y.max()) + 1)
        keep = np.sort(np.argsort(-gain, kind="stable")[:max_features])
        cols, thr, B = cols[keep], thr[keep], B[:, keep]
    if not eliminate:
        return cols, thr
    enc = gosdt.ThresholdGuessBinarizer(
        n_estimators=n_estimators, max_depth=max_depth, random_state=seed
    )
    enc.feature_names_in_, enc.n_features_in_ = [f"x{j}" for j in range(X.shape[1])], X.shape[1]
    clf = GradientBoostingClassifier(
        n_estimators=n_estimators, max_depth=max_depth, random_state=seed
    )
    kept = enc._ThresholdGuessBinarizer__column_elimination(
        B, y, list(zip(cols, thr, strict=True)), clf
    )
    kept = sorted(kept)
    return np.array([j for j, _ in kept], dtype=int), np.array([t for _, t in kept])


def _gosdt_tree_shape(node) -> tuple[int, int]:
    """(leaves, depth) of a gosdt tree."""
    if not hasattr(node, "left_child"):
        return 1, 0
    ll, ld = _gosdt_tree_shape(node.left_child)
    rl, rd = _gosdt_tree_shape(node.right_child)
    return ll + rl, 1 + max(ld, rd)


class GOSDTPeer(PeerClassifier):
    """GOSDT with threshold guessing and the teacher's labels as reference (``gosdt``).

    Parameters
    ----------
    teacher : classifier or None, default=None
        Reference model for the lower-bound guess (fitted, or fitted here); None: the GBDT
        of gosdt's README (40 stumps).
    max_depth : int, default=4
        ``depth_budget``.
    regularization : float, default=0.001
        Penalty per leaf; raised to 1/n as gosdt does.
    time_limit : int, default=10
    n_estimators, gbdt_max_depth : int, default=40, 1
        The threshold-guessing GBDT.
    max_thresholds : int, default=64
        Thresholds kept (single-split Gini gain on the training rows).
    column_elimination : bool, default=False
        gosdt's column elimination after the guess (``ThresholdGuessBinarizer``'s default):
        one GBDT refit per threshold dropped, most of GOSDT's time (27 of 42 s on skulls).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_, columns_, thresholds_ (the binarization), tree_ (gosdt's ``Tree``), status_
    """

    def __init__(
        self,
        teacher=None,
        max_depth=4,
        regularization=0.001,
        time_limit=TIME_LIMIT,
        n_estimators=40,
        gbdt_max_depth=1,
        max_thresholds=64,
        column_elimination=False,
        random_state=None,
    ):
        self.teacher = teacher
        self.max_depth = max_depth
        self.regularization = regularization
        self.time_limit = time_limit
        self.n_estimators = n_estimators
        self.gbdt_max_depth = gbdt_max_depth
        self.max_thresholds = max_thresholds
        self.column_elimination = column_elimination
        self.random_state = random_state

    def fit(self, X, y):
        """Guess thresholds, take reference labels, search the sparse optimal tree."""
        gosdt = require("gosdt")
        X, y_idx, seed = self._start(X, y)
        self.columns_, self.thresholds_ = _threshold_guess(
            X,
            y_idx,
            self.n_estimators,
            self.gbdt_max_depth,
            seed,
            self.max_thresholds,
            self.column_elimination,
        )
        B = self._binarize(X)
        if self.teacher is not None:
            ref = teacher_labels(self.teacher, X, y_idx, self.classes_, seed)
        else:
            from sklearn.ensemble import GradientBoostingClassifier

            ref = (
                GradientBoostingClassifier(
                    n_estimators=self.n_estimators, max_depth=self.gbdt_max_depth, random_state=seed
                )
                .fit(B, y_idx)
                .predict(B)
            )
        missing = ~np.isin(y_idx, ref)
        ref = np.where(missing, y_idx, ref)  # y_ref must hold every class of y
        clf = gosdt.GOSDTClassifier(
            regularization=max(self.regularization, 1.0 / y_idx.size),
            similar_support=False,
            depth_budget=self.max_depth,
            time_limit=int(np.ceil(self.time_limit)),
            verbose=False,
        )
        with quiet():
            clf.fit(B, y_idx, y_ref=ref)
        if not clf.trees_:
            raise PeerTimeout(f"GOSDT returned no tree within {self.time_limit} s.")
        self.tree_ = clf.trees_[0]
        timed_out = clf.result_.status == gosdt.Status.TIMEOUT
        self.status_ = STATUS_TIME_LIMIT if timed_out else STATUS_OK
        self.n_leaves_, self.depth_ = _gosdt_tree_shape(self.tree_.tree)
        return self

    def _binarize(self, X):
        return X[:, self.columns_] <= self.thresholds_

    def _predict_index(self, X):
        return np.asarray(self.tree_.predict(self._binarize(X)), dtype=int)

    def get_n_leaves(self) -> int:
        return int(self.n_leaves_)

    def get_depth(self) -> int:
        return int(self.depth_)


PEERS = {"GOSDT": Peer(lambda t, s, rs: GOSDTPeer(t, random_state=rs), needs=("gosdt",))}

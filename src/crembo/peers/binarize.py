"""The thin binarization of the optimal-tree peers: ``x <= t`` columns, capped by Gini gain.

STreeD: its own ``max_num_binary_features`` selects by an unseeded random forest (a regressor
beyond 10 classes), so this one is used instead: ≤ 8 quantile thresholds per numeric column,
0/1 columns kept, at most 256 binary columns by single-split Gini gain.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_BINARY_FEATURES", "N_THRESHOLDS", "ThinBinarizer", "gini_gain"]

#: Thin binarization: thresholds per numeric column and binary columns in all.
N_THRESHOLDS = 8
MAX_BINARY_FEATURES = 256


def gini_gain(B, y, n_classes) -> np.ndarray:
    """Gini impurity decrease of the split on each 0/1 column of ``B`` (vectorized)."""
    Y = np.eye(n_classes)[y]
    ones = B.T.astype(float) @ Y  # (n_columns, n_classes): class counts where the column is 1
    zeros = Y.sum(axis=0) - ones
    n = y.size

    def impurity(counts):
        m = counts.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            g = 1.0 - ((counts / m[..., None]) ** 2).sum(axis=-1)
        return np.where(m > 0, g, 0.0), m

    g1, m1 = impurity(ones)
    g0, m0 = impurity(zeros)
    g, _ = impurity(Y.sum(axis=0))
    return g - (m1 * g1 + m0 * g0) / n


class ThinBinarizer:
    """``x <= t`` columns: at most ``n_thresholds`` quantile thresholds per numeric column,
    0/1 columns kept as they are, at most ``max_features`` columns (best single-split Gini
    gain on the training rows, ties to the earlier column)."""

    def __init__(self, n_thresholds=N_THRESHOLDS, max_features=MAX_BINARY_FEATURES):
        self.n_thresholds = n_thresholds
        self.max_features = max_features

    def fit(self, X, y, n_classes):
        q = np.arange(1, self.n_thresholds + 1) / (self.n_thresholds + 1)
        quant = np.quantile(X, q, axis=0, method="lower")  # thresholds that occur in the data
        cols, thr = [], []
        for j in range(X.shape[1]):
            values = np.unique(X[:, j])
            if values.size <= 1:
                continue  # constant: no split
            if np.isin(values, (0.0, 1.0)).all():
                cols.append(j), thr.append(0.5)
                continue
            t = np.unique(quant[:, j])
            t = t[t < values[-1]]  # x <= max is always true
            cols.extend([j] * t.size), thr.extend(t)
        self.columns_, self.thresholds_ = np.asarray(cols, dtype=int), np.asarray(thr)
        if self.columns_.size == 0:  # every column constant: one always-true column
            self.columns_, self.thresholds_ = np.zeros(1, dtype=int), np.array([np.inf])
        if self.columns_.size > self.max_features:
            gain = gini_gain(self.transform(X), y, n_classes)
            keep = np.sort(np.argsort(-gain, kind="stable")[: self.max_features])
            self.columns_, self.thresholds_ = self.columns_[keep], self.thresholds_[keep]
        return self

    def transform(self, X):
        return (X[:, self.columns_] <= self.thresholds_).astype(np.int32)

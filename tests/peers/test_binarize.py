"""crembo.peers.binarize: the thin binarization of the optimal-tree peers."""

import numpy as np

from crembo.peers.binarize import ThinBinarizer, gini_gain


def test_thin_binarizer_caps_and_keeps_binary_columns():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(200, 30)), rng.integers(0, 2, size=(200, 2))])
    y = (X[:, 0] > 0).astype(int)
    b = ThinBinarizer(n_thresholds=8, max_features=50).fit(X, y, 2)
    B = b.transform(X)
    assert B.shape == (200, 50) and set(np.unique(B)) <= {0, 1}
    assert 0 in b.columns_  # the informative column survives the cap
    full = ThinBinarizer(n_thresholds=8, max_features=10**6).fit(X, y, 2)
    assert np.bincount(full.columns_)[:30].max() <= 8
    assert (full.thresholds_[full.columns_ >= 30] == 0.5).all()
    gain = gini_gain(full.transform(X), y, 2)
    assert gain.argmax() in np.flatnonzero(full.columns_ == 0)

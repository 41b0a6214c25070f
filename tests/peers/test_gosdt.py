"""crembo.peers.gosdt: thresholds from every class's stumps."""

import numpy as np
import pytest
from sklearn.datasets import load_iris

pytest.importorskip("gosdt")


def test_gosdt_binarization_uses_every_class():
    from crembo.peers.gosdt import _threshold_guess

    X, y = load_iris(return_X_y=True)
    cols, thr = _threshold_guess(X, y, 40, 1, 0, 256)
    # gosdt's binarizer keeps only class 0's stumps (petal length < 2.45 or so): with every
    # class, the petal thresholds separating versicolor from virginica are there too
    assert np.any((cols >= 2) & (thr > 4.0))

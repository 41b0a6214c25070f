"""Fixtures shared by the net tests."""

import numpy as np
import pytest


@pytest.fixture
def blobs():
    """Three well separated 2-D blobs and a belief peaked on each point's own blob."""
    rng = np.random.RandomState(0)
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    y = np.repeat(np.arange(3), 40)
    X = centers[y] + rng.normal(scale=0.5, size=(y.size, 2))
    dist = ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    belief = np.exp(-dist / 4.0)
    return X, y, belief / belief.sum(axis=1, keepdims=True)

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine


@pytest.fixture(scope="session")
def wine():
    return load_wine(return_X_y=True)


@pytest.fixture(scope="session")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture
def rng():
    return np.random.RandomState(0)

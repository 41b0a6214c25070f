"""crembo.peers.representative: stable-cart's medoid tree, seeded and depth-bounded."""

import numpy as np
import pytest
from sklearn.datasets import load_wine

from crembo.experiments.methods import METHODS, make_student

pytest.importorskip("stable_cart")


def test_representative_is_seeded_and_keeps_the_depth_budget():
    X, y = load_wine(return_X_y=True)
    a = METHODS["Representative"](None, make_student("none", 0), 3).fit(X, y)
    b = METHODS["Representative"](None, make_student("none", 0), 3).fit(X, y)
    assert np.array_equal(a.predict(X), b.predict(X))
    assert a.get_depth() <= 4 and a.get_n_leaves() <= 16
    # the kept tree is one of the 20 bootstrap candidates
    assert len(a.estimator_.candidate_scores_) == 20

"""crembo.peers.contree: ConTree's optimal tree of the labels or of the teacher's labels."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from crembo.peers.contree import ConTreePeer

pytest.importorskip("pytrees")


def test_contree_is_optimal_keeps_its_depth_and_follows_the_teacher():
    X, y = load_iris(return_X_y=True)
    model = ConTreePeer(max_depth=2, time_limit=5, random_state=0).fit(X, y)
    assert model.status_ == "ok" and model.get_depth() <= 2
    # optimal at depth 2: no depth-2 CART tree makes fewer training errors
    cart = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    assert model.score(X, y) >= cart.score(X, y)
    teacher = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y)
    vt = ConTreePeer(teacher, max_depth=2, time_limit=5, random_state=0).fit(X, y)
    assert np.array_equal(vt.predict(X), teacher.predict(X))

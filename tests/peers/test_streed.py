"""crembo.peers.streed: the optimal tree of the labels or of the teacher's labels."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from crembo.peers.streed import STreeDPeer

pytest.importorskip("pystreed")


def test_streed_keeps_its_depth_and_follows_the_teacher():
    X, y = load_iris(return_X_y=True)
    model = STreeDPeer(max_depth=2, time_limit=5, random_state=0).fit(X, y)
    assert model.get_depth() <= 2 and model.score(X, y) > 0.9
    # a depth-1 teacher: the depth-2 tree of its labels reproduces it exactly
    teacher = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y)
    vt = STreeDPeer(teacher, max_depth=2, time_limit=5, random_state=0).fit(X, y)
    assert np.array_equal(vt.predict(X), teacher.predict(X))

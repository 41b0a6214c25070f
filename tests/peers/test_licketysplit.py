"""crembo.peers.licketysplit: LicketySPLIT on labels and on the teacher's labels, no deferral."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from crembo.peers.licketysplit import LicketySPLITPeer

pytest.importorskip("licketysplit")


def test_licketysplit_keeps_its_depth_and_never_defers():
    X, y = load_iris(return_X_y=True)
    model = LicketySPLITPeer(max_depth=2, random_state=0).fit(X, y)
    assert model.get_depth() <= 2 and model.score(X, y) > 0.9
    assert model.tree_.uses_defer_ is False  # a small tree, no black box at predict time


def test_licketysplit_vt_follows_a_teacher_that_misses_a_class():
    X, y = load_iris(return_X_y=True)
    # a stump teacher predicts two of the three classes: labels 0 and 2 only
    teacher = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, np.where(y == 1, 2, y))
    vt = LicketySPLITPeer(teacher, max_depth=2, random_state=0).fit(X, y)
    assert np.array_equal(vt.predict(X), teacher.predict(X))
    assert list(vt.labels_) == [0, 2]

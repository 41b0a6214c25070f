"""crembo.peers.figs: at most ``max_rules`` splits over all its trees."""

import pytest
from sklearn.datasets import load_wine

from crembo.peers.figs import FIGSPeer

pytest.importorskip("six")
pytest.importorskip("imodels")


def test_figs_keeps_to_its_rule_budget():
    X, y = load_wine(return_X_y=True)
    model = FIGSPeer(max_rules=6, random_state=0).fit(X, y)
    assert model.get_n_splits() <= 6
    assert model.get_n_leaves() == model.get_n_splits() + len(model.estimator_.trees_)
    assert model.score(X, y) > 0.8

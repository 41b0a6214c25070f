"""crembo.peers: every registered peer fits, predicts, clones; the registry and its spec."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier

from crembo.datasets import MissingExtraError
from crembo.experiments.methods import METHODS, make_student
from crembo.peers import PEERS, Peer


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    rng = np.random.default_rng(0)
    rows = rng.permutation(y.size)[:120]
    labels = np.array(["a", "b", "c"])[y[rows]]  # string labels: mapped back after fit
    teacher = RandomForestClassifier(30, max_depth=6, random_state=0).fit(X[rows], labels)
    return X[rows], labels, teacher


def build(name, teacher, rs=0):
    """The peer ``name`` as the experiments build it (skipped where its extra is missing),
    with a short time limit where it has one."""
    for module in PEERS[name].needs:
        pytest.importorskip(module)
    model = METHODS[name](teacher, make_student("none", 0), rs)
    if "time_limit" in model.get_params():
        model.set_params(time_limit=5)  # a few seconds are plenty on 120 rows
    return model


@pytest.mark.parametrize("name", list(PEERS))
def test_every_peer_fits_multiclass_string_labels(name, wine):
    X, y, teacher = wine
    model = build(name, teacher).fit(X, y)
    pred = model.predict(X)
    assert set(pred) <= {"a", "b", "c"} and pred.shape == y.shape
    assert np.mean(pred == y) > 0.8  # wine is easy: a small model gets most rows right
    assert model.status_ in ("ok", "time limit")
    assert model.get_n_leaves() >= 2  # the experiments record its size
    copy = clone(model)
    assert not hasattr(copy, "classes_") and copy.get_params().keys() == model.get_params().keys()


def test_every_peer_is_a_method_and_declares_what_it_imports():
    for name, peer in PEERS.items():
        assert METHODS[name] is peer and isinstance(peer, Peer)
        assert all(isinstance(m, str) and m for m in peer.needs), name


def test_the_registry_is_read_only():
    with pytest.raises(TypeError):
        PEERS["mine"] = PEERS["FIGS"]


def test_missing_peer_package_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "imodels", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"crembo\[peers\]"):
        METHODS["FIGS"](None, make_student("none", 0), 0)


def test_a_peer_module_is_found_by_declaring_peers(tmp_path, monkeypatch):
    """One new module is all a peer needs: the registry collects its ``PEERS``."""
    import sys

    import crembo.peers

    monkeypatch.setattr(crembo.peers, "__path__", [*crembo.peers.__path__, str(tmp_path)])
    for name in ("mine", "twice"):  # imported as crembo.peers.<name>: forgotten afterwards
        monkeypatch.setitem(sys.modules, f"crembo.peers.{name}", None)
        monkeypatch.delitem(sys.modules, f"crembo.peers.{name}")
    declare = "from crembo.peers.base import Peer\nPEERS = {{{!r}: Peer({})}}\n"
    (tmp_path / "mine.py").write_text(declare.format("Mine", "lambda t, s, rs: s"))
    found = crembo.peers._collect()
    assert set(found) == {*PEERS, "Mine"}
    assert found["Mine"](None, "student", 0) == "student"
    (tmp_path / "twice.py").write_text(declare.format("FIGS", "print"))
    with pytest.raises(ImportError, match="'FIGS' is declared twice"):
        crembo.peers._collect()
    (tmp_path / "twice.py").write_text("PEERS = {'Other': print}\n")
    monkeypatch.delitem(sys.modules, "crembo.peers.twice")
    with pytest.raises(TypeError, match=r"PEERS\['Other'\] is not a Peer"):
        crembo.peers._collect()

"""Today's best small-tree methods as scikit-learn classifiers, to compare CREMBO with.

One module per peer library (:mod:`~crembo.peers.streed`, :mod:`~crembo.peers.gosdt`,
:mod:`~crembo.peers.hstree`, :mod:`~crembo.peers.figs`, …), each wrapping its library
(``pip install 'crembo[peers]'``) with the settings its documentation recommends; the reason
for each setting is a line of that module's docstring (they go into the notes of the results
tables). The shared pieces are :mod:`~crembo.peers.base` (the estimator base, the status, the
optional import) and :mod:`~crembo.peers.binarize` (the thin binarization of the optimal-tree
solvers).

**Adding a peer is one new module** here (plus its test): a module that declares
``PEERS = {name: Peer(build, needs=(...))}`` is found by :data:`PEERS`, which
:data:`crembo.experiments.methods.METHODS`, ``benchmarks/suite.py`` and the experiments' error
for an unknown method name all read. Modules are collected in file-name order; a name
declared twice is an error at import.

Every peer takes the same imputed training rows as every method of the experiments. After
``fit`` each has ``status_``: ``"ok"``, or ``"time limit"`` when the solver stopped at its time
limit and returned its best tree so far (the experiments record that status and keep the
tree's predictions); a solver that stops without any tree raises :class:`PeerTimeout`
(recorded as ``timeout``, accuracy NaN).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import MappingProxyType

from crembo.peers.base import Peer, PeerTimeout
from crembo.peers.binarize import ThinBinarizer, gini_gain

__all__ = ["PEERS", "Peer", "PeerTimeout", "ThinBinarizer", "gini_gain"]


def _collect() -> Mapping[str, Peer]:
    """``name -> Peer`` over every public module of this package that declares ``PEERS``."""
    found: dict[str, Peer] = {}
    for info in pkgutil.iter_modules(__path__):  # sorted by file name
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, peer in getattr(module, "PEERS", {}).items():
            if name in found:
                raise ImportError(f"crembo.peers: the peer {name!r} is declared twice.")
            if not isinstance(peer, Peer):
                raise TypeError(f"crembo.peers.{info.name}: PEERS[{name!r}] is not a Peer.")
            found[name] = peer
    return MappingProxyType(found)


#: name -> :class:`Peer` (a ``builder(teacher, student, random_state)`` that imports the
#: peer's libraries first), every peer module's ``PEERS``; part of the experiments' METHODS.
PEERS: Mapping[str, Peer] = _collect()

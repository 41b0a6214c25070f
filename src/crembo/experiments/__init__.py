"""The experiments: generalization and robustness (the paper's tabular ones), breakdown, dnn.

All run on one engine (:mod:`~crembo.experiments.engine`: units, a unit function, a resumable
:mod:`~crembo.experiments.store`, a summary); the methods they compare are
:mod:`~crembo.experiments.methods`.

The names below load on first use, so that ``crembo --help`` (which registers the experiment
commands) does not import scikit-learn.
"""

import importlib

_LAZY = {
    "generalization": "crembo.experiments.tabular",
    "robustness": "crembo.experiments.tabular",
    "run_experiment": "crembo.experiments.tabular",
    "run_on_dataset": "crembo.experiments.tabular",
    "run_unit": "crembo.experiments.tabular",
    "Protocol": "crembo.experiments.protocol",
    "Unit": "crembo.experiments.protocol",
    "make_units": "crembo.experiments.protocol",
    "unit_seed": "crembo.experiments.protocol",
    "METHODS": "crembo.experiments.methods",
    "Experiment": "crembo.experiments.engine",
    "UnitResult": "crembo.experiments.engine",
    "run": "crembo.experiments.engine",
    "RunStore": "crembo.experiments.store",
    "RunStoreError": "crembo.experiments.store",
    "pairwise_agreement": "crembo.metrics",
    "summarize": "crembo.experiments.summary",
    "summary_markdown": "crembo.experiments.summary",
    "wins_and_ties": "crembo.experiments.summary",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

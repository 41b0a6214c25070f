"""The paper's tabular experiments: generalization and robustness (agreement).

The names below load on first use, so that ``crembo --help`` (which registers the experiment
commands) does not import scikit-learn.
"""

import importlib

_LAZY = {
    "generalization": "crembo.experiments.generalization",
    "robustness": "crembo.experiments.robustness",
    "Protocol": "crembo.experiments.protocol",
    "Unit": "crembo.experiments.protocol",
    "make_units": "crembo.experiments.protocol",
    "unit_seed": "crembo.experiments.protocol",
    "run_experiment": "crembo.experiments.runner",
    "run_unit": "crembo.experiments.runner",
    "pairwise_agreement": "crembo.experiments.summary",
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

"""crembo: robust model compression with deep hypotheses (MEMO and CREMBO).

The public names are imported on first use (module ``__getattr__``), so ``import crembo``
costs almost nothing and pulls in neither scikit-learn's heavy modules nor skops, torch,
matplotlib or rich: ``crembo --help`` and scripts that need one function stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: public name -> module that defines it (imported when the name is first used)
_LAZY = {
    "AllowedLabelClassifier": "crembo.students",
    "CREMBOClassifier": "crembo.estimator",
    "DegenerateThresholdWarning": "crembo.diagnostics",
    "MEMOClassifier": "crembo.estimator",
    "SurrogateClassifier": "crembo.estimator",
    "allowed_labels": "crembo.depth",
    "belief_from": "crembo.belief",
    "candidate_thresholds": "crembo.depth",
    "check_belief": "crembo.belief",
    "check_fitted_model": "crembo.diagnostics",
    "empirical_depth": "crembo.depth",
    "load": "crembo.persist",
    "pointwise_depth": "crembo.depth",
    "rules": "crembo.students.tree",
    "save": "crembo.persist",
    "student_only": "crembo.students.export",
    "to_sklearn": "crembo.students.export",
}

# spelled out (not sorted(_LAZY)) so that linters see the public names
__all__ = [
    "AllowedLabelClassifier",
    "CREMBOClassifier",
    "DegenerateThresholdWarning",
    "MEMOClassifier",
    "SurrogateClassifier",
    "allowed_labels",
    "belief_from",
    "candidate_thresholds",
    "check_belief",
    "check_fitted_model",
    "empirical_depth",
    "load",
    "pointwise_depth",
    "rules",
    "save",
    "student_only",
    "to_sklearn",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'crembo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # static analysers and IDEs see the real names
    from crembo.belief import belief_from, check_belief
    from crembo.depth import (
        allowed_labels,
        candidate_thresholds,
        empirical_depth,
        pointwise_depth,
    )
    from crembo.diagnostics import DegenerateThresholdWarning, check_fitted_model
    from crembo.estimator import CREMBOClassifier, MEMOClassifier, SurrogateClassifier
    from crembo.persist import load, save
    from crembo.students import AllowedLabelClassifier
    from crembo.students.export import student_only, to_sklearn
    from crembo.students.tree import rules

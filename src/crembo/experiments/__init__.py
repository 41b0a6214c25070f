"""The paper's tabular experiments: generalization and robustness (agreement)."""

from crembo.experiments.generalization import generalization
from crembo.experiments.protocol import Protocol, Unit, make_units, unit_seed
from crembo.experiments.robustness import robustness
from crembo.experiments.runner import run_experiment, run_unit
from crembo.experiments.summary import (
    pairwise_agreement,
    summarize,
    summary_markdown,
    wins_and_ties,
)

__all__ = [
    "Protocol",
    "Unit",
    "generalization",
    "make_units",
    "pairwise_agreement",
    "robustness",
    "run_experiment",
    "run_unit",
    "summarize",
    "summary_markdown",
    "unit_seed",
    "wins_and_ties",
]

"""crembo: robust model compression with deep hypotheses (MEMO and CREMBO)."""

from crembo.belief import belief_from, check_belief
from crembo.depth import allowed_labels, candidate_thresholds, empirical_depth, pointwise_depth
from crembo.estimator import CREMBOClassifier, MEMOClassifier, SurrogateClassifier
from crembo.persist import load, save
from crembo.students import AllowedLabelClassifier

__version__ = "0.1.0"

__all__ = [
    "AllowedLabelClassifier",
    "CREMBOClassifier",
    "MEMOClassifier",
    "SurrogateClassifier",
    "allowed_labels",
    "belief_from",
    "candidate_thresholds",
    "check_belief",
    "empirical_depth",
    "load",
    "pointwise_depth",
    "save",
]

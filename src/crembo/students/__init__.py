"""Allowed-label learners: students fitted to the multi-hot matrix ``Y_θ``."""

from crembo.students.sklearn import AllowedLabelClassifier, supports_multilabel
from crembo.students.sum_of_trees import SumOfTreesStudent

__all__ = ["AllowedLabelClassifier", "SumOfTreesStudent", "supports_multilabel"]

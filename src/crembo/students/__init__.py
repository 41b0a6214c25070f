"""Allowed-label learners: students fitted to the multi-hot matrix ``Y_θ``."""

from crembo.students.sklearn import AllowedLabelClassifier, supports_multilabel

__all__ = ["AllowedLabelClassifier", "supports_multilabel"]

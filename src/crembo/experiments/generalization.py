"""Generalization: test accuracy over K-fold cross-validation, repeated R times.

In each fold the teacher, BM and VT are trained on the whole training fold; CREMBO holds
15 % of it out to choose its threshold. Reported per method: mean and std of test accuracy
and per-fold wins and ties among the students.
"""

from __future__ import annotations

from crembo.experiments.runner import run_on_dataset


def generalization(dataset: str, out, **options) -> dict:
    """Run (or resume) the generalization experiment on a data set; returns the summary.

    ``options`` are those of :func:`~crembo.experiments.runner.run_on_dataset` (the
    protocol's settings, ``data_dir``, ``target``, ``n_jobs``, ``backend``, ...).
    """
    return run_on_dataset("generalization", dataset, out, **options)

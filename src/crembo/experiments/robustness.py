"""Robustness: agreement of students trained on different data.

In each repeat a random share (15 %) of the rows is held out as a test set and K-fold
cross-validation on the rest yields K students per method, each trained on other data;
agreement is the mean over pairs of them of the share of test points where they predict the
same class. Repeated R times: reported per method are the mean and std over repeats.
"""

from __future__ import annotations

from crembo.experiments.runner import run_on_dataset


def robustness(dataset: str, out, **options) -> dict:
    """Run (or resume) the robustness experiment on a data set; returns the summary.

    ``options`` are those of :func:`~crembo.experiments.runner.run_on_dataset` (the
    protocol's settings, ``data_dir``, ``target``, ``n_jobs``, ``backend``, ...).
    """
    return run_on_dataset("robustness", dataset, out, **options)

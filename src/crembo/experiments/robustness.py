"""Robustness: agreement of students trained on different data.

In each repeat a random share (15 %) of the rows is held out as a test set and K-fold
cross-validation on the rest yields K students per method, each trained on other data;
agreement is the mean over pairs of them of the share of test points where they predict the
same class. Repeated R times: reported per method are the mean and std over repeats.
"""

from __future__ import annotations

from crembo.baselines import DEFAULT_METHODS
from crembo.experiments._load import dataset_info, load_dataset
from crembo.experiments.protocol import Protocol
from crembo.experiments.runner import run_experiment


def robustness(
    dataset: str,
    out,
    *,
    teacher: str = "rf",
    folds: int = 10,
    repeats: int = 20,
    seed: int = 0,
    class_weight: str = "balanced",
    shuffle: bool = False,
    methods=DEFAULT_METHODS,
    data_dir=None,
    target=None,
    n_jobs: int = 1,
    backend=None,
    max_units=None,
    progress: bool = False,
) -> dict:
    """Run (or resume) the robustness experiment on a data set; returns the summary.

    Parameters are those of :class:`~crembo.experiments.protocol.Protocol` and
    :func:`~crembo.experiments.runner.run_experiment`; ``dataset`` is a name of
    :mod:`crembo.datasets` or a CSV file whose label column is ``target``.
    """
    ds = load_dataset(dataset, data_dir=data_dir, target=target)
    protocol = Protocol(
        "robustness",
        ds.name,
        teacher=teacher,
        folds=folds,
        repeats=repeats,
        seed=seed,
        class_weight=class_weight,
        shuffle=shuffle,
        methods=tuple(methods) if not isinstance(methods, str) else methods,
    )
    return run_experiment(
        protocol,
        ds.X,
        ds.y,
        out,
        n_jobs=n_jobs,
        backend=backend,
        max_units=max_units,
        progress=progress,
        dataset_info=dataset_info(ds),
    )

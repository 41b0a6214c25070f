"""Generalization: test accuracy over K-fold cross-validation, repeated R times.

In each fold the teacher, BM and VT are trained on the whole training fold; CREMBO holds
15 % of it out to choose its threshold. Reported per method: mean and std of test accuracy
and per-fold wins and ties among the students.
"""

from __future__ import annotations

from crembo.baselines import DEFAULT_METHODS
from crembo.experiments._load import dataset_info, load_dataset
from crembo.experiments.protocol import Protocol
from crembo.experiments.runner import run_experiment


def generalization(
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
    """Run (or resume) the generalization experiment on a data set; returns the summary.

    Parameters are those of :class:`~crembo.experiments.protocol.Protocol` and
    :func:`~crembo.experiments.runner.run_experiment`; ``dataset`` is a name of
    :mod:`crembo.datasets` or a CSV file whose label column is ``target``.
    """
    ds = load_dataset(dataset, data_dir=data_dir, target=target)
    protocol = Protocol(
        "generalization",
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

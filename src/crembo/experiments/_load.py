"""Resolve a ``--dataset`` argument: a known name or a CSV file with a target column."""

from __future__ import annotations

from pathlib import Path

from crembo import datasets


def load_dataset(dataset: str, data_dir=None, target: str | None = None) -> datasets.Dataset:
    """A name from :data:`crembo.datasets.NAMES`, or a path to a CSV file (needs ``target``)."""
    if dataset in datasets.NAMES:
        return datasets.load(dataset, data_dir=data_dir)
    if dataset.lower().endswith(".csv") or Path(dataset).is_file():
        if target is None:
            raise ValueError(f"dataset: {dataset!r} is a CSV file; give its label column (target).")
        return datasets.load_csv(dataset, target)
    raise ValueError(
        f"dataset: unknown data set {dataset!r}; known: {', '.join(datasets.NAMES)}, "
        "or a CSV file with a target column."
    )


def dataset_info(ds: datasets.Dataset) -> dict:
    return {"name": ds.name, "source": ds.source}

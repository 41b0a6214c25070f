"""Run (or resume) the DNN experiment into a folder: the engine's loop over the units."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from crembo.experiments.dnn.data import load_image_data, make_dnn_units, noisy_labels
from crembo.experiments.dnn.joined import open_extended
from crembo.experiments.dnn.protocol import DNNProtocol
from crembo.experiments.dnn.summary import dnn_markdown, summarize_dnn
from crembo.experiments.dnn.unit import run_dnn_unit
from crembo.experiments.engine import Experiment, Tick, UnitResult, run
from crembo.experiments.store import RunStore, data_fingerprint


def _run_dnn_unit(unit, *, X, y, y_train, protocol, image_shape, device, threads) -> UnitResult:
    """The engine's unit function: :func:`run_dnn_unit` with ``threads`` torch threads."""
    import torch

    # tiny nets on shared cores: one thread each is fastest (2 threads ran ~10× slower
    # under load); joblib runs units in parallel instead
    torch.set_num_threads(threads)
    rows, preds, curves = run_dnn_unit(X, y, unit, protocol, image_shape, device, y_train)
    return UnitResult(rows, {"predictions": preds, "curves": curves})


def run_dnn(
    protocol: DNNProtocol,
    out,
    *,
    cifar_dir=None,
    n_jobs: int = 1,
    threads: int = 1,
    device: str = "auto",
    max_units: int | None = None,
    progress: bool = True,
    extends=None,
) -> dict:
    """Run (or resume) the DNN experiment into ``out`` and write its summary.

    Writes ``run.json``, ``records.csv`` (one row per unit × method), ``predictions/``,
    ``summary.json`` and ``summary.md``, like the tabular experiments (the same
    :func:`crembo.experiments.engine.run` loop). Returns the summary.

    ``extends``: the folder (or a list of folders) of earlier runs of the same protocol with
    other methods (:func:`~crembo.experiments.dnn.joined.open_extended`). Their whole units
    are not run again, and the summary is of all the folders' units: each method over the
    units that have it (a unit × method in several folders counts once, from the first),
    paired differences over the units that have both methods. Used to grow a run to more
    units with fewer methods (the costly ones only on the units that have them), or to add
    a method to an earlier run's units in a folder of its own.
    """
    X, y, test_rows, shape, info = load_image_data(protocol, cifar_dir)
    classes, y_idx = np.unique(y, return_inverse=True)
    info = {
        **info,
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_classes": int(classes.size),
        "image_shape": list(shape),
    }
    # the data as the nets see it (float32), so a resumed run cannot silently switch data
    fingerprint = data_fingerprint(np.asarray(X, np.float32), np.asarray(y_idx, np.int64))
    settings = {
        "protocol": protocol.to_dict(),
        "data": {"fingerprint": fingerprint, "classes": [str(c) for c in classes]},
    }
    units = make_dnn_units(protocol, y_idx, test_rows)  # may refuse: before --out is touched
    bases = [open_extended(path, settings) for path in _paths(extends, out)]
    if bases:
        # a unit done in a base is not run here, unless this folder has it already (a base
        # may add methods to this run's units): those stay in the run and its summary
        done = frozenset().union(*(b.units for b in bases))
        store = RunStore(out, settings, artifacts=("predictions", "curves"))
        own = store.done_units(store.open())
        units = [u for u in units if u.key not in done or u.key in own]
    experiment = Experiment(
        label=f"dnn {protocol.dataset}",
        units=units,
        run_unit=partial(
            _run_dnn_unit,
            X=X,
            y=y_idx,
            y_train=noisy_labels(y_idx, protocol.label_noise, protocol.seed),
            protocol=protocol,
            image_shape=shape,
            device=device,
            threads=threads,
        ),
        summarize=lambda store, records, total: summarize_dnn(
            store, records, protocol, info, total, bases=bases
        ),
        markdown=dnn_markdown,
    )
    store = RunStore(out, settings, artifacts=("predictions", "curves"))
    ticks = partial(_print_tick, protocol.dataset) if progress else False
    return run(experiment, store, n_jobs=n_jobs, max_units=max_units, progress=ticks)


def _paths(extends, out) -> list[Path]:
    """The folders ``extends`` names (none, one or a list); never ``out`` itself."""
    paths = [] if extends is None else [extends] if isinstance(extends, str | Path) else extends
    paths = [Path(p) for p in paths]
    if any(p.resolve() == Path(out).resolve() for p in paths):
        raise ValueError(f"extends: {str(out)!r} is the output folder itself.")
    return paths


def _print_tick(dataset: str, tick: Tick) -> None:
    """One line per unit done: how many of this call's units, and the time since its first."""
    s = tick.seconds
    print(f"dnn {dataset}: unit {tick.new}/{tick.todo} done, {int(s // 60)} min {s % 60:.0f} s")

"""The one experiment loop: units × a unit function × a resumable store × a summary.

Every experiment (generalization, robustness, breakdown, the DNN experiment, the benchmark
suite through them) is an :class:`Experiment`: its units (objects with a ``key``, e.g.
``(repeat, fold)``), a function that runs one unit, and how to summarize the records. The
:func:`run` loop does the rest, the same for all: it opens the :class:`~crembo.experiments.
store.RunStore` (refusing other settings or a damaged folder), skips the units already on
disk, runs at most ``max_units`` of the others in parallel (joblib, any backend), saves each
unit's arrays and then its rows as soon as it finishes (so a killed run resumes where it
stopped), and writes ``summary.json`` and ``summary.md`` from what is on disk, so that a
fresh and a resumed run give the same figures.

Example
-------
A toy experiment: one row per (repeat, fold) and method, and an array per unit.

>>> import functools, tempfile
>>> from types import SimpleNamespace
>>> import numpy as np
>>> from crembo.experiments.engine import Experiment, UnitResult, run
>>> from crembo.experiments.store import RecordSchema, RunStore
>>> def run_toy(unit, scale):  # module-level (picklable) in real code
...     repeat, fold = unit.key
...     rows = [{"repeat": repeat, "fold": fold, "method": m, "value": scale * fold}
...             for m in ("a", "b")]
...     return UnitResult(rows, {"predictions": np.arange(3)})
>>> schema = RecordSchema(columns=("repeat", "fold", "method", "value"),
...                       required=("value",), match=())
>>> settings = {"protocol": {"repeats": 1, "methods": ["a", "b"]}, "data": {}}
>>> store = RunStore(tempfile.mkdtemp(), settings, schema=schema, artifacts=("predictions",))
>>> toy = Experiment(
...     label="toy",
...     units=[SimpleNamespace(key=(0, f)) for f in range(3)],
...     run_unit=functools.partial(run_toy, scale=2.0),
...     summarize=lambda store, records, total: {"units_done": len(records) // 2},
...     markdown=lambda summary: f"{summary['units_done']} units\\n",
... )
>>> run(toy, store, max_units=2, progress=False)  # a partial run
{'units_done': 2}
>>> run(toy, store, progress=False)  # resumes: runs the third unit only
{'units_done': 3}
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crembo._io import atomic_write_text
from crembo.experiments.store import RunStore

__all__ = ["Experiment", "Tick", "UnitResult", "run"]


@dataclass(frozen=True)
class UnitResult:
    """What one unit gives: its records rows and its arrays.

    Parameters
    ----------
    rows : list of dict
        The unit's rows of ``records.csv`` (the schema's columns).
    artifacts : dict of str -> ndarray, default={}
        Arrays saved as ``<name>/r{repeat}_f{fold}.npy`` before the rows are written (the
        store's ``artifacts`` name those a done unit must have).
    """

    rows: list
    artifacts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Tick:
    """Where a run stands after a unit, for a ``progress`` callable.

    Attributes: ``done`` (this run's units on disk), ``total`` (this run's units), ``new``
    (units finished by this call), ``todo`` (units this call runs), ``seconds`` (since this
    call's first unit started).
    """

    done: int
    total: int
    new: int
    todo: int
    seconds: float


@dataclass(frozen=True)
class Experiment:
    """Everything :func:`run` needs to run an experiment, nothing model-specific.

    Parameters
    ----------
    label : str
        Text of the progress bar (e.g. ``"robustness iris/rf"``).
    units : sequence
        The units, in order; each has ``key`` (a tuple of ints, the store's key columns).
    run_unit : callable
        ``run_unit(unit) -> UnitResult``. Runs in a worker: it must be picklable (a
        module-level function, or a ``functools.partial`` of one holding the data).
    summarize : callable
        ``summarize(store, records, units_total) -> dict``: the summary of the records on
        disk (whole units of ``units`` only), JSON-ready; written to ``summary.json``.
    markdown : callable
        ``markdown(summary) -> str``: written to ``summary.md``.
    finish : callable, optional
        ``finish(store, summary)``: anything more to write (a figure), after the summary.
    """

    label: str
    units: Sequence
    run_unit: Callable
    summarize: Callable
    markdown: Callable
    finish: Callable | None = None


def run(
    experiment: Experiment,
    store: RunStore,
    *,
    n_jobs: int = 1,
    backend=None,
    max_units: int | None = None,
    progress=True,
) -> dict:
    """Run (or resume) ``experiment`` into ``store`` and write its summary.

    Parameters
    ----------
    experiment : Experiment
    store : RunStore
        The output folder, its settings and what its records hold. Opened here: a folder
        with other settings or damaged records is refused before any unit runs.
    n_jobs : int, default=1
        Units run in parallel (joblib).
    backend : str or None, default=None
        joblib backend (``"loky"``, ``"threading"``, ``"dask"`` when registered, ...).
    max_units : int or None, default=None
        Stop after this many new units (a partial run; rerun to finish it).
    progress : bool or callable, default=True
        True: a progress bar (done/total, time left); a callable gets a :class:`Tick`
        after every unit (e.g. to print a line); False: nothing.

    Returns
    -------
    dict
        The summary (also in ``summary.json``; its markdown in ``summary.md``).
    """
    units = list(experiment.units)
    records = store.open()
    # whole units only (a partial one is run again); units of more repeats than this call's
    # stay on disk: a later call with more repeats keeps them
    whole = store.done_units(records)
    records = store.keep_units(records, whole)
    keys = {u.key for u in units}
    done = whole & keys
    todo = [u for u in units if u.key not in done]
    if max_units is not None:
        todo = todo[: max(0, int(max_units))]
    if todo:
        _run_units(
            experiment, store, records, todo, len(done), len(units), n_jobs, backend, progress
        )
    # summarize what is on disk, so a fresh and a resumed run give identical figures
    records = store.keep_units(store.read_records(), keys)
    summary = experiment.summarize(store, records, len(units))
    atomic_write_text(store.out / "summary.json", json.dumps(summary, indent=2) + "\n")
    atomic_write_text(store.out / "summary.md", experiment.markdown(summary))
    if experiment.finish is not None:
        experiment.finish(store, summary)
    return summary


def _run_units(experiment, store, records, todo, done_before, total, n_jobs, backend, progress):
    from joblib import Parallel, delayed, parallel_config

    frames = [records] if len(records) else []
    # the backend by parallel_config, not Parallel(backend=name): joblib 1.6 builds a named
    # backend with nesting_level, which the dask backend passes on to its tasks (TypeError)
    with parallel_config(backend=backend) if backend is not None else nullcontext():
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    tasks = (delayed(_run_keyed)(experiment.run_unit, u) for u in todo)
    started = time.perf_counter()
    with _progress_bar(experiment.label, progress, total, done_before) as advance:
        for new, (key, result) in enumerate(parallel(tasks), start=1):
            for name, array in result.artifacts.items():
                store.save_artifact(name, key, np.asarray(array))
            frames.append(pd.DataFrame(result.rows))
            records = store.write(pd.concat(frames, ignore_index=True))
            frames = [records]
            seconds = time.perf_counter() - started
            advance(Tick(done_before + new, total, new, len(todo), seconds))
    return records


def _run_keyed(run_unit, unit):
    return unit.key, run_unit(unit)


@contextmanager
def _progress_bar(label, progress, total, done):
    """``advance(tick)`` after each unit: a rich bar, the caller's callable, or nothing."""
    if callable(progress):
        yield progress
        return
    if not progress:
        yield lambda tick: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task("units", total=total, completed=done)
        yield lambda tick: bar.advance(task)

"""Run an experiment: every (repeat, fold) unit, in parallel, resumable, with a summary.

In a unit the missing values are imputed with the medians of the training rows (the same
imputed data for every method), one teacher is fitted and shared by the teacher row, VT and
CREMBO, and every method gets the unit's seed. Each method's row records test accuracy, the
chosen and MEMO thresholds (CREMBO), the empirical depth (minimum over the training rows of
the teacher's belief in the method's prediction) and its mean, the leaves of the tree(s),
the seconds its fit took (the teacher's fit is counted in the teacher row only), and its
``status``: a method that raises or runs out of time is recorded as ``failed: ...`` or
``timeout`` (accuracy NaN, test predictions ``-1``), never dropped; ``time limit`` marks a
solver that stopped at its limit with a model, whose predictions are kept.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from threadpoolctl import threadpool_limits

from crembo.baselines import DEFAULT_METHODS, METHODS, make_student, make_teacher
from crembo.belief import belief_from
from crembo.experiments._load import dataset_info, load_dataset
from crembo.experiments.protocol import Protocol, Unit, make_units, unit_seed
from crembo.experiments.records import (
    STATUS_OK,
    STATUS_TIME_LIMIT,
    STATUS_TIMEOUT,
    RunStore,
    atomic_write_text,
)
from crembo.experiments.summary import summarize, summary_markdown
from crembo.metrics import n_leaves


def run_unit(X, y, unit: Unit, protocol: Protocol):
    """Fit every method on one unit; returns ``(rows, predictions (n_methods, n_test))``.

    BLAS runs single-threaded: units are the unit of parallelism, and threaded BLAS on
    small matrices on a loaded machine is several times slower.
    """
    with threadpool_limits(limits=1):
        return _run_unit(X, y, unit, protocol)


def _run_unit(X, y, unit: Unit, protocol: Protocol):
    seed = unit_seed(protocol.seed, unit.repeat, unit.fold)
    imputer = SimpleImputer(strategy="median")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        Xtr = imputer.fit_transform(X[unit.train])
        Xte = imputer.transform(X[unit.test])
    ytr, yte = y[unit.train], y[unit.test]
    rows, preds = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        t0 = time.perf_counter()
        teacher = make_teacher(protocol.teacher, protocol.class_weight, seed).fit(Xtr, ytr)
        teacher_seconds = time.perf_counter() - t0
        belief = belief_from(teacher, Xtr)
        student = make_student(protocol.class_weight, seed)
        for m in protocol.methods:
            # built before the clock starts: a peer imports its library there, once per worker
            model = METHODS[m](teacher, student, seed, max_candidates=protocol.max_candidates)
            t0 = time.perf_counter()
            row = {
                "dataset": protocol.dataset,
                "experiment": protocol.experiment,
                "repeat": unit.repeat,
                "fold": unit.fold,
                "method": m,
            }
            if m == "teacher":  # everything else depends on it: its errors stop the run
                status, seconds = STATUS_OK, teacher_seconds
            else:
                status = _fit_status(model, Xtr, ytr)
                seconds = time.perf_counter() - t0
            if status in (STATUS_OK, STATUS_TIME_LIMIT):
                try:
                    pred = model.predict(Xte)
                    fitted = model.predict(Xtr)
                except Exception as exc:  # recorded, never dropped
                    if m == "teacher":
                        raise
                    status = _failure(exc)
            if status not in (STATUS_OK, STATUS_TIME_LIMIT):
                rows.append(row | _NO_RESULT | {"seconds": seconds, "status": status})
                preds.append(np.full(yte.size, NO_PREDICTION))
                continue
            d = belief[np.arange(ytr.size), np.searchsorted(teacher.classes_, fitted)]
            row |= {
                "accuracy": float(np.mean(pred == yte)),
                "threshold": float(getattr(model, "threshold_", np.nan)),
                "memo_threshold": float(getattr(model, "memo_threshold_", np.nan)),
                "depth": float(d.min()),
                "mean_depth": float(d.mean()),
                "leaves": n_leaves(model),
                "seconds": seconds,
                "status": status,
            }
            rows.append(row)
            preds.append(pred)
    return rows, np.asarray(preds, dtype=np.int64)


#: The test prediction stored for a method that failed on the unit (no class has it).
NO_PREDICTION = -1
_NO_RESULT = dict.fromkeys(
    ("accuracy", "threshold", "memo_threshold", "depth", "mean_depth", "leaves"), np.nan
)


def _failure(exc: BaseException) -> str:
    """``timeout`` for a solver out of time, else ``failed: <type>: <first words>``."""
    if isinstance(exc, TimeoutError):
        return STATUS_TIMEOUT
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return "failed: " + (text if len(text) <= 80 else text[:77] + "...")


def _fit_status(model, X, y) -> str:
    """Fit ``model``; its status: ``ok``, ``time limit`` (the model says so in ``status_``:
    a solver stopped at its limit, its best model kept), ``timeout`` or ``failed: ...``.

    A method that raises is recorded, not dropped, and the other methods of the unit go on.
    """
    try:
        model.fit(X, y)
    except ImportError:  # a missing optional package is a setup error, not a result
        raise
    except Exception as exc:  # recorded, never dropped
        return _failure(exc)
    return STATUS_TIME_LIMIT if getattr(model, "status_", None) == STATUS_TIME_LIMIT else STATUS_OK


def data_fingerprint(X, y) -> str:
    """Short hash of the data, so a resumed run cannot silently switch data."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(X, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


def run_experiment(
    protocol: Protocol,
    X,
    y,
    out,
    *,
    n_jobs: int = 1,
    backend=None,
    max_units: int | None = None,
    progress: bool = True,
    dataset_info: dict | None = None,
) -> dict:
    """Run (or resume) an experiment into the folder ``out`` and write its summary.

    Parameters
    ----------
    protocol : Protocol
    X : ndarray of shape (n_samples, n_features)
        Features, ``NaN`` for missing values.
    y : array-like of shape (n_samples,)
        Labels of any type; encoded as ``0..c-1`` in the order of ``np.unique``.
    out : str or path
        Output folder: ``run.json``, ``records.csv``, ``predictions/``, ``summary.json``,
        ``summary.md``. Units already recorded there are skipped; a run with more repeats
        extends one with fewer (the summary covers this call's repeats).
    n_jobs : int, default=1
        Units run in parallel (joblib).
    backend : str or None, default=None
        joblib backend (``"loky"``, ``"threading"``, ``"dask"`` when registered, …).
    max_units : int or None, default=None
        Stop after this many new units (a partial run; rerun to finish it).
    progress : bool, default=True
        Show a progress bar (done/total, time left).
    dataset_info : dict, optional
        Name, source and the like, stored in the summary.

    Returns
    -------
    dict
        The summary (also written to ``summary.json``).
    """
    X = np.asarray(X, dtype=np.float64)
    classes, y_idx = np.unique(np.asarray(y), return_inverse=True)
    if X.ndim != 2 or X.shape[0] != y_idx.size:
        raise ValueError(f"X must be 2-D with one row per label; got {X.shape}, {y_idx.size}.")
    info = {
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_classes": int(classes.size),
        "n_missing": int(np.isnan(X).sum()),
        **(dataset_info or {}),
    }
    settings = {
        "protocol": protocol.to_dict(),
        "data": {
            "fingerprint": data_fingerprint(X, y_idx),
            "classes": [str(c) for c in classes],
        },
    }
    # refuse what cannot run before the output folder is created or touched
    if classes.size < 2:
        raise ValueError("y: need at least 2 classes to compress a classifier; got one class.")
    if np.isinf(X).any():
        raise ValueError(f"X contains infinity in {int(np.isinf(X).any(axis=1).sum())} row(s).")
    units = make_units(protocol, y_idx)
    store = RunStore(out, settings)
    records = store.open()
    need_pred = protocol.experiment == "robustness"
    whole = store.done_units(records, need_pred)
    records = store.keep_units(records, whole)  # drops partial units, keeps other repeats
    keys = {u.key for u in units}
    done = whole & keys
    todo = [u for u in units if u.key not in done]
    if max_units is not None:
        todo = todo[: max(0, int(max_units))]
    if todo:
        records = _run_units(
            store,
            records,
            X,
            y_idx,
            todo,
            protocol,
            n_jobs,
            backend,
            progress,
            done_before=len(done),
            total=len(units),
        )
    # summarize what is on disk, so a fresh and a resumed run give identical figures
    records = store.keep_units(store.read_records(), keys)
    summary = _summarize(store, records, protocol, info, len(units))
    return summary


def _run_units(store, records, X, y, todo, protocol, n_jobs, backend, progress, done_before, total):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    frames = [records] if len(records) else []
    # the backend by parallel_config, not Parallel(backend=name): joblib 1.6 builds a named
    # backend with nesting_level, which the dask backend passes on to its tasks (TypeError)
    with parallel_config(backend=backend) if backend is not None else nullcontext():
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    tasks = (delayed(_run_keyed)(X, y, u, protocol) for u in todo)
    columns = (
        TextColumn(f"{protocol.experiment} {protocol.dataset}/{protocol.teacher}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("units", total=total, completed=done_before)
        for (repeat, fold), rows, preds in parallel(tasks):
            if protocol.experiment == "robustness":
                store.save_predictions(repeat, fold, preds)
            frames.append(pd.DataFrame(rows))
            records = store.write(pd.concat(frames, ignore_index=True), protocol.methods)
            frames = [records]
            bar.advance(task)
    return records


def _run_keyed(X, y, unit, protocol):
    rows, preds = run_unit(X, y, unit, protocol)
    return unit.key, rows, preds


def _summarize(store: RunStore, records, protocol: Protocol, info: dict, total: int) -> dict:
    predictions = None
    if protocol.experiment == "robustness":
        predictions = {}
        keys = set(map(tuple, records[["repeat", "fold"]].drop_duplicates().astype(int).values))
        for r in range(protocol.repeats):
            if all((r, f) in keys for f in range(protocol.folds)):
                predictions[r] = np.stack(
                    [store.load_predictions(r, f) for f in range(protocol.folds)]
                )
    summary = summarize(
        records, protocol.to_dict(), predictions=predictions, dataset=info, units_total=total
    )
    out = Path(store.out)
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    atomic_write_text(out / "summary.md", summary_markdown(summary))
    return summary


def run_on_dataset(
    experiment: str,
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
    """Run (or resume) ``experiment`` on a data set by name; returns the summary.

    Parameters are those of :class:`~crembo.experiments.protocol.Protocol` and
    :func:`~crembo.experiments.runner.run_experiment`; ``dataset`` is a name of
    :mod:`crembo.datasets` or a CSV file whose label column is ``target``.
    """
    ds = load_dataset(dataset, data_dir=data_dir, target=target)
    protocol = Protocol(
        experiment,
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

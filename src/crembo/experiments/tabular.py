"""The paper's tabular experiments, generalization and robustness, on the one engine.

Generalization: test accuracy over K-fold cross-validation, repeated R times. In each fold the
teacher, BM and VT are trained on the whole training fold; CREMBO holds 15 % of it out to
choose its threshold. Reported per method: mean and std of test accuracy and per-fold wins
and ties among the students.

Robustness: agreement of students trained on different data. In each repeat a random share
(15 %) of the rows is held out as a test set and K-fold cross-validation on the rest yields K
students per method, each trained on other data; agreement is the mean over pairs of them of
the share of test points where they predict the same class. Repeated R times: reported per
method are the mean and std over repeats.

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

import functools
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from threadpoolctl import threadpool_limits

from crembo.belief import belief_from
from crembo.choices import DEFAULT_METHODS
from crembo.experiments import engine
from crembo.experiments._load import dataset_info, load_dataset
from crembo.experiments.methods import make_student
from crembo.experiments.protocol import Protocol, Unit, make_units, unit_seed
from crembo.experiments.store import (
    RECORD_COLUMNS,
    STATUS_OK,
    STATUS_TIME_LIMIT,
    STATUS_TIMEOUT,
    RunStore,
    data_fingerprint,
)
from crembo.experiments.summary import summarize, summary_markdown
from crembo.metrics import n_leaves
from crembo.teachers import make_teacher

#: The test prediction stored for a method that failed on the unit (no class has it).
NO_PREDICTION = -1
#: What a failed method's row holds between its name and its seconds: nothing.
_NO_RESULT = dict.fromkeys(
    RECORD_COLUMNS[RECORD_COLUMNS.index("accuracy") : RECORD_COLUMNS.index("seconds")], np.nan
)


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
            build = protocol.builder(m)
            model = build(teacher, student, seed, max_candidates=protocol.max_candidates)
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
                # the in-fit stability estimate (CREMBO's k-fold choices; NaN elsewhere)
                "stability": float(getattr(model, "stability_", np.nan)),
                "seconds": seconds,
                "status": status,
            }
            rows.append(row)
            preds.append(pred)
    return rows, np.asarray(preds, dtype=np.int64)


def _failure(exc: BaseException) -> str:
    """``timeout`` for a solver out of time, else ``failed: <type>: <first words>``."""
    if isinstance(exc, TimeoutError):
        return STATUS_TIMEOUT
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return "failed: " + (text if len(text) <= 80 else text[:77] + "...")


def _fit_status(model, X, y) -> str:
    """Fit ``model``; its status: ``ok``, ``time limit`` (the model says so in ``status_``:
    a solver stopped at its limit, its best model kept; or its student is an exact tree whose
    search stopped there, ``student_.optimal_`` False), ``timeout`` or ``failed: ...``.

    A method that raises is recorded, not dropped, and the other methods of the unit go on.
    """
    try:
        model.fit(X, y)
    except ImportError:  # a missing optional package is a setup error, not a result
        raise
    except Exception as exc:  # recorded, never dropped
        return _failure(exc)
    stopped = getattr(model, "status_", None) == STATUS_TIME_LIMIT
    stopped |= getattr(getattr(model, "student_", None), "optimal_", True) is False
    return STATUS_TIME_LIMIT if stopped else STATUS_OK


def _unit_result(X, y, protocol: Protocol, unit: Unit) -> engine.UnitResult:
    """The engine's unit function: the rows, and the test predictions in robustness (its
    agreement is computed from them)."""
    rows, preds = run_unit(X, y, unit, protocol)
    robust = protocol.experiment == "robustness"
    return engine.UnitResult(rows, {"predictions": preds} if robust else {})


def encode_data(X, y):
    """``X`` as float64, the labels as ``0..c-1`` (in ``np.unique`` order), the classes, and
    ``run.json``'s ``data`` entry (the fingerprint and the class names).

    Refuses an ``X`` that is not 2-D with one row per label.
    """
    X = np.asarray(X, dtype=np.float64)
    classes, y_idx = np.unique(np.asarray(y), return_inverse=True)
    if X.ndim != 2 or X.shape[0] != y_idx.size:
        raise ValueError(f"X must be 2-D with one row per label; got {X.shape}, {y_idx.size}.")
    data = {
        "fingerprint": data_fingerprint(X, y_idx.astype(np.int64)),
        "classes": [str(c) for c in classes],
    }
    return X, y_idx, classes, data


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
    X, y_idx, classes, data = encode_data(X, y)
    info = {
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_classes": int(classes.size),
        "n_missing": int(np.isnan(X).sum()),
        **(dataset_info or {}),
    }
    settings = {"protocol": protocol.to_dict(), "data": data}
    # refuse what cannot run before the output folder is created or touched
    if classes.size < 2:
        raise ValueError("y: need at least 2 classes to compress a classifier; got one class.")
    if np.isinf(X).any():
        raise ValueError(f"X contains infinity in {int(np.isinf(X).any(axis=1).sum())} row(s).")
    robust = protocol.experiment == "robustness"
    store = RunStore(out, settings, artifacts=("predictions",) if robust else ())
    experiment = engine.Experiment(
        label=f"{protocol.experiment} {protocol.dataset}/{protocol.teacher}",
        units=make_units(protocol, y_idx),
        run_unit=functools.partial(_unit_result, X, y_idx, protocol),
        summarize=functools.partial(_summarize, protocol=protocol, info=info),
        markdown=summary_markdown,
    )
    return engine.run(
        experiment, store, n_jobs=n_jobs, backend=backend, max_units=max_units, progress=progress
    )


def _summarize(store: RunStore, records, total: int, *, protocol: Protocol, info: dict) -> dict:
    predictions = None
    if protocol.experiment == "robustness":
        # agreement over the complete repeats only
        predictions = {}
        keys = set(map(tuple, records[["repeat", "fold"]].drop_duplicates().astype(int).values))
        for r in range(protocol.repeats):
            if all((r, f) in keys for f in range(protocol.folds)):
                predictions[r] = np.stack(
                    [store.load_predictions(r, f) for f in range(protocol.folds)]
                )
    return summarize(
        records, protocol.to_dict(), predictions=predictions, dataset=info, units_total=total
    )


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
    extra_methods=None,
) -> dict:
    """Run (or resume) ``experiment`` on a data set by name; returns the summary.

    Parameters are those of :class:`~crembo.experiments.protocol.Protocol` and
    :func:`run_experiment`; ``dataset`` is a name of :mod:`crembo.datasets` or a CSV file
    whose label column is ``target``.
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
        extra_methods=extra_methods or {},
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


def generalization(dataset: str, out, **options) -> dict:
    """Run (or resume) the generalization experiment on a data set; returns the summary.

    ``options`` are those of :func:`run_on_dataset` (the protocol's settings, ``data_dir``,
    ``target``, ``n_jobs``, ``backend``, ...).
    """
    return run_on_dataset("generalization", dataset, out, **options)


def robustness(dataset: str, out, **options) -> dict:
    """Run (or resume) the robustness experiment on a data set; returns the summary.

    ``options`` are those of :func:`run_on_dataset` (the protocol's settings, ``data_dir``,
    ``target``, ``n_jobs``, ``backend``, ...).
    """
    return run_on_dataset("robustness", dataset, out, **options)

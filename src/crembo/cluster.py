"""Running CREMBO's parallel work (sweep candidates, folds, repeats) on a Dask cluster.

Everything parallel in CREMBO goes through joblib, so a Dask cluster is one backend switch
away: connect a ``distributed.Client`` and run under ``joblib.parallel_config("dask")``.
Needs the ``dask`` extra (``pip install "crembo[dask]"``).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from joblib import parallel_config

from crembo._seeds import MAX_SEED


def _distributed():
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the Dask backend needs dask.distributed: pip install 'crembo[dask]'"
        ) from exc
    return distributed


@contextmanager
def dask_backend(scheduler=None, **cluster_kwargs):
    """Run joblib work inside the block on a Dask cluster.

    Parameters
    ----------
    scheduler : str, distributed.Client or None, default=None
        Address of a running scheduler (``"tcp://host:8786"``), a connected client, or
        None to start a ``distributed.LocalCluster`` on this machine for the block.
    **cluster_kwargs
        Passed to ``LocalCluster`` when ``scheduler`` is None (``n_workers=2``, …).

    Yields
    ------
    client : distributed.Client

    Examples
    --------
    >>> with dask_backend("tcp://scheduler:8786"):  # doctest: +SKIP
    ...     CREMBOClassifier(teacher, n_jobs=-1).fit(X, y)
    """
    distributed = _distributed()
    if scheduler is not None and not isinstance(scheduler, str | distributed.Client):
        raise TypeError(
            f"scheduler: expected an address string, a distributed.Client or None; got "
            f"{type(scheduler).__name__}."
        )
    cluster = client = None
    try:
        if isinstance(scheduler, distributed.Client):
            client = scheduler
        elif scheduler is None:
            cluster = distributed.LocalCluster(**cluster_kwargs)
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(scheduler)
        with parallel_config(backend="dask"):
            yield client
    finally:
        if client is not None and client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()


def fit_on_dask(estimator, X, y, *, max_rows=500_000):
    """Fit ``estimator`` on rows held in partitions of a Dask array, not on one machine.

    For data that do not fit one machine's memory. Each partition, on the worker that
    holds it, keeps a random share of its rows (``max_rows`` in all), makes its synthetic
    MUNGE rows from its own rows (neighbours within the partition) and asks the teacher
    about the kept and synthetic rows; only that sample comes back, and the estimator is
    fitted on it with that belief: the choice on its usual subsample, the final student on
    the whole sample. With ``max_rows`` at least the number of rows, every row is used.

    Parameters
    ----------
    estimator : CREMBOClassifier or MEMOClassifier
        Its ``teacher`` must be fitted already (on a sample, for example).
    X : dask.array.Array of shape (n_samples, n_features)
        Partitioned by rows (a dask data frame: ``df.to_dask_array(lengths=True)``).
    y : dask.array.Array of shape (n_samples,)
        Partitioned like ``X``.
    max_rows : int, default=500_000
        Real rows in the sample (the synthetic rows come on top of them, ``augment`` per
        row); the final student is fitted on them.

    Returns
    -------
    estimator : the fitted ``estimator``
        ``n_rows_seen_`` gives the rows of ``X``, ``n_rows_sampled_`` the real rows kept.

    Examples
    --------
    >>> import dask.array as da  # doctest: +SKIP
    >>> with dask_backend("tcp://scheduler:8786"):  # doctest: +SKIP
    ...     fit_on_dask(CREMBOClassifier(forest), da.from_zarr("X"), da.from_zarr("y"))
    """
    import dask
    from sklearn.utils.validation import check_is_fitted

    from crembo._validation import check_int
    from crembo.config import resolve_config

    check_int("max_rows", max_rows, low=2)
    X, y = _as_row_partitions(X, y)
    teacher = getattr(estimator, "teacher", None)
    try:
        check_is_fitted(teacher)
    except Exception as exc:
        raise ValueError(
            "fit_on_dask: the estimator's teacher must be a fitted classifier (fit it on a "
            f"sample of the rows first); got {type(teacher).__name__}."
        ) from exc
    config = resolve_config(estimator)
    n_rows = int(X.shape[0])
    keep_rate = min(1.0, max_rows / n_rows)
    seeds = np.random.RandomState(_seed_of(estimator.random_state)).randint(
        MAX_SEED, size=X.numblocks[0]
    )
    shared = dask.delayed(teacher, pure=True)  # sent once to each worker, not per partition
    tasks = [
        dask.delayed(_partition_sample)(xb, yb, shared, config.augment, keep_rate, int(seed))
        for xb, yb, seed in zip(X.to_delayed().ravel(), y.to_delayed().ravel(), seeds, strict=True)
    ]
    parts = _gather_each(tasks)
    X_real, y_real, b_real, X_new, b_new = (np.concatenate(p) for p in zip(*parts, strict=True))
    augment = estimator.get_params(deep=False).get("augment")
    try:
        # the synthetic rows are made already: the fit takes them with their belief
        estimator.set_params(augment=None)
        estimator.fit(X_real, y_real, X_unlabeled=X_new, belief=np.vstack([b_real, b_new]))
    finally:
        estimator.set_params(augment=augment)
    estimator.n_rows_seen_ = n_rows
    estimator.n_rows_sampled_ = int(X_real.shape[0])
    return estimator


def _gather_each(tasks):
    """The tasks' results, in order; on a distributed cluster fetched as each finishes, so
    that the workers never hold every partition's sample at once (their memory limit)."""
    import dask

    try:
        from distributed import as_completed, get_client

        client = get_client()
    except (ImportError, ValueError):  # no distributed client: dask's own scheduler
        return dask.compute(*tasks)
    futures = client.compute(tasks)
    where = {future.key: i for i, future in enumerate(futures)}
    out = [None] * len(futures)
    for future in as_completed(futures):
        out[where[future.key]] = future.result()
        future.release()
    return out


def _partition_sample(X, y, teacher, augment, keep_rate, seed):
    """A partition's share of the sample: kept rows, synthetic rows, both with a belief."""
    from crembo.augment import munge
    from crembo.belief import belief_from

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    rng = np.random.RandomState(seed)
    keep = rng.random_sample(X.shape[0]) < keep_rate if keep_rate < 1 else slice(None)
    X_keep, y_keep = X[keep], y[keep]
    # synthetic rows are drawn independently: making augment × kept rows of them is
    # making them for every row and keeping the same share
    X_new = munge(X, int(round(augment * X_keep.shape[0])), random_state=rng)
    b_keep = belief_from(teacher, X_keep) if X_keep.shape[0] else None
    b_new = belief_from(teacher, X_new) if X_new.shape[0] else None
    c = len(teacher.classes_)
    return (
        X_keep,
        y_keep,
        np.empty((0, c)) if b_keep is None else b_keep,
        X_new,
        np.empty((0, c)) if b_new is None else b_new,
    )


def _as_row_partitions(X, y):
    """``X`` (2-D) and ``y`` (1-D) as Dask arrays partitioned alike, by rows only."""
    import dask.array as da

    if not isinstance(X, da.Array) or not isinstance(y, da.Array):
        raise TypeError(
            "fit_on_dask: X and y must be dask arrays (a dask data frame: "
            f"df.to_dask_array(lengths=True)); got {type(X).__name__}, {type(y).__name__}."
        )
    if X.ndim != 2 or y.ndim != 1:
        raise ValueError(f"fit_on_dask: X must be 2-D and y 1-D; got {X.shape} and {y.shape}.")
    if np.isnan(X.shape[0]) or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"fit_on_dask: X and y need the same known number of rows; got {X.shape[0]} and "
            f"{y.shape[0]} (a dask data frame: to_dask_array(lengths=True))."
        )
    X = X.rechunk({1: -1})  # whole rows in each partition
    return X, y.rechunk((X.chunks[0],))


def _seed_of(random_state):
    """An int seed for the partitions from the estimator's random_state."""
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(MAX_SEED))

"""Running CREMBO's parallel work (sweep candidates, folds, repeats) on a Dask cluster.

Everything parallel in CREMBO goes through joblib, so a Dask cluster is one backend switch
away: connect a ``distributed.Client`` and run under ``joblib.parallel_config("dask")``.
Needs the ``dask`` extra (``pip install "crembo[dask]"``).
"""

from __future__ import annotations

from contextlib import contextmanager

from joblib import parallel_config


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

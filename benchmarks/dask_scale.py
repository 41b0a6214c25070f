"""The default preset on a Dask cluster, on more rows than one worker's memory limit.

Command::

    python benchmarks/dask_scale.py --rows 2400000 --workers 3 --memory-limit 350MB

A loopback ``LocalCluster`` (``--workers`` processes of one thread, each with
``--memory-limit``) holds the rows: each partition of 25,000 rows is made on a worker by a
seeded generator (10 Gaussian classes in 20 dimensions, mixed by a fixed random matrix), so
the data never pass through this process. ``crembo.cluster.fit_on_dask`` fits
``CREMBOClassifier(forest, DecisionTreeClassifier(max_depth=6))`` (default preset; the
50-tree forest prefitted on the first 100,000 rows) from a sample of ``--max-rows`` rows and
their synthetic rows. Then the same rows are made here and the local fit runs on all of
them, for the comparison: seconds, peak memory of this process, test accuracy, agreement
with the teacher, and how often the two students predict the same class on the test rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

N_FEATURES, N_CLASSES, BLOCK = 20, 10, 25_000


def block(i, rows, seed=0):
    """Rows of partition ``i``: the same for a given (i, rows, seed) wherever it is made."""
    truth = np.random.RandomState(seed)
    centres = truth.standard_normal((N_CLASSES, N_FEATURES)) * 1.5
    mixing = truth.standard_normal((N_FEATURES, N_FEATURES)) / np.sqrt(N_FEATURES)
    rng = np.random.RandomState([seed, i])
    y = rng.randint(N_CLASSES, size=rows)
    X = (centres[y] + rng.standard_normal((rows, N_FEATURES))) @ mixing
    return X, y


def sizes(n):
    return [BLOCK] * (n // BLOCK) + ([n % BLOCK] if n % BLOCK else [])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--memory-limit", default="350MB")
    parser.add_argument("--max-rows", type=int, default=500_000)
    parser.add_argument("--no-local", action="store_true", help="skip the local fit")
    args = parser.parse_args(argv)

    import dask
    import dask.array as da
    import distributed
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    from crembo import CREMBOClassifier
    from crembo.cluster import fit_on_dask

    parts = sizes(args.rows)
    X_te, y_te = block(10_000, 20_000)
    X_tr, y_tr = block(0, min(args.rows, 100_000))
    teacher = RandomForestClassifier(50, max_depth=12, random_state=0, n_jobs=2).fit(X_tr, y_tr)
    del X_tr, y_tr

    def student():
        return CREMBOClassifier(teacher, DecisionTreeClassifier(max_depth=6), random_state=0)

    cluster = distributed.LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        memory_limit=args.memory_limit,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with cluster, distributed.Client(cluster) as client:
        limit = client.scheduler_info()["workers"]
        limit = min(w["memory_limit"] for w in limit.values())
        made = [dask.delayed(block)(i, r) for i, r in enumerate(parts)]
        X = da.concatenate(
            [
                da.from_delayed(m[0], (r, N_FEATURES), float)
                for m, r in zip(made, parts, strict=True)
            ]
        )
        y = da.concatenate(
            [da.from_delayed(m[1], (r,), int) for m, r in zip(made, parts, strict=True)]
        )
        t0 = time.perf_counter()
        remote = fit_on_dask(student(), X, y, max_rows=args.max_rows)
        dask_s = time.perf_counter() - t0
        alive = len(client.scheduler_info()["workers"])
    data_gib = args.rows * N_FEATURES * 8 / 2**30
    print(
        f"rows {args.rows:,} ({data_gib:.2f} GiB of float64 features) in {len(parts)} "
        f"partitions, {args.workers} workers of {limit / 2**30:.2f} GiB each "
        f"({alive} alive at the end)"
    )
    pred_remote = remote.predict(X_te)
    t_pred = teacher.predict(X_te)
    print(
        f"dask:  fit {dask_s:.1f} s, sample {remote.n_rows_sampled_:,} rows (+ synthetic), "
        f"test acc. {np.mean(pred_remote == y_te):.4f}, "
        f"agreement {np.mean(pred_remote == t_pred):.4f}"
    )
    if not args.no_local:
        X_all = np.empty((args.rows, N_FEATURES))
        y_all = np.empty(args.rows, dtype=int)
        start = 0
        for i, r in enumerate(parts):
            X_all[start : start + r], y_all[start : start + r] = block(i, r)
            start += r
        t0 = time.perf_counter()
        local = student().set_params(n_jobs=2).fit(X_all, y_all)
        local_s = time.perf_counter() - t0
        pred_local = local.predict(X_te)
        print(
            f"local: fit {local_s:.1f} s on all {args.rows:,} rows, test acc. "
            f"{np.mean(pred_local == y_te):.4f}, agreement {np.mean(pred_local == t_pred):.4f}"
        )
        print(
            "dask and local students predict the same class on "
            f"{np.mean(pred_remote == pred_local):.4f} of the test rows"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        f"peak RSS of this process {rss:.2f} GiB; "
        f"load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()

"""CREMBO on synthetic data of growing size: time per stage, peak memory, test accuracy.

Command (the full run takes several minutes on 2 cores, mostly at n = 1M)::

    python benchmarks/scale.py --sizes 10000 100000 1000000 --exhaustive-at 100000

Data: ``make_classification`` with 20 features (10 informative), 10 classes, one cluster per
class, plus 20,000 test rows. Teacher: a random forest of 100 trees of depth 12, prefitted
(on at most 100,000 rows, to keep the set-up short; its fit is not timed). Student: a
depth-6 Gini tree (``GiniRegressionTree`` by default, ``--student tree`` for scikit-learn's
``DecisionTreeClassifier``). Each size runs in a fresh process so that its peak resident
memory (``ru_maxrss``) is its own. Per size the table gives the seconds of the belief (the
forest's votes), of MEMO, of the sweep, of the whole ``fit`` (belief included), the peak
memory, the test accuracy, and the number of student fits; the last line fits
``time ~ n**k`` to the end-to-end seconds. ``--exhaustive-at`` also runs the exhaustive sweep
at that size, for the accuracy difference against successive halving.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

TEST_ROWS = 20_000
TEACHER_ROWS = 100_000


def run_one(n, search, student_kind, n_jobs, seed=0):
    """One size in this process; returns a dict of figures."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    import crembo.selection as est_mod
    from crembo import CREMBOClassifier
    from crembo.belief import belief_from
    from crembo.selection import Halving, HoldOut
    from crembo.students.tree_fast import GiniRegressionTree

    X, y = make_classification(
        n + TEST_ROWS,
        20,
        n_informative=10,
        n_redundant=5,
        n_classes=10,
        n_clusters_per_class=1,
        random_state=seed,
    )
    X_te, y_te, X, y = X[n:], y[n:], X[:n], y[:n]
    teacher = RandomForestClassifier(
        100,
        max_depth=12,
        max_samples=min(TEACHER_ROWS, n) if n > TEACHER_ROWS else None,
        n_jobs=n_jobs,
        random_state=seed,
    ).fit(X, y)
    student = (GiniRegressionTree if student_kind == "gini-regressor" else DecisionTreeClassifier)(
        max_depth=6
    )

    stages = {"memo": 0.0, "sweep": 0.0}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            out = fn(*args, **kwargs)
            stages[name] += time.perf_counter() - t0
            return out

        return wrapper

    est_mod.memo = timed("memo", est_mod.memo)
    est_mod.sweep = timed("sweep", est_mod.sweep)
    est_mod.halving_sweep = timed("sweep", est_mod.halving_sweep)

    t0 = time.perf_counter()
    belief_from(teacher, X, n_jobs=n_jobs)
    t_belief = time.perf_counter() - t0

    rss_before = _rss_now()
    selection = Halving() if search == "halving" else HoldOut()
    model = CREMBOClassifier(
        teacher, student, preset="paper", selection=selection, n_jobs=n_jobs, random_state=seed
    )
    t0 = time.perf_counter()
    model.fit(X, y)
    t_fit = time.perf_counter() - t0
    return {
        "n": n,
        "search": search,
        "belief_s": t_belief,
        "memo_s": stages["memo"],
        "sweep_s": stages["sweep"],
        "fit_s": t_fit,
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "rss_before_fit_gib": rss_before,
        "accuracy": float(model.score(X_te, y_te)),
        "teacher_accuracy": float(teacher.score(X_te, y_te)),
        "fits": int(model.n_student_fits_),
        "candidates": int(model.thresholds_.size),
        "threshold": float(model.threshold_),
        "memo_threshold": float(model.memo_threshold_),
    }


def _rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--search", default="halving", choices=["halving", "exhaustive"])
    parser.add_argument("--exhaustive-at", type=int, nargs="*", default=[100_000])
    parser.add_argument("--student", default="gini-regressor", choices=["gini-regressor", "tree"])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.search, args.student, args.n_jobs)))
        return 0

    runs = [(n, args.search) for n in args.sizes]
    runs += [(n, "exhaustive") for n in args.exhaustive_at if args.search != "exhaustive"]
    rows = []
    for n, search in runs:
        cmd = [sys.executable, __file__, "--one", str(n), "--search", search]
        cmd += ["--student", args.student, "--n-jobs", str(args.n_jobs)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"n={n} {search}: failed\n{proc.stderr[-2000:]}")
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        _print_row(rows[-1], header=len(rows) == 1)
    _print_summary(rows, args.search)
    return 0


COLUMNS = [
    ("n", "{:>9d}"),
    ("search", "{:>10s}"),
    ("belief_s", "{:>8.1f}"),
    ("memo_s", "{:>7.1f}"),
    ("sweep_s", "{:>8.1f}"),
    ("fit_s", "{:>7.1f}"),
    ("peak_rss_gib", "{:>12.2f}"),
    ("accuracy", "{:>8.4f}"),
    ("teacher_accuracy", "{:>16.4f}"),
    ("fits", "{:>5d}"),
    ("candidates", "{:>10d}"),
    ("threshold", "{:>9.2f}"),
]


def _print_row(row, header):
    if header:
        print(" | ".join(f"{name:>{len(fmt.format(row[name]))}}" for name, fmt in COLUMNS))
    print(" | ".join(fmt.format(row[name]) for name, fmt in COLUMNS), flush=True)


def _print_summary(rows, search):
    main_rows = [r for r in rows if r["search"] == search]
    if len(main_rows) >= 2:
        n = np.log([r["n"] for r in main_rows])
        t = np.log([r["fit_s"] for r in main_rows])
        print(f"growth exponent of end-to-end time in n ({search}): {np.polyfit(n, t, 1)[0]:.2f}")
    for r in rows:
        if r["search"] == "exhaustive" and search != "exhaustive":
            other = [m for m in main_rows if m["n"] == r["n"]]
            if other:
                diff = 100 * (other[0]["accuracy"] - r["accuracy"])
                print(
                    f"n={r['n']}: {search} minus exhaustive test accuracy = {diff:+.2f} points; "
                    f"fit {other[0]['fit_s']:.1f} s vs {r['fit_s']:.1f} s"
                )
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")


if __name__ == "__main__":
    sys.exit(main())

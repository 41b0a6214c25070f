"""The default preset on synthetic data of growing size: seconds and peak memory per stage.

Command (each size in a fresh process, so that its peak memory is its own)::

    python benchmarks/scale.py --sizes 10000 100000 1000000 3000000

Data (issue 22): ``make_classification`` with 20 features (10 informative, 5 redundant),
10 classes, one cluster per class, plus 20,000 test rows. Teacher: a random forest of 50
trees of depth 12, prefitted (each tree on at most 100,000 rows; not timed). Student:
``DecisionTreeClassifier(max_depth=6)``. The fit: ``CREMBOClassifier(forest, student,
n_jobs=None).fit(X, y)``, the default preset, as the user of issue 22 calls it (one job:
``--n-jobs`` sets it).

Per size: the seconds of each stage of ``fit`` (the teacher's belief, the synthetic MUNGE
rows, MEMO, the choice of θ and λ, the final fit on all rows, the rest), the peak resident
memory of the process during each stage and over the whole run (data and teacher included),
the test accuracy and the agreement with the teacher on the test rows. The last lines give
the growth exponent of the fit's seconds between consecutive sizes and over all of them.
``--preset paper --selection halving`` gives the old large-data recipe.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import resource
import subprocess
import sys
import threading
import time

import numpy as np

TEST_ROWS = 20_000
TEACHER_ROWS = 100_000
#: Resident memory (GiB) at which a run stops itself (``--max-gib``).
MAX_GIB = 8.0
STAGES = ("belief", "munge", "memo", "choice", "final", "other")


class StageClock:
    """Seconds and peak resident memory per stage, sampled by a thread every 20 ms."""

    def __init__(self, verbose=True):
        self.seconds = dict.fromkeys(STAGES, 0.0)
        self.cpu = dict.fromkeys(STAGES, 0.0)
        self.peak = dict.fromkeys(STAGES, 0.0)
        self.current = "other"
        self.verbose = verbose
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.wait(0.02):
            rss = rss_gib()
            self.peak[self.current] = max(self.peak[self.current], rss)
            if rss > MAX_GIB:  # the machine is shared: stop rather than crowd it out
                print(f"  {self.current}: {rss:.2f} GiB > {MAX_GIB} GiB, stopped", file=sys.stderr)
                os._exit(3)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    @contextlib.contextmanager
    def stage(self, name):
        if self.current != "other":  # nested (MEMO's fits inside the choice): the outer one
            yield
            return
        self.current = name
        self.peak[name] = max(self.peak[name], rss_gib())
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            dt = time.perf_counter() - t0
            self.seconds[name] += dt
            self.cpu[name] += time.process_time() - c0
            self.peak[name] = max(self.peak[name], rss_gib())
            self.current = "other"
            if self.verbose:
                print(f"  {name}: {dt:.1f} s, rss {rss_gib():.2f} GiB", file=sys.stderr, flush=True)

    def wrap(self, owner, attr, name):
        fn = getattr(owner, attr)

        def timed(*args, **kwargs):
            with self.stage(name):
                return fn(*args, **kwargs)

        static = isinstance(inspect.getattr_static(owner, attr), staticmethod)
        setattr(owner, attr, staticmethod(timed) if static else timed)


def rss_gib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def make_data(n, seed=0):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n + TEST_ROWS, 20, n_informative=10, n_redundant=5, n_classes=10,
        n_clusters_per_class=1, random_state=seed,
    )  # fmt: skip
    return X[:n], y[:n], X[n:], y[n:]


def load_kernels():
    """Seconds to compile (first run on a machine) or load (cached) the batched learner's numba
    kernels, on a tiny problem, before the timed fit: a process pays it once."""
    from crembo.students.batched import grow_allowed_label_trees

    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    grow_allowed_label_trees(rng.normal(size=(50, 3)), rng.uniform(size=(50, 2)), [0.5])
    return time.perf_counter() - t0


def run_one(n, preset, selection, n_jobs, seed=0):
    """One size in this process; returns a dict of figures."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    import crembo.fit
    import crembo.oracle
    import crembo.selection
    from crembo import CREMBOClassifier

    X, y, X_te, y_te = make_data(n, seed)
    teacher = RandomForestClassifier(
        50,
        max_depth=12,
        max_samples=TEACHER_ROWS if n > TEACHER_ROWS else None,
        n_jobs=n_jobs,
        random_state=seed,
    ).fit(X, y)
    kernels_s = load_kernels()
    rss_before = rss_gib()
    clock = StageClock().start()
    clock.wrap(crembo.fit, "_belief", "belief")
    clock.wrap(crembo.fit, "munge", "munge")
    clock.wrap(crembo.selection, "memo", "memo")
    for cls in (crembo.selection.KFoldOneSE, crembo.selection.HoldOut):
        for attr in ("_batch_scores", "_fitted"):
            if hasattr(cls, attr):
                clock.wrap(cls, attr, "choice")
    for attr in ("sweep", "sweep_at", "halving_sweep"):
        clock.wrap(crembo.selection, attr, "choice")
    # a student fit outside MEMO and the choice is the final fit on all rows
    for attr in ("fit", "fit_all"):
        clock.wrap(crembo.oracle.AllowedLabelOracle, attr, "final")
    model = CREMBOClassifier(
        teacher,
        DecisionTreeClassifier(max_depth=6),
        preset=preset,
        selection=selection,
        n_jobs=n_jobs,
        random_state=seed,
    )
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(X, y)
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    clock.stop()
    clock.seconds["other"] = fit_s - sum(v for k, v in clock.seconds.items() if k != "other")
    clock.cpu["other"] = fit_cpu - sum(v for k, v in clock.cpu.items() if k != "other")
    pred = model.predict(X_te)
    return {
        "n": n,
        "preset": preset,
        "selection": selection,
        **{f"{k}_s": v for k, v in clock.seconds.items()},
        **{f"{k}_gib": v for k, v in clock.peak.items()},
        **{f"{k}_cpu": v for k, v in clock.cpu.items()},
        "fit_s": fit_s,
        "fit_cpu": fit_cpu,
        "kernels_s": kernels_s,
        "rss_before_fit_gib": rss_before,
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "accuracy": float(np.mean(pred == y_te)),
        "agreement": float(np.mean(pred == teacher.predict(X_te))),
        "teacher_accuracy": float(teacher.score(X_te, y_te)),
        "fits": int(model.n_student_fits_),
        "batches": int(getattr(model, "n_batched_", 0)),
        "search_rows": int(getattr(model, "n_search_rows_", 0)),
        "candidates": int(model.thresholds_.size),
        "threshold": float(model.threshold_),
    }


def main(argv=None):
    global MAX_GIB
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--preset", default="robust", choices=["robust", "paper"])
    parser.add_argument("--selection", default="auto")
    parser.add_argument("--n-jobs", type=int, default=None, help="default: not given, as a user")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--max-gib", type=float, default=MAX_GIB, help="stop a size above it")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    MAX_GIB = args.max_gib
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.preset, args.selection, args.n_jobs)))
        return 0
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--preset", args.preset]
        cmd += ["--selection", args.selection, "--max-gib", str(args.max_gib)]
        cmd += [] if args.n_jobs is None else ["--n-jobs", str(args.n_jobs)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            print(f"n={n}: failed (exit {proc.returncode})", flush=True)
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print_growth(rows)
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    return 0


def print_table(rows):
    """The table so far, as markdown (seconds, then peak GiB, per stage)."""
    stages = " | ".join(f"{s} s" for s in STAGES)
    print(f"\n| n | {stages} | fit s | peak GiB per stage ({', '.join(STAGES[:-1])}) | "
          "peak RSS GiB | test acc. | agreement | teacher acc. | search rows | θ |")  # fmt: skip
    print("|" + " --- |" * (len(STAGES) + 9))
    for r in rows:
        secs = " | ".join(f"{r[f'{s}_s']:.1f}" for s in STAGES)
        peaks = " / ".join(f"{r[f'{s}_gib']:.2f}" for s in STAGES[:-1])
        print(
            f"| {r['n']:,} | {secs} | **{r['fit_s']:.1f}** | {peaks} | **{r['peak_rss_gib']:.2f}** "
            f"| {r['accuracy']:.4f} | {r['agreement']:.4f} | {r['teacher_accuracy']:.4f} "
            f"| {r['search_rows']:,} | {r['threshold']:.3f} |",
            flush=True,
        )
    print("\nnumba kernels compiled or loaded before the fit (s): "
          + ", ".join(f"{r['n']:,}: {r.get('kernels_s', 0.0):.2f}" for r in rows))  # fmt: skip
    cpu = " / ".join(STAGES)
    print(f"\nCPU seconds per stage ({cpu}), whole fit:")
    for r in rows:
        print(f"{r['n']:,}: " + " / ".join(f"{r[f'{s}_cpu']:.1f}" for s in STAGES)
              + f", {r['fit_cpu']:.1f}")  # fmt: skip


def print_growth(rows):
    """Exponent k of time ~ n**k between consecutive sizes and over all of them."""
    if len(rows) < 2:
        return
    n = np.array([r["n"] for r in rows], dtype=float)
    t = np.array([r["fit_s"] for r in rows])
    for i in range(1, len(rows)):
        k = np.log(t[i] / t[i - 1]) / np.log(n[i] / n[i - 1])
        print(
            f"{int(n[i - 1]):,} -> {int(n[i]):,} rows: time x{t[i] / t[i - 1]:.2f} "
            f"(rows x{n[i] / n[i - 1]:.0f}), exponent {k:.2f}"
        )
    k = np.polyfit(np.log(n), np.log(t), 1)[0]
    print(f"growth exponent over all sizes (least squares): {k:.2f}")


if __name__ == "__main__":
    sys.exit(main())

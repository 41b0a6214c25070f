"""What the default's threshold search costs, against one CART fit and the paper preset.

For each data set: a forest teacher (100 trees, depth 12) fitted once on all rows, then, in
one run, the seconds of one depth-4 ``DecisionTreeClassifier`` fit on the same rows, of
``CREMBOClassifier(preset="paper")`` and of the default (teacher prefitted: belief, search
and final fit only); the best of ``--repeat`` runs. ``--accuracy`` adds the default's
5-fold test accuracy before (the old k-fold choice: ``CREMBO+tie+aug+cv5``, a fit per fold
and candidate) and after, on the same folds, teacher fitted per fold. ``--large [ROWS ...]``
times the default on 1M rows x 20 features x 10 classes (prefitted 50-tree forest, depth-6 student)
per stage with its peak resident memory (``benchmarks/scale.py``).

    python benchmarks/search_cost.py --repeat 3 --accuracy
    python benchmarks/search_cost.py --profile --datasets heart digits
    python benchmarks/search_cost.py --large 10000 100000 1000000 3000000
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # BLAS on one thread: the ratios compare single fits

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

SEVEN = ("iris", "wine", "breast_cancer", "digits", "heart", "dermatology", "arrhythmia")
DATA_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets")


def _forest(n_trees=100, depth=12, seed=0):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_trees, max_depth=depth, random_state=seed, n_jobs=1)


def _tree(depth=4, seed=0):
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(max_depth=depth, random_state=seed)


def _best(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def warm_up():
    """Seconds of a first default fit on iris: the batched learner's numba kernels are
    compiled (first run on a machine) or loaded from their cache; the ratios time warm fits."""
    from sklearn.datasets import load_iris

    from crembo import CREMBOClassifier

    X, y = load_iris(return_X_y=True)
    teacher = _forest(n_trees=10).fit(X, y)
    t0 = time.perf_counter()
    CREMBOClassifier(teacher, _tree(), n_jobs=1, random_state=0).fit(X, y)
    return time.perf_counter() - t0


def cost_row(name, X, y, repeat):
    from crembo import CREMBOClassifier

    teacher = _forest().fit(X, y)
    cart, _ = _best(lambda: _tree().fit(X, y), repeat)
    paper_s, paper = _best(
        lambda: CREMBOClassifier(teacher, _tree(), preset="paper", n_jobs=1, random_state=0).fit(
            X, y
        ),
        repeat,
    )
    default_s, default = _best(
        lambda: CREMBOClassifier(teacher, _tree(), n_jobs=1, random_state=0).fit(X, y), repeat
    )
    return {
        "data": name,
        "n": X.shape[0],
        "cart_s": cart,
        "paper_s": paper_s,
        "default_s": default_s,
        "d/p": default_s / paper_s,
        "d/cart": default_s / cart,
        "paper_fits": paper.n_student_fits_,
        "fits": default.n_student_fits_,
        "batches": default.n_batched_,
        "candidates": default.thresholds_.size,
    }


def accuracy_row(name, X, y, folds=5):
    from sklearn.model_selection import StratifiedKFold

    from crembo import CREMBOClassifier
    from crembo.experiments.methods import CV5

    before, after, t_before, t_after = [], [], 0.0, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        for i, (tr, te) in enumerate(cv.split(X, y)):
            teacher = _forest(seed=i).fit(X[tr], y[tr])
            old = CREMBOClassifier(
                teacher,
                _tree(seed=i),
                preset="paper",
                tie_break="belief",
                augment=1.0,
                selection=CV5,
                n_jobs=1,
                random_state=i,
            )
            t0 = time.perf_counter()
            old.fit(X[tr], y[tr])
            t_before += time.perf_counter() - t0
            new = CREMBOClassifier(teacher, _tree(seed=i), n_jobs=1, random_state=i)
            t0 = time.perf_counter()
            new.fit(X[tr], y[tr])
            t_after += time.perf_counter() - t0
            before.append(old.score(X[te], y[te]))
            after.append(new.score(X[te], y[te]))
    return {
        "data": name,
        "acc_before": float(np.mean(before)),
        "acc_after": float(np.mean(after)),
        "diff": float(np.mean(after) - np.mean(before)),
        "s_before": t_before,
        "s_after": t_after,
    }


#: Parts of a default fit for ``--profile``: (file, function names) as cProfile names them;
#: the split search under its name before (NumPy) and after (numba) the compiled learner.
PARTS = {
    "MEMO": ("search.py", ("memo",)),
    "belief + MUNGE": ("fit.py", ("prepare",)),
    "batches": ("tree_batch.py", ("grow_batch",)),
    "split search": ("", ("_split_chunk_unit", "split_groups_unit")),
    "growth": ("batched.py", ("_grow",)),
    "batch predict": ("tree_batch.py", ("predict",)),
    "final fit": ("oracle.py", ("fit_all",)),
}


def profile_row(name, X, y, repeat):
    """Cumulative ms of each part of one warm default fit (cProfile, best of ``repeat``), the
    unprofiled fit, one CART fit, and the parts that are not the batched learner x CART."""
    import cProfile
    import pstats

    from crembo import CREMBOClassifier

    teacher = _forest().fit(X, y)

    def fit():
        return CREMBOClassifier(teacher, _tree(), n_jobs=1, random_state=0).fit(X, y)

    fit()
    best = dict.fromkeys(PARTS, np.inf)
    for _ in range(repeat):
        prof = cProfile.Profile()
        prof.runcall(fit)
        got = dict.fromkeys(PARTS, 0.0)
        for (path, _, func), (*_, cum, _) in pstats.Stats(prof).stats.items():
            for part, (file, funcs) in PARTS.items():
                if func in funcs and os.path.basename(path).endswith(file):
                    got[part] += cum
        best = {k: min(best[k], got[k]) for k in PARTS}
    fit_s, _ = _best(fit, repeat)
    cart, _ = _best(lambda: _tree().fit(X, y), max(repeat, 5))
    row = {"data": name, "cart_ms": 1e3 * cart, "fit_ms": 1e3 * fit_s}
    row.update({f"{k} ms": 1e3 * v for k, v in best.items()})
    fixed = best["MEMO"] + best["belief + MUNGE"] + best["final fit"]
    row["not learner x CART"] = fixed / cart
    return row


def large(sizes):
    """The default on large synthetic data: ``benchmarks/scale.py`` (same data and teacher)."""
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import scale

    scale.main(["--sizes", *map(str, sizes)])


def _print(rows, cols):
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in cols))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(SEVEN))
    parser.add_argument("--data-dir", default=DATA_DIR)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--accuracy", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="where one warm default fit's time goes"
    )
    parser.add_argument(
        "--large", type=int, nargs="*", help="rows: 1M x 20 x 10 (benchmarks/scale.py) instead"
    )
    args = parser.parse_args(argv)
    if args.large is not None:
        large(args.large or [1_000_000])
        return
    from crembo.datasets import load

    data = {}
    for name in args.datasets:
        ds = load(name, args.data_dir)
        data[name] = (np.asarray(ds.X, dtype=float), np.asarray(ds.y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print(f"first default fit in this process: {warm_up():.2f} s (kernels compiled or loaded)")
        if args.profile:
            prof = [profile_row(n, X, y, max(args.repeat, 3)) for n, (X, y) in data.items()]
            _print(prof, list(prof[0]))
            return
        rows = [cost_row(n, X, y, args.repeat) for n, (X, y) in data.items()]
    _print(rows, list(rows[0]))
    for c in ("d/p", "d/cart"):
        print(
            f"median {c}: {np.median([r[c] for r in rows]):.3g}  max: {max(r[c] for r in rows):.3g}"
        )
    if args.accuracy:
        acc = [accuracy_row(n, X, y) for n, (X, y) in data.items()]
        _print(acc, list(acc[0]))
        print(f"mean accuracy change: {np.mean([r['diff'] for r in acc]):+.4f}")


if __name__ == "__main__":
    main()

"""What the in-fit stability estimate and the stable rule cost, in one run.

For each data set: a forest teacher (100 trees, depth 12) fitted once on all rows, then,
alternating, ``--repeat`` fits of the one-SE choice (``KFoldOneSE(5)``, the default before
issue 20) and of the stable rule (``StableOneSE(5, width=2)``), teacher prefitted, with the
seconds spent in the estimate itself (``KFoldOneSE._estimate``, wrapped to time it). Today's
cost is the one-SE fit less its estimate (the estimate is all that changed in it). Prints a
markdown table: medians of the fits, and the ratio stable / (one-SE less estimate).

    python benchmarks/stability_cost.py --repeat 3
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one thread: the ratios compare single fits

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

SETS = ("iris", "wine", "breast_cancer", "heart", "dermatology", "digits", "arrhythmia")


def main(argv=None):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer

    from crembo import CREMBOClassifier, datasets
    from crembo.selection import KFoldOneSE, StableOneSE
    from crembo.tables import markdown_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default=",".join(SETS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)

    spent = [0.0]
    inner = KFoldOneSE._estimate

    def timed(self, *a):
        t0 = time.perf_counter()
        out = inner(self, *a)
        spent[0] += time.perf_counter() - t0
        return out

    KFoldOneSE._estimate = timed
    rules = {"one-SE": KFoldOneSE(5), "stable": StableOneSE(5, width=2.0)}
    rows = []
    for name in args.datasets.split(","):
        ds = datasets.load(name, data_dir=args.data_dir)
        X = SimpleImputer(strategy="median").fit_transform(ds.X)
        y = ds.y
        teacher = RandomForestClassifier(100, max_depth=12, random_state=0, n_jobs=1).fit(X, y)
        secs = {r: [] for r in rules}
        est = {r: [] for r in rules}
        for _ in range(args.repeat):
            for r, sel in rules.items():
                spent[0] = 0.0
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t0 = time.perf_counter()
                    CREMBOClassifier(teacher, selection=sel, random_state=0).fit(X, y)
                secs[r].append(time.perf_counter() - t0)
                est[r].append(spent[0])
        one, stable = np.median(secs["one-SE"]), np.median(secs["stable"])
        today = one - np.median(est["one-SE"])
        rows.append(
            {
                "data set": name,
                "n": X.shape[0],
                "one-SE s": one,
                "of it the estimate s": np.median(est["one-SE"]),
                "stable s": stable,
                "stable / today": stable / today,
            }
        )
        print(markdown_table(rows[-1:]), flush=True)
    print(markdown_table(rows))
    ratios = [r["stable / today"] for r in rows]
    print(f"\nmedian stable / today: {np.median(ratios):.2f}, max {np.max(ratios):.2f}")


if __name__ == "__main__":
    main()

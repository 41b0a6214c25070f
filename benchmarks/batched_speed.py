"""Speed of the batched allowed-label tree learner, before/after, against one scikit-learn fit.

For each data set: its rows plus as many MUNGE rows, the belief of a 100-tree depth-12 forest
fitted on the real rows, the default's batch (16 thresholds evenly in rank of the belief's
distinct values, 5 fold masks + all rows, shrinkage 0, 1, 10, 100, depth 4). Printed: the
seconds of the batch (grow + predict on every row) with this checkout's
``crembo.students.batched`` and with the version at ``--base`` (read by ``git show`` into a
temporary module), their ratio, whether both give the same predictions, and the cost of one
batched tree against one ``AllowedLabelClassifier(DecisionTreeClassifier(max_depth=4))`` fit
on all rows at the middle threshold. Best of ``--repeat`` runs, one thread.

    python benchmarks/batched_speed.py --repeat 3
    python benchmarks/batched_speed.py --base HEAD~1 iris wine
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one thread: the ratios compare single fits

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

NAMES = ("iris", "wine", "breast_cancer", "heart", "digits", "arrhythmia")
#: The last version before the speed-ups of issue 11's batched-learner task.
BASE = "3ac425f"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def old_module(rev):
    """``crembo.students.batched`` as it was at ``rev``, as a module of its own."""
    src = subprocess.run(
        ["git", "show", f"{rev}:src/crembo/students/batched.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = os.path.join(tempfile.mkdtemp(), "batched_base.py")
    with open(path, "w") as fh:
        fh.write(src)
    spec = importlib.util.spec_from_file_location("batched_base", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def problem(name):
    """Rows + MUNGE rows, forest belief, 16 thresholds and 6 masks, as the default's batch."""
    from sklearn.datasets import load_digits
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold

    from crembo.augment import munge
    from crembo.datasets import load

    if name == "digits":
        X, y = load_digits(return_X_y=True)
    else:
        data = load(name, data_dir=os.path.join(ROOT, "..", "shared", "datasets"))
        X, y = np.asarray(data.X, dtype=float), np.asarray(data.y)
    y = np.unique(y, return_inverse=True)[1]
    finite = ~np.isnan(X)
    X = np.where(finite, X, X[finite].min() - 1.0)  # as fit_many: missing below every value
    X_all = np.vstack([X, munge(X, X.shape[0], random_state=0)])
    forest = RandomForestClassifier(100, max_depth=12, random_state=0, n_jobs=1).fit(X, y)
    belief = forest.predict_proba(X_all)
    n = X.shape[0]
    masks = np.ones((6, X_all.shape[0]), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # classes smaller than 5 (arrhythmia)
        folds = StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)
        for f, (_, test) in enumerate(folds):
            masks[f, test] = masks[f, n + test] = False
    u = np.unique(belief[belief > 0])
    thresholds = u[np.unique(np.round(np.linspace(0, u.size - 1, 16)).astype(int))]
    return X_all, belief, thresholds, masks


def best(fn, repeat):
    out, t = None, np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        t = min(t, time.perf_counter() - t0)
    return t, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", default=list(NAMES))
    parser.add_argument("--base", default=BASE, help="git revision to compare with")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from sklearn.tree import DecisionTreeClassifier

    from crembo.students import batched as new
    from crembo.students.sklearn import AllowedLabelClassifier

    old = old_module(args.base)
    print(f"base {args.base}; best of {args.repeat}; seconds of one 6-family x 16-threshold batch")
    head = f"{'data set':14} {'rows x feat':>12} {'cls':>4} {'base s':>8} {'now s':>8} "
    print(head + f"{'speed-up':>9} {'same':>5} {'sk fit s':>9} {'tree/fit':>9} {'base':>7}")
    for name in args.names:
        print(row(name, old, new, AllowedLabelClassifier, DecisionTreeClassifier, args.repeat))
    return 0


def row(name, old, new, wrapper, tree, repeat):
    """One data set's line: the batch with ``old`` and ``new``, and one scikit-learn fit."""
    X, belief, thresholds, masks = problem(name)
    kw = dict(max_depth=4, shrinkage=(0.0, 1.0, 10.0, 100.0))

    def run(mod):
        trees = mod.grow_allowed_label_trees(X, belief, thresholds, masks, **kw)
        return trees.predict(X)

    t_old, p_old = best(lambda: run(old), repeat)
    t_new, p_new = best(lambda: run(new), repeat)
    Y = (belief >= thresholds[thresholds.size // 2]).astype(np.uint8)
    student = wrapper(tree(max_depth=4, random_state=0))
    t_sk, _ = best(lambda: student.fit(X, Y), max(repeat, 5))
    n_trees = masks.shape[0] * thresholds.size
    return (
        f"{name:14} {X.shape[0]:>6} x {X.shape[1]:<4} {belief.shape[1]:>4} {t_old:8.3f} "
        f"{t_new:8.3f} {t_old / t_new:8.2f}x {str(np.array_equal(p_old, p_new)):>5} "
        f"{t_sk:9.4f} {t_new / n_trees / t_sk:8.2f}x {t_old / n_trees / t_sk:6.2f}x"
    )


if __name__ == "__main__":
    sys.exit(main())

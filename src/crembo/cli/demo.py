"""``crembo demo``: a forest compressed into depth-4 trees on a bundled data set, compared.

The demo is a small experiment on the experiments' code: its methods are the experiments'
named methods (:data:`crembo.experiments.methods.METHODS`: teacher, BM, VT, CREMBO,
CREMBO-robust) and its folds the generalization and robustness protocols' units of one
repeat (:func:`crembo.experiments.protocol.repeat_units`: shuffled stratified folds; a
held-out 15 % for the agreement), seeded with the demo's seed.
"""

from __future__ import annotations

import time

import typer

from crembo.cli import output
from crembo.cli.errors import recorded_warnings, rewarn

_DEMO_SETS = ("breast_cancer", "wine", "iris")
_DEMO_FOLDS = 5
#: CREMBO is the paper's algorithm (as in the experiment tables), CREMBO-robust the default.
_METHODS = ("teacher", "BM", "VT", "CREMBO", "CREMBO-robust")
#: The held-out share of the agreement folds (the robustness protocol's default).
_TEST_SIZE = 0.15


def demo(
    dataset: str = typer.Option(
        "breast_cancer",
        "--dataset",
        metavar="NAME",
        help="Data set: breast_cancer, wine or iris (bundled with scikit-learn), or any name "
        "`crembo datasets` lists.",
    ),
    seed: int = typer.Option(
        0, "--seed", metavar="INT", help="Seed of the folds, the teacher and the students."
    ),
    n_jobs: int = typer.Option(
        -1,
        "--n-jobs",
        metavar="N",
        help="Folds run in parallel (joblib); -1 (default) uses every core, 1 none. The "
        "results do not depend on it.",
    ),
    folds: int = typer.Option(
        _DEMO_FOLDS,
        "--folds",
        min=2,
        metavar="K",
        help="Shuffled stratified folds for the accuracy, and students for the agreement.",
    ),
):
    """Compress a random forest into depth-4 trees on a bundled data set, and compare.

    Prints the test accuracy (K shuffled stratified folds, default 5) and the agreement (K
    students trained on different folds, compared on a held-out 15 % test set) of the teacher, BM
    (tree on the labels), VT (tree on the teacher's labels), CREMBO (the paper's algorithm)
    and CREMBO-robust (the default preset); the default's thresholds and measured depth, and
    its tree (fitted on all rows) as if/else rules.
    """
    import numpy as np

    from crembo.metrics import pairwise_agreement
    from crembo.students.tree import tree_rules
    from crembo.tables import rich_table

    start = time.perf_counter()
    X, y, features, class_names, source = _demo_data(dataset)
    console = output.console()
    console.print(
        f"[bold]crembo demo[/bold]: {dataset} ({source}), {X.shape[0]} rows, {X.shape[1]} "
        f"features, {len(class_names)} classes; teacher: random forest (100 trees, depth 12); "
        f"students: depth-4 trees; no class weights; seed {seed}."
    )
    runs = _demo_runs(X, y, seed, n_jobs, folds)
    rewarn(w for r in runs for w in r["warnings"])
    acc = [r for r in runs if r["part"] == "accuracy"]
    agree = [r for r in runs if r["part"] == "agreement"]
    rows = []
    for method in _METHODS:
        scores = np.array([r["accuracy"][method] for r in acc])
        preds = np.array([r["test_pred"][method] for r in agree])
        rows.append(
            {
                "method": method,
                "test accuracy": f"{scores.mean():.3f} ± {scores.std(ddof=1):.3f}",
                "agreement": f"{pairwise_agreement(preds):.3f}",
                "leaves": "-"
                if method == "teacher"
                else f"{np.mean([r['leaves'][method] for r in acc]):.1f}",
            }
        )
    console.print(rich_table(rows, title="Teacher and depth-4 students"))
    console.print(
        f"test accuracy: mean ± std over {folds} shuffled stratified folds. agreement: "
        f"{folds} students trained on different folds of 85 % of the rows, mean "
        "pairwise share of equal predictions on the other 15 %. leaves: mean per fold.\n"
    )
    theta_rows = [
        {
            "fold": i + 1,
            "MEMO θ*": r["memo_threshold"],
            "chosen θ": r["threshold"],
            "measured depth": r["depth"],
            "in-fit stability": r["stability"],
            "candidates swept": r["swept"],
        }
        for i, r in enumerate(acc)
    ]
    console.print(rich_table(theta_rows, title="CREMBO-robust (the default) per accuracy fold"))
    final = _fit_methods(X, y, seed, ("CREMBO-robust",))["CREMBO-robust"]
    console.print(
        f"\n[bold]CREMBO-robust's tree[/bold] fitted on all {X.shape[0]} rows: θ* = "
        f"{final.memo_threshold_:.3f}, chosen θ = {final.threshold_:.3f}, measured depth = "
        f"{final.depth_:.3f}, in-fit stability = {final.stability_:.3f} (its fold students' "
        "mean pairwise agreement; optimistic, see docs/results.md). Each leaf predicts the "
        "class most likely allowed"
        f"{_synthetic_note(final, X.shape[0])}.\n"
    )
    console.print(tree_rules(final, features, class_names), markup=False, soft_wrap=True)
    console.print(f"\ndone in {time.perf_counter() - start:.1f} s")


def _synthetic_note(model, n_real) -> str:
    """What the leaves' row counts hold when MUNGE rows joined the fit."""
    tree = getattr(model.student_, "estimator_", None)
    if not hasattr(tree, "tree_"):
        return ""
    n_rows = int(tree.tree_.n_node_samples[0])
    if n_rows <= n_real:
        return ""
    return f"; row counts include {n_rows - n_real} teacher-labelled synthetic rows"


def _demo_data(name):
    import numpy as np
    import sklearn.datasets

    from crembo.datasets import load

    if name in _DEMO_SETS:
        bunch = getattr(sklearn.datasets, f"load_{name}")()
        names = [str(c) for c in bunch.target_names]
        return bunch.data, bunch.target, list(bunch.feature_names), names, "scikit-learn"
    data = load(name)
    classes = [str(c) for c in np.unique(data.y)]
    return data.X, data.y, list(data.feature_names), classes, data.source


def _fit_methods(X, y, seed, methods=_METHODS) -> dict:
    """The named methods of the experiments fitted on ``X, y``: one forest teacher shared by
    all, depth-4 tree students, no class weights, every model seeded with ``seed``."""
    from crembo.experiments.methods import METHODS, make_student
    from crembo.teachers import make_teacher

    teacher = make_teacher("rf", "none", seed).fit(X, y)
    student = make_student("none", seed)
    models = {m: METHODS[m](teacher, student, seed) for m in methods}
    return {m: model if m == "teacher" else model.fit(X, y) for m, model in models.items()}


def _demo_runs(X, y, seed, n_jobs, folds=_DEMO_FOLDS):
    """Fit every method on each accuracy fold and each agreement fold (in parallel)."""
    from joblib import Parallel, delayed

    jobs = _demo_units(y, seed, folds)
    return Parallel(n_jobs=n_jobs)(
        delayed(_demo_fold)(part, X, y, unit.train, unit.test, seed + i)
        for i, (part, unit) in enumerate(jobs)
    )


def _demo_units(y, seed, folds):
    """``(part, unit)`` of the accuracy folds, then of the agreement folds.

    The experiments' splits (shuffled stratified folds; robustness holds out a test share)
    of one repeat, seeded with the demo's seed itself; the models of the i-th get seed + i.
    """
    from crembo.experiments.protocol import Protocol, repeat_units

    settings = {
        "dataset": "demo",
        "folds": folds,
        "repeats": 1,
        "seed": seed,
        "class_weight": "none",
        "shuffle": True,
        "test_size": _TEST_SIZE,
        "methods": _METHODS,
    }
    return [
        (part, unit)
        for part, experiment in (("accuracy", "generalization"), ("agreement", "robustness"))
        for unit in repeat_units(Protocol(experiment, **settings), y, 0, seed)
    ]


def _demo_fold(part, X, y, train, test, seed):
    import numpy as np

    from crembo.metrics import n_leaves

    with recorded_warnings() as shown:
        models = _fit_methods(X[train], y[train], seed)
        pred = {m: est.predict(X[test]) for m, est in models.items()}
    crembo = models["CREMBO-robust"]
    return {
        "part": part,
        "warnings": shown,
        "accuracy": {m: float(np.mean(p == y[test])) for m, p in pred.items()},
        "test_pred": pred,
        "leaves": {m: n_leaves(est) for m, est in models.items() if m != "teacher"},
        "memo_threshold": float(crembo.memo_threshold_),
        "threshold": float(crembo.threshold_),
        "depth": float(crembo.depth_),
        "swept": int(len(crembo.sweep_["threshold"])),
        "stability": float(crembo.stability_),
    }

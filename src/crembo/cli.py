"""The ``crembo`` command: demo, compress, predict (plus experiment and datasets).

Every command answers bad input with one line on stderr and a non-zero exit code; files are
written to a temporary name and renamed, so nothing is left half-written.
"""

from __future__ import annotations

import functools
import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import typer
from rich.console import Console

from crembo.baselines import ClassWeightKind, PresetKind, TeacherKind

app = typer.Typer(
    name="crembo",
    help="Robust model compression with deep hypotheses (MEMO and CREMBO).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

#: Exit code of a command refused because of its input.
EXIT_BAD_INPUT = 1


def _console() -> Console:
    # built per call: the test runner swaps sys.stdout
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def _answers_bad_input(command):
    """Turn the errors bad input raises into one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (ValueError, TypeError, OSError) as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper


# ---------------------------------------------------------------------------- demo

_DEMO_SETS = ("breast_cancer", "wine", "iris")
_DEMO_FOLDS = 5


@app.command()
@_answers_bad_input
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
):
    """Compress a random forest into depth-4 trees on a bundled data set, and compare.

    Prints the test accuracy (5 shuffled stratified folds) and the agreement (5 students
    trained on different folds, compared on a held-out 15 % test set) of the teacher, BM
    (tree on the labels), VT (tree on the teacher's labels), CREMBO (the paper's algorithm)
    and CREMBO-robust (the default preset); the default's thresholds and measured depth, and
    its tree (fitted on all rows) as if/else rules.
    """
    from crembo.report import rich_table
    from crembo.students.tree import tree_rules

    start = time.perf_counter()
    X, y, features, class_names, source = _demo_data(dataset)
    console = _console()
    console.print(
        f"[bold]crembo demo[/bold]: {dataset} ({source}), {X.shape[0]} rows, {X.shape[1]} "
        f"features, {len(class_names)} classes; teacher: random forest (100 trees, depth 12); "
        f"students: depth-4 trees; no class weights; seed {seed}."
    )
    runs = _demo_runs(X, y, seed, n_jobs)
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
                "agreement": f"{_agreement(preds):.3f}",
                "leaves": "-"
                if method == "teacher"
                else f"{np.mean([r['leaves'][method] for r in acc]):.1f}",
            }
        )
    console.print(rich_table(rows, title="Teacher and depth-4 students"))
    console.print(
        f"test accuracy: mean ± std over {_DEMO_FOLDS} shuffled stratified folds. agreement: "
        f"{_DEMO_FOLDS} students trained on different folds of 85 % of the rows, mean "
        "pairwise share of equal predictions on the other 15 %. leaves: mean per fold.\n"
    )
    theta_rows = [
        {
            "fold": i + 1,
            "MEMO θ*": r["memo_threshold"],
            "chosen θ": r["threshold"],
            "measured depth": r["depth"],
            "candidates swept": r["swept"],
        }
        for i, r in enumerate(acc)
    ]
    console.print(rich_table(theta_rows, title="CREMBO-robust (the default) per accuracy fold"))
    final = _crembo(_teacher_rf(seed).fit(X, y), seed).fit(X, y)
    console.print(
        f"\n[bold]CREMBO-robust's tree[/bold] fitted on all {X.shape[0]} rows: θ* = "
        f"{final.memo_threshold_:.3f}, chosen θ = {final.threshold_:.3f}, measured depth = "
        f"{final.depth_:.3f}. Each leaf predicts the class most likely allowed"
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


#: CREMBO is the paper's algorithm (as in the experiment tables), CREMBO-robust the default.
_METHODS = ("teacher", "BM", "VT", "CREMBO", "CREMBO-robust")


def _demo_data(name):
    import sklearn.datasets

    if name in _DEMO_SETS:
        bunch = getattr(sklearn.datasets, f"load_{name}")()
        names = [str(c) for c in bunch.target_names]
        return bunch.data, bunch.target, list(bunch.feature_names), names, "scikit-learn"
    try:
        from crembo.datasets import load
    except ModuleNotFoundError:
        raise ValueError(f"dataset: {name!r} is not one of {', '.join(_DEMO_SETS)}.") from None
    data = load(name)
    classes = [str(c) for c in np.unique(data.y)]
    return data.X, data.y, list(data.feature_names), classes, data.source


def _teacher_rf(seed, class_weight=None):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=100, max_depth=12, class_weight=class_weight, random_state=seed, n_jobs=1
    )


def _tree(seed, max_depth=4, class_weight=None):
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(max_depth=max_depth, class_weight=class_weight, random_state=seed)


def _crembo(teacher, seed, student=None, preset="robust"):
    from crembo.estimator import CREMBOClassifier

    student = _tree(seed) if student is None else student
    return CREMBOClassifier(teacher, student, preset=preset, random_state=seed, n_jobs=1)


def _demo_runs(X, y, seed, n_jobs):
    """Fit every method on each accuracy fold and each agreement fold (in parallel)."""
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold, train_test_split

    cv = StratifiedKFold(_DEMO_FOLDS, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # rare classes (arrhythmia) cannot be in every fold; the split still works
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        jobs = [("accuracy", tr, te) for tr, te in cv.split(X, y)]
        rest, test = train_test_split(
            np.arange(y.size), test_size=0.15, stratify=_stratifiable(y), random_state=seed
        )
        jobs += [("agreement", rest[tr], test) for tr, _ in cv.split(X[rest], y[rest])]
    return Parallel(n_jobs=n_jobs)(
        delayed(_demo_fold)(part, X, y, tr, te, seed + i) for i, (part, tr, te) in enumerate(jobs)
    )


def _stratifiable(y):
    """Stratify the test split unless a class has a single row."""
    return y if np.unique(y, return_counts=True)[1].min() >= 2 else None


def _demo_fold(part, X, y, train, test, seed):
    from crembo.estimator import SurrogateClassifier
    from crembo.students.tree import n_leaves

    teacher = _teacher_rf(seed).fit(X[train], y[train])
    models = {
        "teacher": teacher,
        "BM": _tree(seed).fit(X[train], y[train]),
        "VT": SurrogateClassifier(teacher, _tree(seed), random_state=seed).fit(X[train], y[train]),
        "CREMBO": _crembo(teacher, seed, preset="paper").fit(X[train], y[train]),
        "CREMBO-robust": _crembo(teacher, seed).fit(X[train], y[train]),
    }
    pred = {m: est.predict(X[test]) for m, est in models.items()}
    crembo = models["CREMBO-robust"]
    return {
        "part": part,
        "accuracy": {m: float(np.mean(p == y[test])) for m, p in pred.items()},
        "test_pred": pred,
        "leaves": {m: n_leaves(est) for m, est in models.items() if m != "teacher"},
        "memo_threshold": float(crembo.memo_threshold_),
        "threshold": float(crembo.threshold_),
        "depth": float(crembo.depth_),
        "swept": int(len(crembo.sweep_["threshold"])),
    }


def _agreement(preds) -> float:
    """Mean over pairs of students of the share of points where they predict the same."""
    pairs = itertools.combinations(range(len(preds)), 2)
    return float(np.mean([np.mean(preds[i] == preds[j]) for i, j in pairs]))


# ------------------------------------------------------------------------ compress


@app.command()
@_answers_bad_input
def compress(
    data: Path = typer.Option(
        ...,
        "--data",
        metavar="F.csv",
        help="CSV file with a header row; '?' and empty cells are missing.",
    ),
    target: str = typer.Option(
        ..., "--target", metavar="COL", help="Name of the label column in the CSV."
    ),
    teacher: TeacherKind = typer.Option(
        TeacherKind.rf,
        "--teacher",
        help="rf: random forest (100 trees, depth 12); nn: two ReLU layers of 128, epoch "
        "chosen on held-out training rows.",
    ),
    max_depth: int = typer.Option(
        4, "--max-depth", min=1, metavar="INT", help="Depth of the student tree."
    ),
    class_weight: ClassWeightKind = typer.Option(
        ClassWeightKind.none,
        "--class-weight",
        help="balanced: weight classes inversely to their frequency in the forest and the "
        "trees (the paper's setting); none: no weights.",
    ),
    preset: PresetKind = typer.Option(
        PresetKind.robust,
        "--preset",
        help="robust: the remedies measured to help (tie-break by the teacher's belief, "
        "teacher-labelled MUNGE rows, θ chosen by 5-fold cross-validation); paper: the "
        "original algorithm (one 15 % validation split).",
    ),
    seed: int = typer.Option(
        0, "--seed", metavar="INT", help="Seed of the teacher, the split and the student."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        metavar="M.skops",
        help="Model file to write (safe skops format). Default: <data file name>.skops in "
        "the current folder.",
    ),
    report: Path | None = typer.Option(
        None,
        "--report",
        metavar="DIR",
        help="Folder for report.md and its plots (validation score against threshold, depth "
        "profile, the student tree). No report when omitted.",
    ),
):
    """Fit CREMBO on a CSV file, save the model and (optionally) write a report folder.

    Non-numeric feature columns are one-hot encoded; missing values are left to the trees
    (scikit-learn trees handle them) and imputed with column medians for the nn teacher.
    """
    from crembo import persist
    from crembo.belief import belief_from
    from crembo.students.tree import n_leaves

    start = time.perf_counter()
    ds = _load_csv(data, target)
    out = Path(f"{Path(data).stem}.skops") if out is None else out
    _check_writable(out, report)
    t = _make_teacher(teacher.value, class_weight.value, seed, np.isnan(ds.X).any())
    student = _tree(seed, max_depth, None if class_weight is ClassWeightKind.none else "balanced")
    model = _crembo(t, seed, student, preset=preset.value).fit(ds.X, ds.y)
    meta = {
        "feature_names": list(ds.feature_names),
        "target": target,
        "classes": [str(c) for c in model.classes_],
        "data": str(data),
        "teacher": teacher.value,
        "max_depth": max_depth,
        "class_weight": class_weight.value,
        "seed": seed,
    }
    persist.save(model, out, metadata=meta)
    facts = {
        "data": f"{data} ({ds.X.shape[0]} rows, {ds.X.shape[1]} features)",
        "target / classes": f"{target} / {', '.join(meta['classes'])}",
        "teacher": teacher.value,
        "student": f"decision tree, max depth {max_depth}",
        "class weight": class_weight.value,
        "seed": seed,
        "model file": str(out),
    }
    console = _console()
    if report is not None:
        from crembo.report import write_report

        belief = belief_from(model.teacher_, ds.X, kind=model.belief)
        write_report(
            model,
            report,
            X=ds.X,
            belief=belief,
            feature_names=ds.feature_names,
            class_names=meta["classes"],
            facts=facts,
        )
    console.print(
        f"CREMBO on {data}: MEMO θ* = {model.memo_threshold_:.3f}, chosen θ = "
        f"{model.threshold_:.3f}, measured depth = {model.depth_:.3f}, "
        f"{n_leaves(model)} leaves."
    )
    console.print(f"model saved to {out}" + (f"; report in {report}" if report else ""))
    console.print(f"done in {time.perf_counter() - start:.1f} s")


def _load_csv(path, target):
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file {path} does not exist.")
    if not path.is_file():
        raise ValueError(f"data file {path} is not a file.")
    try:
        from crembo.datasets import load_csv
    except ModuleNotFoundError:
        load_csv = _fallback_load_csv
    ds = load_csv(path, target)
    if ds.X.shape[0] < 2:
        raise ValueError(f"data file {path} has {ds.X.shape[0]} data row(s); need more.")
    _refuse_infinity(ds.X, ds.feature_names, path)
    return ds


def _refuse_infinity(X, names, path):
    bad = np.isinf(X)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"data file {path}: column {names[col]!r} holds infinity ({int(bad.sum())} "
            f"value(s), first in data row {row + 1}); remove or replace it."
        )


def _fallback_load_csv(path, target):
    """Numeric-only CSV reading, used until ``crembo.datasets`` is there."""
    from types import SimpleNamespace

    df = _read_csv(path)
    if target not in df.columns:
        raise ValueError(f"target: no column {target!r} in {path}.")
    X, names = _numeric_features(df.drop(columns=[target]), path)
    return SimpleNamespace(X=X, y=df[target].to_numpy(), feature_names=names)


def _read_csv(path):
    import pandas as pd

    try:
        return pd.read_csv(path, na_values=["?", ""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"data file {path} is not a readable CSV file: {exc}") from None


def _numeric_features(df, path):
    import pandas as pd

    bad = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise ValueError(f"data file {path}: column {bad[0]!r} is not numeric.")
    return df.to_numpy(dtype=float), [str(c) for c in df.columns]


def _make_teacher(kind, class_weight, seed, has_missing):
    try:
        from crembo.baselines import make_teacher
    except ModuleNotFoundError:
        make_teacher = None
    if make_teacher is not None:
        teacher = make_teacher(kind, class_weight, seed)
    elif kind == "rf":
        teacher = _teacher_rf(seed, None if class_weight == "none" else class_weight)
    else:
        from sklearn.neural_network import MLPClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        net = MLPClassifier((128, 128), learning_rate_init=0.01, batch_size=32, max_iter=10)
        teacher = make_pipeline(StandardScaler(), net.set_params(random_state=seed))
    if kind == "nn" and has_missing:
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline

        # the net cannot take NaN; the trees (and forest) handle it themselves
        teacher = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), teacher)
    return teacher


def _check_writable(out, report):
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"--out {out} is a folder; give a file name such as model.skops.")
    if not out.parent.exists():
        raise FileNotFoundError(f"--out: folder {out.parent} does not exist.")
    if not out.parent.is_dir():
        raise ValueError(f"--out: {out.parent} is a file, not a folder.")
    if report is not None and Path(report).exists() and not Path(report).is_dir():
        raise ValueError(f"--report {report} exists and is not a folder.")


# ------------------------------------------------------------------------- predict


@app.command()
@_answers_bad_input
def predict(
    model: Path = typer.Option(
        ..., "--model", metavar="M.skops", help="Model file written by `crembo compress`."
    ),
    data: Path = typer.Option(
        ...,
        "--data",
        metavar="F.csv",
        help="CSV file with the model's feature columns (header row); a target column, if "
        "present, is ignored for prediction and used to print the accuracy.",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        metavar="P.csv",
        help="CSV file for the predictions (column 'prediction'); stdout if omitted.",
    ),
    trust: list[str] | None = typer.Option(
        None,
        "--trust",
        metavar="NAME",
        help="Exact name (module.Class or module.function) to load although it is outside "
        "the allow-list of the classes crembo's models contain; repeat for several. Trusting a "
        "function, or a class the file calls, allows the file to run it (a warning says so): "
        "only for files from someone you trust.",
    ),
):
    """Predict the labels of the rows of a CSV file with a saved model."""
    from crembo import persist

    meta = persist.read_metadata(model)
    estimator = persist.load(model, trusted=trust or None)
    data = Path(data)
    if not data.exists():
        raise FileNotFoundError(f"data file {data} does not exist.")
    df = _read_csv(data)
    target = meta.get("target")
    X = _features_for(df.drop(columns=[target]) if target in df.columns else df, meta, data)
    _refuse_infinity(X, meta.get("feature_names") or list(df.columns), data)
    pred = estimator.predict(X)
    import pandas as pd

    frame = pd.DataFrame({"prediction": pred})
    if out is None:
        frame.to_csv(sys.stdout, index=False)
    else:
        from crembo.persist import atomic_path

        if Path(out).is_dir():
            raise ValueError(f"--out {out} is a folder; give a file name such as predictions.csv.")
        with atomic_path(out) as tmp:
            frame.to_csv(tmp, index=False)
    if target in df.columns:
        truth = df[target].to_numpy()
        known = ~pd.isna(truth)
        acc = np.mean(np.asarray(pred[known]).astype(str) == truth[known].astype(str))
        typer.echo(f"accuracy against column {target!r}: {acc:.3f} ({known.sum()} rows)", err=True)


def _features_for(df, meta, path):
    """The model's feature matrix from a CSV frame, one-hot encoding as at training time."""
    import pandas as pd

    names = meta.get("feature_names")
    if not names:
        X, _ = _numeric_features(df, path)
        return X
    from crembo.datasets import _encode_features

    categorical = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    # the training-time encoding (per column: a numeric "c_x" is not one of c's indicators)
    values, columns = _encode_features(df)
    encoded = pd.DataFrame(values, columns=columns)
    missing = [n for n in names if n not in encoded.columns]
    # a category absent from this file is an indicator column of zeros, not a missing column
    dummies = [n for n in missing if any(n.startswith(f"{c}_") for c in categorical)]
    absent = [n for n in missing if n not in dummies]
    if absent:
        shown = ", ".join(absent[:5]) + (" …" if len(absent) > 5 else "")
        raise ValueError(f"data file {path} lacks the model's feature column(s): {shown}.")
    for n in dummies:
        encoded[n] = 0.0
    return encoded[names].to_numpy(dtype=float)


# ------------------------------------------------------- experiment and datasets

try:
    from crembo.experiments.cli import datasets_command, experiment_app
except ModuleNotFoundError as exc:  # written in parallel; the rest works without it
    if exc.name not in ("crembo.experiments.cli", "crembo.experiments", "crembo.datasets"):
        raise
else:
    app.add_typer(experiment_app, name="experiment")
    app.command("datasets")(datasets_command)


if __name__ == "__main__":  # pragma: no cover
    app()

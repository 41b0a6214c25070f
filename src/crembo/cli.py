"""The ``crembo`` command: demo, compress, predict (plus experiment and datasets).

Every command answers bad input with one line on stderr and a non-zero exit code; files are
written to a temporary name and renamed, so nothing is left half-written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import itertools
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from typer.core import TyperGroup

from crembo.choices import ClassWeightKind, PresetKind, TeacherKind


class _OneLineErrors(TyperGroup):
    """Usage errors (an unknown choice, a missing option) as one ``error:`` line, exit code 1.

    Click prints usage lines and exits with 2; the README promises one line and code 1 for
    every bad input, so both parsing (``make_context``) and running (``invoke``) are wrapped.
    """

    def make_context(self, *args, **kwargs):
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with _one_line_usage_errors():
            return super().invoke(ctx)


@contextlib.contextmanager
def _one_line_usage_errors():
    try:
        yield
    except typer.TyperException as exc:  # click's errors (typer vendors click)
        if type(exc).__name__ == "NoArgsIsHelpError":
            raise  # `crembo` alone prints the help
        message = " ".join(exc.format_message().split())
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        typer.echo(f"error: {message}{hint}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


app = typer.Typer(
    name="crembo",
    cls=_OneLineErrors,
    help="Robust model compression with deep hypotheses (MEMO and CREMBO).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

#: Exit code of a command refused because of its input (and of a usage error).
EXIT_BAD_INPUT = 1


def _console() -> Console:
    # built per call: the test runner swaps sys.stdout
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def _answers_bad_input(command):
    """Turn the errors bad input raises into one line on stderr and exit code 1.

    Warnings become one ``warning: ...`` line each; a closed output pipe (``| head``) ends
    the command quietly with exit code 0.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            with _warnings_as_lines():
                return command(*args, **kwargs)
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(0) from None
        except (ValueError, TypeError, OSError) as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper


@contextlib.contextmanager
def _warnings_as_lines():
    def show(message, category, filename, lineno, file=None, line=None):
        typer.echo(f"warning: {' '.join(str(message).split())}", err=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _silence_stdout():
    """Point stdout at /dev/null, so that flushing it at exit raises nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a real file (the test runner's): nothing will be flushed to a pipe


def _rewarn(messages):
    """Warnings recorded in parallel workers, shown once each in this process."""
    for message in dict.fromkeys(messages):
        warnings.warn(message, UserWarning, stacklevel=2)


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
    runs = _demo_runs(X, y, seed, n_jobs, folds)
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


def _demo_runs(X, y, seed, n_jobs, folds=_DEMO_FOLDS):
    """Fit every method on each accuracy fold and each agreement fold (in parallel)."""
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold, train_test_split

    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
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

#: Folds of compress's cross-validated evaluation; their students give the stability estimate.
_COMPRESS_FOLDS = 5


def _names_option(values) -> list[str]:
    """``--drop a,b --drop c``: the column names ``["a", "b", "c"]``."""
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


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
        0, "--seed", metavar="INT", help="Seed of the teacher, the folds and the student."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        metavar="M.skops",
        help="Model file to write (safe skops format). Default: <data file name>.skops in "
        "the current folder.",
    ),
    student_only: bool = typer.Option(
        False,
        "--student-only",
        help="Write the student alone (a plain scikit-learn decision tree, a few KB) instead "
        "of the full model with its teacher (often MBs). Both predict the same.",
    ),
    report: Path | None = typer.Option(
        None,
        "--report",
        metavar="DIR",
        help="Folder for report.md and its plots (validation score against threshold, depth "
        "profile, the student tree), with the evaluation printed here. No report when omitted.",
    ),
    folds: int = typer.Option(
        _COMPRESS_FOLDS,
        "--folds",
        min=0,
        metavar="K",
        help="Stratified folds of the cross-validated accuracy of the student, the teacher, "
        "a plain tree and the majority class; their K students give the stability estimate. "
        "0: no evaluation (fit and save only).",
    ),
    drop: list[str] | None = typer.Option(
        None, "--drop", metavar="COL[,COL]", help="Columns left out of the features."
    ),
    features: list[str] | None = typer.Option(
        None,
        "--features",
        metavar="COL[,COL]",
        help="The only columns used as features (default: all but the target and --drop).",
    ),
    keep: list[str] | None = typer.Option(
        None,
        "--keep",
        metavar="COL[,COL]",
        help="Columns kept although they look like row identifiers (a different text in "
        "every row, or consecutive integers such as rownames); those are left out with a "
        "warning otherwise.",
    ),
    sep: str = typer.Option(",", "--sep", metavar="CHAR", help="Field separator of the CSV."),
    encoding: str = typer.Option(
        "utf-8", "--encoding", metavar="NAME", help="Text encoding of the CSV (latin-1, ...)."
    ),
    n_jobs: int = typer.Option(
        -1,
        "--n-jobs",
        metavar="N",
        help="Cores for the fits (joblib): the model and the folds run in parallel; -1 "
        "(default) uses every core, 1 none. The results do not depend on it.",
    ),
    progress: bool = typer.Option(
        True, "--progress/--no-progress", help="Progress bars on stderr (a terminal only)."
    ),
):
    """Fit CREMBO on a CSV file, evaluate it, save the model and (optionally) write a report.

    Prints the cross-validated accuracy of the student, the teacher, a plain tree of the same
    depth and the majority class (the same folds for all), the student's agreement with the
    teacher on held-out rows, its stability (the fold students' agreement, and how often each
    split of the tree recurs among them) and its rules. Non-numeric feature columns are
    one-hot encoded (columns ``col=value``); missing values are left to the trees and imputed
    with column medians for the nn teacher.
    """
    from crembo.report import print_evaluation, rules_text
    from crembo.students.tree import n_leaves

    start = time.perf_counter()
    if folds == 1:
        raise ValueError("--folds: one fold cannot cross-validate; give 0 (none) or at least 2.")
    ds = _load_csv(
        data,
        target,
        sep=sep,
        encoding=encoding,
        drop=_names_option(drop),
        features=None if features is None else _names_option(features),
        keep=_names_option(keep),
    )
    out = Path(f"{Path(data).stem}.skops") if out is None else out
    _check_writable(out, report)
    spec = _FitSpec(
        teacher.value,
        class_weight.value,
        seed,
        max_depth,
        preset.value,
        bool(np.isnan(ds.X).any()),
    )
    with _progress_bars(progress) as bars:
        model, evaluation = _fit_and_evaluate(
            ds.X, ds.y, spec, folds, n_jobs, bars, ds.feature_names
        )
        classes = [str(c) for c in model.classes_]
        meta = {
            "feature_names": list(ds.feature_names),
            # the CSV columns and, per one-hot encoded column, its values: predict encodes
            # new rows with these (see crembo.datasets.encode_like)
            "columns": list(ds.columns),
            "categories": {c: list(v) for c, v in ds.categories.items()},
            "target": target,
            "classes": classes,
            "data": str(data),
            "sep": sep,
            "encoding": encoding,
            "teacher": teacher.value,
            "max_depth": max_depth,
            "class_weight": class_weight.value,
            "preset": preset.value,
            "seed": seed,
            "student_only": student_only,
        }
        task = bars.add_task("saving the model", total=None)
        sizes = _save_model(model, out, meta, student_only)
        bars.remove_task(task)
        facts = {
            "data": f"{data} ({ds.X.shape[0]} rows, {ds.X.shape[1]} features)",
            "target / classes": f"{target} / {', '.join(classes)}",
            "teacher": teacher.value,
            "student": f"decision tree, max depth {max_depth}",
            "preset / class weight": f"{preset.value} / {class_weight.value}",
            "seed": seed,
            "model file": f"{out} ({_size_note(sizes, student_only)})",
        }
        if report is not None:
            task = bars.add_task("writing the report", total=None)
            _write_compress_report(model, report, ds, classes, facts, evaluation)
            bars.remove_task(task)
    console = _console()
    console.print(
        f"CREMBO on {data} ({ds.X.shape[0]} rows, {ds.X.shape[1]} features, {len(classes)} "
        f"classes): MEMO θ* = {model.memo_threshold_:.3f}, chosen θ = {model.threshold_:.3f}, "
        f"measured depth = {model.depth_:.3f}, {n_leaves(model)} leaves."
    )
    print_evaluation(console, evaluation)
    console.print("\n[bold]The student's rules[/bold] (fitted on all rows):")
    rules = rules_text(model, ds.feature_names, classes, X=ds.X, y=ds.y)
    console.print(rules, markup=False, soft_wrap=True)
    console.print(
        f"\nmodel saved to {out} ({_size_note(sizes, student_only)})"
        + (f"; report in {report}" if report else "")
    )
    console.print(f"done in {time.perf_counter() - start:.1f} s")


def _size_note(sizes, student_only) -> str:
    from crembo.report import format_size

    if student_only:
        return f"student only, {format_size(sizes['student'])}; no teacher"
    note = f"{format_size(sizes['full'])} with the teacher"
    if sizes.get("student") is not None:
        note += f"; --student-only writes {format_size(sizes['student'])}"
    return note


def _save_model(model, out, meta, student_only) -> dict:
    """Save the full model or the student alone; the sizes of both where cheap to know."""
    import tempfile

    from crembo import persist

    try:
        from crembo.students.export import student_only as extract

        student = extract(model)
    except (ImportError, TypeError):  # not a tree student: no student-only form
        if student_only:
            raise ValueError("--student-only: this student has no plain-tree form.") from None
        student = None
    persist.save(student if student_only else model, out, metadata=meta)
    sizes = {("student" if student_only else "full"): Path(out).stat().st_size}
    if not student_only and student is not None:
        with tempfile.TemporaryDirectory() as tmp:  # a few KB: measured, not guessed
            persist.save(student, Path(tmp) / "s.skops", metadata=meta)
            sizes["student"] = (Path(tmp) / "s.skops").stat().st_size
    return sizes


def _write_compress_report(model, report, ds, classes, facts, evaluation):
    from crembo.belief import belief_from
    from crembo.report import write_report

    belief = belief_from(model.teacher_, ds.X, kind=model.belief)
    write_report(
        model,
        report,
        X=ds.X,
        belief=belief,
        feature_names=ds.feature_names,
        class_names=classes,
        facts=facts,
        evaluation=evaluation,
        y=ds.y,
    )


@contextlib.contextmanager
def _progress_bars(enabled):
    """rich progress bars on stderr; shown on a terminal only, and gone when done."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        transient=True,
        disable=not enabled,
    )
    with bars:
        yield bars


@dataclasses.dataclass(frozen=True)
class _FitSpec:
    """What compress fits, the same for the final model and every fold."""

    teacher: str
    class_weight: str
    seed: int
    max_depth: int
    preset: str
    has_missing: bool

    def model(self, n_jobs):
        weight = None if self.class_weight == "none" else "balanced"
        teacher = _make_teacher(self.teacher, self.class_weight, self.seed, self.has_missing)
        if "n_jobs" in teacher.get_params(deep=False):
            teacher.set_params(n_jobs=n_jobs)
        student = _tree(self.seed, self.max_depth, weight)
        return _crembo(teacher, self.seed, student, preset=self.preset).set_params(n_jobs=n_jobs)

    def plain_tree(self):
        return _tree(self.seed, self.max_depth, None if self.class_weight == "none" else "balanced")


def _fit_and_evaluate(X, y, spec, folds, n_jobs, bars, feature_names=None):
    """The model on all rows and, in parallel with it, the cross-validation folds.

    The fold students are also the resampled students of the stability estimate (each
    fitted on (K-1)/K of the rows), so that the estimate costs no fits of its own.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    splits, note = _cv_splits(y, folds, spec.seed)
    jobs = [(None, None), *splits]
    cores = effective_n_jobs(n_jobs)
    inner = max(1, cores // len(jobs))  # cores left over go to each fit's own parallelism
    what = f"fitting the model and {len(splits)} cross-validation folds" if splits else "fitting"
    task = bars.add_task(what, total=len(jobs))
    results = [None] * len(jobs)
    run = Parallel(n_jobs=min(cores, len(jobs)), return_as="generator_unordered")
    for i, result in run(
        delayed(_compress_job)(i, X, y, train, test, spec, inner)
        for i, (train, test) in enumerate(jobs)
    ):
        results[i] = result
        bars.advance(task)
    bars.remove_task(task)
    final = results[0]
    _rewarn(final["warnings"])
    evaluation = None
    if splits:
        from crembo.report import evaluate_folds

        evaluation = evaluate_folds(
            final["model"], results[1:], X, _method_names(spec), feature_names
        )
    elif note:
        evaluation = {"note": note}
    return final["model"], evaluation


def _method_names(spec) -> dict:
    """Names of the evaluated methods, as printed."""
    return {
        "student": f"CREMBO student (depth {spec.max_depth})",
        "teacher": f"teacher ({spec.teacher})",
        "tree": f"plain tree (depth {spec.max_depth})",
        "majority": "majority class",
    }


def _cv_splits(y, folds, seed):
    """Stratified folds, or none and why (too few rows)."""
    from sklearn.model_selection import StratifiedKFold

    if folds == 0:
        return [], ""
    counts = np.unique(y, return_counts=True)[1]
    if counts.size < 2:
        return [], ""  # the model's own fit says what is wrong
    if y.size < 2 * folds or np.sort(counts)[-2] < 2:
        return [], f"no cross-validation: {y.size} rows are too few for {folds} folds."
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        return list(cv.split(np.zeros((y.size, 1)), y)), ""


def _compress_job(index, X, y, train, test, spec, n_jobs):
    """One fit: the final model (``train`` None) or a fold with its baselines, scored."""
    from sklearn.dummy import DummyClassifier

    from crembo.report import tree_splits

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        if train is None:
            model = spec.model(n_jobs).fit(X, y)
            # the user's warnings (UserWarning and its kin), not the libraries' deprecations
            shown = [w for w in caught if issubclass(w.category, UserWarning)]
            return index, {"model": model, "warnings": [str(w.message) for w in shown]}
        try:
            model = spec.model(n_jobs).fit(X[train], y[train])
        except ValueError as exc:  # a fold without two classes, ...: the rest still count
            return index, {"error": f"fold {index}: {' '.join(str(exc).split())}"}
        tree = spec.plain_tree().fit(X[train], y[train])
        majority = DummyClassifier(strategy="most_frequent").fit(X[train], y[train])
        truth = y[test]
        pred = model.predict(X[test])
        teacher_pred = np.asarray(model.teacher_.predict(X[test]))

    return index, {
        "accuracy": {
            "student": float(np.mean(pred == truth)),
            "teacher": float(np.mean(teacher_pred == truth)),
            "tree": float(np.mean(tree.predict(X[test]) == truth)),
            "majority": float(np.mean(majority.predict(X[test]) == truth)),
        },
        "agreement": float(np.mean(pred == teacher_pred)),
        "all_pred": model.predict(X),
        "splits": tree_splits(model),
        "train_share": len(train) / len(y),
    }


def _load_csv(path, target, **options):
    from crembo.datasets import load_csv

    path = Path(path)
    if path.exists() and not path.is_file():
        raise ValueError(f"data file {path} is not a file.")
    ds = load_csv(path, target, **options)
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


def _make_teacher(kind, class_weight, seed, has_missing):
    from crembo.baselines import make_teacher

    teacher = make_teacher(kind, class_weight, seed)
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
    proba: bool = typer.Option(
        False,
        "--proba",
        help="Also write one probability column per class, 'proba_<class>' (the model's "
        "predict_proba; each row sums to 1).",
    ),
    id_column: str | None = typer.Option(
        None,
        "--id",
        metavar="COL",
        help="Column of the data file copied to the output as its first column.",
    ),
    sep: str | None = typer.Option(
        None, "--sep", metavar="CHAR", help="Field separator (default: the training file's)."
    ),
    encoding: str | None = typer.Option(
        None,
        "--encoding",
        metavar="NAME",
        help="Text encoding of the CSV (default: the training file's, else utf-8).",
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
    """Predict the labels (and with --proba the class probabilities) of a CSV file's rows.

    Values of a one-hot encoded column that the training file did not have are warned about
    (per column, on stderr) and read as none of the known values.
    """
    import pandas as pd

    from crembo import persist
    from crembo.datasets import encode_like, read_csv_frame

    meta = persist.read_metadata(model)
    estimator = persist.load(model, trusted=trust or None)
    categories = meta.get("categories") or {}
    df = read_csv_frame(
        data,
        sep=sep or meta.get("sep") or ",",
        encoding=encoding or meta.get("encoding"),
        dtype={c: str for c in categories} or None,  # values compared as written
    )
    if len(df) == 0:
        raise ValueError(f"data file {data} has a header but 0 data rows.")
    if id_column is not None and id_column not in df.columns:
        raise ValueError(
            f"--id: no column {id_column!r} in {data}; columns: {', '.join(map(str, df.columns))}."
        )
    target = meta.get("target")
    # files written before the encoding was stored: the feature names are numeric columns
    columns = meta.get("columns") or meta.get("feature_names")
    if not columns:
        columns = [c for c in df.columns if c != target]
    X, _ = encode_like(df, columns, categories, path=data)
    _refuse_infinity(X, meta.get("feature_names") or columns, data)
    pred = estimator.predict(X)
    frame = pd.DataFrame({"prediction": pred})
    if id_column is not None:
        frame.insert(0, id_column, df[id_column].to_numpy())
    if proba:
        if not hasattr(estimator, "predict_proba"):
            raise ValueError(f"--proba: the model in {model} gives no probabilities.")
        P = estimator.predict_proba(X)
        classes = getattr(estimator, "classes_", meta.get("classes"))
        for k, c in enumerate(classes):
            frame[f"proba_{c}"] = P[:, k]
    if out is None:
        frame.to_csv(sys.stdout, index=False)
        sys.stdout.flush()  # a closed pipe shows here, inside the command, not at exit
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

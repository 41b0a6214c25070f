"""``crembo compress``: fit CREMBO on a CSV file, evaluate it, save the model, report."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
import warnings
from pathlib import Path

import typer

from crembo.choices import ClassWeightKind, PresetKind, TeacherKind
from crembo.cli import output
from crembo.cli.errors import recorded_warnings, rewarn

#: Folds of compress's cross-validated evaluation; their students give the stability estimate.
_COMPRESS_FOLDS = 5


def _names_option(values) -> list[str]:
    """``--drop a,b --drop c``: the column names ``["a", "b", "c"]``."""
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


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
        help="Folder for report.md, report.html (the same, one self-contained page) and its plots (validation score against threshold, depth "
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
    import numpy as np

    from crembo._escape import terminal, visible
    from crembo.evaluation import print_evaluation
    from crembo.stability import stability_note
    from crembo.students.tree import rules, tree_leaves

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
    console = output.console()
    console.print(
        f"CREMBO on {terminal(data)} ({ds.X.shape[0]} rows, {ds.X.shape[1]} features, "
        f"{len(classes)} classes): MEMO θ* = {model.memo_threshold_:.3f}, chosen θ = {model.threshold_:.3f}, "
        f"measured depth = {model.depth_:.3f}, {tree_leaves(model)} leaves; "
        + stability_note(model)
        + "."
    )
    print_evaluation(console, evaluation)
    console.print("\n[bold]The student's rules[/bold] (fitted on all rows):")
    shown = ([visible(n) for n in ds.feature_names], [visible(c) for c in classes])
    text = rules(model, *shown, X=ds.X, y=ds.y)
    console.print(text, markup=False, soft_wrap=True)
    console.print(
        f"\nmodel saved to {terminal(out)} ({_size_note(sizes, student_only)})"
        + (f"; report in {terminal(report)}" if report else "")
    )
    console.print(f"done in {time.perf_counter() - start:.1f} s")


def _size_note(sizes, student_only) -> str:
    from crembo.tables import format_size

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
    from rich.console import Console
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
        from crembo.estimator import CREMBOClassifier

        teacher = _make_teacher(self.teacher, self.class_weight, self.seed, self.has_missing)
        if "n_jobs" in teacher.get_params(deep=False):
            teacher.set_params(n_jobs=n_jobs)
        return CREMBOClassifier(
            teacher, self.plain_tree(), preset=self.preset, random_state=self.seed, n_jobs=n_jobs
        )

    def plain_tree(self):
        """The student tree (unfitted), also the plain-tree baseline of the folds."""
        from sklearn.tree import DecisionTreeClassifier

        weight = None if self.class_weight == "none" else "balanced"
        return DecisionTreeClassifier(
            max_depth=self.max_depth, class_weight=weight, random_state=self.seed
        )


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
    rewarn(final["warnings"])
    evaluation = None
    if splits:
        from crembo.evaluation import evaluate_folds

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
    import numpy as np
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
    import numpy as np
    from sklearn.dummy import DummyClassifier

    from crembo.evaluation import tree_splits

    if train is None:
        with recorded_warnings() as shown:
            model = spec.model(n_jobs).fit(X, y)
        return index, {"model": model, "warnings": shown}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the folds repeat the final model's warnings
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
    from crembo.csv_files import load_csv

    path = Path(path)
    if path.exists() and not path.is_file():
        raise ValueError(f"data file {path} is not a file.")
    ds = load_csv(path, target, **options)
    if ds.X.shape[0] < 2:
        raise ValueError(f"data file {path} has {ds.X.shape[0]} data row(s); need more.")
    refuse_infinity(ds.X, ds.feature_names, path)
    return ds


def refuse_infinity(X, names, path):
    """Refuse a feature matrix holding infinity (also predict's check), naming the column."""
    import numpy as np

    bad = np.isinf(X)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"data file {path}: column {names[col]!r} holds infinity ({int(bad.sum())} "
            f"value(s), first in data row {row + 1}); remove or replace it."
        )


def _make_teacher(kind, class_weight, seed, has_missing):
    from crembo.teachers import make_teacher

    teacher = make_teacher(kind, class_weight, seed)
    if kind == "nn" and has_missing:
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline

        # the net cannot take NaN; the trees (and forest) handle it themselves
        teacher = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), teacher)
    return teacher


def _check_writable(out, report):
    from crembo._io import check_destination

    out = Path(out)
    if out.is_dir():
        raise ValueError(f"--out {out} is a folder; give a file name such as model.skops.")
    if not out.parent.exists():
        raise FileNotFoundError(f"--out: folder {out.parent} does not exist.")
    check_destination(out, "--out")  # before the fit: no symbolic link, FIFO or device
    if report is not None and Path(report).exists() and not Path(report).is_dir():
        raise ValueError(f"--report {report} exists and is not a folder.")

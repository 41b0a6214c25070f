"""``crembo compress``: fit CREMBO on a CSV file, evaluate it, save the model, report.

Why one file of more than 500 lines: it is the whole command (its options, the fold jobs it
runs in parallel, the teacher it reads or builds, what it prints and writes); what it calls is
in :mod:`crembo.evaluation`, :mod:`crembo.report`, :mod:`crembo.persist` and
:mod:`crembo.teacher_files`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
import warnings
from pathlib import Path

import typer

from crembo.choices import COMPRESS_TEACHERS, ClassWeightKind, PresetKind
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
    teacher: str = typer.Option(
        "rf",
        "--teacher",
        metavar="NAME|FILE",
        help="A teacher fitted here: rf: random forest (100 trees, depth 12); et: extra trees "
        "(the same); hgb: histogram gradient boosting; lgbm: LightGBM; xgb: XGBoost (100 "
        "trees each, scikit-learn's or the library's defaults otherwise); nn: two ReLU layers "
        "of 128, epoch chosen on held-out training rows. Or your fitted model's file, read "
        "by its own library, never unpickled: .skops (scikit-learn; see --trust), .txt "
        "(LightGBM), .json/.ubj (XGBoost), .cbm (CatBoost), .onnx (onnxruntime). A file's "
        "features are matched to the data's columns by name (by count when it names none), "
        "its classes to the target's (by label; a booster's k-th output is the k-th class in "
        "sorted order).",
    ),
    belief: Path | None = typer.Option(
        None,
        "--belief",
        metavar="B.csv",
        help="Instead of a teacher: the class probabilities (or votes) of any model for the "
        "rows of --data, one column per class named by its label or proba_<label> (the output "
        "of `crembo predict --proba` is one); rows in the data's order, or matched by --id.",
    ),
    id_column: str | None = typer.Option(
        None,
        "--id",
        metavar="COL",
        help="Column of both --data and --belief that matches their rows (not a feature).",
    ),
    weight: str | None = typer.Option(
        None,
        "--weight",
        metavar="COL",
        help="Column of row weights (numbers >= 0; not a feature). Every fit takes them (the "
        "teacher fitted here, the student, the plain tree, the majority class) and every "
        "accuracy and agreement is weighted: a row of weight k counts as k copies of it.",
    ),
    trust: list[str] | None = typer.Option(
        None,
        "--trust",
        metavar="NAME",
        help="For a .skops teacher: an exact type name (module.Class) to load although it is "
        "outside the allow-list; repeat for several (as for `crembo predict`). Only for files "
        "from someone you trust.",
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
        help="Folder for report.md, report.html (the same, one self-contained page) and its "
        "plots (validation score against threshold, depth "
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
    source = _TeacherSource.parse(teacher, belief, id_column)
    ds = _load_csv(
        data,
        target,
        sep=sep,
        encoding=encoding,
        drop=_names_option(drop) + [c for c in (id_column, weight) if c],
        features=None if features is None else _names_option(features),
        keep=_names_option(keep),
    )
    out = Path(f"{Path(data).stem}.skops") if out is None else out
    _check_writable(out, report)
    spec = _FitSpec(
        source.name,
        class_weight.value,
        seed,
        max_depth,
        preset.value,
        bool(np.isnan(ds.X).any()),
        *source.load(ds, data, sep=sep, encoding=encoding, trusted=trust),
        weight=None if weight is None else _read_weight(data, weight, sep=sep, encoding=encoding),
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
            "teacher": source.name,
            "teacher_stored": spec.stores_teacher,
            "weight": weight,
            "max_depth": max_depth,
            "class_weight": class_weight.value,
            "preset": preset.value,
            "seed": seed,
            "student_only": student_only,
        }
        task = bars.add_task("saving the model", total=None)
        sizes = _save_model(model, out, meta, student_only, spec.stores_teacher)
        bars.remove_task(task)
        facts = {
            "data": f"{data} ({ds.X.shape[0]} rows, {ds.X.shape[1]} features)",
            "target / classes": f"{target} / {', '.join(classes)}",
            "teacher": source.label,
            "student": f"decision tree, max depth {max_depth}",
            "preset / class weight": f"{preset.value} / {class_weight.value}",
            "seed": seed,
            "model file": f"{out} ({_size_note(sizes, student_only)})",
        }
        if report is not None:
            task = bars.add_task("writing the report", total=None)
            _write_compress_report(model, report, ds, classes, facts, evaluation, spec.belief)
            bars.remove_task(task)
    console = output.console()
    console.print(
        f"CREMBO on {terminal(data)} ({ds.X.shape[0]} rows, {ds.X.shape[1]} features, "
        f"{len(classes)} classes): MEMO θ* = {model.memo_threshold_:.3f}, "
        f"chosen θ = {model.threshold_:.3f}, "
        f"measured depth = {model.depth_:.3f}, {tree_leaves(model)} leaves; "
        + stability_note(model)
        + "."
    )
    print_evaluation(console, evaluation)
    if weight is not None and evaluation and "accuracy" in evaluation:
        console.print(f"(accuracies and agreements above weighted by --weight {terminal(weight)})")
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
    if not sizes.get("teacher_stored", True):
        note = f"{format_size(sizes['full'])}, without the teacher (its types are not stored)"
    if sizes.get("student") is not None:
        note += f"; --student-only writes {format_size(sizes['student'])}"
    return note


def _save_model(model, out, meta, student_only, keep_teacher=True) -> dict:
    """Save the full model or the student alone; the sizes of both where cheap to know.

    A teacher whose types crembo's loader does not build (boosters, a teacher read from a
    file) is left out of the full model: it predicts with its student all the same.
    """
    import copy
    import tempfile

    from crembo import persist

    if not keep_teacher:
        model = copy.copy(model)
        model.teacher, model.teacher_ = None, None

    try:
        from crembo.students.export import student_only as extract

        student = extract(model)
    except (ImportError, TypeError):  # not a tree student: no student-only form
        if student_only:
            raise ValueError("--student-only: this student has no plain-tree form.") from None
        student = None
    persist.save(student if student_only else model, out, metadata=meta)
    sizes = {("student" if student_only else "full"): Path(out).stat().st_size}
    sizes["teacher_stored"] = keep_teacher
    if not student_only and student is not None:
        with tempfile.TemporaryDirectory() as tmp:  # a few KB: measured, not guessed
            persist.save(student, Path(tmp) / "s.skops", metadata=meta)
            sizes["student"] = (Path(tmp) / "s.skops").stat().st_size
    return sizes


def _write_compress_report(model, report, ds, classes, facts, evaluation, belief=None):
    from crembo.belief import belief_from
    from crembo.report import write_report

    if belief is None:
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
    #: a fitted teacher read from a file (used as it is in every fold), or None
    fitted_teacher: object = None
    #: the belief of every data row read from a file (no teacher), or None
    belief: object = None
    #: every data row's weight (--weight), or None
    weight: object = None

    @property
    def stores_teacher(self) -> bool:
        """Whether the model file can hold the teacher (types crembo's loader builds)."""
        return self.fitted_teacher is None and self.belief is None and self.teacher in STORED

    def fit(self, model, X, y, rows=None):
        """Fit ``model`` on the rows (all when None), with their belief where one was read."""
        if rows is None:
            rows = slice(None)
        given = {} if self.belief is None else {"belief": self.belief[rows]}
        return model.fit(X[rows], y[rows], sample_weight=self.weights(rows), **given)

    def weights(self, rows):
        """The rows' weights, or None without --weight."""
        return None if self.weight is None else self.weight[rows]

    def teacher_predict(self, model, X, rows):
        """The teacher's labels at the rows (the belief's likeliest class with a belief)."""
        import numpy as np

        if self.belief is not None:
            return model.classes_[self.belief[rows].argmax(axis=1)]
        return np.asarray(model.teacher_.predict(X[rows]))

    def model(self, n_jobs):
        from crembo.estimator import CREMBOClassifier

        if self.fitted_teacher is not None or self.belief is not None:
            teacher = self.fitted_teacher
        else:
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
        "teacher": f"teacher ({spec.teacher}{_NOT_REFITTED if spec.fitted_teacher else ''})",
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
            model = spec.fit(spec.model(n_jobs), X, y)
        return index, {"model": model, "warnings": shown}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the folds repeat the final model's warnings
        try:
            model = spec.fit(spec.model(n_jobs), X, y, train)
        except ValueError as exc:  # a fold without two classes, ...: the rest still count
            return index, {"error": f"fold {index}: {' '.join(str(exc).split())}"}
        w = spec.weights(train)
        tree = spec.plain_tree().fit(X[train], y[train], sample_weight=w)
        majority = DummyClassifier(strategy="most_frequent")
        majority.fit(X[train], y[train], sample_weight=w)
        truth = y[test]
        pred = model.predict(X[test])
        teacher_pred = spec.teacher_predict(model, X, test)

    def share(same):  # of the held-out rows (weighted with --weight)
        return float(np.average(same, weights=spec.weights(test)))

    return index, {
        "accuracy": {
            "student": share(pred == truth),
            "teacher": share(teacher_pred == truth),
            "tree": share(tree.predict(X[test]) == truth),
            "majority": share(majority.predict(X[test]) == truth),
        },
        "agreement": share(pred == teacher_pred),
        "all_pred": model.predict(X),
        "splits": tree_splits(model),
        "train_share": len(train) / len(y),
    }


#: Built-in teachers whose fitted types crembo's model files hold (persist's allow-list).
STORED = ("rf", "et", "nn")
#: Said of a teacher read from a file in the evaluation: it was fitted elsewhere, maybe on
#: the very rows it is scored on.
_NOT_REFITTED = ", fitted elsewhere: not refitted per fold"


@dataclasses.dataclass(frozen=True)
class _TeacherSource:
    """Where the teacher comes from: a built-in name, a model file, or a belief file."""

    name: str
    file: Path | None = None
    belief: Path | None = None
    id_column: str | None = None

    @classmethod
    def parse(cls, teacher, belief, id_column):
        if id_column is not None and belief is None:
            raise ValueError("--id matches the rows of a --belief file; give --belief too.")
        if belief is not None:
            if teacher != "rf":
                raise ValueError(f"--belief replaces the teacher; drop --teacher {teacher}.")
            return cls("belief file", belief=Path(belief), id_column=id_column)
        if teacher in COMPRESS_TEACHERS:
            return cls(teacher)
        from crembo.teacher_files import TEACHER_SUFFIXES

        path = Path(teacher)
        if path.suffix.lower() not in TEACHER_SUFFIXES and not path.exists():
            raise ValueError(
                f"--teacher {teacher!r}: neither a built-in teacher ({', '.join(COMPRESS_TEACHERS)}"
                f") nor a model file ({', '.join(TEACHER_SUFFIXES)})."
            )
        return cls(path.name, file=path)

    @property
    def label(self) -> str:
        if self.belief is not None:
            return f"the belief in {self.belief}"
        return f"{self.file} (fitted elsewhere)" if self.file is not None else self.name

    def load(self, ds, data, *, sep, encoding, trusted):
        """``(fitted teacher, belief)``: what the file gives (both None for a built-in)."""
        from crembo import teacher_files

        if self.file is not None:
            return teacher_files.load_teacher(
                self.file, ds.feature_names, ds.y, trusted=trusted
            ), None
        if self.belief is None:
            return None, None
        import numpy as np

        ids = None
        if self.id_column is not None:
            ids = _data_column(data, self.id_column, sep=sep, encoding=encoding, dtype=str)
        classes = np.unique(ds.y)
        belief = teacher_files.load_belief(
            self.belief, classes, ds.X.shape[0], ids=ids, id_column=self.id_column
        )
        return None, belief


def _data_column(data, column, *, sep, encoding, dtype=None):
    """One column of the data file, as read for the features (the same rows)."""
    import pandas as pd

    from crembo.csv_files import NA_VALUES

    frame = pd.read_csv(
        data, sep=sep, encoding=encoding, usecols=[column], dtype=dtype, na_values=list(NA_VALUES)
    )
    return frame[column].to_numpy()


def _read_weight(data, column, *, sep, encoding):
    """The ``--weight`` column: finite non-negative numbers, not all zero."""
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(
        pd.Series(_data_column(data, column, sep=sep, encoding=encoding)), errors="coerce"
    ).to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"--weight {column}: {int(bad.sum())} value(s) that are not finite numbers >= 0 "
            f"(first in data row {row + 1}); expected a weight for every row."
        )
    if not values.sum() > 0:
        raise ValueError(f"--weight {column}: every weight is 0; expected some positive.")
    return values


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
    if report is not None and Path(report).is_dir():
        from crembo import report as files
        from crembo.report_html import HTML_REPORT

        # before the fit, not after the model is saved: the report's files are regular too
        for name in (
            files.REPORT,
            HTML_REPORT,
            files.SWEEP_PLOT,
            files.DEPTH_PLOT,
            files.TREE_PLOT,
        ):
            check_destination(Path(report) / name, "--report")

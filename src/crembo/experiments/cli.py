"""``crembo experiment generalization|robustness`` and ``crembo datasets``."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crembo.choices import DEFAULT_METHODS, ClassWeightKind, TeacherKind
from crembo.experiments.dnn_cli import dnn_command

experiment_app = typer.Typer(
    help="Run the paper's experiments (generalization, robustness) on one data set.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _console() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def _fail(exc: Exception):
    typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
    raise typer.Exit(1)


def _make_command(experiment: str):
    def command(
        dataset: Annotated[
            str,
            typer.Option(
                help="Data set name (iris, breast_cancer, wine, digits, heart, dermatology, "
                "arrhythmia) or a CSV file (then give --target)."
            ),
        ],
        teacher: Annotated[
            TeacherKind,
            typer.Option(help="Teacher: rf (100 trees, depth 12) or nn (2×128 ReLU net)."),
        ] = TeacherKind.rf,
        folds: Annotated[int, typer.Option(help="Cross-validation folds.", min=2)] = 10,
        repeats: Annotated[int, typer.Option(help="Repeats of the whole protocol.", min=1)] = 20,
        class_weight: Annotated[
            ClassWeightKind,
            typer.Option(help="Class weights of every tree and forest (paper: balanced)."),
        ] = ClassWeightKind.balanced,
        shuffle: Annotated[
            bool,
            typer.Option(
                help="Shuffled stratified folds (fair protocol); --no-shuffle is the paper's "
                "unshuffled KFold."
            ),
        ] = False,
        seed: Annotated[
            int, typer.Option(help="Seed of the splits and of every model.", min=0)
        ] = 0,
        n_jobs: Annotated[int, typer.Option(help="(repeat, fold) units run in parallel.")] = 1,
        backend: Annotated[
            str | None, typer.Option(help="joblib backend (loky, threading, dask, …).")
        ] = None,
        scheduler: Annotated[
            str | None,
            typer.Option(
                help="With --backend dask: scheduler address (tcp://HOST:8786); none starts "
                "a local Dask cluster."
            ),
        ] = None,
        methods: Annotated[
            str,
            typer.Option(
                help="Comma-separated methods; the teacher is always included. Known: BM, VT, "
                "CREMBO (the paper's), CREMBO-refit, CREMBO-robust (the default preset), the "
                "ablation's CREMBO+... variants and the peers STreeD, STreeD-VT, GOSDT, HSTree, "
                "FIGS (an unknown name is answered with the whole list)."
            ),
        ] = ",".join(DEFAULT_METHODS),
        out: Annotated[
            Path | None,
            typer.Option(
                help="Output folder (records.csv, summary.json, summary.md); a rerun with the "
                "same settings resumes it. Default: runs/<experiment>-<dataset>-<teacher>-"
                "<class weight>-<shuffle|noshuffle>."
            ),
        ] = None,
        data_dir: Annotated[
            Path | None,
            typer.Option(help="Folder with heart_cleveland.csv, dermatology.csv, arrhythmia.csv."),
        ] = None,
        target: Annotated[
            str | None, typer.Option(help="Label column when --dataset is a CSV file.")
        ] = None,
        max_units: Annotated[
            int | None,
            typer.Option(help="Stop after this many new (repeat, fold) units; rerun to go on."),
        ] = None,
        progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    ):
        from crembo.experiments.generalization import generalization
        from crembo.experiments.records import RunStoreError
        from crembo.experiments.robustness import robustness

        run = generalization if experiment == "generalization" else robustness
        if out is None:
            name = Path(dataset).stem if dataset.lower().endswith(".csv") else dataset
            order = "shuffle" if shuffle else "noshuffle"
            out = Path("runs") / f"{experiment}-{name}-{teacher.value}-{class_weight.value}-{order}"
        if scheduler is not None and backend != "dask":
            _fail(ValueError("--scheduler needs --backend dask."))
        try:
            cluster = nullcontext()
            if backend == "dask":
                from crembo.cluster import dask_backend

                cluster = dask_backend(scheduler)
            with cluster:
                summary = run(
                    dataset,
                    out,
                    teacher=teacher.value,
                    folds=folds,
                    repeats=repeats,
                    seed=seed,
                    class_weight=class_weight.value,
                    shuffle=shuffle,
                    methods=methods,
                    data_dir=data_dir,
                    target=target,
                    n_jobs=n_jobs,
                    backend=backend,
                    max_units=max_units,
                    progress=progress,
                )
        except (RunStoreError, ValueError, TypeError, OSError) as exc:  # OSError: --out
            _fail(exc)
        _print_summary(summary, out)

    command.__doc__ = (
        "Generalization: test accuracy of teacher, BM, VT and CREMBO over repeated K-fold CV."
        if experiment == "generalization"
        else "Robustness: agreement of the K students per method trained on different folds, "
        "on a held-out 15 % test set, repeated."
    )
    return command


experiment_app.command("generalization")(_make_command("generalization"))
experiment_app.command("robustness")(_make_command("robustness"))


def _register_breakdown():
    from crembo.experiments.breakdown_cli import breakdown_command

    experiment_app.command("breakdown")(breakdown_command)


_register_breakdown()
experiment_app.command("dnn")(dnn_command)  # crembo.experiments.dnn_cli; torch imported lazily


@experiment_app.command("tables")
def tables_command(
    runs: Annotated[
        Path, typer.Argument(help="Folder whose sub-folders hold the runs' summary.json.")
    ] = Path("runs"),
):
    """Print the markdown tables of docs/results.md from the summaries of finished runs."""
    from crembo.experiments.collect import load_summaries, results_tables

    try:
        summaries = load_summaries(runs)
    except ValueError as exc:
        _fail(exc)
    if not summaries:
        _fail(ValueError(f"runs: no summary.json under {runs}."))
    typer.echo(results_tables(summaries))


def _print_summary(summary: dict, out: Path) -> None:
    robust = summary["protocol"]["experiment"] == "robustness"
    table = Table(title=f"{summary['protocol']['experiment']} – {summary['protocol']['dataset']}")
    cols = ["method", "accuracy", "std"] + (
        ["agreement", "agr. std"] if robust else ["wins", "ties"]
    )
    for c in cols:
        table.add_column(c, justify="left" if c == "method" else "right")

    def f(v):
        return "–" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    for m, e in summary["methods"].items():
        extra = [e.get("agreement"), e.get("agreement_std")] if robust else [e["wins"], e["ties"]]
        table.add_row(m, f(e["mean"]), f(e["std"]), *(f(v) for v in extra))
    console = _console()
    console.print(table)
    console.print(f"{summary['units_done']}/{summary['units_total']} units done; results in {out}")


def datasets_command(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder to search first for the UCI files (then CREMBO_DATA, then "
            "../shared/datasets)."
        ),
    ] = None,
):
    """List the data sets that can be loaded on this machine, and from where."""
    from crembo.datasets import available

    try:
        rows = available(data_dir)
    except ValueError as exc:
        _fail(exc)
    table = Table(title="data sets")
    for c in ("name", "available", "source"):
        table.add_column(c)
    for name, source, why in rows:
        table.add_row(name, "yes" if source else "no", source or why)
    _console().print(table)

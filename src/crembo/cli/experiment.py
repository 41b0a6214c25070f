"""``crembo experiment generalization|robustness|breakdown|dnn|tables``.

The experiments themselves are :mod:`crembo.experiments`, imported when a command runs, so
that ``crembo --help`` loads no scikit-learn. The dnn command is built when it is asked for
(its data set choices are :data:`crembo.experiments.dnn.DATASETS`, a module that needs the
experiments' libraries).
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand

from crembo.choices import DEFAULT_METHODS, ClassWeightKind, TeacherKind
from crembo.cli import output
from crembo.cli.breakdown import breakdown_command
from crembo.cli.errors import CommandError, OneErrorPath, new_app


class _ExperimentGroup(OneErrorPath):
    """``crembo experiment``, whose dnn command is built on first use (see the module).

    Until then the group holds a stand-in with the command's help line, so that listing the
    commands builds none of them.
    """

    #: name -> (module, its one-command typer app, the command's help line, listed before)
    LAZY = {
        "dnn": (
            "crembo.cli.dnn",
            "dnn_app",
            "DNN to DNN: a teacher net compressed into small nets by CREMBO, KD, VT and BM.",
            "tables",
        )
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        commands = dict(self.commands)
        for name, (_, _, line, before) in self.LAZY.items():
            stand_in = TyperCommand(name, help=line, rich_markup_mode=None)
            names = list(commands)
            at = names.index(before) if before in names else len(names)
            items = list(commands.items())
            commands = dict([*items[:at], (name, stand_in), *items[at:]])
        self.commands = commands
        self._stand_ins = {name: commands[name] for name in self.LAZY}

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None and command is self._stand_ins.get(cmd_name):
            import importlib

            module, attribute, _, _ = self.LAZY[cmd_name]
            sub_app = getattr(importlib.import_module(module), attribute)
            command = self.commands[cmd_name] = typer.main.get_command(sub_app)
        return command

    def format_commands(self, ctx, formatter):
        # the listing reads the commands' help lines: stand-ins stay stand-ins
        self.get_command = self._listed
        try:
            super().format_commands(ctx, formatter)
        finally:
            del self.get_command  # the class's get_command again

    def _listed(self, ctx, cmd_name):
        return self.commands.get(cmd_name)


experiment_app = new_app(
    cls=_ExperimentGroup,
    help="Run the paper's experiments (generalization, robustness) on one data set.",
)


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
                "ablation's CREMBO+... variants and every peer of crembo.peers (an unknown "
                "name is answered with the whole list, peers included)."
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
        from crembo.experiments.tabular import generalization, robustness

        run = generalization if experiment == "generalization" else robustness
        if out is None:
            name = Path(dataset).stem if dataset.lower().endswith(".csv") else dataset
            order = "shuffle" if shuffle else "noshuffle"
            out = Path("runs") / f"{experiment}-{name}-{teacher.value}-{class_weight.value}-{order}"
        if scheduler is not None and backend != "dask":
            raise CommandError("--scheduler needs --backend dask.")
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
experiment_app.command("breakdown")(breakdown_command)


@experiment_app.command("tables")
def tables_command(
    runs: Annotated[
        Path, typer.Argument(help="Folder whose sub-folders hold the runs' summary.json.")
    ] = Path("runs"),
):
    """Print the markdown tables of docs/results.md from the summaries of finished runs
    (the DNN runs': CREMBO against the best distillation, accuracy and agreement)."""
    from crembo.experiments.collect import load_summaries, results_tables
    from crembo.experiments.dnn.summary import dnn_goal_tables, load_dnn_summaries

    summaries, nets = load_summaries(runs), load_dnn_summaries(runs)
    if not summaries and not nets:
        raise CommandError(f"runs: no summary.json under {runs}.")
    if summaries:
        typer.echo(results_tables(summaries))
    if nets:
        typer.echo(dnn_goal_tables(nets))


def _print_summary(summary: dict, out: Path) -> None:
    from rich.table import Table

    from crembo._escape import terminal

    robust = summary["protocol"]["experiment"] == "robustness"
    title = f"{summary['protocol']['experiment']} – {summary['protocol']['dataset']}"
    table = Table(title=terminal(title))
    cols = ["method", "accuracy", "std"] + (
        ["agreement", "agr. std"] if robust else ["wins", "ties"]
    )
    for c in cols:
        table.add_column(c, justify="left" if c == "method" else "right")

    def f(v):
        return "–" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    for m, e in summary["methods"].items():
        extra = [e.get("agreement"), e.get("agreement_std")] if robust else [e["wins"], e["ties"]]
        table.add_row(terminal(m), f(e["mean"]), f(e["std"]), *(f(v) for v in extra))
    console = output.console(soft_wrap=False)
    console.print(table)
    console.print(
        f"{summary['units_done']}/{summary['units_total']} units done; results in {terminal(out)}"
    )

"""``crembo experiment breakdown``: the command only (the experiment is
:mod:`crembo.experiments.breakdown`, imported when the command runs, so ``--help`` is fast)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crembo.choices import BREAKDOWN_FRACTIONS


def breakdown_command(
    dataset: Annotated[
        str,
        typer.Option(
            help="Data set name(s), comma-separated (iris, breast_cancer, heart, dermatology, "
            "arrhythmia, wine, digits), or a CSV file (then give --target)."
        ),
    ],
    folds: Annotated[int, typer.Option(help="Shuffled stratified folds.", min=2)] = 5,
    repeats: Annotated[int, typer.Option(help="Repeats of the whole protocol.", min=1)] = 2,
    fractions: Annotated[
        str, typer.Option(help="Contaminated fractions, comma-separated, each in [0, 1).")
    ] = ",".join(f"{f:g}" for f in BREAKDOWN_FRACTIONS),
    class_weight: Annotated[
        str, typer.Option(help="Class weights of every tree and forest: balanced or none.")
    ] = "balanced",
    seed: Annotated[
        int, typer.Option(help="Seed of the splits, the noise and the models.", min=0)
    ] = 0,
    n_jobs: Annotated[int, typer.Option(help="(repeat, fold) units run in parallel.")] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output folder: one sub-folder per data set (run.json, records.csv, "
            "summary.json, summary.md, breakdown.png); a rerun with the same settings resumes. "
            "Default: runs/breakdown-<class weight>."
        ),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Folder with the UCI files (heart, dermatology, …).")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Label column of a CSV --dataset.")] = None,
    max_units: Annotated[
        int | None, typer.Option(help="Stop after this many new units per data set.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Print a line per unit done.")] = True,
):
    """Breakdown: accuracy and agreement of BM, VT and CREMBO as a growing share of the
    teacher's trees (refitted to shuffled labels) or of the training labels is corrupted."""
    from crembo.experiments.breakdown import breakdown_many, breakdown_markdown

    out = Path("runs") / f"breakdown-{class_weight}" if out is None else out
    summaries = breakdown_many(
        dataset,
        out,
        folds=folds,
        repeats=repeats,
        seed=seed,
        class_weight=class_weight,
        fractions=fractions,
        data_dir=data_dir,
        target=target,
        n_jobs=n_jobs,
        max_units=max_units,
        progress=progress,
    )
    for s in summaries.values():
        typer.echo(breakdown_markdown(s))
    typer.echo(f"results in {out}")

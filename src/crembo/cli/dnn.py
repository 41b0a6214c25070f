"""``crembo experiment dnn``: CREMBO vs KD vs VT vs BM for nets (torch is imported lazily).

Its data set choices are :data:`crembo.experiments.dnn.DATASETS`: this module imports the
experiment's module, so ``crembo experiment`` builds the command only when it is asked for.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from crembo.cli.errors import CommandError, new_app
from crembo.experiments.dnn import DATASETS

#: The image sets of the experiment, as the command's choices.
ImageSet = Enum("ImageSet", {name: name for name in DATASETS}, type=str)

#: One command, mounted as ``crembo experiment dnn`` (see :mod:`crembo.cli.experiment`).
dnn_app = new_app()


@dnn_app.command("dnn")
def dnn_command(
    dataset: Annotated[
        ImageSet,
        typer.Option(
            help="Image set: digits (bundled, 8×8; CPU defaults), digits4x4 (the digits "
            "average-pooled to 4×4: a less sure teacher; same defaults), cifar10 (give "
            "--cifar-dir; ResNet-18 teacher, LeNet-5 and MobileNetV2 students; meant for a "
            "GPU) or another of crembo.experiments.dnn.DATASETS."
        ),
    ] = ImageSet("digits"),
    cifar_dir: Annotated[
        Path | None,
        typer.Option(help="Folder with the CIFAR-10 python batches (data_batch_1..5, test_batch)."),
    ] = None,
    teacher: Annotated[
        str | None, typer.Option(help="Teacher net: convnet, resnet18, lenet5, mlp, mobilenetv2.")
    ] = None,
    students: Annotated[
        str | None, typer.Option(help="Comma-separated student nets (digits: lenet5,mlp).")
    ] = None,
    baselines: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated methods (default BM,VT,KD,KD-aug,DKD,CREMBO); CREMBO-paper is "
            "the paper's CREMBO (the figures of issue 4), CREMBO-refit its search refitted; "
            "KD-fresh, DKD-fresh, CREMBO-fresh, CREMBO-DKD-fresh train on fresh views with "
            "the teacher online."
        ),
    ] = None,
    folds: Annotated[
        int | None, typer.Option(help="Folds per repeat; each trains one student per method.")
    ] = None,
    repeats: Annotated[int | None, typer.Option(help="Repeats (new test split each).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the splits and of every net.", min=0)] = 0,
    belief_temperature: Annotated[
        float | None, typer.Option(help="T of the teacher's belief softmax(logits / T).")
    ] = None,
    kd_temperature: Annotated[float | None, typer.Option(help="KD temperature τ.")] = None,
    kd_alpha: Annotated[float | None, typer.Option(help="KD weight of the soft term.")] = None,
    max_candidates: Annotated[
        int | None, typer.Option(help="Cap on CREMBO's candidate thresholds.")
    ] = None,
    sweep_fits: Annotated[
        int | None,
        typer.Option(help="CREMBO sweep fits; δ = ceil((max_candidates - 1) / sweep_fits)."),
    ] = None,
    epsilon: Annotated[float | None, typer.Option(help="ε-clipping of the belief.")] = None,
    validation_size: Annotated[
        float | None,
        typer.Option(
            help="Share of each unit's rows that choose CREMBO's threshold (default 0.1); it "
            "must hold a row of every class, so tiny runs raise it."
        ),
    ] = None,
    max_epochs: Annotated[int | None, typer.Option(help="Epochs at most, per net.")] = None,
    patience: Annotated[int | None, typer.Option(help="Early-stopping patience.")] = None,
    teacher_max_epochs: Annotated[
        int | None, typer.Option(help="Epochs at most for the teacher (default: --max-epochs).")
    ] = None,
    teacher_patience: Annotated[
        int | None, typer.Option(help="The teacher's patience (default: --patience).")
    ] = None,
    dkd_temperature: Annotated[float | None, typer.Option(help="DKD temperature τ (4).")] = None,
    dkd_alpha: Annotated[float | None, typer.Option(help="DKD weight of TCKD (1).")] = None,
    dkd_beta: Annotated[float | None, typer.Option(help="DKD weight of NCKD (8).")] = None,
    fresh_thresholds: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated thresholds the *-fresh CREMBOs try (default 0.05,0.3); the "
            "most accurate on the held-out real rows is kept."
        ),
    ] = None,
    view_max_shift: Annotated[
        int | None, typer.Option(help="Fresh views: largest shift in pixels (1).")
    ] = None,
    view_max_rotation: Annotated[
        float | None, typer.Option(help="Fresh views: largest rotation in degrees (10).")
    ] = None,
    view_mixup: Annotated[
        float | None, typer.Option(help="Fresh views: share of views mixed with another row (0.5).")
    ] = None,
    max_rows: Annotated[
        int | None, typer.Option(help="Use only the first rows of the data (quick runs).")
    ] = None,
    device: Annotated[str, typer.Option(help="auto (GPU when present), cpu, cuda, cuda:1…")] = (
        "auto"
    ),
    threads: Annotated[int, typer.Option(help="torch threads per unit.", min=1)] = 1,
    n_jobs: Annotated[int, typer.Option(help="Units run in parallel (processes).")] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output folder (records.csv, summary.json, summary.md); a rerun with the same "
            "settings resumes it. Default: runs/dnn-<dataset>."
        ),
    ] = None,
    max_units: Annotated[
        int | None, typer.Option(help="Stop after this many new units; rerun to go on.")
    ] = None,
    extends: Annotated[
        list[Path] | None,
        typer.Option(
            help="The folder of an earlier run of the same settings with other --baselines "
            "(repeat the option for several): its units are not run again and the summary "
            "joins them (each method over the units that have it). Grows a run to more units "
            "with fewer methods, or adds a method to a run's units in a folder of its own."
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Print a line per unit done.")] = True,
):
    """DNN to DNN: a teacher net compressed into small nets by CREMBO, KD, VT and BM."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise CommandError("the dnn experiment needs torch: pip install 'crembo[torch]'") from None
    from crembo.experiments.dnn import dnn_protocol, run_dnn

    overrides = {
        "teacher": teacher,
        "students": None if students is None else tuple(s.strip() for s in students.split(",")),
        "baselines": None if baselines is None else tuple(b.strip() for b in baselines.split(",")),
        "folds": folds,
        "repeats": repeats,
        "seed": seed,
        "belief_temperature": belief_temperature,
        "kd_temperature": kd_temperature,
        "kd_alpha": kd_alpha,
        "max_candidates": max_candidates,
        "sweep_fits": sweep_fits,
        "epsilon": epsilon,
        "validation_size": validation_size,
        "max_epochs": max_epochs,
        "patience": patience,
        "max_rows": max_rows,
        "teacher_max_epochs": teacher_max_epochs,
        "teacher_patience": teacher_patience,
        "dkd_temperature": dkd_temperature,
        "dkd_alpha": dkd_alpha,
        "dkd_beta": dkd_beta,
        "fresh_thresholds": None
        if fresh_thresholds is None
        else tuple(_number(v, "--fresh-thresholds") for v in fresh_thresholds.split(",")),
        "view_max_shift": view_max_shift,
        "view_max_rotation": view_max_rotation,
        "view_mixup": view_mixup,
    }
    out = Path("runs") / f"dnn-{dataset.value}" if out is None else out
    protocol = dnn_protocol(dataset.value, **overrides)
    summary = run_dnn(
        protocol,
        out,
        cifar_dir=cifar_dir,
        n_jobs=n_jobs,
        threads=threads,
        device=device,
        max_units=max_units,
        progress=progress,
        extends=extends,
    )
    typer.echo((out / "summary.md").read_text(encoding="utf-8"))
    typer.echo(f"{summary['units_done']}/{summary['units_total']} units done; results in {out}")


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CommandError(
            f"{option}: expected numbers separated by commas; got {text!r}."
        ) from None

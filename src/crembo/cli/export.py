"""``crembo export``: a saved model's tree as ONNX, SQL, Python, JSON, DOT or SVG."""

from __future__ import annotations

from pathlib import Path

import typer

from crembo.choices import ExportFormatKind
from crembo.cli.errors import CommandError


def export(
    model: Path = typer.Option(
        ...,
        "--model",
        metavar="M.skops",
        help="Model file written by `crembo compress` (the full model or --student-only).",
    ),
    fmt: ExportFormatKind = typer.Option(
        ...,
        "--format",
        help="onnx: an ONNX model of the encoded features (float32 X; needs skl2onnx); sql: "
        "one CASE expression over the data's columns; python: a dependency-free module with "
        "predict(row) and predict_proba(row); json: the tree as nested nodes; dot: Graphviz "
        "text; svg: the tree drawn (needs Graphviz's dot program).",
    ),
    out: Path = typer.Option(..., "--out", metavar="FILE", help="File to write."),
    proba: bool = typer.Option(
        False,
        "--proba",
        help="sql only: write a select list, the prediction and one probability column per "
        "class ('proba_<class>'), instead of the one CASE expression.",
    ),
    check: Path | None = typer.Option(
        None,
        "--check",
        metavar="F.csv",
        help="Run the export on this CSV file's rows (SQL in SQLite, Python executed, ONNX in "
        "onnxruntime, JSON walked) and write it only if it predicts what the model predicts "
        "on every row.",
    ),
    trust: list[str] | None = typer.Option(
        None,
        "--trust",
        metavar="NAME",
        help="Exact type name to load although it is outside the allow-list (as for "
        "`crembo predict`); only for files from someone you trust.",
    ),
):
    """Write a saved model's decision tree where it runs: a database, a program, a runtime.

    Every format predicts what the model predicts (missing values and one-hot encoded
    columns included). SQL and Python read the data's own columns; ONNX reads the encoded
    features, as `crembo predict` builds them.
    """
    from crembo import persist
    from crembo._escape import visible
    from crembo._io import atomic_write_bytes, atomic_write_text
    from crembo.exporters import FORMATS
    from crembo.exporters.tree import export_tree

    fmt = fmt.value
    if proba and fmt != "sql":
        raise ValueError(f"--proba: only --format sql writes probabilities; got {fmt}.")
    if check is not None and fmt not in _checkable():
        raise ValueError(f"--check: a {fmt} file draws the tree and predicts nothing to check.")
    _check_out(out)
    meta = persist.read_metadata(model)
    estimator = persist.load(model, trusted=trust or None)
    try:
        tree = export_tree(estimator, meta)
    except TypeError as exc:
        raise ValueError(f"--model {model}: {exc}") from None
    try:
        content = FORMATS[fmt].write(tree, proba=proba)
    except ImportError as exc:
        raise CommandError(str(exc)) from None
    note = ""
    if check is not None:
        note = _check(fmt, content, estimator, meta, check, tree.columns)
    if FORMATS[fmt].binary:
        atomic_write_bytes(out, content)
    else:
        atomic_write_text(out, content)
    typer.echo(visible(f"wrote {out} ({fmt}: {FORMATS[fmt].description}){note}"))


def _checkable():
    from crembo.exporters.check import CHECKABLE

    return CHECKABLE


def _check(fmt, content, estimator, meta, data, columns) -> str:
    """Run the export on the file's rows; refuse (nothing written) if any prediction differs."""
    import json

    from crembo.cli.predict import read_rows
    from crembo.exporters import check as runners

    frame, X = read_rows(meta, data)
    absent = [c for c in columns if c not in frame.columns]
    if absent and fmt != "onnx":  # a model saved without its columns: x0, x1, ...
        shown = ", ".join(map(repr, absent[:5])) + (" ..." if len(absent) > 5 else "")
        raise ValueError(f"--check: {data} lacks the column(s) the export reads: {shown}.")
    expected = estimator.predict(X)
    if fmt == "onnx":
        try:
            got = runners.onnx_predictions(content, X)[0]
        except ImportError:
            raise CommandError("--check: running ONNX needs onnxruntime.") from None
    elif fmt == "sql":
        got = runners.sql_predictions(content.rstrip().removesuffix(","), frame)
        if isinstance(got[0], tuple):  # --proba: the prediction is the first item
            got = [row[0] for row in got]
    elif fmt == "python":
        got = runners.python_predictions(content, frame)
    else:
        got = runners.json_predictions(json.loads(content), frame)
    wrong = runners.disagreements(expected, got)
    if wrong:
        raise ValueError(
            f"--check: the {fmt} export predicts differently from the model on {wrong} of "
            f"{len(expected)} rows of {data}; nothing written."
        )
    return f"; checked on {len(expected)} rows of {data}: every prediction equal"


def _check_out(out: Path) -> None:
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"--out {out} is a folder; give a file name.")
    if not out.parent.exists():
        raise FileNotFoundError(f"--out: folder {out.parent} does not exist.")
    if not out.parent.is_dir():
        raise ValueError(f"--out: {out.parent} is a file, not a folder.")

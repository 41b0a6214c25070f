"""Run an exported model where it runs, on a data frame, to check that it predicts as the model.

One runner per format that predicts: SQL in SQLite (the standard library's ``sqlite3``), the
Python module by executing it, ONNX in onnxruntime, JSON by walking its nodes. Each takes the
data's own columns (a frame as :func:`crembo.csv_files.read_csv_frame` reads it), except ONNX,
which takes the encoded features. :func:`disagreements` compares a runner's predictions with
the model's; ``crembo export --check`` and the tests use them, and :func:`noisy_frame` makes
the noisy rows the tests and the export benchmark check on.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3

import numpy as np
import pandas as pd

#: Formats whose predictions can be checked (dot and svg are pictures).
CHECKABLE = ("onnx", "sql", "python", "json")

_TABLE = "crembo_rows"


def sql_predictions(text: str, frame: pd.DataFrame, *, columns=None) -> list:
    """The values of a SQL expression (or select list) on each row of ``frame``, in SQLite.

    Returns one value per row (one tuple per row for a select list of several items).
    """
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        _frame_for_sql(frame, columns).to_sql(_TABLE, db, index=False)
        try:
            rows = db.execute(f'SELECT {text} FROM "{_TABLE}" ORDER BY rowid').fetchall()
        except sqlite3.Error as exc:
            raise ValueError(f"SQLite could not run the expression: {exc}") from None
    return [r[0] if len(r) == 1 else r for r in rows]


def python_predictions(code: str, frame: pd.DataFrame, *, proba: bool = False) -> list:
    """``predict`` (or ``predict_proba``) of an exported Python module on each row."""
    namespace: dict = {}
    exec(compile(code, "<crembo export>", "exec"), namespace)  # our own generated code
    run = namespace["predict_proba" if proba else "predict"]
    return [run(row) for row in frame.to_dict("records")]


def onnx_predictions(model: bytes, X) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, probabilities)`` of an exported ONNX model on encoded rows ``X``."""
    import onnxruntime

    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, {"X": np.asarray(X, dtype=np.float32)})
    return labels, proba


def json_predictions(doc: dict, frame: pd.DataFrame, *, proba: bool = False) -> list:
    """Predictions of an exported JSON tree, by walking its nodes for each row."""
    out = []
    for row in frame.to_dict("records"):
        node = doc["tree"]
        while "split" in node:
            node = node[_json_side(node["split"], row.get(node["split"]["column"]))]
        out.append(node["class_shares"] if proba else node["predicted"])
    return out


def disagreements(expected, got) -> int:
    """Rows where two prediction lists differ (labels compared as Python values)."""
    expected, got = list(expected), list(got)
    if len(expected) != len(got):
        raise ValueError(f"{len(got)} predictions for {len(expected)} rows.")
    return sum(not _same(a, b) for a, b in zip(expected, got, strict=True))


def noisy_frame(frame: pd.DataFrame, categories: dict, n: int, random_state=0) -> pd.DataFrame:
    """``n`` rows like ``frame``'s, perturbed: numbers moved by Gaussian noise (a fifth of the
    column's spread), categories redrawn (now and then one the data never had), and about a
    tenth of the values missing."""
    rng = np.random.default_rng(random_state)
    out = frame.iloc[rng.integers(0, len(frame), n)].reset_index(drop=True).copy()
    for c in out.columns:
        if c in categories:
            known = list(categories[c]) or ["?"]
            values = np.asarray(known + ["a value never seen"], dtype=object)
            weights = np.r_[np.full(len(known), 0.95 / len(known)), 0.05]
            out[c] = pd.Series(rng.choice(values, n, p=weights), dtype=object)
        elif pd.api.types.is_numeric_dtype(out[c]):
            x = out[c].to_numpy(dtype=float)
            spread = np.nanstd(frame[c].to_numpy(dtype=float)) if len(frame) > 1 else 1.0
            out[c] = x + rng.normal(0.0, 0.2 * (spread if np.isfinite(spread) else 1.0), n)
        out.loc[rng.random(n) < 0.1, c] = None
    return out


def _frame_for_sql(frame, columns):
    """The frame's columns as SQLite should hold them (pandas writes NaN as NULL)."""
    return frame if columns is None else frame[list(columns)]


def _json_side(split: dict, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return split["missing"]
    if "category" in split:
        return split["equal"] if str(value) == split["category"] else split["other"]
    bound = split["threshold_float64"]
    bound = float(bound) if isinstance(bound, str) else bound  # "inf"
    return "left" if float(value) <= bound else "right"


def _same(a, b) -> bool:
    a, b = _plain(a), _plain(b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b  # the label 1 is not the label "1"


def _plain(value):
    value = value.item() if isinstance(value, np.generic) else value
    return int(value) if isinstance(value, bool) else value

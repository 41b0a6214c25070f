"""The output folder of a run: settings, per-unit records and test predictions.

``run.json`` holds the settings; a rerun into the same folder must have the same ones, except
the number of repeats (more repeats extend a run, fewer summarize its first repeats).
``records.csv`` has one row per repeat × fold × method and is rewritten atomically after
every unit (temporary file in the same folder, then ``os.replace``), so an interrupted run
leaves whole units only. ``predictions/r{repeat}_f{fold}.npy`` holds the test predictions of
every method (rows in ``methods`` order), written before the unit's records: robustness
recomputes agreement from them.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

RECORD_COLUMNS = (
    "dataset",
    "experiment",
    "repeat",
    "fold",
    "method",
    "accuracy",
    "threshold",
    "memo_threshold",
    "depth",
    "mean_depth",
    "leaves",
    "seconds",
    "status",
)
#: ``records.csv`` written before the ``status`` column: read with every row ``ok``.
LEGACY_RECORD_COLUMNS = RECORD_COLUMNS[:-1]
#: A row's ``status``: ``ok``; ``time limit`` (a solver stopped at its limit and its tree was
#: kept: accuracy recorded); ``timeout`` (stopped with no model) or ``failed: <reason>``
#: (accuracy, depth and leaves NaN).
STATUS_OK = "ok"
STATUS_TIME_LIMIT = "time limit"
STATUS_TIMEOUT = "timeout"


def has_result(status) -> np.ndarray:
    """Rows whose method produced a model (``ok`` or ``time limit``)."""
    s = pd.Series(status, dtype=object).astype(str)
    return s.isin([STATUS_OK, STATUS_TIME_LIMIT]).to_numpy()


def read_records_csv(path) -> pd.DataFrame:
    """A records file with its text columns read as text: a data set called "nan", "NA" or
    "1" keeps its name (only empty cells, as ``to_csv`` writes NaN, are missing)."""
    text = {"dataset": str, "experiment": str, "method": str, "kind": str, "status": str}
    return pd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""])


class RunStoreError(ValueError):
    """The output folder holds something this run must not mix with or overwrite."""


def check_records_intact(path, df: pd.DataFrame, required, rows=None) -> None:
    """Refuse a records file cut short or with empty cells where every row has a value.

    Our writes are atomic, so this is damage from elsewhere (a copy, a disk, an editor): a
    resumed run must not take the damaged unit as done, nor silently rewrite the file.
    ``rows`` (a boolean mask), when given, limits the check of ``required`` to those rows.
    """
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 1))
        last = fh.read(1)
    if size and last != b"\n":
        raise RunStoreError(
            f"{path} ends in the middle of a row (truncated); it is left untouched."
        )
    empty = df[list(required)].isna()
    if rows is not None:
        empty = empty & np.asarray(rows, dtype=bool)[:, None]
    if empty.any().any():
        row = int(np.flatnonzero(empty.any(axis=1))[0])
        cols = [c for c in required if empty[c].iloc[row]]
        raise RunStoreError(
            f"{path}: row {row + 2} has no {', '.join(cols)} (damaged); it is left untouched."
        )


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        _usual_permissions(tmp)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _usual_permissions(path) -> None:
    """mkstemp makes 0600 files; give the permissions a plain ``open`` would."""
    mask = os.umask(0o022)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def _atomic_save_npy(path: Path, array: np.ndarray) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".npy")
    try:
        _usual_permissions(tmp)
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunStore:
    """Reads and writes one run's output folder.

    Parameters
    ----------
    out : str or path
        The folder (created if needed).
    settings : dict
        Everything that changes the results (protocol and data fingerprint).
    """

    def __init__(self, out, settings: dict):
        self.out = Path(out)
        self.settings = json.loads(json.dumps(settings))  # normalized as JSON would store it
        self.records_path = self.out / "records.csv"
        self.run_path = self.out / "run.json"
        self.pred_dir = self.out / "predictions"

    def open(self) -> pd.DataFrame:
        """Check the folder against the settings and return the records already there."""
        if self.out.exists() and not self.out.is_dir():
            raise RunStoreError(f"out: {str(self.out)!r} exists and is not a folder.")
        self.out.mkdir(parents=True, exist_ok=True)
        if self.run_path.exists():
            try:
                stored = json.loads(self.run_path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise RunStoreError(
                    f"{self.run_path} is not readable JSON ({exc}); it is not a run of this "
                    "program: choose another --out or remove the folder."
                ) from exc
            if _comparable(stored) != _comparable(self.settings):
                raise RunStoreError(
                    f"{self.out} holds a run with other settings ({_diff(stored, self.settings)})"
                    "; use another --out, or the same settings to resume it."
                )
            if stored != self.settings:  # only the number of repeats changed
                atomic_write_text(self.run_path, json.dumps(self.settings, indent=2) + "\n")
        elif self.records_path.exists():
            raise RunStoreError(
                f"{self.records_path} exists but {self.run_path.name} does not: not a run of "
                "this program (or a damaged one); it is left untouched. Choose another --out."
            )
        else:
            atomic_write_text(self.run_path, json.dumps(self.settings, indent=2) + "\n")
        self.pred_dir.mkdir(exist_ok=True)
        return self.read_records()

    def _load_records(self, columns, required, what, legacy=None) -> pd.DataFrame:
        """``records.csv`` with exactly ``columns`` and values in ``required`` on every row.

        An unreadable, foreign (other columns) or damaged file is refused and left untouched.
        A file with the ``legacy`` columns (those of ``columns`` but ``status``, written before
        that column) is read with every row ``ok``.
        """
        if not self.records_path.exists():
            return pd.DataFrame(columns=list(columns))
        try:
            df = read_records_csv(self.records_path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise RunStoreError(
                f"{self.records_path} is not readable ({exc}); it is left untouched."
            ) from exc
        if legacy is not None and tuple(df.columns) == tuple(legacy):
            df = df.assign(status=STATUS_OK)[list(columns)]
        if tuple(df.columns) != tuple(columns):
            raise RunStoreError(
                f"{self.records_path} has columns {list(df.columns)}, expected "
                f"{list(columns)}: not {what} of this program; it is left untouched."
            )
        check_records_intact(self.records_path, df, required)
        return df

    def read_records(self) -> pd.DataFrame:
        """Records on disk (empty frame when none); refuses a foreign or damaged file."""
        df = self._load_records(
            RECORD_COLUMNS, ("seconds", "status"), "records", legacy=LEGACY_RECORD_COLUMNS
        )
        # a failed method has no accuracy nor depth; every other row must have them
        if self.records_path.exists():
            check_records_intact(
                self.records_path, df, ("accuracy", "depth"), rows=has_result(df["status"])
            )
        bad = (
            (df["dataset"].astype(str) != str(self.settings["protocol"]["dataset"]))
            | (df["experiment"] != self.settings["protocol"]["experiment"])
            | ~df["method"].isin(self.settings["protocol"]["methods"])
        )
        if bad.any() or df[["repeat", "fold"]].isna().any().any():
            raise RunStoreError(
                f"{self.records_path} has rows of another data set, experiment or method set "
                f"(first: row {int(np.flatnonzero(bad)[0]) + 2 if bad.any() else '?'}); it is "
                "left untouched. Choose another --out."
            )
        return df

    def prediction_path(self, repeat: int, fold: int) -> Path:
        return self.pred_dir / f"r{repeat:03d}_f{fold:03d}.npy"

    def done_units(self, records: pd.DataFrame, need_predictions: bool) -> set[tuple[int, int]]:
        """Units with a row for every method (and their predictions, if needed)."""
        methods = set(self.settings["protocol"]["methods"])
        done = set()
        for (r, f), g in records.groupby(["repeat", "fold"]):
            whole = set(g["method"]) == methods and len(g) == len(methods)
            if whole and (not need_predictions or self.prediction_path(int(r), int(f)).exists()):
                done.add((int(r), int(f)))
        return done

    def keep_units(self, records: pd.DataFrame, units) -> pd.DataFrame:
        """Only the rows of ``units``."""
        if records.empty:
            return records
        keys = pd.MultiIndex.from_frame(records[["repeat", "fold"]].astype(int))
        return records[keys.isin(list(units))].reset_index(drop=True)

    def write(self, records: pd.DataFrame, method_order) -> pd.DataFrame:
        """Sort and atomically replace ``records.csv``; returns the sorted frame."""
        order = {m: i for i, m in enumerate(method_order)}
        df = records.assign(_m=records["method"].map(order))
        df = df.sort_values(["repeat", "fold", "_m"]).drop(columns="_m").reset_index(drop=True)
        df = df[list(RECORD_COLUMNS)]
        atomic_write_text(self.records_path, df.to_csv(index=False, float_format="%.10g"))
        return df

    def save_predictions(self, repeat: int, fold: int, predictions: np.ndarray) -> None:
        _atomic_save_npy(self.prediction_path(repeat, fold), np.asarray(predictions))

    def load_predictions(self, repeat: int, fold: int) -> np.ndarray:
        return np.load(self.prediction_path(repeat, fold), allow_pickle=False)


def _comparable(settings: dict) -> dict:
    """Settings that must match to share a folder. The number of repeats may change: a
    unit's splits and seeds do not depend on it, so more repeats extend a run."""
    out = json.loads(json.dumps(settings))
    out.get("protocol", {}).pop("repeats", None)
    return out


def _diff(stored: dict, current: dict, prefix="") -> str:
    """Which settings differ, in words."""
    parts = []
    for k in sorted(set(stored) | set(current)):
        a, b = stored.get(k, "<missing>"), current.get(k, "<missing>")
        if isinstance(a, dict) and isinstance(b, dict):
            sub = _diff(a, b, f"{prefix}{k}.")
            if sub:
                parts.append(sub)
        elif a != b:
            parts.append(f"{prefix}{k}: stored {a!r}, now {b!r}")
    return "; ".join(parts)

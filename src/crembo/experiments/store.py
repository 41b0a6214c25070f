"""The output folder of a run: settings, per-unit records and per-unit arrays.

``run.json`` holds the settings; a rerun into the same folder must have the same ones, except
the number of repeats (more repeats extend a run, fewer summarize its first repeats).
``records.csv`` has the rows of whole units only: it is rewritten atomically after every unit
(temporary file in the same folder, then ``os.replace``, :mod:`crembo._io`), so an interrupted
run leaves whole units. An *artifact* (``predictions/r{repeat}_f{fold}.npy``: the test
predictions of every method, rows in ``methods`` order) is written before the unit's records,
so a unit in ``records.csv`` has its arrays on disk.

What a records file holds is a :class:`RecordSchema`: its columns, the columns that must have
a value, and the columns that name a row within a unit (``method``; breakdown: ``kind``,
``fraction``, ``method``), whose values come from the protocol in ``run.json``. A file with
other columns, rows of another data set or empty cells is refused and left untouched.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crembo._io import atomic_save_npy, atomic_write_text

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
    "stability",
    "seconds",
    "status",
)
#: Columns a records file written before them may lack (read back empty): the in-fit
#: stability estimate (``stability_`` of CREMBO's k-fold choices; NaN for other methods).
OPTIONAL_RECORD_COLUMNS = ("stability",)
#: ``records.csv`` written before the ``status`` column: read with every row ``ok``.
LEGACY_RECORD_COLUMNS = tuple(c for c in RECORD_COLUMNS[:-1] if c not in OPTIONAL_RECORD_COLUMNS)
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


def data_fingerprint(*arrays) -> str:
    """Short hash of the data, so a resumed run cannot silently switch data.

    Each array is hashed as its bytes (C order) in its own dtype: pass the arrays as the
    models see them (the tabular runs: ``X`` float64, labels int64; the nets: ``X`` float32).
    """
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


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


@dataclass(frozen=True)
class RecordSchema:
    """What one experiment's ``records.csv`` holds.

    Parameters
    ----------
    columns : tuple of str
        The columns, in file order.
    required : tuple of str
        Columns with a value on every row.
    required_with_result : tuple of str, default=()
        Columns with a value on every row whose ``status`` has a result (a failed method has
        no accuracy nor depth; every other row must have them).
    key : tuple of str, default=("repeat", "fold")
        The columns naming a unit (a unit's ``key``, in this order).
    rows : tuple of (column, protocol key) pairs, default=(("method", "methods"),)
        The columns naming a row within a unit; each one's values are the list
        ``settings["protocol"][protocol key]``. A unit is whole with one row for every
        combination; rows are sorted by unit, then in these lists' order.
    match : tuple of str, default=("dataset", "experiment")
        Columns whose value on every row is ``settings["protocol"][column]``.
    legacy : tuple of str, optional
        Older columns (those of ``columns`` but ``status`` and ``optional``): such a file is
        read with every row ``ok``.
    optional : tuple of str, default=()
        Columns added later: a file without them (the others in order) is read with them
        empty, and rows written without them get them empty.
    what : str, default="records"
        What the file is, in the refusal of a file with other columns.
    foreign : str, default="another data set, experiment or method set"
        What a row that does not belong is of, in its refusal.
    """

    columns: tuple
    required: tuple
    required_with_result: tuple = ()
    key: tuple = ("repeat", "fold")
    rows: tuple = (("method", "methods"),)
    match: tuple = ("dataset", "experiment")
    legacy: tuple | None = None
    optional: tuple = ()
    what: str = "records"
    foreign: str = "another data set, experiment or method set"


#: The records of generalization, robustness and the DNN experiment: one row per unit × method.
RECORDS = RecordSchema(
    columns=RECORD_COLUMNS,
    required=("seconds", "status"),
    required_with_result=("accuracy", "depth"),
    legacy=LEGACY_RECORD_COLUMNS,
    optional=OPTIONAL_RECORD_COLUMNS,
)


class RunStore:
    """Reads and writes one run's output folder.

    Parameters
    ----------
    out : str or path
        The folder (created if needed).
    settings : dict
        Everything that changes the results: ``{"protocol": ..., "data": ...}`` (the protocol
        holds ``repeats`` and the lists that :attr:`RecordSchema.rows` name).
    schema : RecordSchema, default=RECORDS
        What ``records.csv`` holds.
    artifacts : tuple of str, default=()
        The arrays every unit stores (``"predictions"``: ``predictions/r000_f000.npy``); a
        unit counts as done only when they are on disk.

    Examples
    --------
    >>> import tempfile
    >>> settings = {"protocol": {"dataset": "toy", "experiment": "demo", "repeats": 1,
    ...                          "methods": ["teacher", "BM"]}, "data": {}}
    >>> store = RunStore(tempfile.mkdtemp(), settings)
    >>> len(store.open())  # a fresh folder: run.json written, no records yet
    0
    """

    def __init__(self, out, settings: dict, *, schema: RecordSchema = RECORDS, artifacts=()):
        self.out = Path(out)
        self.settings = json.loads(json.dumps(settings))  # normalized as JSON would store it
        self.schema = schema
        self.artifacts = tuple(artifacts)
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
        # every run has the folder, artifacts or not: one layout for every experiment
        self.pred_dir.mkdir(exist_ok=True)
        for name in self.artifacts:
            (self.out / name).mkdir(exist_ok=True)
        return self.read_records()

    def _row_values(self) -> list[tuple[str, list]]:
        p = self.settings["protocol"]
        return [(col, list(p[key])) for col, key in self.schema.rows]

    def read_records(self) -> pd.DataFrame:
        """Records on disk (empty frame when none); refuses a foreign or damaged file.

        An unreadable, foreign (other columns) or damaged file is refused and left untouched.
        """
        s = self.schema
        if not self.records_path.exists():
            return pd.DataFrame(columns=list(s.columns))
        try:
            df = read_records_csv(self.records_path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise RunStoreError(
                f"{self.records_path} is not readable ({exc}); it is left untouched."
            ) from exc
        # a file from before the status column: its columns are the legacy ones, with or
        # without the optional columns added since
        kept = tuple(c for c in df.columns if c not in s.optional)
        if s.legacy is not None and "status" not in df.columns and kept == tuple(s.legacy):
            df = df.assign(status=STATUS_OK)
        absent = [c for c in s.optional if c not in df.columns]
        if tuple(df.columns) == tuple(c for c in s.columns if c not in absent):
            df = df.assign(**dict.fromkeys(absent, np.nan))[list(s.columns)]
        if tuple(df.columns) != tuple(s.columns):
            raise RunStoreError(
                f"{self.records_path} has columns {list(df.columns)}, expected "
                f"{list(s.columns)}: not {s.what} of this program; it is left untouched."
            )
        check_records_intact(self.records_path, df, s.required)
        if s.required_with_result:
            rows = has_result(df["status"])
            check_records_intact(self.records_path, df, s.required_with_result, rows=rows)
        p = self.settings["protocol"]
        bad = np.zeros(len(df), dtype=bool)
        for col in s.match:
            bad |= (df[col].astype(str) != str(p[col])).to_numpy()
        for col, values in self._row_values():
            bad |= ~df[col].isin(values).to_numpy()
        names = [*s.key, *(col for col, _ in s.rows)]
        if bad.any() or df[names].isna().any().any():
            first = int(np.flatnonzero(bad)[0]) + 2 if bad.any() else "?"
            raise RunStoreError(
                f"{self.records_path} has rows of {s.foreign} (first: row {first}); it is "
                "left untouched. Choose another --out."
            )
        return df

    def artifact_path(self, name: str, key) -> Path:
        """Where a unit's array ``name`` lives: ``<name>/r000_f000.npy`` for (0, 0)."""
        stem = "_".join(
            f"{col[0]}{int(v):03d}" for col, v in zip(self.schema.key, key, strict=True)
        )
        return self.out / name / f"{stem}.npy"

    def done_units(self, records: pd.DataFrame) -> set[tuple]:
        """Units with one row for every combination of :attr:`RecordSchema.rows` (and
        their artifacts on disk)."""
        row_cols = [col for col, _ in self.schema.rows]
        expected = math.prod(len(v) for _, v in self._row_values())
        done = set()
        for key, g in records.groupby(list(self.schema.key)):
            key = tuple(int(k) for k in key)
            whole = len(g) == expected and not g.duplicated(row_cols).any()
            if whole and all(self.artifact_path(a, key).exists() for a in self.artifacts):
                done.add(key)
        return done

    def keep_units(self, records: pd.DataFrame, units) -> pd.DataFrame:
        """Only the rows of ``units`` (keys)."""
        if records.empty:
            return records
        keys = pd.MultiIndex.from_frame(records[list(self.schema.key)].astype(int))
        return records[keys.isin(list(units))].reset_index(drop=True)

    def write(self, records: pd.DataFrame) -> pd.DataFrame:
        """Sort and atomically replace ``records.csv``; returns the sorted frame."""
        order = {}
        for col, values in self._row_values():
            order[f"_{col}"] = records[col].map({v: i for i, v in enumerate(values)})
        df = records.assign(**order)
        df = df.sort_values([*self.schema.key, *order]).drop(columns=list(order))
        absent = [c for c in self.schema.optional if c not in df.columns]
        df = df.assign(**dict.fromkeys(absent, np.nan))
        df = df.reset_index(drop=True)[list(self.schema.columns)]
        atomic_write_text(self.records_path, df.to_csv(index=False, float_format="%.10g"))
        return df

    def save_artifact(self, name: str, key, array) -> None:
        atomic_save_npy(self.artifact_path(name, key), np.asarray(array))

    def load_artifact(self, name: str, key) -> np.ndarray:
        return np.load(self.artifact_path(name, key), allow_pickle=False)

    def prediction_path(self, repeat: int, fold: int) -> Path:
        return self.artifact_path("predictions", (repeat, fold))

    def load_predictions(self, repeat: int, fold: int) -> np.ndarray:
        return self.load_artifact("predictions", (repeat, fold))


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

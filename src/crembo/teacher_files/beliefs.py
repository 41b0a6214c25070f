"""Beliefs read from CSV files: any model's class probabilities or votes for the data's rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crembo._validation import ROW_SUM_TOLERANCE
from crembo.teacher_files import _common

#: A column of ``crembo predict --proba``'s output that a belief file may keep (ignored).
_IGNORED_BELIEF_COLUMNS = ("prediction",)


def load_belief(path, classes, n_rows, *, ids=None, id_column=None, sep=",") -> np.ndarray:
    """Class probabilities (or votes) of any model for the data's rows, from a CSV file.

    Parameters
    ----------
    path : str or Path
        A CSV file with a header: one column per class, named by its label or
        ``proba_<label>`` (what ``crembo predict --proba`` writes; its ``prediction`` column
        is ignored), and the ``id_column`` if given.
    classes : array-like
        The target's classes, sorted: the belief's columns come out in this order.
    n_rows : int
        Rows of the data.
    ids : array-like of str, optional
        The data's ``id_column``: the belief's rows are matched to the data's by it (each id
        once in each file); without it the rows are taken in the data's order.
    id_column : str, optional
    sep : str, default=","

    Returns
    -------
    belief : ndarray of shape (n_rows, n_classes)
        Rows summing to one: a row of votes (any non-negative numbers) is divided by its sum.

    Raises
    ------
    ValueError
        One line naming the file and what was expected.
    """
    import pandas as pd

    path = Path(path)
    name = f"--belief {path}"
    if not path.is_file():
        raise FileNotFoundError(f"{name}: no such file.")
    size = path.stat().st_size
    if size > _common.MAX_TEACHER_BYTES:
        raise ValueError(f"{name}: {size} bytes, over the limit of {_common.MAX_TEACHER_BYTES}.")
    try:
        # one row more than the data's: a longer file is refused without reading it all
        frame = pd.read_csv(
            path, sep=sep, nrows=n_rows + 1, dtype=None if id_column is None else {id_column: str}
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        message = " ".join(str(exc).split())[:200]
        raise ValueError(f"{name}: not a readable CSV file ({message}).") from None
    if len(frame) != n_rows:
        more = "more than" if len(frame) > n_rows else str(len(frame))
        raise ValueError(
            f"{name}: {more} {'' if len(frame) < n_rows else str(n_rows) + ' '}rows; expected "
            f"one per data row ({n_rows})."
        )
    columns = _belief_columns(name, frame.columns, classes, id_column)
    if id_column is not None:
        frame = _match_ids(name, frame, ids, id_column)
    try:
        B = frame[columns].to_numpy(dtype=np.float64)
    except (ValueError, TypeError):
        bad = next(c for c in columns if not pd.api.types.is_numeric_dtype(frame[c]))
        raise ValueError(f"{name}: column {bad!r} holds text; expected numbers.") from None
    problems = {
        "not finite (missing, inf)": ~np.isfinite(B).all(axis=1),
        "negative": (B < 0).any(axis=1),
        "all zero": np.isfinite(B).all(axis=1) & (B.sum(axis=1) <= 0),
    }
    for what, bad in problems.items():
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{name}: {int(bad.sum())} row(s) with values {what} (first: data row "
                f"{first + 1}); expected probabilities or vote counts (finite, >= 0)."
            )
    total = B.sum(axis=1, keepdims=True)
    # probabilities are kept as written (what the same array passed from Python gives);
    # votes, or rounded probabilities, are divided by their row's sum
    votes = np.abs(total[:, 0] - 1.0) > ROW_SUM_TOLERANCE
    B[votes] /= total[votes]
    return B


def _belief_columns(name, header, classes, id_column) -> list:
    """The belief file's column of each class (its label or ``proba_<label>``), in order."""
    header = [str(h) for h in header]
    ignored = {*_IGNORED_BELIEF_COLUMNS, *([id_column] if id_column is not None else [])}
    if id_column is not None and id_column not in header:
        raise ValueError(f"{name}: no column {id_column!r} (--id); columns: {', '.join(header)}.")
    found, missing = [], []
    for c in map(str, classes):
        hit = [h for h in (c, f"proba_{c}") if h in header]
        (found if len(hit) == 1 else missing).append(hit[0] if len(hit) == 1 else c)
    extra = [h for h in header if h not in found and h not in ignored]
    if missing or extra:
        what = (
            f"no column for class(es) {', '.join(missing[:8])}"
            if missing
            else f"column(s) {', '.join(extra[:8])} that are not classes"
        )
        raise ValueError(
            f"{name}: {what}; expected one column per class of the target, named by the label "
            f"({', '.join(map(str, classes[:8]))}) or proba_<label>."
        )
    return found


def _match_ids(name, frame, ids, id_column):
    """The belief's rows in the data's order, matched by the id column."""
    import pandas as pd

    ids = pd.Series(ids, dtype=object).astype(str)
    theirs = frame[id_column].astype(str)
    for what, values in (("the data", ids), (name, theirs)):
        dup = values[values.duplicated()]
        if len(dup):
            raise ValueError(
                f"{name}: id {dup.iloc[0]!r} occurs twice in {what}'s column {id_column!r}; "
                "expected each id once."
            )
    where = pd.Index(theirs).get_indexer(ids)
    if (where < 0).any():
        first = ids.iloc[int(np.flatnonzero(where < 0)[0])]
        raise ValueError(
            f"{name}: {int((where < 0).sum())} id(s) of the data are not in its column "
            f"{id_column!r} (first: {first!r}); expected a row for every data row."
        )
    return frame.iloc[where]

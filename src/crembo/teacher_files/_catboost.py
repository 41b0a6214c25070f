"""CatBoost teachers from .cbm files (where catboost is installed)."""

from __future__ import annotations

from crembo.teacher_files._common import FileTeacher, library, not_a_model


def _load_catboost(path, data, trusted):
    source = f"--teacher {path} (CatBoost model)"
    catboost = library("catboost", source)
    model = catboost.CatBoostClassifier()
    try:
        model.load_model(str(path), format="cbm")
    except Exception as exc:  # catboost raises its own CatBoostError and more
        raise not_a_model(source, exc) from None
    names = [str(n) for n in (model.feature_names_ or [])]
    if names and all(n == str(i) for i, n in enumerate(names)):
        names = []  # CatBoost's default names: the file carries none
    columns = data.columns(source, names=names or None, count=len(model.feature_names_ or []))
    order = data.order_by_label(source, model.classes_)
    return FileTeacher(
        _CatBoostPredictor(model), columns, order, data.classes, len(data.names), source
    )


class _CatBoostPredictor:
    def __init__(self, model):
        self.model = model

    def __call__(self, X):
        return self.model.predict_proba(X)

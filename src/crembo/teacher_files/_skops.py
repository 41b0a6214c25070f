"""scikit-learn teachers from skops files, through crembo's loader and its allow-list."""

from __future__ import annotations

import numpy as np


def _load_skops(path, data, trusted):
    from crembo import persist

    source = f"--teacher {path} (skops)"
    model = persist.load_estimator(path, trusted=trusted)  # its errors name the file
    if not hasattr(model, "classes_") or not (
        hasattr(model, "predict_proba") or hasattr(model, "estimators_")
    ):
        raise ValueError(
            f"{source}: a {type(model).__name__}, not a fitted classifier with classes_ and "
            "predict_proba."
        )
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        names = [str(n) for n in names]
        if names != data.names:
            cols = data.columns(source, names=names)
            raise ValueError(
                f"{source}: its features are the data's columns in another order or a part of "
                f"them ({len(names)} of {len(data.names)}: {cols[:8].tolist()}); expected the "
                "data's feature columns in order."
            )
    else:
        data.columns(source, count=getattr(model, "n_features_in_", len(data.names)))
    labels = np.asarray(model.classes_)
    text = {str(v) for v in labels}
    missing = [str(c) for c in data.classes if str(c) not in text]
    if missing:
        raise ValueError(
            f"{source}: the target's classes {', '.join(missing[:8])} are not among the "
            f"model's ({', '.join(map(str, labels[:8]))}); expected a model of the same labels."
        )
    if not np.isin(data.classes, labels).all():
        raise ValueError(
            f"{source}: the model's labels are {labels.dtype} ({', '.join(map(str, labels[:4]))})"
            f" and the target's {data.classes.dtype}; expected the same type of label."
        )
    return model

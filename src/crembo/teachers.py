"""The paper's teachers: one home for the forest every entry point builds.

:func:`paper_forest` is the random forest of the paper (100 trees of depth at most 12) that
the estimators use when no teacher is given, that ``crembo compress``/``crembo demo`` fit and
that the experiments compare with; :func:`make_teacher` picks the forest or the net
(``"rf"``/``"nn"``) by the names the command line and the experiments use.
"""

from __future__ import annotations

from crembo.choices import COMPRESS_TEACHERS

__all__ = ["N_TREES", "MAX_DEPTH", "make_teacher", "paper_forest", "resolve_class_weight"]

#: Trees and depth of the paper's forest teacher.
N_TREES = 100
MAX_DEPTH = 12


def paper_forest(random_state=None, class_weight=None, *, n_jobs=None):
    """The paper's forest teacher: 100 trees of depth at most 12.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        Seed of the forest.
    class_weight : {"balanced"}, dict or None
        Passed to the forest (``None``: every sample weighs 1).
    n_jobs : int or None
        Passed to the forest; it changes the speed, not the fitted trees.

    Returns
    -------
    sklearn.ensemble.RandomForestClassifier
        Unfitted.

    Examples
    --------
    >>> paper_forest(0).get_params()["max_depth"]
    12
    """
    # imported here: `import crembo` stays free of sklearn.ensemble until a forest is built
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=N_TREES,
        max_depth=MAX_DEPTH,
        class_weight=class_weight,
        random_state=random_state,
        n_jobs=n_jobs,
    )


def resolve_class_weight(class_weight):
    """The scikit-learn ``class_weight`` for a command-line choice (``"balanced"``/``"none"``)."""
    if class_weight in ("balanced", None):
        return class_weight
    if class_weight == "none":
        return None
    raise ValueError(f"class_weight must be 'balanced' or 'none'; got {class_weight!r}.")


def make_teacher(kind: str = "rf", class_weight="balanced", random_state=None):
    """A teacher by name (unfitted, one core).

    ``"rf"``: the paper's forest (100 trees, depth 12); ``"nn"``: the paper's net (two layers
    of 128); ``"et"``: extra trees of the forest's size; ``"hgb"``: scikit-learn's histogram
    gradient boosting; ``"lgbm"``, ``"xgb"``: LightGBM's and XGBoost's classifiers (100 trees,
    their defaults otherwise), where the package is installed. ``class_weight`` applies to all
    but the net and XGBoost, which have none.
    """
    cw = resolve_class_weight(class_weight)
    if kind == "rf":
        return paper_forest(random_state, cw, n_jobs=1)
    if kind == "nn":
        # Its qualified name crembo.baselines.EpochSelectedMLP is written into model files
        # (persist's allow-list), so the class stays where it is; imported lazily (no cycle).
        from crembo.baselines import EpochSelectedMLP

        return EpochSelectedMLP(random_state=random_state)
    if kind == "et":
        from sklearn.ensemble import ExtraTreesClassifier

        return ExtraTreesClassifier(
            N_TREES, max_depth=MAX_DEPTH, class_weight=cw, random_state=random_state, n_jobs=1
        )
    if kind == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(class_weight=cw, random_state=random_state)
    if kind == "lgbm":
        lightgbm = import_optional("lightgbm", f"teacher {kind!r}")
        return lightgbm.LGBMClassifier(
            n_estimators=N_TREES, class_weight=cw, random_state=random_state, n_jobs=1, verbose=-1
        )
    if kind == "xgb":
        xgboost = import_optional("xgboost", f"teacher {kind!r}")
        return xgboost.XGBClassifier(n_estimators=N_TREES, random_state=random_state, n_jobs=1)
    raise ValueError(f"teacher must be one of {COMPRESS_TEACHERS}; got {kind!r}.")


def import_optional(package: str, who: str):
    """The optional ``package``, or one ValueError line: ``who`` needs it (and how to get it)."""
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        raise ValueError(
            f"{who} needs the {package} package, which is not installed (pip install {package})."
        ) from None

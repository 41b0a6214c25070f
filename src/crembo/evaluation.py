"""The cross-validated evaluation ``crembo compress`` prints: accuracy, agreement, stability.

:func:`evaluate_folds` summarizes the results of compress's fold jobs (the student refitted
with its teacher on each fold); the rest turns that summary into rows and sentences for the
terminal (:func:`print_evaluation`) and for ``report.md`` (:func:`evaluation_markdown`).
"""

from __future__ import annotations

import numpy as np

from crembo._escape import markdown, terminal
from crembo.metrics import pairwise_agreement
from crembo.students.tree import tree_view, uniform_subtrees
from crembo.tables import markdown_table, rich_table

__all__ = [
    "SPLIT_TOLERANCE",
    "evaluate_folds",
    "evaluation_markdown",
    "evaluation_rows",
    "evaluation_sentences",
    "print_evaluation",
    "split_name",
    "split_recurrence",
    "stability_rows",
    "tree_splits",
]

#: A resampled student's split "recurs" when it sends all but this share of the rows the same
#: way as the final tree's split on the same feature (robust to thresholds that differ only
#: between two neighbouring values, or inside (0, 1) on a one-hot column).
SPLIT_TOLERANCE = 0.02


def tree_splits(model) -> tuple[np.ndarray, np.ndarray]:
    """Features and thresholds of the splits the rules show (not those inside one-class
    subtrees, which the rules merge into one leaf). Empty for a non-tree student."""
    try:
        view = tree_view(model)
    except TypeError:
        return np.empty(0, dtype=int), np.empty(0)
    shown = (view.feature >= 0) & ~uniform_subtrees(view)
    return view.feature[shown].astype(int), view.threshold[shown].astype(float)


def split_recurrence(splits, others, X, tolerance: float = SPLIT_TOLERANCE):
    """How many of ``others`` trees have each split of ``splits``.

    Parameters
    ----------
    splits : (features, thresholds)
        A tree's splits (:func:`tree_splits`).
    others : sequence of (features, thresholds)
        The splits of the resampled trees.
    X : ndarray of shape (n_samples, n_features)
        The rows that decide whether two thresholds are the same split.
    tolerance : float, default=SPLIT_TOLERANCE
        Largest share of the rows two thresholds on one feature may send different ways.

    Returns
    -------
    same_feature, same_split : ndarray of int
        Per split, the number of other trees splitting that feature at all, and at a
        threshold within ``tolerance``.
    """
    features, thresholds = splits
    X = np.asarray(X, dtype=float)
    same_feature = np.zeros(features.size, dtype=int)
    same_split = np.zeros(features.size, dtype=int)
    for i, (f, t) in enumerate(zip(features, thresholds, strict=True)):  # a few splits
        column = X[:, f][None, :]
        for other_f, other_t in others:
            near = other_t[other_f == f]
            if near.size == 0:
                continue
            same_feature[i] += 1
            lo, hi = np.minimum(near, t)[:, None], np.maximum(near, t)[:, None]
            between = np.mean((column > lo) & (column <= hi), axis=1)  # NaN: neither
            same_split[i] += bool(np.any(between <= tolerance))
    return same_feature, same_split


def evaluate_folds(model, folds, X, names, feature_names=None) -> dict:
    """Summarize compress's cross-validation folds (results of its fold jobs).

    Each fold result holds ``accuracy`` (per method key), ``agreement`` (student against
    teacher on the held-out rows), ``all_pred`` (the fold student on every row), ``splits``
    and ``train_share``; or ``error``. ``names`` maps the method keys to printed names.
    """
    ok = [f for f in folds if "error" not in f]
    errors = [f["error"] for f in folds if "error" in f]
    evaluation = {"folds": len(ok), "requested": len(folds), "note": "; ".join(errors)}
    if not ok:
        return evaluation
    evaluation["accuracy"] = [
        {"method": name, "scores": [f["accuracy"][key] for f in ok]} for key, name in names.items()
    ]
    evaluation["agreement"] = [f["agreement"] for f in ok]
    final = tree_splits(model)
    n_features = np.asarray(X).shape[1]
    names_ = list(feature_names) if feature_names is not None else None
    same_feature, same_split = split_recurrence(final, [f["splits"] for f in ok], X)
    evaluation["stability"] = {
        "students": len(ok),
        "train_share": float(np.mean([f["train_share"] for f in ok])),
        # one fold student alone has no pair: NaN
        "agreement": pairwise_agreement([f["all_pred"] for f in ok], present=[True] * len(ok)),
        "splits": [
            {
                "split": split_name(f, t, names_, n_features),
                "same feature": int(a),
                "same split": int(b),
            }
            for f, t, a, b in zip(*final, same_feature, same_split, strict=True)
        ],
    }
    return evaluation


def split_name(feature: int, threshold: float, feature_names=None, n_features=None) -> str:
    """``petal width <= 0.8``; a one-hot column ``col=value`` reads ``col == value``."""
    name = feature_names[feature] if feature_names is not None else f"x[{feature}]"
    if "=" in name and 0 < threshold < 1:  # the one-hot naming of crembo.datasets
        column, _, value = name.partition("=")
        return f"{column} == {value}"
    return f"{name} <= {threshold:.4g}"


def evaluation_rows(evaluation) -> list[dict]:
    """The accuracy table: one row per method, mean ± std over the folds."""
    rows = []
    for row in evaluation.get("accuracy", []):
        scores = np.asarray(row["scores"], dtype=float)
        std = scores.std(ddof=1) if scores.size > 1 else float("nan")
        rows.append(
            {
                "method": row["method"],
                "accuracy": f"{scores.mean():.3f} ± {std:.3f}",
                "min / max": f"{scores.min():.3f} / {scores.max():.3f}",
            }
        )
    return rows


def stability_rows(evaluation) -> list[dict]:
    """Per split of the tree: how many of the resampled students share it."""
    st = evaluation.get("stability") or {}
    k = st.get("students", 0)
    return [
        {
            "split": s["split"],
            "same feature": f"{s['same feature']}/{k}",
            "same split": f"{s['same split']}/{k}",
        }
        for s in st.get("splits", [])
    ]


def evaluation_sentences(evaluation) -> dict:
    """The printed explanations of the evaluation, by part."""
    if evaluation is None:
        return {"none": "no evaluation (--folds 0)."}
    if "accuracy" not in evaluation:
        return {"none": evaluation.get("note") or "no evaluation."}
    k = evaluation["folds"]
    agree = np.asarray(evaluation["agreement"])
    st = evaluation["stability"]
    text = {
        "accuracy": f"accuracy: mean ± std over {k} shuffled stratified folds, the same folds "
        "for every method; the student is refitted with its teacher on each fold.",
        "agreement": f"agreement of the student with the teacher on the held-out rows: "
        f"{agree.mean():.3f} (per fold {' '.join(f'{a:.3f}' for a in agree)}).",
        "stability": f"stability: the {st['students']} fold students (each fitted on "
        f"{100 * st['train_share']:.0f} % of the rows) predict alike on {st['agreement']:.3f} "
        "of all rows (mean over pairs). Each split of the final tree below: how many of them "
        "split the same feature, and how many at the same place (sending all but "
        f"{100 * SPLIT_TOLERANCE:.0f} % of the rows the same way).",
    }
    if evaluation.get("note"):
        text["note"] = f"left out: {evaluation['note']}"
    return text


def print_evaluation(console, evaluation) -> None:
    """The evaluation on a rich console: tables and their explanations."""
    text = {k: terminal(v) for k, v in evaluation_sentences(evaluation).items()}
    if "none" in text:
        console.print(text["none"])
        return
    console.print(rich_table(evaluation_rows(evaluation), title="Cross-validated accuracy"))
    console.print(text["accuracy"])
    if "note" in text:
        console.print(text["note"])
    console.print(text["agreement"] + "\n")
    console.print(text["stability"])
    rows = stability_rows(evaluation)
    if rows:
        console.print(rich_table(rows, title="Splits of the tree among the fold students"))


def evaluation_markdown(evaluation) -> str:
    """The evaluation as report.md sections."""
    text = {k: markdown(v) for k, v in evaluation_sentences(evaluation).items()}
    if "none" in text:
        return "## Evaluation\n\n" + text["none"]
    parts = [
        "## Cross-validated accuracy",
        markdown_table(evaluation_rows(evaluation)),
        text["accuracy"] + (f" {text['note']}" if "note" in text else ""),
        text["agreement"],
        "## Stability",
        text["stability"],
        markdown_table(stability_rows(evaluation)) or "(the tree has no split)",
    ]
    return "\n\n".join(parts)

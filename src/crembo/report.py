"""Tables and plots: what a fitted CREMBO model chose, and why.

Plots use matplotlib's Agg backend (no display needed) and every file is written to a
temporary name first, then renamed, so a report folder never holds half-written files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from rich.table import Table

from crembo._io import atomic_path
from crembo.depth import pointwise_depth
from crembo.metrics import pairwise_agreement
from crembo.students.tree import class_labels, tree_rules, tree_view, uniform_subtrees

SWEEP_PLOT = "threshold_sweep.png"
DEPTH_PLOT = "depth_profile.png"
TREE_PLOT = "student_tree.png"
REPORT = "report.md"


def rich_table(rows: Sequence[Mapping], title: str | None = None, *, digits: int = 3) -> Table:
    """A rich table with one column per key of the first row; floats rounded."""
    table = Table(title=title, title_justify="left")
    if not rows:
        return table
    for i, key in enumerate(rows[0]):
        table.add_column(str(key), justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(_fmt(v, digits) for v in row.values()))
    return table


def markdown_table(rows: Sequence[Mapping], *, digits: int = 3) -> str:
    """The same rows as a GitHub markdown table."""
    if not rows:
        return ""
    keys = list(rows[0])
    lines = ["| " + " | ".join(map(str, keys)) + " |", "|" + " --- |" * len(keys)]
    lines += ["| " + " | ".join(_fmt(r[k], digits) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def _fmt(value, digits) -> str:
    if isinstance(value, (float, np.floating)):
        return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"
    return str(value)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def plot_threshold_sweep(model, path) -> Path:
    """Validation score against threshold, MEMO's θ* and the chosen θ marked."""
    plt = _pyplot()
    sweep = model.sweep_
    theta = np.asarray(sweep["threshold"], dtype=float)
    score = np.asarray(sweep["score"], dtype=float)
    se = np.asarray(sweep.get("score_se", np.full(theta.size, np.nan)), dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    if np.isfinite(se).any():
        ax.errorbar(theta, score, yerr=np.nan_to_num(se), fmt="o-", capsize=3, label="score ± se")
    else:
        ax.plot(theta, score, "o-", label="validation score")
    ax.axvline(
        model.memo_threshold_,
        color="tab:red",
        ls="--",
        label=f"MEMO θ* = {model.memo_threshold_:.3f}",
    )
    ax.axvline(
        model.threshold_,
        color="tab:green",
        ls=":",
        lw=2,
        label=f"chosen θ = {model.threshold_:.3f}",
    )
    ax.set_xlabel("threshold θ (allowed labels: belief ≥ θ)")
    ax.set_ylabel(f"validation {getattr(model, 'scoring', 'score')}")
    ax.set_title("CREMBO sweep: candidates from θ* upward")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return _save(fig, path)


def plot_depth_profile(model, X, belief, path) -> Path:
    """Sorted pointwise depth of the student on ``X`` (left) and depth per candidate (right).

    ``belief`` is the teacher's belief on ``X`` (rows of ``X`` with the model's classes).
    """
    plt = _pyplot()
    pred = model.student_.predict(np.asarray(X, dtype=np.float64))
    depth = np.sort(pointwise_depth(pred, belief))
    sweep = model.sweep_
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.0))
    share = np.arange(1, depth.size + 1) / depth.size
    left.step(share, depth, where="post", color="tab:blue", label="student")
    left.axhline(model.memo_threshold_, color="tab:red", ls="--", label="MEMO θ*")
    left.axhline(model.threshold_, color="tab:green", ls=":", lw=2, label="chosen θ")
    left.set_xlabel("share of training rows (sorted by depth)")
    left.set_ylabel("pointwise depth  b[h(x)](x)")
    left.set_ylim(-0.02, 1.02)
    left.set_title(f"Depth of the student (min {depth.min():.3f})")
    left.grid(alpha=0.3)
    left.legend(loc="lower right", fontsize=8)
    theta = np.asarray(sweep["threshold"], dtype=float)
    d = np.asarray(sweep["depth"], dtype=float)
    ok = np.isfinite(d)
    if ok.any():
        # the search measures depth only where it needs it: plot those, and say how many
        right.plot(theta[ok], d[ok], "o-", color="tab:purple", label="measured depth")
        right.plot(theta, theta, color="grey", lw=0.8, ls="--", label="depth = θ")
        right.legend(loc="best", fontsize=8)
        if ok.sum() < 3:
            right.text(
                0.5,
                0.6,
                f"the search measured the depth at {ok.sum()} of {d.size} candidates\n"
                "(the chosen student's depth profile is on the left)",
                ha="center",
                fontsize=8,
                color="dimgrey",
                transform=right.transAxes,
            )
    else:
        right.text(
            0.5, 0.5, "depth not measured per candidate", ha="center", transform=right.transAxes
        )
    right.axvline(model.threshold_, color="tab:green", ls=":", lw=2)
    right.set_xlabel("threshold θ")
    right.set_ylabel("empirical depth on the search rows")
    right.set_title(f"Depth at the candidates where measured ({ok.sum()} of {d.size})")
    right.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def plot_student_tree(model, path, feature_names=None, class_names=None) -> Path:
    """Draw the tree student: splits, and per leaf the class it predicts.

    For an allowed-label tree the predicted class is the argmax of P(allowed); subtrees
    whose leaves all predict one class are drawn as one leaf.
    """
    plt = _pyplot()
    view = tree_view(model)
    rules_same = uniform_subtrees(view)
    n_feat = getattr(model, "n_features_in_", int(view.feature.max()) + 1)
    features = (
        list(feature_names) if feature_names is not None else [f"x[{i}]" for i in range(n_feat)]
    )
    classes = class_labels(model, view, class_names)
    pos, edges, nodes = _layout(view, rules_same)
    n_leaves = sum(1 for n in nodes if rules_same[n])
    depth = max(-y for _, y in pos.values()) if pos else 0
    fig, ax = plt.subplots(figsize=(max(6.0, 2.1 * n_leaves), 1.0 + 1.5 * (depth + 1)))
    colors = plt.get_cmap("tab10")
    for a, b, side in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        ax.plot([xa, xb], [ya, yb], color="grey", lw=1, zorder=1)
        ax.text(
            (xa + xb) / 2,
            (ya + yb) / 2,
            side,
            fontsize=7,
            color="dimgrey",
            ha="center",
            va="center",
            bbox={"fc": "white", "ec": "none", "pad": 0.5},
        )
    label = "P(allowed)" if view.allowed_labels else "P"
    for node in nodes:
        x, y = pos[node]
        if rules_same[node]:
            k = view.predicted[node]
            score = f"{label} {view.scores[node, k]:.2f}"
            text = f"predict {classes[k]}\n{score}\n{view.samples[node]} rows"
            box = {"boxstyle": "round", "fc": colors(k % 10), "alpha": 0.35, "ec": colors(k % 10)}
        else:
            split = f"{features[view.feature[node]]}\n≤ {view.threshold[node]:.3g}"
            text = f"{split}\n{view.samples[node]} rows"
            box = {"boxstyle": "square", "fc": "white", "ec": "black"}
        ax.text(x, y, text, ha="center", va="center", fontsize=8, bbox=box, zorder=2)
    xs = [p[0] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(-depth - 0.6, 0.6)
    ax.axis("off")
    merged = "" if n_leaves == view.n_leaves else f", drawn as {n_leaves} after merging"
    ax.set_title(
        f"Student tree ({view.n_leaves} leaves{merged}); left branch: condition true", fontsize=10
    )
    return _save(fig, path)


def _layout(view, stop):
    """Leaves evenly spaced left to right; a parent centred over its children."""
    pos, edges, order = {}, [], []
    next_x = [0.0]

    def place(node, depth):
        order.append(node)
        if stop[node]:
            pos[node] = (next_x[0], -depth)
            next_x[0] += 1.0
            return
        a, b = view.left[node], view.right[node]
        place(a, depth + 1)
        place(b, depth + 1)
        pos[node] = ((pos[a][0] + pos[b][0]) / 2, -depth)
        edges.extend([(node, a, "yes"), (node, b, "no")])

    place(0, 0)  # depth-limited students: recursion depth is the tree depth
    return pos, edges, order


def write_report(
    model,
    out_dir,
    *,
    X,
    belief,
    feature_names=None,
    class_names=None,
    facts: Mapping | None = None,
    evaluation: Mapping | None = None,
    y=None,
) -> list[Path]:
    """Write ``report.md`` and its three PNG plots into ``out_dir`` (created if needed).

    Parameters
    ----------
    model : fitted CREMBOClassifier
    out_dir : str or Path
    X : array-like
        The training rows; ``belief`` is the teacher's belief on them.
    belief : ndarray of shape (n_samples, n_classes)
    feature_names, class_names : sequence of str, optional
    facts : mapping, optional
        Extra lines for the report's first table (data file, teacher, settings, ...).
    evaluation : mapping, optional
        Cross-validated accuracy of the student and its baselines (a plain tree, the
        majority class), agreement and stability, as ``crembo compress`` computes them
        (:func:`evaluate_folds`); the report says there is none when omitted.
    y : array-like of shape (n_samples,), optional
        Labels of ``X``: the rules then count the real rows of each leaf and its class.

    Returns
    -------
    paths : list of Path
        The files written.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"report folder {out} exists and is not a folder.")
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        plot_threshold_sweep(model, out / SWEEP_PLOT),
        plot_depth_profile(model, X, belief, out / DEPTH_PLOT),
        plot_student_tree(model, out / TREE_PLOT, feature_names, class_names),
    ]
    view = tree_view(model)
    d = np.asarray(model.sweep_["depth"], dtype=float)
    rows = [{"item": k, "value": v} for k, v in (facts or {}).items()]
    rows += [
        {"item": "MEMO threshold θ*", "value": float(model.memo_threshold_)},
        {"item": "MEMO feasible", "value": bool(model.memo_feasible_)},
        {"item": "chosen threshold θ", "value": float(model.threshold_)},
        {"item": "measured depth (training rows)", "value": float(model.depth_)},
        {"item": "candidates swept", "value": int(len(model.sweep_["threshold"]))},
        {"item": "student fits", "value": int(model.n_student_fits_)},
        {"item": "student leaves / depth", "value": f"{view.n_leaves} / {view.max_depth}"},
        {"item": "belief", "value": getattr(model, "belief_kind_", "n/a")},
    ]
    sweep_rows = [
        {"threshold θ": t, "validation score": s, "depth": d}
        for t, s, d in zip(
            model.sweep_["threshold"], model.sweep_["score"], model.sweep_["depth"], strict=True
        )
    ]
    text = "\n\n".join(
        [
            "# CREMBO compression report",
            markdown_table(rows),
            evaluation_markdown(evaluation),
            "## Validation score against threshold\n\n"
            f"![threshold sweep]({SWEEP_PLOT})\n\n" + markdown_table(sweep_rows),
            "## Depth profile\n\nLeft: the student's pointwise depth b[h(x)](x) on every "
            "training row, sorted; its minimum is the empirical depth. Right: the depth "
            f"measured at the candidate thresholds where the search measured it "
            f"({int(np.isfinite(d).sum())} of {d.size}; n/a in the table above).\n\n"
            f"![depth profile]({DEPTH_PLOT})",
            "## The student tree\n\nEach leaf predicts the class with the highest "
            "probability of being allowed (argmax of P(allowed)); subtrees whose leaves all "
            "predict one class are shown as one leaf.\n\n"
            f"![student tree]({TREE_PLOT})\n\n```text\n"
            + rules_text(model, feature_names, class_names, X=X, y=y)
            + "\n```",
        ]
    )
    report = out / REPORT
    with atomic_path(report) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    return [report, *paths]


# ------------------------------------------------------------- evaluation (compress)

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
    text = evaluation_sentences(evaluation)
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
    text = evaluation_sentences(evaluation)
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


def rules_text(model, feature_names=None, class_names=None, *, X=None, y=None) -> str:
    """The student's rules (with the real rows per leaf when ``X`` and ``y`` are given)."""
    from crembo.students import tree as trees

    rules = getattr(trees, "rules", None)
    if rules is None:  # before the rules function with real-row counts
        return tree_rules(model, feature_names, class_names)
    return rules(model, feature_names, class_names, X=X, y=y)


def format_size(n_bytes: int) -> str:
    """``4.2 KB``, ``2.6 MB``."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{n_bytes} bytes"

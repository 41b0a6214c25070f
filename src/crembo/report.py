"""The report of a fitted CREMBO model: its plots and ``report.md``, what it chose and why.

The tables are :mod:`crembo.tables`, the cross-validated evaluation of ``crembo compress``
:mod:`crembo.evaluation`; :func:`write_report` puts them together.

Plots use matplotlib's Agg backend (no display needed) and every file is written to a
temporary name first, then renamed, so a report folder never holds half-written files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from crembo._escape import markdown_code, plot_text, visible
from crembo._io import atomic_path
from crembo.depth import pointwise_depth
from crembo.evaluation import evaluation_markdown
from crembo.stability import stability_note
from crembo.students.tree import class_labels, rules, tree_view, uniform_subtrees
from crembo.tables import markdown_table

SWEEP_PLOT = "threshold_sweep.png"
DEPTH_PLOT = "depth_profile.png"
TREE_PLOT = "student_tree.png"
REPORT = "report.md"


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
        [plot_text(n) for n in feature_names]
        if feature_names is not None
        else [f"x[{i}]" for i in range(n_feat)]
    )
    classes = [plot_text(c) for c in class_labels(model, view, class_names)]
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


def _shown(feature_names, class_names):
    """Names with their control characters visible: a name stays on its line of the rules."""
    return tuple(None if names is None else [visible(n) for n in names]
                 for names in (feature_names, class_names))  # fmt: skip


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
    """Write ``report.md``, its three PNG plots and ``report.html`` (the same report as one
    self-contained web page, :mod:`crembo.report_html`) into ``out_dir`` (created if needed).

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
        {"item": "in-fit stability estimate", "value": float(getattr(model, "stability_", np.nan))},
        {"item": "candidates swept", "value": int(len(model.sweep_["threshold"]))},
        {"item": "student fits", "value": int(model.n_student_fits_)},
        {"item": "student leaves / depth", "value": f"{view.n_leaves} / {view.max_depth}"},
        {"item": "belief", "value": getattr(model, "belief_kind_", "n/a")},
    ]
    stability = model.sweep_.get("stability", np.full(d.size, np.nan))
    sweep_rows = [
        {"threshold θ": t, "validation score": s, "stability estimate": e, "depth": dd}
        for t, s, e, dd in zip(
            model.sweep_["threshold"], model.sweep_["score"], stability, d, strict=True
        )
    ]
    text = "\n\n".join(
        [
            "# CREMBO compression report",
            markdown_table(rows),
            evaluation_markdown(evaluation),
            "## Validation score against threshold\n\n"
            f"![threshold sweep]({SWEEP_PLOT})\n\n"
            + stability_note(model)
            + "; per candidate in the table (n/a: not measured).\n\n"
            + markdown_table(sweep_rows),
            "## Depth profile\n\nLeft: the student's pointwise depth b[h(x)](x) on every "
            "training row, sorted; its minimum is the empirical depth. Right: the depth "
            f"measured at the candidate thresholds where the search measured it "
            f"({int(np.isfinite(d).sum())} of {d.size}; n/a in the table above).\n\n"
            f"![depth profile]({DEPTH_PLOT})",
            "## The student tree\n\nEach leaf predicts the class with the highest "
            "probability of being allowed (argmax of P(allowed)); subtrees whose leaves all "
            "predict one class are shown as one leaf.\n\n"
            f"![student tree]({TREE_PLOT})\n\n"
            + markdown_code(rules(model, *_shown(feature_names, class_names), X=X, y=y)),
        ]
    )
    report = out / REPORT
    with atomic_path(report) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    from crembo.report_html import write_html  # the same report as one web page

    return [report, *paths, write_html(text, out)]

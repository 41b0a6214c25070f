"""The breakdown figure: accuracy and agreement against the contaminated fraction.

Drawn from the summaries of :mod:`crembo.experiments.breakdown` (``summary.json``), so a
finished run can be replotted without rerunning it.
"""

from __future__ import annotations

from pathlib import Path

_COLORS = {"teacher": "0.55", "BM": "tab:blue", "VT": "tab:orange", "CREMBO": "tab:green"}


def plot_breakdown(summaries, path) -> Path:
    """One row per data set: accuracy and agreement against the contaminated fraction, for
    the teacher's trees and for the labels (mean ± std over units). The control (trees
    replaced by trees fitted to the true labels) is drawn dotted in the teacher panels."""
    from crembo.report import _pyplot, _save

    plt = _pyplot()
    summaries = [s for s in summaries if s.get("results")]
    if not summaries:
        raise ValueError("summaries: nothing to plot (no unit done).")
    fig, axes = plt.subplots(
        len(summaries), 4, figsize=(14, 2.8 * len(summaries)), squeeze=False, sharex=True
    )
    panels = [(k, metric) for k in ("teacher", "labels") for metric in ("accuracy", "agreement")]
    for r, s in enumerate(summaries):
        for c, (kind, metric) in enumerate(panels):
            ax = axes[r, c]
            for m in s["protocol"]["methods"]:
                _curve(ax, s["results"].get(kind, {}), m, metric, label=m)
                if kind == "teacher" and m in ("VT", "CREMBO"):
                    control = s["results"].get("resampled", {})
                    _curve(ax, control, m, metric, label=f"{m}, true-label trees", dotted=True)
            what = "trees replaced" if kind == "teacher" else "labels flipped"
            ax.set_title(f"{s['protocol']['dataset']}: {metric}, {what}", fontsize=9)
            ax.grid(alpha=0.3)
            if r == len(summaries) - 1:
                ax.set_xlabel("contaminated fraction")
    axes[0, 1].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return _save(fig, path)


def _curve(ax, per_fraction, method, metric, label, dotted=False):
    fractions = [float(f) for f in per_fraction if method in per_fraction[f]]
    if not fractions:
        return
    mean = [per_fraction[f"{f:g}"][method][metric] for f in fractions]
    color = _COLORS.get(method)
    if dotted:  # the control: no error bars, to keep the panel readable
        ax.plot(fractions, mean, ls=":", lw=1.5, color=color, label=label)
        return
    std = [per_fraction[f"{f:g}"][method][f"{metric}_std"] for f in fractions]
    style = {"ls": "--" if method == "teacher" else "-", "marker": "o", "ms": 3}
    ax.errorbar(fractions, mean, yerr=std, label=label, color=color, capsize=2, **style)

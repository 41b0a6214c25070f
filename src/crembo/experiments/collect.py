"""Gather the ``summary.json`` of many runs into the markdown tables of docs/results.md."""

from __future__ import annotations

import json
from pathlib import Path

from crembo.datasets import NAMES

_ORDER = {
    n: i for i, n in enumerate(("iris", "breast_cancer", "heart", "dermatology", "arrhythmia"))
}


def load_summaries(root) -> list[dict]:
    """Every ``summary.json`` under ``root`` (one folder level deep or the folder itself)."""
    root = Path(root)
    paths = sorted(root.glob("*/summary.json")) + sorted(root.glob("summary.json"))
    out = []
    for p in paths:
        try:
            s = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{p} is not a readable summary ({exc}).") from None
        if not isinstance(s, dict) or not isinstance(s.get("protocol"), dict):
            raise ValueError(f"{p} is not a summary of this program (no protocol).")
        if s["protocol"].get("experiment") in ("generalization", "robustness"):
            out.append(s | {"_path": str(p.parent)})  # breakdown, dnn: tables of their own
    return out


def _protocol_key(p: dict):
    return (p["experiment"], p["class_weight"], p["shuffle"])


def _cell(mean, std, best=False) -> str:
    if mean is None:
        return "–"
    text = f"{mean:.3f} ± {std:.3f}"
    return f"**{text}**" if best else text


def results_tables(summaries: list[dict]) -> str:
    """One markdown table per (experiment, class weight, shuffle): rows data set × teacher."""
    groups: dict = {}
    for s in summaries:
        groups.setdefault(_protocol_key(s["protocol"]), []).append(s)
    parts = []
    for key in sorted(groups, key=lambda k: (k[0], k[1] != "balanced", k[2])):
        experiment, cw, shuffle = key
        runs = sorted(
            groups[key],
            key=lambda s: (
                _ORDER.get(s["protocol"]["dataset"], len(NAMES)),
                s["protocol"]["dataset"],
                s["protocol"]["teacher"] != "rf",
            ),
        )
        methods = list(runs[0]["protocol"]["methods"])
        students = [m for m in methods if m != "teacher"]
        robust = experiment == "robustness"
        name = (
            "paper"
            if (cw == "balanced" and not shuffle)
            else ("fair" if (cw == "none" and shuffle) else "other")
        )
        parts.append(
            f"### {experiment}: {name} protocol (class_weight={cw}, "
            f"{'shuffled StratifiedKFold' if shuffle else 'unshuffled KFold'})\n"
        )
        what = (
            "agreement (mean ± std over repeats)"
            if robust
            else "test accuracy (mean ± std over folds)"
        )
        parts.append(f"Cells: {what}; **bold** = best student.\n")
        head = ["data set", "teacher", "units"] + methods
        paper = [m for m in ("BM", "VT", "CREMBO") if m in methods]
        if not robust:
            head.append("wins/ties: " + ", ".join(students))
            head.append("wins/ties: " + ", ".join(paper))
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for s in runs:
            e = s["methods"]
            stat = "agreement" if robust else "mean"
            sd = "agreement_std" if robust else "std"
            vals = {m: e[m].get(stat) for m in methods}
            best = max(
                (v for m, v in vals.items() if m in students and v is not None), default=None
            )
            row = [
                s["protocol"]["dataset"],
                s["protocol"]["teacher"],
                f"{s['units_done']}/{s['units_total']}",
            ]
            for m in methods:
                is_best = (
                    m in students
                    and best is not None
                    and vals[m] is not None
                    and abs(vals[m] - best) < 1e-12
                )
                row.append(_cell(vals[m], e[m].get(sd), is_best))
            if not robust:
                row.append(", ".join(f"{e[m]['wins']}/{e[m]['ties']}" for m in students))
                row.append(
                    ", ".join(
                        f"{e[m].get('paper_wins', '?')}/{e[m].get('paper_ties', '?')}"
                        for m in paper
                    )
                )
            lines.append("| " + " | ".join(row) + " |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)

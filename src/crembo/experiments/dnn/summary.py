"""The DNN experiment's summary: agreement per method, paired differences, the markdown."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crembo.experiments.dnn.protocol import (
    CREMBO_VARIANTS,
    DISTILLATION_BARS,
    OWN_BASE,
    DNNProtocol,
)
from crembo.experiments.summary import summarize
from crembo.metrics import pairwise_agreement


def summarize_dnn(store, records, protocol: DNNProtocol, info, units_total, bases=()) -> dict:
    """The tabular summary (mean, std, thresholds, depth, seconds per method), plus
    agreement per method and CREMBO − KD paired per unit, per student.

    ``bases`` (:class:`~crembo.experiments.dnn.joined.ExtendedRun`): the runs this one
    extends; the summary is then of all their units and this run's. Every figure of a method
    is over the units that have it (``n`` per method; a unit × method in several runs counts
    once, from the first), every paired difference over the units that have both (its ``n``).
    """
    parts = [_Part(b.store, b.records, list(b.methods)) for b in bases]
    parts.append(_Part(store, records, list(protocol.methods)))
    pdict = protocol.to_dict()
    if bases:
        own = set(parts[-1].unit_keys())
        units_total += len(frozenset().union(*(b.units for b in bases)) - own)
        baselines = [*(x for b in bases for x in b.baselines), *protocol.baselines]
        methods = list(dict.fromkeys(m for part in parts for m in part.methods))
        extends = [str(b.store.out) for b in bases]
        pdict = {
            **pdict,
            "baselines": list(dict.fromkeys(baselines)),
            "methods": methods,
            "extends": extends,
        }
        frames = [part.records for part in parts if len(part.records)]
        if frames:
            records = pd.concat(frames, ignore_index=True)
            records = records.drop_duplicates(["repeat", "fold", "method"], ignore_index=True)
    summary = summarize(records, pdict, dataset=info, units_total=units_total)
    methods = list(pdict["methods"])
    for m in methods:
        a = np.asarray([v for _, _, v in _agreements(parts, m)])
        summary["methods"][m]["agreement"] = float(a.mean()) if a.size else None
        summary["methods"][m]["agreement_std"] = float(a.std()) if a.size else None
    table = records.pivot_table(
        index=["repeat", "fold"], columns="method", values="accuracy", aggfunc="first"
    )
    students = protocol.students
    # CREMBO − KD-aug too: how much of a gain is the augmentation, how much the constraint
    for key, kd in (("crembo_minus_kd", "KD"), ("crembo_minus_kd_aug", "KD-aug")):
        summary[key] = {}
        for s, v in ((s, v) for s in students for v in CREMBO_VARIANTS):
            d = _paired_of(table, f"{s}/{v}", f"{s}/{kd}")
            if d is not None:
                summary[key][f"{s}/{v}"] = d
    if not summary["crembo_minus_kd_aug"]:
        del summary["crembo_minus_kd_aug"]  # no KD-aug run: the summary of before
    own = {}
    for s, (v, kd) in ((s, pair) for s in students for pair in OWN_BASE.items()):
        d = _paired_of(table, f"{s}/{v}", f"{s}/{kd}")
        if d is not None:
            own[f"{s}/{v}"] = {"base": f"{s}/{kd}", **d}
    if own:
        summary["crembo_minus_own_base"] = own
    best = _minus_best_bar(table, students)
    if best:
        summary["crembo_minus_best"] = best
    curves = _curves(parts, methods)
    if curves:
        summary["curves"] = curves
    return summary


@dataclass(frozen=True)
class _Part:
    """One run folder's share of a summary: its store, whole units' records and methods (the
    order of its units' arrays)."""

    store: object
    records: pd.DataFrame
    methods: list

    def unit_keys(self) -> list:
        r = self.records
        return sorted({(int(a), int(b)) for a, b in zip(r["repeat"], r["fold"], strict=True)})


def _units_with(parts, method, artifact):
    """``(key, array row of method)`` of every unit that has ``method``, in key order (a
    unit in several parts: the first's)."""
    out = {}
    for part in parts:
        if method not in part.methods:
            continue
        k = part.methods.index(method)
        for key in part.unit_keys():
            if key not in out:
                out[key] = part.store.load_artifact(artifact, key)[k]
    return sorted(out.items(), key=lambda item: item[0])


def _agreements(parts, method):
    """``(repeat, units, agreement)`` of every repeat where ≥ 2 units have ``method``."""
    rows = _units_with(parts, method, "predictions")
    out = []
    for r in sorted({key[0] for key, _ in rows}):
        P = np.stack([p for key, p in rows if key[0] == r])
        if len(P) >= 2:
            out.append((r, len(P), pairwise_agreement(P)))
    return out


def _paired(diff) -> dict:
    diff = np.asarray(diff, dtype=float)
    return {
        "mean": float(diff.mean()),
        "std": float(diff.std()),
        "n": int(diff.size),
        "crembo_better": int((diff > 1e-12).sum()),
        "ties": int((np.abs(diff) <= 1e-12).sum()),
        "kd_better": int((diff < -1e-12).sum()),
    }


def _paired_of(table, a, b) -> dict | None:
    """``a − b`` paired over the units that have both (None when none has)."""
    if a not in table or b not in table:
        return None
    diff = (table[a] - table[b]).dropna().to_numpy()
    return _paired(diff) if diff.size else None


def _minus_best_bar(table, students) -> dict:
    """Each CREMBO − the best of :data:`DISTILLATION_BARS` run (by mean accuracy over the
    units), paired per unit, per student: the issue-25 comparison."""
    out = {}
    for s in students:
        bars = [f"{s}/{b}" for b in DISTILLATION_BARS if f"{s}/{b}" in table]
        if not bars or not len(table):
            continue
        bar = max(bars, key=lambda m: table[m].mean())
        for v in CREMBO_VARIANTS:
            d = _paired_of(table, f"{s}/{v}", bar)
            if d is not None:
                out[f"{s}/{v}"] = {"bar": bar, **d}
    return out


#: Epochs at which the curves are reported (those within ``max_epochs``).
CURVE_EPOCHS = (5, 10, 20, 40, 80, 120, 150, 160, 200, 300, 400)


def _curves(parts, methods) -> dict:
    """Mean held-out accuracy after each of :data:`CURVE_EPOCHS` epochs (a student that
    stopped earlier counts with its last epoch) and the mean epoch kept, per distilled method
    (over the units that have it)."""
    paths = [part.store.artifact_path("curves", k) for part in parts for k in part.unit_keys()]
    if not all(p.exists() for p in paths):
        return {}
    out = {}
    for m in methods:
        rows = _units_with(parts, m, "curves")
        if not rows:
            continue
        C = np.stack([c for _, c in rows])  # (units, 2, epochs)
        acc, kept = C[:, 0, :], C[:, 1, :]
        if np.isnan(acc[:, 0]).any():
            continue
        # carry a stopped student's last accuracy forward: its net is the same from there
        last = np.where(np.isnan(acc), -np.inf, np.arange(acc.shape[1]))
        filled = np.take_along_axis(acc, np.maximum.accumulate(last, axis=1).astype(int), 1)
        at = {e: float(filled[:, e - 1].mean()) for e in CURVE_EPOCHS if e <= acc.shape[1]}
        epochs = np.nansum(kept * np.arange(1, acc.shape[1] + 1), axis=1)
        ran = (~np.isnan(acc)).sum(axis=1)
        out[m] = {
            "accuracy_at": at,
            "epoch_kept": float(epochs.mean()),
            "epochs_run": float(ran.mean()),
            "n": len(rows),
        }
    return out


def _listed(extends) -> list:
    """A summary's ``extends``: a list of folders (one folder as text in older summaries)."""
    return [] if not extends else [extends] if isinstance(extends, str) else list(extends)


def _fmt(v, digits=3) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def dnn_markdown(summary: dict) -> str:
    """Markdown: the protocol in one line, one row per student × method, CREMBO − KD."""
    p = summary["protocol"]
    head = (
        f"**dnn** on `{p['dataset']}`: teacher `{p['teacher']}`, students "
        f"{', '.join(f'`{s}`' for s in p['students'])}; {p['folds']} folds × {p['repeats']} "
        f"repeat(s), test share {p['test_size']}, seed {p['seed']}; belief T="
        f"{p['belief_temperature']}, ε={p['epsilon']}, ≤{p['max_candidates']} candidates, "
        f"δ={p['delta']}; KD τ={p['kd_temperature']}, α={p['kd_alpha']}; "
        f"{summary['units_done']}/{summary['units_total']} units done."
    )
    if "CREMBO" in p["baselines"] or "KD-aug" in p["baselines"]:
        head += (
            f" CREMBO: KD soft term + {p.get('crembo_beta')} × {p.get('crembo_loss')} "
            f"allowed-label term, belief T={p.get('crembo_belief_temperature')}, "
            f"≤{p.get('crembo_candidates')} candidates, δ={p.get('crembo_delta')}, refit "
            f"{p.get('crembo_refit')}; teacher-labelled rows (CREMBO, KD-aug): "
            f"{p.get('aug_shifts')} shifted copies (≤{p.get('aug_max_shift')} px), mixup "
            f"{p.get('aug_mixup')}."
        )
    if p.get("extends"):
        head += (
            f" Joined with the units of {', '.join(f'`{x}`' for x in _listed(p['extends']))} "
            "(the runs this one extends): each method over the units that have it, "
            "differences over the units that have both."
        )
    cols = [
        "method",
        "units",
        "accuracy",
        "std",
        "agreement",
        "θ",
        "θ* (MEMO)",
        "mean depth",
        "seconds",
    ]
    lines = [head, "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for m, e in summary["methods"].items():
        row = [
            m,
            str(e["n"]),
            _fmt(e["mean"]),
            _fmt(e["std"]),
            _fmt(e.get("agreement")),
            _fmt(e["threshold_mean"]),
            _fmt(e["memo_threshold_mean"]),
            _fmt(e["mean_depth_mean"]),
            _fmt(e["seconds_mean"], 1),
        ]
        lines.append("| " + " | ".join(row) + " |")
    for key, kd in (("crembo_minus_kd", "KD"), ("crembo_minus_kd_aug", "KD-aug")):
        for s, d in summary.get(key, {}).items():
            lines.append(
                f"\n`{s}` − {kd}: {d['mean']:+.4f} ± {d['std']:.4f} accuracy (paired over "
                f"{d['n']} units; CREMBO better in {d['crembo_better']}, ties {d['ties']}, {kd} "
                f"better in {d['kd_better']})."
            )
    for s, d in summary.get("crembo_minus_best", {}).items():
        lines.append(
            f"\n`{s}` − the best bar (`{d['bar']}`): {d['mean']:+.4f} ± {d['std']:.4f} "
            f"accuracy (paired over {d['n']} units; CREMBO better in {d['crembo_better']}, ties "
            f"{d['ties']}, the bar better in {d['kd_better']})."
        )
    for s, d in summary.get("crembo_minus_own_base", {}).items():
        lines.append(
            f"\n`{s}` − its own distillation without the set (`{d['base']}`): "
            f"{d['mean']:+.4f} ± {d['std']:.4f} accuracy (paired over {d['n']} units; CREMBO "
            f"better in {d['crembo_better']}, ties {d['ties']}, worse in {d['kd_better']})."
        )
    curves = summary.get("curves")
    if curves:
        epochs = sorted({int(e) for c in curves.values() for e in c["accuracy_at"]})
        cols = ["method", "units", *(f"ep {e}" for e in epochs), "epoch kept", "epochs run"]
        lines += ["", "Held-out accuracy by epoch (mean over units):", ""]
        lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for m, c in curves.items():
            at = [_fmt(c["accuracy_at"].get(str(e), c["accuracy_at"].get(e))) for e in epochs]
            row = [m, str(c.get("n", "–")), *at, _fmt(c["epoch_kept"], 1), _fmt(c["epochs_run"], 1)]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _n(d) -> int:
    """Units of a paired difference (summaries written before ``n``: its counts' sum)."""
    return d.get("n", d["crembo_better"] + d["ties"] + d["kd_better"])


def _pts(d) -> str:
    """A paired difference in points: mean ± std (better / ties / worse units)."""
    sd = f" ± {100 * d['std']:.2f}" if _n(d) > 1 else ""
    return f"{100 * d['mean']:+.2f}{sd} ({d['crembo_better']}/{d['ties']}/{d['kd_better']})"


def dnn_goal_tables(summaries: list[dict]) -> str:
    """The issue-25 tables over many DNN runs (one per task × student, :func:`summarize_dnn`'s
    summaries): every CREMBO against the best of :data:`DISTILLATION_BARS` and against its own
    distillation, paired per unit; then the accuracy and agreement of every method, each
    with its units.
    """
    runs = sorted(
        summaries, key=lambda s: (s["protocol"]["dataset"], tuple(s["protocol"]["students"]))
    )
    head = [
        "task",
        "student",
        "CREMBO",
        "units",
        "best bar",
        "bar acc.",
        "CREMBO acc.",
        "− bar, points (better/ties/worse)",
        "agreement CREMBO / bar",
        "− own distillation",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in runs:
        e, own = s["methods"], s.get("crembo_minus_own_base", {})
        for m, d in s.get("crembo_minus_best", {}).items():
            student, variant = m.split("/", 1)
            o = own.get(m)
            row = [
                s["protocol"]["dataset"],
                student,
                variant,
                str(_n(d)),
                d["bar"].split("/", 1)[1],
                _fmt(e[d["bar"]]["mean"], 4),
                _fmt(e[m]["mean"], 4),
                _pts(d),
                f"{_fmt(e[m].get('agreement'))} / {_fmt(e[d['bar']].get('agreement'))}",
                "–" if o is None else f"{o['base'].split('/', 1)[1]}: {_pts(o)}",
            ]
            lines.append("| " + " | ".join(row) + " |")
    parts = ["\n".join(lines)]
    for stat, what in (("mean", "Accuracy"), ("agreement", "Agreement")):
        methods = list(dict.fromkeys(b for s in runs for b in s["protocol"]["baselines"]))
        head = ["task", "student", "teacher", *methods]
        rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for s in runs:
            e = s["methods"]
            for student in s["protocol"]["students"]:
                cells = [s["protocol"]["dataset"], student]
                for m in ("teacher", *(f"{student}/{b}" for b in methods)):
                    x = e.get(m)
                    ok = x is not None and x.get(stat) is not None
                    cells.append(f"{x[stat]:.3f} ({x['n']})" if ok else "–")
                rows.append("| " + " | ".join(cells) + " |")
        parts.append(
            f"{what} of every method (mean over its units; (units)):\n\n" + "\n".join(rows)
        )
    parts += [_curve_table(runs)] if any(s.get("curves") for s in runs) else []
    return "\n\n".join(parts) + "\n"


def _curve_table(runs) -> str:
    """Held-out accuracy by epoch of every distilled method, run by run (its units)."""
    curves = [c for s in runs for c in s.get("curves", {}).values()]
    epochs = sorted({int(e) for c in curves for e in c["accuracy_at"]})
    head = ["task", "student", "method", "units", *(f"ep {e}" for e in epochs)]
    head += ["epoch kept", "epochs run"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in runs:
        for m, c in s.get("curves", {}).items():
            student, method = m.split("/", 1)
            at = [_fmt(c["accuracy_at"].get(str(e), c["accuracy_at"].get(e))) for e in epochs]
            cells = [s["protocol"]["dataset"], student, method, str(c.get("n", "–")), *at]
            cells += [_fmt(c["epoch_kept"], 0), _fmt(c["epochs_run"], 0)]
            rows.append("| " + " | ".join(cells) + " |")
    what = "Held-out accuracy by epoch (the real rows each net holds out; mean over its units)"
    return f"{what}:\n\n" + "\n".join(rows)


def load_dnn_summaries(root) -> list[dict]:
    """The DNN summaries under ``root`` (one folder level deep, or the folder itself); a run
    that another of them extends is left out (the extending run's summary holds its units;
    ``extends`` is read relative to the working folder, as the run wrote it)."""
    import json
    from pathlib import Path

    root = Path(root)
    found = {}
    for p in sorted(root.glob("*/summary.json")) + sorted(root.glob("summary.json")):
        try:
            s = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{p} is not a readable summary ({exc}).") from None
        if isinstance(s, dict) and (s.get("protocol") or {}).get("experiment") == "dnn":
            found[p.parent.resolve()] = s
    extended = {
        Path(x).resolve() for s in found.values() for x in _listed(s["protocol"].get("extends"))
    }
    return [s for p, s in found.items() if p not in extended]

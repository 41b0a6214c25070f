"""The DNN experiment's summary: agreement per method, paired differences, the markdown."""

from __future__ import annotations

import numpy as np

from crembo.experiments.dnn.protocol import CREMBO_VARIANTS, DISTILLATION_BARS, DNNProtocol
from crembo.experiments.summary import summarize
from crembo.metrics import pairwise_agreement


def summarize_dnn(store, records, protocol: DNNProtocol, info, units_total) -> dict:
    """The tabular summary (mean, std, thresholds, depth, seconds per method), plus
    agreement per method and CREMBO − KD paired per unit, per student."""
    summary = summarize(records, protocol.to_dict(), dataset=info, units_total=units_total)
    methods = list(protocol.methods)
    agreement = {m: [] for m in methods}
    for r, g in records.groupby("repeat"):
        folds = sorted(int(f) for f in g["fold"].unique())
        if len(folds) < 2:
            continue
        P = np.stack([store.load_predictions(int(r), f) for f in folds])
        for k, m in enumerate(methods):
            agreement[m].append(pairwise_agreement(P[:, k, :]))
    for m in methods:
        a = np.asarray(agreement[m])
        summary["methods"][m]["agreement"] = float(a.mean()) if a.size else None
        summary["methods"][m]["agreement_std"] = float(a.std()) if a.size else None
    table = records.pivot_table(
        index=["repeat", "fold"], columns="method", values="accuracy", aggfunc="first"
    )
    # CREMBO − KD-aug too: how much of a gain is the augmentation, how much the constraint
    for key, kd in (("crembo_minus_kd", "KD"), ("crembo_minus_kd_aug", "KD-aug")):
        summary[key] = {}
        pairs = [(s, v) for s in protocol.students for v in CREMBO_VARIANTS]
        for s, v in pairs:
            a, b = f"{s}/{v}", f"{s}/{kd}"
            if a not in table or b not in table or not len(table):
                continue
            summary[key][a] = _paired((table[a] - table[b]).to_numpy())
    if not summary["crembo_minus_kd_aug"]:
        del summary["crembo_minus_kd_aug"]  # no KD-aug run: the summary of before
    best = _minus_best_bar(table, protocol)
    if best:
        summary["crembo_minus_best"] = best
    curves = _curves(store, records, methods)
    if curves:
        summary["curves"] = curves
    return summary


def _paired(diff) -> dict:
    return {
        "mean": float(diff.mean()),
        "std": float(diff.std()),
        "crembo_better": int((diff > 1e-12).sum()),
        "ties": int((np.abs(diff) <= 1e-12).sum()),
        "kd_better": int((diff < -1e-12).sum()),
    }


def _minus_best_bar(table, protocol) -> dict:
    """Each CREMBO − the best of :data:`DISTILLATION_BARS` run (by mean accuracy over the
    units), paired per unit, per student: the issue-25 comparison."""
    out = {}
    for s in protocol.students:
        bars = [f"{s}/{b}" for b in DISTILLATION_BARS if f"{s}/{b}" in table]
        if not bars or not len(table):
            continue
        bar = max(bars, key=lambda m: table[m].mean())
        for v in CREMBO_VARIANTS:
            a = f"{s}/{v}"
            if a in table:
                out[a] = {"bar": bar, **_paired((table[a] - table[bar]).to_numpy())}
    return out


#: Epochs at which the curves are reported (those within ``max_epochs``).
CURVE_EPOCHS = (5, 10, 20, 40, 80, 120, 160, 200, 300, 400)


def _curves(store, records, methods) -> dict:
    """Mean held-out accuracy after each of :data:`CURVE_EPOCHS` epochs (a student that
    stopped earlier counts with its last epoch) and the mean epoch kept, per distilled method."""
    keys = sorted(
        {(int(r), int(f)) for r, f in zip(records["repeat"], records["fold"], strict=True)}
    )
    paths = [store.artifact_path("curves", k) for k in keys]
    if not keys or not all(p.exists() for p in paths):
        return {}
    C = np.stack([store.load_artifact("curves", k) for k in keys])  # (units, methods, 2, E)
    out = {}
    for k, m in enumerate(methods):
        acc, kept = C[:, k, 0, :], C[:, k, 1, :]
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
        }
    return out


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
    cols = ["method", "accuracy", "std", "agreement", "θ", "θ* (MEMO)", "mean depth", "seconds"]
    lines = [head, "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for m, e in summary["methods"].items():
        row = [
            m,
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
                f"units; CREMBO better in {d['crembo_better']}, ties {d['ties']}, {kd} better "
                f"in {d['kd_better']})."
            )
    for s, d in summary.get("crembo_minus_best", {}).items():
        lines.append(
            f"\n`{s}` − the best bar (`{d['bar']}`): {d['mean']:+.4f} ± {d['std']:.4f} "
            f"accuracy (paired; CREMBO better in {d['crembo_better']}, ties {d['ties']}, the "
            f"bar better in {d['kd_better']})."
        )
    curves = summary.get("curves")
    if curves:
        epochs = sorted({int(e) for c in curves.values() for e in c["accuracy_at"]})
        cols = ["method", *(f"ep {e}" for e in epochs), "epoch kept", "epochs run"]
        lines += ["", "Held-out accuracy by epoch (mean over units):", ""]
        lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for m, c in curves.items():
            at = [_fmt(c["accuracy_at"].get(str(e), c["accuracy_at"].get(e))) for e in epochs]
            row = [m, *at, _fmt(c["epoch_kept"], 1), _fmt(c["epochs_run"], 1)]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"

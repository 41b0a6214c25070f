"""The DNN experiment's summary: agreement per method, paired differences, the markdown."""

from __future__ import annotations

import numpy as np

from crembo.experiments.dnn.protocol import CREMBO_VARIANTS, DNNProtocol
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
            diff = (table[a] - table[b]).to_numpy()
            summary[key][a] = {
                "mean": float(diff.mean()),
                "std": float(diff.std()),
                "crembo_better": int((diff > 1e-12).sum()),
                "ties": int((np.abs(diff) <= 1e-12).sum()),
                "kd_better": int((diff < -1e-12).sum()),
            }
    if not summary["crembo_minus_kd_aug"]:
        del summary["crembo_minus_kd_aug"]  # no KD-aug run: the summary of before
    return summary


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
    return "\n".join(lines) + "\n"

"""Summaries of a run: accuracy, wins and ties, agreement; as JSON and as a markdown table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crembo.experiments.store import STATUS_OK, STATUS_TIME_LIMIT, has_result
from crembo.metrics import pairwise_agreement

#: The students the paper compared (its wins were counted among these).
PAPER_STUDENTS = ("BM", "VT", "CREMBO")


def wins_and_ties(accuracy, *, atol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit wins and ties of each method.

    A method *wins* a unit when it alone has the best accuracy there; when several share
    the best accuracy, each of them gets a *tie* (the original protocol gave the tie to the
    method listed first).

    Parameters
    ----------
    accuracy : array-like of shape (n_units, n_methods)

    Returns
    -------
    wins, ties : ndarray of int, shape (n_methods,)
    """
    acc = np.asarray(accuracy, dtype=float)
    if acc.ndim != 2:
        raise ValueError(f"accuracy must be 2-D (units × methods); got shape {acc.shape}.")
    if acc.size == 0:
        return np.zeros(acc.shape[1], dtype=int), np.zeros(acc.shape[1], dtype=int)
    # NaN (a method that failed on the unit) neither wins nor ties; a unit where all failed
    # has no winner
    top = np.max(np.where(np.isnan(acc), -np.inf, acc), axis=1, keepdims=True)
    best = acc >= top - atol
    alone = best.sum(axis=1) == 1
    wins = (best & alone[:, None]).sum(axis=0)
    ties = (best & ~alone[:, None]).sum(axis=0)
    return wins.astype(int), ties.astype(int)


def _nanmean(x) -> float | None:
    x = np.asarray(x, dtype=float)
    return None if np.isnan(x).all() else float(np.nanmean(x))


def summary_header(records, protocol: dict, dataset, units_total, over: str) -> dict:
    """What every ``summary.json`` starts with: the protocol, the data set, units done."""
    n_units = len(records[["repeat", "fold"]].drop_duplicates())
    return {
        "protocol": protocol,
        "dataset": dataset or {"name": protocol["dataset"]},
        "units_done": int(n_units),
        "units_total": units_total,
        "complete": units_total is not None and n_units == units_total,
        "std": f"population standard deviation (ddof=0) over {over}",
    }


def summarize(
    records: pd.DataFrame,
    protocol: dict,
    *,
    predictions=None,
    dataset: dict | None = None,
    units_total: int | None = None,
) -> dict:
    """The summary of a run (what ``summary.json`` holds).

    Parameters
    ----------
    records : DataFrame
        ``records.csv`` of the run (whole units only).
    protocol : dict
        The settings (``Protocol.to_dict()``).
    predictions : dict, optional
        Robustness: ``{repeat: array (n_folds, n_methods, n_test)}`` of the done repeats.
    dataset : dict, optional
        What is known about the data (name, source, shape).
    units_total : int, optional

    Returns
    -------
    dict
        ``protocol``, ``dataset``, ``units_done``, ``units_total``, ``complete`` and
        ``methods``: per method ``mean``, ``std`` (of accuracy over units), ``n``, ``wins`` /
        ``ties`` (generalization; among the students, the teacher excluded), ``paper_wins`` /
        ``paper_ties`` (among BM, VT and CREMBO only, the paper's comparison), ``agreement`` /
        ``agreement_std`` / ``agreement_per_repeat`` (robustness; over complete repeats),
        and mean threshold, MEMO threshold, depth, leaves and seconds.
    """
    methods = list(protocol["methods"])
    out = summary_header(records, protocol, dataset, units_total, "units or repeats")
    out["methods"] = {}
    table = records.pivot_table(
        index=["repeat", "fold"], columns="method", values="accuracy", aggfunc="first"
    ).reindex(columns=methods)  # a method that failed everywhere keeps its (NaN) column
    students = [m for m in methods if m != "teacher"]
    paper = [m for m in PAPER_STUDENTS if m in methods]
    if protocol["experiment"] == "generalization" and len(table) and students:
        wins, ties = wins_and_ties(table[students].to_numpy())
        out["wins_among"] = students
        if len(paper) > 1:
            pwins, pties = wins_and_ties(table[paper].to_numpy())
            out["paper_wins_among"] = paper
    status = _status(records)
    for m in methods:
        mine = (records["method"] == m).to_numpy()
        g = records[mine]
        ok = has_result(status[mine])
        acc = g["accuracy"].to_numpy(dtype=float)[ok]  # failed units: no accuracy
        entry = {
            "mean": float(acc.mean()) if acc.size else None,
            "std": float(acc.std()) if acc.size else None,
            "n": int(acc.size),
            "failed": int((~ok).sum()),
            "time_limit": int((status[mine] == STATUS_TIME_LIMIT).sum()),
            "status_counts": {str(k): int(v) for k, v in status[mine].value_counts().items()},
        }
        if protocol["experiment"] == "generalization":
            k = students.index(m) if m in students else None
            has = k is not None and len(table)
            entry["wins"] = int(wins[k]) if has else None
            entry["ties"] = int(ties[k]) if has else None
            if m in paper and len(paper) > 1 and len(table):
                entry["paper_wins"] = int(pwins[paper.index(m)])
                entry["paper_ties"] = int(pties[paper.index(m)])
        for col in ("threshold", "memo_threshold", "depth", "mean_depth", "leaves", "seconds"):
            entry[f"{col}_mean"] = _nanmean(g[col]) if len(g) else None
        out["methods"][m] = entry
    if protocol["experiment"] == "robustness":
        # agreement over the students that exist: a failed fold's student is left out
        fine = {
            (int(r), int(f), m)
            for r, f, m, ok in zip(
                records["repeat"],
                records["fold"],
                records["method"],
                has_result(status),
                strict=True,
            )
            if ok
        }
        per_repeat = {m: [] for m in methods}
        students = {m: [] for m in methods}
        for r in sorted(predictions or {}):
            P = predictions[r]  # (folds, methods, n_test)
            for k, m in enumerate(methods):
                present = [(int(r), f, m) in fine for f in range(P.shape[0])]
                per_repeat[m].append(pairwise_agreement(P[:, k, :], present))
                students[m].append(int(sum(present)))
        out["agreement_repeats"] = sorted(int(r) for r in (predictions or {}))
        for m in methods:
            a = np.asarray(per_repeat[m], dtype=float)
            a = a[~np.isnan(a)]
            out["methods"][m]["agreement"] = float(a.mean()) if a.size else None
            out["methods"][m]["agreement_std"] = float(a.std()) if a.size else None
            out["methods"][m]["agreement_per_repeat"] = [float(v) for v in per_repeat[m]]
            out["methods"][m]["agreement_students"] = students[m]
    return out


def _status(records: pd.DataFrame) -> pd.Series:
    """The status column (all ``ok`` for records from before it existed)."""
    if "status" not in records.columns:
        return pd.Series([STATUS_OK] * len(records), index=records.index, dtype=object)
    return records["status"].fillna(STATUS_OK).astype(str)


def _fmt(v, digits=3) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def summary_markdown(summary: dict) -> str:
    """A markdown table of a summary, with its protocol in one line above it."""
    p = summary["protocol"]
    robustness = p["experiment"] == "robustness"
    head = (
        f"**{p['experiment']}** on `{p['dataset']}`, teacher `{p['teacher']}`: {p['folds']} folds "
        f"× {p['repeats']} repeats, class_weight={p['class_weight']}, "
        f"shuffle={'yes' if p['shuffle'] else 'no'} ({p['splitter']}), seed={p['seed']}; "
        f"{summary['units_done']}/{summary['units_total']} units done."
    )
    if robustness:
        cols = ["method", "agreement", "agreement std", "accuracy", "accuracy std"]
    else:
        cols = ["method", "accuracy", "std", "wins", "ties"]
    cols += ["θ", "θ* (MEMO)", "depth", "leaves"]
    lines = [head, "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for m, e in summary["methods"].items():
        if robustness:
            row = [
                m,
                _fmt(e["agreement"]),
                _fmt(e["agreement_std"]),
                _fmt(e["mean"]),
                _fmt(e["std"]),
            ]
        else:
            w = "–" if e["wins"] is None else str(e["wins"])
            t = "–" if e["ties"] is None else str(e["ties"])
            row = [m, _fmt(e["mean"]), _fmt(e["std"]), w, t]
        row += [
            _fmt(e["threshold_mean"]),
            _fmt(e["memo_threshold_mean"]),
            _fmt(e["depth_mean"]),
            _fmt(e["leaves_mean"], 1),
        ]
        lines.append("| " + " | ".join(row) + " |")
    failed = {m: e for m, e in summary["methods"].items() if e.get("failed") or e.get("time_limit")}
    if failed:  # never silently dropped: say which units have no result or a cut-short search
        units = summary["units_done"]
        parts = []
        for m, e in failed.items():
            counts = ", ".join(
                f"{k} {v}" for k, v in sorted(e.get("status_counts", {}).items()) if k != "ok"
            )
            part = f"{m} {e.get('failed', 0)}/{units} failed ({counts})"
            if e.get("agreement_students"):
                part += f", agreement over {sum(e['agreement_students'])} students"
            parts.append(part)
        lines += ["", "Failures and time limits (accuracy over the units with a model): "]
        lines[-1] += "; ".join(parts) + "."
    return "\n".join(lines) + "\n"

"""The benchmark suite: the default CREMBO against BM, VT and the peers on the nineteen sets.

Command (resumable: rerun the same command to finish or extend a run)::

    python benchmarks/suite.py --repeats 3 --n-jobs 2            # fits; runs/suite/
    python benchmarks/suite.py --tables                          # markdown of what is done

Protocol: the fair one (shuffled stratified 10-fold, no class weights), forest teacher of 100
trees of depth 12, depth-4 students, both experiments of ``crembo experiment``
(generalization: test accuracy over repeats × folds; robustness: agreement of the 10
students per repeat on a held-out 15 %), one folder per experiment and set under ``--out``.
The data sets are ``crembo.datasets.SUITE`` (``--datasets suite``, or a comma list); the
suite's twelve need ``pip install -e '.[suite]'``, the peers ``'.[peers]'``.

``--tables`` fits nothing: an accuracy table and an agreement table (method × set; a method's
failed or timed-out units are counted in the cell), then for the default (``CREMBO-robust``)
against the better of BM and VT, each baseline and each peer: mean difference, sets won /
tied / lost (tied: equal to 3 decimals), worst set; for agreement a win counts only where the
default's accuracy (in the same robustness run) is not lower; then leaves and fit seconds per
method.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from crembo.datasets import expand_names
from crembo.experiments.tabular import run_on_dataset
from crembo.peers import PEERS as PEER_REGISTRY

DEFAULT = "CREMBO-robust"
BASELINES = ("BM", "VT")
#: every registered peer (:data:`crembo.peers.PEERS`): a new peer module joins the suite
PEERS = tuple(PEER_REGISTRY)
METHODS = ("teacher", *BASELINES, DEFAULT, *PEERS)
EXPERIMENTS = ("generalization", "robustness")
BEST_BASELINE = "best(BM,VT)"
#: differences smaller than this are ties (figures are shown to 3 decimals)
TIE = 5e-4


def with_time_limit(methods, seconds) -> dict:
    """Builders of ``methods`` whose estimators (or CREMBO students) with a ``time_limit``
    get ``seconds`` instead of their default (``--time-limit``); the others as they are."""
    from crembo.experiments.methods import METHODS

    def limited(name):
        def build(teacher, student, rs, **options):
            est = METHODS[name](teacher, student, rs, **options)
            params = est.get_params(deep=True)
            for key in ("time_limit", "student__time_limit"):
                if key in params:
                    est.set_params(**{key: seconds})
            return est

        return build

    return {m: limited(m) for m in methods if m in METHODS}


def run(
    datasets, methods, experiments, repeats, folds, out: Path, n_jobs, data_dir=None, extra=None
):
    """Run (or resume) every experiment on every data set; prints seconds per set."""
    for name in datasets:
        for experiment in experiments:
            t0 = time.perf_counter()
            summary = run_on_dataset(
                experiment,
                name,
                out / f"{experiment}-{name}",
                teacher="rf",
                folds=folds,
                repeats=repeats,
                seed=0,
                class_weight="none",
                shuffle=True,
                methods=methods,
                data_dir=data_dir,
                n_jobs=n_jobs,
                progress=True,
                extra_methods=extra,
            )
            seconds = time.perf_counter() - t0
            fit = ", ".join(
                f"{m} {e['seconds_mean']:.2f}"
                for m, e in summary["methods"].items()
                if e.get("seconds_mean") is not None
            )
            print(f"{experiment} {name}: {seconds:.0f} s; mean fit seconds per unit: {fit}")


def tables(out: Path, datasets, default=DEFAULT) -> str:
    """All the markdown of ``--tables`` for one run folder (see :func:`merged_tables`)."""
    return merged_tables([out], datasets, default)


def per_repeat(outs, datasets) -> dict:
    """``{experiment: {quantity: {method: {set: {repeat: value}}}}}`` from every folder.

    Quantities: ``accuracy`` (mean over the repeat's folds; generalization and robustness),
    ``agreement`` (robustness), ``leaves`` and ``seconds``. A method found in several folders
    keeps its first folder with a whole repeat of the set (a folder where it stopped mid-set
    does not hide another's finished one). Failed units count as missing (their number is in
    ``failed``).
    """
    import pandas as pd

    from crembo.experiments.store import STATUS_TIME_LIMIT, has_result

    found: dict = {}
    for out in outs:
        for experiment in EXPERIMENTS:
            for name in datasets:
                folder = Path(out) / f"{experiment}-{name}"
                if not (folder / "records.csv").exists():
                    continue
                df = pd.read_csv(folder / "records.csv")
                n_folds = _protocol_folds(folder, df)
                if "status" not in df:
                    df["status"] = "ok"
                ok = has_result(df["status"])
                q = found.setdefault(experiment, {})
                summary = folder / "summary.json"
                agree = {}
                if experiment == "robustness" and summary.exists():
                    for m, e in json.loads(summary.read_text())["methods"].items():
                        agree[m] = dict(enumerate(e.get("agreement_per_repeat") or []))
                for m, rows in df.groupby("method", sort=False):
                    if m in q.get("accuracy", {}) and name in q["accuracy"][m]:
                        continue
                    good = rows[ok[rows.index]]
                    # only repeats with every fold of the protocol done count (a run stopped
                    # mid-repeat has fewer folds in its last repeat, maybe in every method)
                    done = rows.groupby("repeat")["fold"].nunique()
                    full = done[done == n_folds].index
                    if full.empty:  # not a whole repeat here: a later folder may have the set
                        continue
                    good = good[good["repeat"].isin(full)]
                    for key in ("accuracy", "leaves", "seconds", "stability"):
                        if key not in good:  # records written before the column
                            continue
                        per = good.groupby("repeat")[key].mean().to_dict()
                        q.setdefault(key, {}).setdefault(m, {})[name] = per
                    q.setdefault("failed", {}).setdefault(m, {})[name] = int(
                        (~ok[rows.index]).sum()
                    )
                    whole = rows[rows["repeat"].isin(full)]
                    stops = int((whole["status"] == STATUS_TIME_LIMIT).sum())
                    q.setdefault("time limit", {}).setdefault(m, {})[name] = (stops, len(whole))
                    if m in agree:
                        a = {r: v for r, v in agree[m].items() if r in set(full)}
                        q.setdefault("agreement", {}).setdefault(m, {})[name] = a
    return found


def _protocol_folds(folder: Path, df) -> int:
    """The folds a whole repeat has: the run's protocol (run.json), else the most recorded."""
    try:
        return int(json.loads((folder / "run.json").read_text())["protocol"]["folds"])
    except (OSError, ValueError, KeyError, TypeError):
        return int(df.groupby("repeat")["fold"].nunique().max()) if len(df) else 0


def _mean(d: dict, repeats=None) -> float:
    vals = [v for r, v in d.items() if repeats is None or r in repeats]
    vals = [v for v in vals if v is not None and not np.isnan(v)]
    return float(np.mean(vals)) if vals else np.nan


def paired_rows(q: dict, key: str, default: str, others, sets, guard: dict | None = None):
    """The default against each method on the repeats both have, per set: mean difference,
    won / tied / lost, worst set, repeats used. With ``guard`` (accuracy of the same runs),
    a win counts only where the default's accuracy is not lower."""
    rows = []
    for o in others:
        if o == default or o not in q[key] or default not in q[key]:
            continue
        diffs, names, wins, reps = [], [], 0, set()
        for n in sets:
            a, b = q[key][default].get(n, {}), q[key][o].get(n, {})
            common = sorted(set(a) & set(b))
            if not common:
                continue
            d = _mean(a, common) - _mean(b, common)
            if np.isnan(d):
                continue
            win = d > TIE
            if guard is not None:
                ga, gb = guard[default].get(n, {}), guard[o].get(n, {})
                win &= _mean(ga, common) >= _mean(gb, common) - TIE
            diffs.append(d)
            names.append(n)
            wins += bool(win)
            reps.add(len(common))
        if not diffs:
            continue
        d = np.array(diffs)
        tied = int((np.abs(d) <= TIE).sum())
        worst = int(np.argmin(d))
        rows.append(
            {
                "against": o,
                "sets": len(d),
                "repeats": "/".join(str(r) for r in sorted(reps)),
                "mean diff": d.mean(),
                "won/tied/lost": f"{wins}/{tied}/{len(d) - wins - tied}",
                "worst set": f"{names[worst]} ({d[worst]:+.3f})",
            }
        )
    return rows


def _with_best(q: dict, key: str, guard_key: str | None = None):
    """Add best(BM,VT) per set and repeat: the better of the two (by ``key``)."""
    if not all(b in q.get(key, {}) for b in BASELINES):
        return
    best, guard = {}, {}
    for n in q[key][BASELINES[0]]:
        reps = set(q[key]["BM"].get(n, {})) & set(q[key]["VT"].get(n, {}))
        pick = max(BASELINES, key=lambda b: _mean(q[key][b][n], reps))
        best[n] = {r: q[key][pick][n][r] for r in reps}
        if guard_key:
            guard[n] = {r: q[guard_key][pick][n].get(r, np.nan) for r in reps}
    q[key][BEST_BASELINE] = best
    if guard_key:
        q.setdefault(f"{guard_key}@{key}", dict(q[guard_key]))[BEST_BASELINE] = guard


def merged_tables(outs, datasets, default=DEFAULT) -> str:
    """Tables over several run folders (e.g. cheap methods with 3 repeats, the optimal-tree
    peers with 1): each comparison uses the repeats both methods have."""
    from crembo.tables import markdown_table

    found = per_repeat(outs, datasets)
    parts = []
    for experiment, key, title in (
        ("generalization", "accuracy", "Test accuracy (generalization)"),
        ("robustness", "agreement", "Agreement (robustness), test accuracy of the same students"),
    ):
        q = found.get(experiment)
        if not q or key not in q:
            continue
        sets = [n for n in datasets if any(n in v for v in q[key].values())]
        methods = list(q[key])
        lines = [f"**{title}**", "", "| method | " + " | ".join(sets) + " | mean |"]
        lines.append("|" + "---|" * (len(sets) + 2))
        for m in methods:
            cells, vals = [], []
            for n in sets:
                d = q[key][m].get(n)
                if d is None:
                    cells.append("")
                    continue
                v = _mean(d)
                vals.append(v)
                cell = "–" if np.isnan(v) else f"{v:.3f}"
                if key == "agreement":
                    a = _mean(q["accuracy"][m].get(n, {}))
                    cell += "" if np.isnan(a) else f" / {a:.3f}"
                f = q["failed"][m].get(n, 0)
                cell += f" ({f} failed)" if f else ""
                if len(d) != 3:
                    cell += f" [{len(d)}r]"
                cells.append(cell)
            mean = np.nanmean(vals) if vals and not np.isnan(vals).all() else np.nan
            lines.append(f"| {m} | " + " | ".join(cells) + f" | {mean:.3f} |")
        parts.append("\n".join(lines) + "\n")
        guard = None
        if key == "agreement":
            _with_best(q, "agreement", "accuracy")
            guard = q.get("accuracy@agreement", q["accuracy"])
        else:
            _with_best(q, "accuracy")
        others = [BEST_BASELINE, *BASELINES, *(m for m in methods if m not in BASELINES)]
        others = [o for o in others if o not in ("teacher", default)]
        rows = paired_rows(q, key, default, others, sets, guard)
        note = " (a win only where its accuracy is not lower)" if guard is not None else ""
        parts.append(f"**{default}: {key} against each method**{note}\n\n{markdown_table(rows)}\n")
        if key == "accuracy":
            cost = [
                {
                    "method": m,
                    "leaves": np.nanmean([_mean(v) for v in q["leaves"][m].values()]),
                    "fit seconds": np.nanmean([_mean(v) for v in q["seconds"][m].values()]),
                    "failed units": sum(q["failed"][m].values()),
                    "time-limit stops": _stops(found, m),
                }
                for m in methods
            ]
            parts.append(
                "**Leaves and fit seconds per unit** (generalization, means over sets; "
                "time-limit stops: fits stopped at a solver's time limit and kept, out of the "
                "method's fits in both experiments)\n\n" + markdown_table(cost, digits=2) + "\n"
            )
    if "robustness" in found:
        parts.append(estimate_table(found["robustness"], datasets))
    return "\n".join(parts) if parts else "no finished runs\n"


def _stops(found: dict, method: str) -> str:
    """``"k of n"``: the method's fits stopped at a time limit, over both experiments' whole
    repeats (only sets that have one)."""
    pairs = [p for q in found.values() for p in q.get("time limit", {}).get(method, {}).values()]
    return f"{sum(k for k, _ in pairs)} of {sum(n for _, n in pairs)}"


def estimate_table(q: dict, datasets) -> str:
    """The in-fit stability estimate against the measured agreement, per method that has
    one: Pearson correlation over the (set, repeat) units of the robustness runs (a unit's
    estimate: the mean ``stability_`` of its students); then every method's units pooled,
    over all of them and within sets (each set's mean estimate and agreement removed: does
    the estimate rank the methods of one set as the benchmark does?)."""
    from crembo.tables import markdown_table

    rows, pooled = [], []
    for m in q.get("agreement", {}):
        pairs = [
            (est, q["agreement"][m][n][r], i)
            for i, n in enumerate(datasets)
            for r, est in q.get("stability", {}).get(m, {}).get(n, {}).items()
            if r in q["agreement"][m].get(n, {})
        ]
        pairs = np.array([p for p in pairs if np.isfinite(p).all()]).reshape(-1, 3)
        if len(pairs) < 3:
            continue
        pooled.append(pairs)
        rows.append(_estimate_row(m, pairs[:, :2]))
    if not rows:
        return ""
    if len(pooled) > 1:
        every = np.concatenate(pooled)
        rows.append(_estimate_row("all methods pooled", every[:, :2]))
        within = every[:, :2].copy()
        for s in np.unique(every[:, 2]):
            here = every[:, 2] == s
            within[here] -= within[here].mean(axis=0)
        row = _estimate_row("pooled, within sets", within)
        row["mean estimate"] = row["mean agreement"] = np.nan
        rows.append(row)
    return (
        "**In-fit stability estimate against the measured agreement** (robustness; r: "
        "Pearson correlation over the units, a unit's estimate the mean of its students')\n\n"
        + markdown_table(rows)
        + "\n"
    )


def _estimate_row(method, pairs) -> dict:
    return {
        "method": method,
        "units": len(pairs),
        "r": np.corrcoef(pairs.T)[0, 1],
        "mean estimate": pairs[:, 0].mean(),
        "mean agreement": pairs[:, 1].mean(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="suite", help="comma list; 'suite' = the 19")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--experiments", default=",".join(EXPERIMENTS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, default=Path("runs/suite"))
    parser.add_argument("--tables", action="store_true", help="print the tables, fit nothing")
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        help="with --tables: several run folders, each comparison on the repeats both have",
    )
    parser.add_argument("--default", default=DEFAULT, help="the method compared to the rest")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds per fit of every solver with a time limit (peers, the exact student)",
    )
    args = parser.parse_args(argv)
    datasets = expand_names(args.datasets)
    if args.tables and args.merge:
        print(merged_tables(args.merge, datasets, args.default))
        return
    if args.tables:
        print(tables(args.out, datasets, args.default))
        return
    experiments = [e.strip() for e in args.experiments.split(",") if e.strip()]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    run(
        datasets,
        methods,
        experiments,
        args.repeats,
        args.folds,
        args.out,
        args.n_jobs,
        args.data_dir,
        None if args.time_limit is None else with_time_limit(methods, args.time_limit),
    )
    print(tables(args.out, datasets))


if __name__ == "__main__":
    main()

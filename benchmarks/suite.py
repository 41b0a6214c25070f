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
from crembo.experiments.runner import run_on_dataset

DEFAULT = "CREMBO-robust"
BASELINES = ("BM", "VT")
PEERS = ("STreeD", "STreeD-VT", "GOSDT", "HSTree", "FIGS")
METHODS = ("teacher", *BASELINES, DEFAULT, *PEERS)
EXPERIMENTS = ("generalization", "robustness")
BEST_BASELINE = "best(BM,VT)"
#: differences smaller than this are ties (figures are shown to 3 decimals)
TIE = 5e-4


def run(datasets, methods, experiments, repeats, folds, out: Path, n_jobs, data_dir=None):
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
            )
            seconds = time.perf_counter() - t0
            fit = ", ".join(
                f"{m} {e['seconds_mean']:.2f}"
                for m, e in summary["methods"].items()
                if e.get("seconds_mean") is not None
            )
            print(f"{experiment} {name}: {seconds:.0f} s; mean fit seconds per unit: {fit}")


def load(out: Path, datasets, experiment) -> dict:
    """``{data set: summary}`` of the runs of ``experiment`` found under ``out``."""
    found = {}
    for name in datasets:
        path = out / f"{experiment}-{name}" / "summary.json"
        if path.exists():
            found[name] = json.loads(path.read_text(encoding="utf-8"))
    return found


def _grid(summaries: dict, key: str) -> dict:
    """``{method: {set: value}}`` of one summary entry (``mean``, ``agreement``, ...)."""
    grid = {}
    for name, s in summaries.items():
        for m, e in s["methods"].items():
            v = e.get(key)
            grid.setdefault(m, {})[name] = np.nan if v is None else float(v)
    return grid


def _with_best_baseline(grid: dict, acc_grid: dict | None = None) -> dict:
    """Add the per-set better of BM and VT (by its value in ``grid``)."""
    if not all(b in grid for b in BASELINES):
        return grid
    sets = grid[BASELINES[0]]
    grid[BEST_BASELINE] = {n: max(grid[b].get(n, np.nan) for b in BASELINES) for n in sets}
    if acc_grid is not None and all(b in acc_grid for b in BASELINES):
        # the accuracy of the baseline whose agreement is the better one
        acc_grid[BEST_BASELINE] = {
            n: acc_grid[max(BASELINES, key=lambda b: grid[b].get(n, -1))].get(n, np.nan)
            for n in sets
        }
    return grid


def _cell(value, failed=0, n=None) -> str:
    text = "–" if value is None or np.isnan(value) else f"{value:.3f}"
    if failed:
        text += f" ({failed}/{n} failed)"
    return text


def method_table(summaries: dict, key: str, title: str, extra: str | None = None) -> str:
    """Method × set markdown table of ``key``; ``extra`` (e.g. accuracy) beside it."""
    sets = list(summaries)
    methods = list(dict.fromkeys(m for s in summaries.values() for m in s["methods"]))
    lines = [f"**{title}**", "", "| method | " + " | ".join(sets) + " | mean |"]
    lines.append("|" + "---|" * (len(sets) + 2))
    for m in methods:
        cells, values = [], []
        for n in sets:
            e = summaries[n]["methods"].get(m)
            if e is None:
                cells.append("")
                continue
            v = np.nan if e.get(key) is None else float(e[key])
            values.append(v)
            text = _cell(v, e.get("failed", 0), e.get("n", 0) + e.get("failed", 0))
            if extra is not None and e.get(extra) is not None:
                text += f" / {e[extra]:.3f}"
            cells.append(text)
        mean = np.nanmean(values) if values and not np.isnan(values).all() else np.nan
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {_cell(mean)} |")
    return "\n".join(lines) + "\n"


def comparison(value: dict, accuracy: dict | None, others, sets) -> list[dict]:
    """The default against each other method over ``sets``: mean difference, won / tied /
    lost, worst set. With ``accuracy``, a win counts only where the default's accuracy is not
    lower than the other's (an agreement win by predicting fewer classes is no win)."""
    rows = []
    for o in others:
        if o not in value or DEFAULT not in value:
            continue
        common = [n for n in sets if not np.isnan(value[o].get(n, np.nan))]
        common = [n for n in common if not np.isnan(value[DEFAULT].get(n, np.nan))]
        if not common:
            continue
        d = np.array([value[DEFAULT][n] - value[o][n] for n in common])
        won = d > TIE
        if accuracy is not None:
            acc_ok = np.array(
                [accuracy[DEFAULT][n] >= accuracy[o][n] - TIE for n in common], dtype=bool
            )
            won &= acc_ok
        tied = np.abs(d) <= TIE
        lost = ~won & ~tied
        worst = int(np.argmin(d))
        rows.append(
            {
                "against": o,
                "sets": len(common),
                "mean diff": d.mean(),
                "won/tied/lost": f"{won.sum()}/{tied.sum()}/{lost.sum()}",
                "worst set": f"{common[worst]} ({d[worst]:+.3f})",
            }
        )
    return rows


def cost_table(summaries: dict) -> list[dict]:
    """Mean leaves and fit seconds per method over the sets (means of the runs' means)."""
    methods = list(dict.fromkeys(m for s in summaries.values() for m in s["methods"]))
    rows = []
    for m in methods:
        leaves = [s["methods"][m].get("leaves_mean") for s in summaries.values()]
        secs = [s["methods"][m].get("seconds_mean") for s in summaries.values()]
        failed = sum(s["methods"][m].get("failed", 0) for s in summaries.values())
        limit = sum(s["methods"][m].get("time_limit", 0) for s in summaries.values())
        leaves = [v for v in leaves if v is not None]
        secs = [v for v in secs if v is not None]
        rows.append(
            {
                "method": m,
                "leaves": np.mean(leaves) if leaves else np.nan,
                "fit seconds": np.mean(secs) if secs else np.nan,
                "max fit seconds (set mean)": np.max(secs) if secs else np.nan,
                "failed units": failed,
                "time-limited units": limit,
            }
        )
    return rows


def tables(out: Path, datasets) -> str:
    """All the markdown of ``--tables``."""
    from crembo.report import markdown_table

    gen = load(out, datasets, "generalization")
    rob = load(out, datasets, "robustness")
    parts = []
    if gen:
        parts.append(method_table(gen, "mean", "Test accuracy (generalization, mean over units)"))
    if rob:
        parts.append(
            method_table(
                rob,
                "agreement",
                "Agreement / test accuracy of the same students (robustness)",
                extra="mean",
            )
        )
    others = [BEST_BASELINE, *BASELINES, *PEERS]
    if gen:
        acc = _with_best_baseline(_grid(gen, "mean"))
        rows = comparison(acc, None, others, list(gen))
        parts.append(f"**{DEFAULT}: accuracy against each method**\n\n{markdown_table(rows)}\n")
    if rob:
        rob_acc = _grid(rob, "mean")
        agr = _with_best_baseline(_grid(rob, "agreement"), rob_acc)
        rows = comparison(agr, rob_acc, others, list(rob))
        parts.append(
            f"**{DEFAULT}: agreement against each method** (a win only where its accuracy is "
            f"not lower)\n\n{markdown_table(rows)}\n"
        )
    if gen:
        parts.append(
            "**Leaves and fit seconds per unit** (generalization; means over sets)\n\n"
            + markdown_table(cost_table(gen), digits=2)
            + "\n"
        )
    return "\n".join(parts) if parts else f"no finished runs under {out}\n"


def per_repeat(outs, datasets) -> dict:
    """``{experiment: {quantity: {method: {set: {repeat: value}}}}}`` from every folder.

    Quantities: ``accuracy`` (mean over the repeat's folds; generalization and robustness),
    ``agreement`` (robustness), ``leaves`` and ``seconds``. A method found in several folders
    keeps its first. Failed units count as missing (their number is in ``failed``).
    """
    import pandas as pd

    from crembo.experiments.records import has_result

    found: dict = {}
    for out in outs:
        for experiment in EXPERIMENTS:
            for name in datasets:
                folder = Path(out) / f"{experiment}-{name}"
                if not (folder / "records.csv").exists():
                    continue
                df = pd.read_csv(folder / "records.csv")
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
                    # only repeats whose 10 folds are all done count
                    done = rows.groupby("repeat")["fold"].nunique()
                    full = done[done == done.max()].index
                    good = good[good["repeat"].isin(full)]
                    for key in ("accuracy", "leaves", "seconds"):
                        per = good.groupby("repeat")[key].mean().to_dict()
                        q.setdefault(key, {}).setdefault(m, {})[name] = per
                    q.setdefault("failed", {}).setdefault(m, {})[name] = int(
                        (~ok[rows.index]).sum()
                    )
                    if m in agree:
                        a = {r: v for r, v in agree[m].items() if r in set(full)}
                        q.setdefault("agreement", {}).setdefault(m, {})[name] = a
    return found


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
    from crembo.report import markdown_table

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
                }
                for m in methods
            ]
            parts.append(
                "**Leaves and fit seconds per unit** (generalization, means over sets)\n\n"
                + markdown_table(cost, digits=2)
                + "\n"
            )
    return "\n".join(parts) if parts else "no finished runs\n"


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
    args = parser.parse_args(argv)
    datasets = expand_names(args.datasets)
    if args.tables and args.merge:
        print(merged_tables(args.merge, datasets, args.default))
        return
    if args.tables:
        print(tables(args.out, datasets))
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
    )
    print(tables(args.out, datasets))


if __name__ == "__main__":
    main()

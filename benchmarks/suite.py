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
    args = parser.parse_args(argv)
    datasets = expand_names(args.datasets)
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

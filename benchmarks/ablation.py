"""Ablation of CREMBO's remedies: every remedy alone and the combinations that matter.

Command (resumable: rerun the same command to finish or extend a run)::

    python benchmarks/ablation.py --repeats 5 --out runs/ablation

``--merge runs/a,runs/b`` fits nothing: it prints the tables of the finished runs in those
folders together (a method found in several folders is taken from the first; the teacher,
BM and VT are the same in all of them, since the seeds are).

Protocol: the fair one (shuffled stratified folds, no class weights, forest of 100 trees of
depth 12 or the paper's net, depth-4 students). Each repeat holds out 15 % of the rows as a
test set and runs 10-fold cross-validation on the rest (the robustness experiment), so every
method gets ``repeats × 10`` students: their mean test accuracy is the generalization figure
and their mean pairwise agreement on the test set the stability figure. Prints one table per
teacher and a summary per variant: mean difference against the better of BM and VT (per data
set, then averaged), data sets won / tied / lost, and the paired sign count over all students.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from crembo.experiments.tabular import robustness
from crembo.tables import markdown_table

DATASETS = ("iris", "wine", "heart", "breast_cancer", "dermatology", "arrhythmia", "digits")
#: the first pass; ``--variants`` runs others (any name of ``crembo.experiments.methods.METHODS``)
FIRST_PASS = (
    "CREMBO",
    "CREMBO-refit",
    "CREMBO+oob",
    "CREMBO+q05",
    "CREMBO+cv5",
    "CREMBO+aug",
    "CREMBO+oob+refit",
    "CREMBO+oob+refit+aug",
    "CREMBO+oob+refit+q05",
)


def run(datasets, teachers, repeats, out: Path, n_jobs: int, methods):
    """Run (or resume) every data set with every teacher; the table of :func:`collect`."""
    for teacher in teachers:
        for name in datasets:
            robustness(
                name,
                out / f"{name}-{teacher}",
                teacher=teacher,
                folds=10,
                repeats=repeats,
                seed=0,
                class_weight="none",
                shuffle=True,
                methods=methods,
                n_jobs=n_jobs,
                progress=True,
            )
    return collect([out], teachers, datasets, repeats)


def collect(folders, teachers, datasets, repeats):
    """Mean accuracy, agreement and per-student accuracies of the finished runs in ``folders``.

    Returns ``(table, paired)``: one row per teacher, data set and method, and
    ``paired[(teacher, dataset, method)]`` = accuracy per (repeat, fold).
    """
    frames, paired = [], {}
    for folder in folders:
        for teacher in teachers:
            for name in datasets:
                run_dir = Path(folder) / f"{name}-{teacher}"
                if not (run_dir / "summary.json").exists():
                    continue
                summary = json.loads((run_dir / "summary.json").read_text())
                records = pd.read_csv(run_dir / "records.csv")
                records = records[records["repeat"] < repeats]
                for method, entry in summary["methods"].items():
                    key = (teacher, name, method)
                    if key in paired:
                        continue
                    acc = records[records["method"] == method].set_index(["repeat", "fold"])
                    paired[key] = acc["accuracy"]
                    frames.append(
                        {
                            "teacher": teacher,
                            "dataset": name,
                            "method": method,
                            "accuracy": acc["accuracy"].mean(),
                            "agreement": entry["agreement"],
                            "students": len(acc),
                        }
                    )
    return pd.DataFrame(frames), paired


def variant_summary(table: pd.DataFrame, paired, teachers, variants) -> pd.DataFrame:
    """Each variant against the better of BM and VT, over the data sets it ran on."""
    rows = []
    for teacher in teachers:
        t = table[table["teacher"] == teacher]
        acc = t.pivot(index="dataset", columns="method", values="accuracy")
        agr = t.pivot(index="dataset", columns="method", values="agreement")
        best = acc[["BM", "VT"]].max(axis=1)
        best_agr = agr[["BM", "VT"]].max(axis=1)
        for v in variants:
            if v not in acc:
                continue
            ran = acc[v].notna()
            diff = (acc[v] - best)[ran]
            agr_wins = (agr[v] > best_agr + 1e-9)[ran]
            rows.append(
                {
                    "teacher": teacher,
                    "variant": v,
                    "data sets": int(ran.sum()),
                    "mean acc": acc[v][ran].mean(),
                    "diff vs best(BM,VT)": diff.mean(),
                    "sets won/tied/lost": f"{(diff > 1e-9).sum()}/{(diff.abs() <= 1e-9).sum()}/"
                    f"{(diff < -1e-9).sum()}",
                    "worst set diff": diff.min(),
                    "mean agreement": agr[v][ran].mean(),
                    "agreement diff": (agr[v] - best_agr)[ran].mean(),
                    "agreement > both": f"{agr_wins.sum()}/{int(ran.sum())}",
                    "paired +/=/-": _paired_signs(paired, acc, teacher, v),
                }
            )
    return pd.DataFrame(rows)


def _paired_signs(paired, acc, teacher, variant):
    """Students where the variant beats / ties / loses to the better baseline of that set."""
    plus = tie = minus = 0
    for name in acc.index[acc[variant].notna()]:
        better = "BM" if acc.loc[name, "BM"] >= acc.loc[name, "VT"] else "VT"
        d = (paired[(teacher, name, variant)] - paired[(teacher, name, better)]).dropna()
        plus, tie, minus = (
            plus + (d > 1e-12).sum(),
            tie + (d.abs() <= 1e-12).sum(),
            minus + (d < -1e-12).sum(),
        )
    return f"{plus}/{tie}/{minus}"


def _markdown(frame: pd.DataFrame) -> str:
    return markdown_table(frame.to_dict(orient="records"), digits=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--teachers", default="rf,nn")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default="runs/ablation")
    parser.add_argument("--variants", default=",".join(FIRST_PASS))
    parser.add_argument("--merge", default=None, help="folders of finished runs; fits nothing")
    args = parser.parse_args()
    out = Path(args.out)
    datasets = args.datasets.split(",")
    teachers = args.teachers.split(",")
    variants = args.variants.split(",")
    methods = ("teacher", "BM", "VT", *variants)
    if args.merge:
        table, paired = collect(args.merge.split(","), teachers, datasets, args.repeats)
        variants = [v for v in variants if v in set(table["method"])]
    else:
        table, paired = run(datasets, teachers, args.repeats, out, args.n_jobs, methods)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    for teacher in teachers:
        for what in ("accuracy", "agreement"):
            wide = table[table["teacher"] == teacher].pivot(
                index="method", columns="dataset", values=what
            )
            wide = wide.loc[[m for m in methods if m in wide.index]]
            wide["mean"] = wide.mean(axis=1)
            print(f"\n## {what} (teacher {teacher}, {args.repeats} repeats × 10 folds)\n")
            print(_markdown((wide * 100).round(1).reset_index()))
    summary = variant_summary(table, paired, teachers, variants)
    print("\n## variants against the better of BM and VT (points of accuracy)\n")
    shown = summary.copy()
    for col in (
        "mean acc",
        "diff vs best(BM,VT)",
        "worst set diff",
        "mean agreement",
        "agreement diff",
    ):
        shown[col] = (shown[col] * 100).round(2)
    print(_markdown(shown))
    if not args.merge:
        out.mkdir(parents=True, exist_ok=True)
        (out / "ablation.json").write_text(json.dumps(table.to_dict(orient="records"), indent=1))


if __name__ == "__main__":
    main()

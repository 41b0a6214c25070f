"""Ablation of CREMBO's remedies: every remedy alone and the combinations that matter.

Command (resumable: rerun the same command to finish or extend a run)::

    python benchmarks/ablation.py --repeats 5 --out runs/ablation

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

from crembo.experiments.robustness import robustness
from crembo.report import markdown_table

DATASETS = ("iris", "wine", "heart", "breast_cancer", "dermatology", "arrhythmia", "digits")
#: the first pass; ``--variants`` runs others (any name of ``crembo.baselines.METHODS``)
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
    frames = []
    for teacher in teachers:
        for name in datasets:
            folder = out / f"{name}-{teacher}"
            summary = robustness(
                name,
                folder,
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
            records = pd.read_csv(folder / "records.csv")
            records = records[records["repeat"] < repeats]
            acc = records.groupby("method")["accuracy"].mean()
            for method, entry in summary["methods"].items():
                frames.append(
                    {
                        "teacher": teacher,
                        "dataset": name,
                        "method": method,
                        "accuracy": acc[method],
                        "agreement": entry["agreement"],
                    }
                )
            paired = records.pivot_table(
                index=["repeat", "fold"], columns="method", values="accuracy"
            )
            paired.to_csv(folder / "paired_accuracy.csv")
    return pd.DataFrame(frames)


def variant_summary(table: pd.DataFrame, out: Path, teachers, variants) -> pd.DataFrame:
    rows = []
    for teacher in teachers:
        t = table[table["teacher"] == teacher]
        acc = t.pivot(index="dataset", columns="method", values="accuracy")
        agr = t.pivot(index="dataset", columns="method", values="agreement")
        best = acc[["BM", "VT"]].max(axis=1)
        best_agr = agr[["BM", "VT"]].max(axis=1)
        for v in variants:
            diff = acc[v] - best
            signs = _paired_signs(out, acc.index, teacher, v)
            rows.append(
                {
                    "teacher": teacher,
                    "variant": v,
                    "mean acc": acc[v].mean(),
                    "diff vs best(BM,VT)": diff.mean(),
                    "sets won/tied/lost": f"{(diff > 1e-9).sum()}/{(diff.abs() <= 1e-9).sum()}/"
                    f"{(diff < -1e-9).sum()}",
                    "worst set diff": diff.min(),
                    "mean agreement": agr[v].mean(),
                    "agreement > both": f"{(agr[v] > best_agr + 1e-9).sum()}/{len(agr)}",
                    "paired +/=/-": signs,
                }
            )
    return pd.DataFrame(rows)


def _paired_signs(out, datasets, teacher, variant):
    """Students where the variant beats / ties / loses to the better baseline of that set."""
    plus = tie = minus = 0
    for name in datasets:
        paired = pd.read_csv(out / f"{name}-{teacher}" / "paired_accuracy.csv")
        better = "BM" if paired["BM"].mean() >= paired["VT"].mean() else "VT"
        d = paired[variant] - paired[better]
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
    args = parser.parse_args()
    out = Path(args.out)
    datasets = args.datasets.split(",")
    teachers = args.teachers.split(",")
    variants = args.variants.split(",")
    methods = ("teacher", "BM", "VT", *variants)
    table = run(datasets, teachers, args.repeats, out, args.n_jobs, methods)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    for teacher in teachers:
        for what in ("accuracy", "agreement"):
            wide = table[table["teacher"] == teacher].pivot(
                index="method", columns="dataset", values=what
            )
            wide = wide.loc[list(methods)]
            wide["mean"] = wide.mean(axis=1)
            print(f"\n## {what} (teacher {teacher}, {args.repeats} repeats × 10 folds)\n")
            print(_markdown((wide * 100).round(1).reset_index()))
    summary = variant_summary(table, out, teachers, variants)
    print("\n## variants against the better of BM and VT (points of accuracy)\n")
    shown = summary.copy()
    for col in ("mean acc", "diff vs best(BM,VT)", "worst set diff", "mean agreement"):
        shown[col] = (shown[col] * 100).round(2)
    print(_markdown(shown))
    out.mkdir(parents=True, exist_ok=True)
    (out / "ablation.json").write_text(json.dumps(table.to_dict(orient="records"), indent=1))


if __name__ == "__main__":
    main()

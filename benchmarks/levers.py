"""Screening of the issue-12 levers: shrinkage, the exact oracle, the bootstrap medoid.

Command (resumable: rerun the same command to finish or extend a run)::

    python benchmarks/levers.py --datasets iris,heart --repeats 1 --out runs/levers

Prints figures and never asserts. Protocol: the fair one (shuffled stratified folds, no class
weights, forest of 100 trees of depth 12, depth-4 students), run as the robustness experiment
of :mod:`crembo.experiments`: each repeat holds out 15 % of the rows, and 10-fold
cross-validation on the rest gives every method 10 students, each trained on 90 % of the other
85 %. Their mean test accuracy is the accuracy figure, their mean pairwise agreement on the
held-out rows the stability figure.

Methods: the baselines BM and VT, the peer HSTree (imodels, λ by CV; when ``crembo.peers`` is
there), the paper's CREMBO, and CREMBO (``preset="paper"``) with one lever each:

- ``CREMBO+hs<λ>``: the allowed-label tree with hierarchical shrinkage λ;
- ``CREMBO+hsauto`` (``+cv5``): λ from the grid chosen on CREMBO's own validation of θ (the
  score at each λ's chosen θ; ties go to the larger λ, the more stable tree), θ by the paper's
  hold-out (by 5-fold CV);
- ``CREMBO+opt``: the exact oracle, STreeD's optimal depth-4 tree on 8 quantile thresholds per
  feature minimizing the violated allowed labels (``--optimal-time-limit`` seconds per fit,
  candidate thresholds capped by ``--optimal-candidates``: each MEMO probe and swept threshold
  is one optimal fit);
- ``CREMBO+medoid``: the medoid of 16 bootstrap students per threshold.

The estimator does not take ``shrinkage`` itself yet: this script passes a stand-in student
(:class:`_ShrunkStudent`, an :class:`AllowedLabelClassifier` that CREMBO uses as it is). The
methods are the run's ``extra_methods``; parallel units use threads (``--n-jobs``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from crembo import CREMBOClassifier
from crembo.experiments.methods import CV5, METHODS
from crembo.experiments.tabular import robustness
from crembo.students.medoid import BootstrapMedoidStudent
from crembo.students.optimal import OptimalAllowedLabelTree
from crembo.students.sklearn import AllowedLabelClassifier
from crembo.tables import markdown_table

DATASETS = ("iris", "heart")
LAMBDAS = (1.0, 5.0, 25.0, 100.0)
BASELINES = ("BM", "VT", "HSTree", "CREMBO")


class _ShrunkStudent(AllowedLabelClassifier):
    """An allowed-label student CREMBO uses as it is (stand-in for a ``shrinkage`` option)."""

    fits_allowed_labels = True


class ShrinkageByValidation(ClassifierMixin, BaseEstimator):
    """CREMBO with the shrinkage λ of ``lambdas`` that scores best on CREMBO's validation.

    One CREMBO fit per λ, all with the same seed (hence the same validation rows); the score
    compared is each fit's validation score at its chosen θ. Ties: the larger λ.
    """

    def __init__(self, teacher, student, lambdas=LAMBDAS, crembo_params=None, random_state=None):
        self.teacher = teacher
        self.student = student
        self.lambdas = lambdas
        self.crembo_params = crembo_params
        self.random_state = random_state

    def fit(self, X, y):
        params = {"preset": "paper", **(self.crembo_params or {})}
        best = None
        for lam in sorted(self.lambdas, reverse=True):  # ties keep the first: the larger λ
            student = _ShrunkStudent(self.student, shrinkage=lam)
            model = CREMBOClassifier(
                self.teacher, student, random_state=self.random_state, **params
            ).fit(X, y)
            score = _chosen_score(model)
            if best is None or score > best[0] + 1e-12:
                best = (score, lam, model)
        self.score_, self.shrinkage_, self.model_ = best
        self.classes_ = self.model_.classes_
        self.student_ = self.model_.student_
        self.threshold_ = self.model_.threshold_
        self.memo_threshold_ = getattr(self.model_, "memo_threshold_", np.nan)
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


def _chosen_score(model) -> float:
    """Validation score of the fitted CREMBO at its chosen θ (-inf when it has none)."""
    sweep = getattr(model, "sweep_", None)
    if not sweep or "score" not in sweep or len(sweep["threshold"]) == 0:
        return -np.inf
    thresholds = np.asarray(sweep["threshold"], dtype=float)
    scores = np.asarray(sweep["score"], dtype=float)
    at = scores[np.argmin(np.abs(thresholds - model.threshold_))]
    if np.isfinite(at):
        return float(at)
    return float(np.nanmax(scores)) if np.isfinite(scores).any() else -np.inf


def lever_methods(lambdas=LAMBDAS, optimal_time_limit=2.0, optimal_candidates=16) -> dict:
    """The lever methods, name -> builder, in table order (a run's ``extra_methods``)."""
    levers = {}

    def crembo(make_student, cap=None, **options):
        def build(teacher, student, rs, max_candidates=None, **_):
            mc = max_candidates
            if cap is not None:
                mc = cap if mc is None else min(mc, cap)
            return CREMBOClassifier(
                teacher,
                make_student(student),
                preset="paper",
                max_candidates=mc,
                random_state=rs,
                **options,
            )

        return build

    for lam in lambdas:
        name = f"CREMBO+hs{lam:g}"
        levers[name] = crembo(lambda s, lam=lam: _ShrunkStudent(s, shrinkage=lam))
    for suffix, options in (("", {}), ("+cv5", {"selection": CV5})):
        name = f"CREMBO+hsauto{suffix}"
        levers[name] = lambda teacher, student, rs, max_candidates=None, options=options, **_: (
            ShrinkageByValidation(
                teacher,
                student,
                lambdas=(0.0, *lambdas),
                crembo_params={"max_candidates": max_candidates, **options},
                random_state=rs,
            )
        )
    levers["CREMBO+opt"] = crembo(
        lambda s: OptimalAllowedLabelTree(
            max_depth=s.get_params()["max_depth"],
            n_thresholds=8,
            time_limit=optimal_time_limit,
        ),
        cap=optimal_candidates,
    )
    levers["CREMBO+medoid"] = crembo(lambda s: BootstrapMedoidStudent(s, n_bootstrap=16))
    return levers


def run(datasets, methods, repeats, out: Path, n_jobs: int, extra_methods=None):
    """Run (or resume) each data set; one row per (data set, method)."""
    rows = []
    for name in datasets:
        t0 = time.perf_counter()
        summary = robustness(
            name,
            out / name,
            teacher="rf",
            folds=10,
            repeats=repeats,
            seed=0,
            class_weight="none",
            shuffle=True,
            methods=("teacher", *methods),
            n_jobs=n_jobs,
            backend="threading" if n_jobs != 1 else None,
            extra_methods=extra_methods,
        )
        print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)
        for m in methods:
            e = summary["methods"][m]
            rows.append(
                {
                    "dataset": name,
                    "method": m,
                    "accuracy": _num(e["mean"]),
                    "agreement": _num(e.get("agreement")),
                    "leaves": _num(e.get("leaves_mean")),
                    "seconds": _num(e.get("seconds_mean")),
                    "failed": e.get("failed", 0),
                }
            )
    return rows


def _num(v) -> float:
    return float("nan") if v is None else float(v)


def wide(rows, datasets, methods, what):
    """One row per method, one column per data set, and their mean."""
    table = []
    for m in methods:
        values = {r["dataset"]: r[what] for r in rows if r["method"] == m}
        row = {"method": m, **{d: values.get(d, np.nan) for d in datasets}}
        row["mean"] = float(np.nanmean([row[d] for d in datasets]))
        table.append(row)
    return table


def against(rows, datasets, levers, reference):
    """Each lever against ``reference`` (a method, or the better of BM and VT)."""

    def get(m, d, what):
        return next((r[what] for r in rows if r["method"] == m and r["dataset"] == d), np.nan)

    def ref(d, what):
        if reference == "best(BM,VT)":
            return max(get("BM", d, what), get("VT", d, what))
        return get(reference, d, what)

    out = []
    for lever in levers:
        acc = np.array([get(lever, d, "accuracy") - ref(d, "accuracy") for d in datasets])
        agr = np.array([get(lever, d, "agreement") - ref(d, "agreement") for d in datasets])
        ok = np.isfinite(acc)
        if not ok.any():
            continue
        # an agreement win counts only where accuracy is not lower (the rule)
        agr_wins = int(np.sum((agr > 1e-9) & (acc >= -1e-9)))
        out.append(
            {
                "lever": lever,
                "vs": reference,
                "acc diff (pts)": 100 * acc[ok].mean(),
                "acc won/tied/lost": f"{(acc > 1e-9).sum()}/{(np.abs(acc) <= 1e-9).sum()}/"
                f"{(acc < -1e-9).sum()}",
                "worst acc (pts)": 100 * acc[ok].min(),
                "agr diff (pts)": 100 * np.nanmean(agr),
                "agr wins (acc not lower)": f"{agr_wins}/{int(ok.sum())}",
            }
        )
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default="runs/levers")
    parser.add_argument("--lambdas", default=",".join(f"{v:g}" for v in LAMBDAS))
    parser.add_argument("--optimal-time-limit", type=float, default=2.0)
    parser.add_argument("--optimal-candidates", type=int, default=16)
    parser.add_argument("--methods", default=None, help="comma list; default: all")
    args = parser.parse_args()
    lambdas = tuple(float(v) for v in args.lambdas.split(","))
    extra = lever_methods(lambdas, args.optimal_time_limit, args.optimal_candidates)
    base = [m for m in BASELINES if m in METHODS]
    methods = [*base, *extra] if args.methods is None else args.methods.split(",")
    levers = [m for m in methods if m not in BASELINES]
    datasets = args.datasets.split(",")
    out = Path(args.out)
    rows = run(datasets, methods, args.repeats, out, args.n_jobs, extra)
    note = f"(forest teacher, {args.repeats} repeat(s) × 10 folds, fair protocol)"
    for what, scale in (("accuracy", 100), ("agreement", 100), ("leaves", 1), ("seconds", 1)):
        table = wide(rows, datasets, methods, what)
        for r in table:
            for k, v in r.items():
                if k != "method":
                    r[k] = v * scale
        print(f"\n## {what} {note}\n")
        print(markdown_table(table, digits=1 if what != "seconds" else 2))
    refs = ["best(BM,VT)", *(m for m in ("HSTree", "CREMBO") if m in methods)]
    print("\n## levers against the references\n")
    compared = [r for ref in refs for r in against(rows, datasets, levers, ref)]
    print(markdown_table(compared, digits=2))
    out.mkdir(parents=True, exist_ok=True)
    (out / "levers.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

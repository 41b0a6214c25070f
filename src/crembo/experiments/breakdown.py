"""Breakdown: how far each method moves when the teacher or the labels are contaminated.

Two kinds of contamination, each at a growing fraction ``f`` of its parts, and a control:

- ``teacher``: a share ``f`` of the forest's trees is replaced by trees of the same kind
  fitted to *shuffled* training labels (one noise forest per unit, its first ``k`` trees
  replace the clean forest's first ``k``; shuffling keeps the label set, so ``classes_`` and
  the trees' class encoding stay those of the clean forest). BM ignores the teacher: its rows
  repeat the clean BM (agreement 1), as a reference line.
- ``labels``: a share ``f`` of the training labels is flipped to another class drawn at
  random; the teacher, BM, VT and CREMBO are all refitted on the flipped labels.
- ``resampled`` (the control): the same share of trees replaced by trees fitted to the *true*
  labels (another seed). Nothing is wrong with this teacher; what agreement a method loses
  here is its sensitivity to any change of the trees, the floor against which to read the
  ``teacher`` rows.

Contamination is nested (the rows or trees corrupted at 10 % are among those at 20 %), and
test labels stay clean. For every unit, kind, fraction and method a row records the test
accuracy and the *agreement*: the share of test points where the method predicts what the
same method predicts when trained from the clean teacher and clean labels (same unit, same
seeds). Depth-based medians are meant to resist contamination: the agreement of CREMBO
against that of VT (the teacher's argmax) and BM (the labels) measures how far ours does.

Output folder (per data set) as for the other experiments: ``run.json``, ``records.csv``
(rewritten atomically after every unit, so a killed run resumes), ``summary.json``,
``summary.md`` and ``breakdown.png``.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from threadpoolctl import threadpool_limits

from crembo._io import atomic_write_text
from crembo._validation import check_ints
from crembo.belief import belief_from
from crembo.choices import BREAKDOWN_FRACTIONS as DEFAULT_FRACTIONS
from crembo.choices import CLASS_WEIGHTS
from crembo.experiments._load import dataset_info, load_dataset
from crembo.experiments.breakdown_plot import plot_breakdown
from crembo.experiments.engine import Experiment, Tick, UnitResult, run
from crembo.experiments.methods import METHODS, make_student
from crembo.experiments.protocol import Protocol, make_units, unit_seed
from crembo.experiments.store import RecordSchema, RunStore, RunStoreError, data_fingerprint
from crembo.experiments.summary import summary_header
from crembo.metrics import n_leaves
from crembo.teachers import make_teacher

KINDS = ("teacher", "resampled", "labels")

#: Rows per unit, in this order; ``teacher`` is the (contaminated) forest itself.
METHOD_ORDER = ("teacher", "BM", "VT", "CREMBO")
N_TREES = 100  # of the rf teacher (make_teacher)

COLUMNS = (
    "dataset",
    "experiment",
    "repeat",
    "fold",
    "kind",
    "fraction",
    "method",
    "accuracy",
    "agreement",
    "threshold",
    "memo_threshold",
    "depth",
    "leaves",
    "seconds",
)


@dataclass(frozen=True)
class BreakdownProtocol:
    """Settings of a breakdown run (everything that changes its results).

    Parameters
    ----------
    dataset : str
    folds : int, default=5
        Shuffled stratified folds per repeat (the fair protocol).
    repeats : int, default=2
    seed : int, default=0
    class_weight : {"balanced", "none"}, default="balanced"
    fractions : tuple of float, default=(0, 0.1, 0.2, 0.3, 0.4, 0.5)
        Contaminated shares, each in [0, 1); 0 (the clean reference) is always included.
    """

    dataset: str
    folds: int = 5
    repeats: int = 2
    seed: int = 0
    class_weight: str = "balanced"
    fractions: tuple = field(default=DEFAULT_FRACTIONS)

    def __post_init__(self):
        check_ints(self, {"folds": 2, "repeats": 1, "seed": 0})
        if self.class_weight not in CLASS_WEIGHTS:
            raise ValueError(
                f"class_weight must be one of {CLASS_WEIGHTS}; got {self.class_weight!r}."
            )
        object.__setattr__(self, "fractions", check_fractions(self.fractions))

    @property
    def splitter(self) -> str:
        return f"StratifiedKFold(n_splits={self.folds}, shuffle=True, seed per repeat)"

    def units(self, y):
        """The (repeat, fold) units: those of the shuffled generalization protocol."""
        p = Protocol(
            "generalization",
            self.dataset,
            folds=self.folds,
            repeats=self.repeats,
            seed=self.seed,
            class_weight=self.class_weight,
            shuffle=True,
        )
        return make_units(p, y)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(
            experiment="breakdown",
            teacher="rf",
            fractions=list(self.fractions),
            methods=list(METHOD_ORDER),
            kinds=list(KINDS),
            splitter=self.splitter,
        )
        return d


def check_fractions(fractions) -> tuple[float, ...]:
    """Sorted distinct fractions in [0, 1), 0 added; a string may list them with commas."""
    if isinstance(fractions, str):
        try:
            fractions = [float(f) for f in fractions.split(",") if f.strip()]
        except ValueError:
            raise ValueError(
                f"fractions: expected numbers separated by commas; got {fractions!r}."
            ) from None
    try:
        values = np.asarray(list(fractions), dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"fractions: expected numbers in [0, 1); got {fractions!r}.") from None
    if values.ndim != 1 or not np.isfinite(values).all() or (values < 0).any():
        raise ValueError(f"fractions: expected numbers in [0, 1); got {fractions!r}.")
    # to the 10 significant digits records.csv keeps (float_format="%.10g"), so that the
    # fractions read back from it are the protocol's (1/3 would otherwise match no row)
    values = np.array([float(f"{v:.10g}") for v in values])
    if (values >= 1).any():
        raise ValueError(f"fractions: each must be below 1; got {values.max()!r}.")
    return tuple(float(v) for v in np.unique(np.r_[0.0, values]))


def corrupt_forest(forest, noise_forest, k: int):
    """A copy of ``forest`` whose first ``k`` trees are the first ``k`` of ``noise_forest``.

    Both forests must have been fitted on the same rows with the same label set (the noise
    forest on shuffled labels), so their classes and the trees' class encoding agree.
    """
    if not np.array_equal(forest.classes_, noise_forest.classes_):
        raise ValueError("noise_forest: its classes differ from the forest's.")
    if k > len(noise_forest.estimators_):
        raise ValueError(f"k={k} is more than the {len(noise_forest.estimators_)} noise trees.")
    out = copy.copy(forest)  # shallow: the trees are shared, only the list is new
    out.estimators_ = list(noise_forest.estimators_[:k]) + list(forest.estimators_[k:])
    return out


def flip_labels(y, n_classes: int, fraction: float, order, shift):
    """``y`` (class indices) with its first ``round(fraction * n)`` rows of ``order`` moved
    by ``shift`` (1..n_classes-1) modulo ``n_classes``: always to another class."""
    k = int(round(fraction * y.size))
    out = np.array(y, copy=True)
    rows = order[:k]
    out[rows] = (out[rows] + shift[rows]) % n_classes
    return out


def run_breakdown_unit(X, y, unit, protocol: BreakdownProtocol, n_classes: int) -> list[dict]:
    """Every (kind, fraction, method) row of one unit; BLAS single-threaded (see runner)."""
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        return _run_unit(X, y, unit, protocol, n_classes)


def _run_unit(X, y, unit, protocol, n_classes):
    seed = unit_seed(protocol.seed, unit.repeat, unit.fold)
    noise_seed, shuffle_seed, flip_seed, resample_seed = (
        np.random.SeedSequence([protocol.seed, unit.repeat, unit.fold, 77]).generate_state(4) >> 1
    )
    imputer = SimpleImputer(strategy="median")
    Xtr = imputer.fit_transform(X[unit.train])
    Xte = imputer.transform(X[unit.test])
    ytr, yte = y[unit.train], y[unit.test]
    cw = protocol.class_weight
    student = make_student(cw, seed)

    def fit_methods(teacher, labels, teacher_seconds, only=METHOD_ORDER):
        belief = belief_from(teacher, Xtr)
        out = {}
        for m in only:
            t0 = time.perf_counter()
            model = teacher if m == "teacher" else METHODS[m](teacher, student, seed)
            if m != "teacher":
                model.fit(Xtr, labels)
            seconds = teacher_seconds if m == "teacher" else time.perf_counter() - t0
            train_pred = np.searchsorted(teacher.classes_, model.predict(Xtr))
            out[m] = {
                "pred": model.predict(Xte),
                "threshold": float(getattr(model, "threshold_", np.nan)),
                "memo_threshold": float(getattr(model, "memo_threshold_", np.nan)),
                "depth": float(belief[np.arange(ytr.size), train_pred].min()),
                "leaves": n_leaves(model),
                "seconds": seconds,
            }
        return out

    t0 = time.perf_counter()
    clean_teacher = make_teacher("rf", cw, seed).fit(Xtr, ytr)
    clean = fit_methods(clean_teacher, ytr, time.perf_counter() - t0)
    rows = []

    def record(kind, fraction, fitted):
        for m in METHOD_ORDER:
            f = fitted[m]
            rows.append(
                {
                    "dataset": protocol.dataset,
                    "experiment": "breakdown",
                    "repeat": unit.repeat,
                    "fold": unit.fold,
                    "kind": kind,
                    "fraction": fraction,
                    "method": m,
                    "accuracy": float(np.mean(f["pred"] == yte)),
                    "agreement": float(np.mean(f["pred"] == clean[m]["pred"])),
                    **{k: f[k] for k in ("threshold", "memo_threshold", "depth", "leaves")},
                    "seconds": f["seconds"],
                }
            )

    fractions = protocol.fractions
    # teacher: trees fitted to shuffled labels replace a growing share of the forest's
    k_max = int(round(max(fractions) * N_TREES))
    if k_max:
        shuffled = np.random.RandomState(shuffle_seed).permutation(ytr)
        noise = make_teacher("rf", cw, int(noise_seed)).set_params(n_estimators=k_max)
        noise.fit(Xtr, shuffled)
        # the control: as many trees replaced by trees fitted to the true labels
        fresh = make_teacher("rf", cw, int(resample_seed)).set_params(n_estimators=k_max)
        fresh.fit(Xtr, ytr)
    for kind in ("teacher", "resampled"):
        for fraction in fractions:
            k = int(round(fraction * N_TREES))
            if k == 0:
                record(kind, fraction, clean)
                continue
            teacher = corrupt_forest(clean_teacher, noise if kind == "teacher" else fresh, k)
            fitted = fit_methods(teacher, ytr, 0.0, only=("teacher", "VT", "CREMBO"))
            fitted["BM"] = clean["BM"]  # BM never sees the teacher
            record(kind, fraction, fitted)
    # labels: a growing share of the training labels flipped to another class
    rng = np.random.RandomState(flip_seed)
    order = rng.permutation(ytr.size)
    shift = rng.randint(1, n_classes, size=ytr.size) if n_classes > 1 else np.zeros(ytr.size)
    for fraction in fractions:
        noisy = flip_labels(ytr, n_classes, fraction, order, shift)
        if np.array_equal(noisy, ytr):
            record("labels", fraction, clean)
            continue
        t0 = time.perf_counter()
        teacher = make_teacher("rf", cw, seed).fit(Xtr, noisy)
        record("labels", fraction, fit_methods(teacher, noisy, time.perf_counter() - t0))
    return rows


#: What a breakdown's ``records.csv`` holds: one row per unit, kind, fraction and method.
RECORDS = RecordSchema(
    columns=COLUMNS,
    required=("accuracy", "agreement", "depth", "seconds"),
    rows=(("kind", "kinds"), ("fraction", "fractions"), ("method", "methods")),
    what="breakdown records",
    foreign="another data set, experiment or method",
)


def _run_unit_result(unit, *, X, y, protocol, n_classes) -> UnitResult:
    """The engine's unit function: :func:`run_breakdown_unit`'s rows."""
    return UnitResult(run_breakdown_unit(X, y, unit, protocol, n_classes))


def run_breakdown(
    protocol: BreakdownProtocol,
    X,
    y,
    out,
    *,
    n_jobs: int = 1,
    max_units: int | None = None,
    progress: bool = False,
    dataset_info: dict | None = None,
) -> dict:
    """Run (or resume) a breakdown into the folder ``out``; returns the summary.

    ``out`` gets ``run.json``, ``records.csv``, ``summary.json``, ``summary.md`` and
    ``breakdown.png``; units already recorded there are skipped (the loop is
    :func:`crembo.experiments.engine.run`).
    """
    X = np.asarray(X, dtype=np.float64)
    classes, y_idx = np.unique(np.asarray(y), return_inverse=True)
    if X.ndim != 2 or X.shape[0] != y_idx.size:
        raise ValueError(f"X must be 2-D with one row per label; got {X.shape}, {y_idx.size}.")
    if classes.size < 2:
        raise ValueError("y: need at least 2 classes; got one class.")
    info = {
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_classes": int(classes.size),
        **(dataset_info or {}),
    }
    settings = {
        "protocol": protocol.to_dict(),
        "data": {"fingerprint": data_fingerprint(X, y_idx), "classes": [str(c) for c in classes]},
    }
    units = protocol.units(y_idx)  # may refuse: before the output folder is touched
    experiment = Experiment(
        label=f"breakdown {protocol.dataset}",
        units=units,
        run_unit=partial(_run_unit_result, X=X, y=y_idx, protocol=protocol, n_classes=classes.size),
        summarize=lambda store, records, total: summarize_breakdown(
            records, protocol.to_dict(), dataset=info, units_total=total
        ),
        markdown=breakdown_markdown,
        finish=_plot_one,
    )
    store = RunStore(out, settings, schema=RECORDS)
    ticks = partial(_print_tick, protocol.dataset) if progress else False
    return run(experiment, store, n_jobs=n_jobs, max_units=max_units, progress=ticks)


def _print_tick(dataset: str, tick: Tick) -> None:
    print(f"breakdown {dataset}: {tick.done}/{tick.total} units", flush=True)


def _plot_one(store, summary) -> None:
    if summary["units_done"]:
        plot_breakdown([summary], store.out / "breakdown.png")


def summarize_breakdown(records: pd.DataFrame, protocol: dict, *, dataset=None, units_total=None):
    """``summary.json`` of a breakdown: per kind, fraction and method, mean and std (over
    units) of accuracy and agreement, and the mean threshold and depth; plus per kind and
    method the accuracy at the largest fraction minus the clean accuracy (``accuracy_drop``)."""
    out = summary_header(records, protocol, dataset, units_total, "units")
    out["results"], out["headline"] = {}, {}
    if records.empty:
        return out
    g = records.groupby(["kind", "fraction", "method"])
    stats = g[["accuracy", "agreement", "threshold", "depth"]].agg(["mean", "std"])
    for kind in protocol["kinds"]:
        per_fraction = {}
        for fraction in protocol["fractions"]:
            entry = {}
            for m in protocol["methods"]:
                if (kind, fraction, m) not in stats.index:
                    continue
                s = stats.loc[(kind, fraction, m)]
                rows = records[
                    (records["kind"] == kind)
                    & (records["fraction"] == fraction)
                    & (records["method"] == m)
                ]
                entry[m] = {
                    "accuracy": float(s[("accuracy", "mean")]),
                    "accuracy_std": float(rows["accuracy"].std(ddof=0)),
                    "agreement": float(s[("agreement", "mean")]),
                    "agreement_std": float(rows["agreement"].std(ddof=0)),
                    "threshold": _none_if_nan(s[("threshold", "mean")]),
                    "depth": float(s[("depth", "mean")]),
                    "n": int(len(rows)),
                }
            per_fraction[f"{fraction:g}"] = entry
        out["results"][kind] = per_fraction
        top = f"{max(protocol['fractions']):g}"
        out["headline"][kind] = {
            m: {
                "fraction": float(top),
                "accuracy_drop": per_fraction[top][m]["accuracy"]
                - per_fraction["0"][m]["accuracy"],
                "agreement": per_fraction[top][m]["agreement"],
            }
            for m in protocol["methods"]
            if m in per_fraction.get(top, {}) and m in per_fraction.get("0", {})
        }
    return out


def _none_if_nan(v):
    return None if v is None or not np.isfinite(v) else float(v)


def breakdown_markdown(summary: dict, *, methods=("BM", "VT", "CREMBO", "teacher")) -> str:
    """Markdown table: one row per kind and fraction, accuracy / agreement per method."""
    p = summary["protocol"]
    head = (
        f"**breakdown** on `{p['dataset']}`, teacher `rf`: {p['folds']} folds × {p['repeats']} "
        f"repeats ({p['splitter']}), class_weight={p['class_weight']}, seed={p['seed']}; "
        f"{summary['units_done']}/{summary['units_total']} units done. Cells: test accuracy / "
        "agreement with the same method trained from the clean teacher and labels. teacher: "
        "trees replaced by trees fitted to shuffled labels; resampled (control): by trees "
        "fitted to the true labels; labels: training labels flipped."
    )
    cols = ["contaminated", "fraction", *methods]
    lines = [head, "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for kind, per_fraction in summary.get("results", {}).items():
        for fraction, entry in per_fraction.items():
            cells = [
                f"{entry[m]['accuracy']:.3f} / {entry[m]['agreement']:.3f}" if m in entry else "–"
                for m in methods
            ]
            lines.append("| " + " | ".join([kind, fraction, *cells]) + " |")
    return "\n".join(lines) + "\n"


def breakdown(
    dataset: str,
    out,
    *,
    folds: int = 5,
    repeats: int = 2,
    seed: int = 0,
    class_weight: str = "balanced",
    fractions=DEFAULT_FRACTIONS,
    data_dir=None,
    target=None,
    n_jobs: int = 1,
    max_units=None,
    progress: bool = False,
) -> dict:
    """Run (or resume) the breakdown experiment on one data set; returns the summary."""
    ds = load_dataset(dataset, data_dir=data_dir, target=target)
    protocol = BreakdownProtocol(
        ds.name,
        folds=folds,
        repeats=repeats,
        seed=seed,
        class_weight=class_weight,
        fractions=fractions,
    )
    return run_breakdown(
        protocol,
        ds.X,
        ds.y,
        out,
        n_jobs=n_jobs,
        max_units=max_units,
        progress=progress,
        dataset_info=dataset_info(ds),
    )


def breakdown_many(datasets, out, **kwargs) -> dict:
    """:func:`breakdown` on several data sets into ``out/<name>/``, plus ``out/summary.md``
    and ``out/breakdown.png`` over all of them. Returns ``{name: summary}``."""
    if isinstance(datasets, str):
        datasets = [d.strip() for d in datasets.split(",") if d.strip()]
    if not datasets:
        raise ValueError("dataset: give at least one data set.")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunStoreError(f"out: {str(out)!r} exists and is not a folder.")
    summaries = {}
    for d in datasets:
        name = Path(d).stem if d.lower().endswith(".csv") else d
        summaries[name] = breakdown(d, out / name, **kwargs)
    if len(summaries) > 1:
        text = "\n".join(breakdown_markdown(s) for s in summaries.values())
        atomic_write_text(out / "summary.md", text)
        done = [s for s in summaries.values() if s["units_done"]]
        if done:
            plot_breakdown(done, out / "breakdown.png")
    return summaries

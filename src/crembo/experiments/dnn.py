"""DNN to DNN compression: CREMBO against KD, VT and BM for small nets (needs ``crembo[torch]``).

Protocol. In every repeat a test set is held out (``test_size`` of the rows, stratified;
CIFAR-10 uses its official test batch), the rest is split into ``folds`` stratified folds,
and each fold's training part is one *unit*: a teacher net is trained on it, then, for every
student architecture, one student per method:

- **BM**: cross-entropy on the true labels;
- **VT**: cross-entropy on the teacher's predicted labels;
- **KD**: soft targets at temperature τ (``kd_temperature``) scaled by τ², mixed with
  cross-entropy on the labels (``kd_alpha`` on the soft term);
- **KD-aug**: KD on the unit's rows plus teacher-labelled rows (``aug_shifts`` shifted
  copies of each row, ``aug_mixup`` × n mixup rows; a copy keeps its source's label for the
  hard term, a mixup row takes the teacher's argmax);
- **CREMBO** (the default for nets, issue 15): :class:`crembo.CREMBOClassifier` whose
  :class:`~crembo.nets.TorchAllowedLabelClassifier` student minimizes KD's soft term plus
  ``crembo_beta`` × the allowed-label term (``crembo_loss``: the allowed set's softmax
  likelihood) on the unit's rows and the same teacher-labelled rows as KD-aug (their belief
  gives their allowed sets; they never score θ), belief temperature
  ``crembo_belief_temperature``, ``crembo_candidates`` candidates, ``crembo_sweep_fits``,
  refitted on all rows at the chosen θ (``crembo_refit``);
- **CREMBO-paper**: :class:`crembo.CREMBOClassifier` with a
  :class:`~crembo.nets.TorchAllowedLabelClassifier` student, the belief being the teacher's
  ``softmax(logits / belief_temperature)`` on the training rows, ε-clipped, the candidate
  thresholds capped at ``max_candidates`` and the sweep step δ chosen from that cap so that
  the sweep fits at most ``sweep_fits + 1`` students (``δ = ceil((max_candidates - 1) /
  sweep_fits)``). ``validation_size`` of the unit's rows choose the threshold; the paper's
  CREMBO student never sees them;
- **CREMBO-refit** (not run by default): the paper's search, then the student refitted on
  all the unit's rows at the chosen threshold (what ``CREMBOClassifier(refit=True)`` does;
  one more fit), so that it trains on as many rows as BM, VT and KD.

Every net stops early on its own validation split (10 % of what it is fitted on), never on
the test set. All models of a unit share the unit's seed (same initialization and batch
order for BM, VT and KD of one architecture). Each record holds test accuracy, the measured
depth of the student under the teacher's belief on the training rows (minimum and mean),
CREMBO's chosen and MEMO thresholds, and seconds. Agreement is the mean, over pairs of
units of a repeat (students trained on different folds), of the share of test points on
which the two students predict the same class.

Defaults (``IMAGE_SETTINGS["digits"]``) run on 2 CPU cores in under 10 minutes; ``"cifar10"`` is
the paper's setting (ResNet-18 teacher, LeNet-5 and MobileNetV2 students, crop and flip
augmentation), meant for a GPU.
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from dataclasses import asdict, dataclass
from functools import partial

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from crembo._validation import check_bool, check_fraction, check_ints, check_positive
from crembo.depth import clip_belief
from crembo.experiments.engine import Experiment, Tick, UnitResult, run
from crembo.experiments.protocol import Unit, unit_seed
from crembo.experiments.store import STATUS_OK, RunStore, data_fingerprint
from crembo.experiments.summary import summarize
from crembo.metrics import pairwise_agreement

BASELINES = ("BM", "VT", "KD", "KD-aug", "CREMBO", "CREMBO-paper", "CREMBO-refit")
#: The methods run by default; CREMBO-paper (today's CREMBO, the figures of issue 4) and
#: CREMBO-refit (its search, refitted) on demand: together they double the run's time.
DEFAULT_BASELINES = ("BM", "VT", "KD", "KD-aug", "CREMBO")
CREMBO_VARIANTS = ("CREMBO", "CREMBO-paper", "CREMBO-refit")
#: The allowed-label terms of the default CREMBO's student (``crembo_loss``).
CREMBO_LOSSES = ("set", "bce")
DATASETS = ("digits", "digits4x4", "cifar10")


@dataclass(frozen=True)
class DNNProtocol:
    """Every setting that changes the results of the DNN experiment.

    Use :func:`dnn_protocol` to start from a data set's settings (:data:`IMAGE_SETTINGS`).
    """

    dataset: str = "digits"
    teacher: str = "convnet"
    students: tuple = ("lenet5", "mlp")
    baselines: tuple = DEFAULT_BASELINES
    folds: int = 5
    repeats: int = 1
    test_size: float = 0.25
    seed: int = 0
    belief_temperature: float = 1.0
    kd_temperature: float = 5.0
    kd_alpha: float = 0.9
    epsilon: float = 1e-3
    max_candidates: int = 16
    sweep_fits: int = 4
    validation_size: float = 0.1
    crembo_loss: str = "set"
    crembo_beta: float = 0.1
    crembo_belief_temperature: float = 1.0
    crembo_candidates: int = 3
    crembo_sweep_fits: int = 1
    crembo_refit: bool = True
    aug_shifts: int = 1
    aug_max_shift: int = 1
    aug_mixup: float = 0.0
    max_epochs: int = 60
    patience: int = 8
    batch_size: int = 64
    teacher_lr: float = 1e-3
    student_lr: float | None = None
    augment: bool = False
    max_rows: int | None = None

    def __post_init__(self):
        from crembo.nets.models import MODULES  # torch is needed from here on

        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}; got {self.dataset!r}.")
        for name in (self.teacher, *self.students):
            if name not in MODULES:
                raise ValueError(f"nets must be among {sorted(MODULES)}; got {name!r}.")
        object.__setattr__(self, "students", tuple(self.students))
        object.__setattr__(self, "baselines", tuple(self.baselines))
        if not self.students:
            raise ValueError("students: give at least one student architecture.")
        bad = [b for b in self.baselines if b not in BASELINES]
        if bad or not self.baselines:
            raise ValueError(f"baselines must be among {BASELINES}; got {list(self.baselines)}.")
        check_ints(
            self,
            {
                "folds": 2,
                "repeats": 1,
                "seed": 0,
                "max_candidates": 2,
                "sweep_fits": 1,
                "crembo_candidates": 2,
                "crembo_sweep_fits": 1,
                "aug_shifts": 0,
                "aug_max_shift": 1,
                "max_epochs": 1,
                "patience": 1,
                "batch_size": 1,
            },
        )
        for name in ("test_size", "validation_size"):
            check_fraction(name, getattr(self, name))
        if self.crembo_loss not in CREMBO_LOSSES:
            raise ValueError(
                f"crembo_loss must be one of {CREMBO_LOSSES}; got {self.crembo_loss!r}."
            )
        for name in ("crembo_beta", "aug_mixup"):
            v = getattr(self, name)
            if isinstance(v, bool) or not (isinstance(v, numbers.Real) and v >= 0):
                raise ValueError(f"{name} must be a number >= 0; got {v!r}.")
        check_bool("crembo_refit", self.crembo_refit)
        for name in (
            "belief_temperature",
            "crembo_belief_temperature",
            "kd_temperature",
            "teacher_lr",
            "student_lr",
        ):
            if not (name == "student_lr" and self.student_lr is None):
                check_positive(name, getattr(self, name))
        if not 0 <= self.kd_alpha <= 1:
            raise ValueError(f"kd_alpha must be in [0, 1]; got {self.kd_alpha!r}.")
        if not 0 <= self.epsilon < 0.5:
            raise ValueError(f"epsilon must be in [0, 0.5); got {self.epsilon!r}.")

    @property
    def delta(self) -> int:
        """Sweep step from the candidate cap: at most ``sweep_fits + 1`` sweep fits."""
        return max(1, math.ceil((self.max_candidates - 1) / self.sweep_fits))

    @property
    def crembo_delta(self) -> int:
        """The default CREMBO's sweep step: at most ``crembo_sweep_fits + 1`` sweep fits."""
        return max(1, math.ceil((self.crembo_candidates - 1) / self.crembo_sweep_fits))

    @property
    def augments(self) -> bool:
        """Whether KD-aug and CREMBO get teacher-labelled rows."""
        return self.aug_shifts > 0 or self.aug_mixup > 0

    def lr_of(self, student: str) -> float:
        """Adam learning rate of a student net: ``student_lr``, or the net's default."""
        return STUDENT_LR.get(student, 1e-3) if self.student_lr is None else self.student_lr

    @property
    def methods(self) -> tuple:
        """Record names: ``teacher`` then ``<student>/<baseline>``."""
        return ("teacher", *(f"{s}/{b}" for s in self.students for b in self.baselines))

    @property
    def n_units(self) -> int:
        return self.repeats * self.folds

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(
            experiment="dnn",
            students=list(self.students),
            baselines=list(self.baselines),
            methods=list(self.methods),
            delta=self.delta,
            crembo_delta=self.crembo_delta,
            splitter=f"StratifiedKFold(n_splits={self.folds}, shuffle=True, seed per repeat)",
        )
        return d


#: Adam learning rates of the student nets when ``student_lr`` is None (tuned on digits
#: for every method alike: the MLP needs 1e-2 to converge within 60 epochs).
STUDENT_LR = {"mlp": 1e-2, "lenet5": 3e-3}

#: Per data set defaults (not called presets: only ``crembo.config.PRESETS`` is). Digits:
#: fits 2 CPU cores and 10 minutes. CIFAR-10: the paper's setting (nets, batch 128, up to 90
#: epochs, crop and flip), for a GPU.
IMAGE_SETTINGS = {
    "digits": {},
    # the same settings on the digits average-pooled to 4×4: a teacher that is less sure
    # (test accuracy 0.89, mean largest belief share 0.91 against 0.97 and 0.99 at 8×8)
    "digits4x4": {},
    "cifar10": {
        "teacher": "resnet18",
        "students": ("lenet5", "mobilenetv2"),
        "folds": 2,
        "max_candidates": 40,
        "sweep_fits": 8,
        "max_epochs": 90,
        "patience": 10,
        "batch_size": 128,
        "teacher_lr": 1e-3,
        "student_lr": 1e-3,
        "augment": True,
    },
}


def dnn_protocol(dataset="digits", **overrides) -> DNNProtocol:
    """The protocol of ``dataset``'s :data:`IMAGE_SETTINGS`, with ``overrides`` (None values
    are ignored)."""
    if dataset not in IMAGE_SETTINGS:
        raise ValueError(f"dataset must be one of {DATASETS}; got {dataset!r}.")
    settings = {**IMAGE_SETTINGS[dataset], **{k: v for k, v in overrides.items() if v is not None}}
    return DNNProtocol(dataset=dataset, **settings)


def load_image_data(protocol: DNNProtocol, cifar_dir=None):
    """``(X, y, test_rows or None, image_shape, info)`` for the protocol's data set."""
    from crembo.vision import load_cifar10, load_digits_images, load_digits_pooled

    if protocol.dataset in ("digits", "digits4x4"):
        if protocol.dataset == "digits":
            d = load_digits_images()
            info = {"name": "digits", "source": "scikit-learn (bundled)"}
        else:
            d = load_digits_pooled(4)
            source = "scikit-learn digits (bundled), 2×2 average-pooled to 4×4"
            info = {"name": "digits4x4", "source": source}
        X, y, test = d.data, d.target, None
        if protocol.max_rows is not None:
            X, y = X[: protocol.max_rows], y[: protocol.max_rows]
        return X, y, test, d.image_shape, info
    if cifar_dir is None:
        raise ValueError("cifar_dir: the CIFAR-10 setting needs the folder of its python batches.")
    tr = load_cifar10(cifar_dir, subset="train", max_rows=protocol.max_rows)
    te = load_cifar10(cifar_dir, subset="test", max_rows=protocol.max_rows)
    X = np.concatenate([tr.data, te.data])
    y = np.concatenate([tr.target, te.target])
    test = np.arange(tr.data.shape[0], X.shape[0])
    info = {"name": "cifar10", "source": str(cifar_dir)}
    return X, y, test, tr.image_shape, info


def make_dnn_units(protocol: DNNProtocol, y, test_rows=None) -> list[Unit]:
    """(repeat, fold) units: a stratified test split per repeat (or the given test rows),
    stratified shuffled folds of the rest."""
    y = np.asarray(y)
    units = []
    for r in range(protocol.repeats):
        seed = int(np.random.SeedSequence([protocol.seed, r, 7]).generate_state(1)[0] >> 1)
        if test_rows is None:
            rows, test = train_test_split(
                np.arange(y.size), test_size=protocol.test_size, stratify=y, random_state=seed
            )
        else:
            test = np.asarray(test_rows)
            rows = np.setdiff1d(np.arange(y.size), test)
        folds = StratifiedKFold(protocol.folds, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # tiny runs: rare classes
            splits = list(folds.split(np.zeros(rows.size), y[rows]))
        for f, (tr, _) in enumerate(splits):
            units.append(Unit(r, f, np.sort(rows[tr]), np.sort(test)))
    return units


def run_dnn_unit(X, y, unit: Unit, protocol: DNNProtocol, image_shape, device="auto"):
    """Train the teacher and every student of one unit.

    Returns ``(rows, predictions (n_methods, n_test))`` with rows in the records schema.
    """
    from crembo import CREMBOClassifier
    from crembo.nets import TorchAllowedLabelClassifier, TorchClassifier, torch_logits
    from crembo.nets.belief import softmax
    from crembo.selection import HoldOut

    seed = unit_seed(protocol.seed, unit.repeat, unit.fold)
    Xtr, ytr, Xte, yte = X[unit.train], y[unit.train], X[unit.test], y[unit.test]
    common = {
        "input_shape": tuple(image_shape),
        "max_epochs": protocol.max_epochs,
        "patience": protocol.patience,
        "batch_size": protocol.batch_size,
        "augment": protocol.augment,
        "device": device,
        "random_state": seed,
    }
    rows, preds = [], []

    def record(name, model, seconds, pred_test, extra=None):
        pred_train = _labels(model, Xtr, classes)
        d = belief[np.arange(ytr.size), np.searchsorted(classes, pred_train)]
        rows.append(
            {
                "dataset": protocol.dataset,
                "experiment": "dnn",
                "repeat": unit.repeat,
                "fold": unit.fold,
                "method": name,
                "accuracy": float(np.mean(pred_test == yte)),
                "threshold": np.nan,
                "memo_threshold": np.nan,
                "depth": float(d.min()),
                "mean_depth": float(d.mean()),
                "leaves": np.nan,  # a tree measure; nets have none
                "seconds": seconds,
                "status": STATUS_OK,  # a failing net stops the unit: every row written is ok
                **(extra or {}),
            }
        )
        preds.append(pred_test)

    t0 = time.perf_counter()
    teacher = TorchClassifier(protocol.teacher, lr=protocol.teacher_lr, **common).fit(Xtr, ytr)
    seconds = time.perf_counter() - t0
    classes = teacher.classes_
    logits = torch_logits(teacher.module_, Xtr)
    belief = softmax(logits, protocol.belief_temperature)
    record("teacher", teacher, seconds, teacher.predict(Xte))
    vt_labels = classes[logits.argmax(axis=1)]
    clipped = clip_belief(belief, protocol.epsilon)
    t0 = time.perf_counter()
    aug = _teacher_rows(protocol, Xtr, ytr, logits, teacher, image_shape, seed)
    aug_seconds = time.perf_counter() - t0  # counted in the KD-aug and CREMBO rows
    for s in protocol.students:
        kw = {**common, "lr": protocol.lr_of(s)}
        crembo, crembo_seconds = None, 0.0
        for b in protocol.baselines:
            t0 = time.perf_counter()
            extra = None
            if b == "KD-aug":
                model = TorchClassifier(
                    s,
                    loss="kd",
                    temperature=protocol.kd_temperature,
                    alpha=protocol.kd_alpha,
                    **kw,
                ).fit(aug["X"], aug["y"], teacher_logits=aug["logits"])
                t0 -= aug_seconds
            elif b == "CREMBO":
                model = _crembo_for_nets(protocol, s, kw, teacher, Xtr, ytr, aug)
                extra = {
                    "threshold": float(model.threshold_),
                    "memo_threshold": float(model.memo_threshold_),
                }
                t0 -= aug_seconds
            elif b == "BM":
                model = TorchClassifier(s, **kw).fit(Xtr, ytr)
            elif b == "VT":
                model = TorchClassifier(s, **kw).fit(Xtr, vt_labels)
            elif b == "KD":
                model = TorchClassifier(
                    s,
                    loss="kd",
                    temperature=protocol.kd_temperature,
                    alpha=protocol.kd_alpha,
                    **kw,
                ).fit(Xtr, ytr, teacher_logits=logits)
            else:
                if crembo is None:  # the refit variant reuses the search of the paper's
                    crembo = CREMBOClassifier(
                        None,
                        TorchAllowedLabelClassifier(s, **kw),
                        preset="paper",
                        delta=protocol.delta,
                        selection=HoldOut(protocol.validation_size),
                        epsilon=protocol.epsilon,
                        max_candidates=protocol.max_candidates,
                        random_state=seed,
                    ).fit(Xtr, ytr, belief=belief)
                    crembo_seconds = time.perf_counter() - t0
                    t0 = time.perf_counter()
                model = crembo
                if b == "CREMBO-refit":
                    Y = (clipped >= crembo.threshold_).astype(np.uint8)
                    model = TorchAllowedLabelClassifier(s, **kw).fit(Xtr, Y)
                extra = {
                    "threshold": float(crembo.threshold_),
                    "memo_threshold": float(crembo.memo_threshold_),
                }
            # both paper rows include the search; the refit row its extra fit as well
            paper = b in ("CREMBO-paper", "CREMBO-refit")
            seconds = time.perf_counter() - t0 + (crembo_seconds if paper else 0)
            record(f"{s}/{b}", model, seconds, _labels(model, Xte, classes), extra)
    return rows, np.asarray(preds)


def _teacher_rows(protocol, Xtr, ytr, logits, teacher, image_shape, seed):
    """The unit's rows plus teacher-labelled augmentation rows (KD-aug and CREMBO).

    ``X``, ``logits`` (the teacher's on every row) and ``y`` (a shifted copy keeps its
    source's label, a mixup row takes the teacher's argmax: KD-aug's hard term), ``n``
    the number of the unit's own rows. Without augmentation, the unit's rows alone.
    """
    from crembo.nets import torch_logits
    from crembo.nets.augment import teacher_augmented_rows

    if not protocol.augments:
        return {"X": Xtr, "y": ytr, "logits": logits, "n": ytr.size}
    X_extra, source = teacher_augmented_rows(
        Xtr,
        image_shape,
        shift_copies=protocol.aug_shifts,
        max_shift=protocol.aug_max_shift,
        mixup=protocol.aug_mixup,
        random_state=np.random.RandomState(seed),
    )
    extra = torch_logits(teacher.module_, X_extra)
    y_extra = np.where(
        source >= 0, ytr[np.maximum(source, 0)], teacher.classes_[extra.argmax(axis=1)]
    )
    return {
        "X": np.vstack([Xtr, X_extra]),
        "y": np.concatenate([ytr, y_extra]),
        "logits": np.vstack([logits, extra]),
        "n": ytr.size,
    }


def _crembo_for_nets(protocol, student, kw, teacher, Xtr, ytr, aug):
    """The default CREMBO for nets: KD's soft targets plus the allowed-set term.

    A :class:`crembo.CREMBOClassifier` (``preset="paper"``, hold-out choice of θ, refitted
    on all the unit's rows with ``crembo_refit``) whose torch student minimizes
    ``kd_alpha · τ² · KL + crembo_beta · allowed(Y_θ)`` with the teacher's logits, the
    belief ``softmax(logits / crembo_belief_temperature)`` on the unit's rows and on the
    teacher-labelled rows (unlabelled for CREMBO: they train the student and count in the
    depth, never in the choice of θ).
    """
    from crembo import CREMBOClassifier
    from crembo.nets import TorchAllowedLabelClassifier
    from crembo.nets.belief import softmax
    from crembo.selection import HoldOut

    net = TorchAllowedLabelClassifier(
        student,
        allowed_loss=protocol.crembo_loss,
        teacher=teacher.module_,
        temperature=protocol.kd_temperature,
        alpha=protocol.kd_alpha,
        beta=protocol.crembo_beta,
        **kw,
    )
    from crembo.diagnostics import DegenerateThresholdWarning

    n = aug["n"]
    model = CREMBOClassifier(
        None,
        net,
        preset="paper",
        delta=protocol.crembo_delta,
        selection=HoldOut(protocol.validation_size, refit=protocol.crembo_refit),
        epsilon=protocol.epsilon,
        max_candidates=protocol.crembo_candidates,
        random_state=kw["random_state"],
    )
    with warnings.catch_warnings():
        # a high θ empties many rows' allowed sets, but those rows still learn KD's soft
        # targets: the warning's "fitted mostly to empty targets" does not hold here
        warnings.simplefilter("ignore", DegenerateThresholdWarning)
        return model.fit(
            Xtr,
            ytr,
            X_unlabeled=aug["X"][n:] if aug["X"].shape[0] > n else None,
            belief=softmax(aug["logits"], protocol.crembo_belief_temperature),
        )


def _labels(model, X, classes):
    """Predicted labels; allowed-label students predict class indices."""
    pred = model.predict(X)
    return classes[pred] if getattr(model, "fits_allowed_labels", False) else pred


def _run_dnn_unit(unit, *, X, y, protocol, image_shape, device, threads) -> UnitResult:
    """The engine's unit function: :func:`run_dnn_unit` with ``threads`` torch threads."""
    import torch

    # tiny nets on shared cores: one thread each is fastest (2 threads ran ~10× slower
    # under load); joblib runs units in parallel instead
    torch.set_num_threads(threads)
    rows, preds = run_dnn_unit(X, y, unit, protocol, image_shape, device)
    return UnitResult(rows, {"predictions": preds})


def run_dnn(
    protocol: DNNProtocol,
    out,
    *,
    cifar_dir=None,
    n_jobs: int = 1,
    threads: int = 1,
    device: str = "auto",
    max_units: int | None = None,
    progress: bool = True,
) -> dict:
    """Run (or resume) the DNN experiment into ``out`` and write its summary.

    Writes ``run.json``, ``records.csv`` (one row per unit × method), ``predictions/``,
    ``summary.json`` and ``summary.md``, like the tabular experiments (the same
    :func:`crembo.experiments.engine.run` loop). Returns the summary.
    """
    X, y, test_rows, shape, info = load_image_data(protocol, cifar_dir)
    classes, y_idx = np.unique(y, return_inverse=True)
    info = {
        **info,
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_classes": int(classes.size),
        "image_shape": list(shape),
    }
    # the data as the nets see it (float32), so a resumed run cannot silently switch data
    fingerprint = data_fingerprint(np.asarray(X, np.float32), np.asarray(y_idx, np.int64))
    settings = {
        "protocol": protocol.to_dict(),
        "data": {"fingerprint": fingerprint, "classes": [str(c) for c in classes]},
    }
    units = make_dnn_units(protocol, y_idx, test_rows)  # may refuse: before --out is touched
    experiment = Experiment(
        label=f"dnn {protocol.dataset}",
        units=units,
        run_unit=partial(
            _run_dnn_unit,
            X=X,
            y=y_idx,
            protocol=protocol,
            image_shape=shape,
            device=device,
            threads=threads,
        ),
        summarize=lambda store, records, total: summarize_dnn(
            store, records, protocol, info, total
        ),
        markdown=dnn_markdown,
    )
    store = RunStore(out, settings, artifacts=("predictions",))
    ticks = partial(_print_tick, protocol.dataset) if progress else False
    return run(experiment, store, n_jobs=n_jobs, max_units=max_units, progress=ticks)


def _print_tick(dataset: str, tick: Tick) -> None:
    """One line per unit done: how many of this call's units, and the time since its first."""
    s = tick.seconds
    print(f"dnn {dataset}: unit {tick.new}/{tick.todo} done, {int(s // 60)} min {s % 60:.0f} s")


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


__all__ = [
    "BASELINES",
    "DNNProtocol",
    "IMAGE_SETTINGS",
    "dnn_markdown",
    "dnn_protocol",
    "make_dnn_units",
    "run_dnn",
    "run_dnn_unit",
    "summarize_dnn",
]

"""The DNN experiment's protocol: every setting that changes its results, and the per data set
defaults (:data:`IMAGE_SETTINGS`)."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass

from crembo._validation import check_bool, check_fraction, check_ints, check_positive

#: The methods trained by :class:`crembo.nets.TorchDistiller` with the teacher online:
#: ``DKD`` on the rows, the others on fresh views of every batch (issue 25).
DISTILLED = ("DKD", "KD-fresh", "DKD-fresh", "CREMBO-fresh", "CREMBO-DKD-fresh")
BASELINES = ("BM", "VT", "KD", "KD-aug", "CREMBO", "CREMBO-paper", "CREMBO-refit", *DISTILLED)
#: The methods run by default; CREMBO-paper (today's CREMBO, the figures of issue 4),
#: CREMBO-refit (its search, refitted) and the fresh-view methods on demand.
DEFAULT_BASELINES = ("BM", "VT", "KD", "KD-aug", "DKD", "CREMBO")
CREMBO_VARIANTS = ("CREMBO", "CREMBO-paper", "CREMBO-refit", "CREMBO-fresh", "CREMBO-DKD-fresh")
#: What a CREMBO is measured against (issue 25's goal): the best of these (by mean accuracy
#: over the units) per student; methods every issue-25 unit runs.
DISTILLATION_BARS = ("KD", "DKD", "KD-aug")
#: Each CREMBO's own distillation: the same rows or views, teacher and schedule, without the
#: allowed set (the clean test of the set).
OWN_BASE = {"CREMBO": "KD-aug", "CREMBO-fresh": "KD-fresh", "CREMBO-DKD-fresh": "DKD-fresh"}
#: The allowed-label terms of the default CREMBO's student (``crembo_loss``).
CREMBO_LOSSES = ("set", "bce")
DATASETS = ("digits", "digits4x4", "digits-noisy", "cifar10")


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
    label_noise: float = 0.0
    teacher_max_epochs: int | None = None
    teacher_patience: int | None = None
    dkd_temperature: float = 4.0
    dkd_alpha: float = 1.0
    dkd_beta: float = 8.0
    view_max_shift: int = 1
    view_max_rotation: float = 10.0
    view_mixup: float = 0.5
    fresh_thresholds: tuple = (0.05, 0.3)

    def __post_init__(self):
        from crembo.nets.models import MODULES  # torch is needed from here on

        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}; got {self.dataset!r}.")
        for name in (self.teacher, *self.students):
            if name not in MODULES:
                raise ValueError(f"nets must be among {sorted(MODULES)}; got {name!r}.")
        object.__setattr__(self, "students", tuple(self.students))
        object.__setattr__(self, "baselines", tuple(self.baselines))
        object.__setattr__(self, "fresh_thresholds", tuple(self.fresh_thresholds))
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
                "view_max_shift": 0,
            },
        )
        for name in ("test_size", "validation_size"):
            check_fraction(name, getattr(self, name))
        if self.crembo_loss not in CREMBO_LOSSES:
            raise ValueError(
                f"crembo_loss must be one of {CREMBO_LOSSES}; got {self.crembo_loss!r}."
            )
        for name in ("crembo_beta", "aug_mixup", "dkd_alpha", "dkd_beta", "view_max_rotation"):
            v = getattr(self, name)
            if isinstance(v, bool) or not (isinstance(v, numbers.Real) and v >= 0):
                raise ValueError(f"{name} must be a number >= 0; got {v!r}.")
        check_bool("crembo_refit", self.crembo_refit)
        for name in (
            "belief_temperature",
            "crembo_belief_temperature",
            "kd_temperature",
            "dkd_temperature",
            "teacher_lr",
            "student_lr",
        ):
            if not (name == "student_lr" and self.student_lr is None):
                check_positive(name, getattr(self, name))
        if not 0 <= self.kd_alpha <= 1:
            raise ValueError(f"kd_alpha must be in [0, 1]; got {self.kd_alpha!r}.")
        if not 0 <= self.epsilon < 0.5:
            raise ValueError(f"epsilon must be in [0, 0.5); got {self.epsilon!r}.")
        for name in ("teacher_max_epochs", "teacher_patience"):
            if getattr(self, name) is not None:
                check_ints(self, {name: 1})
        v = self.label_noise
        if isinstance(v, bool) or not (isinstance(v, numbers.Real) and 0 <= v < 1):
            raise ValueError(f"label_noise must be a number in [0, 1); got {v!r}.")
        t = self.fresh_thresholds
        if not t or not all(isinstance(v, numbers.Real) and 0 <= v <= 1 for v in t):
            raise ValueError(f"fresh_thresholds must be numbers in [0, 1]; got {list(t)!r}.")
        self.views()  # the view settings' own checks

    def views(self):
        """The fresh views of the ``*-fresh`` methods (:class:`crembo.nets.FreshViews`)."""
        from crembo.nets.views import FreshViews

        return FreshViews(self.view_max_shift, self.view_max_rotation, self.view_mixup)

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
            fresh_thresholds=list(self.fresh_thresholds),
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
    # the digits with 20 % of the training labels replaced by another class (seeded; test
    # labels clean): a teacher fitted to them is unsure on its own training rows (mean
    # largest share 0.76 on unit 0, against 0.99 on the digits)
    "digits-noisy": {"label_noise": 0.2},
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

"""The experimental protocol: its settings, and the (repeat, fold) units it splits data into.

Decisions (see docs/results.md):

- ``shuffle=False`` (the paper's protocol) uses ``KFold(folds, shuffle=False)``: the paper's
  folds were unshuffled and, on data stored sorted by class such as iris, degenerate, which
  only plain (unstratified) K-fold produces. Repeats then share the folds and differ only in
  the models' seeds.
- ``shuffle=True`` (the fair protocol) uses ``StratifiedKFold(folds, shuffle=True)`` with a
  seed per repeat.
- Robustness holds out ``test_size`` of the rows at random in every repeat (stratified
  under ``shuffle=True``), then splits the rest into ``folds`` folds as above, in the order
  the random split returns the rows. Each fold's training part trains one student per method.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from crembo._validation import check_bool, check_fraction, check_ints
from crembo.choices import CLASS_WEIGHTS, DEFAULT_METHODS, TEACHERS
from crembo.experiments.methods import METHODS, check_methods, default_max_candidates

EXPERIMENTS = ("generalization", "robustness")


@dataclass(frozen=True)
class Protocol:
    """Every setting that changes the results of an experiment.

    Parameters
    ----------
    experiment : {"generalization", "robustness"}
    dataset : str
    teacher : {"rf", "nn"}, default="rf"
    folds : int, default=10
    repeats : int, default=20
    seed : int, default=0
    class_weight : {"balanced", "none"}, default="balanced"
        The paper's runs used ``"balanced"`` for every tree and forest.
    shuffle : bool, default=False
        False is the paper's unshuffled ``KFold``; True a shuffled ``StratifiedKFold``.
    test_size : float, default=0.15
        Held-out share in robustness.
    max_candidates : int, None or "auto", default="auto"
        Cap on CREMBO's candidate thresholds ("auto": none for rf, 100 for nn).
    methods : tuple of str, default=DEFAULT_METHODS
        Names of :data:`~crembo.experiments.methods.METHODS` (or of ``extra_methods``).
    extra_methods : mapping of str to callable, default={}
        Methods beyond :data:`~crembo.experiments.methods.METHODS` for this run only (a
        benchmark's levers, a test's broken method): name -> ``builder(teacher, student,
        random_state, **options)``. Not a setting: ``run.json`` has their names only.
        They travel to the workers with the protocol (cloudpickle: lambdas are fine).
    """

    experiment: str
    dataset: str
    teacher: str = "rf"
    folds: int = 10
    repeats: int = 20
    seed: int = 0
    class_weight: str = "balanced"
    shuffle: bool = False
    test_size: float = 0.15
    max_candidates: int | None | str = "auto"
    methods: tuple = field(default=DEFAULT_METHODS)
    extra_methods: Mapping = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if self.experiment not in EXPERIMENTS:
            raise ValueError(f"experiment must be one of {EXPERIMENTS}; got {self.experiment!r}.")
        if self.teacher not in TEACHERS:
            raise ValueError(f"teacher must be one of {TEACHERS}; got {self.teacher!r}.")
        if self.class_weight not in CLASS_WEIGHTS:
            raise ValueError(
                f"class_weight must be one of {CLASS_WEIGHTS}; got {self.class_weight!r}."
            )
        check_ints(self, {"folds": 2, "repeats": 1, "seed": 0})
        check_fraction("test_size", self.test_size)
        check_bool("shuffle", self.shuffle)
        mc = self.max_candidates
        if mc == "auto":
            object.__setattr__(self, "max_candidates", default_max_candidates(self.teacher))
        elif mc is not None and (isinstance(mc, bool) or not isinstance(mc, int) or mc < 2):
            raise ValueError(f"max_candidates must be 'auto', None or an integer >= 2; got {mc!r}.")
        # a copy: the protocol does not change when the caller's mapping does
        object.__setattr__(self, "extra_methods", dict(self.extra_methods))
        object.__setattr__(self, "methods", check_methods(self.methods, self.extra_methods))

    def builder(self, method: str):
        """The builder of ``method``: ``extra_methods``' first, else ``METHODS``'."""
        return self.extra_methods.get(method) or METHODS[method]

    @property
    def splitter(self) -> str:
        """The fold splitter, in words (recorded in the output)."""
        if self.shuffle:
            return f"StratifiedKFold(n_splits={self.folds}, shuffle=True, seed per repeat)"
        return f"KFold(n_splits={self.folds}, shuffle=False)"

    @property
    def n_units(self) -> int:
        return self.repeats * self.folds

    def to_dict(self) -> dict:
        """JSON-ready settings, the fold splitter included."""
        d = asdict(self)
        d.pop("extra_methods")  # callables, not settings: their names are in methods
        d["methods"] = list(self.methods)
        d["splitter"] = self.splitter
        if self.experiment == "generalization":
            d.pop("test_size")
        return d


@dataclass(frozen=True)
class Unit:
    """One (repeat, fold): rows to train on and rows to test on."""

    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray

    @property
    def key(self) -> tuple[int, int]:
        return (self.repeat, self.fold)


def unit_seed(seed: int, repeat: int, fold: int) -> int:
    """The random_state of every model of a unit: depends on nothing else."""
    return int(np.random.SeedSequence([seed, repeat, fold]).generate_state(1)[0] >> 1)


def _repeat_seed(seed: int, repeat: int) -> int:
    return int(np.random.SeedSequence([seed, repeat, 1_000_003]).generate_state(1)[0] >> 1)


def _kfold(protocol: Protocol, y, rows, seed):
    """Train/test positions into ``rows`` for the protocol's splitter."""
    if protocol.shuffle:
        splitter = StratifiedKFold(protocol.folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(protocol.folds, shuffle=False)
    if rows.size < protocol.folds:
        raise ValueError(f"folds={protocol.folds} is more than the {rows.size} rows to split.")
    with warnings.catch_warnings():
        # rare classes (fewer members than folds) are expected: arrhythmia has some
        warnings.simplefilter("ignore", UserWarning)
        return list(splitter.split(np.zeros(rows.size), y[rows]))


def make_units(protocol: Protocol, y) -> list[Unit]:
    """All (repeat, fold) units of the protocol for labels ``y``, in order."""
    y = np.asarray(y)
    units = []
    for r in range(protocol.repeats):
        units += repeat_units(protocol, y, r, _repeat_seed(protocol.seed, r))
    return units


def repeat_units(protocol: Protocol, y, repeat: int, seed: int) -> list[Unit]:
    """The units of one repeat, its splits seeded with ``seed`` (:func:`make_units` derives
    one per repeat from the protocol's seed; ``crembo demo`` gives its own)."""
    y = np.asarray(y)
    if protocol.experiment == "generalization":
        rows, test_rows = np.arange(y.size), None
    else:
        counts = np.unique(y, return_counts=True)[1]
        stratify = y if protocol.shuffle and counts.min() >= 2 else None
        rows, test_rows = train_test_split(
            np.arange(y.size),
            test_size=protocol.test_size,
            stratify=stratify,
            random_state=seed,
        )
    units = []
    for f, (tr, te) in enumerate(_kfold(protocol, y, rows, seed)):
        test = rows[te] if test_rows is None else np.sort(test_rows)
        units.append(Unit(repeat, f, rows[tr], test))
    return units

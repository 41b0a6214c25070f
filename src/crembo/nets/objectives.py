"""What a student minimizes on a view the teacher labels online: KD, DKD, and either with
CREMBO's allowed set in the place of the label term.

An objective is called as ``objective(logits, teacher_logits, y, y_mix, lam, weight=None)``
on one batch of views: ``teacher_logits`` the teacher's on exactly those views, ``y`` the
labels of the rows the views came from, ``y_mix`` the labels of their mixup partners and
``lam`` each view's mixing weight (1 for a view that is not mixed). A label term is the
``lam``-weighted mix of the term at ``y`` and at ``y_mix``; a teacher term needs no label.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from crembo.nets.losses import (
    _weighted_mean,
    allowed_set_loss,
    decoupled_kd_terms,
    soft_target_loss,
)


def _mixed(per_row_at, y, y_mix, lam):
    """``lam · f(y) + (1 - lam) · f(y_mix)`` per row; one evaluation for unmixed batches."""
    first = per_row_at(y)
    if bool((lam >= 1).all()):
        return first
    return lam * first + (1 - lam) * per_row_at(y_mix)


def _teacher_plus_labels(objective, logits, teacher_logits, y, y_mix, lam, weight):
    """Weighted mean of the teacher term plus ``hard_weight`` × the (mixed) cross-entropy."""
    per_row = objective.teacher_term(logits, teacher_logits, y, y_mix, lam)
    if objective.hard_weight:
        ce = _mixed(lambda t: F.cross_entropy(logits, t, reduction="none"), y, y_mix, lam)
        per_row = per_row + objective.hard_weight * ce
    return _weighted_mean(per_row, weight)


def _check_nonnegative(owner, **values):
    for name, v in values.items():
        if isinstance(v, bool) or not (isinstance(v, numbers.Real) and v >= 0):
            raise ValueError(f"{owner}: {name} must be a number >= 0; got {v!r}.")


@dataclass(frozen=True)
class KDObjective:
    """KD (Hinton et al.): ``alpha · τ² · KL(softmax(t/τ) || softmax(s/τ)) + label_weight · CE``.

    ``label_weight`` None means ``1 - alpha`` (KD's own mix).
    """

    temperature: float = 5.0
    alpha: float = 0.9
    label_weight: float | None = None

    def __post_init__(self):
        _check_nonnegative("KDObjective", alpha=self.alpha)
        if not self.temperature > 0:
            raise ValueError(f"KDObjective: temperature must be > 0; got {self.temperature!r}.")

    @property
    def hard_weight(self) -> float:
        return 1.0 - self.alpha if self.label_weight is None else self.label_weight

    def teacher_term(self, logits, teacher_logits, y, y_mix, lam):
        """Per row: the soft term."""
        return self.alpha * soft_target_loss(logits, teacher_logits, temperature=self.temperature)

    def __call__(self, logits, teacher_logits, y, y_mix, lam, weight=None):
        return _teacher_plus_labels(self, logits, teacher_logits, y, y_mix, lam, weight)


@dataclass(frozen=True)
class DKDObjective:
    """Decoupled KD: ``ce_weight · CE + alpha · TCKD + beta · NCKD`` (label terms mixed).

    See :func:`crembo.nets.losses.decoupled_kd_loss`; the published CIFAR setting is the
    default.
    """

    temperature: float = 4.0
    alpha: float = 1.0
    beta: float = 8.0
    ce_weight: float = 1.0

    def __post_init__(self):
        _check_nonnegative("DKDObjective", alpha=self.alpha, beta=self.beta, ce=self.ce_weight)
        if not self.temperature > 0:
            raise ValueError(f"DKDObjective: temperature must be > 0; got {self.temperature!r}.")

    @property
    def hard_weight(self) -> float:
        return self.ce_weight

    def teacher_term(self, logits, teacher_logits, y, y_mix, lam):
        """Per row: ``alpha · TCKD + beta · NCKD`` (target-dependent, so mixed over labels)."""

        def at(target):
            tckd, nckd = decoupled_kd_terms(
                logits, teacher_logits, target, temperature=self.temperature
            )
            return self.alpha * tckd + self.beta * nckd

        return _mixed(at, y, y_mix, lam)

    def __call__(self, logits, teacher_logits, y, y_mix, lam, weight=None):
        return _teacher_plus_labels(self, logits, teacher_logits, y, y_mix, lam, weight)


@dataclass(frozen=True)
class AllowedSetObjective:
    """CREMBO on a view: a distillation's teacher term plus ``beta ·`` the allowed-set term.

    The allowed set is taken from the teacher's belief on the very view:
    ``Y_θ = {c : clip_ε(softmax(t / belief_temperature))_c >= threshold}`` (values below ε
    count as 0, above 1 - ε as 1, as :func:`crembo.depth.clip_belief`), and the term is
    :func:`~crembo.nets.losses.allowed_set_loss` (``-log`` of the student's mass on the set; a
    view with an empty set counts nothing). It takes the place of ``base``'s label term (KD's
    ``1 - alpha`` cross-entropy, DKD's ``ce_weight`` one) with that term's weight unless
    ``beta`` is given; ``base``'s teacher term stays.
    """

    base: KDObjective | DKDObjective
    threshold: float
    beta: float | None = None
    belief_temperature: float = 1.0
    epsilon: float = 1e-3

    def __post_init__(self):
        if self.beta is not None:
            _check_nonnegative("AllowedSetObjective", beta=self.beta)
        if not isinstance(self.base, KDObjective | DKDObjective):
            raise TypeError(
                f"AllowedSetObjective: base must be a KD or DKD objective; got {self.base!r}."
            )
        if not 0 <= self.threshold <= 1:
            raise ValueError(
                f"AllowedSetObjective: threshold must be in [0, 1]; got {self.threshold!r}."
            )
        if not 0 <= self.epsilon < 0.5:
            raise ValueError(
                f"AllowedSetObjective: epsilon must be in [0, 0.5); got {self.epsilon!r}."
            )
        if not self.belief_temperature > 0:
            raise ValueError("AllowedSetObjective: belief_temperature must be > 0.")

    def allowed(self, teacher_logits):
        """``Y_θ`` of the teacher's belief on the views, as a boolean (n, c) tensor."""
        belief = torch.softmax(teacher_logits / self.belief_temperature, dim=1)
        eps = self.epsilon
        clipped = torch.where(
            belief < eps, torch.zeros_like(belief), torch.where(belief > 1 - eps, 1.0, belief)
        )
        return clipped >= self.threshold

    def __call__(self, logits, teacher_logits, y, y_mix, lam, weight=None):
        soft = _weighted_mean(self.base.teacher_term(logits, teacher_logits, y, y_mix, lam), weight)
        beta = self.base.hard_weight if self.beta is None else self.beta
        return soft + beta * allowed_set_loss(logits, self.allowed(teacher_logits), weight)

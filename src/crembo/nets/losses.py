"""Training losses: allowed labels (CREMBO), cross-entropy (BM, VT), distillation (KD).

All take optional per-row weights and return a weighted mean over the rows that count.
:func:`allowed_labels_loss` is the paper's per-class BCE on ``Y_θ``;
:func:`allowed_set_loss` is the softmax likelihood of the allowed set, and
:func:`distilled_allowed_loss` puts either on top of KD's soft-target term (CREMBO as a
constraint on distillation, issue 15).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _weighted_mean(per_row, weight, mask=None):
    w = torch.ones_like(per_row) if weight is None else weight.to(per_row.dtype)
    if mask is not None:
        w = w * mask.to(per_row.dtype)
    total = w.sum()
    # a batch where no row counts gives 0 (and no gradient) rather than NaN
    return (per_row * w).sum() / torch.clamp(total, min=torch.finfo(per_row.dtype).tiny)


def allowed_labels_loss(logits, Y, weight=None):
    """Per-class sigmoid and binary cross-entropy against the multi-hot ``Y_θ``.

    Per row: the mean over classes of ``BCE(sigmoid(logits), Y)``; rows with no allowed
    label (all-zero ``Y`` rows, the δ-insensitive part of CREMBO) contribute nothing; the
    result is the weighted mean over the remaining rows.

    Parameters
    ----------
    logits : Tensor of shape (n, c)
    Y : Tensor of shape (n, c), 0/1
    weight : Tensor of shape (n,), optional
    """
    Y = Y.to(logits.dtype)
    per_row = F.binary_cross_entropy_with_logits(logits, Y, reduction="none").mean(dim=1)
    return _weighted_mean(per_row, weight, Y.sum(dim=1) > 0)


def cross_entropy_loss(logits, y, weight=None):
    """Weighted mean cross-entropy against class indices ``y`` (BM and VT)."""
    return _weighted_mean(F.cross_entropy(logits, y, reduction="none"), weight)


def distillation_loss(logits, teacher_logits, y, *, temperature=4.0, alpha=0.9, weight=None):
    """Knowledge distillation (Hinton et al.): soft targets at τ scaled by τ², plus labels.

    ``alpha * τ² * KL(softmax(t/τ) || softmax(s/τ)) + (1 - alpha) * CE(s, y)`` per row,
    weighted mean over rows. The τ² keeps the soft term's gradients on the scale of the
    hard term's as τ grows.
    """
    tau = float(temperature)
    log_p_student = F.log_softmax(logits / tau, dim=1)
    log_p_teacher = F.log_softmax(teacher_logits / tau, dim=1)
    kl = (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum(dim=1)
    ce = F.cross_entropy(logits, y, reduction="none")
    return _weighted_mean(alpha * tau**2 * kl + (1.0 - alpha) * ce, weight)


def allowed_set_loss(logits, Y, weight=None):
    """Negative log-likelihood of the allowed set: ``-log sum_{y in Y_θ} softmax(logits)_y``.

    Per row ``logsumexp(logits) - logsumexp(logits[Y_θ])``: zero once the student puts all
    its mass on allowed labels, however it spreads it among them (a one-label row is plain
    cross-entropy). Rows with no allowed label contribute nothing.

    Parameters
    ----------
    logits : Tensor of shape (n, c)
    Y : Tensor of shape (n, c), 0/1
    weight : Tensor of shape (n,), optional
    """
    allowed = Y > 0
    present = allowed.any(dim=1)
    # an empty row would give -inf - (finite): mask it out before it can become NaN
    masked = logits.masked_fill(~allowed, float("-inf"))
    masked = torch.where(present[:, None], masked, logits)
    per_row = torch.logsumexp(logits, dim=1) - torch.logsumexp(masked, dim=1)
    return _weighted_mean(per_row, weight, present)


#: The allowed-label terms by name (``allowed_loss`` of the torch CREMBO student).
ALLOWED_LOSSES = {"bce": allowed_labels_loss, "set": allowed_set_loss}


def soft_target_loss(logits, teacher_logits, *, temperature=4.0):
    """Per row ``τ² · KL(softmax(t/τ) || softmax(s/τ))``: KD's soft term, no reduction."""
    tau = float(temperature)
    log_p_student = F.log_softmax(logits / tau, dim=1)
    log_p_teacher = F.log_softmax(teacher_logits / tau, dim=1)
    return tau**2 * (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum(dim=1)


def distilled_allowed_loss(
    logits, Y, teacher_logits, *, temperature=4.0, alpha=0.9, beta=1.0, allowed="set", weight=None
):
    """KD's soft targets plus the allowed-label term: ``α·τ²·KL + β·allowed(Y_θ)``.

    Weighted mean over all rows of ``alpha * τ² * KL(softmax(t/τ) || softmax(s/τ))``
    plus ``beta`` times the weighted mean of the ``allowed`` term (``"set"``:
    :func:`allowed_set_loss`, ``"bce"``: :func:`allowed_labels_loss`) over the rows with an
    allowed label. It takes the place of KD's cross-entropy on the true labels: the student
    is pushed into the teacher's allowed set rather than onto a label.
    """
    soft = _weighted_mean(soft_target_loss(logits, teacher_logits, temperature=temperature), weight)
    return alpha * soft + beta * ALLOWED_LOSSES[allowed](logits, Y, weight)


def decoupled_kd_terms(logits, teacher_logits, y, *, temperature=4.0):
    """Per row ``(TCKD, NCKD)`` of decoupled KD (Zhao et al., CVPR 2022), each scaled by τ².

    With ``p = softmax(z / τ)`` for the student (``s``) and the teacher (``t``):

    - TCKD, the target-class term: ``τ² · KL([p_t(y), 1 - p_t(y)] || [p_s(y), 1 - p_s(y)])``;
    - NCKD, the non-target term: ``τ² · KL(p̂_t || p̂_s)``, ``p̂`` the softmax of ``z / τ`` over
      the classes other than ``y``.

    Computed from log-sum-exps (no ``log`` of a difference of probabilities), so a sure
    teacher or student gives finite values.
    """
    tau = float(temperature)
    zs, zt = logits / tau, teacher_logits / tau
    target = F.one_hot(y, zs.shape[1]).bool()

    def binary_and_rest(z):
        lse = torch.logsumexp(z, dim=1)
        log_target = z.gather(1, y[:, None])[:, 0] - lse
        rest = z.masked_fill(target, float("-inf"))
        log_others = torch.logsumexp(rest, dim=1) - lse  # log(1 - p(y))
        return torch.stack([log_target, log_others], dim=1), F.log_softmax(rest, dim=1)

    bs, ns = binary_and_rest(zs)
    bt, nt = binary_and_rest(zt)
    tckd = (bt.exp() * (bt - bs)).sum(dim=1)
    # the target column is -inf in both: 0 · (-inf - -inf) would be NaN, so it is left out
    nckd = torch.where(target, torch.zeros_like(nt), nt.exp() * (nt - ns)).sum(dim=1)
    return tau**2 * tckd, tau**2 * nckd


def decoupled_kd_loss(
    logits, teacher_logits, y, *, temperature=4.0, alpha=1.0, beta=8.0, ce_weight=1.0, weight=None
):
    """DKD as published: ``ce_weight · CE(s, y) + alpha · TCKD + beta · NCKD``, weighted mean.

    The published CIFAR setting is ``alpha = 1``, ``beta = 8``, ``τ = 4``, ``ce_weight = 1``
    (its linear warm-up of the DKD term over the first 20 epochs is left out: our loops have
    no epoch in the loss). See :func:`decoupled_kd_terms`.
    """
    tckd, nckd = decoupled_kd_terms(logits, teacher_logits, y, temperature=temperature)
    ce = F.cross_entropy(logits, y, reduction="none")
    return _weighted_mean(ce_weight * ce + alpha * tckd + beta * nckd, weight)

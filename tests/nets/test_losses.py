"""The allowed-set likelihood and KD + allowed-label loss of crembo.nets.losses, by hand."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="crembo.nets needs torch: pip install -e '.[torch]'")

from crembo.nets import distillation_loss  # noqa: E402
from crembo.nets.losses import (  # noqa: E402
    allowed_labels_loss,
    allowed_set_loss,
    distilled_allowed_loss,
)

LOGITS = np.array([[2.0, -1.0, 0.5], [0.0, 1.0, -2.0], [3.0, 3.0, 3.0], [-1.0, 0.5, 1.5]])
Y = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 1, 0]])
W = np.array([1.0, 2.0, 5.0, 0.5])


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _set_nll():
    p = _softmax(LOGITS)
    return -np.log((p * Y).sum(axis=1).clip(1e-300))


def test_allowed_set_loss_matches_hand_computation():
    nll, active = _set_nll(), Y.sum(axis=1) > 0  # row 2 has no allowed label
    t = torch.tensor(LOGITS)
    got = allowed_set_loss(t, torch.tensor(Y))
    got_w = allowed_set_loss(t, torch.tensor(Y), weight=torch.tensor(W))
    assert float(got) == pytest.approx(nll[active].mean(), rel=1e-12)
    assert float(got_w) == pytest.approx((nll * W * active).sum() / (W * active).sum(), rel=1e-12)


def test_allowed_set_loss_of_one_label_is_cross_entropy_and_empty_rows_get_no_gradient():
    logits = torch.tensor([[1.0, 2.0, 0.0], [0.5, 0.5, 0.5]], dtype=torch.float64)
    logits.requires_grad_(True)
    Yt = torch.tensor([[0, 1, 0], [0, 0, 0]])
    loss = allowed_set_loss(logits, Yt)
    ce = torch.nn.functional.cross_entropy(logits[:1], torch.tensor([1]))
    assert float(loss.detach()) == pytest.approx(float(ce.detach()), rel=1e-12)
    loss.backward()
    assert torch.all(logits.grad[1] == 0) and torch.isfinite(logits.grad).all()
    # every label allowed: nothing to learn
    everything = allowed_set_loss(logits, torch.ones(2, 3)).detach()
    assert float(everything) == pytest.approx(0.0, abs=1e-12)


def test_distilled_allowed_loss_is_kd_soft_term_plus_beta_allowed_term():
    t = np.array([[3.0, 1.0, 0.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])
    tau, alpha, beta = 3.0, 0.8, 0.4
    log_ps = np.log(_softmax(LOGITS / tau))
    log_pt = np.log(_softmax(t / tau))
    soft = tau**2 * (np.exp(log_pt) * (log_pt - log_ps)).sum(axis=1)
    active = Y.sum(axis=1) > 0
    for kind, term in (("set", _set_nll()[active].mean()), ("bce", None)):
        args = (torch.tensor(LOGITS), torch.tensor(Y), torch.tensor(t))
        got = distilled_allowed_loss(*args, temperature=tau, alpha=alpha, beta=beta, allowed=kind)
        if term is None:
            term = float(allowed_labels_loss(torch.tensor(LOGITS), torch.tensor(Y)))
        # the soft term counts on every row, the empty-set row included
        assert float(got) == pytest.approx(alpha * soft.mean() + beta * term, rel=1e-12)
    w = torch.tensor(W)
    got_w = distilled_allowed_loss(
        *args, temperature=tau, alpha=alpha, beta=beta, allowed="set", weight=w
    )
    expected_w = (
        alpha * (soft * W).sum() / W.sum()
        + beta * (_set_nll() * W * active).sum() / (W * active).sum()
    )
    assert float(got_w) == pytest.approx(expected_w, rel=1e-12)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def test_allowed_labels_loss_matches_hand_computation():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 1.0, -2.0], [3.0, 3.0, 3.0], [-1.0, 0.5, 1.5]])
    Y = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 1, 0]])
    w = np.array([1.0, 2.0, 5.0, 0.5])
    p = _sigmoid(logits)
    bce = -(Y * np.log(p) + (1 - Y) * np.log(1 - p)).mean(axis=1)
    active = Y.sum(axis=1) > 0  # row 2 has no allowed label: it must not count
    expected_w = (bce * w * active).sum() / (w * active).sum()
    expected = bce[active].mean()
    t = torch.tensor(logits, dtype=torch.float64)
    got = allowed_labels_loss(t, torch.tensor(Y))
    got_w = allowed_labels_loss(t, torch.tensor(Y), weight=torch.tensor(w))
    assert float(got) == pytest.approx(expected, rel=1e-12)
    assert float(got_w) == pytest.approx(expected_w, rel=1e-12)


def test_allowed_labels_loss_ignores_empty_rows_in_gradient():
    logits = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    allowed_labels_loss(logits, torch.tensor([[1, 0, 0], [0, 0, 0]])).backward()
    assert torch.all(logits.grad[1] == 0)
    assert torch.any(logits.grad[0] != 0)


def test_allowed_labels_loss_is_zero_without_any_allowed_label():
    logits = torch.randn(4, 3, requires_grad=True)
    loss = allowed_labels_loss(logits, torch.zeros(4, 3))
    loss.backward()
    assert float(loss.detach()) == 0.0
    assert torch.isfinite(logits.grad).all()


def test_distillation_loss_matches_hand_computation():
    s = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]])
    t = np.array([[3.0, 1.0, 0.0], [0.0, 0.0, 4.0]])
    y = np.array([0, 2])
    tau, alpha = 5.0, 0.7
    log_ps, log_pt = _log_softmax(s / tau), _log_softmax(t / tau)
    kl = (np.exp(log_pt) * (log_pt - log_ps)).sum(axis=1)
    ce = -_log_softmax(s)[np.arange(2), y]
    expected = (alpha * tau**2 * kl + (1 - alpha) * ce).mean()
    got = distillation_loss(
        torch.tensor(s), torch.tensor(t), torch.tensor(y), temperature=tau, alpha=alpha
    )
    assert float(got) == pytest.approx(expected, rel=1e-12)
    # alpha=0 is plain cross-entropy on the labels
    got_ce = distillation_loss(torch.tensor(s), torch.tensor(t), torch.tensor(y), alpha=0.0)
    assert float(got_ce) == pytest.approx(ce.mean(), rel=1e-12)

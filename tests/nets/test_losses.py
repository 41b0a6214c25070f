"""The allowed-set likelihood and KD + allowed-label loss of crembo.nets.losses, by hand."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="crembo.nets needs torch: pip install -e '.[torch]'")

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

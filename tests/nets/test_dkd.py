"""Decoupled KD (crembo.nets.losses.decoupled_kd_*) against its definition, computed directly."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="crembo.nets needs torch: pip install -e '.[torch]'")

from crembo.nets.losses import decoupled_kd_loss, decoupled_kd_terms  # noqa: E402

RNG = np.random.RandomState(3)
S = RNG.normal(scale=2.0, size=(6, 5))
T = RNG.normal(scale=3.0, size=(6, 5))
Y = np.array([0, 4, 2, 2, 1, 3])


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _kl(p, q):
    return (p * np.log(p / q)).sum(axis=1)


def _definition(s, t, y, tau):
    """Zhao et al. (CVPR 2022), eq. 1-4: binary target/rest probabilities and the
    distribution over the other classes, each a KL, times τ²."""
    ps, pt = _softmax(s / tau), _softmax(t / tau)
    rows = np.arange(y.size)
    bs = np.stack([ps[rows, y], 1 - ps[rows, y]], axis=1)
    bt = np.stack([pt[rows, y], 1 - pt[rows, y]], axis=1)
    others = np.ones_like(ps, dtype=bool)
    others[rows, y] = False
    hs = ps[others].reshape(y.size, -1)
    ht = pt[others].reshape(y.size, -1)
    hs, ht = hs / hs.sum(axis=1, keepdims=True), ht / ht.sum(axis=1, keepdims=True)
    return tau**2 * _kl(bt, bs), tau**2 * _kl(ht, hs)


@pytest.mark.parametrize("tau", [1.0, 4.0])
def test_dkd_terms_match_the_definition(tau):
    tckd, nckd = decoupled_kd_terms(
        torch.tensor(S), torch.tensor(T), torch.tensor(Y), temperature=tau
    )
    want_t, want_n = _definition(S, T, Y, tau)
    np.testing.assert_allclose(tckd.numpy(), want_t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(nckd.numpy(), want_n, rtol=1e-10, atol=1e-12)


def test_dkd_loss_is_ce_plus_weighted_terms_and_zero_terms_on_the_teacher_itself():
    w = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0])
    got = decoupled_kd_loss(
        torch.tensor(S),
        torch.tensor(T),
        torch.tensor(Y),
        alpha=1.0,
        beta=8.0,
        temperature=4.0,
        weight=torch.tensor(w),
    )
    tckd, nckd = _definition(S, T, Y, 4.0)
    ce = -np.log(_softmax(S)[np.arange(Y.size), Y])
    assert float(got) == pytest.approx(((ce + tckd + 8 * nckd) * w).sum() / w.sum(), rel=1e-10)
    # a student equal to its teacher has nothing left to match
    tckd, nckd = decoupled_kd_terms(torch.tensor(T), torch.tensor(T), torch.tensor(Y))
    assert float(tckd.abs().max()) < 1e-12 and float(nckd.abs().max()) < 1e-12


def test_dkd_terms_stay_finite_for_a_sure_teacher_and_give_gradients():
    s = torch.tensor([[50.0, -50.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
    t = torch.tensor([[200.0, -200.0, 0.0], [-300.0, 300.0, 0.0]])
    tckd, nckd = decoupled_kd_terms(s, t, torch.tensor([0, 1]), temperature=1.0)
    loss = (tckd + nckd).sum()
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(s.grad).all()

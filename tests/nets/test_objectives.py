"""The objectives on views (crembo.nets.objectives): KD's and DKD's label terms mixed like the
views, the allowed set from the teacher's belief on the view, in the place of the label term."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="crembo.nets needs torch: pip install -e '.[torch]'")

from crembo.nets import distillation_loss  # noqa: E402
from crembo.nets.losses import allowed_set_loss, decoupled_kd_loss  # noqa: E402
from crembo.nets.objectives import AllowedSetObjective, DKDObjective, KDObjective  # noqa: E402

RNG = np.random.RandomState(0)
S = torch.tensor(RNG.normal(size=(5, 4)))
T = torch.tensor(RNG.normal(scale=3, size=(5, 4)))
Y = torch.tensor([0, 1, 2, 3, 1])
Y2 = torch.tensor([2, 1, 0, 0, 3])
ONE = torch.ones(5, dtype=torch.float64)
LAM = torch.tensor([1.0, 0.5, 0.3, 0.7, 1.0], dtype=torch.float64)


def test_unmixed_objectives_are_the_published_losses():
    kd = KDObjective(temperature=5.0, alpha=0.9)(S, T, Y, Y2, ONE)
    assert float(kd) == pytest.approx(float(distillation_loss(S, T, Y, temperature=5.0)))
    dkd = DKDObjective()(S, T, Y, Y2, ONE)
    assert float(dkd) == pytest.approx(float(decoupled_kd_loss(S, T, Y)))


@pytest.mark.parametrize("objective", [KDObjective(), DKDObjective()])
def test_label_terms_of_a_mixed_view_are_mixed_by_its_weight(objective):
    def per_row(y):
        return torch.stack(
            [
                objective(S[i : i + 1], T[i : i + 1], y[i : i + 1], y[i : i + 1], ONE[:1])
                for i in range(5)
            ]
        )

    want = (LAM * per_row(Y) + (1 - LAM) * per_row(Y2)).mean()
    assert float(objective(S, T, Y, Y2, LAM)) == pytest.approx(float(want), rel=1e-10)


def test_allowed_set_objective_takes_the_label_terms_place_with_its_weight():
    kd = KDObjective(temperature=4.0, alpha=0.9)
    theta = 0.2
    obj = AllowedSetObjective(kd, theta, epsilon=0.0)
    allowed = torch.softmax(T, dim=1) >= theta
    assert torch.equal(obj.allowed(T), allowed)
    want = kd.teacher_term(S, T, Y, Y2, LAM).mean() + 0.1 * allowed_set_loss(S, allowed)
    # the labels play no part: the set comes from the teacher on the view
    assert float(obj(S, T, Y, Y2, LAM)) == pytest.approx(float(want), rel=1e-10)
    assert float(obj(S, T, Y2, Y, ONE)) == pytest.approx(float(want), rel=1e-10)
    # θ = 0 allows every label: only the teacher term is left
    free = AllowedSetObjective(kd, 0.0)(S, T, Y, Y2, LAM)
    assert float(free) == pytest.approx(float(kd.teacher_term(S, T, Y, Y2, LAM).mean()))
    on_dkd = AllowedSetObjective(DKDObjective(), theta, epsilon=0.0)
    want = DKDObjective().teacher_term(S, T, Y, Y2, ONE).mean() + 1.0 * allowed_set_loss(S, allowed)
    assert float(on_dkd(S, T, Y, Y2, ONE)) == pytest.approx(float(want), rel=1e-10)


def test_allowed_set_clips_like_the_belief_clipping():
    t = torch.log(torch.tensor([[0.9995, 0.0004, 0.0001], [0.5, 0.4995, 0.0005]]))
    Y = AllowedSetObjective(KDObjective(), 1.0, epsilon=1e-3).allowed(t)
    assert Y.tolist() == [[True, False, False], [False, False, False]]
    Y = AllowedSetObjective(KDObjective(), 1e-3, epsilon=1e-3).allowed(t)
    assert Y.tolist() == [[True, False, False], [True, True, False]]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: KDObjective(temperature=0), "temperature"),
        (lambda: DKDObjective(beta=-1), "beta"),
        (lambda: AllowedSetObjective(KDObjective(), 1.5), "threshold"),
        (lambda: AllowedSetObjective("kd", 0.1), "base"),
        (lambda: AllowedSetObjective(KDObjective(), 0.1, epsilon=0.5), "epsilon"),
    ],
)
def test_bad_objective_settings_name_the_setting(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()

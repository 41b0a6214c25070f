"""Fresh views (crembo.nets.views.FreshViews): seeded, shifts as integer moves, mixup weights."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="crembo.nets needs torch: pip install -e '.[torch]'")

from crembo.nets.views import FreshViews  # noqa: E402


def _images(n=6, h=5, w=5):
    return torch.as_tensor(np.random.RandomState(0).rand(n, h * w), dtype=torch.float32)


def test_views_are_seeded_and_differ_between_draws():
    x, v = _images(), FreshViews(max_shift=1, max_rotation=15, mixup=0.5)
    a = v.draw(x, (1, 5, 5), torch.Generator().manual_seed(1))
    b = v.draw(x, (1, 5, 5), torch.Generator().manual_seed(1))
    for p, q in zip(a, b, strict=True):
        assert torch.equal(p, q)
    gen = torch.Generator().manual_seed(1)
    first, second = v.draw(x, (1, 5, 5), gen)[0], v.draw(x, (1, 5, 5), gen)[0]
    assert not torch.equal(first, second)  # a fresh view at every step


def test_a_pure_shift_moves_the_image_by_whole_pixels_with_zero_fill():
    x = _images(n=40)
    views, partner, lam = FreshViews(max_shift=1, max_rotation=0, mixup=0).draw(
        x, (1, 5, 5), torch.Generator().manual_seed(0)
    )
    assert torch.equal(partner, torch.arange(40)) and bool((lam == 1).all())
    img, out = x.reshape(40, 5, 5).numpy(), views.reshape(40, 5, 5).numpy()
    padded = np.pad(img, ((0, 0), (1, 1), (1, 1)))
    for i in range(40):  # each view is one of the 9 integer moves of its image
        moves = [
            padded[i, 1 - dy : 6 - dy, 1 - dx : 6 - dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)
        ]
        assert min(np.abs(out[i] - m).max() for m in moves) < 1e-5


def test_mixup_mixes_the_chosen_share_within_the_weight_range():
    x = _images(n=400, h=2, w=2)
    v = FreshViews(max_shift=0, max_rotation=0, mixup=0.5, mixup_low=0.3)
    views, partner, lam = v.draw(x, (1, 2, 2), torch.Generator().manual_seed(0))
    mixed = lam < 1
    assert 0.4 < float(mixed.float().mean()) < 0.6
    assert bool(((lam[mixed] >= 0.3) & (lam[mixed] <= 0.7)).all())
    want = lam[:, None] * x + (1 - lam[:, None]) * x[partner]
    assert torch.allclose(views, want)
    assert torch.equal(views[~mixed], x[~mixed])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_shift", -1),
        ("max_shift", 1.5),
        ("max_rotation", 200),
        ("mixup", 1.5),
        ("mixup_low", 0.6),
    ],
)
def test_bad_view_settings_name_the_setting(field, value):
    with pytest.raises(ValueError, match=field):
        FreshViews(**{field: value})

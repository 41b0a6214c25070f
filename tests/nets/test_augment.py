"""Teacher-labelled augmentation rows of crembo.nets.augment: shape, content, determinism."""

import numpy as np
import pytest

pytest.importorskip("torch", reason="crembo.nets needs torch: pip install -e '.[torch]'")

from crembo.nets.augment import mixup_rows, shifted_rows, teacher_augmented_rows  # noqa: E402


def _images(n=5, c=1, h=4, w=5, seed=0):
    return np.random.RandomState(seed).uniform(0.1, 1.0, size=(n, c * h * w)).astype(np.float32)


def test_shifted_rows_move_each_image_by_a_nonzero_shift_with_zero_fill():
    X = _images()
    out, src = shifted_rows(X, (1, 4, 5), 6, max_shift=1, random_state=0)
    assert out.shape == (30, 20) and out.dtype == np.float32
    np.testing.assert_array_equal(src, np.tile(np.arange(5), 6))
    for row, i in zip(out, src, strict=True):
        img, ref = row.reshape(4, 5), X[i].reshape(4, 5)
        padded = np.pad(ref, 1)
        # the copy is one of the 8 one-pixel moves of its source, never the source itself
        moves = [
            padded[1 - dy : 5 - dy, 1 - dx : 6 - dx]
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if (dy, dx) != (0, 0)
        ]
        assert any(np.array_equal(img, m) for m in moves)
        assert not np.array_equal(img, ref)


def test_shifted_rows_keep_channels_together():
    X = _images(n=3, c=3, h=4, w=4)
    out, src = shifted_rows(X, (3, 4, 4), 2, max_shift=2, random_state=1)
    a = out.reshape(-1, 3, 4, 4)
    # every channel of a copy is moved alike: the zero border is the same in all channels
    np.testing.assert_array_equal(a[:, 0] == 0, a[:, 1] == 0)
    np.testing.assert_array_equal(a[:, 0] == 0, a[:, 2] == 0)


def test_augmentation_is_deterministic_per_random_state():
    X = _images(n=8, h=8, w=8)
    a = teacher_augmented_rows(X, (1, 8, 8), shift_copies=2, mixup=0.5, random_state=3)
    b = teacher_augmented_rows(X, (1, 8, 8), shift_copies=2, mixup=0.5, random_state=3)
    c = teacher_augmented_rows(X, (1, 8, 8), shift_copies=2, mixup=0.5, random_state=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert a[0].shape == (8 * 2 + 4, 64)
    np.testing.assert_array_equal(a[1][16:], -1)  # mixup rows have no source row


def test_mixup_rows_lie_between_their_two_sources():
    X = _images(n=6)
    out, pairs = mixup_rows(X, 10, low=0.3, random_state=0)
    lo = np.minimum(X[pairs[:, 0]], X[pairs[:, 1]])
    hi = np.maximum(X[pairs[:, 0]], X[pairs[:, 1]])
    assert out.shape == (10, 20)
    assert np.all(out >= lo - 1e-6) and np.all(out <= hi + 1e-6)


def test_no_augmentation_gives_no_rows():
    out, src = teacher_augmented_rows(_images(), (1, 4, 5))
    assert out.shape == (0, 20) and src.size == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_copies": -1}, "n_copies"),
        ({"max_shift": 0}, "max_shift"),
        ({"image_shape": (1, 3, 3)}, "X must have shape"),
    ],
)
def test_shifted_rows_bad_input(kwargs, match):
    args = {"image_shape": (1, 4, 5), "n_copies": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        shifted_rows(_images(), args.pop("image_shape"), **args)

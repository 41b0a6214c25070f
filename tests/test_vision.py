"""Image loaders: bundled digits (8×8 and pooled) and CIFAR-10 from (fake) local python batches."""

import pickle
import re

import numpy as np
import pytest

from crembo.vision import (
    CIFAR10_SHAPE,
    DIGITS_SHAPE,
    load_cifar10,
    load_digits_images,
    load_digits_pooled,
)


def test_digits_images():
    d = load_digits_images()
    assert d.data.shape == (1797, 64) and d.data.dtype == np.float32
    assert d.image_shape == DIGITS_SHAPE
    assert d.data.min() >= 0.0 and d.data.max() <= 1.0
    assert set(np.unique(d.target)) == set(range(10))


def test_digits_pooled_is_the_block_mean():
    from sklearn.datasets import load_digits

    raw = load_digits().data.reshape(-1, 8, 8) / 16.0
    d4 = load_digits_pooled(4)
    assert d4.data.shape == (1797, 16) and d4.data.dtype == np.float32
    assert d4.image_shape == (1, 4, 4)
    img = d4.data.reshape(-1, 4, 4)
    # pixel (i, j) of the 4×4 image is the mean of the 2×2 block at (2i, 2j) of the 8×8 one
    for i, j in [(0, 0), (1, 2), (3, 3)]:
        block = raw[:, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].mean(axis=(1, 2))
        np.testing.assert_allclose(img[:, i, j], block, rtol=1e-6)
    np.testing.assert_array_equal(d4.target, load_digits_images().target)
    # size 8 is the plain digits bit for bit, size 1 the mean ink of each image
    np.testing.assert_array_equal(load_digits_pooled(8).data, load_digits_images().data)
    np.testing.assert_allclose(load_digits_pooled(1).data[:, 0], raw.mean(axis=(1, 2)), rtol=1e-6)
    for bad in (3, 16, 0, True, "4", 4.0):
        with pytest.raises(ValueError, match="size must be"):
            load_digits_pooled(bad)


def _write_batch(path, n, seed):
    rng = np.random.RandomState(seed)
    batch = {
        b"data": rng.randint(0, 256, size=(n, 3072)).astype(np.uint8),
        b"labels": rng.randint(0, 10, size=n).tolist(),
        b"batch_label": b"fake",
    }
    with open(path, "wb") as fh:
        pickle.dump(batch, fh, protocol=2)
    return batch


@pytest.fixture
def cifar_dir(tmp_path):
    root = tmp_path / "cifar-10-batches-py"
    root.mkdir()
    batches = [_write_batch(root / f"data_batch_{i}", 4, i) for i in range(1, 6)]
    test = _write_batch(root / "test_batch", 3, 99)
    names = [f"c{i}".encode() for i in range(10)]
    with open(root / "batches.meta", "wb") as fh:
        pickle.dump({b"label_names": names}, fh, protocol=2)
    return tmp_path, batches, test


def test_cifar10_from_fake_batches(cifar_dir):
    folder, batches, test = cifar_dir
    train = load_cifar10(folder, normalize=False)
    assert train.data.shape == (20, 3072) and train.image_shape == CIFAR10_SHAPE
    expected = np.concatenate([b[b"data"] for b in batches]) / 255.0
    np.testing.assert_allclose(train.data, expected, rtol=1e-6)
    np.testing.assert_array_equal(train.target, sum((b[b"labels"] for b in batches), []))
    assert train.target_names[3] == "c3"
    te = load_cifar10(folder / "cifar-10-batches-py", subset="test")
    assert te.data.shape == (3, 3072)
    red = test[b"data"][:, :1024] / 255.0  # channel-major: the first 1024 values are red
    np.testing.assert_allclose(te.data[:, :1024], (red - 0.4914) / 0.2470, rtol=1e-5)
    assert load_cifar10(folder, max_rows=6).data.shape == (6, 3072)


def test_cifar10_refuses_code_in_pickles_and_missing_files(cifar_dir, tmp_path):
    folder, _, _ = cifar_dir
    with pytest.raises(FileNotFoundError, match="CIFAR-10"):
        load_cifar10(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="subset"):
        load_cifar10(folder, subset="val")
    evil = folder / "cifar-10-batches-py" / "test_batch"
    with open(evil, "wb") as fh:
        pickle.dump({b"data": np.zeros((1, 3072), np.uint8), b"labels": [print]}, fh, protocol=2)
    with pytest.raises(ValueError, match="refusing to load .*print"):
        load_cifar10(folder, subset="test")


def _test_batch(folder, batch):
    path = folder / "cifar-10-batches-py" / "test_batch"
    with open(path, "wb") as fh:
        pickle.dump(batch, fh, protocol=2)
    return path


def test_hole13_shared_rows_are_refused_before_materialising(cifar_dir):
    """Lists that share one row cost nothing in the file and n x 3072 numbers in an array."""
    import tracemalloc

    folder, _, _ = cifar_dir
    row = [0] * 3072
    path = _test_batch(folder, {b"data": [row] * 20_000, b"labels": [1] * 20_000})
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="data is not a 2-D uint8 array"):
            load_cifar10(folder, subset="test")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # 20,000 x 3072 numbers would be 60 MB as uint8, 480 MB as int64


@pytest.mark.parametrize(
    "batch, words",
    [
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [[0] * 5] * 2}, "labels are not 2"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1, 2]}, "labels are not 2"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}, "labels outside"),
        ({b"data": np.zeros((2, 3072), np.float64), b"labels": [0, 1]}, "float64"),
        ({b"data": np.array([[None] * 3072], dtype=object), b"labels": [0]}, "object"),
        ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, "shape (2, 100)"),
        ([1, 2], "expected a dict"),
    ],
    ids=["nested-labels", "label-count", "label-range", "float", "object", "width", "list"],
)
def test_cifar10_batch_structure_is_checked(cifar_dir, batch, words):
    folder, _, _ = cifar_dir
    _test_batch(folder, batch)
    with pytest.raises(ValueError, match=re.escape(words)):
        load_cifar10(folder, subset="test")


def test_cifar10_lengths_inside_the_pickle_allocate_nothing(cifar_dir):
    """A frame or bytes object that claims 2^60 bytes: read from memory, so refused cheaply."""
    import struct

    folder, _, _ = cifar_dir
    path = folder / "cifar-10-batches-py" / "test_batch"
    for body in (
        b"\x80\x04\x95" + struct.pack("<Q", 1 << 60),
        b"\x80\x04\x8e" + struct.pack("<Q", 1 << 60),
    ):
        path.write_bytes(body + b"x" * 16)
        with pytest.raises(ValueError, match="not a CIFAR-10 python batch"):
            load_cifar10(folder, subset="test")

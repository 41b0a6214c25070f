"""Image loaders: bundled digits (8×8 and pooled) and CIFAR-10 from (fake) local python batches."""

import pickle

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
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        load_cifar10(folder, subset="test")


def test_digits4x4_runs_through_the_dnn_command(tmp_path):
    pytest.importorskip("torch")
    import json

    from typer.testing import CliRunner

    from crembo.cli import app
    from crembo.experiments.dnn import DATASETS

    assert "digits4x4" in DATASETS
    out = tmp_path / "run"
    args = ["experiment", "dnn", "--dataset", "digits4x4", "--max-rows", "300", "--folds", "2"]
    args += ["--max-epochs", "1", "--students", "mlp", "--max-candidates", "4"]
    args += ["--sweep-fits", "2", "--device", "cpu", "--out", str(out), "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] and summary["dataset"]["name"] == "digits4x4"
    assert summary["dataset"]["image_shape"] == [1, 4, 4]
    assert summary["dataset"]["n_features"] == 16 and summary["dataset"]["n_samples"] == 300
    assert "mlp/CREMBO" in summary["methods"] and "mlp/KD" in summary["methods"]


# ------------------------------------------------- the CIFAR-10 path, end to end


def _write_cifar_folder(root, rows_per_batch, test_rows, n_classes):
    """data_batch_1..5 and test_batch as CIFAR-10 python pickles, random pixels, labels
    cycling through the first ``n_classes`` classes."""
    root.mkdir(parents=True)
    rng = np.random.RandomState(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for k, name in enumerate(names):
        n = test_rows if name == "test_batch" else rows_per_batch
        batch = {
            b"data": rng.randint(0, 256, size=(n, 3072)).astype(np.uint8),
            b"labels": ((np.arange(n) + k * rows_per_batch) % n_classes).tolist(),
        }
        with open(root / name, "wb") as fh:
            pickle.dump(batch, fh, protocol=2)


def test_cifar10_command_end_to_end_with_the_paper_nets(tmp_path):
    """``crembo experiment dnn --dataset cifar10 --cifar-dir DIR`` with the setting's own nets
    (ResNet-18 teacher, LeNet-5 and MobileNetV2 students, crop/flip, batch 128) at the
    smallest sizes the options allow: one epoch, two candidate thresholds, 5 training rows
    per unit. Two classes only: CREMBO's hold-out needs a row of every class, so ten classes
    would need 20 rows per unit and twice the CPU time for the same code path (the heads are
    sized from the classes present)."""
    pytest.importorskip("torch")
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from crembo.cli import app

    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar_folder(folder, rows_per_batch=2, test_rows=4, n_classes=2)
    out = tmp_path / "run"
    args = ["experiment", "dnn", "--dataset", "cifar10", "--cifar-dir", str(tmp_path)]
    args += ["--max-epochs", "1", "--max-candidates", "2", "--sweep-fits", "1"]
    args += ["--validation-size", "0.5", "--device", "cpu", "--out", str(out), "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2/2 units done" in result.output

    protocol = json.loads((out / "run.json").read_text())["protocol"]
    assert protocol["dataset"] == "cifar10" and protocol["teacher"] == "resnet18"
    assert protocol["students"] == ["lenet5", "mobilenetv2"]
    assert protocol["augment"] is True and protocol["batch_size"] == 128
    methods = protocol["methods"]
    for s in ("lenet5", "mobilenetv2"):
        assert {f"{s}/KD", f"{s}/CREMBO"} <= set(methods)

    rec = pd.read_csv(out / "records.csv")
    assert len(rec) == 2 * len(methods)  # every method has a record in each of the 2 units
    assert rec.groupby("method").size().to_dict() == dict.fromkeys(methods, 2)
    assert (rec["status"] == "ok").all() and rec["accuracy"].between(0, 1).all()
    assert rec.loc[rec["method"].str.contains("CREMBO"), "threshold"].notna().all()
    for f in (0, 1):
        preds = np.load(out / "predictions" / f"r000_f{f:03d}.npy")
        assert preds.shape == (len(methods), 4)  # the official test batch is the test set

    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] and summary["units_done"] == 2
    assert summary["dataset"]["n_samples"] == 5 * 2 + 4
    assert summary["dataset"]["image_shape"] == [3, 32, 32]
    assert set(summary["methods"]) == set(methods)
    table = (out / "summary.md").read_text()
    assert all(f"| {m} |" in table for m in methods)

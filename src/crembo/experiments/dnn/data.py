"""The DNN experiment's data: the image sets it loads and its (repeat, fold) units."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from crembo.experiments.dnn.protocol import DNNProtocol
from crembo.experiments.protocol import Unit


def load_image_data(protocol: DNNProtocol, cifar_dir=None):
    """``(X, y, test_rows or None, image_shape, info)`` for the protocol's data set."""
    from crembo.vision import load_cifar10, load_digits_images, load_digits_pooled

    if protocol.dataset in ("digits", "digits4x4", "digits-noisy"):
        if protocol.dataset != "digits4x4":
            d = load_digits_images()
            info = {"name": protocol.dataset, "source": "scikit-learn (bundled)"}
        else:
            d = load_digits_pooled(4)
            source = "scikit-learn digits (bundled), 2×2 average-pooled to 4×4"
            info = {"name": "digits4x4", "source": source}
        X, y, test = d.data, d.target, None
        if protocol.max_rows is not None:
            X, y = X[: protocol.max_rows], y[: protocol.max_rows]
        return X, y, test, d.image_shape, info
    if cifar_dir is None:
        raise ValueError("cifar_dir: the CIFAR-10 setting needs the folder of its python batches.")
    tr = load_cifar10(cifar_dir, subset="train", max_rows=protocol.max_rows)
    te = load_cifar10(cifar_dir, subset="test", max_rows=protocol.max_rows)
    X = np.concatenate([tr.data, te.data])
    y = np.concatenate([tr.target, te.target])
    test = np.arange(tr.data.shape[0], X.shape[0])
    info = {"name": "cifar10", "source": str(cifar_dir)}
    return X, y, test, tr.image_shape, info


def make_dnn_units(protocol: DNNProtocol, y, test_rows=None) -> list[Unit]:
    """(repeat, fold) units: a stratified test split per repeat (or the given test rows),
    stratified shuffled folds of the rest."""
    y = np.asarray(y)
    units = []
    for r in range(protocol.repeats):
        seed = int(np.random.SeedSequence([protocol.seed, r, 7]).generate_state(1)[0] >> 1)
        if test_rows is None:
            rows, test = train_test_split(
                np.arange(y.size), test_size=protocol.test_size, stratify=y, random_state=seed
            )
        else:
            test = np.asarray(test_rows)
            rows = np.setdiff1d(np.arange(y.size), test)
        folds = StratifiedKFold(protocol.folds, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # tiny runs: rare classes
            splits = list(folds.split(np.zeros(rows.size), y[rows]))
        for f, (tr, _) in enumerate(splits):
            units.append(Unit(r, f, np.sort(rows[tr]), np.sort(test)))
    return units


def noisy_labels(y, noise: float, seed: int) -> np.ndarray:
    """``y`` with a ``noise`` share of the rows (drawn from ``seed``) given another class.

    The new class is uniform among the other classes of ``y``; made once for the whole data
    set, so a row has the same (noisy) label in every unit that trains on it. The experiment
    trains on these labels and tests on the clean ones.
    """
    y = np.asarray(y)
    if noise == 0:
        return y.copy()
    classes, idx = np.unique(y, return_inverse=True)
    rng = np.random.RandomState(seed)
    flip = rng.rand(y.size) < noise
    shift = rng.randint(1, classes.size, size=y.size)  # never 0: always another class
    return np.where(flip, classes[(idx + shift) % classes.size], y)

"""A model to export, with everything that makes exporting hard: hostile column, category and
class names, missing values in numeric and one-hot columns, a one-hot split; compressed by
``crembo compress`` (full and student-only files), with its training rows and 2,000 noisy
rows. Shared by the exporter tests and the ``crembo export`` tests."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import crembo
from crembo import persist
from crembo.csv_files import encode_like, read_csv_frame
from crembo.exporters.check import noisy_frame
from crembo.students.export import student_only
from support.cli import compress_quick

#: Column names that are code, SQL, quotes and line breaks in the formats' syntax.
HOSTILE_NUMERIC = ['price"; DROP TABLE t; --', "__import__('os').system('echo pwned')"]
HOSTILE_ONE_HOT = "shelf\nlocation \\ '''"
HOSTILE_CATEGORIES = ["O'Brien", 'Say "hi"', "a=b\\"]
#: Class labels as hostile as the names.
HOSTILE_CLASSES = ["'); DROP TABLE t; --", '"""', "x\ny"]
TARGET = "target ✓"


@dataclass
class Shipped:
    full: Path  # the full model file
    student: Path  # the student-only file
    csv: Path
    meta: dict
    model: object  # the full model, loaded
    frames: dict  # "train" / "noisy": the data's own columns, as predict reads them

    def encoded(self, which: str) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the noisy rows hold a category never seen
            X, _ = encode_like(self.frames[which], self.meta["columns"], self.meta["categories"])
        return X

    def predictions(self, which: str) -> np.ndarray:
        return self.model.predict(self.encoded(which))


def hostile_frame(n: int = 500, seed: int = 0) -> pd.DataFrame:
    """Rows whose label depends on a one-hot column and numbers, both with missing values."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.uniform(0, 100, size=n)
    shelf = rng.choice(np.asarray(HOSTILE_CATEGORIES, dtype=object), size=n)
    score = a + (shelf == HOSTILE_CATEGORIES[0]) * 1.5 - (b > 60) * 1.0
    label = np.digitize(score + rng.normal(0, 0.4, n), [-0.3, 0.8])
    frame = pd.DataFrame(
        {
            HOSTILE_NUMERIC[0]: a,
            HOSTILE_NUMERIC[1]: b.round(1),
            HOSTILE_ONE_HOT: shelf,
            "noise": rng.integers(0, 5, n),
            TARGET: np.asarray(HOSTILE_CLASSES, dtype=object)[label],
        }
    )
    for c in (HOSTILE_NUMERIC[0], HOSTILE_ONE_HOT):
        frame.loc[rng.random(n) < 0.08, c] = None
    return frame


def make_shipped(folder: Path) -> Shipped:
    csv = folder / "hostile.csv"
    hostile_frame().to_csv(csv, index=False)
    full, student = folder / "full.skops", folder / "student.skops"
    compress_quick(csv, TARGET, full, "--max-depth", "4", "--n-jobs", "1", "--no-progress")
    meta = persist.read_metadata(full)
    model = crembo.load(full)
    # what compress --student-only writes (one compress run is enough: ~5 s)
    persist.save(student_only(model), student, metadata=meta | {"student_only": True})
    categories = meta["categories"]
    train = read_csv_frame(csv, dtype=dict.fromkeys(categories, str)).drop(columns=[TARGET])
    noisy = noisy_frame(train, categories, 2000, random_state=1)
    return Shipped(full, student, csv, meta, model, {"train": train, "noisy": noisy})

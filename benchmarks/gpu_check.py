"""The torch students on the GPU, when one is present: device, repeatability, speed.

Command::

    python benchmarks/gpu_check.py

Fits LeNet-5 students on digits (BM on the labels, KD from a convnet teacher, CREMBO's
allowed-label student) once on the CPU and twice on the default device, and prints the
device each ran on, test accuracy, fit time, and whether the two default-device fits predict
the same labels.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from crembo import CREMBOClassifier
from crembo.nets import TorchAllowedLabelClassifier, TorchClassifier, torch_logits
from crembo.nets.belief import default_device


def main():
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    shape = (1, 8, 8)
    print(f"torch {torch.__version__}; default device: {default_device()}")
    if torch.cuda.is_available():
        print(f"GPU: {torch.cuda.get_device_name(0)}")
    for device in ("cpu", "auto"):
        kw = {"input_shape": shape, "max_epochs": 30, "device": device}
        t0 = time.perf_counter()
        teacher = TorchClassifier("convnet", random_state=0, **kw).fit(Xtr, ytr)
        t_teacher = time.perf_counter() - t0
        where = next(teacher.module_.parameters()).device
        logits = torch_logits(teacher.module_, Xtr.reshape(-1, *shape))
        runs = []
        for _ in range(2 if device == "auto" else 1):
            t0 = time.perf_counter()
            kd = TorchClassifier("lenet5", loss="kd", random_state=1, **kw)
            kd.fit(Xtr, ytr, teacher_logits=logits)
            t_kd = time.perf_counter() - t0
            t0 = time.perf_counter()
            crembo = CREMBOClassifier(
                teacher,
                TorchAllowedLabelClassifier("lenet5", random_state=1, **kw),
                preset="paper",
                max_candidates=20,
                random_state=0,
            ).fit(Xtr, ytr)
            t_crembo = time.perf_counter() - t0
            runs.append((kd.predict(Xte), crembo.predict(Xte)))
            print(
                f"{device:>4} on {where}: teacher {teacher.score(Xte, yte):.3f} "
                f"({t_teacher:.1f} s), KD {np.mean(runs[-1][0] == yte):.3f} ({t_kd:.1f} s), "
                f"CREMBO {np.mean(runs[-1][1] == yte):.3f} ({t_crembo:.1f} s, "
                f"{crembo.n_student_fits_} student fits)"
            )
        if len(runs) == 2:
            same = [np.mean(a == b) for a, b in zip(runs[0], runs[1], strict=True)]
            print(f"repeat on {where}: KD same labels {same[0]:.4f}, CREMBO {same[1]:.4f}")


if __name__ == "__main__":
    main()

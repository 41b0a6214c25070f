"""The teacher on candidate second image tasks: accuracy and how one-hot its belief is.

Used to choose the DNN experiment's second task (docs/results.md, "A second image task"):
for the 8×8 digits, the digits average-pooled to 4×4, and the 8×8 digits with Gaussian
pixel noise, the experiment's convnet teacher is trained on the first units of the digits
protocol (same splits, seeds and training settings as ``crembo experiment dnn``) and we
print its test and training accuracy, the mean largest share of its belief (T = 1) on its
training rows, and the share of training rows whose second-largest share exceeds 0.05.

    python benchmarks/image_tasks.py            # 2 units, ~3 min of CPU
    python benchmarks/image_tasks.py --units 5 --first 2   # 8×8 and 4×4 on all 5 units
"""

from __future__ import annotations

import argparse

import numpy as np


def _noisy(X, sigma, seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(X + rng.normal(0.0, sigma, X.shape), 0.0, 1.0).astype(np.float32)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2, help="units (folds of repeat 0)")
    parser.add_argument(
        "--first", type=int, default=4, help="only the first variants (2: 8×8 and 4×4)"
    )
    args = parser.parse_args(argv)

    import torch

    from crembo.experiments.dnn import dnn_protocol, make_dnn_units
    from crembo.experiments.protocol import unit_seed
    from crembo.nets import TorchClassifier, torch_logits
    from crembo.nets.belief import softmax
    from crembo.vision import load_digits_images, load_digits_pooled

    torch.set_num_threads(1)
    p = dnn_protocol("digits")
    d8, d4 = load_digits_images(), load_digits_pooled(4)
    tasks = {
        "digits 8×8": (d8.data, d8.image_shape),
        "2×2 average-pooled to 4×4": (d4.data, d4.image_shape),
        "8×8 + Gaussian noise σ = 0.3": (_noisy(d8.data, 0.3), d8.image_shape),
        "8×8 + Gaussian noise σ = 0.5": (_noisy(d8.data, 0.5), d8.image_shape),
    }
    y = d8.target
    units = make_dnn_units(p, y)[: args.units]
    print("| variant | teacher test acc. | teacher train acc. | mean largest share | 2nd > 0.05 |")
    print("|---|---|---|---|---|")
    for name, (X, shape) in list(tasks.items())[: args.first]:
        cols = [[], [], [], []]
        for u in units:
            teacher = TorchClassifier(
                p.teacher,
                input_shape=shape,
                lr=p.teacher_lr,
                max_epochs=p.max_epochs,
                patience=p.patience,
                batch_size=p.batch_size,
                device="cpu",
                random_state=unit_seed(p.seed, u.repeat, u.fold),
            ).fit(X[u.train], y[u.train])
            belief = softmax(torch_logits(teacher.module_, X[u.train]), p.belief_temperature)
            second = np.sort(belief, axis=1)[:, -2]
            cols[0].append(np.mean(teacher.predict(X[u.test]) == y[u.test]))
            cols[1].append(np.mean(teacher.classes_[belief.argmax(1)] == y[u.train]))
            cols[2].append(belief.max(axis=1).mean())
            cols[3].append(np.mean(second > 0.05))
        cells = [" / ".join(f"{v:.3f}" for v in c) for c in cols[:3]]
        cells.append(" / ".join(f"{v:.2f}" for v in cols[3]))
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()

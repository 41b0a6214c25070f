"""Memory and CPU seconds of the batched learner's single-tree (histogram final fit) case.

The default's final fit above 200,000 rows grows one tree (one family, one threshold) from
256-bin histograms (``crembo.students.histogram``). Per run, in a fresh process: ``--rows``
rows x 20 features x 10 classes (normal features, a softmax belief of the first 10 plus
noise), a depth-6 tree at θ = 0.2; printed: the peak resident memory the call adds (sampled
every 10 ms) per row, its CPU seconds, and a hash of the tree (the same hash: the same tree).
``--base REV`` runs the version of ``crembo.students.batched`` at that commit instead.

    python benchmarks/batched_memory.py --rows 1000000
    python benchmarks/batched_memory.py --rows 1000000 --base 1025441
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale import rss_gib  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--base", help="commit whose batched learner to run instead")
    args = parser.parse_args(argv)
    n, d, c = args.rows, 20, 10
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    e = np.exp(X[:, :c] + rng.normal(size=(n, c)))
    belief = e / e.sum(axis=1, keepdims=True)
    del e
    if args.base:
        from batched_speed import old_module

        grow = old_module(args.base).grow_allowed_label_trees
    else:
        from crembo.students.batched import grow_allowed_label_trees as grow
    grow(X[:1000], belief[:1000], np.array([0.2]), max_depth=2, max_bins=256)  # compile/load
    peak, done = [0.0], threading.Event()

    def sample():
        while not done.wait(0.01):
            peak[0] = max(peak[0], rss_gib())

    base = rss_gib()
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.process_time()
    trees = grow(X, belief, np.array([0.2]), max_depth=6, max_bins=256)
    cpu = time.process_time() - t0
    done.set()
    thread.join()
    one = trees.tree(0, 0, 0)
    parts = [one.feature.astype(float), one.threshold, one.value.ravel()]
    tree_hash = hashlib.sha256(np.concatenate(parts).tobytes()).hexdigest()[:16]
    extra = max(peak[0] - base, 0.0)
    print(
        f"{args.base or 'this checkout'}: {n} rows, process {base:.2f} GiB before, "
        f"+{extra:.2f} GiB in the call ({extra * 2**30 / n:.0f} B/row), {cpu:.1f} CPU s, "
        f"tree {tree_hash} ({one.node_count} nodes)"
    )


if __name__ == "__main__":
    main()

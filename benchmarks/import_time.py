"""How long ``import crembo``, ``import crembo.cli`` and ``crembo --help`` take, against
``import sklearn.base``, each in a fresh interpreter, fastest of ``--repeat`` runs.

    python benchmarks/import_time.py --repeat 5

Prints seconds and ratios to ``import sklearn.base`` (measured in the same run: the machine
is shared, ratios hold better than seconds). Never asserts.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time

CASES = {
    "import sklearn.base": [sys.executable, "-c", "import sklearn.base"],
    "import crembo": [sys.executable, "-c", "import crembo"],
    "import crembo.cli": [sys.executable, "-c", "import crembo.cli"],
    "crembo --help": [shutil.which("crembo") or "crembo", "--help"],
}


def fastest(cmd, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times = {name: fastest(cmd, args.repeat) for name, cmd in CASES.items()}
    base = times["import sklearn.base"]
    print(f"| what | seconds (fastest of {args.repeat}) | × import sklearn.base |")
    print("| --- | --- | --- |")
    for name, t in times.items():
        print(f"| `{name}` | {t:.2f} | {t / base:.2f} |")


if __name__ == "__main__":
    main()

"""Issue 24's crafted inputs against the command line: exit code, first stderr line, peak
memory and time of each (the figures of the issue's closing note).

Command::

    python benchmarks/hostile_inputs.py [--cases 1,2,13]

Each case builds its input in a temporary folder (small files, most made by ``crembo.save``
and edited, their digest recomputed as an attacker would), runs ``crembo predict`` or
``crembo compress`` (or the CIFAR loader) in a child process, and reports the child's exit
code, its first stderr line, its peak resident memory (``wait4``) and wall time. The issue
measured, before the fixes: a segfault (1), 2.2 GB (2), no end (3), a hang / 889 MB (4),
1.56 GB (5), 800 MB (11), 2.5 GB (12), 200 MB in 5.8 s (13).
"""

from __future__ import annotations

import argparse
import bz2
import io
import json
import pickle
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

import crembo
from crembo import persist

X, Y = load_iris(return_X_y=True)
COLUMNS = ["a", "b", "c", "d"]


def _archive(path):
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("schema.json")), {
            n: z.read(n) for n in z.namelist() if n != "schema.json"
        }


def _rewrite(path, schema, members, method=zipfile.ZIP_STORED, sizes=None):
    """Write the archive an attacker would: a valid digest over the edited content."""
    schema[persist.DIGEST_KEY] = persist._digest(schema, members, lambda n: io.BytesIO(members[n]))
    with zipfile.ZipFile(path, "w", method) as z:
        z.writestr("schema.json", json.dumps(schema))
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _nodes(schema, key, value):
    """Every schema node whose ``key`` is ``value``, breadth first."""
    found, queue = [], [schema]
    while queue:
        obj = queue.pop(0)
        if isinstance(obj, dict):
            if obj.get(key) == value:
                found.append(obj)
            queue.extend(obj.values())
        elif isinstance(obj, list):
            queue.extend(obj)
    return found


def _json(value):
    return {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
            "content": json.dumps(value), "is_json": True}  # fmt: skip


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _attrs(schema, cls, index=0):
    return _nodes(schema, "__class__", cls)[index]["content"]["content"]


def _csv(folder):
    path = folder / "rows.csv"
    path.write_text(",".join(COLUMNS) + "\n" + "\n".join(",".join(map(str, r)) for r in X))
    return path


def _predict(folder, model, data=None):
    return ["predict", "--model", model, "--data", data or _csv(folder), "--out",
            folder / "p.csv"]  # fmt: skip


# ----------------------------------------------------------------------------- the cases


def case0(folder):
    """Baseline: a valid tree model, predicted."""
    return _predict(folder, crembo.save(DecisionTreeClassifier().fit(X, Y), folder / "m.skops"))


def case1(folder):
    """Allowed-label wrapper around a tree splitting on feature 10^8 (old-style wrapper)."""
    from crembo.students.sklearn import AllowedLabelClassifier

    model = AllowedLabelClassifier(DecisionTreeClassifier(max_depth=2)).fit(X, np.eye(3)[Y])
    path = crembo.save(model, folder / "m.skops")
    schema, members = _archive(path)
    tree = _nodes(schema, "__loader__", "TreeNode")[0]
    name = tree["content"]["content"]["nodes"]["file"]
    nodes = np.load(io.BytesIO(members[name])).copy()
    nodes["feature"][0] = 10**8
    members[name] = _npy(nodes)
    tree["__reduce__"]["args"]["content"][0] = _json(10**8 + 1)
    _attrs(schema, "DecisionTreeClassifier", 1)["n_features_in_"] = _json(10**8 + 1)
    wrapper = _nodes(schema, "__class__", "AllowedLabelClassifier")[0]["content"]
    wrapper["content"].pop("n_features_in_")
    wrapper["key_types"]["content"].pop()
    return _predict(folder, _rewrite(path, schema, members))


def case2(folder):
    """A bzip2 member inflating to 256 MiB whose directory entry claims a small size."""
    path = crembo.save(DecisionTreeClassifier(max_depth=2).fit(X, Y), folder / "m.skops")
    schema, members = _archive(path)
    _rewrite(path, schema, members, method=zipfile.ZIP_BZIP2)
    bomb = bz2.compress(b" " * (256 << 20))  # what schema.json inflates to
    raw = path.read_bytes()
    # swap schema.json's compressed bytes for the bomb's, sizes in the directory unchanged
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("schema.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    body = raw[start : start + info.compress_size]
    path.write_bytes(raw.replace(body, bomb[: len(body)] if len(bomb) > len(body) else bomb))
    return _predict(folder, path)


def case3(folder):
    """The exact-tree student whose node 0 is its own child, max_depth 10^15."""
    from crembo.students.optimal import OptimalAllowedLabelTree

    model = OptimalAllowedLabelTree(max_depth=2, time_limit=10).fit(X, np.eye(3)[Y])
    path = crembo.save(model, folder / "m.skops")
    schema, members = _archive(path)
    attrs = _attrs(schema, "OptimalAllowedLabelTree")
    name = attrs["children_left_"]["file"]
    left = np.load(io.BytesIO(members[name])).copy()
    left[0] = 0
    members[name] = _npy(left)
    attrs["max_depth"] = _json(10**15)
    return _predict(folder, _rewrite(path, schema, members))


def _meta_case(folder, **meta):
    path = crembo.save(
        DecisionTreeClassifier(max_depth=2).fit(X, Y), folder / "m.skops",
        metadata={"feature_names": COLUMNS, "columns": COLUMNS, **meta},
    )  # fmt: skip
    return _predict(folder, path)


def case4_regex(folder):
    """Metadata ``sep`` a catastrophic regular expression."""
    return _meta_case(folder, sep="(a+)+$")


def case4_categories(folder):
    """Metadata ``categories``: 200,000 values for one column."""
    return _meta_case(folder, categories={"a": [str(i) for i in range(200_000)]})


def case5(folder):
    """A forest file whose n_classes_ is 10^6."""
    from sklearn.ensemble import RandomForestClassifier

    forest = RandomForestClassifier(10, max_depth=3, random_state=0).fit(X, Y)
    path = crembo.save(forest, folder / "m.skops")
    schema, members = _archive(path)
    _attrs(schema, "RandomForestClassifier")["n_classes_"] = _json(10**6)
    return _predict(folder, _rewrite(path, schema, members))


def case11(folder):
    """A text column unique in every row but one blank cell, kept by hand (--keep)."""
    n = 2000
    names = [f"user{i:05d}" for i in range(n)]
    names[7] = ""
    rows = [f"{i % 7},{names[i]},{i % 2}" for i in range(n)]
    data = folder / "d.csv"
    data.write_text("x,name,label\n" + "\n".join(rows) + "\n")
    return ["compress", "--data", data, "--target", "label", "--keep", "name", "--out",
            folder / "m.skops", "--folds", "0", "--n-jobs", "1"]  # fmt: skip


def case12(folder):
    """A target with one class per row (600 classes, 600 rows)."""
    data = folder / "d.csv"
    data.write_text("x,label\n" + "\n".join(f"{i % 13},c{i}" for i in range(600)) + "\n")
    return ["compress", "--data", data, "--target", "label", "--out", folder / "m.skops",
            "--folds", "0", "--n-jobs", "1"]  # fmt: skip


def case13(folder):
    """A CIFAR-10 batch whose data is 10,000 references to one row."""
    root = folder / "cifar-10-batches-py"
    root.mkdir()
    row = [0] * 3072
    with open(root / "test_batch", "wb") as fh:
        pickle.dump({b"data": [row] * 10_000, b"labels": [0] * 10_000}, fh, protocol=2)
    code = f"from crembo.vision import load_cifar10; load_cifar10({str(folder)!r}, subset='test')"
    return [sys.executable, "-c", code]


CASES = {
    "0": case0, "1": case1, "2": case2, "3": case3, "4-regex": case4_regex,
    "4-categories": case4_categories, "5": case5, "11": case11, "12": case12, "13": case13,
}  # fmt: skip


_WRAP = """
import runpy, sys
try:
    {body}
finally:
    # VmHWM, not ru_maxrss: Linux keeps the forking parent's peak in ru_maxrss across exec
    hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")][0].split()[1]
    sys.stderr.write(f"MAXRSS {{hwm}}\\n")
"""


def run(command, timeout=120):
    """Exit code, first stderr line, peak RSS (MB, the child's own) and seconds."""
    if command[0] == sys.executable:  # python -c CODE
        body = f"exec({command[2]!r})"
    else:
        argv = ["crembo", *map(str, command)]
        body = f"sys.argv = {argv!r}; runpy.run_module('crembo.cli', run_name='__main__')"
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _WRAP.format(body=body)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return "timeout", "", float("nan"), time.perf_counter() - start
    seconds = time.perf_counter() - start
    rss = [ln.split()[1] for ln in err.splitlines() if ln.startswith("MAXRSS ")]
    peak = int(rss[-1]) / 1024 if rss else float("nan")  # a signal: no figure
    lines = [ln for ln in err.splitlines() if not ln.startswith("MAXRSS ")]
    line = next((ln for ln in lines if ln.startswith("error:")), (lines or [""])[-1])
    return child.returncode, line[:160], peak, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    print("| case | what | exit | first error line | peak RSS MB | s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for key in args.cases.split(","):
        build = CASES[key]
        with tempfile.TemporaryDirectory() as tmp:
            command = build(Path(tmp))
            code, line, peak, seconds = run(command)
            left = sorted(p.name for p in Path(tmp).iterdir())
        doc = build.__doc__.strip().rstrip(".")
        print(f"| {key} | {doc} | {code} | {line} | {peak:.0f} | {seconds:.1f} |")
        if "p.csv" in left or "m.skops" in left and key in ("11", "12"):
            print(f"|   | wrote {left} |")


if __name__ == "__main__":
    main()

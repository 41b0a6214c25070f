"""crembo.experiments.dnn: the DNN-to-DNN experiment, its protocol and command (needs torch)."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="torch is not installed: pip install -e '.[torch]' to run the net tests"
)


FAST = {"max_epochs": 30, "batch_size": 32, "lr": 1e-2, "patience": 5, "device": "cpu"}


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _tiny_protocol(**kw):
    from crembo.experiments.dnn import dnn_protocol

    settings = {"folds": 2, "max_rows": 300, "max_epochs": 2, "max_candidates": 6}
    return dnn_protocol("digits", **{**settings, "sweep_fits": 2, **kw})


def test_dnn_protocol_delta_from_cap_and_checks():
    from crembo.experiments.dnn import DNNProtocol, dnn_protocol

    p = dnn_protocol("digits")
    assert p.students == ("lenet5", "mlp") and p.teacher == "convnet"
    assert p.delta == int(np.ceil((p.max_candidates - 1) / p.sweep_fits))
    assert p.methods[0] == "teacher" and "lenet5/CREMBO" in p.methods
    cifar = dnn_protocol("cifar10")
    assert cifar.teacher == "resnet18" and cifar.students == ("lenet5", "mobilenetv2")
    with pytest.raises(ValueError, match="nets must be among"):
        DNNProtocol(students=("vgg99",))
    with pytest.raises(ValueError, match="baselines"):
        DNNProtocol(baselines=("XX",))
    with pytest.raises(ValueError, match="folds"):
        dnn_protocol("digits", folds=1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("crembo_loss", "hinge"),
        ("crembo_beta", -0.1),
        ("crembo_candidates", 1),
        ("aug_shifts", -1),
        ("aug_mixup", -1.0),
        ("crembo_refit", 1),
        ("crembo_belief_temperature", 0.0),
    ],
)
def test_dnn_protocol_checks_the_crembo_for_nets_settings(field, value):
    from crembo.experiments.dnn import dnn_protocol

    with pytest.raises(ValueError, match=field):
        dnn_protocol("digits", **{field: value})
    p = dnn_protocol("digits")
    # the default CREMBO for nets: KD's soft term plus the allowed set, teacher-labelled shifts
    assert p.crembo_loss == "set" and p.augments and "KD-aug" in p.baselines
    assert p.crembo_delta == int(np.ceil((p.crembo_candidates - 1) / p.crembo_sweep_fits))


def test_dnn_experiment_writes_the_tabular_files_and_resumes(tmp_path):
    import json

    import pandas as pd

    from crembo.experiments.dnn import BASELINES, CREMBO_VARIANTS, run_dnn
    from crembo.experiments.store import RECORD_COLUMNS

    p = _tiny_protocol(baselines=BASELINES)
    summary = run_dnn(p, tmp_path, device="cpu", progress=False)
    for name in ("records.csv", "summary.json", "summary.md", "run.json"):
        assert (tmp_path / name).is_file()
    rec = pd.read_csv(tmp_path / "records.csv")
    assert tuple(rec.columns) == RECORD_COLUMNS
    assert len(rec) == 2 * len(p.methods)
    crembo_rows = rec["method"].str.contains("CREMBO")
    assert rec.loc[crembo_rows, "threshold"].notna().all()  # CREMBO rows only
    assert rec.loc[~crembo_rows, "threshold"].isna().all()
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert set(stored["methods"]) == set(p.methods)
    for e in stored["methods"].values():
        assert 0 <= e["mean"] <= 1 and 0 <= e["agreement"] <= 1
    pairs = {f"{s}/{v}" for s in ("lenet5", "mlp") for v in CREMBO_VARIANTS}
    assert set(stored["crembo_minus_kd"]) == pairs == set(stored["crembo_minus_kd_aug"])
    md = (tmp_path / "summary.md").read_text()
    assert "`mlp/CREMBO-refit` − KD:" in md and "`mlp/CREMBO` − KD-aug:" in md
    # the refit student uses the threshold the paper's CREMBO chose
    by = rec.set_index(["fold", "method"])["threshold"]
    assert by[(0, "mlp/CREMBO-paper")] == by[(0, "mlp/CREMBO-refit")]
    again = run_dnn(p, tmp_path, device="cpu", progress=False)  # resumes: nothing to do
    assert again["methods"] == summary["methods"]


def test_dnn_partial_run_resumes_to_the_records_of_one_run(tmp_path):
    import pandas as pd

    from crembo.experiments.dnn import run_dnn

    p = _tiny_protocol(students=("mlp",), max_epochs=1, baselines=("BM", "CREMBO"))
    whole = run_dnn(p, tmp_path / "whole", device="cpu", progress=False)
    part = run_dnn(p, tmp_path / "part", device="cpu", progress=False, max_units=1)
    assert part["units_done"] == 1 and not part["complete"]
    # a unit whose predictions are lost is not done: it runs again
    (tmp_path / "part" / "predictions" / "r000_f000.npy").unlink()
    resumed = run_dnn(p, tmp_path / "part", device="cpu", progress=False)
    assert resumed["complete"]
    a, b = (
        pd.read_csv(tmp_path / d / "records.csv").drop(columns="seconds") for d in ("whole", "part")
    )
    pd.testing.assert_frame_equal(a, b)
    for m, e in whole["methods"].items():
        assert resumed["methods"][m]["agreement"] == e["agreement"]


def test_dnn_command_runs(tmp_path):
    from typer.testing import CliRunner

    from crembo.cli import app

    args = ["experiment", "dnn", "--max-rows", "300", "--folds", "2", "--max-epochs", "1"]
    args += ["--students", "mlp", "--max-candidates", "4", "--sweep-fits", "2"]
    args += ["--device", "cpu", "--out", str(tmp_path / "run"), "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "mlp/CREMBO" in result.output and "mlp/KD-aug" in result.output
    assert "mlp/CREMBO-paper" not in result.output  # the paper's CREMBO runs on demand
    paper = args[:-3] + ["--out", str(tmp_path / "paper"), "--baselines", "KD, CREMBO-paper"]
    result = CliRunner().invoke(app, paper)
    assert result.exit_code == 0, result.output
    assert "mlp/CREMBO-paper" in result.output and "mlp/KD-aug" not in result.output
    bad = CliRunner().invoke(app, ["experiment", "dnn", "--students", "vgg99", "--out", "x"])
    assert bad.exit_code == 1 and "nets must be among" in bad.output


@pytest.mark.slow
def test_dnn_cifar_setting_on_fake_batches(tmp_path):
    import pickle

    from crembo.experiments.dnn import dnn_protocol, run_dnn

    folder = tmp_path / "cifar"
    folder.mkdir()
    rng = np.random.RandomState(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        y = np.arange(50) % 10
        batch = {b"data": rng.randint(0, 256, size=(50, 3072)).astype(np.uint8), b"labels": y}
        with open(folder / name, "wb") as fh:
            pickle.dump(batch, fh, protocol=2)
    # the CIFAR settings (crop/flip, batch 128, its test batch as test set) with small nets:
    # ResNet-18 and MobileNetV2 take minutes per fit on a CPU (their forward is tested above)
    settings = {"max_epochs": 1, "max_candidates": 4, "sweep_fits": 1, "max_rows": 220}
    p = dnn_protocol("cifar10", teacher="lenet5", students=("mlp",), **settings)
    assert p.augment and p.batch_size == 128
    summary = run_dnn(p, tmp_path / "out", cifar_dir=folder, device="cpu", progress=False)
    assert summary["complete"] and summary["dataset"]["n_samples"] == 220 + 50
    assert "mlp/KD" in summary["methods"]


# the dnn command on the image sets (formerly in tests/test_vision.py)
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


# ------------------------------------------------- issue 25: DKD, fresh views, noisy labels


def test_noisy_labels_flip_a_seeded_share_to_another_class():
    from crembo.experiments.dnn.data import noisy_labels

    y = np.repeat(np.arange(10), 200)
    noisy = noisy_labels(y, 0.2, seed=0)
    flipped = noisy != y
    assert 0.17 < flipped.mean() < 0.23  # every flip lands on another class
    assert np.array_equal(noisy, noisy_labels(y, 0.2, seed=0))
    assert not np.array_equal(noisy, noisy_labels(y, 0.2, seed=1))
    assert np.array_equal(noisy_labels(y, 0.0, seed=0), y)
    assert set(np.unique(noisy[flipped])) == set(range(10))


def test_fresh_view_methods_and_dkd_run_on_noisy_digits_with_curves(tmp_path):
    import json

    import pandas as pd

    from crembo.experiments.dnn import dnn_protocol, run_dnn

    baselines = ("KD", "DKD", "KD-fresh", "CREMBO-fresh", "CREMBO-DKD-fresh")
    p = dnn_protocol(
        "digits-noisy",
        folds=2,
        max_rows=300,
        max_epochs=2,
        students=("mlp",),
        baselines=baselines,
        fresh_thresholds=(0.1, 0.5),
    )
    assert p.label_noise == 0.2
    summary = run_dnn(p, tmp_path, device="cpu", progress=False)
    rec = pd.read_csv(tmp_path / "records.csv").set_index(["fold", "method"])
    for f in (0, 1):
        assert rec.loc[(f, "mlp/CREMBO-fresh"), "threshold"] in (0.1, 0.5)
        assert np.isnan(rec.loc[(f, "mlp/KD-fresh"), "threshold"])
    curves = np.load(tmp_path / "curves" / "r000_f000.npy")
    assert curves.shape == (len(p.methods), 2, 2)
    k = p.methods.index("mlp/KD-fresh")
    assert np.isnan(curves[p.methods.index("mlp/KD")]).all()  # KD is not a distiller's
    assert ((curves[k, 0] >= 0) & (curves[k, 0] <= 1)).all() and curves[k, 1].sum() == 1
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert set(stored["curves"]) == {f"mlp/{b}" for b in baselines if b != "KD"}
    best = stored["crembo_minus_best"]["mlp/CREMBO-fresh"]
    assert best["bar"] in {"mlp/KD", "mlp/DKD"}  # the goal's bars: KD, DKD, KD-aug
    assert best["crembo_better"] + best["ties"] + best["kd_better"] == 2
    md = (tmp_path / "summary.md").read_text()
    assert "the best bar" in md and "Held-out accuracy by epoch" in md
    assert summary["dataset"]["name"] == "digits-noisy"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("label_noise", 1.0),
        ("fresh_thresholds", (0.1, 2.0)),
        ("dkd_beta", -1.0),
        ("view_max_rotation", 400.0),
        ("teacher_max_epochs", 0),
    ],
)
def test_dnn_protocol_checks_the_issue_25_settings(field, value):
    from crembo.experiments.dnn import dnn_protocol

    with pytest.raises(
        ValueError, match=field.split("_")[-1] if field.startswith("view") else field
    ):
        dnn_protocol("digits", **{field: value})


def test_dnn_command_refuses_bad_fresh_thresholds(tmp_path):
    from typer.testing import CliRunner

    from crembo.cli import app

    out = tmp_path / "run"
    args = ["experiment", "dnn", "--fresh-thresholds", "0.1,abc", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "--fresh-thresholds" in result.output
    assert not out.exists()


def test_a_run_extends_another_with_fewer_methods_and_joins_their_units(tmp_path):
    """More units with other methods: the earlier units are not run again, each method is
    summarized over the units that have it, and differences over the units that have both."""
    import pandas as pd

    from crembo.experiments.dnn import run_dnn
    from crembo.experiments.store import RunStoreError
    from crembo.metrics import pairwise_agreement

    first = ("BM", "KD", "KD-fresh", "CREMBO-fresh")
    p = _tiny_protocol(folds=3, students=("mlp",), baselines=first, fresh_thresholds=(0.1,))
    run_dnn(p, tmp_path / "a", device="cpu", progress=False, max_units=1)
    more = p.__class__(**{**p.__dict__, "baselines": ("BM", "KD", "VT")})
    s = run_dnn(more, tmp_path / "b", device="cpu", progress=False, extends=tmp_path / "a")
    b = pd.read_csv(tmp_path / "b" / "records.csv")
    assert sorted(b["fold"].unique()) == [1, 2]  # unit (0, 0) is the first run's
    assert s["units_done"] == s["units_total"] == 3 and s["complete"]
    n = {m: e["n"] for m, e in s["methods"].items()}
    assert n == {
        "teacher": 3,
        "mlp/BM": 3,
        "mlp/KD": 3,
        "mlp/KD-fresh": 1,
        "mlp/CREMBO-fresh": 1,
        "mlp/VT": 2,
    }
    assert s["crembo_minus_kd"]["mlp/CREMBO-fresh"]["n"] == 1
    assert s["crembo_minus_own_base"]["mlp/CREMBO-fresh"]["base"] == "mlp/KD-fresh"
    assert s["curves"]["mlp/KD-fresh"]["n"] == 1 and "mlp/BM" not in s["curves"]
    # agreement of BM over its three units, read from both folders in their own method order
    a_methods = ["teacher", *(f"mlp/{m}" for m in first)]
    P = [np.load(tmp_path / "a" / "predictions" / "r000_f000.npy")[a_methods.index("mlp/BM")]]
    P += [np.load(tmp_path / "b" / "predictions" / f"r000_f00{f}.npy")[1] for f in (1, 2)]
    assert s["methods"]["mlp/BM"]["agreement"] == pytest.approx(pairwise_agreement(np.stack(P)))
    md = (tmp_path / "b" / "summary.md").read_text()
    assert "Joined with the units of" in md and "paired over 1 units" in md
    # the first run's folder is read, never written; other settings are refused
    assert sorted(pd.read_csv(tmp_path / "a" / "records.csv")["fold"].unique()) == [0]
    other = p.__class__(**{**more.__dict__, "seed": 1})
    with pytest.raises(RunStoreError, match="extends: .*seed"):
        run_dnn(other, tmp_path / "c", device="cpu", progress=False, extends=tmp_path / "a")
    with pytest.raises(RunStoreError, match="no run"):
        run_dnn(more, tmp_path / "d", device="cpu", progress=False, extends=tmp_path / "e")
    # the tables: the joined run only (the run it extends is in it), a row per CREMBO
    from typer.testing import CliRunner

    from crembo.cli import app
    from crembo.experiments.dnn.summary import load_dnn_summaries

    assert [x["protocol"].get("extends") for x in load_dnn_summaries(tmp_path)] == [
        [str(tmp_path / "a")]
    ]
    result = CliRunner().invoke(app, ["experiment", "tables", str(tmp_path)])
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if "| CREMBO-fresh |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:4] == ["digits", "mlp", "CREMBO-fresh", "1"] and cells[-1].startswith("KD-fresh")
    acc = next(
        line for line in result.output.splitlines() if line.startswith("| digits | mlp | 0.")
    )
    assert acc.count("(3)") == 3 and acc.count("(2)") == 1 and acc.count("(1)") == 2  # units
    curve = next(line for line in result.output.splitlines() if "| KD-fresh | 1 |" in line)
    assert curve.startswith("| digits | mlp |")  # the curve table: KD-fresh on its one unit
    # a method added to the first run's unit in a folder of its own, joined as a second base
    vt = p.__class__(**{**p.__dict__, "baselines": ("VT",)})
    run_dnn(vt, tmp_path / "v", device="cpu", progress=False)  # on every unit, b's too
    a, v = (pd.read_csv(tmp_path / d / "records.csv").set_index(["fold", "method"]) for d in "av")
    # same unit, same seed: the same teacher
    assert v.loc[(0, "teacher"), "accuracy"] == a.loc[(0, "teacher"), "accuracy"]
    bases = [tmp_path / "a", tmp_path / "v"]
    s = run_dnn(more, tmp_path / "b", device="cpu", progress=False, extends=bases)
    assert s["units_done"] == s["units_total"] == 3
    assert s["methods"]["mlp/VT"]["n"] == 3 and s["methods"]["teacher"]["n"] == 3
    assert s["methods"]["mlp/BM"]["n"] == 3  # b's own units stay in its summary

"""Torch teachers, students, losses and the DNN experiment (skipped without torch)."""

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="torch is not installed: pip install -e '.[torch]' to run the net tests"
)

from sklearn.base import clone  # noqa: E402

from crembo import CREMBOClassifier, SurrogateClassifier, belief_from, empirical_depth  # noqa: E402
from crembo.nets import (  # noqa: E402
    TorchAllowedLabelClassifier,
    TorchClassifier,
    allowed_labels_loss,
    build_module,
    distillation_loss,
    torch_belief,
)
from crembo.nets.students import _crop_flip  # noqa: E402

FAST = {"max_epochs": 30, "batch_size": 32, "lr": 1e-2, "patience": 5, "device": "cpu"}


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@pytest.fixture
def blobs():
    """Three well separated 2-D blobs and a belief peaked on each point's own blob."""
    rng = np.random.RandomState(0)
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    y = np.repeat(np.arange(3), 40)
    X = centers[y] + rng.normal(scale=0.5, size=(y.size, 2))
    dist = ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    belief = np.exp(-dist / 4.0)
    return X, y, belief / belief.sum(axis=1, keepdims=True)


def test_allowed_labels_loss_matches_hand_computation():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 1.0, -2.0], [3.0, 3.0, 3.0], [-1.0, 0.5, 1.5]])
    Y = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 1, 0]])
    w = np.array([1.0, 2.0, 5.0, 0.5])
    p = _sigmoid(logits)
    bce = -(Y * np.log(p) + (1 - Y) * np.log(1 - p)).mean(axis=1)
    active = Y.sum(axis=1) > 0  # row 2 has no allowed label: it must not count
    expected_w = (bce * w * active).sum() / (w * active).sum()
    expected = bce[active].mean()
    t = torch.tensor(logits, dtype=torch.float64)
    got = allowed_labels_loss(t, torch.tensor(Y))
    got_w = allowed_labels_loss(t, torch.tensor(Y), weight=torch.tensor(w))
    assert float(got) == pytest.approx(expected, rel=1e-12)
    assert float(got_w) == pytest.approx(expected_w, rel=1e-12)


def test_allowed_labels_loss_ignores_empty_rows_in_gradient():
    logits = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    allowed_labels_loss(logits, torch.tensor([[1, 0, 0], [0, 0, 0]])).backward()
    assert torch.all(logits.grad[1] == 0)
    assert torch.any(logits.grad[0] != 0)


def test_allowed_labels_loss_is_zero_without_any_allowed_label():
    logits = torch.randn(4, 3, requires_grad=True)
    loss = allowed_labels_loss(logits, torch.zeros(4, 3))
    loss.backward()
    assert float(loss.detach()) == 0.0
    assert torch.isfinite(logits.grad).all()


def test_distillation_loss_matches_hand_computation():
    s = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]])
    t = np.array([[3.0, 1.0, 0.0], [0.0, 0.0, 4.0]])
    y = np.array([0, 2])
    tau, alpha = 5.0, 0.7
    log_ps, log_pt = _log_softmax(s / tau), _log_softmax(t / tau)
    kl = (np.exp(log_pt) * (log_pt - log_ps)).sum(axis=1)
    ce = -_log_softmax(s)[np.arange(2), y]
    expected = (alpha * tau**2 * kl + (1 - alpha) * ce).mean()
    got = distillation_loss(
        torch.tensor(s), torch.tensor(t), torch.tensor(y), temperature=tau, alpha=alpha
    )
    assert float(got) == pytest.approx(expected, rel=1e-12)
    # alpha=0 is plain cross-entropy on the labels
    got_ce = distillation_loss(torch.tensor(s), torch.tensor(t), torch.tensor(y), alpha=0.0)
    assert float(got_ce) == pytest.approx(ce.mean(), rel=1e-12)


def test_teacher_belief_rows_sum_to_one_and_soften_with_temperature():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    X = np.random.RandomState(0).normal(size=(2500, 5)) * 3
    b1 = torch_belief(net, X, batch_size=512)
    b4 = torch_belief(net, X, temperature=4.0)
    assert b1.shape == (2500, 4)
    np.testing.assert_allclose(b1.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(b4.sum(axis=1), 1.0, atol=1e-12)
    assert b4.max(axis=1).mean() < b1.max(axis=1).mean()
    with torch.no_grad():
        ref = torch.softmax(net(torch.tensor(X, dtype=torch.float32)).double(), dim=1).numpy()
    np.testing.assert_allclose(b1, ref, atol=1e-5)
    assert net.training  # the caller's mode is restored


def test_belief_from_accepts_torch_module_and_fitted_wrapper(blobs):
    X, y, _ = blobs
    torch.manual_seed(0)
    net = torch.nn.Linear(2, 3)
    np.testing.assert_allclose(
        belief_from(net, X, temperature=2.0), torch_belief(net, X, temperature=2.0)
    )
    clf = TorchClassifier(random_state=0, **FAST).fit(X, y)
    np.testing.assert_allclose(belief_from(clf, X), clf.predict_proba(X), atol=1e-12)
    with pytest.raises(ValueError, match="temperature"):
        belief_from(np.full((3, 2), 0.5), X[:3], temperature=2.0)


def test_student_on_allowed_labels_is_consistent_on_separable_toy(blobs):
    X, _, belief = blobs
    theta = 0.5
    Y = (belief >= theta).astype(np.uint8)
    assert Y.any(axis=1).all()
    student = TorchAllowedLabelClassifier(random_state=0, validation_fraction=0.0, **FAST)
    student.fit(X, Y)
    pred = student.predict(X)
    assert Y[np.arange(X.shape[0]), pred].all()
    assert empirical_depth(pred, belief) >= theta
    P = student.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


def test_wrapper_clones_and_is_deterministic_per_seed(blobs):
    X, _, belief = blobs
    Y = (belief >= 0.3).astype(np.uint8)
    base = TorchAllowedLabelClassifier("mlp", module_params={"hidden": 8}, random_state=3, **FAST)
    a = clone(base).fit(X, Y)
    b = clone(base).fit(X, Y)
    c = clone(base).set_params(random_state=4).fit(X, Y)
    assert clone(base).get_params() == base.get_params()
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert not np.allclose(a.decision_function(X), c.decision_function(X))
    assert a.history_ == b.history_
    # global torch RNG is neither read nor changed by a fit
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    clone(base).fit(X, Y)
    assert torch.equal(torch.rand(1), before)


def test_early_stopping_keeps_best_epoch():
    rng = np.random.RandomState(0)  # labels unrelated to X: validation loss soon rises
    X, y = rng.normal(size=(200, 2)), rng.randint(3, size=200)
    clf = TorchClassifier(random_state=0, **{**FAST, "max_epochs": 200, "patience": 3}).fit(X, y)
    val = [h["val_loss"] for h in clf.history_]
    assert clf.n_epochs_ < 200
    assert clf.best_epoch_ == int(np.nanargmin(val))
    assert clf.n_epochs_ - 1 - clf.best_epoch_ == 3


def test_kd_and_vt_students_fit(blobs):
    X, y, _ = blobs
    teacher = TorchClassifier(random_state=0, **FAST).fit(X, y + 10)
    kd = TorchClassifier(loss="kd", teacher=teacher, temperature=5.0, alpha=0.5, random_state=0)
    kd.set_params(**FAST).fit(X, y + 10)
    assert (kd.predict(X) == y + 10).mean() > 0.95
    logits = teacher.decision_function(X)
    kd2 = clone(kd).fit(X, y + 10, teacher_logits=logits)
    np.testing.assert_array_equal(kd.decision_function(X), kd2.decision_function(X))
    vt = SurrogateClassifier(teacher, TorchClassifier(**FAST), random_state=0).fit(X, y + 10)
    assert (vt.predict(X) == teacher.predict(X)).mean() > 0.95
    with pytest.raises(ValueError, match="teacher"):
        TorchClassifier(loss="kd", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="teacher logits"):
        TorchClassifier(loss="kd", **FAST).fit(X, y, teacher_logits=np.zeros((3, 3)))


def test_crembo_with_torch_student_end_to_end(blobs):
    X, y, _ = blobs
    teacher = TorchClassifier(random_state=0, **FAST).fit(X, y)
    student = TorchAllowedLabelClassifier(module_params={"hidden": 8}, **FAST)
    model = CREMBOClassifier(
        teacher.module_, student, delta=2, epsilon=1e-3, max_candidates=8, random_state=0
    ).fit(X, y)
    assert isinstance(model.student_, TorchAllowedLabelClassifier)
    assert model.thresholds_.size <= 8
    assert model.threshold_ >= model.memo_threshold_
    assert (model.predict(X) == y).mean() > 0.9
    assert model.predict_proba(X).shape == (X.shape[0], 3)


@pytest.mark.parametrize(
    ("name", "shape"),
    [("mlp", (1, 8, 8)), ("lenet5", (1, 8, 8)), ("convnet", (1, 8, 8)), ("lenet5", (3, 32, 32))],
)
def test_models_take_flat_rows(name, shape):
    net = build_module(name, shape, 10)
    out = net(torch.zeros(2, int(np.prod(shape))))
    assert out.shape == (2, 10)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet18", "mobilenetv2"])
def test_cifar_models_forward(name):
    net = build_module(name, (3, 32, 32), 10).eval()
    with torch.no_grad():
        assert net(torch.zeros(2, 3 * 32 * 32)).shape == (2, 10)
    # one epoch of training with crop/flip augmentation and batch norm (odd tail batch)
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(17, 3 * 32 * 32)), np.arange(17) % 10
    clf = TorchClassifier(name, input_shape=(3, 32, 32), augment=True, batch_size=8)
    clf.set_params(max_epochs=1, validation_fraction=0.0, device="cpu", random_state=0)
    assert clf.fit(X, y).predict(X).shape == (17,)


def test_crop_flip_keeps_shape_and_content_scale():
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, -1)
    gen = torch.Generator().manual_seed(0)
    out = _crop_flip(x, (3, 4, 4), gen, pad=1)
    assert out.shape == x.shape
    # crops only move pixels around or pad with zeros
    assert set(out.unique().tolist()) <= set(x.unique().tolist()) | {0.0}


def test_bad_parameters_raise_clear_errors(blobs):
    X, y, _ = blobs
    with pytest.raises(ValueError, match="module must be one of"):
        TorchClassifier("vgg99", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="input_shape"):
        TorchClassifier("lenet5", input_shape=(1, 8, 8), **FAST).fit(X, y)
    with pytest.raises(ValueError, match="image input_shape"):
        TorchClassifier("lenet5", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="max_epochs"):
        TorchClassifier(**{**FAST, "max_epochs": 0}).fit(X, y)
    with pytest.raises(ValueError, match="multi-hot"):
        TorchAllowedLabelClassifier(**FAST).fit(X, y)


def test_empty_allowed_labels_give_a_constant_student(blobs):
    X, _, _ = blobs
    # CREMBO's top candidates may leave no allowed label in the rows a student is fitted on
    student = TorchAllowedLabelClassifier(**FAST).fit(X, np.zeros((X.shape[0], 3)))
    assert student.empty_target_ and student.n_epochs_ == 0
    np.testing.assert_array_equal(student.predict(X), 0)
    np.testing.assert_allclose(student.predict_proba(X), 1 / 3)


# ----------------------------------------------------------------- the DNN experiment


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

    from crembo.experiments.dnn import BASELINES, run_dnn
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
    crembos = ("CREMBO", "CREMBO-paper", "CREMBO-refit")
    pairs = {f"{s}/{v}" for s in ("lenet5", "mlp") for v in crembos}
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

"""The torch CREMBO student with soft targets on top (issue 15): end to end, repeatable."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="crembo.nets needs torch: pip install -e '.[torch]'")

from sklearn.base import clone  # noqa: E402

from crembo import (  # noqa: E402
    CREMBOClassifier,  # noqa: E402
    SurrogateClassifier,
    empirical_depth,
)
from crembo.nets import TorchAllowedLabelClassifier, TorchClassifier, torch_logits  # noqa: E402
from crembo.nets.augment import shifted_rows  # noqa: E402
from crembo.nets.belief import softmax  # noqa: E402
from crembo.nets.students import _crop_flip  # noqa: E402

FAST = {"max_epochs": 15, "batch_size": 32, "lr": 1e-2, "patience": 4, "device": "cpu"}


@pytest.fixture(scope="module")
def images():
    """Tiny 1×4×4 images of 3 classes (a bright row per class) and a fitted teacher."""
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(3), 30)
    X = rng.uniform(0, 0.3, size=(y.size, 1, 4, 4)).astype(np.float32)
    X[np.arange(y.size), 0, y] += 0.7
    X = X.reshape(y.size, -1)
    teacher = TorchClassifier(module_params={"hidden": 16}, random_state=0, **FAST).fit(X, y)
    return X, y, teacher


def test_student_with_teacher_trains_on_soft_targets_and_the_allowed_set(images):
    X, y, teacher = images
    Y = np.eye(3, dtype=np.uint8)[y]
    kw = {"module_params": {"hidden": 8}, "random_state": 1, **FAST}
    plain = TorchAllowedLabelClassifier(**kw).fit(X, Y)
    kd = TorchAllowedLabelClassifier(teacher=teacher.module_, allowed_loss="set", **kw).fit(X, Y)
    # same seed, another loss: another net; the teacher's logits reach the loss
    assert not np.allclose(plain.decision_function(X), kd.decision_function(X))
    assert (kd.predict(X) == y).mean() > 0.9
    again = clone(kd).fit(X, Y)
    np.testing.assert_array_equal(again.decision_function(X), kd.decision_function(X))


def test_crembo_with_kd_student_and_teacher_labelled_shifts_end_to_end(images):
    X, y, teacher = images
    X_extra, _ = shifted_rows(X, (1, 4, 4), 1, random_state=0)
    belief = softmax(torch_logits(teacher.module_, np.vstack([X, X_extra])), 2.0)
    student = TorchAllowedLabelClassifier(
        module_params={"hidden": 8}, teacher=teacher.module_, allowed_loss="set", beta=0.5, **FAST
    )

    def fit():
        return CREMBOClassifier(
            None, student, preset="paper", delta=2, epsilon=1e-3, max_candidates=6, random_state=0
        ).fit(X, y, X_unlabeled=X_extra, belief=belief)

    a, b = fit(), fit()
    assert a.threshold_ >= a.memo_threshold_
    assert (a.predict(X) == y).mean() > 0.9
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))  # the seed decides


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"allowed_loss": "hinge"}, ValueError, "allowed_loss"),
        ({"teacher": "forest"}, TypeError, "teacher"),
        ({"teacher": TorchClassifier()}, TypeError, "module_"),
        ({"teacher": torch.nn.Linear(16, 3), "temperature": 0}, ValueError, "temperature"),
        ({"teacher": torch.nn.Linear(16, 3), "beta": -1}, ValueError, "beta"),
        ({"teacher": torch.nn.Linear(16, 2)}, ValueError, "logits on X have shape"),
    ],
)
def test_bad_kd_student_parameters(images, params, error, match):
    X, y, _ = images
    with pytest.raises(error, match=match):
        TorchAllowedLabelClassifier(**FAST, **params).fit(X, np.eye(3, dtype=int)[y])


# the toy blobs' settings (from the former tests/test_torch.py)
TOY_FAST = {"max_epochs": 30, "batch_size": 32, "lr": 1e-2, "patience": 5, "device": "cpu"}


def test_student_on_allowed_labels_is_consistent_on_separable_toy(blobs):
    X, _, belief = blobs
    theta = 0.5
    Y = (belief >= theta).astype(np.uint8)
    assert Y.any(axis=1).all()
    student = TorchAllowedLabelClassifier(random_state=0, validation_fraction=0.0, **TOY_FAST)
    student.fit(X, Y)
    pred = student.predict(X)
    assert Y[np.arange(X.shape[0]), pred].all()
    assert empirical_depth(pred, belief) >= theta
    P = student.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


def test_wrapper_clones_and_is_deterministic_per_seed(blobs):
    X, _, belief = blobs
    Y = (belief >= 0.3).astype(np.uint8)
    base = TorchAllowedLabelClassifier(
        "mlp", module_params={"hidden": 8}, random_state=3, **TOY_FAST
    )
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
    clf = TorchClassifier(random_state=0, **{**TOY_FAST, "max_epochs": 200, "patience": 3}).fit(
        X, y
    )
    val = [h["val_loss"] for h in clf.history_]
    assert clf.n_epochs_ < 200
    assert clf.best_epoch_ == int(np.nanargmin(val))
    assert clf.n_epochs_ - 1 - clf.best_epoch_ == 3


def test_kd_and_vt_students_fit(blobs):
    X, y, _ = blobs
    teacher = TorchClassifier(random_state=0, **TOY_FAST).fit(X, y + 10)
    kd = TorchClassifier(loss="kd", teacher=teacher, temperature=5.0, alpha=0.5, random_state=0)
    kd.set_params(**TOY_FAST).fit(X, y + 10)
    assert (kd.predict(X) == y + 10).mean() > 0.95
    logits = teacher.decision_function(X)
    kd2 = clone(kd).fit(X, y + 10, teacher_logits=logits)
    np.testing.assert_array_equal(kd.decision_function(X), kd2.decision_function(X))
    vt = SurrogateClassifier(teacher, TorchClassifier(**TOY_FAST), random_state=0).fit(X, y + 10)
    assert (vt.predict(X) == teacher.predict(X)).mean() > 0.95
    with pytest.raises(ValueError, match="teacher"):
        TorchClassifier(loss="kd", **TOY_FAST).fit(X, y)
    with pytest.raises(ValueError, match="teacher logits"):
        TorchClassifier(loss="kd", **TOY_FAST).fit(X, y, teacher_logits=np.zeros((3, 3)))


def test_crembo_with_torch_student_end_to_end(blobs):
    X, y, _ = blobs
    teacher = TorchClassifier(random_state=0, **TOY_FAST).fit(X, y)
    student = TorchAllowedLabelClassifier(module_params={"hidden": 8}, **TOY_FAST)
    model = CREMBOClassifier(
        teacher.module_, student, delta=2, epsilon=1e-3, max_candidates=8, random_state=0
    ).fit(X, y)
    assert isinstance(model.student_, TorchAllowedLabelClassifier)
    assert model.thresholds_.size <= 8
    assert model.threshold_ >= model.memo_threshold_
    assert (model.predict(X) == y).mean() > 0.9
    assert model.predict_proba(X).shape == (X.shape[0], 3)


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
        TorchClassifier("vgg99", **TOY_FAST).fit(X, y)
    with pytest.raises(ValueError, match="input_shape"):
        TorchClassifier("lenet5", input_shape=(1, 8, 8), **TOY_FAST).fit(X, y)
    with pytest.raises(ValueError, match="image input_shape"):
        TorchClassifier("lenet5", **TOY_FAST).fit(X, y)
    with pytest.raises(ValueError, match="max_epochs"):
        TorchClassifier(**{**TOY_FAST, "max_epochs": 0}).fit(X, y)
    with pytest.raises(ValueError, match="multi-hot"):
        TorchAllowedLabelClassifier(**TOY_FAST).fit(X, y)


def test_empty_allowed_labels_give_a_constant_student(blobs):
    X, _, _ = blobs
    # CREMBO's top candidates may leave no allowed label in the rows a student is fitted on
    student = TorchAllowedLabelClassifier(**TOY_FAST).fit(X, np.zeros((X.shape[0], 3)))
    assert student.empty_target_ and student.n_epochs_ == 0
    np.testing.assert_array_equal(student.predict(X), 0)
    np.testing.assert_allclose(student.predict_proba(X), 1 / 3)


# ----------------------------------------------------------------- the DNN experiment

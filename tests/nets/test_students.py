"""The torch CREMBO student with soft targets on top (issue 15): end to end, repeatable."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="crembo.nets needs torch: pip install -e '.[torch]'")

from sklearn.base import clone  # noqa: E402

from crembo import CREMBOClassifier  # noqa: E402
from crembo.nets import TorchAllowedLabelClassifier, TorchClassifier, torch_logits  # noqa: E402
from crembo.nets.augment import shifted_rows  # noqa: E402
from crembo.nets.belief import softmax  # noqa: E402

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

"""crembo.nets.TorchDistiller: a student trained with its teacher online, on fresh views."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="crembo.nets needs torch: pip install -e '.[torch]'")

from crembo.nets import (  # noqa: E402
    AllowedSetObjective,
    DKDObjective,
    FreshViews,
    KDObjective,
    TorchClassifier,
    TorchDistiller,
)

FAST = {"max_epochs": 3, "batch_size": 32, "lr": 1e-2, "device": "cpu", "random_state": 0}


@pytest.fixture(scope="module")
def digits_teacher():
    from crembo.vision import load_digits_images

    d = load_digits_images()
    X, y = d.data[:300], d.target[:300]
    teacher = TorchClassifier("mlp", input_shape=(1, 8, 8), **{**FAST, "max_epochs": 8})
    return X, y, teacher.fit(X, y)


@pytest.mark.parametrize(
    "objective",
    [DKDObjective(), AllowedSetObjective(KDObjective(), 0.1)],
)
def test_fresh_view_students_learn_repeatably_and_leave_the_teacher_alone(
    digits_teacher, objective
):
    X, y, teacher = digits_teacher
    before = {k: v.clone() for k, v in teacher.module_.state_dict().items()}
    kw = {"teacher": teacher.module_, "objective": objective, "views": FreshViews()}
    a = TorchDistiller("mlp", input_shape=(1, 8, 8), **kw, **FAST).fit(X, y)
    b = TorchDistiller("mlp", input_shape=(1, 8, 8), **kw, **FAST).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    # it learns: the objective on the held-out real rows falls epoch after epoch
    val = [h["val_loss"] for h in a.history_]
    assert val[-1] < val[0] and a.best_epoch_ == int(np.argmin(val))
    assert len(a.history_) == a.n_epochs_ == 3
    assert all(0 <= h["val_accuracy"] <= 1 and np.isfinite(h["val_loss"]) for h in a.history_)
    after = teacher.module_.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_without_views_the_online_teacher_is_kd_on_precomputed_logits(digits_teacher):
    X, y, teacher = digits_teacher
    online = TorchDistiller("mlp", teacher=teacher.module_, **FAST).fit(X, y)
    assert online.classes_.tolist() == list(range(10))
    kd = TorchClassifier("mlp", loss="kd", temperature=5.0, alpha=0.9, **FAST)
    kd.fit(X, y, teacher_logits=teacher.decision_function(X))
    # same seed, same split, same batches, same loss: the same net up to float rounding
    np.testing.assert_allclose(online.decision_function(X), kd.decision_function(X), atol=1e-4)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"teacher": None}, "teacher"),
        ({"objective": "kd"}, "objective"),
        ({"views": "fresh"}, "views"),
    ],
)
def test_bad_distiller_settings_name_the_setting(digits_teacher, kw, match):
    X, y, teacher = digits_teacher
    settings = {"teacher": teacher.module_, **kw}
    with pytest.raises(TypeError, match=match):
        TorchDistiller(**settings, **FAST).fit(X, y)

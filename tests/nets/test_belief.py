"""crembo.nets.belief: a torch teacher's belief (skipped without torch)."""

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="torch is not installed: pip install -e '.[torch]' to run the net tests"
)


from crembo import belief_from  # noqa: E402
from crembo.nets import (  # noqa: E402
    TorchClassifier,
    torch_belief,
)

FAST = {"max_epochs": 30, "batch_size": 32, "lr": 1e-2, "patience": 5, "device": "cpu"}


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

"""crembo.nets.models: the nets take flat rows and images (skipped without torch)."""

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="torch is not installed: pip install -e '.[torch]' to run the net tests"
)


from crembo.nets import (  # noqa: E402
    TorchClassifier,
    build_module,
)


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

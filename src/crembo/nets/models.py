"""Network architectures for teachers and students, defined here (no torchvision needed).

Every net takes flat rows ``(n, prod(in_shape))`` or images ``(n, *in_shape)`` and returns
logits ``(n, n_classes)``: flat input lets a net be used wherever scikit-learn hands 2-D
arrays around (``CREMBOClassifier`` validates ``X`` as 2-D). ``in_shape`` is ``(C, H, W)``
for the convolutional nets and ``(n_features,)`` or an image shape for the MLP.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _check_image_shape(in_shape, name):
    shape = tuple(int(s) for s in in_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"{name} needs an image input_shape (C, H, W); got {in_shape!r}.")
    return shape


class TinyMLP(nn.Module):
    """One hidden ReLU layer: the smallest student."""

    def __init__(self, in_shape, n_classes, hidden=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(math.prod(in_shape), hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x):
        return self.net(x)


class LeNet5(nn.Module):
    """LeNet-5-like: two 5×5 convolutions with max pooling, then 120-84 fully connected.

    Images smaller than 28 pixels are zero-padded by 2 before each convolution so that 8×8
    digits keep a spatial extent (8 → 4 → 2); 32×32 CIFAR images use the classic valid
    convolutions (32 → 28 → 14 → 10 → 5).
    """

    def __init__(self, in_shape, n_classes):
        super().__init__()
        self.in_shape = _check_image_shape(in_shape, "LeNet5")
        c, h, w = self.in_shape
        pad = 0 if min(h, w) >= 28 else 2
        self.features = nn.Sequential(
            nn.Conv2d(c, 6, 5, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        with torch.no_grad():
            n_flat = self.features(torch.zeros(1, *self.in_shape)).shape[1]
        self.classifier = nn.Sequential(
            nn.Linear(n_flat, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, n_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x.reshape(-1, *self.in_shape)))


class ConvNet(nn.Module):
    """A small VGG-style teacher: 32-32-pool-64-pool convolutions, 128 hidden units, dropout."""

    def __init__(self, in_shape, n_classes, width=32, dropout=0.25):
        super().__init__()
        self.in_shape = _check_image_shape(in_shape, "ConvNet")
        c = self.in_shape[0]
        self.features = nn.Sequential(
            nn.Conv2d(c, width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        with torch.no_grad():
            n_flat = self.features(torch.zeros(1, *self.in_shape)).shape[1]
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(n_flat, 128), nn.ReLU(), nn.Linear(128, n_classes)
        )

    def forward(self, x):
        return self.classifier(self.features(x.reshape(-1, *self.in_shape)))


class _BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.skip = nn.Sequential()
        if stride != 1 or cin != cout:
            self.skip = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        return torch.relu(self.body(x) + self.skip(x))


class ResNet18(nn.Module):
    """ResNet-18 for 32×32 images (3×3 stem, no initial max pooling), as used on CIFAR-10."""

    def __init__(self, in_shape, n_classes):
        super().__init__()
        self.in_shape = _check_image_shape(in_shape, "ResNet18")
        layers = [
            nn.Conv2d(self.in_shape[0], 64, 3, 1, 1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
        ]
        cin = 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers += [_BasicBlock(cin, cout, stride), _BasicBlock(cout, cout, 1)]
            cin = cout
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, n_classes)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x.reshape(-1, *self.in_shape))


class _InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        mid = cin * expand
        layers = []
        if expand != 1:
            layers += [
                nn.Conv2d(cin, mid, 1, bias=False),
                nn.BatchNorm2d(mid),
                nn.ReLU6(inplace=True),
            ]
        layers += [
            nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False),
            nn.BatchNorm2d(mid),
            nn.ReLU6(inplace=True),
            nn.Conv2d(mid, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
        ]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        out = self.body(x)
        return x + out if self.residual else out


class MobileNetV2(nn.Module):
    """MobileNetV2 (width 1.0) for 32×32 images: stride-1 stem, the first two downsamplings
    of the ImageNet net removed (the usual CIFAR adaptation)."""

    # (expansion, channels, repeats, stride)
    SETTINGS = (
        (1, 16, 1, 1),
        (6, 24, 2, 1),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    )

    def __init__(self, in_shape, n_classes):
        super().__init__()
        self.in_shape = _check_image_shape(in_shape, "MobileNetV2")
        layers = [
            nn.Conv2d(self.in_shape[0], 32, 3, 1, 1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU6(inplace=True),
        ]
        cin = 32
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(_InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers += [
            nn.Conv2d(cin, 1280, 1, bias=False),
            nn.BatchNorm2d(1280),
            nn.ReLU6(inplace=True),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(1280, n_classes),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x.reshape(-1, *self.in_shape))


#: Names accepted by the ``module`` parameter of the torch estimators.
MODULES = {
    "mlp": TinyMLP,
    "lenet5": LeNet5,
    "convnet": ConvNet,
    "resnet18": ResNet18,
    "mobilenetv2": MobileNetV2,
}


def build_module(module, in_shape, n_classes, params=None) -> nn.Module:
    """Instantiate ``module`` (a name in :data:`MODULES` or a class / factory) for the data.

    The factory is called as ``module(in_shape, n_classes, **params)``.
    """
    params = {} if params is None else dict(params)
    if isinstance(module, str):
        if module not in MODULES:
            raise ValueError(
                f"module must be one of {sorted(MODULES)} or a callable; got {module!r}."
            )
        module = MODULES[module]
    if not callable(module):
        raise TypeError(
            "module: expected a name, an nn.Module class or a factory "
            f"(in_shape, n_classes, **params) -> nn.Module; got {type(module).__name__}."
        )
    net = module(tuple(in_shape), int(n_classes), **params)
    if not isinstance(net, nn.Module):
        raise TypeError(f"module: the factory returned {type(net).__name__}, not an nn.Module.")
    return net

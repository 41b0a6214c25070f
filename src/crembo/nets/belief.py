"""A torch teacher's belief: softmax of its logits at a temperature, in batches, no gradients."""

from __future__ import annotations

import copy

import numpy as np
import torch


def default_device(device=None) -> torch.device:
    """``"auto"``/None: the GPU when one is present, else the CPU."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _module_device(module):
    p = next(iter(module.parameters()), None)
    return None if p is None else p.device


@torch.no_grad()
def torch_logits(module, X, *, batch_size=1024, device=None) -> np.ndarray:
    """Logits of ``module`` on ``X`` as a float32 array of shape (n_samples, n_classes).

    The module runs in eval mode (its mode is restored after). With ``device`` None it runs
    where its parameters are, or on the GPU when one is present and the module is on the CPU
    (a copy goes there; the caller's module is not moved).
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")
    own = _module_device(module)
    if device is None and own is not None and own.type != "cpu":
        target = own
    else:
        target = default_device(device)
    net = module if own is None or own == target else copy.deepcopy(module).to(target)
    was_training = net.training
    net.eval()
    try:
        X = torch.as_tensor(np.asarray(X, dtype=np.float32))
        out = [
            net(X[i : i + batch_size].to(target)).float().cpu()
            for i in range(0, X.shape[0], int(batch_size))
        ]
    finally:
        net.train(was_training)
    if not out:
        raise ValueError("X must have at least one row.")
    logits = torch.cat(out).numpy()
    if logits.ndim != 2:
        raise ValueError(
            f"teacher: the module must return (n, n_classes) logits; got {logits.shape}."
        )
    return logits


def softmax(logits, temperature=1.0) -> np.ndarray:
    """Row-wise softmax of ``logits / temperature`` in float64 (rows sum to one)."""
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive number; got {temperature!r}.")
    z = np.asarray(logits, dtype=np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def torch_belief(module, X, *, temperature=1.0, batch_size=1024, device=None) -> np.ndarray:
    """Belief of a torch teacher: ``softmax(module(X) / temperature)``, shape (n, c).

    Parameters
    ----------
    module : torch.nn.Module
        Returns logits. Fitted :class:`crembo.nets.TorchClassifier` objects are accepted
        too (their ``module_`` is used).
    X : array-like
        Rows in the layout the module expects (flat rows for the nets of
        :mod:`crembo.nets.models`).
    temperature : float, default=1.0
        Above 1 the belief is softer (more classes reach a given threshold).
    batch_size : int, default=1024
    device : str or None, default=None
        None: the module's device, or the GPU when present.
    """
    module = getattr(module, "module_", module)
    return softmax(torch_logits(module, X, batch_size=batch_size, device=device), temperature)

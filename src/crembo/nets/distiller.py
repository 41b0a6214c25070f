"""A student distilled from a teacher queried online, on fresh views or on the rows (issue 25).

With ``views``, every batch is drawn anew (:class:`~crembo.nets.views.FreshViews`), the
teacher's logits are computed on exactly that batch, and the student minimizes an objective of
:mod:`crembo.nets.objectives` on it: KD or DKD ("function matching"), or either with CREMBO's
allowed set, taken from the teacher's belief on the view, in the place of the label term.
Without, the same objectives on the rows as they are (DKD beside KD). The epoch kept is the
one with the lowest objective on the held-out *real* rows (no views), the rule of
:class:`crembo.nets.TorchClassifier`; the held-out accuracy of every epoch is kept in
``history_`` (the schedule's curve).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from crembo._compat import validate_data
from crembo.nets.belief import softmax
from crembo.nets.objectives import AllowedSetObjective, DKDObjective, KDObjective
from crembo.nets.students import _logits_in_batches, _TorchNet
from crembo.nets.views import FreshViews

_OBJECTIVES = (KDObjective, DKDObjective, AllowedSetObjective)


class TorchDistiller(ClassifierMixin, _TorchNet):
    """A torch student trained on fresh views of its rows, the teacher queried online.

    Parameters
    ----------
    module : str or callable, default="mlp"
        The student net (see :class:`crembo.nets.TorchClassifier`).
    teacher : nn.Module or None, default=None
        A torch module returning logits (a fitted ``TorchClassifier``'s ``module_``); it is
        run in eval mode on every batch, never trained. Required by ``fit``.
    objective : KDObjective, DKDObjective or AllowedSetObjective, default=None
        What the student minimizes on a batch; None means ``KDObjective()``.
    views : FreshViews or None, default=None
        How each batch is drawn; None trains on the rows as they are (the teacher still
        online, which equals precomputed logits).
    module_params, input_shape, max_epochs, batch_size, lr, weight_decay,
    validation_fraction, patience, device, random_state
        As :class:`crembo.nets.TorchClassifier`.

    Attributes
    ----------
    classes_, module_, n_epochs_, best_epoch_
    history_ : list of dict
        ``epoch``, ``train_loss``, ``val_loss`` (the objective on the held-out real rows) and
        ``val_accuracy`` (against their labels) per epoch run: the schedule's curve.

    Examples
    --------
    >>> import numpy as np
    >>> from crembo.nets import TorchClassifier
    >>> from crembo.nets.distiller import TorchDistiller
    >>> from crembo.nets.views import FreshViews
    >>> X = np.random.default_rng(0).random((60, 16)).astype("float32")
    >>> y = (X[:, :8].sum(axis=1) > 4).astype(int)
    >>> t = TorchClassifier(max_epochs=2, device="cpu", random_state=0).fit(X, y)
    >>> s = TorchDistiller(
    ...     teacher=t.module_, views=FreshViews(), input_shape=(1, 4, 4), max_epochs=2,
    ...     device="cpu", random_state=0)
    >>> s.fit(X, y).predict(X).shape
    (60,)
    """

    def __init__(
        self,
        module="mlp",
        *,
        teacher=None,
        objective=None,
        views=None,
        module_params=None,
        input_shape=None,
        max_epochs=100,
        batch_size=64,
        lr=1e-3,
        weight_decay=0.0,
        validation_fraction=0.1,
        patience=10,
        device="auto",
        random_state=None,
    ):
        self.module = module
        self.teacher = teacher
        self.objective = objective
        self.views = views
        self.module_params = module_params
        self.input_shape = input_shape
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.random_state = random_state

    def fit(self, X, y):
        """Train on the rows ``X`` with labels ``y`` (the label terms' targets)."""
        if not isinstance(self.teacher, torch.nn.Module):
            raise TypeError(
                "teacher: expected a torch module returning logits (a fitted "
                f"TorchClassifier's module_); got {type(self.teacher).__name__}."
            )
        objective = KDObjective() if self.objective is None else self.objective
        if not isinstance(objective, _OBJECTIVES):
            names = ", ".join(o.__name__ for o in _OBJECTIVES)
            raise TypeError(f"objective: expected one of {names}; got {objective!r}.")
        if self.views is not None and not isinstance(self.views, FreshViews):
            raise TypeError(f"views: expected a FreshViews or None; got {self.views!r}.")
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        self._objective = objective
        return self._train(X, self.classes_.size, None, (y_idx,), None)

    def _loop(self, module, X, targets, weight, loss_fn, train_idx, val_idx, gen):
        (y,) = targets
        teacher = copy.deepcopy(self.teacher).to(X.device).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
        opt = torch.optim.Adam(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        train_rows = torch.as_tensor(train_idx)
        val_rows = torch.as_tensor(val_idx, device=X.device)
        shape = self.input_shape_
        history, best, best_state, wait = [], np.inf, None, 0
        self.best_epoch_ = None
        for epoch in range(self.max_epochs):
            module.train()
            order = train_rows[torch.randperm(train_rows.numel(), generator=gen)].to(X.device)
            total, count = 0.0, 0
            for start in range(0, order.numel(), self.batch_size):
                b = order[start : start + self.batch_size]
                if b.numel() < 2 and start:  # a 1-row tail breaks batch norm; skip it
                    continue
                if self.views is None:
                    xb, partner, lam = X[b], torch.arange(b.numel()), torch.ones(b.numel())
                    partner, lam = partner.to(X.device), lam.to(X.device)
                else:
                    xb, partner, lam = self.views.draw(X[b], shape, gen)
                with torch.no_grad():
                    t = teacher(xb)
                yb = y[b]
                loss = self._objective(module(xb), t, yb, yb[partner], lam)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total, count = total + float(loss.detach()) * b.numel(), count + b.numel()
            row = {"epoch": epoch, "train_loss": total / max(count, 1)}
            row.update(val_accuracy=np.nan, val_loss=np.nan)
            history.append(row)
            if not val_rows.numel():
                continue
            with torch.no_grad():
                module.eval()
                xv, yv = X[val_rows], y[val_rows]
                logits = _logits_in_batches(module, xv)
                ones = torch.ones(yv.numel(), device=X.device)
                tv = _logits_in_batches(teacher, xv)
                row["val_loss"] = float(self._objective(logits, tv, yv, yv, ones))
                row["val_accuracy"] = float((logits.argmax(dim=1) == yv).float().mean())
            if row["val_loss"] < best - 1e-6:
                best, wait, self.best_epoch_ = row["val_loss"], 0, epoch
                best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
            else:
                wait += 1
                if wait >= self.patience:
                    break
        if best_state is not None:
            module.load_state_dict(best_state)
        return history

    def predict_proba(self, X) -> np.ndarray:
        """Softmax of the logits, columns in ``classes_`` order."""
        return softmax(self.decision_function(X))

    def predict(self, X) -> np.ndarray:
        """Class with the largest logit."""
        return self.classes_[self.decision_function(X).argmax(axis=1)]

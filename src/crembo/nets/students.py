"""Scikit-learn estimators around torch nets: allowed-label students and label/KD classifiers.

Why one file of more than 500 lines: the two estimators share ``_TorchNet`` (the seeded
training loop, early stopping, batching and augmentation) and differ only in their loss and
targets; apart they would import each other's private helpers.

:class:`TorchAllowedLabelClassifier` fits a net to the multi-hot ``Y_θ`` with
:func:`~crembo.nets.losses.allowed_labels_loss`; it has ``fits_allowed_labels = True``, so it
is the ``student`` of :class:`crembo.CREMBOClassifier` / :class:`crembo.MEMOClassifier` as it
is. :class:`TorchClassifier` fits class labels with cross-entropy (BM on true labels, VT on
the teacher's labels, a teacher itself) or with knowledge distillation (KD).

Both train with Adam on mini-batches, hold out ``validation_fraction`` of the rows, stop when
the validation loss has not improved for ``patience`` epochs and keep the best epoch's
weights. Every random choice (initialization, split, batch order, dropout, augmentation)
comes from ``random_state`` through a forked torch RNG, so a fit neither reads nor changes
torch's global seed, and fits on the CPU are repeatable.
"""

from __future__ import annotations

import numbers
from contextlib import nullcontext
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from crembo._compat import validate_data
from crembo._seeds import MAX_SEED
from crembo.nets.belief import default_device, softmax, torch_logits
from crembo.nets.losses import (
    ALLOWED_LOSSES,
    cross_entropy_loss,
    distillation_loss,
    distilled_allowed_loss,
)
from crembo.nets.models import build_module


def _deterministic_kernels(device):
    """cuDNN's deterministic kernels while training on a GPU.

    Two identical CREMBO fits with torch students on an H200 predicted the same label on only
    93 % of the test rows (benchmarks/gpu_check.py; KD fits matched): cuDNN's default kernels
    are not repeatable. That these flags close the gap is not yet measured on a GPU. A no-op
    on the CPU.
    """
    if device.type != "cuda":
        return nullcontext()
    return torch.backends.cudnn.flags(enabled=True, benchmark=False, deterministic=True)


class _TorchNet(BaseEstimator):
    """Training loop and inference shared by the torch estimators."""

    def _check_params(self):
        checks = {
            "max_epochs": (self.max_epochs, numbers.Integral, 1),
            "batch_size": (self.batch_size, numbers.Integral, 1),
            "patience": (self.patience, numbers.Integral, 1),
        }
        for name, (value, kind, low) in checks.items():
            if isinstance(value, bool) or not isinstance(value, kind) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
        if not (isinstance(self.lr, numbers.Real) and self.lr > 0):
            raise ValueError(f"lr must be a positive number; got {self.lr!r}.")
        if not (isinstance(self.weight_decay, numbers.Real) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be a number >= 0; got {self.weight_decay!r}.")
        v = self.validation_fraction
        if isinstance(v, bool) or not (isinstance(v, numbers.Real) and 0 <= v < 1):
            raise ValueError(f"validation_fraction must be a number in [0, 1); got {v!r}.")

    def _input_shape(self, n_features):
        if self.input_shape is None:
            return (n_features,)
        shape = tuple(int(s) for s in np.atleast_1d(self.input_shape))
        if int(np.prod(shape)) != n_features:
            raise ValueError(
                f"input_shape {shape} holds {int(np.prod(shape))} values but X has "
                f"{n_features} features."
            )
        return shape

    def _train(self, X, n_classes, loss_fn, targets, sample_weight):
        """Fit ``self.module_`` by minimizing ``loss_fn(logits, *targets[rows], weight=)``."""
        self._check_params()
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(MAX_SEED))
        device = default_device(self.device)
        self.input_shape_ = self._input_shape(X.shape[1])
        n = X.shape[0]
        n_val = int(round(self.validation_fraction * n)) if n >= 10 else 0
        perm = rng.permutation(n)
        val_idx, train_idx = perm[:n_val], np.sort(perm[n_val:])
        cuda = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda), _deterministic_kernels(device):
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            module = build_module(self.module, self.input_shape_, n_classes, self.module_params)
            module = module.to(device)
            Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
            tt = [torch.as_tensor(t, device=device) for t in targets]
            wt = (
                None
                if sample_weight is None
                else torch.as_tensor(sample_weight, dtype=torch.float32, device=device)
            )
            self.history_ = self._loop(module, Xt, tt, wt, loss_fn, train_idx, val_idx, gen)
        module.eval()
        self.module_ = module
        self.n_epochs_ = len(self.history_)
        return self

    def _loop(self, module, X, targets, weight, loss_fn, train_idx, val_idx, gen):
        opt = torch.optim.Adam(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        train_rows = torch.as_tensor(train_idx)
        val_rows = torch.as_tensor(val_idx, device=X.device)
        augment = self.augment and len(self.input_shape_) == 3
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
                xb = _crop_flip(X[b], self.input_shape_, gen) if augment else X[b]
                w = None if weight is None else weight[b]
                loss = loss_fn(module(xb), *(t[b] for t in targets), weight=w)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total, count = total + float(loss.detach()) * b.numel(), count + b.numel()
            row = {"epoch": epoch, "train_loss": total / max(count, 1), "val_loss": np.nan}
            history.append(row)
            if not val_rows.numel():
                continue
            with torch.no_grad():
                module.eval()
                logits = _logits_in_batches(module, X[val_rows])
                w = None if weight is None else weight[val_rows]
                row["val_loss"] = float(loss_fn(logits, *(t[val_rows] for t in targets), weight=w))
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

    def _validate_predict(self, X):
        check_is_fitted(self, "module_")
        return validate_data(self, X, reset=False, dtype=np.float32)

    def decision_function(self, X) -> np.ndarray:
        """Logits of the net, shape (n_samples, n_classes)."""
        X = self._validate_predict(X)
        return torch_logits(self.module_, X, batch_size=max(self.batch_size, 1024))


class TorchClassifier(ClassifierMixin, _TorchNet):
    """A torch net trained on class labels: cross-entropy (BM, VT, teachers) or KD.

    Parameters
    ----------
    module : str or callable, default="mlp"
        ``"mlp"``, ``"lenet5"``, ``"convnet"``, ``"resnet18"``, ``"mobilenetv2"`` (see
        :mod:`crembo.nets.models`) or a factory ``(in_shape, n_classes, **module_params)``.
    module_params : dict or None, default=None
    input_shape : tuple or None, default=None
        Shape of one row as the net sees it, e.g. ``(1, 8, 8)``; None means flat rows.
    loss : {"ce", "kd"}, default="ce"
        ``"kd"``: knowledge distillation from ``teacher`` (see
        :func:`~crembo.nets.losses.distillation_loss`).
    teacher : nn.Module, classifier or None, default=None
        KD only. A torch module or an estimator with ``decision_function`` (logits) or
        ``predict_proba`` (its log is used as logits); an unfitted estimator is cloned and
        fitted on ``(X, y)`` first.
    temperature : float, default=4.0
        KD temperature τ.
    alpha : float, default=0.9
        KD weight of the soft term (``1 - alpha`` goes to cross-entropy on the labels).
    max_epochs : int, default=100
    batch_size : int, default=64
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
    validation_fraction : float, default=0.1
        Rows held out for early stopping; 0 trains ``max_epochs`` epochs.
    patience : int, default=10
        Epochs without a better validation loss before stopping.
    augment : bool, default=False
        Random crops (4-pixel zero padding) and horizontal flips, for image inputs.
    device : str, default="auto"
        ``"auto"`` uses the GPU when one is present.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_ : ndarray
    module_ : torch.nn.Module
        The trained net (best validation epoch), in eval mode.
    history_ : list of dict
        ``epoch``, ``train_loss``, ``val_loss`` per epoch run.
    best_epoch_ : int or None
    n_epochs_ : int
    """

    def __init__(
        self,
        module="mlp",
        *,
        module_params=None,
        input_shape=None,
        loss="ce",
        teacher=None,
        temperature=4.0,
        alpha=0.9,
        max_epochs=100,
        batch_size=64,
        lr=1e-3,
        weight_decay=0.0,
        validation_fraction=0.1,
        patience=10,
        augment=False,
        device="auto",
        random_state=None,
    ):
        self.module = module
        self.module_params = module_params
        self.input_shape = input_shape
        self.loss = loss
        self.teacher = teacher
        self.temperature = temperature
        self.alpha = alpha
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.augment = augment
        self.device = device
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None, teacher_logits=None):
        """Train on labels ``y``; for KD, soft targets come from ``teacher`` or ``teacher_logits``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        teacher_logits : array-like of shape (n_samples, n_classes), default=None
            KD: precomputed teacher logits on ``X`` (then ``teacher`` is not asked).
        """
        if self.loss not in ("ce", "kd"):
            raise ValueError(f"loss must be 'ce' or 'kd'; got {self.loss!r}.")
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        c = self.classes_.size
        if self.loss == "ce":
            return self._train(X, c, cross_entropy_loss, (y_idx,), sample_weight)
        if not (np.isfinite(self.temperature) and self.temperature > 0):
            raise ValueError(f"temperature must be a positive number; got {self.temperature!r}.")
        if not 0 <= self.alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1]; got {self.alpha!r}.")
        T = self._teacher_logits(X, y) if teacher_logits is None else teacher_logits
        T = np.asarray(T, dtype=np.float32)
        if T.shape != (X.shape[0], c):
            raise ValueError(
                f"teacher logits have shape {T.shape}; expected {(X.shape[0], c)} (one column "
                "per class seen in y, in sorted order)."
            )
        kd = partial(distillation_loss, temperature=self.temperature, alpha=self.alpha)
        return self._train(X, c, kd, (T, y_idx), sample_weight)

    def _teacher_logits(self, X, y):
        teacher = self.teacher
        if teacher is None:
            raise ValueError("loss='kd' needs a teacher (or teacher_logits passed to fit).")
        if isinstance(teacher, torch.nn.Module):
            return torch_logits(teacher, X)
        if not hasattr(teacher, "fit"):
            raise TypeError(
                f"teacher: expected a torch module or a classifier; got {type(teacher).__name__}."
            )
        try:
            check_is_fitted(teacher)
        except NotFittedError:
            teacher = clone(teacher).fit(X, y)
        if hasattr(teacher, "decision_function"):
            logits = np.asarray(teacher.decision_function(X), dtype=np.float64)
            if logits.ndim == 2:
                return logits
        proba = np.asarray(teacher.predict_proba(X), dtype=np.float64)
        # log-probabilities are logits up to a per-row constant, which softmax ignores
        return np.log(np.clip(proba, 1e-12, None))

    def predict_proba(self, X) -> np.ndarray:
        """Softmax of the logits, columns in ``classes_`` order."""
        return softmax(self.decision_function(X))

    def predict(self, X) -> np.ndarray:
        """Class with the largest logit."""
        return self.classes_[self.decision_function(X).argmax(axis=1)]


class TorchAllowedLabelClassifier(ClassifierMixin, _TorchNet):
    """A torch net fitted to allowed labels ``Y_θ``: a CREMBO / MEMO student.

    By default (the paper) per-class sigmoid outputs with binary cross-entropy; rows with no
    allowed label contribute nothing. Predicts the class index with the largest logit, like
    :class:`crembo.AllowedLabelClassifier`. Parameters as :class:`TorchClassifier`, plus:

    Parameters
    ----------
    allowed_loss : {"bce", "set"}, default="bce"
        The allowed-label term: ``"bce"`` per-class BCE on ``Y_θ`` (the paper,
        :func:`~crembo.nets.losses.allowed_labels_loss`), ``"set"`` the softmax likelihood of
        the allowed set (:func:`~crembo.nets.losses.allowed_set_loss`).
    teacher : nn.Module or None, default=None
        A torch module returning logits (a fitted TorchClassifier's ``module_``: an
        estimator would be refitted by ``clone``). When given, the loss is KD's soft
        targets on top of the allowed-label term,
        ``alpha · τ² · KL(softmax(t/τ) || softmax(s/τ)) + beta · allowed`` with ``t`` the
        teacher's logits on the rows the student is fitted on
        (:func:`~crembo.nets.losses.distilled_allowed_loss`). None: the allowed term alone.
    temperature : float, default=4.0
        τ of the soft-target term (with ``teacher`` only).
    alpha : float, default=0.9
        Weight of the soft-target term (with ``teacher`` only).
    beta : float, default=1.0
        Weight of the allowed-label term when ``teacher`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> from crembo.nets import TorchAllowedLabelClassifier
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> Y = np.eye(2, dtype=int)[(X[:, 0] > 0).astype(int)]
    >>> net = TorchAllowedLabelClassifier(max_epochs=2, device="cpu", random_state=0)
    >>> net.fit(X, Y).predict(X).shape
    (40,)

    Attributes
    ----------
    classes_ : ndarray
        ``arange(n_classes)``: predictions are class indices.
    module_, history_, best_epoch_, n_epochs_
    empty_target_ : bool
        True when ``Y`` had no allowed label at all: the net was not trained and every
        point gets class 0 (logits all zero).
    """

    #: ``CREMBOClassifier`` uses a learner with this flag as it is.
    fits_allowed_labels = True

    def __init__(
        self,
        module="mlp",
        *,
        module_params=None,
        input_shape=None,
        max_epochs=100,
        batch_size=64,
        lr=1e-3,
        weight_decay=0.0,
        validation_fraction=0.1,
        patience=10,
        augment=False,
        allowed_loss="bce",
        teacher=None,
        temperature=4.0,
        alpha=0.9,
        beta=1.0,
        device="auto",
        random_state=None,
    ):
        self.module = module
        self.module_params = module_params
        self.input_shape = input_shape
        self.allowed_loss = allowed_loss
        self.teacher = teacher
        self.temperature = temperature
        self.alpha = alpha
        self.beta = beta
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.augment = augment
        self.device = device
        self.random_state = random_state

    def fit(self, X, Y, sample_weight=None, belief=None):
        """Fit to a multi-hot matrix ``Y`` of shape (n_samples, n_classes).

        ``belief`` (the teacher's, passed by CREMBO to every allowed-label student, see
        :mod:`crembo.students.protocol`) is not used: ties go to the largest logit.
        """
        X = validate_data(self, X, dtype=np.float32)
        Y = np.asarray(Y)
        if Y.ndim != 2 or Y.shape[0] != X.shape[0] or Y.shape[1] < 2:
            raise ValueError(
                f"Y must be a multi-hot matrix of shape ({X.shape[0]}, n_classes >= 2); "
                f"got shape {Y.shape}."
            )
        if not np.isin(Y, (0, 1)).all():
            raise ValueError("Y must hold only 0 and 1 (allowed labels).")
        self._check_allowed_params()
        self.classes_ = np.arange(Y.shape[1])
        # No allowed label anywhere (CREMBO's top candidates can empty the training part):
        # nothing to learn; like AllowedLabelClassifier, predict the lowest class index.
        self.empty_target_ = not Y.any()
        if self.empty_target_:
            self._check_params()
            self.input_shape_ = self._input_shape(X.shape[1])
            self.module_ = build_module(
                self.module, self.input_shape_, Y.shape[1], self.module_params
            ).eval()
            self.history_, self.n_epochs_, self.best_epoch_ = [], 0, None
            return self
        Y = Y.astype(np.float32)
        if self.teacher is None:
            loss = ALLOWED_LOSSES[self.allowed_loss]
            return self._train(X, Y.shape[1], loss, (Y,), sample_weight)
        T = np.asarray(torch_logits(self.teacher, X))
        if T.shape != Y.shape:
            raise ValueError(
                f"teacher: its logits on X have shape {T.shape}; expected {Y.shape} (one "
                "column per allowed-label column)."
            )
        loss = partial(
            distilled_allowed_loss,
            temperature=self.temperature,
            alpha=self.alpha,
            beta=self.beta,
            allowed=self.allowed_loss,
        )
        return self._train(X, Y.shape[1], loss, (Y, T.astype(np.float32)), sample_weight)

    def _check_allowed_params(self):
        if self.allowed_loss not in ALLOWED_LOSSES:
            raise ValueError(
                f"allowed_loss must be one of {sorted(ALLOWED_LOSSES)}; got {self.allowed_loss!r}."
            )
        if self.teacher is None:
            return
        if not isinstance(self.teacher, torch.nn.Module):
            raise TypeError(
                "teacher: expected a torch module returning logits (a fitted "
                f"TorchClassifier's module_); got {type(self.teacher).__name__}."
            )
        t = self.temperature
        if isinstance(t, bool) or not (isinstance(t, numbers.Real) and np.isfinite(t) and t > 0):
            raise ValueError(f"temperature must be a positive number; got {t!r}.")
        for name in ("alpha", "beta"):
            v = getattr(self, name)
            if isinstance(v, bool) or not (isinstance(v, numbers.Real) and v >= 0):
                raise ValueError(f"{name} must be a number >= 0; got {v!r}.")

    def decision_function(self, X) -> np.ndarray:
        """Logits of the net (zeros when it was fitted to an empty ``Y``)."""
        if getattr(self, "empty_target_", False):
            X = self._validate_predict(X)
            return np.zeros((X.shape[0], self.classes_.size), dtype=np.float32)
        return super().decision_function(X)

    def allowed_proba(self, X) -> np.ndarray:
        """Sigmoid of the logits: probability that each class is allowed."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(X).astype(np.float64)))

    def predict_proba(self, X) -> np.ndarray:
        """Allowed-probabilities normalized to sum to one per row."""
        P = self.allowed_proba(X)
        return P / P.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """Class index with the largest logit."""
        return self.decision_function(X).argmax(axis=1)


@torch.no_grad()
def _logits_in_batches(module, X, batch_size=2048):
    return torch.cat([module(X[i : i + batch_size]) for i in range(0, X.shape[0], batch_size)])


def _crop_flip(x, in_shape, gen, pad=4):
    """Random horizontal flips and ``pad``-pixel random crops, one draw per row."""
    n, (c, h, w) = x.shape[0], in_shape
    img = x.reshape(n, c, h, w)
    flip = (torch.rand(n, generator=gen) < 0.5).to(x.device)
    img = torch.where(flip[:, None, None, None], img.flip(3), img)
    padded = F.pad(img, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen).to(x.device)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen).to(x.device)
    rows = dy[:, None] + torch.arange(h, device=x.device)
    cols = dx[:, None] + torch.arange(w, device=x.device)
    idx = torch.arange(n, device=x.device)[:, None, None]
    out = padded[idx, :, rows[:, :, None], cols[:, None, :]]  # (n, h, w, c)
    return out.permute(0, 3, 1, 2).reshape(n, -1)

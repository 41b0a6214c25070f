"""The paper's neural teacher, :class:`EpochSelectedMLP`.

It lives here, not in :mod:`crembo.teachers`, because model files name its class by its
qualified name ``crembo.baselines.EpochSelectedMLP`` (the allow-list of :mod:`crembo.persist`);
build it with :func:`crembo.teachers.make_teacher` (``"nn"``). The methods the experiments
compare are in :mod:`crembo.experiments.methods`.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from crembo._compat import validate_data
from crembo._seeds import MAX_SEED

__all__ = ["EpochSelectedMLP"]


class EpochSelectedMLP(ClassifierMixin, BaseEstimator):
    """The paper's neural teacher, its epoch chosen on validation rows of the training data.

    Two hidden ReLU layers of 128, standardized inputs, Adam (lr 0.01), batches of 32, at most
    ``max_epochs`` epochs. A share ``validation_fraction`` of the training rows is held out;
    after each epoch the net is scored there and the weights of the best epoch are kept (the
    original protocol picked the epoch on the test fold). Unlike ``MLPClassifier(
    early_stopping=True)`` the split falls back to an unstratified one when a class has a
    single row, which the rare arrhythmia classes need.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(128, 128)
    learning_rate_init : float, default=0.01
    batch_size : int, default=32
    max_epochs : int, default=10
    validation_fraction : float, default=0.15
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_ : ndarray
    scaler_ : StandardScaler
    mlp_ : MLPClassifier
        The net with the weights of ``best_epoch_``.
    best_epoch_ : int
        1-based epoch with the best validation accuracy (earliest on ties).
    validation_scores_ : ndarray
    """

    def __init__(
        self,
        hidden_layer_sizes=(128, 128),
        learning_rate_init=0.01,
        batch_size=32,
        max_epochs=10,
        validation_fraction=0.15,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def fit(self, X, y):
        """Train epoch by epoch and keep the epoch that scores best on the held-out rows."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        if not (isinstance(self.max_epochs, int | np.integer) and self.max_epochs >= 1):
            raise ValueError(f"max_epochs must be an integer >= 1; got {self.max_epochs!r}.")
        rng = check_random_state(self.random_state)
        split_seed, net_seed = rng.randint(MAX_SEED, size=2)
        self.classes_ = np.unique(y)
        _, counts = np.unique(y, return_counts=True)
        stratify = y if counts.min() >= 2 else None
        tr, va = train_test_split(
            np.arange(y.size),
            test_size=self.validation_fraction,
            stratify=stratify,
            random_state=split_seed,
        )
        self.scaler_ = StandardScaler().fit(X[tr])
        Xt, Xv = self.scaler_.transform(X[tr]), self.scaler_.transform(X[va])
        mlp = MLPClassifier(
            hidden_layer_sizes=self.hidden_layer_sizes,
            activation="relu",
            solver="adam",
            learning_rate_init=self.learning_rate_init,
            batch_size=self.batch_size,
            random_state=int(net_seed),
        )
        scores, best = [], None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(self.max_epochs):
                mlp.partial_fit(Xt, y[tr], classes=self.classes_)  # one epoch
                scores.append(mlp.score(Xv, y[va]))
                if best is None or scores[-1] > max(scores[:-1]):
                    best = copy.deepcopy(mlp)
        self.mlp_ = best
        self.validation_scores_ = np.asarray(scores)
        self.best_epoch_ = int(np.argmax(scores)) + 1
        return self

    def predict_proba(self, X):
        """Class probabilities of the selected net, columns in ``classes_`` order."""
        check_is_fitted(self, "mlp_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.mlp_.predict_proba(self.scaler_.transform(X))

    def predict(self, X):
        """Most probable class."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

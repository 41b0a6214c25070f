"""Today's best small-tree methods as scikit-learn classifiers, to compare CREMBO with.

Each wraps its library (``pip install 'crembo[peers]'``) with the settings its documentation
recommends, takes the same imputed training rows as every method of the experiments, and is
named in :data:`crembo.experiments.methods.METHODS` (``STreeD``, ``STreeD-VT``, ``GOSDT``,
``HSTree``, ``FIGS``). After ``fit`` each has ``status_``: ``"ok"``, or ``"time limit"`` when
the solver stopped at its time limit and returned its best tree so far (the experiments record
that status and keep the tree's predictions); a solver that stops without any tree raises
:class:`PeerTimeout` (recorded as ``timeout``, accuracy NaN).

Decisions (one line each; they go into the notes of the results tables):

- imodels 3.0.4 imports ``six`` without declaring it: ``six`` is in the ``peers`` extra.
- STreeD: ``STreeDClassifier(max_depth=4)``, its default ``accuracy`` task, on our thin
  binarization (≤ 8 quantile thresholds per numeric column, 0/1 columns kept, at most 256
  binary columns by single-split Gini gain): its own ``max_num_binary_features`` selects by an
  unseeded random forest (a regressor beyond 10 classes), so it is not used.
- STreeD and GOSDT: 10 s time limit per fit (``time_limit``), chosen by timing heart,
  arrhythmia, spam7 and chile; a fit that hits it keeps its best tree, status ``time limit``.
- GOSDT: ``ThresholdGuessBinarizer`` fixed for multi-class (it keeps only the first class's
  stumps): thresholds from the stumps of every class of the same GBDT (40 stumps, as in its
  README), at most 64 of them (single-split Gini gain); its column elimination (one GBDT refit
  per dropped threshold, 27 of 42 s per fit on skulls) is off (``column_elimination=False``).
- GOSDT: reference (warm) labels from the experiment's teacher instead of the README's GBDT;
  rows of a class the teacher never predicts keep their own label (``y_ref`` must hold every
  class); ``depth_budget=4`` (gives depth ≤ 4 in gosdt 1.0.4, checked), ``regularization``
  0.001 raised to 1/n as gosdt itself does, ``similar_support=False`` as in the README.
- GOSDT: ``GOSDTClassifier.predict`` passes ``force_all_finite`` (removed in scikit-learn
  1.8) and raises, so predictions come from its fitted ``trees_[0]``.
- HSTree: ``HSTreeClassifierCV``'s λ grid (0, 0.1, 1, 10, 50, 100, 500), 3 folds and log-loss
  criterion around the experiment's depth-4 CART, but its cross-validation redone here with
  shuffled stratified folds and log loss over all classes (its own unshuffled ``KFold``
  raises when a fold misses a class); the chosen λ then shrinks the tree fitted on all rows.
- FIGS: ``FIGSClassifier(max_rules=15)``; multi-class natively (one output per class).
"""

from __future__ import annotations

import contextlib
import copy
import io
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from crembo._compat import validate_data
from crembo.datasets import MissingExtraError

_MAX_SEED = np.iinfo(np.int32).max
#: Per-fit time limit (seconds) of the optimal-tree solvers.
TIME_LIMIT = 10
#: Thin binarization: thresholds per numeric column and binary columns in all.
N_THRESHOLDS = 8
MAX_BINARY_FEATURES = 256

STATUS_OK = "ok"
STATUS_TIME_LIMIT = "time limit"


class PeerTimeout(TimeoutError):
    """A solver hit its time limit without any tree to return."""


def _require(module: str):
    """Import an optional package of the ``peers`` extra, or say which extra brings it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"the peer methods need {module.split('.')[0]}, which is not installed "
            f"({exc}): pip install 'crembo[peers]'.",
            name=module,
        ) from exc


def _quiet():
    """The solvers print warnings on stdout (time limits, small regularization)."""
    return contextlib.redirect_stdout(io.StringIO())


def _fitted_teacher(teacher, X, y, seed):
    """The teacher as given when fitted, else a fitted clone."""
    if teacher is None:
        raise ValueError("teacher: this method needs a teacher (a fitted classifier).")
    try:
        check_is_fitted(teacher)
        return teacher
    except NotFittedError:
        t = clone(teacher)
        if "random_state" in t.get_params():
            t.set_params(random_state=seed)
        return t.fit(X, y)


def _teacher_labels(teacher, X, classes):
    """The teacher's predictions as indices into ``classes``."""
    pred = np.asarray(teacher.predict(X))
    idx = np.searchsorted(classes, pred)
    if np.any(idx >= classes.size) or np.any(classes[np.minimum(idx, classes.size - 1)] != pred):
        raise ValueError("teacher: predicts labels that are not in y.")
    return idx


def gini_gain(B, y, n_classes) -> np.ndarray:
    """Gini impurity decrease of the split on each 0/1 column of ``B`` (vectorized)."""
    Y = np.eye(n_classes)[y]
    ones = B.T.astype(float) @ Y  # (n_columns, n_classes): class counts where the column is 1
    zeros = Y.sum(axis=0) - ones
    n = y.size

    def impurity(counts):
        m = counts.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            g = 1.0 - ((counts / m[..., None]) ** 2).sum(axis=-1)
        return np.where(m > 0, g, 0.0), m

    g1, m1 = impurity(ones)
    g0, m0 = impurity(zeros)
    g, _ = impurity(Y.sum(axis=0))
    return g - (m1 * g1 + m0 * g0) / n


class ThinBinarizer:
    """``x <= t`` columns: at most ``n_thresholds`` quantile thresholds per numeric column,
    0/1 columns kept as they are, at most ``max_features`` columns (best single-split Gini
    gain on the training rows, ties to the earlier column)."""

    def __init__(self, n_thresholds=N_THRESHOLDS, max_features=MAX_BINARY_FEATURES):
        self.n_thresholds = n_thresholds
        self.max_features = max_features

    def fit(self, X, y, n_classes):
        q = np.arange(1, self.n_thresholds + 1) / (self.n_thresholds + 1)
        quant = np.quantile(X, q, axis=0, method="lower")  # thresholds that occur in the data
        cols, thr = [], []
        for j in range(X.shape[1]):
            values = np.unique(X[:, j])
            if values.size <= 1:
                continue  # constant: no split
            if np.isin(values, (0.0, 1.0)).all():
                cols.append(j), thr.append(0.5)
                continue
            t = np.unique(quant[:, j])
            t = t[t < values[-1]]  # x <= max is always true
            cols.extend([j] * t.size), thr.extend(t)
        self.columns_, self.thresholds_ = np.asarray(cols, dtype=int), np.asarray(thr)
        if self.columns_.size == 0:  # every column constant: one always-true column
            self.columns_, self.thresholds_ = np.zeros(1, dtype=int), np.array([np.inf])
        if self.columns_.size > self.max_features:
            gain = gini_gain(self.transform(X), y, n_classes)
            keep = np.sort(np.argsort(-gain, kind="stable")[: self.max_features])
            self.columns_, self.thresholds_ = self.columns_[keep], self.thresholds_[keep]
        return self

    def transform(self, X):
        return (X[:, self.columns_] <= self.thresholds_).astype(np.int32)


class _Peer(ClassifierMixin, BaseEstimator):
    """Shared checks: float input, labels encoded as ``0..c-1`` in ``classes_`` order."""

    def _start(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError("y: need at least 2 classes; got one class.")
        seed = int(check_random_state(self.random_state).randint(_MAX_SEED))
        return X, y_idx, seed

    def _check(self, X):
        check_is_fitted(self, "classes_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def predict(self, X):
        """Predicted class labels."""
        return self.classes_[self._predict_index(self._check(X))]


class STreeDPeer(_Peer):
    """STreeD optimal classification tree of depth ``max_depth`` (``pystreed``).

    Parameters
    ----------
    teacher : classifier or None, default=None
        None: fitted to the labels (``STreeD``); a classifier (fitted, or fitted here): to its
        predicted labels (``STreeD-VT``).
    max_depth : int, default=4
    time_limit : float, default=10
        Seconds per fit; at the limit the best tree found so far is kept (status
        ``"time limit"``).
    n_thresholds, max_binary_features : int, default=8, 256
        Thin binarization (:class:`ThinBinarizer`).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_, binarizer_, tree_ (the fitted ``pystreed.STreeDClassifier``), status_

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> STreeDPeer(max_depth=2).fit(X, y).score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        teacher=None,
        max_depth=4,
        time_limit=TIME_LIMIT,
        n_thresholds=N_THRESHOLDS,
        max_binary_features=MAX_BINARY_FEATURES,
        random_state=None,
    ):
        self.teacher = teacher
        self.max_depth = max_depth
        self.time_limit = time_limit
        self.n_thresholds = n_thresholds
        self.max_binary_features = max_binary_features
        self.random_state = random_state

    def fit(self, X, y):
        """Binarize, then search the optimal tree within the time limit."""
        pystreed = _require("pystreed")
        X, y_idx, seed = self._start(X, y)
        target = y_idx
        if self.teacher is not None:
            teacher = _fitted_teacher(self.teacher, X, self.classes_[y_idx], seed)
            target = _teacher_labels(teacher, X, self.classes_)
        self.binarizer_ = ThinBinarizer(self.n_thresholds, self.max_binary_features)
        B = self.binarizer_.fit(X, target, self.classes_.size).transform(X)
        tree = pystreed.STreeDClassifier(
            max_depth=self.max_depth, time_limit=self.time_limit, random_seed=seed % 2**31
        )
        with _quiet(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            tree.fit(B, target)
        if not tree.is_fitted():
            raise PeerTimeout(f"STreeD found no tree within {self.time_limit} s.")
        self.tree_ = tree
        self.status_ = STATUS_OK if tree.fit_result.is_optimal() else STATUS_TIME_LIMIT
        return self

    def _predict_index(self, X):
        return np.asarray(self.tree_.predict(self.binarizer_.transform(X)), dtype=int)

    def get_n_leaves(self) -> int:
        return int(self.tree_.get_n_leaves())

    def get_depth(self) -> int:
        return int(self.tree_.get_depth())


def _threshold_guess(X, y, n_estimators, max_depth, seed, max_features, eliminate=False):
    """gosdt's threshold guessing for any number of classes: the thresholds of the GBDT's
    stumps of *every* class (gosdt 1.0.4 reads only ``estimators_[:, 0]``), at most
    ``max_features`` of them (single-split Gini gain), then, with ``eliminate``, gosdt's own
    column elimination. Returns (columns, thresholds)."""
    from sklearn.ensemble import GradientBoostingClassifier

    gosdt = _require("gosdt")
    gbdt = GradientBoostingClassifier(
        n_estimators=n_estimators, max_depth=max_depth, random_state=seed
    ).fit(X, y)
    pairs = set()
    for est in gbdt.estimators_.ravel():
        inner = est.tree_.feature >= 0
        pairs.update(
            zip(est.tree_.feature[inner].tolist(), est.tree_.threshold[inner].tolist(), strict=True)
        )
    pairs = sorted(pairs)
    if not pairs:
        return np.zeros(1, dtype=int), np.array([np.inf])
    cols = np.array([j for j, _ in pairs])
    thr = np.array([t for _, t in pairs])
    B = (X[:, cols] <= thr).astype(float)
    if cols.size > max_features:  # by single-split Gini gain, before the elimination
        gain = gini_gain(B, y, int(y.max()) + 1)
        keep = np.sort(np.argsort(-gain, kind="stable")[:max_features])
        cols, thr, B = cols[keep], thr[keep], B[:, keep]
    if not eliminate:
        return cols, thr
    enc = gosdt.ThresholdGuessBinarizer(
        n_estimators=n_estimators, max_depth=max_depth, random_state=seed
    )
    enc.feature_names_in_, enc.n_features_in_ = [f"x{j}" for j in range(X.shape[1])], X.shape[1]
    clf = GradientBoostingClassifier(
        n_estimators=n_estimators, max_depth=max_depth, random_state=seed
    )
    kept = enc._ThresholdGuessBinarizer__column_elimination(
        B, y, list(zip(cols, thr, strict=True)), clf
    )
    kept = sorted(kept)
    return np.array([j for j, _ in kept], dtype=int), np.array([t for _, t in kept])


def _gosdt_tree_shape(node) -> tuple[int, int]:
    """(leaves, depth) of a gosdt tree."""
    if not hasattr(node, "left_child"):
        return 1, 0
    ll, ld = _gosdt_tree_shape(node.left_child)
    rl, rd = _gosdt_tree_shape(node.right_child)
    return ll + rl, 1 + max(ld, rd)


class GOSDTPeer(_Peer):
    """GOSDT with threshold guessing and the teacher's labels as reference (``gosdt``).

    Parameters
    ----------
    teacher : classifier or None, default=None
        Reference model for the lower-bound guess (fitted, or fitted here); None: the GBDT
        of gosdt's README (40 stumps).
    max_depth : int, default=4
        ``depth_budget``.
    regularization : float, default=0.001
        Penalty per leaf; raised to 1/n as gosdt does.
    time_limit : int, default=10
    n_estimators, gbdt_max_depth : int, default=40, 1
        The threshold-guessing GBDT.
    max_thresholds : int, default=64
        Thresholds kept (single-split Gini gain on the training rows).
    column_elimination : bool, default=False
        gosdt's column elimination after the guess (``ThresholdGuessBinarizer``'s default):
        one GBDT refit per threshold dropped, most of GOSDT's time (27 of 42 s on skulls).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_, columns_, thresholds_ (the binarization), tree_ (gosdt's ``Tree``), status_
    """

    def __init__(
        self,
        teacher=None,
        max_depth=4,
        regularization=0.001,
        time_limit=TIME_LIMIT,
        n_estimators=40,
        gbdt_max_depth=1,
        max_thresholds=64,
        column_elimination=False,
        random_state=None,
    ):
        self.teacher = teacher
        self.max_depth = max_depth
        self.regularization = regularization
        self.time_limit = time_limit
        self.n_estimators = n_estimators
        self.gbdt_max_depth = gbdt_max_depth
        self.max_thresholds = max_thresholds
        self.column_elimination = column_elimination
        self.random_state = random_state

    def fit(self, X, y):
        """Guess thresholds, take reference labels, search the sparse optimal tree."""
        gosdt = _require("gosdt")
        X, y_idx, seed = self._start(X, y)
        self.columns_, self.thresholds_ = _threshold_guess(
            X,
            y_idx,
            self.n_estimators,
            self.gbdt_max_depth,
            seed,
            self.max_thresholds,
            self.column_elimination,
        )
        B = self._binarize(X)
        if self.teacher is not None:
            teacher = _fitted_teacher(self.teacher, X, self.classes_[y_idx], seed)
            ref = _teacher_labels(teacher, X, self.classes_)
        else:
            from sklearn.ensemble import GradientBoostingClassifier

            ref = (
                GradientBoostingClassifier(
                    n_estimators=self.n_estimators, max_depth=self.gbdt_max_depth, random_state=seed
                )
                .fit(B, y_idx)
                .predict(B)
            )
        missing = ~np.isin(y_idx, ref)
        ref = np.where(missing, y_idx, ref)  # y_ref must hold every class of y
        clf = gosdt.GOSDTClassifier(
            regularization=max(self.regularization, 1.0 / y_idx.size),
            similar_support=False,
            depth_budget=self.max_depth,
            time_limit=int(np.ceil(self.time_limit)),
            verbose=False,
        )
        with _quiet():
            clf.fit(B, y_idx, y_ref=ref)
        if not clf.trees_:
            raise PeerTimeout(f"GOSDT returned no tree within {self.time_limit} s.")
        self.tree_ = clf.trees_[0]
        timed_out = clf.result_.status == gosdt.Status.TIMEOUT
        self.status_ = STATUS_TIME_LIMIT if timed_out else STATUS_OK
        self.n_leaves_, self.depth_ = _gosdt_tree_shape(self.tree_.tree)
        return self

    def _binarize(self, X):
        return X[:, self.columns_] <= self.thresholds_

    def _predict_index(self, X):
        return np.asarray(self.tree_.predict(self._binarize(X)), dtype=int)

    def get_n_leaves(self) -> int:
        return int(self.n_leaves_)

    def get_depth(self) -> int:
        return int(self.depth_)


class HSTreePeer(_Peer):
    """Hierarchical shrinkage of a depth-4 CART, λ by cross-validation (``imodels``).

    Parameters
    ----------
    estimator : DecisionTreeClassifier or None, default=None
        The tree to shrink (cloned); None: ``DecisionTreeClassifier(max_depth=4)``.
    reg_param_list : sequence of float, default=(0, 0.1, 1, 10, 50, 100, 500)
        ``HSTreeClassifierCV``'s grid.
    cv : int, default=3
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_, reg_param_ (the chosen λ), scores_ (mean validation log loss per λ),
    estimator_ (the fitted ``imodels.HSTreeClassifier``), status_
    """

    def __init__(
        self, estimator=None, reg_param_list=(0, 0.1, 1, 10, 50, 100, 500), cv=3, random_state=None
    ):
        self.estimator = estimator
        self.reg_param_list = reg_param_list
        self.cv = cv
        self.random_state = random_state

    def fit(self, X, y):
        """Choose λ on shuffled stratified folds, then shrink the tree fitted on all rows."""
        _require("six")
        imodels = _require("imodels")
        X, y_idx, seed = self._start(X, y)
        base = DecisionTreeClassifier(max_depth=4) if self.estimator is None else self.estimator
        base = clone(base).set_params(random_state=seed)
        lambdas = list(self.reg_param_list)
        labels = np.arange(self.classes_.size)
        scores = np.zeros(len(lambdas))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # classes rarer than the folds
            folds = StratifiedKFold(self.cv, shuffle=True, random_state=seed).split(X, y_idx)
            for tr, va in folds:
                # as HSTreeClassifierCV: one tree per fold, shrunk copies per λ
                tree = clone(base).fit(X[tr], y_idx[tr])
                for i, lam in enumerate(lambdas):
                    hs = imodels.HSTreeClassifier(copy.deepcopy(tree), reg_param=lam)
                    P = np.zeros((va.size, labels.size))
                    shrunk = hs.estimator_.predict_proba(X[va])
                    P[:, tree.classes_.astype(int)] = _normalized(shrunk)
                    scores[i] += _log_loss(y_idx[va], P)
        self.scores_ = scores / self.cv
        self.reg_param_ = lambdas[int(np.argmin(self.scores_))]
        self.estimator_ = imodels.HSTreeClassifier(clone(base), reg_param=self.reg_param_)
        self.estimator_.fit(X, y_idx)
        self.status_ = STATUS_OK
        return self

    def _proba(self, X):
        P = np.zeros((X.shape[0], self.classes_.size))
        P[:, self.estimator_.estimator_.classes_.astype(int)] = self.estimator_.predict_proba(X)
        return P

    def predict_proba(self, X):
        """Shrunk leaf probabilities, columns in ``classes_`` order."""
        return self._proba(self._check(X))

    def _predict_index(self, X):
        return self._proba(X).argmax(axis=1)

    def get_n_leaves(self) -> int:
        return int(self.estimator_.estimator_.get_n_leaves())

    def get_depth(self) -> int:
        return int(self.estimator_.estimator_.get_depth())


def _normalized(P):
    """imodels' clean-up of shrunk probabilities: clipped to [0, 1], rows summing to 1."""
    P = np.clip(P, 0, 1)
    total = P.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, P / total, 1 / P.shape[1])


def _log_loss(y, P) -> float:
    """Mean log loss over all classes (a class missing from a fold is scored, not refused);
    scikit-learn's ``log_loss``, without its checks that cost more than the tree."""
    return float(-np.log(np.clip(P[np.arange(y.size), y], 1e-15, 1)).mean())


class FIGSPeer(_Peer):
    """FIGS: a sum of trees with at most ``max_rules`` splits in all (``imodels``).

    Parameters
    ----------
    max_rules : int, default=15
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_, estimator_ (the fitted ``imodels.FIGSClassifier``), status_
    """

    def __init__(self, max_rules=15, random_state=None):
        self.max_rules = max_rules
        self.random_state = random_state

    def fit(self, X, y):
        """Grow the trees greedily, one split at a time."""
        _require("six")
        imodels = _require("imodels")
        X, y_idx, seed = self._start(X, y)
        self.estimator_ = imodels.FIGSClassifier(max_rules=self.max_rules, random_state=seed)
        with _quiet():
            self.estimator_.fit(X, y_idx)
        self.status_ = STATUS_OK
        return self

    def _predict_index(self, X):
        return np.asarray(self.estimator_.predict(X), dtype=int)

    def get_n_splits(self) -> int:
        return int(self.estimator_.complexity_)

    def get_n_leaves(self) -> int:
        """Leaves over all of its trees (splits + trees)."""
        return int(self.estimator_.complexity_ + len(self.estimator_.trees_))


def _built(make, *modules):
    """A builder that imports the peer's libraries first (outside the timed fit; a missing
    one is a setup error that names the extra)."""

    def build(teacher, student, rs, **_):
        for module in modules:
            _require(module)
        return make(teacher, student, rs)

    return build


#: name -> builder(teacher, student, random_state) of the peers, part of experiments' METHODS.
PEERS = {
    "STreeD": _built(lambda t, s, rs: STreeDPeer(random_state=rs), "pystreed"),
    "STreeD-VT": _built(lambda t, s, rs: STreeDPeer(t, random_state=rs), "pystreed"),
    "GOSDT": _built(lambda t, s, rs: GOSDTPeer(t, random_state=rs), "gosdt"),
    "HSTree": _built(lambda t, s, rs: HSTreePeer(s, random_state=rs), "six", "imodels"),
    "FIGS": _built(lambda t, s, rs: FIGSPeer(random_state=rs), "six", "imodels"),
}

"""Beliefs: what a teacher thinks of every point, as an (n × c) matrix of shares.

A belief row is non-negative and sums to one. Bagging-type ensembles give the share of
members voting for each class (hard votes); any probabilistic classifier gives its
``predict_proba``; a callable or an array can be given directly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import is_regressor
from sklearn.ensemble import BaggingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from crembo._compat import BaseForest, forest_in_bag_indices, tree_apply
from crembo._validation import check_belief

KINDS = ("auto", "votes", "proba", "oob")


def is_bagging_ensemble(teacher) -> bool:
    """Whether ``teacher`` is an ensemble whose members vote (forests, bagging)."""
    return isinstance(teacher, BaseForest | BaggingClassifier) and not is_regressor(teacher)


def votes_to_belief(votes, n_classes, weights=None) -> np.ndarray:
    """Turn an (n × m) matrix of member votes (class indices) into vote shares.

    ``weights`` (n × m, optional) says which votes count; rows whose weights are all zero
    get all votes (the caller counts those).
    """
    votes = np.asarray(votes, dtype=np.intp)
    n, m = votes.shape
    offsets = votes + n_classes * np.arange(n)[:, None]
    w = None if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    counts = np.bincount(offsets.ravel(), weights=w, minlength=n * n_classes)
    counts = counts.reshape(n, n_classes).astype(np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    empty = totals[:, 0] == 0
    if empty.any():
        counts[empty] = votes_to_belief(votes[empty], n_classes)
        totals[empty] = 1.0
    return counts / totals


#: Rows per block of the vote count: the votes of one block (rows × members) are all that is
#: held at once, instead of an (n × members) matrix (0.8 GB at a million rows, 100 trees).
VOTE_BLOCK_ROWS = 65_536


def member_votes(ensemble, X, n_jobs=None) -> np.ndarray:
    """Class index (into ``ensemble.classes_``) voted by each member: an (n × m) array."""
    check_is_fitted(ensemble)
    if getattr(ensemble, "n_outputs_", 1) != 1:
        raise ValueError("teacher: multi-output ensembles are not supported.")
    X = _as_float32(X)
    members = ensemble.estimators_
    cols = Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_member_vote)(ensemble, i, X) for i in range(len(members))
    )
    return np.column_stack(cols)


def vote_shares(ensemble, X, n_jobs=None) -> np.ndarray:
    """Share of the members voting for each class: ``votes_to_belief(member_votes(...))``.

    The same numbers, counted in blocks of :data:`VOTE_BLOCK_ROWS` rows (in parallel
    threads: the trees' traversal releases the GIL), so memory stays at one block's votes.
    """
    check_is_fitted(ensemble)
    if getattr(ensemble, "n_outputs_", 1) != 1:
        raise ValueError("teacher: multi-output ensembles are not supported.")
    n = _n_rows(X)
    if n <= VOTE_BLOCK_ROWS:
        return votes_to_belief(member_votes(ensemble, X, n_jobs), len(ensemble.classes_))
    c = len(ensemble.classes_)
    starts = range(0, n, VOTE_BLOCK_ROWS)

    def block(start):
        Xb = _as_float32(X[start : start + VOTE_BLOCK_ROWS])
        votes = np.column_stack(
            [_member_vote(ensemble, i, Xb) for i in range(len(ensemble.estimators_))]
        )
        return votes_to_belief(votes, c)

    parts = Parallel(n_jobs=n_jobs, prefer="threads")(delayed(block)(s) for s in starts)
    return np.concatenate(parts)


def _member_vote(ensemble, i, X) -> np.ndarray:
    """Class index voted by member ``i`` at each row of ``X`` (float32, C-contiguous)."""
    member = ensemble.estimators_[i]
    features = getattr(ensemble, "estimators_features_", None)
    Xm = X if features is None else X[:, features[i]]
    # Members are fitted on the ensemble's encoded labels, so their own classes_
    # hold ensemble class indices (a member may have seen only some of them).
    if hasattr(member, "tree_"):
        # the class each node votes for, looked up by leaf: what argmax of
        # tree_.predict gives, without an (n × classes) array per member
        node_class = member.tree_.value[:, 0, :].argmax(axis=1)
        leaf_class = node_class[tree_apply(member, Xm)]
        return np.asarray(member.classes_)[leaf_class].astype(np.intp)
    return np.asarray(member.predict(Xm)).astype(np.intp)


def out_of_bag_mask(ensemble, n_samples) -> np.ndarray:
    """(n × m) boolean matrix: True where member m did not see training row i."""
    members = ensemble.estimators_
    mask = np.zeros((n_samples, len(members)), dtype=bool)
    if isinstance(ensemble, BaseForest):
        if not ensemble.bootstrap:
            return mask
        # the forest's own draws, one member at a time (sample and class weights included)
        drawn = forest_in_bag_indices(ensemble)
    else:
        drawn = ensemble.estimators_samples_
    for j, samples in enumerate(drawn):
        mask[:, j] = True
        mask[samples, j] = False
    return mask


def out_of_bag_belief(ensemble, X, n_jobs=None):
    """Vote shares from members that did not train on each row.

    ``X`` must be the exact training matrix of ``ensemble``. Returns ``(belief, n_fallback)``:
    rows that every member trained on fall back to all members, and are counted.
    """
    votes = member_votes(ensemble, X, n_jobs=n_jobs)
    mask = out_of_bag_mask(ensemble, votes.shape[0])
    n_fallback = int((~mask.any(axis=1)).sum())
    return votes_to_belief(votes, len(ensemble.classes_), weights=mask), n_fallback


def belief_from(teacher, X, kind: str = "auto", *, n_jobs=None, temperature=1.0) -> np.ndarray:
    """Belief matrix of ``teacher`` on ``X``.

    Parameters
    ----------
    teacher : fitted classifier, callable or array-like of shape (n_samples, n_classes)
        A bagging-type ensemble (votes), any classifier with ``predict_proba``, a callable
        returning probabilities for ``X``, or the belief matrix itself.
    X : array-like of shape (n_samples, n_features)
        Points to evaluate; ignored when ``teacher`` is an array.
    kind : {"auto", "votes", "proba", "oob"}, default="auto"
        ``"auto"`` uses votes for bagging-type ensembles and ``predict_proba`` otherwise.
        ``"oob"`` gives out-of-bag votes; ``X`` must then be the ensemble's training data.
    n_jobs : int, default=None
        Threads used to query ensemble members.
    temperature : float, default=1.0
        Torch teachers only (an ``nn.Module`` returning logits, or a fitted
        ``crembo.nets.TorchClassifier``): the belief is ``softmax(logits / temperature)``.

    Returns
    -------
    belief : ndarray of shape (n_samples, n_classes)
        Validated: finite, non-negative rows summing to one, columns in the order of
        ``teacher.classes_``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")
    if _is_torch_teacher(teacher):  # imported lazily: torch is an optional extra
        from crembo.nets.belief import torch_belief

        b = torch_belief(teacher, X, temperature=temperature)
        return check_belief(b, n_rows=_n_rows(X), name="softmax(teacher(X) / temperature)")
    if temperature != 1.0:
        raise ValueError("temperature applies to torch teachers only; got a non-torch teacher.")
    if isinstance(teacher, np.ndarray | list | tuple) or hasattr(teacher, "__array__"):
        return check_belief(teacher, name="teacher (belief array)")
    n_rows = _n_rows(X)
    if callable(teacher) and not hasattr(teacher, "fit"):
        return check_belief(_call(teacher, X), n_rows=n_rows, name="teacher(X)")
    _check_fitted_teacher(teacher)
    if kind == "auto":
        kind = "votes" if is_bagging_ensemble(teacher) else "proba"
    if kind in ("votes", "oob"):
        if not is_bagging_ensemble(teacher):
            raise TypeError(
                f"teacher: kind={kind!r} needs a bagging-type ensemble (random forest, extra "
                f"trees, bagging); got {type(teacher).__name__}."
            )
        # members are queried without the ensemble's own input checks: do them here
        _check_vote_input(teacher, X)
        if kind == "oob":
            return check_belief(out_of_bag_belief(teacher, X, n_jobs)[0], name="oob belief")
        return vote_shares(teacher, X, n_jobs=n_jobs)
    if not hasattr(teacher, "predict_proba"):
        raise TypeError(
            f"teacher: {type(teacher).__name__} has no predict_proba and does not vote; "
            "give a probabilistic classifier, a bagging-type ensemble, a callable returning "
            "probabilities, or a belief array."
        )
    X = with_feature_names(teacher, X)
    return check_belief(teacher.predict_proba(X), n_rows=n_rows, name="teacher.predict_proba(X)")


def fit_teacher(teacher, X, y, sample_weight=None):
    """Fit ``teacher`` on ``(X, y)`` (with ``sample_weight`` where its fit takes them:
    :func:`crembo.weights.fit_with_weights`); returns ``(fitted, classes)``.

    ``classes`` are the labels of the belief's columns. A teacher that takes only the codes
    0..c-1 (XGBoost refuses string labels) is fitted on the codes of ``np.unique(y)`` when
    it refuses ``y`` itself; its ``classes_`` are then codes, and ``classes`` the labels.
    """
    from crembo.weights import fit_with_weights

    y = np.asarray(y)
    try:
        fitted = fit_with_weights(teacher, X, y, sample_weight)
    except ValueError:
        if np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.bool_):
            raise
        classes, codes = np.unique(y, return_inverse=True)
        fitted = fit_with_weights(teacher, X, codes, sample_weight)  # refused: its own error
        if not np.array_equal(np.asarray(fitted.classes_), np.arange(classes.size)):
            raise
        return fitted, classes
    return fitted, np.asarray(fitted.classes_)


def with_feature_names(teacher, X):
    """``X`` as a data frame with the teacher's column names, when it was fitted on one.

    The estimators validate ``X`` into a NumPy array; a teacher fitted on a data frame
    (LightGBM, XGBoost, a pipeline selecting columns by name) warns or fails on a plain
    array. Anything else is returned as it is.
    """
    names = getattr(teacher, "feature_names_in_", None)
    if names is None or not isinstance(X, np.ndarray) or X.ndim != 2:
        return X
    if X.shape[1] != len(names):
        return X  # the teacher's own check says what is wrong
    import pandas as pd  # the teacher was fitted on a data frame: pandas is there

    return pd.DataFrame(X, columns=list(names), copy=False)


BeliefFunction = Callable[[np.ndarray], np.ndarray]


def _call(fn: BeliefFunction, X):
    try:
        return fn(X)
    except Exception as exc:  # the user's function: say where it failed
        raise ValueError(f"teacher: the belief function raised {exc!r}.") from exc


def _check_fitted_teacher(teacher) -> None:
    try:
        check_is_fitted(teacher)
    except NotFittedError as exc:
        raise ValueError(
            f"teacher: {type(teacher).__name__} is not fitted; fit it first, or pass it to "
            "CREMBOClassifier, which fits it."
        ) from exc
    except TypeError as exc:
        raise TypeError(
            f"teacher: expected a classifier, a callable or an array; got {type(teacher)!r}."
        ) from exc


def _is_torch_teacher(teacher) -> bool:
    """A torch ``nn.Module`` (or a fitted estimator holding one in ``module_``), by its MRO."""
    module = getattr(teacher, "module_", teacher)
    return any(
        c.__name__ == "Module" and c.__module__.startswith("torch.nn") for c in type(module).__mro__
    )


def _check_vote_input(ensemble, X) -> None:
    """What ``ensemble.predict`` would refuse: not 2-D, no rows, other columns, infinity."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}.")
    if X.shape[0] == 0:
        raise ValueError("X has no rows; need at least one.")
    n_features = getattr(ensemble, "n_features_in_", X.shape[1])
    if X.shape[1] != n_features:
        raise ValueError(f"X has {X.shape[1]} features, but the teacher expects {n_features}.")
    if np.isinf(X).any():
        rows = np.flatnonzero(np.isinf(X).any(axis=1))
        raise ValueError(f"X contains infinity in {rows.size} row(s) (first: {rows[0]}).")


def _n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _as_float32(X) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(X, dtype=np.float32))

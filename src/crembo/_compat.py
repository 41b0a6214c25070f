"""Every private scikit-learn name crembo uses, in one place, for a tested version range.

scikit-learn may change its private API in any release, so crembo declares the range it is
tested with (:data:`SKLEARN_MIN` ≤ version < :data:`SKLEARN_BELOW`, the same range as the
``scikit-learn`` pin in ``pyproject.toml``) and refuses to import outside it. Each item
below says why crembo needs it and what the public equivalent is (``tests/test__compat.py``
checks each against that equivalent on the installed version).

The skops allow-list of :mod:`crembo.persist` names private modules too
(``sklearn.tree._classes.DecisionTreeClassifier``): those are data compared as strings, not
imports, and stay there.
"""

from __future__ import annotations

import re

import numpy as np
import sklearn

# --------------------------------------------------------------------- the version range
#: Lowest scikit-learn crembo's tests pass with. 1.6-1.8 run everything but one thing: their
#: trees fitted on data with NaN may hold NaN thresholds, which :func:`crembo.load` refuses
#: (1.9 writes +inf there); 1.5 lacks ``validate_data`` and ``get_tags``.
SKLEARN_MIN = (1, 9)
#: First scikit-learn crembo is not tested with (private names may change in any release).
SKLEARN_BELOW = (1, 10)
#: The range as a requirement string; ``pyproject.toml`` pins exactly this.
SKLEARN_REQUIREMENT = (
    f"scikit-learn>={'.'.join(map(str, SKLEARN_MIN))},<{'.'.join(map(str, SKLEARN_BELOW))}"
)


def check_sklearn_version(version: str) -> None:
    """Raise ImportError unless ``version`` is within the tested range."""
    m = re.match(r"(\d+)\.(\d+)", str(version))
    if m is None:
        raise ImportError(f"crembo: cannot read the scikit-learn version {version!r}.")
    found = (int(m[1]), int(m[2]))
    # a pre-release of the first untested version (1.10.dev0) is untested too
    if not SKLEARN_MIN <= found < SKLEARN_BELOW:
        raise ImportError(
            f"crembo needs {SKLEARN_REQUIREMENT} (the range it is tested with; it uses "
            f"private scikit-learn names, see crembo._compat); scikit-learn {version} is "
            f'installed. Install a version in that range: pip install "{SKLEARN_REQUIREMENT}".'
        )


check_sklearn_version(sklearn.__version__)

# Imported after the check: outside the range these may not exist, and the message above
# says why better than an ImportError from deep inside scikit-learn would.
# ---------------------------------------------------------------------------------- forests
# BaseForest: the one base class of the random forests and extra-trees (and third-party
# subclasses); there is no public one, and their members' votes are crembo's default belief.
from sklearn.ensemble._forest import BaseForest  # noqa: E402

# ------------------------------------------------------------------------- trees' internals
# Tree: the fitted node arrays of a decision tree. crembo builds trees from node arrays (the
# fast Gini tree's regressor nodes in classifier form, exported students); there is no public
# constructor.
from sklearn.tree._tree import Tree  # noqa: E402

# _safe_indexing: rows of an array, a data frame or a sparse matrix alike (the medoid student
# takes any of them); the public sklearn.utils.safe_indexing was removed in 0.24.
from sklearn.utils import _safe_indexing as safe_indexing  # noqa: E402

# ------------------------------------------------------- public names of the lower bound
# validate_data and get_tags are public since 1.6; crembo imports them from here so that an
# older scikit-learn meets the version check above rather than an ImportError from whichever
# crembo module happens to be imported first.
from sklearn.utils import get_tags  # noqa: E402

# ---------------------------------------------------------------------- parameter checking
# The constraint types of ``_parameter_constraints``: crembo's public estimators declare their
# parameters the way scikit-learn's do, so that the messages (and estimator checks) match;
# scikit-learn offers no public module for them.
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions  # noqa: E402
from sklearn.utils.validation import validate_data  # noqa: E402

__all__ = [
    "BaseForest",
    "HasMethods",
    "Interval",
    "SKLEARN_BELOW",
    "SKLEARN_MIN",
    "SKLEARN_REQUIREMENT",
    "StrOptions",
    "Tree",
    "build_tree",
    "check_sklearn_version",
    "fit_tree",
    "fit_tree_unchecked",
    "forest_in_bag_indices",
    "get_tags",
    "node_dtype",
    "safe_indexing",
    "tree_apply",
    "tree_decision_path",
    "tree_state",
    "tree_values",
    "validate_data",
    "validate_params",
]


def forest_in_bag_indices(forest):
    """Yield, per member of a fitted forest, the row indices its bootstrap drew (with repeats).

    Private: ``BaseForest._get_estimators_indices``, the generator behind the public
    ``estimators_samples_``, which builds every member's indices at once (members × rows
    integers: 800 MB for 100 trees on a million rows); this yields one member at a time.
    It draws as the forest's fit did (sample and class weights included, which scikit-learn
    1.9 uses in the draw; the sampling helpers' signatures changed then too). Without
    bootstrap, every member yields all rows.
    """
    yield from forest._get_estimators_indices()


def validate_params(estimator) -> None:
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    Private: ``BaseEstimator._validate_params``, what scikit-learn's own ``fit`` methods call
    first; crembo's estimators call it in their ``fit`` so that bad parameters read as they
    do in scikit-learn (public equivalent: none, ``fit`` does it internally).
    """
    estimator._validate_params()


def fit_tree(
    tree, X, y, *, sample_weight=None, check_input=True, missing_values_in_feature_mask=None
):
    """Fit a scikit-learn decision tree through its private ``_fit``.

    Private: ``BaseDecisionTree._fit``, which ``fit`` calls after validating the parameters;
    unlike ``fit`` it takes the mask of features with missing values, so a caller that has
    checked ``X`` once need not have it checked again. Public equivalent: ``tree.fit``.
    """
    return tree._fit(
        X,
        y,
        sample_weight=sample_weight,
        check_input=check_input,
        missing_values_in_feature_mask=missing_values_in_feature_mask,
    )


def fit_tree_unchecked(tree, X, y, sample_weight=None):
    """``tree.fit(X, y, sample_weight)`` without re-validating ``X`` (float32, 2-D).

    A search fits one tree per threshold on the same rows, and the tree's own checks (dtype
    conversion, finiteness, missing-value mask) cost a fair share of a small tree's fit.
    Finite ``X`` takes the public ``fit(check_input=False)``; with NaN, the mask of features
    with missing values is computed as ``fit`` does (private
    ``_compute_missing_values_in_feature_mask``, which also raises on infinity, or on NaN
    for a tree that cannot take it) and passed to :func:`fit_tree`.
    """
    X = np.asarray(X, dtype=np.float32)
    if np.isfinite(X).all():
        return tree.fit(X, y, sample_weight=sample_weight, check_input=False)
    if not hasattr(tree, "_compute_missing_values_in_feature_mask"):
        return tree.fit(X, y, sample_weight=sample_weight)
    validate_params(tree)
    missing = tree._compute_missing_values_in_feature_mask(X)
    return fit_tree(
        tree, X, y, sample_weight=sample_weight, check_input=False,
        missing_values_in_feature_mask=missing,
    )  # fmt: skip


def tree_apply(tree, X) -> np.ndarray:
    """Leaf index of every row for a fitted tree estimator; ``X`` float32, already checked.

    Private: the ``Tree`` object's ``apply`` (the node arrays' own method). Public equivalent:
    ``tree.apply(X, check_input=False)``, which still checks the number of features; the
    votes of a forest's 100 members and a search's thousands of small trees skip that.
    """
    return tree.tree_.apply(X)


def tree_values(tree, X) -> np.ndarray:
    """Leaf values ``tree.tree_.value[leaf]`` of every row; ``X`` float32, already checked.

    Shape (n, n_outputs, classes); (n, classes) for a single output.

    Private: the ``Tree`` object's ``predict``. Public equivalent: ``tree.tree_.value`` (a
    documented attribute) indexed by ``tree.apply(X)``; this does it in one pass.
    """
    return tree.tree_.predict(X)


def tree_decision_path(tree, X):
    """Sparse (rows × nodes) matrix of the nodes each row passes; ``X`` float32, checked.

    Private: the ``Tree`` object's ``decision_path``. Public equivalent:
    ``tree.decision_path(X)``, which validates ``X`` again.
    """
    return tree.tree_.decision_path(X)


def tree_state(tree) -> dict:
    """The node arrays of a fitted tree estimator: ``max_depth``, ``node_count``, ``nodes``,
    ``values`` (the form scikit-learn pickles a ``Tree`` in; private ``Tree.__getstate__``).

    Public equivalent: the ``tree_`` attributes (``children_left``, ``threshold``, ``value``…),
    one array per node field; the state holds them in one record array.
    """
    return tree.tree_.__getstate__()


def node_dtype() -> np.dtype:
    """The installed version's record type of tree nodes (private: ``Tree.__getstate__``)."""
    return Tree(1, np.array([2], dtype=np.intp), 1).__getstate__()["nodes"].dtype


def build_tree(n_features: int, n_classes, state: dict) -> Tree:
    """A scikit-learn ``Tree`` from node arrays (private ``Tree(...)``, ``Tree.__setstate__``).

    Parameters
    ----------
    n_features : int
    n_classes : array-like of int, shape (n_outputs,)
        Classes per output.
    state : dict
        ``max_depth``, ``node_count``, ``nodes`` (a record array) and ``values``
        (node_count, n_outputs, max classes). Node fields are copied by name into the
        installed version's record type (``missing_go_to_left`` exists since 1.3), so nodes
        from another version (an exported student) fit.

    Public equivalent: none (scikit-learn builds trees only by fitting them).
    """
    n_classes = np.asarray(n_classes, dtype=np.intp)
    tree = Tree(int(n_features), n_classes, int(n_classes.size))
    nodes = state["nodes"]
    target = node_dtype()
    if nodes.dtype != target:
        out = np.zeros(len(nodes), dtype=target)
        for name in target.names:
            if name in nodes.dtype.names:
                out[name] = nodes[name]
        nodes = out
    tree.__setstate__(
        {
            "max_depth": int(state["max_depth"]),
            "node_count": int(state["node_count"]),
            "nodes": nodes,
            "values": np.ascontiguousarray(state["values"], dtype=np.float64),
        }
    )
    return tree

"""Structural validators of every class a model file may build: the registry of savable classes.

Why one file of more than 500 lines: it is one registry, the allow-list itself, and a reader
must see every savable class and its check in one place to audit what a file can build.

:func:`crembo.load` builds a model from a file without running any of its code, then hands
every object of the model to the validator registered for its class (:data:`VALIDATORS`),
which checks what ``predict`` will rely on: array shapes, dtypes and ranges, child indices
forming a tree, feature indices below the estimator's ``n_features_in_``, class counts that
match the arrays, bounded ``n_jobs``, ``n_estimators``, ``n_classes_`` and layers, known
activations. A file that passes cannot make ``predict`` crash, hang, read outside its arrays
or allocate more than its data and its own size call for.

The registry *is* the allow-list of classes (:data:`crembo.persist.ALLOWED_OBJECTS` is its
keys): a class becomes savable by registering its validator here (:func:`validates`), in one
place, and a class without a validator cannot be loaded (fail closed).

Validators take the built object and raise :class:`Invalid` naming what is wrong; they change
nothing. Only NumPy is imported here.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

#: Most input features of any estimator (10^6; a wide one-hot CSV has ~10^5).
MAX_FEATURES = 1 << 20
#: Most classes of any classifier (crembo's CSV loader refuses more, see crembo.datasets).
MAX_CLASSES = 100_000
#: Most members of an ensemble (trees of a forest, outputs of a multi-output classifier,
#: bootstrap students); each costs a thread or a pass at predict.
MAX_ESTIMATORS = 10_000
#: Largest ``|n_jobs|`` a model may carry (it decides how many threads predict starts).
MAX_N_JOBS = 256
#: Most layers of a net (input and output included) and steps of a pipeline.
MAX_LAYERS = 64
MAX_STEPS = 32
#: Most nodes of a tree crembo checks outside scikit-learn's Tree (sum-of-trees members).
MAX_NODES = 1 << 24
#: Deepest an exact-tree student may be (its own parameter bound).
MAX_OPTIMAL_DEPTH = 10

_ACTIVATIONS = frozenset({"identity", "logistic", "tanh", "relu"})
_OUT_ACTIVATIONS = frozenset({"identity", "logistic", "softmax"})


class Invalid(Exception):
    """What is wrong with one object of a model (the loader names the file)."""


#: ``module.Class`` -> its validator. The keys are the classes a model file may build.
VALIDATORS: dict[str, Callable[[object], None]] = {}


def validates(*names: str):
    """Register the decorated function as the validator of the classes ``names``."""

    def register(func):
        for name in names:
            if name in VALIDATORS:
                raise RuntimeError(f"two validators for {name}")
            VALIDATORS[name] = func
        return func

    return register


def qualname(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def check_object(obj) -> None:
    """Run the checks every estimator shares, then its class's validator (if registered)."""
    try:
        _check_object(obj)
    except Invalid:
        raise
    except Exception as exc:  # a validator reading a malformed neighbour: fail closed
        raise Invalid(f"malformed ({type(exc).__name__}: {exc})") from None


def _check_object(obj) -> None:
    attrs = vars(obj)
    if "n_jobs" in attrs and attrs["n_jobs"] is not None:
        _int(attrs["n_jobs"], "n_jobs", -MAX_N_JOBS, MAX_N_JOBS)
    for name in ("n_features_in_",):
        if name in attrs:
            _int(attrs[name], name, 1, MAX_FEATURES)
    VALIDATORS[qualname(obj)](obj)


def n_features(est) -> int | None:
    """The number of features ``est`` takes, or None where it does not say."""
    n = vars(est).get("n_features_in_") if hasattr(est, "__dict__") else None
    if n is not None:
        return n
    for inner in ("estimator_", "student_"):
        child = vars(est).get(inner) if hasattr(est, "__dict__") else None
        if child is not None:
            return n_features(child)
    steps = vars(est).get("steps") if hasattr(est, "__dict__") else None
    if isinstance(steps, list) and steps and isinstance(steps[0], tuple) and len(steps[0]) == 2:
        return n_features(steps[0][1])
    return None


# ------------------------------------------------------------------------------ helpers


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _int(v, name, lo, hi) -> int:
    if not _is_int(v) or not lo <= v <= hi:
        raise Invalid(f"{name}={v!r} (expected an integer in {lo}..{hi})")
    return int(v)


def _fitted(obj, key: str) -> bool:
    """Whether ``obj`` is fitted (has ``key``); an object with some fitted attributes but not
    ``key`` is refused (its predict would pass the fitted check and fail on ``key``)."""
    if key in vars(obj):
        return True
    learned = sorted(k for k in vars(obj) if k.endswith("_") and not k.startswith("_"))
    if learned:
        raise Invalid(f"fitted attributes ({', '.join(learned[:3])}) without {key}")
    return False


def _attr(obj, name):
    try:
        return vars(obj)[name]
    except KeyError:
        raise Invalid(f"no {name}") from None


def _array(v, name, *, ndim=None, kinds="fiub", shape=None) -> np.ndarray:
    if not isinstance(v, np.ndarray) or v.dtype.kind not in kinds:
        raise Invalid(f"{name} is not an array of the expected kind")
    if ndim is not None and v.ndim != ndim:
        raise Invalid(f"{name} has {v.ndim} dimensions, expected {ndim}")
    if shape is not None and v.shape != tuple(shape):
        raise Invalid(f"{name} of shape {v.shape}, expected {tuple(shape)}")
    return v


def _classes(v, name="classes_") -> np.ndarray:
    """Class labels: a 1-D array of at most MAX_CLASSES distinct values."""
    a = _array(v, name, ndim=1, kinds="fiubUSO")
    if not 1 <= a.size <= MAX_CLASSES:
        raise Invalid(f"{name} of {a.size} classes (1..{MAX_CLASSES})")
    if a.dtype.kind == "O" and not all(isinstance(c, (str, numbers.Number)) for c in a):
        raise Invalid(f"{name} holds values that are neither text nor numbers")
    return a


def _indices(v, name, n_classes) -> np.ndarray:
    """``arange(n_classes)``: the class indices allowed-label students predict."""
    a = _classes(v, name)
    if a.dtype.kind not in "iu" or not np.array_equal(a, np.arange(a.size)):
        raise Invalid(f"{name} is not 0..n_classes-1")
    if n_classes is not None and a.size != n_classes:
        raise Invalid(f"{name} of {a.size} classes, expected {n_classes}")
    return a


def _same_features(parent, child, what) -> None:
    n_parent, n_child = n_features(parent), n_features(child)
    if n_child is not None and n_child != n_parent:
        raise Invalid(f"n_features_in_={n_parent!r} holding {what} fitted on {n_child} features")


def _require(obj, name, *allowed) -> object:
    """Attribute ``name`` whose class is one of ``allowed`` (validated on its own)."""
    v = _attr(obj, name)
    if qualname(v) not in allowed:
        raise Invalid(f"{name} is a {type(v).__name__}, expected {' or '.join(allowed)}")
    return v


def _one_of(v, name, options) -> None:
    if not isinstance(v, str) or v not in options:
        raise Invalid(f"{name}={v!r} (expected one of {', '.join(sorted(options))})")


# ------------------------------------------------------------------------- tree structure


def tree_shape_problem(left, right, n_nodes: int) -> str | None:
    """Children numbered after their parents, each node but the root the child of one node.

    That makes the nodes a tree with no cycle, every walk from the root ends at a leaf.
    """
    leaf = left == -1
    if not np.array_equal(leaf, right == -1):
        return "a node with one child"
    idx = np.arange(n_nodes)
    inner = ~leaf
    for child in (left, right):
        if np.any((child[inner] <= idx[inner]) | (child[inner] >= n_nodes)):
            return "a child index out of range"
    refs = np.bincount(np.concatenate([left[inner], right[inner]]), minlength=n_nodes)
    if refs[0] != 0 or np.any(refs[1:] != 1):
        return "nodes shared by two parents or unreachable"
    return None


def tree_depth(left, right) -> int:
    """Depth of a valid tree (children after parents), by pointer jumping: O(n log n)."""
    n = left.size
    parent = np.zeros(n, dtype=np.intp)
    inner = np.flatnonzero(left != -1)
    parent[left[inner]] = inner
    parent[right[inner]] = inner
    dist = (np.arange(n) != 0).astype(np.int64)
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            break
        dist = dist + dist[parent] * (parent != 0)
        parent = up
    return int(dist.max(initial=0))


# ------------------------------------------------------------------- scikit-learn trees

_TREE_CLASSIFIERS = (
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.ExtraTreeClassifier",
    "crembo.students.tree_fast.GiniRegressionTree",
)
_TREE_REGRESSORS = (
    "sklearn.tree._classes.DecisionTreeRegressor",
    "sklearn.tree._classes.ExtraTreeRegressor",
)


def _fitted_tree(obj):
    """The estimator's ``tree_`` (already checked node by node when it was built)."""
    tree = _attr(obj, "tree_")
    if qualname(tree) != "sklearn.tree._tree.Tree":
        raise Invalid("tree_ is not a scikit-learn Tree")
    if n_features(obj) != tree.n_features:
        raise Invalid(
            f"n_features_in_={n_features(obj)!r} over a tree of {tree.n_features} features"
        )
    if _attr(obj, "n_outputs_") != tree.n_outputs:
        raise Invalid(f"n_outputs_={obj.n_outputs_!r} over a tree of {tree.n_outputs} outputs")
    return tree


@validates(*_TREE_CLASSIFIERS)
def _tree_classifier(obj) -> None:
    if not _fitted(obj, "tree_"):
        return  # an unfitted template (a forest's estimator_): predict refuses it
    tree = _fitted_tree(obj)
    counts = np.asarray(tree.n_classes)
    if counts.max(initial=0) > MAX_CLASSES:
        raise Invalid(f"a tree of {counts.max()} classes (at most {MAX_CLASSES})")
    classes, n_classes = _attr(obj, "classes_"), _attr(obj, "n_classes_")
    if tree.n_outputs == 1:
        if _classes(classes).size != counts[0] or n_classes != counts[0]:
            raise Invalid(f"classes_ / n_classes_ disagree with a tree of {counts[0]} classes")
        return
    if not isinstance(classes, list) or len(classes) != tree.n_outputs:
        raise Invalid(f"classes_ is not a list of {tree.n_outputs} outputs' classes")
    if [_classes(c).size for c in classes] != counts.tolist():
        raise Invalid("classes_ disagree with the tree's classes per output")
    if not np.array_equal(np.asarray(n_classes), counts):
        raise Invalid("n_classes_ disagrees with the tree")


@validates(*_TREE_REGRESSORS)
def _tree_regressor(obj) -> None:
    if not _fitted(obj, "tree_"):
        return
    tree = _fitted_tree(obj)
    if np.any(np.asarray(tree.n_classes) != 1):
        raise Invalid("a regression tree with classes")


@validates(
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.ExtraTreesClassifier",
)
def _forest(obj) -> None:
    _int(_attr(obj, "n_estimators"), "n_estimators", 1, MAX_ESTIMATORS)
    if not _fitted(obj, "estimators_"):
        return
    trees = _attr(obj, "estimators_")
    if not isinstance(trees, list) or len(trees) != obj.n_estimators:
        raise Invalid(f"estimators_ does not hold its n_estimators={obj.n_estimators} trees")
    kind = qualname(_attr(obj, "estimator_"))
    if kind not in _TREE_CLASSIFIERS:
        raise Invalid(f"estimator_ is a {kind}, not a classification tree")
    n_classes, n_outputs = _attr(obj, "n_classes_"), _attr(obj, "n_outputs_")
    _int(n_outputs, "n_outputs_", 1, MAX_CLASSES)
    if n_outputs == 1:
        _int(n_classes, "n_classes_", 1, MAX_CLASSES)
        if _classes(_attr(obj, "classes_")).size != n_classes:
            raise Invalid(f"classes_ of {obj.classes_.size} classes, n_classes_={n_classes}")
    for tree in trees:
        if qualname(tree) != kind or "tree_" not in vars(tree):
            raise Invalid(f"a member of estimators_ that is not a fitted {kind}")
        _same_features(obj, tree, "a tree")
        if tree.n_outputs_ != n_outputs:
            raise Invalid(
                f"a tree of {tree.n_outputs_} outputs in a forest of n_outputs_={n_outputs}"
            )
        if not np.array_equal(np.asarray(tree.n_classes_), np.asarray(n_classes)):
            raise Invalid(f"a tree of {tree.n_classes_!r} classes in a forest of {n_classes!r}")


# ---------------------------------------------------------------------- nets, pipelines


@validates("sklearn.neural_network._multilayer_perceptron.MLPClassifier")
def _mlp(obj) -> None:
    _one_of(_attr(obj, "activation"), "activation", _ACTIVATIONS)
    if not _fitted(obj, "coefs_"):
        return
    _one_of(_attr(obj, "out_activation_"), "out_activation_", _OUT_ACTIVATIONS)
    layers = _int(_attr(obj, "n_layers_"), "n_layers_", 2, MAX_LAYERS)
    coefs, intercepts = _attr(obj, "coefs_"), _attr(obj, "intercepts_")
    if not (isinstance(coefs, list) and isinstance(intercepts, list)):
        raise Invalid("coefs_ / intercepts_ are not lists")
    if len(coefs) != layers - 1 or len(intercepts) != layers - 1:
        raise Invalid(f"n_layers_={layers} with {len(coefs)} weight matrices")
    width = _attr(obj, "n_features_in_")
    for i, (w, b) in enumerate(zip(coefs, intercepts, strict=True)):
        _array(w, f"coefs_[{i}]", ndim=2, kinds="f")
        if w.shape[0] != width:
            raise Invalid(f"coefs_[{i}] of shape {w.shape} after a layer of {width}")
        width = w.shape[1]
        _array(b, f"intercepts_[{i}]", kinds="f", shape=(width,))
    if _attr(obj, "n_outputs_") != width:
        raise Invalid(f"n_outputs_={obj.n_outputs_!r} for an output layer of {width}")
    classes = _classes(_attr(obj, "classes_"))
    binarizer = _require(obj, "_label_binarizer", "sklearn.preprocessing._label.LabelBinarizer")
    if not np.array_equal(_classes(_attr(binarizer, "classes_")), classes):
        raise Invalid("_label_binarizer.classes_ differ from classes_")
    expected = 1 if binarizer.y_type_ == "binary" else classes.size
    if width != expected:
        raise Invalid(f"an output layer of {width} for {classes.size} classes")


@validates("sklearn.preprocessing._label.LabelBinarizer")
def _label_binarizer(obj) -> None:
    if not _fitted(obj, "classes_"):
        return
    classes = _classes(_attr(obj, "classes_"))
    _one_of(_attr(obj, "y_type_"), "y_type_", {"binary", "multiclass", "multilabel-indicator"})
    if (obj.y_type_ == "binary" and classes.size > 2) or (
        obj.y_type_ == "multiclass" and classes.size < 3
    ):
        raise Invalid(f"y_type_ {obj.y_type_!r} for {classes.size} classes")
    for name in ("neg_label", "pos_label"):
        _int(_attr(obj, name), name, -(2**31), 2**31)
    if _attr(obj, "sparse_output") is not False:
        raise Invalid("sparse_output must be False")


@validates("sklearn.preprocessing._label.LabelEncoder")
def _label_encoder(obj) -> None:
    if "classes_" in vars(obj):
        _classes(obj.classes_)


@validates("sklearn.preprocessing._data.StandardScaler")
def _scaler(obj) -> None:
    if "n_features_in_" not in vars(obj):
        return
    for name in ("mean_", "var_", "scale_"):
        v = _attr(obj, name)
        if v is not None:
            _array(v, name, kinds="f", shape=(obj.n_features_in_,))


@validates("sklearn.impute._base.SimpleImputer")
def _imputer(obj) -> None:
    _one_of(_attr(obj, "strategy"), "strategy", {"mean", "median", "most_frequent", "constant"})
    if _attr(obj, "add_indicator") is not False or vars(obj).get("indicator_") is not None:
        raise Invalid("a missing-value indicator (not in the allow-list)")
    if "n_features_in_" in vars(obj):
        _array(_attr(obj, "statistics_"), "statistics_", kinds="f", shape=(obj.n_features_in_,))


def _output_width(step) -> int | None:
    """Columns a transformer step passes on, where its class says."""
    name = qualname(step)
    if name == "sklearn.preprocessing._data.StandardScaler":
        return n_features(step)
    if name == "sklearn.impute._base.SimpleImputer" and "statistics_" in vars(step):
        if step.keep_empty_features or step.strategy == "constant":
            return n_features(step)
        return int(np.sum(~np.isnan(step.statistics_)))
    return None


@validates("sklearn.pipeline.Pipeline")
def _pipeline(obj) -> None:
    steps = _attr(obj, "steps")
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise Invalid(f"steps is not a list of 1..{MAX_STEPS} steps")
    for step in steps:
        if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)):
            raise Invalid("a step that is not a (name, estimator) pair")
    if not hasattr(steps[-1][1], "predict"):
        raise Invalid("the last step does not predict")
    if vars(obj).get("memory") is not None:
        raise Invalid("memory (a cache folder) must be None")
    for (_, a), (_, b) in zip(steps, steps[1:], strict=False):
        width, n_b = _output_width(a), n_features(b)
        if width is not None and n_b is not None and width != n_b:
            raise Invalid(f"a step passing {width} columns to a step fitted on {n_b}")


@validates("sklearn.multioutput.MultiOutputClassifier")
def _multi_output(obj) -> None:
    if not _fitted(obj, "estimators_"):
        return
    members = _attr(obj, "estimators_")
    if not isinstance(members, list) or not 1 <= len(members) <= MAX_ESTIMATORS:
        raise Invalid(f"estimators_ is not a list of 1..{MAX_ESTIMATORS} estimators")
    for est in members:
        if not hasattr(est, "predict_proba"):
            raise Invalid("a member without predict_proba")
        _same_features(obj, est, "an output's estimator")


@validates("sklearn.preprocessing._function_transformer.FunctionTransformer")
def _function_transformer(obj) -> None:
    """Loadable only with its function trusted by hand: what it returns is the truster's."""


# ------------------------------------------------------------------------------- crembo


def _student_classes(student) -> int | None:
    classes = vars(student).get("classes_")
    return None if classes is None else _classes(classes, "the student's classes_").size


@validates("crembo.estimator.CREMBOClassifier", "crembo.estimator.MEMOClassifier")
def _deep_hypothesis(obj) -> None:
    if not _fitted(obj, "student_"):
        return
    _attr(obj, "n_features_in_")
    classes = _classes(_attr(obj, "classes_"))
    student = _attr(obj, "student_")
    if not hasattr(student, "predict"):
        raise Invalid("student_ does not predict")
    # the student predicts indices into classes_
    _indices(_attr(student, "classes_"), "student_.classes_", classes.size)
    _same_features(obj, student, "a student")
    teacher = vars(obj).get("teacher_")
    if teacher is not None:
        _same_features(obj, teacher, "a teacher")


@validates("crembo.estimator.SurrogateClassifier", "crembo.surrogate.SurrogateClassifier")
def _surrogate(obj) -> None:
    if not _fitted(obj, "student_"):
        return
    classes = _classes(_attr(obj, "classes_"))
    if classes.size > 1 and not np.all(classes[1:] > classes[:-1]):
        raise Invalid("classes_ not sorted and distinct")
    student = _attr(obj, "student_")
    inner = _classes(_attr(student, "classes_"), "student_.classes_")
    if not np.isin(inner, classes).all():
        raise Invalid("the student predicts classes outside classes_")
    _same_features(obj, student, "a student")
    teacher = vars(obj).get("teacher_")
    if teacher is not None:
        _same_features(obj, teacher, "a teacher")


def _outputs(est) -> int | None:
    """Outputs a fitted allowed-label learner gives probabilities for."""
    name = qualname(est)
    if name == "sklearn.multioutput.MultiOutputClassifier":
        return len(est.estimators_)
    n = vars(est).get("n_outputs_")
    if name == "sklearn.neural_network._multilayer_perceptron.MLPClassifier":
        binary = est._label_binarizer.y_type_ == "binary"
        return 1 if binary else n
    return n


@validates("crembo.students.sklearn.AllowedLabelClassifier")
def _allowed_label(obj) -> None:
    _one_of(_attr(obj, "tie_break"), "tie_break", {"index", "belief"})
    if not _fitted(obj, "constant_"):
        return
    c = _indices(_attr(obj, "classes_"), "classes_", None).size
    active = _array(_attr(obj, "active_"), "active_", ndim=1, kinds="iu")
    if active.size and (
        active[0] < 0 or active[-1] >= c or np.any(np.diff(active) <= 0)
    ):  # sorted, distinct, in range
        raise Invalid(f"active_ columns outside 0..{c - 1} or repeated")
    constant = _array(_attr(obj, "constant_"), "constant_", kinds="f", shape=(c,))
    fitted = np.zeros(c, dtype=bool)
    fitted[active] = True
    if not np.array_equal(np.isnan(constant), fitted):
        raise Invalid("constant_ is not NaN exactly at the fitted columns")
    if np.any((constant[~fitted] < 0) | (constant[~fitted] > 1)):
        raise Invalid("constant_ outside [0, 1]")
    est = _attr(obj, "estimator_")
    if (est is None) != (active.size == 0):
        raise Invalid("estimator_ and active_ disagree")
    n = vars(obj).get("n_features_in_")
    if est is not None:
        if not hasattr(est, "predict_proba"):
            raise Invalid("estimator_ gives no probabilities")
        if n is not None and n_features(est) not in (None, n):
            raise Invalid(f"n_features_in_={n!r} over a student of {n_features(est)} features")
        if _outputs(est) not in (None, active.size):
            raise Invalid(f"estimator_ of {_outputs(est)} outputs for {active.size} columns")
    scores = vars(obj).get("tie_scores_")
    if scores is not None:
        _array(scores, "tie_scores_", kinds="f")
        tree = vars(est).get("tree_") if est is not None else None
        expected = (tree.node_count, c) if scores.ndim == 2 and tree is not None else (c,)
        if scores.shape != expected:
            raise Invalid(f"tie_scores_ of shape {scores.shape}, expected {expected}")


@validates("crembo.students.medoid.BootstrapMedoidStudent")
def _medoid(obj) -> None:
    k = _int(_attr(obj, "n_bootstrap"), "n_bootstrap", 1, MAX_ESTIMATORS)
    if not _fitted(obj, "student_"):
        return
    student = _require(obj, "student_", "crembo.students.sklearn.AllowedLabelClassifier")
    c = _indices(_attr(obj, "classes_"), "classes_", None).size
    _indices(_attr(student, "classes_"), "student_.classes_", c)
    _attr(obj, "n_features_in_")
    _same_features(obj, student, "a student")
    _int(_attr(obj, "medoid_"), "medoid_", 0, k - 1)
    _array(_attr(obj, "agreement_"), "agreement_", kinds="f", shape=(k, k))


@validates("crembo.students.optimal.OptimalAllowedLabelTree")
def _optimal_tree(obj) -> None:
    depth = _int(_attr(obj, "max_depth"), "max_depth", 1, MAX_OPTIMAL_DEPTH)
    if not _fitted(obj, "label_"):
        return
    n_in = _attr(obj, "n_features_in_")
    c = _indices(_attr(obj, "classes_"), "classes_", None).size
    feature = _array(_attr(obj, "feature_"), "feature_", ndim=1, kinds="i")
    n = feature.size
    if not 1 <= n < 2 ** (MAX_OPTIMAL_DEPTH + 1):
        raise Invalid(f"{n} nodes")
    left = _array(_attr(obj, "children_left_"), "children_left_", kinds="i", shape=(n,))
    right = _array(_attr(obj, "children_right_"), "children_right_", kinds="i", shape=(n,))
    threshold = _array(_attr(obj, "threshold_"), "threshold_", kinds="f", shape=(n,))
    label = _array(_attr(obj, "label_"), "label_", kinds="i", shape=(n,))
    _array(_attr(obj, "value_"), "value_", kinds="f", shape=(n, c))
    bad = tree_shape_problem(left, right, n)
    if bad:
        raise Invalid(bad)
    leaf = left == -1
    if np.any(leaf != (feature == -1)):
        raise Invalid("a leaf with a feature or an inner node without one")
    if np.any((feature[~leaf] < 0) | (feature[~leaf] >= n_in)):
        raise Invalid(f"a feature index outside 0..{n_in - 1}")
    if np.isnan(threshold[~leaf]).any():
        raise Invalid("a NaN threshold")
    if np.any((label[leaf] < 0) | (label[leaf] >= c)):
        raise Invalid(f"a leaf label outside 0..{c - 1}")
    if tree_depth(left, right) > depth:
        raise Invalid(f"deeper than its max_depth {depth}")


@validates("crembo.students.sum_of_trees.AdditiveTree")
def _additive_tree(obj) -> None:
    """One tree of a sum: its arrays agree and form a tree (its student checks the rest)."""
    feature = _array(_attr(obj, "feature"), "feature", ndim=1, kinds="i")
    n = feature.size
    if not 1 <= n <= MAX_NODES:
        raise Invalid(f"a tree of {n} nodes")
    left = _array(_attr(obj, "children_left"), "children_left", kinds="i", shape=(n,))
    right = _array(_attr(obj, "children_right"), "children_right", kinds="i", shape=(n,))
    threshold = _array(_attr(obj, "threshold"), "threshold", kinds="f", shape=(n,))
    value = _array(_attr(obj, "value"), "value", ndim=2, kinds="f")
    if value.shape[0] != n:
        raise Invalid(f"value of {value.shape[0]} rows for {n} nodes")
    for name in ("n_node_samples", "weighted_n_node_samples"):
        _array(_attr(obj, name), name, kinds="fiu", shape=(n,))
    bad = tree_shape_problem(left, right, n)
    if bad:
        raise Invalid(bad)
    leaf = left == -1
    if np.any(leaf != (feature < 0)) or np.any(feature[leaf] < -2):
        raise Invalid("a leaf with a feature or an inner node without one")
    if np.isnan(threshold[~leaf]).any():
        raise Invalid("a NaN threshold")


@validates("crembo.students.sum_of_trees.SumOfTreesStudent")
def _sum_of_trees(obj) -> None:
    _one_of(_attr(obj, "tie_break"), "tie_break", {"index", "belief"})
    if not _fitted(obj, "trees_"):
        return
    n_in = _attr(obj, "n_features_in_")
    c = _indices(_attr(obj, "classes_"), "classes_", None).size
    trees = _attr(obj, "trees_")
    if not isinstance(trees, list) or not 1 <= len(trees) <= MAX_ESTIMATORS:
        raise Invalid(f"trees_ is not a list of 1..{MAX_ESTIMATORS} trees")
    max_depth = vars(obj).get("max_depth")
    for tree in trees:
        if qualname(tree) != "crembo.students.sum_of_trees.AdditiveTree":
            raise Invalid("a member of trees_ that is not an AdditiveTree")
        _additive_tree(tree)  # its arrays first (the walk may reach it after this student)
        if tree.value.shape[1] != c:
            raise Invalid(f"a tree adding to {tree.value.shape[1]} classes of {c}")
        inner = tree.feature[tree.children_left != -1]
        if np.any(inner >= n_in):
            raise Invalid(f"a feature index outside 0..{n_in - 1}")
        if _is_int(max_depth) and tree_depth(tree.children_left, tree.children_right) > max_depth:
            raise Invalid(f"a tree deeper than its max_depth {max_depth}")
    ties = vars(obj).get("tie_values_")
    if ties is not None:
        if not isinstance(ties, list) or len(ties) != len(trees):
            raise Invalid("tie_values_ is not one array per tree")
        for tree, v in zip(trees, ties, strict=True):
            _array(v, "tie_values_[i]", kinds="f", shape=(tree.feature.size, c))


@validates("crembo.baselines.EpochSelectedMLP")
def _epoch_mlp(obj) -> None:
    if not _fitted(obj, "mlp_"):
        return
    classes = _classes(_attr(obj, "classes_"))
    _attr(obj, "n_features_in_")
    scaler = _require(obj, "scaler_", "sklearn.preprocessing._data.StandardScaler")
    net = _require(obj, "mlp_", "sklearn.neural_network._multilayer_perceptron.MLPClassifier")
    _same_features(obj, scaler, "a scaler")
    _same_features(obj, net, "a net")
    if _classes(_attr(net, "classes_")).size != classes.size:
        raise Invalid("the net's classes differ from classes_")


@validates(
    "crembo.config.Config",
    "crembo.selection.HoldOut",
    "crembo.selection.KFoldOneSE",
    "crembo.selection.StableOneSE",
    "crembo.selection.Halving",
    "crembo.selection.ProxyChoice",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
)
def _fit_time_only(obj) -> None:
    """Settings and optimizer state that only fitting reads; predict never touches them."""

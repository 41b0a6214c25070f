"""A fitted :class:`~crembo.students.sum_of_trees.SumOfTreesStudent` made readable and portable.

:func:`rules` writes each tree as if/else rules whose leaves say what they add to each class's
score; :func:`plot` draws the trees side by side; :func:`to_sklearn_trees` gives them as
fitted scikit-learn regression trees (one output per class) whose predictions add up to the
student's scores, so any tool that reads a scikit-learn tree reads each of them;
:func:`to_dict` is the model as plain data (JSON).
"""

from __future__ import annotations

import numpy as np
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.validation import check_is_fitted

from crembo._compat import build_tree, node_dtype
from crembo.students.tree import TreeView, _names, _split_text, _threshold_text


def _fitted(model):
    check_is_fitted(model, "trees_")
    return model


def _view(tree) -> TreeView:
    """A tree of the sum as the single-tree readers see one (scores = what a leaf adds)."""
    return TreeView(
        left=tree.children_left,
        right=tree.children_right,
        feature=tree.feature,
        threshold=tree.threshold,
        samples=tree.n_node_samples,
        scores=tree.value,
        predicted=tree.value.argmax(axis=1),
        allowed_labels=True,
        columns=np.arange(tree.value.shape[1]),
        missing_left=np.zeros(tree.feature.size, dtype=bool),
    )


def _added(values, classes, shown: int = 4) -> str:
    """What a leaf adds, largest in size first, at most ``shown`` classes."""
    order = np.argsort(-np.abs(values), kind="stable")
    order = order[np.abs(values[order]) >= 0.005]
    if order.size == 0:
        return "nothing"
    text = ", ".join(f"{classes[k]} {values[k]:+.2f}" for k in order[:shown])
    return text + (f", +{order.size - shown} more" if order.size > shown else "")


def rules(model, feature_names=None, class_names=None, *, digits: int = 3) -> str:
    """The trees of a fitted sum as if/else rules.

    Parameters
    ----------
    model : fitted SumOfTreesStudent
    feature_names : sequence of str, optional
        Defaults to ``feature_names_in_``, else ``x[0]``, ``x[1]``, ... A one-hot column
        named ``col=value`` reads as ``col == value``.
    class_names : sequence of str, optional
        One per class; defaults to the class indices.
    digits : int, default=3
        Significant digits of the thresholds, at least.

    Returns
    -------
    rules : str
        A head line, then each tree: every leaf says what it adds to each class's score
        (``+`` more likely to be allowed); a row's prediction is the class with the largest
        total over the trees.
    """
    _fitted(model)
    if isinstance(digits, bool) or not isinstance(digits, int | np.integer) or digits < 1:
        raise ValueError(f"digits must be an integer >= 1; got {digits!r}.")
    if feature_names is None:
        feature_names = getattr(model, "feature_names_in_", None)
    features = _names(feature_names, model.n_features_in_, "x[{}]", "feature_names")
    classes = _names(class_names, model.classes_.size, "{}", "class_names")
    n_trees = len(model.trees_)
    lines = [
        f"a sum of {n_trees} tree{'s' if n_trees != 1 else ''}, {model.get_n_splits()} splits, "
        f"{model.get_n_leaves()} leaves: each leaf adds to every class's score; "
        "predict the class with the largest total."
    ]
    for k, tree in enumerate(model.trees_, start=1):
        view = _view(tree)
        thresholds = _threshold_text(view, digits)
        lines.append(f"tree {k}:")
        stack = [(0, 1)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, str):
                lines.append(node)
                continue
            indent = "    " * depth
            if tree.children_left[node] < 0:
                n = tree.n_node_samples[node]
                added = _added(tree.value[node], classes)
                lines.append(f"{indent}add {added}  # {n} fitted row{'s' if n != 1 else ''}")
                continue
            first, cond, second, note = _split_text(view, node, features, thresholds, set())
            stack.append((second, depth + 1))
            stack.append((f"{indent}else:{note}", depth))
            stack.append((first, depth + 1))
            lines.append(f"{indent}if {cond}:")
    return "\n".join(lines)


def to_sklearn_trees(model) -> list[DecisionTreeRegressor]:
    """The trees as fitted multi-output ``DecisionTreeRegressor`` s.

    Each has the tree's nodes (missing values go right) and, per node, what it adds to each
    class's score; ``sum(t.predict(X) for t in trees)`` is ``model.decision_function(X)``
    (up to the ``float32`` comparison both make).
    """
    _fitted(model)
    out = []
    c = model.classes_.size
    for tree in model.trees_:
        n_nodes = tree.feature.size
        nodes = np.zeros(n_nodes, dtype=node_dtype())
        nodes["left_child"] = tree.children_left
        nodes["right_child"] = tree.children_right
        nodes["feature"] = tree.feature
        nodes["threshold"] = np.where(tree.children_left >= 0, tree.threshold, -2.0)
        nodes["n_node_samples"] = tree.n_node_samples
        nodes["weighted_n_node_samples"] = tree.weighted_n_node_samples
        if "missing_go_to_left" in nodes.dtype.names:
            nodes["missing_go_to_left"] = 0
        state = {
            "max_depth": tree.depth,
            "node_count": n_nodes,
            "nodes": nodes,
            "values": tree.value[:, :, None],
        }
        reg = DecisionTreeRegressor(max_depth=model.max_depth)
        reg.tree_ = build_tree(model.n_features_in_, [1] * c, state)
        reg.n_features_in_ = int(model.n_features_in_)
        reg.n_outputs_ = int(c)
        reg.max_features_ = int(model.n_features_in_)
        names = getattr(model, "feature_names_in_", None)
        if names is not None:
            reg.feature_names_in_ = np.asarray(names, dtype=object)
        out.append(reg)
    return out


def to_dict(model) -> dict:
    """The fitted model as plain lists and numbers (``json.dumps`` takes it).

    Keys: ``"kind"``, ``"n_features"``, ``"n_classes"``, ``"feature_names"`` (or None) and
    ``"trees"``: per tree ``feature``, ``threshold`` (None at leaves; a row goes left when
    ``x[feature] <= threshold``, missing values right), ``left``, ``right`` (-1 at leaves),
    ``value`` (what each node adds per class) and ``samples``. A row's prediction is the
    argmax of the summed leaf values.
    """
    _fitted(model)
    names = getattr(model, "feature_names_in_", None)
    return {
        "kind": "sum_of_trees",
        "n_features": int(model.n_features_in_),
        "n_classes": int(model.classes_.size),
        "feature_names": None if names is None else [str(x) for x in names],
        "trees": [
            {
                "feature": [int(f) for f in t.feature],
                "threshold": [
                    None if f < 0 else float(v) for f, v in zip(t.feature, t.threshold, strict=True)
                ],
                "left": [int(v) for v in t.children_left],
                "right": [int(v) for v in t.children_right],
                "value": t.value.tolist(),
                "samples": [int(v) for v in t.n_node_samples],
            }
            for t in model.trees_
        ],
    }


def plot(model, feature_names=None, class_names=None, ax=None):
    """The trees side by side (scikit-learn's ``plot_tree`` of each), with a ``+`` between.

    Parameters
    ----------
    model : fitted SumOfTreesStudent
    feature_names, class_names : sequence of str, optional
    ax : sequence of matplotlib Axes, optional
        One per tree; None: a new figure.

    Returns
    -------
    figure : matplotlib Figure
    """
    import matplotlib.pyplot as plt
    from sklearn.tree import plot_tree

    trees = to_sklearn_trees(model)
    if ax is None:
        fig, ax = plt.subplots(1, len(trees), figsize=(6 * len(trees), 5), squeeze=False)
        ax = ax[0]
    else:
        ax = np.atleast_1d(ax)
        if len(ax) != len(trees):
            raise ValueError(f"ax: the model has {len(trees)} trees; got {len(ax)} axes.")
        fig = ax[0].figure
    if feature_names is None:
        feature_names = getattr(model, "feature_names_in_", None)
    features = _names(feature_names, model.n_features_in_, "x[{}]", "feature_names")
    classes = _names(class_names, model.classes_.size, "{}", "class_names")
    for k, (tree, a) in enumerate(zip(trees, ax, strict=True)):
        plot_tree(tree, feature_names=features, impurity=False, precision=2, ax=a, fontsize=7)
        plus = " +" if k < len(trees) - 1 else ""
        a.set_title(f"tree {k + 1} (value: added to {', '.join(classes)}){plus}", fontsize=8)
    return fig

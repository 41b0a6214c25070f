"""The tree as a picture: DOT text through scikit-learn's ``export_graphviz``, SVG through
Graphviz's ``dot`` program where it is installed.

Feature and class names are escaped for DOT's quoted strings (scikit-learn escapes their
quotes, crembo their backslashes and line breaks), so a name cannot end a label early or add
attributes. A one-hot column reads ``col=value <= 0.5`` (true: another value).
"""

from __future__ import annotations

import shutil
import subprocess

from crembo.exporters.tree import ExportTree

#: Seconds ``dot`` may take to lay out a tree (a depth-limited tree takes well under one).
DOT_TIMEOUT = 120


def to_dot(tree: ExportTree) -> str:
    """The DOT text of the tree (filled nodes, class names, proportions per node).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from crembo.exporters.tree import export_tree
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> tree = export_tree(DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y))
    >>> to_dot(tree).splitlines()[0]
    'digraph Tree {'
    """
    from sklearn.tree import export_graphviz

    return export_graphviz(
        tree.estimator,
        out_file=None,
        feature_names=[dot_escape(f.name) for f in tree.features],
        class_names=[dot_escape(str(c)) for c in tree.classes],
        filled=True,
        rounded=True,
        impurity=False,
        proportion=True,
        precision=3,
    )


def to_svg(tree: ExportTree) -> bytes:
    """The tree drawn as SVG by Graphviz's ``dot`` (which must be on ``PATH``).

    Raises
    ------
    FileNotFoundError
        ``dot`` is not installed.
    ValueError
        ``dot`` failed.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise FileNotFoundError(
            "SVG needs Graphviz's dot program, which is not on PATH: install graphviz "
            "(apt-get install graphviz), or export the DOT text (format dot)."
        )
    try:
        done = subprocess.run(
            [dot, "-Tsvg"],
            input=to_dot(tree).encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ValueError(f"Graphviz's dot took more than {DOT_TIMEOUT} s; gave up.") from None
    if done.returncode != 0 or not done.stdout:
        said = " ".join(done.stderr.decode("utf-8", "replace").split())[:300]
        raise ValueError(f"Graphviz's dot failed (exit code {done.returncode}): {said}")
    return done.stdout


def dot_escape(name: str) -> str:
    """``name`` ready for scikit-learn to write into a DOT quoted string: backslashes escaped,
    line breaks as spaces (scikit-learn escapes the quotes itself)."""
    return name.replace("\\", "\\\\").replace("\r", " ").replace("\n", " ")

"""DOT through scikit-learn's export_graphviz (names escaped); SVG where Graphviz is installed."""

import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from crembo.exporters.graphviz import dot_escape, to_dot, to_svg
from crembo.exporters.tree import export_tree

#: A DOT quoted string: escaped characters, or anything but a quote or backslash.
QUOTED = r'"(?:\\.|[^"\\])*"'


def test_dot_labels_hold_the_escaped_names(shipped):
    tree = export_tree(shipped.model, shipped.meta)
    dot = to_dot(tree)
    labels = re.findall(r"^(\d+) \[label=(" + QUOTED + r"), fillcolor=(" + QUOTED + r")\] ;$",
                        dot, flags=re.M)  # fmt: skip
    assert len(labels) == tree.left.size  # every node, each label one well-formed string
    text = " ".join(label for _, label, _ in labels)
    used = {tree.features[t].name for t in tree.estimator.tree_.feature if t >= 0}
    assert all(dot_escape(name).replace('"', '\\"') in text for name in used)


def test_dot_escape():
    assert dot_escape('a"b\\c\nd') == 'a"b\\\\c d'


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_svg_draws_every_node(shipped):
    tree = export_tree(shipped.model, shipped.meta)
    svg = ET.fromstring(to_svg(tree))
    groups = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
    assert len(groups) == tree.left.size


def test_svg_without_graphviz_says_so(shipped, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="Graphviz's dot"):
        to_svg(export_tree(shipped.model, shipped.meta))

"""JSON: nested nodes with names, thresholds, class shares and row counts."""

import json

import numpy as np
import pytest

from crembo.exporters.check import disagreements, json_predictions
from crembo.exporters.json_tree import to_json
from crembo.exporters.tree import export_tree


def _nodes(node):
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        stack += [node[k] for k in ("left", "right") if k in node]


@pytest.fixture(scope="module")
def doc(shipped):
    return json.loads(to_json(export_tree(shipped.model, shipped.meta)))


@pytest.mark.parametrize("which", ["train", "noisy"])
def test_json_walk_predicts_as_the_model(shipped, doc, which):
    got = json_predictions(doc, shipped.frames[which])
    assert disagreements(shipped.predictions(which), got) == 0


def test_json_nodes(shipped, doc):
    tree = shipped.model.to_sklearn().tree_
    nodes = list(_nodes(doc["tree"]))
    assert sorted(n["id"] for n in nodes) == list(range(tree.node_count))
    assert doc["classes"] == shipped.model.classes_.tolist()
    assert [f["name"] for f in doc["features"]] == shipped.meta["feature_names"]
    for node in nodes:
        assert np.isclose(sum(node["class_shares"]), 1.0)
        assert node["predicted"] == doc["classes"][int(np.argmax(node["class_shares"]))]
        if "split" in node:
            assert node["rows"] == node["left"]["rows"] + node["right"]["rows"]
            split = node["split"]
            assert split["column"] in shipped.meta["columns"]
            assert split["missing"] in ("left", "right")
            if "threshold" in split:
                assert split["threshold"] == tree.threshold[node["id"]]
            else:
                assert split["category"] in shipped.meta["categories"][split["column"]]

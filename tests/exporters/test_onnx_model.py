"""ONNX through skl2onnx, run in onnxruntime: the same labels, probabilities within 1e-6."""

import json

import numpy as np
import pytest

import crembo
from crembo.exporters.check import disagreements, onnx_predictions
from crembo.exporters.onnx_model import to_onnx
from crembo.exporters.tree import export_tree

pytest.importorskip("skl2onnx")
pytest.importorskip("onnxruntime")


@pytest.mark.parametrize("which", ["train", "noisy"])
@pytest.mark.parametrize("file", ["full", "student"])
def test_onnx_predicts_as_the_model(shipped, which, file):
    model = crembo.load(getattr(shipped, file))
    X = shipped.encoded(which)
    labels, proba = onnx_predictions(to_onnx(export_tree(model, shipped.meta)), X)
    assert disagreements(shipped.predictions(which), labels) == 0
    np.testing.assert_allclose(proba, shipped.model.predict_proba(X), atol=1e-6)


def test_onnx_keeps_a_float32_near_tie(rng):
    from sklearn.tree import DecisionTreeClassifier

    X = rng.normal(size=(40, 1))
    tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, rng.randint(0, 2, 40))
    tree.tree_.value[1:, 0, :] = [[0.5 - 1e-9, 0.5 + 1e-9], [0.5 + 1e-9, 0.5 - 1e-9]]
    labels, proba = onnx_predictions(to_onnx(export_tree(tree)), X)
    np.testing.assert_array_equal(labels, tree.predict(X))  # float32 alone would tie them
    np.testing.assert_allclose(proba, tree.predict_proba(X), atol=1e-6)


def test_onnx_metadata_name_features_and_classes(shipped):
    import onnx

    model = onnx.load_from_string(to_onnx(export_tree(shipped.model, shipped.meta)))
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["crembo_features"]) == shipped.meta["feature_names"]
    assert json.loads(props["crembo_classes"]) == shipped.model.classes_.tolist()

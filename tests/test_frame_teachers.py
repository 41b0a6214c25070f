"""Teachers fitted on data frames (LightGBM, XGBoost, pipelines): no feature-name warnings."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from crembo import CREMBOClassifier, MEMOClassifier
from crembo.belief import belief_from, fit_teacher, with_feature_names

pd = pytest.importorskip("pandas")


def _iris_frame():
    data = load_iris(as_frame=True)
    return data.data, pd.Series(np.asarray(data.target_names)[data.target], name="species")


def _fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning, feature names included, fails the test
        model.fit(X, y)
        pred = model.predict(X)
        model.predict_proba(X)
    return pred


@pytest.mark.parametrize("prefit", [False, True])
def test_lightgbm_teacher_on_a_frame(prefit):
    lgb = pytest.importorskip("lightgbm")
    X, y = _iris_frame()
    teacher = lgb.LGBMClassifier(n_estimators=20, verbose=-1, random_state=0)
    if prefit:
        teacher.fit(X, y)
    model = CREMBOClassifier(teacher, preset="paper", random_state=0)
    pred = _fit_quietly(model, X, y)
    assert set(pred) <= set(y) and np.mean(pred == y) > 0.9
    np.testing.assert_array_equal(model.classes_, ["setosa", "versicolor", "virginica"])


@pytest.mark.parametrize("prefit", [False, True])
def test_xgboost_teacher_on_a_frame(prefit):
    xgb = pytest.importorskip("xgboost")
    data = load_breast_cancer(as_frame=True)
    X, y = data.data, data.target
    teacher = xgb.XGBClassifier(n_estimators=20, max_depth=3, random_state=0)
    if prefit:
        teacher.fit(X, y)
    model = MEMOClassifier(teacher, random_state=0)
    pred = _fit_quietly(model, X, y)
    assert np.mean(pred == y) > 0.85


def test_pipeline_teacher_on_a_frame_with_string_labels():
    lgb = pytest.importorskip("lightgbm")
    X, y = _iris_frame()
    teacher = make_pipeline(StandardScaler(), lgb.LGBMClassifier(n_estimators=20, verbose=-1))
    teacher.fit(X, y)
    model = CREMBOClassifier(teacher, preset="paper", random_state=0)
    pred = _fit_quietly(model, X, y)
    assert np.mean(pred == y) > 0.9


def test_with_feature_names_only_wraps_arrays_of_frame_fitted_teachers():
    lgb = pytest.importorskip("lightgbm")
    X, y = _iris_frame()
    on_frame = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y)
    on_array = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X.to_numpy(), y)
    A = X.to_numpy()
    wrapped = with_feature_names(on_frame, A)
    assert list(wrapped.columns) == list(on_frame.feature_names_in_)
    assert with_feature_names(on_array, A) is A
    assert with_feature_names(on_frame, A[:, :2]) is not None  # the teacher's own check answers
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(belief_from(on_frame, A), on_frame.predict_proba(X))


def test_fit_teacher_gives_codes_to_teachers_refusing_string_labels():
    xgb = pytest.importorskip("xgboost")
    X, y = _iris_frame()
    fitted, classes = fit_teacher(xgb.XGBClassifier(n_estimators=5), X.to_numpy(), y.to_numpy())
    np.testing.assert_array_equal(classes, ["setosa", "versicolor", "virginica"])
    np.testing.assert_array_equal(fitted.classes_, [0, 1, 2])
    from sklearn.tree import DecisionTreeClassifier

    tree, tree_classes = fit_teacher(DecisionTreeClassifier(), X.to_numpy(), y.to_numpy())
    np.testing.assert_array_equal(tree.classes_, tree_classes)  # labels taken as they are
    with pytest.raises(ValueError):
        fit_teacher(xgb.XGBClassifier(n_estimators=5), X.to_numpy(), np.arange(150) % 2 + 3)


def test_unfitted_xgboost_teacher_with_string_labels_is_fitted_on_codes():
    xgb = pytest.importorskip("xgboost")
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = CREMBOClassifier(
            xgb.XGBClassifier(n_estimators=10, max_depth=2),
            preset="paper",
            depth_quantile=0.05,
            random_state=0,
        ).fit(X, labels)
    np.testing.assert_array_equal(model.classes_, np.unique(labels))
    assert set(model.predict(X)) <= set(labels)
    assert np.mean(model.predict(X) == labels) > 0.9


def test_surrogate_is_readable_like_crembo():
    from crembo import SurrogateClassifier

    X, y = load_iris(return_X_y=True)
    vt = SurrogateClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(vt.to_sklearn().predict(X), vt.predict(X))
    assert "if " in str(vt) and "predict" in str(vt)

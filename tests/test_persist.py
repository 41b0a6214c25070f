"""Safe model files: round trips, the allow-list, and files that are not what they claim."""

import numpy as np
import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.validation import check_array

import crembo
from crembo import CREMBOClassifier, MEMOClassifier, SurrogateClassifier
from crembo.persist import TrustWarning, UntrustedTypesError, read_metadata


class ToyTeacher(ClassifierMixin, BaseEstimator):
    """A teacher class that lives outside the allow-list."""

    def fit(self, X, y):
        self.forest_ = RandomForestClassifier(10, random_state=0).fit(X, y)
        self.classes_ = self.forest_.classes_
        return self

    def predict_proba(self, X):
        return self.forest_.predict_proba(X)

    def predict(self, X):
        return self.forest_.predict(X)


@pytest.fixture(scope="module")
def data():
    X, y = load_wine(return_X_y=True)
    return X, y


def _forest():
    return RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: CREMBOClassifier(_forest(), random_state=0, n_jobs=1),
        lambda: MEMOClassifier(_forest(), random_state=0),
        lambda: SurrogateClassifier(_forest(), random_state=0),
    ],
    ids=["CREMBO", "MEMO", "VT"],
)
def test_round_trip_predicts_the_same(tmp_path, data, make):
    X, y = data
    model = make().fit(X, y)
    path = crembo.save(model, tmp_path / "m.skops")
    loaded = crembo.load(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_crembo_attributes_survive(tmp_path, data):
    X, y = data
    model = CREMBOClassifier(_forest(), random_state=0, n_jobs=1).fit(X, y)
    loaded = crembo.load(crembo.save(model, tmp_path / "m.skops"))
    assert loaded.threshold_ == model.threshold_
    assert loaded.memo_threshold_ == model.memo_threshold_
    np.testing.assert_array_equal(loaded.sweep_["score"], model.sweep_["score"])


def test_metadata_is_read_without_loading(tmp_path, data):
    X, y = data
    model = SurrogateClassifier(_forest(), random_state=0).fit(X, y)
    path = crembo.save(model, tmp_path / "m.skops", metadata={"target": "t", "n": [1, 2]})
    assert read_metadata(path) == {"target": "t", "n": [1, 2]}


def test_untrusted_class_is_refused_and_named(tmp_path, data):
    X, y = data
    model = CREMBOClassifier(ToyTeacher(), random_state=0, n_jobs=1).fit(X, y)
    path = crembo.save(model, tmp_path / "m.skops")
    with pytest.raises(UntrustedTypesError, match="ToyTeacher") as info:
        crembo.load(path)
    assert isinstance(info.value, ValueError)
    assert all("ToyTeacher" in t for t in info.value.types)
    loaded = crembo.load(path, trusted=info.value.types)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_functions_of_allowed_packages_are_not_trusted(tmp_path, data):
    X, y = data
    pipe = make_pipeline(FunctionTransformer(check_array), DecisionTreeClassifier(max_depth=2))
    path = crembo.save(pipe.fit(X, y), tmp_path / "p.skops")
    with pytest.raises(UntrustedTypesError, match="check_array") as info:
        crembo.load(path)
    assert "allows running" in str(info.value)  # the error says a function would be called
    assert "sklearn.utils.validation.check_array" in info.value.types
    with pytest.warns(TrustWarning, match="check_array"):
        assert crembo.load(path, trusted=info.value.types) is not None


def test_trusted_must_be_names(tmp_path, data):
    X, y = data
    path = crembo.save(DecisionTreeClassifier().fit(X, y), tmp_path / "t.skops")
    with pytest.raises(TypeError, match="trusted"):
        crembo.load(path, trusted=[ToyTeacher])


def test_truncated_file(tmp_path, data):
    X, y = data
    path = crembo.save(SurrogateClassifier(_forest()).fit(X, y), tmp_path / "m.skops")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="not a readable crembo model file"):
        crembo.load(path)


@pytest.mark.parametrize(
    "content", [b"a,b\n1,2\n", b"", b"PK\x03\x04garbage"], ids=["csv", "empty", "bad-zip"]
)
def test_not_a_model_file(tmp_path, content):
    path = tmp_path / "x.skops"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a readable crembo model file"):
        crembo.load(path)


def test_skops_file_without_header(tmp_path, data):
    X, y = data
    path = tmp_path / "plain.skops"
    sio.dump(DecisionTreeClassifier().fit(X, y), path)
    with pytest.raises(ValueError, match="not a crembo model file"):
        crembo.load(path)


def test_other_format_version(tmp_path, data):
    X, y = data
    path = tmp_path / "v99.skops"
    tree = DecisionTreeClassifier().fit(X, y)
    sio.dump({"format": "crembo-model", "version": 99, "metadata": "{}", "model": tree}, path)
    with pytest.raises(ValueError, match="version 99"):
        crembo.load(path)


def test_header_without_a_model(tmp_path):
    path = tmp_path / "list.skops"
    sio.dump({"format": "crembo-model", "version": 1, "metadata": "{}", "model": [1, 2]}, path)
    with pytest.raises(ValueError, match="does not hold a model"):
        crembo.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        crembo.load(tmp_path / "nope.skops")


def test_failed_save_keeps_the_old_file(tmp_path, data):
    X, y = data
    path = crembo.save(DecisionTreeClassifier().fit(X, y), tmp_path / "m.skops")
    before = path.read_bytes()
    with pytest.raises(TypeError, match="metadata"):
        crembo.save(DecisionTreeClassifier().fit(X, y), path, metadata={"bad": object()})
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_save_refuses_non_models_and_missing_folders(tmp_path, data):
    X, y = data
    with pytest.raises(TypeError, match="model"):
        crembo.save([1, 2, 3], tmp_path / "m.skops")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        crembo.save(DecisionTreeClassifier().fit(X, y), tmp_path / "no" / "m.skops")


def _models_the_project_makes():
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    from crembo.baselines import EpochSelectedMLP
    from crembo.students.medoid import BootstrapMedoidStudent
    from crembo.students.sum_of_trees import SumOfTreesStudent
    from crembo.students.tree_fast import GiniRegressionTree
    from crembo.teachers import make_teacher

    mlp = make_pipeline(StandardScaler(), MLPClassifier((16,), max_iter=30, random_state=0))
    return {
        "crembo-default": lambda: CREMBOClassifier(_forest(), random_state=0, n_jobs=1),
        "crembo-paper": lambda: CREMBOClassifier(_forest(), preset="paper", random_state=0),
        "gini-student": lambda: CREMBOClassifier(
            _forest(), GiniRegressionTree(max_depth=3), preset="paper", random_state=0
        ),
        "mlp-pipeline-teacher": lambda: CREMBOClassifier(mlp, preset="paper", random_state=0),
        "epoch-mlp-teacher": lambda: CREMBOClassifier(
            EpochSelectedMLP(max_epochs=2, random_state=0), preset="paper", random_state=0
        ),
        "paper-rf-teacher": lambda: MEMOClassifier(make_teacher("rf", random_state=0)),
        "extra-trees": lambda: SurrogateClassifier(ExtraTreesClassifier(10, random_state=0)),
        "imputer-pipeline": lambda: make_pipeline(SimpleImputer(), _forest()),
        "plain-tree": lambda: DecisionTreeClassifier(max_depth=3),
        "shrunk-student": lambda: CREMBOClassifier(
            _forest(), shrinkage=[0.0, 10.0], random_state=0, n_jobs=1
        ),
        "medoid-student": lambda: CREMBOClassifier(
            _forest(), BootstrapMedoidStudent(n_bootstrap=3, random_state=0), preset="paper"
        ),
        "sum-of-trees-student": lambda: CREMBOClassifier(
            _forest(), SumOfTreesStudent(max_splits=4, random_state=0), preset="paper"
        ),
        "mlp-student-belief-ties": lambda: CREMBOClassifier(
            _forest(), MLPClassifier((8,), max_iter=20, random_state=0), random_state=0, n_jobs=1
        ),
        "nn-teacher-missing": lambda: CREMBOClassifier(
            make_pipeline(
                SimpleImputer(strategy="median", keep_empty_features=True),
                EpochSelectedMLP(max_epochs=2, random_state=0),
            ),
            preset="paper",
            random_state=0,
        ),
        **_optimal(),
    }


def _optimal():
    """The exact oracle's student, where pystreed is installed (the peers extra)."""
    try:
        import pystreed  # noqa: F401
    except ImportError:
        return {}
    from crembo.students.optimal import OptimalAllowedLabelTree

    return {
        "optimal-student": lambda: CREMBOClassifier(
            _forest(),
            OptimalAllowedLabelTree(max_depth=2, time_limit=5),
            preset="paper",
            max_candidates=6,
        )
    }


@pytest.mark.parametrize("name", list(_models_the_project_makes()))
def test_every_kind_of_model_loads_without_trust(tmp_path, data, name):
    """The allow-list holds what crembo's own models contain (nothing needs trusted=)."""
    import warnings

    X, y = data
    X = X.copy()
    if name in ("imputer-pipeline", "nn-teacher-missing"):
        X[::7, 2] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence of the tiny nets
        model = _models_the_project_makes()[name]().fit(X, y)
    path = crembo.save(model, tmp_path / "m.skops")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a version-2 file loads without any warning
        loaded = crembo.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("student", ["tree", "mlp"])
def test_two_class_models_load(tmp_path, data, student):
    """Two classes: a binary LabelBinarizer, a net student's two-label target."""
    import warnings

    from sklearn.neural_network import MLPClassifier

    X, y = data
    keep = y < 2
    est = None if student == "tree" else MLPClassifier((8,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CREMBOClassifier(_forest(), est, random_state=0, n_jobs=1).fit(X[keep], y[keep])
    loaded = crembo.load(crembo.save(model, tmp_path / "m.skops"))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

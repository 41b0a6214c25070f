"""The Dask backend gives what the local run gives (sweep candidates, experiment units)."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

distributed = pytest.importorskip("distributed")

from crembo import CREMBOClassifier  # noqa: E402
from crembo.cluster import dask_backend  # noqa: E402


def local_cluster(processes):
    kwargs = {"protocol": "tcp"} if not processes else {}
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        processes=processes,
        dashboard_address=None,
        **kwargs,
    )


@pytest.fixture(scope="module")
def client():
    with local_cluster(processes=False) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    teacher = RandomForestClassifier(30, max_depth=6, random_state=0).fit(X, y)
    return X, y, teacher


def fit(iris, **kwargs):
    X, y, teacher = iris
    return CREMBOClassifier(teacher, random_state=0, n_jobs=2, **kwargs).fit(X, y)


def assert_same_model(a, b, X):
    assert a.threshold_ == b.threshold_
    assert a.n_student_fits_ == b.n_student_fits_
    np.testing.assert_array_equal(a.sweep_["score"], b.sweep_["score"])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("search", ["exhaustive", "halving"])
def test_sweep_on_dask_equals_local(client, iris, search):
    local = fit(iris, search=search)
    with dask_backend(client):
        remote = fit(iris, search=search)
    assert_same_model(local, remote, iris[0])


def test_experiment_on_dask_equals_local(client, tmp_path):
    from crembo.experiments import generalization

    kwargs = {"folds": 3, "repeats": 1, "shuffle": True, "methods": ("teacher", "BM", "CREMBO")}
    local = generalization("iris", tmp_path / "local", n_jobs=1, **kwargs)
    with dask_backend(client):
        remote = generalization("iris", tmp_path / "dask", n_jobs=2, backend="dask", **kwargs)

    def strip(value):
        """The summary without timings, which differ from run to run."""
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if "second" not in k}
        return value

    assert strip(local["methods"]) == strip(remote["methods"])
    assert local["methods"]["CREMBO"]["mean"] > 0.5


def test_dask_backend_rejects_a_bad_scheduler():
    with pytest.raises(TypeError, match="scheduler"), dask_backend(42):
        pass


@pytest.mark.slow
def test_process_workers_give_the_local_result(iris):
    local = fit(iris)
    with local_cluster(processes=True) as cluster, dask_backend(distributed.Client(cluster)):
        remote = fit(iris)
    assert_same_model(local, remote, iris[0])

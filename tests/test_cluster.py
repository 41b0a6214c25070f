"""The Dask backend gives what the local run gives (sweep candidates, experiment units)."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

distributed = pytest.importorskip("distributed")

from crembo import CREMBOClassifier  # noqa: E402
from crembo.cluster import dask_backend  # noqa: E402
from crembo.selection import Halving, KFoldOneSE  # noqa: E402


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


@pytest.mark.parametrize("selection", [KFoldOneSE(), Halving(refit=True)], ids=["kfold", "halving"])
def test_sweep_on_dask_equals_local(client, iris, selection):
    local = fit(iris, selection=selection)
    with dask_backend(client):
        remote = fit(iris, selection=selection)
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


# --- fit_on_dask: the belief and the sample made where the partitions are ---------------------

da = pytest.importorskip("dask.array")

from crembo.cluster import fit_on_dask  # noqa: E402


@pytest.fixture(scope="module")
def blobs():
    from sklearn.datasets import make_classification

    X, y = make_classification(
        3000, 6, n_informative=4, n_redundant=0, n_classes=3, n_clusters_per_class=1,
        random_state=0,
    )  # fmt: skip
    teacher = RandomForestClassifier(20, max_depth=6, random_state=0).fit(X[:1000], y[:1000])
    return X, y, teacher


def test_fit_on_dask_predicts_like_the_local_fit(client, blobs):
    X, y, teacher = blobs
    local = CREMBOClassifier(teacher, random_state=0).fit(X, y)
    Xd, yd = da.from_array(X, chunks=(750, 6)), da.from_array(y, chunks=750)
    remote = fit_on_dask(CREMBOClassifier(teacher, random_state=0), Xd, yd)
    assert remote.n_rows_seen_ == remote.n_rows_sampled_ == 3000  # max_rows above n: all rows
    assert remote.augment is None  # the user's parameters are left as they were
    # the synthetic rows differ (neighbours within a partition), the model hardly
    agree = np.mean(remote.predict(X) == local.predict(X))
    assert agree > 0.9, agree
    assert abs(remote.score(X, y) - local.score(X, y)) < 0.03


def test_fit_on_dask_samples_max_rows_in_all(client, blobs):
    X, y, teacher = blobs
    Xd, yd = da.from_array(X, chunks=(500, 6)), da.from_array(y, chunks=500)
    model = fit_on_dask(CREMBOClassifier(teacher, random_state=0), Xd, yd, max_rows=1200)
    assert model.n_rows_seen_ == 3000
    assert 1000 < model.n_rows_sampled_ < 1400  # each partition keeps 40 % of its rows
    assert model.score(X, y) > 0.5


def test_fit_on_dask_refuses_what_it_cannot_use(blobs):
    X, y, teacher = blobs
    Xd, yd = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    with pytest.raises(TypeError, match="dask arrays"):
        fit_on_dask(CREMBOClassifier(teacher), X, y)
    with pytest.raises(ValueError, match="teacher must be a fitted"):
        fit_on_dask(CREMBOClassifier(RandomForestClassifier()), Xd, yd)
    with pytest.raises(ValueError, match="same known number of rows"):
        fit_on_dask(CREMBOClassifier(teacher), Xd, yd[:-1])
    with pytest.raises(ValueError, match="max_rows"):
        fit_on_dask(CREMBOClassifier(teacher), Xd, yd, max_rows=0)

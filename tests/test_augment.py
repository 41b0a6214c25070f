"""crembo.augment: MUNGE rows for teacher-labelled augmentation."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

from crembo.augment import munge

X, Y = load_iris(return_X_y=True)


def _is_a_row_of(rows, X):
    """For each row of ``rows``, whether it equals some row of ``X`` (NaN equal to NaN)."""
    a = np.nan_to_num(rows, nan=-1e300)[:, None, :]
    b = np.nan_to_num(X, nan=-1e300)[None, :, :]
    return (a == b).all(axis=2).any(axis=1)


def test_shape_and_dtype():
    new = munge(X, 37, random_state=0)
    assert new.shape == (37, X.shape[1])
    assert new.dtype == np.float64
    assert np.isfinite(new).all()


def test_integer_input_gives_float_rows():
    new = munge(X.astype(int), 10, random_state=0)
    assert new.dtype == np.float64 and new.shape == (10, 4)


@pytest.mark.parametrize("n_new", [0, -3])
def test_no_rows_asked_gives_an_empty_block(n_new):
    new = munge(X, n_new, random_state=0)
    assert new.shape == (0, X.shape[1])


def test_fewer_than_two_rows_gives_an_empty_block():
    # one row has no neighbour to swap values with
    assert munge(X[:1], 5, random_state=0).shape == (0, 4)
    assert munge(np.empty((0, 4)), 5, random_state=0).shape == (0, 4)


def test_same_random_state_same_rows():
    np.testing.assert_array_equal(munge(X, 50, random_state=3), munge(X, 50, random_state=3))
    a = munge(X, 50, random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(a, munge(X, 50, random_state=3))


def test_other_random_state_other_rows():
    assert not np.array_equal(munge(X, 50, random_state=3), munge(X, 50, random_state=4))


def test_input_left_unchanged():
    Z = X.copy()
    munge(Z, 20, random_state=0)
    np.testing.assert_array_equal(Z, X)


def test_without_swaps_every_row_is_a_real_row():
    new = munge(X, 200, swap_probability=0.0, random_state=0)
    assert _is_a_row_of(new, X).all()


def test_without_noise_every_value_is_one_the_column_holds():
    # spread=inf: a swapped value is the neighbour's value exactly
    new = munge(X, 300, spread=np.inf, random_state=0)
    for j in range(X.shape[1]):
        assert np.isin(new[:, j], X[:, j]).all(), j
    # all swapped: each row is the base row's nearest neighbour, a real row
    swapped = munge(X, 300, swap_probability=1.0, spread=np.inf, random_state=0)
    assert _is_a_row_of(swapped, X).all()


def test_about_swap_probability_of_the_values_move():
    rng = np.random.RandomState(0)
    Z = rng.standard_normal((300, 5))  # distinct values: a swap always moves the value
    new = munge(Z, 4000, swap_probability=0.3, random_state=1)
    moved = ~np.isin(new, Z)
    assert 0.27 < moved.mean() < 0.33


def test_constant_column_stays_constant():
    Z = X.copy()
    Z[:, 2] = 1.5
    new = munge(Z, 100, random_state=0)
    assert (new[:, 2] == 1.5).all()


def test_missing_values_stay_missing_and_come_only_from_the_data():
    Z = X.copy()
    Z[::3, 1] = np.nan
    new = munge(Z, 500, random_state=0)
    assert np.isfinite(new[:, [0, 2, 3]]).all()  # no NaN made in complete columns
    assert np.isnan(new[:, 1]).any()  # a base row's NaN is kept
    assert not np.isinf(new).any()
    # no swaps: the NaN pattern of each row is a real row's pattern
    same = munge(Z, 100, swap_probability=0.0, random_state=0)
    assert _is_a_row_of(same, Z).all()


def test_rows_stay_within_a_few_spreads_of_the_data():
    # the Gaussian noise has the scale of the distance to the neighbour: values stay near
    # the column's range (a loose bound, over 8 standard deviations of noise)
    new = munge(X, 1000, random_state=0)
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    assert ((new >= lo - span) & (new <= hi + span)).all()


def test_the_teacher_labels_munge_rows_with_its_own_classes():
    teacher = RandomForestClassifier(10, max_depth=4, random_state=0).fit(X, Y)
    labels = teacher.predict(munge(X, 200, random_state=0))
    assert set(np.unique(labels)) <= set(np.unique(Y))
    assert len(np.unique(labels)) == 3  # rows spread over the classes, not one corner


@pytest.mark.parametrize(
    ("X_bad", "match"),
    [
        (np.arange(10.0), "2D array"),
        (np.full((5, 2), "a"), "could not convert string"),
    ],
    ids=["1d", "text"],
)
def test_bad_input_is_refused(X_bad, match):
    with pytest.raises(ValueError, match=match):
        munge(X_bad, 3, random_state=0)


# --- large data: approximate neighbours within median-split cells -------------------------

from crembo.augment import approximate_neighbours  # noqa: E402


def _exact_neighbours(P):
    d2 = ((P[:, None, :] - P[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(d2, np.inf)
    return d2.argmin(axis=1), np.sqrt(d2.min(axis=1))


def test_one_cell_gives_the_exact_nearest_neighbours():
    P = np.random.RandomState(0).standard_normal((300, 6))
    np.testing.assert_array_equal(approximate_neighbours(P, cell_rows=300), _exact_neighbours(P)[0])


def test_cells_give_another_row_close_to_the_nearest():
    P = np.random.RandomState(1).standard_normal((2000, 3))
    nb = approximate_neighbours(P, cell_rows=64)
    assert (nb != np.arange(P.shape[0])).all() and nb.min() >= 0 and nb.max() < P.shape[0]
    _, exact = _exact_neighbours(P)
    found = np.linalg.norm(P - P[nb], axis=1)
    assert (found >= exact - 1e-12).all()
    # in 3-D the cell border rarely hides the nearest row: on average within 30 % of it,
    # where a random row would be about 8 times farther
    assert (found / exact).mean() < 1.3


def test_above_exact_rows_the_rows_keep_their_properties():
    Z = X.copy()
    Z[::3, 1] = np.nan
    new = munge(Z, 400, random_state=0, exact_rows=20, cell_rows=16)
    assert new.shape == (400, 4)
    assert np.isfinite(new[:, [0, 2, 3]]).all() and not np.isinf(new).any()
    swapped = munge(X, 300, swap_probability=1.0, spread=np.inf, random_state=0, exact_rows=20)
    assert _is_a_row_of(swapped, X).all()
    np.testing.assert_array_equal(
        munge(X, 50, random_state=3, exact_rows=20), munge(X, 50, random_state=3, exact_rows=20)
    )


def test_below_exact_rows_the_neighbour_is_the_exact_one():
    # every value swapped without noise: each new row is its base row's neighbour, which
    # must be the nearest (distinct points, so the nearest is unique)
    P = np.random.RandomState(2).standard_normal((200, 4))
    new = munge(P, 500, swap_probability=1.0, spread=np.inf, random_state=0)
    nearest = _exact_neighbours((P - P.mean(0)) / P.std(0))[0]
    rows = {tuple(r) for r in P[nearest]}
    assert all(tuple(r) in rows for r in new)

"""``preset="paper"`` against a direct re-implementation of the original loop.

The loop below is the paper's CREMBO written out by hand (split, MEMO's binary search, the
sweep from θ* up, best validation accuracy with ties to the lower threshold), on the same
seeds the estimator draws; the estimator must give the same thresholds, scores and student.
"""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from crembo import CREMBOClassifier, belief_from
from crembo.depth import candidate_thresholds
from crembo.selection import HoldOut
from crembo.students.sklearn import AllowedLabelClassifier


def paper_loop(teacher, X, y, random_state, max_candidates=None, refit=False):
    seeds = np.random.RandomState(random_state).randint(np.iinfo(np.int32).max, size=4)
    split_seed, student_seed = seeds[1], seeds[2]
    b = belief_from(teacher, X)
    thresholds = candidate_thresholds(b, max_candidates=max_candidates)
    y_idx = np.searchsorted(teacher.classes_, y)
    n_val = int(np.ceil(0.15 * y.size))
    tr, va = train_test_split(
        np.arange(y.size), test_size=n_val, stratify=y_idx, random_state=split_seed
    )
    tr, va = np.sort(tr), np.sort(va)

    def fit(rows, theta):
        tree = DecisionTreeClassifier(max_depth=4, random_state=int(student_seed))
        return AllowedLabelClassifier(tree).fit(X[rows], (b[rows] >= theta).astype(np.uint8))

    def depth(student, rows):
        return b[rows][np.arange(rows.size), student.predict(X[rows])].min()

    lo, hi = -1, thresholds.size
    while hi - lo > 1:  # MEMO: largest feasible candidate, by bisection
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if depth(fit(tr, thresholds[mid]), tr) >= thresholds[mid] else (lo, mid)
    start = max(lo, 0)
    scores = [np.mean(fit(tr, t).predict(X[va]) == y_idx[va]) for t in thresholds[start:]]
    best = start + int(np.argmax(scores))  # argmax: the first, i.e. lowest threshold, on ties
    student = fit(np.arange(y.size) if refit else tr, thresholds[best])
    return thresholds[start], thresholds[best], np.array(scores), student


@pytest.mark.parametrize(
    ("seed", "max_candidates", "refit"), [(0, None, False), (1, 16, False), (2, None, True)]
)
def test_paper_preset_is_the_original_loop(wine, seed, max_candidates, refit):
    X, y = wine
    teacher = RandomForestClassifier(20, max_depth=6, random_state=seed).fit(X, y)
    kwargs = {"selection": HoldOut(refit=True)} if refit else {}
    model = CREMBOClassifier(
        teacher,
        DecisionTreeClassifier(max_depth=4),
        preset="paper",
        max_candidates=max_candidates,
        random_state=seed,
        **kwargs,
    ).fit(X, y)
    memo_t, best_t, scores, student = paper_loop(teacher, X, y, seed, max_candidates, refit)
    assert model.memo_threshold_ == memo_t
    assert model.threshold_ == best_t
    np.testing.assert_array_equal(model.sweep_["score"], scores)
    np.testing.assert_array_equal(model.student_.predict(X), student.predict(X))

"""crembo.evaluation: compress's fold evaluation, its tables and sentences."""

import numpy as np
import pytest

from crembo.evaluation import (
    evaluate_folds,
    evaluation_markdown,
    evaluation_rows,
    split_name,
    split_recurrence,
    stability_rows,
    tree_splits,
)


def test_split_recurrence_counts_near_thresholds():
    X = np.column_stack([np.arange(100.0), np.r_[np.zeros(50), np.ones(50)]])
    splits = (np.array([0, 1]), np.array([49.5, 0.5]))
    others = [
        (np.array([0]), np.array([50.5])),  # one row of 100 apart: the same split
        (np.array([0, 1]), np.array([80.5, 0.3])),  # 31 rows apart; one-hot at 0.3: same
        (np.array([1]), np.array([0.9])),
    ]
    same_feature, same_split = split_recurrence(splits, others, X)
    assert same_feature.tolist() == [2, 2]
    assert same_split.tolist() == [1, 2]


def test_evaluate_folds_and_its_tables(wine_crembo):
    wine, fitted = wine_crembo
    X = wine.data
    splits = tree_splits(fitted)
    assert splits[0].size >= 1 and (splits[0] < X.shape[1]).all()
    pred = fitted.predict(X)
    other = pred.copy()
    other[:10] = (other[:10] + 1) % 3
    folds = [
        {
            "accuracy": {"student": a, "teacher": 0.95, "tree": 0.9, "majority": 0.4},
            "agreement": 0.9,
            "all_pred": p,
            "splits": splits,
            "train_share": 0.8,
        }
        for a, p in ((0.9, pred), (0.8, other))
    ] + [{"error": "fold 3: one class"}]
    names = {"student": "S", "teacher": "T", "tree": "P", "majority": "M"}
    ev = evaluate_folds(fitted, folds, X, names, wine.feature_names)
    assert ev["folds"] == 2 and ev["requested"] == 3 and "fold 3" in ev["note"]
    rows = evaluation_rows(ev)
    assert [r["method"] for r in rows] == ["S", "T", "P", "M"]
    assert rows[0]["accuracy"] == "0.850 ± 0.071"
    assert ev["stability"]["agreement"] == pytest.approx(1 - 10 / X.shape[0])
    srows = stability_rows(ev)
    assert len(srows) == splits[0].size and all(r["same split"] == "2/2" for r in srows)
    assert srows[0]["split"].startswith(wine.feature_names[splits[0][0]])
    md = evaluation_markdown(ev)
    assert "## Cross-validated accuracy" in md and "## Stability" in md and "fold 3" in md
    assert "no evaluation" in evaluation_markdown(None)


def test_split_names():
    assert split_name(0, 0.5, ["colour=red"]) == "colour == red"
    assert split_name(0, 2.25, ["age"]) == "age <= 2.25"
    assert split_name(3, 1.0) == "x[3] <= 1"

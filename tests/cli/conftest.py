"""Fixtures of the command-line tests: the wine CSV and one model compressed from it."""

import numpy as np
import pytest
from sklearn.datasets import load_wine

from support.cli import run


@pytest.fixture(scope="session")
def wine_csv(tmp_path_factory):
    data = load_wine(as_frame=True)
    df = data.frame.rename(columns={"target": "cultivar"})
    df["cultivar"] = np.array(["barolo", "grignolino", "barbera"])[data.target]
    df.loc[3, "alcohol"] = np.nan  # a missing value, left to the trees
    path = tmp_path_factory.mktemp("data") / "wine.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def compressed(wine_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    result = run(
        "compress", "--data", wine_csv, "--target", "cultivar", "--out", out / "m.skops",
        "--report", out / "report",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result

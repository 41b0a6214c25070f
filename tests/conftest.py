"""Fixtures shared across test files (session scope where they cost something to build)."""

import zipfile

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine


@pytest.fixture(scope="session")
def wine():
    return load_wine(return_X_y=True)


@pytest.fixture(scope="session")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="session")
def wine_crembo():
    """The wine bunch and CREMBO (a 20-tree forest teacher) fitted on it."""
    from sklearn.ensemble import RandomForestClassifier

    from crembo import CREMBOClassifier

    bunch = load_wine()
    teacher = RandomForestClassifier(20, max_depth=8, random_state=0)
    model = CREMBOClassifier(teacher, random_state=0, n_jobs=1).fit(bunch.data, bunch.target)
    return bunch, model


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.fixture(scope="session")
def bad_input_files(tmp_path_factory):
    """Iris as CSV files, good and broken, for the bad-input cases of every module.

    Keys: ``iris`` (the good file), ``empty``, ``header`` (header only), ``one`` (one row),
    ``oneclass``, ``text`` (a text column with a missing value), ``nan``, ``inf``, ``binary``,
    ``zip``, ``ragged``, ``nolabel`` (a row without a label), ``missing`` (a path that does not
    exist), ``model`` (a model compressed from ``iris`` by ``crembo compress``),
    ``corrupt_runs`` (a folder with an unreadable summary.json) and ``foreign_out`` (an --out
    folder holding records.csv files that are not crembo's). Cases only read these; the CLI
    cases check that the folder is left as it was.
    """
    from typer.testing import CliRunner

    from crembo.cli import app

    target = "target"  # the label column (TARGET in the test files)
    d = tmp_path_factory.mktemp("bad_input")
    frame = load_iris(as_frame=True).frame
    frame.columns = ["sepal length", "sepal width", "petal length", "petal width", target]
    names = [
        "iris",
        "empty",
        "header",
        "one",
        "oneclass",
        "text",
        "nan",
        "inf",
        "binary",
        "zip",
        "ragged",
        "nolabel",
    ]
    paths = {k: d / f"{k}.csv" for k in names}
    paths["missing"] = d / "missing.csv"
    frame.to_csv(paths["iris"], index=False)
    paths["empty"].write_text("")
    paths["header"].write_text(",".join(frame.columns) + "\n")
    frame.iloc[:1].to_csv(paths["one"], index=False)
    frame.iloc[:50].to_csv(paths["oneclass"], index=False)
    text = frame.assign(colour=np.where(frame.index % 2, "red", "blue"))
    text.loc[5, "colour"] = None
    text.to_csv(paths["text"], index=False)
    nan = frame.copy()
    nan.iloc[::5, 1] = np.nan
    nan.to_csv(paths["nan"], index=False)
    frame.assign(**{"sepal width": frame["sepal width"].where(frame.index != 3, np.inf)}).to_csv(
        paths["inf"], index=False
    )
    paths["binary"].write_bytes(bytes(range(256)) * 8)
    with zipfile.ZipFile(paths["zip"], "w") as z:
        z.writestr("data.csv", "a,b\n1,2\n")
    paths["ragged"].write_text('a,b,target\n1,2,0\n1,2,3,4,5\n"unterminated\n')
    labels = frame.astype({target: float})
    labels.loc[3, target] = np.nan
    labels.to_csv(paths["nolabel"], index=False)
    # a model to predict with, and folders holding something that is not ours
    model = d / "model.skops"
    result = CliRunner().invoke(
        app, ["compress", "--data", str(paths["iris"]), "--target", target, "--out", str(model)]
    )
    assert result.exit_code == 0, result.output
    paths["model"] = model
    corrupt = d / "corrupt_runs" / "run"
    corrupt.mkdir(parents=True)
    (corrupt / "summary.json").write_text("{not json")
    paths["corrupt_runs"] = corrupt.parent
    foreign = d / "foreign_out"
    foreign.mkdir()
    (foreign / "records.csv").write_text("name,score\nalice,3\n")
    (foreign / "iris").mkdir()  # breakdown writes one sub-folder per data set
    (foreign / "iris" / "records.csv").write_text("name,score\nalice,3\n")
    paths["foreign_out"] = foreign
    return paths


@pytest.fixture(scope="session")
def shipped(tmp_path_factory):
    """A compressed model with hostile names, missing values and one-hot columns, its files
    and rows, for the exporter and ``crembo export`` tests (tests/support/shipped.py)."""
    from support.shipped import make_shipped

    return make_shipped(tmp_path_factory.mktemp("shipped"))

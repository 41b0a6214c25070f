"""SQL: the CASE expression run in SQLite predicts what the model predicts."""

import sqlite3

import numpy as np
import pytest

import crembo
from crembo.exporters.check import disagreements, sql_predictions
from crembo.exporters.sql import identifier, literal, sql_case, to_sql
from crembo.exporters.tree import export_tree


@pytest.mark.parametrize("which", ["train", "noisy"])
@pytest.mark.parametrize("file", ["full", "student"])
def test_sql_predicts_as_the_model(shipped, which, file):
    model = crembo.load(getattr(shipped, file))
    tree = export_tree(model, shipped.meta)
    frame = shipped.frames[which]
    got = sql_predictions(sql_case(tree), frame)
    assert disagreements(shipped.predictions(which), got) == 0
    if which == "noisy":  # the rows the test is about: missing values, unseen categories
        assert frame.isna().any(axis=1).mean() > 0.3


def test_sql_probabilities(shipped):
    tree = export_tree(shipped.model, shipped.meta)
    frame = shipped.frames["noisy"]
    rows = sql_predictions(to_sql(tree, proba=True).rstrip(), frame)
    expected = shipped.model.predict_proba(shipped.encoded("noisy"))
    assert disagreements(shipped.predictions("noisy"), [r[0] for r in rows]) == 0
    np.testing.assert_allclose(np.array([r[1:] for r in rows], dtype=float), expected, atol=1e-12)


def test_sql_names_are_quoted(shipped):
    text = sql_case(export_tree(shipped.model, shipped.meta))
    with sqlite3.connect(":memory:") as db:  # one expression: SQLite parses it whole
        db.execute(
            "CREATE TABLE t (" + ", ".join(identifier(c) for c in shipped.meta["columns"]) + ")"
        )
        db.execute(f"SELECT {text} FROM t").fetchall()
        tables = db.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("t",)]


def test_identifier_and_literal_escaping():
    assert identifier('a"b') == '"a""b"'
    assert literal("O'Brien") == "'O''Brien'"
    assert literal(3) == "3" and literal(True) == "1"
    assert literal(float("inf")) == "9e999"
    assert float(literal(0.1 + 0.2)) == 0.1 + 0.2
    with pytest.raises(ValueError, match="NUL"):
        identifier("a\0b")


def test_sqlite_reads_every_threshold_back_exactly(shipped):
    tree = export_tree(shipped.model, shipped.meta)
    bounds = [t.threshold for t in tree.tests if t is not None and t.numeric]
    bounds = [b for b in bounds if b != float("inf")]
    with sqlite3.connect(":memory:") as db:
        read = [db.execute(f"SELECT {literal(b)}").fetchone()[0] for b in bounds]
    assert read == bounds and bounds


def test_float_literals_read_back_exactly_in_sqlite():
    # 345.9097532377655: SQLite 3.40 reads its repr one unit off
    values = np.random.default_rng(0).normal(size=3000) * 10.0 ** np.arange(-6, 6).repeat(250)
    values = [float(v) for v in values] + [345.9097532377655]
    with sqlite3.connect(":memory:") as db:
        read = [db.execute(f"SELECT {literal(v)}").fetchone()[0] for v in values]
    assert read == values
    assert all(float(literal(v)) == v for v in values)  # and exact for any correct reader

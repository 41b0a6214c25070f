"""crembo.tables: rows as rich and markdown tables; sizes."""

from crembo.tables import format_size, markdown_table, rich_table


def test_tables():
    rows = [
        {"method": "BM", "accuracy": 0.91234, "n": 3},
        {"method": "VT", "accuracy": float("nan"), "n": 4},
    ]
    md = markdown_table(rows)
    assert md.splitlines()[0] == "| method | accuracy | n |"
    assert "0.912" in md and "n/a" in md
    table = rich_table(rows, title="t")
    assert table.row_count == 2 and len(table.columns) == 3


def test_sizes():
    assert format_size(512) == "512 bytes"
    assert format_size(4300) == "4.2 KB" and format_size(3 * 2**20) == "3.0 MB"

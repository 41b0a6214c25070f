"""crembo._io: atomic writes leave the old file intact on failure and no temporary behind."""

import os
import stat

import numpy as np
import pytest

from crembo._io import atomic_path, atomic_save_npy, atomic_write_bytes, atomic_write_text


def _usual_mode():
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def test_write_text_bytes_npy_round_trip(tmp_path):
    atomic_write_text(tmp_path / "a.txt", "x\r\ny\n")
    assert (tmp_path / "a.txt").read_bytes() == b"x\r\ny\n"  # newlines kept as given
    atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    atomic_save_npy(tmp_path / "c.npy", np.arange(5))
    np.testing.assert_array_equal(np.load(tmp_path / "c.npy"), np.arange(5))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin", "c.npy"]
    for name in ("a.txt", "b.bin", "c.npy"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == _usual_mode()


def test_failed_write_keeps_old_file(tmp_path):
    dest = tmp_path / "a.txt"
    dest.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert dest.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_npy_refuses_objects_and_keeps_old(tmp_path):
    dest = tmp_path / "p.npy"
    atomic_save_npy(dest, np.zeros(2))
    with pytest.raises(ValueError):
        atomic_save_npy(dest, np.array([{}], dtype=object))
    np.testing.assert_array_equal(np.load(dest), np.zeros(2))
    assert [p.name for p in tmp_path.iterdir()] == ["p.npy"]


def test_bad_destinations(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        atomic_write_text(tmp_path, "x")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write_text(tmp_path / "missing" / "a.txt", "x")


def test_persist_uses_the_one_home():
    import crembo._io
    import crembo.persist

    assert crembo.persist.atomic_path is crembo._io.atomic_path

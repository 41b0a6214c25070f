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
    with pytest.raises(ValueError, match="is a folder"):
        atomic_write_text(tmp_path, "x")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write_text(tmp_path / "missing" / "a.txt", "x")


def test_persist_uses_the_one_home():
    import crembo._io
    import crembo.persist

    assert crembo.persist.atomic_path is crembo._io.atomic_path


# ------------------------------------------------ issue 24: only regular files are written


def _special_files(tmp_path):
    """(kind, path) of the destinations that must be refused, none of them replaced."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    to_stdout = tmp_path / "stdout-link"
    to_stdout.symlink_to("/proc/self/fd/1")
    regular = tmp_path / "target.txt"
    regular.write_text("target")
    to_file = tmp_path / "file-link"
    to_file.symlink_to(regular)
    cases = [("fifo", fifo), ("symlink-stdout", to_stdout), ("symlink-file", to_file)]
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        cases.append(("device", device))
    except (PermissionError, OSError):
        pass  # not root: the FIFO stands for the special files
    return cases


def test_special_destinations_are_refused_and_left_alone(tmp_path):
    for kind, path in _special_files(tmp_path):
        before = os.lstat(path)
        with pytest.raises(ValueError, match="symbolic link|not a regular file") as info:
            atomic_write_text(path, "x")
        assert str(path) in str(info.value), kind
        after = os.lstat(path)
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino), kind
    assert (tmp_path / "target.txt").read_text() == "target"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary


def test_existing_mode_is_kept(tmp_path):
    dest = tmp_path / "secret.csv"
    dest.write_text("old")
    dest.chmod(0o600)
    atomic_write_text(dest, "new")
    assert dest.read_text() == "new"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    dest.chmod(0o640)
    atomic_write_bytes(dest, b"newer")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o640


def test_hard_link_other_name_is_never_written_through(tmp_path):
    """Replacing keeps the write to this name: a link planted to another file stays as it was."""
    other = tmp_path / "other.txt"
    other.write_text("someone else's")
    dest = tmp_path / "out.txt"
    os.link(other, dest)
    atomic_write_text(dest, "mine")
    assert dest.read_text() == "mine"
    assert other.read_text() == "someone else's"
    assert dest.stat().st_nlink == 1 and other.stat().st_nlink == 1


def test_cli_out_onto_special_files_is_one_line(tmp_path):
    from sklearn.tree import DecisionTreeClassifier

    from crembo import save
    from support.cli import refused, run

    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20) % 2
    model = save(DecisionTreeClassifier(max_depth=1).fit(X, y), tmp_path / "m.skops")
    csv = tmp_path / "d.csv"
    csv.write_text("a,b\n" + "\n".join(f"{a},{b}" for a, b in X))
    for kind, path in _special_files(tmp_path):
        result = run("predict", "--model", model, "--data", csv, "--out", path)
        refused(result, "--out", str(path))
        assert stat.S_ISLNK(os.lstat(path).st_mode) == kind.startswith("symlink"), kind
    data = tmp_path / "train.csv"
    data.write_text("a,b,y\n" + "\n".join(f"{a},{b},{t}" for (a, b), t in zip(X, y, strict=True)))
    link = tmp_path / "model-link.skops"
    link.symlink_to(tmp_path / "elsewhere.skops")
    result = run("compress", "--data", data, "--target", "y", "--out", link, "--folds", "0")
    refused(result, "--out", "symbolic link")
    assert not (tmp_path / "elsewhere.skops").exists()


def test_compress_checks_the_report_files_before_the_fit(tmp_path):
    from support.cli import refused, run

    data = tmp_path / "train.csv"
    data.write_text("a,y\n" + "\n".join(f"{i % 7},{i % 2}" for i in range(20)))
    report = tmp_path / "report"
    report.mkdir()
    (report / "report.md").symlink_to(tmp_path / "elsewhere.md")
    out = tmp_path / "m.skops"
    result = run("compress", "--data", data, "--target", "y", "--out", out, "--report", report)
    refused(result, "--report", "symbolic link")
    assert not out.exists() and not (tmp_path / "elsewhere.md").exists()

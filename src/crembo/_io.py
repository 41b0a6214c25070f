"""Atomic file writes: the one home for "write next to it, then ``os.replace``".

Every file crembo writes that a reader or a resumed run may open (model files, ``run.json``,
``records.csv``, ``predictions/*.npy``, summaries, reports) goes through a temporary file in
the destination's folder that is moved onto the destination only once it is complete, so a
reader never sees a half-written file and a failed or killed write leaves the old one intact.

Only regular files are written. A destination that is a folder, a FIFO, a device, a socket or
a symbolic link is refused (:func:`check_destination`) before anything is created: replacing
it would put a regular file in its place (``--out /dev/stdout`` run as root would replace
``/dev/stdout``), and writing through it is not atomic (a symbolic link may also point
anywhere: to stdout, or into another user's files). An existing file keeps its permission
bits. A file with several hard links is replaced under this one name: the other names keep
the old content, so a write never changes a file through a link planted next to it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = [
    "atomic_path",
    "atomic_save_npy",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_destination",
]


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_destination(path, name: str | None = None) -> os.stat_result | None:
    """Refuse a destination crembo must not replace; the existing file's status, or None.

    Parameters
    ----------
    path : str or path-like
    name : str, optional
        The option or argument that named ``path`` (``--out``), for the message.

    Raises
    ------
    ValueError
        ``path`` is a symbolic link, a folder, or a special file (FIFO, device, socket).
    FileNotFoundError
        Its folder does not exist.
    """
    path = Path(path)
    what = f"{name} {path}" if name else str(path)
    if not path.parent.exists():
        raise FileNotFoundError(f"folder {path.parent} does not exist (for {what}).")
    if not path.parent.is_dir():
        raise ValueError(f"{what}: {path.parent} is a file, not a folder.")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:  # a component that is not a folder, a name too long, ...
        raise ValueError(f"{what}: cannot write there ({exc.strerror}).") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise ValueError(
                f"{what} is a symbolic link (to {os.readlink(path)}); crembo writes regular "
                "files only, atomically: give the path of a regular file."
            )
        if stat.S_ISDIR(st.st_mode):
            raise ValueError(f"{what} is a folder; expected a file path.")
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(
                f"{what} is not a regular file (a FIFO, device or socket); crembo writes "
                "regular files only: give a file path."
            )
    return st


def _permissions(tmp, existing: os.stat_result | None) -> None:
    """mkstemp makes 0600 files: give an existing file's permission bits, else those a plain
    ``open`` would."""
    mode = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask()
    os.chmod(tmp, mode & 0o777)  # never setuid/setgid bits on a file crembo wrote


@contextlib.contextmanager
def atomic_path(path, *, prefix: str | None = None, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` only on success.

    Readers never see a half-written file, and a failed write leaves the old one intact.

    Parameters
    ----------
    path : str or path-like
        Destination file; its folder must exist. A regular file or nothing (see
        :func:`check_destination`); an existing file keeps its permission bits.
    prefix, suffix : str, optional
        Name parts of the temporary file (default ``.<name>.`` and ``.tmp``: hidden, and
        never matched by a reader's ``*.csv`` or ``*.npy``).

    Yields
    ------
    pathlib.Path
        The temporary file (already created, empty) to write to.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> dest = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(dest) as tmp:
    ...     _ = tmp.write_text("done")
    >>> dest.read_text()
    'done'
    """
    path = Path(path)
    existing = check_destination(path)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}." if prefix is None else prefix, suffix=suffix
    )
    os.close(fd)
    tmp = Path(tmp)
    _permissions(tmp, existing)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_save_npy(path, array) -> None:
    """Save ``array`` as ``.npy`` at ``path`` atomically (no pickled objects allowed)."""
    path = Path(path)
    with atomic_path(path, prefix=f".{path.stem}.", suffix=".npy") as tmp, open(tmp, "wb") as fh:
        np.save(fh, np.asarray(array), allow_pickle=False)

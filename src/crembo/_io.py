"""Atomic file writes: the one home for "write next to it, then ``os.replace``".

Every file crembo writes that a reader or a resumed run may open (model files, ``run.json``,
``records.csv``, ``predictions/*.npy``, summaries, reports) goes through a temporary file in
the destination's folder that is moved onto the destination only once it is complete, so a
reader never sees a half-written file and a failed or killed write leaves the old one intact.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = ["atomic_path", "atomic_save_npy", "atomic_write_bytes", "atomic_write_text"]


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _usual_permissions(path) -> None:
    """mkstemp makes 0600 files; give the permissions a plain ``open`` would."""
    os.chmod(path, 0o666 & ~_umask())


@contextlib.contextmanager
def atomic_path(path, *, prefix: str | None = None, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` only on success.

    Readers never see a half-written file, and a failed write leaves the old one intact.

    Parameters
    ----------
    path : str or path-like
        Destination file; its folder must exist.
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
    if path.is_dir():
        raise ValueError(f"{path} is a directory; expected a file path.")
    if not path.parent.exists():
        raise FileNotFoundError(f"folder {path.parent} does not exist (for {path}).")
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}." if prefix is None else prefix, suffix=suffix
    )
    os.close(fd)
    tmp = Path(tmp)
    _usual_permissions(tmp)
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

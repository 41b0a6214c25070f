"""Safe model files: skops instead of pickle, an allow-list of types, a versioned header.

A model file is a skops archive holding ``{"format": "crembo-model", "version": 1,
"metadata": "<json>", "model": model}``. Loading reads the archive's schema first (nothing
is constructed yet), checks the header, and refuses any type outside the allow-list (classes
defined by crembo, scikit-learn or NumPy) unless the caller trusts it by name.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import skops.io as sio

FORMAT = "crembo-model"
VERSION = 1

#: Packages whose *classes* are trusted without asking (functions are not).
TRUSTED_PACKAGES = ("crembo", "sklearn", "numpy")


class UntrustedTypesError(ValueError):
    """A model file holds types that are neither allow-listed nor trusted by the caller.

    Attributes
    ----------
    types : list of str
        The untrusted type names, as ``trusted=`` expects them.
    """

    def __init__(self, path, types):
        self.types = list(types)
        super().__init__(
            f"{path} holds types that are not trusted: {', '.join(self.types)}. Load it only "
            "if you trust its author, passing these names as trusted=[...] "
            "(crembo predict: --trust NAME)."
        )


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` only on success.

    Readers never see a half-written file, and a failed write leaves the old one intact.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory; expected a file path.")
    if not path.parent.exists():
        raise FileNotFoundError(f"folder {path.parent} does not exist (for {path}).")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save(model, path, *, metadata: dict | None = None) -> Path:
    """Write ``model`` to ``path`` as a safe (skops) crembo model file.

    Parameters
    ----------
    model : estimator
        Anything with ``predict``; fitted crembo and scikit-learn models in particular.
    path : str or Path
        Destination, written atomically (``.skops`` is the customary suffix).
    metadata : dict, optional
        JSON-serializable facts kept with the model (feature names, target column, ...);
        read back with :func:`read_metadata` without loading the model.

    Returns
    -------
    path : Path
    """
    if not hasattr(model, "predict"):
        raise TypeError(f"model: expected an estimator with predict; got {type(model).__name__}.")
    try:
        meta = json.dumps(metadata or {})
    except TypeError as exc:
        raise TypeError(f"metadata must be JSON-serializable: {exc}") from None
    payload = {"format": FORMAT, "version": VERSION, "metadata": meta, "model": model}
    path = Path(path)
    with atomic_path(path) as tmp:
        try:
            sio.dump(payload, tmp)
        except Exception as exc:  # skops raises several kinds; say what could not be stored
            raise TypeError(
                f"cannot save {type(model).__name__} safely: {type(exc).__name__}: {exc}"
            ) from None
    return path


def load(path, trusted: Iterable[str] | str | None = None) -> Any:
    """Load a model written by :func:`save`, refusing types nobody trusted.

    Parameters
    ----------
    path : str or Path
    trusted : list of str, optional
        Type names to accept beyond the allow-list (classes of crembo, scikit-learn and
        NumPy). The error raised for an untrusted file lists the names to pass.

    Returns
    -------
    model : estimator

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    UntrustedTypesError
        The file holds types outside the allow-list and ``trusted``.
    ValueError
        The file is truncated, not a crembo model file, or from another format version.
    """
    path = _existing_file(path)
    extra = _check_trusted(trusted)
    _read_header(path)
    try:
        names = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise _unreadable(path, exc) from None
    refused = [n for n in names if n not in extra and not _allow_listed(n)]
    if refused:
        raise UntrustedTypesError(path, refused)
    try:
        payload = sio.load(path, trusted=names)
    except Exception as exc:
        raise _unreadable(path, exc) from None
    model = payload.get("model") if isinstance(payload, dict) else None
    if not hasattr(model, "predict"):
        raise ValueError(f"{path} does not hold a model (no object with predict inside).")
    return model


def read_metadata(path) -> dict:
    """The metadata stored with a model, read without constructing the model."""
    header = _read_header(_existing_file(path))
    return header["metadata"]


def _existing_file(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file path; got {type(path).__name__}.")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file {path} does not exist.")
    if not path.is_file():
        raise ValueError(f"{path} is not a file.")
    return path


def _check_trusted(trusted) -> set[str]:
    if trusted is None:
        return set()
    if isinstance(trusted, str):
        trusted = [trusted]
    try:
        names = list(trusted)
    except TypeError:
        raise TypeError(
            f"trusted: expected a list of type names; got {type(trusted).__name__}."
        ) from None
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise TypeError(f"trusted: expected type names (str); got {bad[:3]!r}.")
    return set(names)


def _read_header(path: Path) -> dict:
    """Format, version and metadata from the archive's schema; constructs nothing."""
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _unreadable(path, exc) from None
    content = schema.get("content") if isinstance(schema, dict) else None
    if schema.get("__class__") != "dict" or not isinstance(content, dict):
        raise ValueError(f"{path} is a skops file but not a crembo model file (no header).")
    fmt, version, meta = (_json_leaf(content.get(k)) for k in ("format", "version", "metadata"))
    if fmt != FORMAT:
        raise ValueError(f"{path} is a skops file but not a crembo model file (no header).")
    if version != VERSION:
        raise ValueError(
            f"{path} was written in crembo model format version {version!r}; this crembo "
            f"reads version {VERSION}. Save the model again with a matching crembo."
        )
    try:
        metadata = json.loads(meta) if isinstance(meta, str) else {}
    except json.JSONDecodeError:
        metadata = {}
    return {"format": fmt, "version": version, "metadata": metadata}


def _json_leaf(node):
    """Value of a plain str/int node of a skops schema, else None."""
    if not isinstance(node, dict) or not node.get("is_json"):
        return None
    try:
        return json.loads(node["content"])
    except (KeyError, TypeError, json.JSONDecodeError):
        return None


def _allow_listed(name: str) -> bool:
    """Whether ``name`` is a class of a trusted package (importing only those packages)."""
    module, _, attr = name.rpartition(".")
    if module.split(".")[0] not in TRUSTED_PACKAGES or not attr:
        return False
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return False
    return isinstance(obj, type)


def _unreadable(path, exc) -> ValueError:
    what = (
        "truncated or damaged" if isinstance(exc, (zipfile.BadZipFile, EOFError)) else "unreadable"
    )
    return ValueError(
        f"{path} is not a readable crembo model file ({what}: {type(exc).__name__}: {exc})."
    )

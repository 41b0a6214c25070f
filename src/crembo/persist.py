"""Safe model files: skops instead of pickle, an exact allow-list, bounded checks, a digest.

Why one file of more than 500 lines: writing and reading a model file share one format (the
header, the digest, the member scan and bounds); a reader and a writer apart could drift. The
per-class structural checks are :mod:`crembo._model_checks`.

A model file is a skops archive (a zip) holding ``{"format": "crembo-model", "version": 2,
"metadata": "<json>", "model": model}``, plus a SHA-256 digest of its content in the
schema. :func:`load` decides everything it can before it reads or builds anything:

1. **the zip directory**: number of members, each member's and the total uncompressed size,
   compression ratios, duplicate names (limits below); nothing is decompressed yet;
2. **the schema** (``schema.json``, read only after its size passed): header, format version,
   nesting depth, and every node's *exact* type, compared as strings with the allow-list
   (:data:`ALLOWED`), so no module is imported to decide whether it is trusted; functions are
   never trusted unless named in ``trusted=``, which warns that it allows running them;
3. **the members**: each referenced by exactly one node, arrays' ``.npy`` headers consistent
   with their size and free of Python objects, the digest recomputed;
4. **the trees**: every scikit-learn ``Tree`` checked before it is built (child indices,
   node counts, features, shapes, depth), and after building, that each tree's estimator
   and its enclosing ensemble or crembo estimator agree on the number of features.

Files of format version 1 (written before the digest existed) are still read, with a
warning that their integrity cannot be checked; saving them again adds the digest. A
version-2 file without a digest is refused.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crembo._io import atomic_path
from crembo._model_checks import (
    VALIDATORS,
    Invalid,
    check_object,
    n_features,
    qualname,
    tree_depth,
    tree_shape_problem,
)

FORMAT = "crembo-model"
VERSION = 2
#: Versions this crembo reads (1: before the digest).
READABLE_VERSIONS = (1, 2)
#: Key of the digest at the top level of ``schema.json`` (skops ignores unknown keys there).
DIGEST_KEY = "crembo_digest"
_DIGEST_PREFIX = "sha256:"

# ------------------------------------------------------------------------------- limits
#: Most members an archive may hold (a 500-tree forest holds about 1,500).
MAX_MEMBERS = 200_000
#: Largest uncompressed member, and all members together.
MAX_MEMBER_BYTES = 4 << 30
MAX_TOTAL_BYTES = 16 << 30
#: Uncompressed bytes per byte of the file (crembo writes members uncompressed: about 1).
MAX_EXPANSION = 16
#: Uncompressed bytes per compressed byte of one member (zip bombs compress ~1000:1).
MAX_MEMBER_RATIO = 200
#: Largest ``schema.json``; a parsed schema takes up to ~30x its size in memory.
MAX_SCHEMA_BYTES = 256 << 20
#: Deepest nesting of the schema (models need ~40; skops recurses once per level).
MAX_SCHEMA_DEPTH = 200
#: Compression methods read: stored (what crembo writes) and deflate (a re-zipped file).
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: Most values the metadata may list, all lists together (feature names, classes, the
#: one-hot categories): a model's metadata is a few per feature.
MAX_METADATA_VALUES = 200_000

# --------------------------------------------------------------------------- allow-list
_NUMPY_SCALARS = frozenset(
    f"numpy.{t}"
    for t in (
        "bool", "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
        "uint64", "float16", "float32", "float64", "longdouble", "complex64", "complex128",
        "str_", "bytes_",
    )
)  # fmt: skip
_BUILTIN_TYPES = frozenset(
    f"builtins.{t}" for t in ("str", "int", "float", "bool", "complex", "list", "tuple", "dict")
)
#: Estimator and helper classes the models crembo makes contain (rebuilt by ``__new__`` and
#: their state: no constructor runs): exactly the classes with a structural validator in
#: :mod:`crembo._model_checks`. A new savable class registers its validator there, with a
#: round-trip test; a class without one cannot be loaded.
ALLOWED_OBJECTS = frozenset(VALIDATORS)
#: skops loader -> the exact ``module.Class`` names it may build without being trusted.
ALLOWED: dict[str, frozenset[str]] = {
    "DictNode": frozenset({"builtins.dict"}),
    "ListNode": frozenset({"builtins.list"}),
    "TupleNode": frozenset({"builtins.tuple"}),
    "JsonNode": frozenset({"builtins.str"}),  # json.loads of a literal: never a class
    "TypeNode": _BUILTIN_TYPES | _NUMPY_SCALARS,
    "NdArrayNode": frozenset({"numpy.ndarray"}) | _NUMPY_SCALARS,
    "DTypeNode": frozenset({"numpy.dtype"}),
    "RandomStateNode": frozenset({"numpy.random.mtrand.RandomState"}),
    "RandomGeneratorNode": frozenset({"numpy.random._generator.Generator"}),
    "TreeNode": frozenset({"sklearn.tree._tree.Tree"}),
    "ObjectNode": ALLOWED_OBJECTS,
}
#: Loaders whose type is called, or is a function the model may call: trusting one by hand
#: allows running it, and says so.
_RUNS_CODE = frozenset(
    {"FunctionNode", "MethodNode", "PartialNode", "ConstructorFromReduceNode", "OperatorFuncNode"}
)
_BIT_GENERATORS = frozenset({"MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64"})
#: Estimators that pass their own (checked) X unchanged to the estimators they hold.
_SAME_X_PARENTS = frozenset(
    {n for n in ALLOWED_OBJECTS if n.startswith("crembo.")}
    | {"sklearn.ensemble._forest.RandomForestClassifier"}
    | {"sklearn.ensemble._forest.ExtraTreesClassifier"}
)


class UntrustedTypesError(ValueError):
    """A model file holds types that are neither allow-listed nor trusted by the caller.

    Attributes
    ----------
    types : list of str
        The untrusted type names, as ``trusted=`` expects them.
    """

    def __init__(self, path, types, functions=()):
        self.types = list(types)
        what = ""
        if functions:
            what = (
                f" ({', '.join(functions)} would be called: trusting it allows running that code)"
            )
        super().__init__(
            f"{path} holds types that are not trusted: {', '.join(self.types)}{what}. Load it "
            "only if you trust its author, passing these names as trusted=[...] "
            "(crembo predict: --trust NAME)."
        )


class TrustWarning(UserWarning):
    """A name trusted by hand lets the file run the code it names."""


# --------------------------------------------------------------------------------- save


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
        read back with :func:`read_metadata` without loading the model. The keys
        ``crembo predict`` reads (``sep``, ``encoding``, ``categories``, ``columns``,
        ``feature_names``, ``classes``, ``target``) are checked as at load
        (:func:`metadata_problem`); a ``ValueError`` says what is wrong.

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
    problem = metadata_problem(json.loads(meta))  # as load will read it
    if problem:
        raise ValueError(f"metadata: {problem}.")
    payload = {"format": FORMAT, "version": VERSION, "metadata": meta, "model": model}
    import skops.io as sio  # here, not at import: skops pulls in much of scikit-learn

    try:
        raw = sio.dumps(payload)
    except Exception as exc:  # skops raises several kinds; say what could not be stored
        raise TypeError(
            f"cannot save {type(model).__name__} safely: {type(exc).__name__}: {exc}"
        ) from None
    path = Path(path)
    with atomic_path(path) as tmp, zipfile.ZipFile(io.BytesIO(raw)) as src:
        schema = json.loads(src.read("schema.json"))
        names = [i.filename for i in src.infolist() if i.filename != "schema.json"]
        schema[DIGEST_KEY] = _digest(schema, names, src.open)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as out:
            out.writestr("schema.json", json.dumps(schema))
            for name in names:
                out.writestr(name, src.read(name))
    return path


def _digest(schema: dict, names: Iterable[str], open_member) -> str:
    """SHA-256 of the schema (canonical JSON, without the digest) and the named members."""
    h = hashlib.sha256(b"crembo-digest-1\0")
    body = {k: v for k, v in schema.items() if k != DIGEST_KEY}
    text = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    h.update(len(text).to_bytes(8, "little") + text)
    for name in sorted(names):
        h.update(b"\0" + name.encode() + b"\0")
        with open_member(name) as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(chunk)
    return _DIGEST_PREFIX + h.hexdigest()


# --------------------------------------------------------------------------------- load


def load(path, trusted: Iterable[str] | str | None = None) -> Any:
    """Load a model written by :func:`save`, refusing types nobody trusted.

    Parameters
    ----------
    path : str or Path
    trusted : list of str, optional
        Exact type names (``module.Class`` or ``module.function``) to accept beyond the
        allow-list :data:`ALLOWED`. The error raised for an untrusted file lists the names
        to pass. A trusted name the file would call (a function, or a class called with
        arguments from the file) warns (:class:`TrustWarning`) that it allows running it.

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
        The file is truncated, damaged or tampered with (digest mismatch), over a limit,
        structurally invalid, not a crembo model file, or from another format version.
    """
    return _load(path, trusted, plain=False)


def load_estimator(path, trusted: Iterable[str] | str | None = None) -> Any:
    """A fitted estimator from a crembo model file or a plain skops file (``skops.io.dump``).

    The same checks and allow-list as :func:`load`; a plain skops file has no crembo header
    and no digest, so its integrity is not checked (its content is, as any file's).
    """
    return _load(path, trusted, plain=True)


def _load(path, trusted, plain: bool) -> Any:
    path = _existing_file(path)
    extra = _check_trusted(trusted)
    try:
        with zipfile.ZipFile(path) as archive:
            schema = _read_schema(path, archive)
            header = None if plain and not _has_header(schema) else _header(path, schema)
            scan = _scan(path, schema)
            refused = sorted(n for n in scan.names() if n not in extra and not scan.allowed(n))
            if refused:
                calls = [n for n in refused if n in scan.calls]
                raise UntrustedTypesError(path, refused, calls)
            for name in sorted(n for n in extra & scan.calls if not scan.allowed(n)):
                warnings.warn(
                    f"{path}: trusting {name} allows this file to run it (it is a function, "
                    "or a class the file calls with arguments of its own).",
                    TrustWarning,
                    stacklevel=3,
                )
            _check_members(path, archive, scan)
            if header is not None:
                _check_digest(path, archive, schema, header, scan)
            payload = _build(path, archive, schema, scan)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise _unreadable(path, exc) from None
    model = (
        payload if header is None else payload.get("model") if isinstance(payload, dict) else None
    )
    if not hasattr(model, "predict"):
        raise ValueError(f"{path} does not hold a model (no object with predict inside).")
    _check_estimators(path, model, frozenset(extra) - ALLOWED_OBJECTS)
    return model


def read_metadata(path) -> dict:
    """The metadata stored with a model, read without constructing the model.

    Only the archive's directory and schema are read (within the limits of :func:`load`);
    the digest is checked by :func:`load`.
    """
    path = _existing_file(path)
    try:
        with zipfile.ZipFile(path) as archive:
            return _header(path, _read_schema(path, archive))["metadata"]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
        raise _unreadable(path, exc) from None


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


# ------------------------------------------------------- 1. the zip directory and schema


def _read_schema(path: Path, archive: zipfile.ZipFile) -> dict:
    """Check the zip directory against the limits, then read and parse ``schema.json``."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _over(path, f"{len(infos)} members (at most {MAX_MEMBERS})")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _over(path, "two members with one name")
    size = max(path.stat().st_size, 1)
    total = 0
    for info in infos:
        if info.compress_type not in _COMPRESSIONS or info.flag_bits & 0x1:
            # zipfile inflates bzip2 and LZMA members in one unbounded call; deflate it
            # streams, never past the size the directory declared (checked here)
            raise _over(
                path,
                f"member {info.filename} is encrypted or compressed with method "
                f"{info.compress_type} (only stored or deflated members are read)",
            )
        if info.file_size > MAX_MEMBER_BYTES:
            raise _over(path, f"member {info.filename} of {info.file_size} bytes")
        ratio_limit = MAX_MEMBER_RATIO * max(info.compress_size, 1) + 4096
        if info.file_size > ratio_limit:
            raise _over(
                path, f"member {info.filename} compressed {info.file_size}:{info.compress_size}"
            )
        total += info.file_size
    if total > min(MAX_TOTAL_BYTES, MAX_EXPANSION * size + (1 << 20)):
        raise _over(path, f"{total} bytes uncompressed in a file of {size}")
    try:
        info = archive.getinfo("schema.json")
    except KeyError:
        raise _unreadable(path, KeyError("no schema.json")) from None
    if info.file_size > MAX_SCHEMA_BYTES:
        raise _over(path, f"schema.json of {info.file_size} bytes")
    try:
        schema = json.loads(archive.read("schema.json"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
        raise _unreadable(path, exc) from None
    if not isinstance(schema, dict):
        raise ValueError(f"{path} is a skops file but not a crembo model file (no header).")
    return schema


def _header(path: Path, schema: dict) -> dict:
    """Format, version and metadata from the schema; constructs nothing."""
    content = schema.get("content")
    if schema.get("__class__") != "dict" or not isinstance(content, dict):
        raise ValueError(f"{path} is a skops file but not a crembo model file (no header).")
    fmt, version, meta = (_json_leaf(content.get(k)) for k in ("format", "version", "metadata"))
    if fmt != FORMAT:
        raise ValueError(f"{path} is a skops file but not a crembo model file (no header).")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise ValueError(
            f"{path} was written in crembo model format version {version!r}; this crembo "
            f"reads versions {', '.join(map(str, READABLE_VERSIONS))}. Save the model again "
            "with a matching crembo."
        )
    try:
        metadata = json.loads(meta) if isinstance(meta, str) else {}
    except (ValueError, RecursionError):
        metadata = {}
    if not isinstance(metadata, dict):
        metadata = {}
    _check_metadata(path, metadata)
    return {"format": fmt, "version": version, "metadata": metadata}


def _check_metadata(path: Path, meta: dict) -> None:
    problem = metadata_problem(meta)
    if problem:
        raise ValueError(f"{path}: model metadata: {problem}; the file was not written by crembo.")


def metadata_problem(meta: dict) -> str | None:
    """What is wrong with the metadata ``crembo predict`` reads, or None; checked like the
    user's own options (at :func:`save` and at every read): one literal separator character,
    a text encoding from a fixed list, names and categories as lists of strings of bounded
    size, as many feature names as the encoding makes."""
    from crembo._csv_options import (
        MAX_CATEGORIES,
        MAX_ONEHOT_COLUMNS,
        check_encoding,
        check_sep,
    )

    try:
        if "sep" in meta:
            check_sep(meta["sep"], "sep")
        if "encoding" in meta:
            check_encoding(meta["encoding"], "encoding")
    except ValueError as exc:
        return str(exc).rstrip(".")
    if not isinstance(meta.get("target", ""), (str, type(None))):
        return "target is not a column name"
    total = 0
    for key, kinds in (("columns", str), ("feature_names", str), ("classes", (str, int, float))):
        names = meta.get(key, [])
        if not (isinstance(names, list) and all(isinstance(n, kinds) for n in names)):
            return f"{key} is not a list of names"
        total += len(names)
    categories = meta.get("categories", {})
    if not isinstance(categories, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in categories.values()
    ):
        return "categories is not a mapping of column names to lists of values"
    widest = max((len(v) for v in categories.values()), default=0)
    if widest > MAX_CATEGORIES:
        return f"a column of {widest} category values (at most {MAX_CATEGORIES})"
    n_values = sum(len(v) for v in categories.values())
    if n_values > MAX_ONEHOT_COLUMNS or total + n_values > MAX_METADATA_VALUES:
        return f"{n_values} category values (at most {MAX_ONEHOT_COLUMNS})"
    columns = meta.get("columns")
    if columns and categories:
        if not set(categories) <= set(columns):
            return "categories of columns that are not features"
        width = len(columns) - len(categories) + n_values
        if "feature_names" in meta and width != len(meta["feature_names"]):
            return f"{width} encoded columns for {len(meta['feature_names'])} feature names"
    return None


def _has_header(schema: dict) -> bool:
    """Whether the schema is a crembo model file's (a dict with our format), not a plain one."""
    content = schema.get("content")
    return (
        schema.get("__class__") == "dict"
        and isinstance(content, dict)
        and _json_leaf(content.get("format")) == FORMAT
    )


def _json_leaf(node):
    """Value of a plain str/int node of a skops schema, else None."""
    if not isinstance(node, dict) or not node.get("is_json"):
        return None
    try:
        return json.loads(node["content"])
    except (KeyError, TypeError, ValueError, RecursionError):
        return None


# ---------------------------------------------------------------------- 2. the schema scan


@dataclass
class _Scan:
    """What the schema says, gathered without building anything."""

    #: (loader, "module.Class") of every node
    types: set = field(default_factory=set)
    #: names the file would call (functions, classes called with the file's arguments)
    calls: set = field(default_factory=set)
    #: member name -> node ids referring to it (None: a node without id, never shared)
    refs: dict = field(default_factory=dict)
    #: members holding .npy data
    arrays: set = field(default_factory=set)

    def names(self) -> set[str]:
        return {name for _, name in self.types}

    def allowed(self, name: str) -> bool:
        return all(name in ALLOWED.get(loader, ()) for loader, n in self.types if n == name)


def _scan(path: Path, schema: dict) -> _Scan:
    """Every node of the schema, to any depth (more than skops visits: nothing is skipped)."""
    protocol = schema.get("protocol")
    if isinstance(protocol, bool) or not isinstance(protocol, int) or protocol < 0:
        raise _invalid(path, f"skops protocol {protocol!r}")
    scan = _Scan()
    stack: list[tuple[Any, int]] = [(schema, 0)]
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_SCHEMA_DEPTH:
            raise _over(path, f"schema nested deeper than {MAX_SCHEMA_DEPTH}")
        if isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj if isinstance(v, (dict, list)))
            continue
        if "__loader__" in obj or "__class__" in obj or "__module__" in obj:
            _scan_node(path, obj, scan)
        stack.extend((v, depth + 1) for v in obj.values() if isinstance(v, (dict, list)))
    return scan


def _scan_node(path: Path, node: dict, scan: _Scan) -> None:
    loader, module, cls = (node.get(k) for k in ("__loader__", "__module__", "__class__"))
    if not all(isinstance(v, str) and v for v in (loader, module, cls)):
        raise _invalid(path, "a schema node without loader, module or class")
    name = f"{module}.{cls}"
    scan.types.add((loader, name))
    if loader in _RUNS_CODE:
        scan.calls.add(name)
    if loader == "MethodNode":  # the method name rides in the content
        func = node.get("content", {}).get("func") if isinstance(node.get("content"), dict) else ""
        scan.types.add((loader, f"{name}.{func}"))
        scan.calls.add(f"{name}.{func}")
    if "file" in node:
        member = node["file"]
        if not isinstance(member, str):
            raise _invalid(path, "a member reference that is not a name")
        ident = node.get("__id__")
        scan.refs.setdefault(member, set()).add(ident if ident else object())
        if loader == "NdArrayNode":
            scan.arrays.add(member)
    if loader == "RandomGeneratorNode":
        try:
            bitgen = json.loads(
                node["content"]["bit_generator"]["content"]["bit_generator"]["content"]
            )
        except (KeyError, TypeError, ValueError):
            bitgen = None
        if bitgen not in _BIT_GENERATORS:
            scan.types.add(("RandomGeneratorNode", f"numpy.random.{bitgen}"))
            scan.calls.add(f"numpy.random.{bitgen}")


# ------------------------------------------------------------------------ 3. the members


def _check_members(path: Path, archive: zipfile.ZipFile, scan: _Scan) -> None:
    members = {i.filename: i for i in archive.infolist() if i.filename != "schema.json"}
    missing = sorted(set(scan.refs) - set(members))
    if missing:
        raise _invalid(path, f"the schema names missing member {missing[0]}")
    loose = sorted(set(members) - set(scan.refs))
    if loose:
        raise _invalid(path, f"member {loose[0]} that nothing refers to")
    shared = sorted(m for m, ids in scan.refs.items() if len(ids) > 1)
    if shared:
        # skops reads a member once per node: many nodes on one member multiply memory
        raise _over(path, f"member {shared[0]} referred to {len(scan.refs[shared[0]])} times")
    from numpy.lib import format as npy

    for member in sorted(scan.arrays):
        info = members[member]
        try:
            with archive.open(info) as fh:
                version = npy.read_magic(fh)
                if version == (1, 0):
                    shape, _, dtype = npy.read_array_header_1_0(fh)
                elif version in ((2, 0), (3, 0)):
                    shape, _, dtype = npy.read_array_header_2_0(fh)
                else:
                    raise ValueError(f"npy version {version}")
                start = fh.tell()
        except (zipfile.BadZipFile, EOFError):
            raise
        except Exception as exc:  # numpy's header parser raises many kinds (TokenError, ...)
            raise _invalid(path, f"array {member} ({type(exc).__name__}: {exc})") from None
        if dtype.hasobject:
            raise _invalid(path, f"array {member} of Python objects (dtype {dtype})")
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if start + nbytes != info.file_size:
            raise _invalid(
                path, f"array {member} of shape {shape} in {info.file_size - start} bytes"
            )


def _check_digest(path, archive, schema, header, scan) -> None:
    stored = schema.get(DIGEST_KEY)
    if header["version"] == 1 and stored is None:
        warnings.warn(
            f"{path} was written before model files had a digest (format version 1): its "
            "integrity cannot be checked. Save it again (crembo.save) to add one.",
            UserWarning,
            stacklevel=4,
        )
        return
    if not isinstance(stored, str) or not stored.startswith(_DIGEST_PREFIX):
        raise _invalid(path, "no content digest (a version-2 file always has one)")
    if _digest(schema, scan.refs, archive.open) != stored:
        raise ValueError(
            f"{path}: digest mismatch: the file was changed after it was saved (or damaged); "
            "refusing to load it."
        )


# ------------------------------------------------------------------------ 4. build, trees


def _build(path: Path, archive: zipfile.ZipFile, schema: dict, scan: _Scan):
    """Build skops' node tree (reads each member once), check the trees, then construct."""
    import skops.io  # noqa: F401  (registers every loader)
    from skops.io._audit import audit_tree, get_tree
    from skops.io._protocol import PROTOCOL
    from skops.io._utils import LoadContext

    if schema["protocol"] > PROTOCOL:
        raise _invalid(path, f"skops protocol {schema['protocol']} (this skops reads {PROTOCOL})")
    trusted = sorted(scan.names())
    try:
        root = get_tree(schema, LoadContext(src=archive, protocol=schema["protocol"]), trusted)
        audit_tree(root, trusted)
        for node in _tree_nodes(root):
            _check_tree_node(path, node)
        return root.construct()
    except ValueError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise _unreadable(path, exc) from None
    except (zipfile.BadZipFile, EOFError, OSError):
        raise
    except Exception as exc:  # KeyError, TypeError, RecursionError, skops' own errors
        raise _unreadable(path, exc) from None


def _tree_nodes(root) -> list:
    from skops.io._audit import Node
    from skops.io._sklearn import TreeNode

    found, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, TreeNode):
            found.append(node)
        for child in node.children.values():
            items = child.values() if isinstance(child, dict) else child
            if isinstance(child, Node):
                items = [child]
            if isinstance(items, (list, type({}.values()))):
                stack.extend(c for c in items if isinstance(c, Node))
    return found


def _check_tree_node(path: Path, node) -> None:
    """A scikit-learn Tree's arguments and state, checked before the Tree is built."""
    from crembo._compat import node_dtype

    args = node.args.construct()
    state = node.attrs.construct()
    bad = _tree_problem(args, state, node_dtype())
    if bad:
        raise _invalid(path, f"decision tree: {bad}")


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _tree_problem(args, state, node_dtype) -> str | None:
    """What is wrong with a Tree's ``(n_features, n_classes, n_outputs)`` and state, or None."""
    if not isinstance(args, tuple) or len(args) != 3 or not isinstance(state, dict):
        return "arguments or state of the wrong form"
    n_features, n_classes, n_outputs = args
    if not (_is_int(n_features) and n_features >= 1 and _is_int(n_outputs) and n_outputs >= 1):
        return "n_features and n_outputs must be positive integers"
    if not (
        isinstance(n_classes, np.ndarray)
        and n_classes.dtype.kind == "i"
        and n_classes.shape == (n_outputs,)
        and (n_classes >= 1).all()
    ):
        return f"n_classes must hold {n_outputs} positive integers"
    nodes, values = state.get("nodes"), state.get("values")
    node_count, max_depth = state.get("node_count"), state.get("max_depth")
    if not (isinstance(nodes, np.ndarray) and nodes.dtype == node_dtype and nodes.ndim == 1):
        return "nodes array of the wrong dtype"
    n = nodes.shape[0]
    if not (_is_int(node_count) and node_count == n >= 1):
        return f"node_count {node_count!r} for {n} nodes"
    if not (_is_int(max_depth) and max_depth >= 0):
        return f"max_depth {max_depth!r}"
    expected = (n, int(n_outputs), int(n_classes.max()))
    if not (isinstance(values, np.ndarray) and values.dtype == np.float64):
        return "values array of the wrong dtype"
    if values.shape != expected:
        return f"values of shape {values.shape}, expected {expected}"
    left, right = nodes["left_child"], nodes["right_child"]
    bad = tree_shape_problem(left, right, n)
    if bad:
        return bad
    inner = left != -1
    feature = nodes["feature"][inner]
    if np.any((feature < 0) | (feature >= n_features)):
        return f"a feature index outside 0..{n_features - 1}"
    if np.isnan(nodes["threshold"][inner]).any():
        return "a NaN threshold"
    if tree_depth(left, right) > max_depth:
        return f"deeper than its max_depth {max_depth}"
    return None


def _check_estimators(path: Path, model, by_hand=frozenset()) -> None:
    """Every object of the model through its class's structural validator, and estimators
    that hand their X to the estimators they hold agree with them on the number of features.

    Objects of classes trusted ``by_hand`` (outside the allow-list) are the truster's; any
    other class without a validator is refused. The model itself must say how many features
    it takes (``predict`` checks X against that).
    """
    seen, stack = set(), [model]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, np.ndarray)):
            continue
        seen.add(id(obj))
        if isinstance(obj, dict):
            stack.extend(obj.values())
            continue
        if isinstance(obj, (list, tuple)):
            stack.extend(obj)
            continue
        attrs = getattr(obj, "__dict__", None)
        if not isinstance(attrs, dict):
            continue
        name = qualname(obj)
        if name in VALIDATORS:
            try:
                check_object(obj)
            except Invalid as exc:
                raise _invalid(path, f"{type(obj).__name__}: {exc}") from None
        elif name not in by_hand and name.partition(".")[0] not in ("builtins", "numpy"):
            raise _invalid(path, f"{name} has no structural validator")
        if name in _SAME_X_PARENTS:
            _check_same_x(path, obj, attrs)
        stack.extend(attrs.values())
    n = n_features(model)
    if not (_is_int(n) and n >= 1):
        raise _invalid(path, "the model does not say how many features it takes (n_features_in_)")


def _check_same_x(path: Path, parent, attrs: dict) -> None:
    fitted = {k: v for k, v in attrs.items() if k.endswith("_") and not k.startswith("_")}
    children = []
    for value in fitted.values():
        children.extend(value if isinstance(value, (list, tuple)) else [value])
    children = [c for c in children if hasattr(c, "fit")]
    n_parent = n_features(parent)
    for child in children:
        n_child = n_features(child)
        if n_child is None:
            continue
        if not _is_int(n_parent) or n_child != n_parent:
            raise _invalid(
                path,
                f"{type(parent).__name__} with n_features_in_={n_parent!r} holding a "
                f"{type(child).__name__} fitted on {n_child} features",
            )


# ------------------------------------------------------------------------------- errors


def _unreadable(path, exc) -> ValueError:
    what = (
        "truncated or damaged"
        if isinstance(exc, (zipfile.BadZipFile, EOFError, zlib.error))
        else "unreadable"
    )
    message = " ".join(str(exc).split())[:300]
    return ValueError(
        f"{path} is not a readable crembo model file ({what}: {type(exc).__name__}: {message})."
    )


def _over(path, what: str) -> ValueError:
    return ValueError(f"{path} is refused: over the model file limits ({what}).")


def _invalid(path, what: str) -> ValueError:
    return ValueError(f"{path} is not a valid crembo model file ({what}).")

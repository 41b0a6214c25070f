"""Image data sets as flat rows plus an image shape: digits (bundled, at 8×8 or a coarser
resolution) and CIFAR-10 (local).

Rows are flat so that scikit-learn estimators (and ``CREMBOClassifier``'s 2-D checks) take
them; the nets of :mod:`crembo.nets.models` reshape them to ``image_shape``. Nothing here
needs torch, and nothing is downloaded.
"""

from __future__ import annotations

import io
import numbers
import pickle
import pickletools
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch

DIGITS_SHAPE = (1, 8, 8)
CIFAR10_SHAPE = (3, 32, 32)
CIFAR10_MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
CIFAR10_STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32)
CIFAR10_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST_FILE = "test_batch"
CIFAR10_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def load_digits_images() -> Bunch:
    """scikit-learn's 8×8 digits (1797 images, 10 classes), pixels scaled to [0, 1].

    Returns
    -------
    Bunch
        ``data`` (1797, 64) float32, ``target`` (1797,) int, ``image_shape`` ``(1, 8, 8)``,
        ``target_names``.
    """
    return load_digits_pooled(8)


def load_digits_pooled(size=4) -> Bunch:
    """scikit-learn's digits average-pooled to ``size`` × ``size`` pixels, in [0, 1].

    Each 8×8 pixel counts the on pixels of a 4×4 block of the original 32×32 bitmap (see
    ``load_digits().DESCR``); the mean over (8 / ``size``)² such pixels is the share of on
    pixels in a block of (32 / ``size``)² bitmap pixels: the same preprocessing at a coarser
    block. At 4×4 the digits are harder (the DNN experiment's convnet teacher reaches 0.89
    test accuracy instead of 0.97) and its belief is much less one-hot (mean largest share
    0.91 on its training rows instead of 0.99): a second regime beside the 8×8 digits.

    Parameters
    ----------
    size : {8, 4, 2, 1}, default=4
        Side of the pooled image; 8 keeps the digits as they are.

    Returns
    -------
    Bunch
        ``data`` (1797, size²) float32, ``target`` (1797,) int, ``image_shape``
        ``(1, size, size)``, ``target_names``.

    Examples
    --------
    >>> from crembo.vision import load_digits_pooled
    >>> d = load_digits_pooled(4)
    >>> d.data.shape, d.image_shape
    ((1797, 16), (1, 4, 4))
    """
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size not in (8, 4, 2, 1):
        raise ValueError(f"size must be 8, 4, 2 or 1 (a divisor of 8); got {size!r}.")
    d = load_digits()
    size = int(size)
    k = 8 // size
    # (n, 8, 8) -> (n, size, k, size, k): axes 2 and 4 run over one pooling block
    pixels = d.data.reshape(-1, size, k, size, k).mean(axis=(2, 4)) / 16.0
    return Bunch(
        data=pixels.reshape(-1, size * size).astype(np.float32),
        target=d.target.astype(np.int64),
        image_shape=(1, size, size),
        target_names=np.asarray([str(t) for t in d.target_names]),
    )


#: Largest CIFAR-10 batch file read (a real one is 30 MB); the file is read whole, then
#: unpickled from memory, so no length field inside it can make a read allocate more.
MAX_BATCH_BYTES = 512 << 20
#: The dtypes a batch's arrays may have (pixels, labels).
_BATCH_DTYPES = frozenset(["|u1", "<i8", "<i4", "<u4", "<u8", ">i8", ">i4"])


def _checked_dtype(*args, **kwargs):
    dtype = np.dtype(*args, **kwargs)
    if dtype.str not in _BATCH_DTYPES:
        raise pickle.UnpicklingError(f"CIFAR-10 batches hold no {dtype} arrays.")
    return dtype


def _latin1(text, encoding="latin1", *args):
    """What protocol-2 pickles of Python 2 bytes call: ``_codecs.encode(str, "latin1")``."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("CIFAR-10 batches encode text as latin-1 only.")
    return text.encode("latin-1")


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, numbers, bytes and NumPy arrays of plain dtypes only: the batch
    files come from disk, and a plain ``pickle.load`` would run whatever code a tampered file
    names (and build object arrays of anything)."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): None,
        ("numpy._core.multiarray", "_reconstruct"): None,
        ("numpy.core.multiarray", "scalar"): None,
        ("numpy._core.multiarray", "scalar"): None,
        ("numpy", "ndarray"): None,
        ("numpy", "dtype"): _checked_dtype,
        ("_codecs", "encode"): _latin1,
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(
                f"CIFAR-10 batch files hold arrays only; refusing to load {module}.{name}."
            )
        return self.ALLOWED[(module, name)] or super().find_class(module, name)


def _read_batch(path: Path) -> dict:
    """A batch's dict, its keys as text; only unpickled from memory, never from the file."""
    size = path.stat().st_size
    if size > MAX_BATCH_BYTES:
        raise ValueError(f"{path}: {size} bytes; a CIFAR-10 batch is at most {MAX_BATCH_BYTES}.")
    data = path.read_bytes()
    try:
        # every length field must fit in the file: the unpickler allocates what a length
        # says before it reads (pickletools reads without allocating first)
        for _ in pickletools.genops(data):
            pass
        raw = _ArrayUnpickler(io.BytesIO(data), encoding="bytes").load()
    except (
        pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, MemoryError
    ) as exc:  # fmt: skip
        raise ValueError(f"{path} is not a CIFAR-10 python batch ({exc}).") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a dict (a CIFAR-10 python batch); got {type(raw)}.")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in raw.items()}


def _batch_arrays(batch: dict, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``data`` and ``labels`` of a batch, checked before anything is converted: ``data`` an
    ``(n, 3072)`` uint8 array as stored, ``labels`` n integers (a list, as CIFAR-10 stores
    them, or an array). Lists are never turned into arrays here: a list of rows that all
    share one row costs nothing in the file and n × 3072 numbers once materialised."""
    x = batch.get("data")
    width = int(np.prod(CIFAR10_SHAPE))
    if not (isinstance(x, np.ndarray) and x.dtype == np.uint8 and x.ndim == 2):
        raise ValueError(f"{path}: data is not a 2-D uint8 array (a CIFAR-10 python batch).")
    if x.shape[1] != width:
        raise ValueError(f"{path}: data has shape {x.shape}; expected (n, {width}).")
    labels = batch.get("labels")
    if isinstance(labels, np.ndarray):
        ok = labels.ndim == 1 and labels.dtype.kind in "iu"
    else:
        ok = isinstance(labels, list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in labels
        )
    if not ok or len(labels) != x.shape[0]:
        raise ValueError(f"{path}: labels are not {x.shape[0]} integers, one per image.")
    y = np.asarray(labels, dtype=np.int64)
    if y.size and (y.min() < 0 or y.max() >= len(CIFAR10_NAMES)):
        raise ValueError(f"{path}: labels outside 0..{len(CIFAR10_NAMES) - 1}.")
    return x, y


def _cifar_folder(folder) -> Path:
    root = Path(folder).expanduser()
    for candidate in (root, root / "cifar-10-batches-py"):
        if (candidate / CIFAR10_TEST_FILE).is_file():
            return candidate
    raise FileNotFoundError(
        f"folder: no CIFAR-10 python batches in {root} (expected {CIFAR10_TEST_FILE} and "
        f"data_batch_1..5, as unpacked from cifar-10-python.tar.gz)."
    )


def load_cifar10(folder, *, subset="train", normalize=True, max_rows=None) -> Bunch:
    """CIFAR-10 from the standard python batches in ``folder`` (no download).

    Parameters
    ----------
    folder : str or Path
        Holds ``data_batch_1`` … ``data_batch_5`` and ``test_batch`` (or a
        ``cifar-10-batches-py`` subfolder that does).
    subset : {"train", "test"}, default="train"
    normalize : bool, default=True
        Scale to [0, 1] then standardize each channel with the usual CIFAR-10 mean and std;
        False keeps [0, 1].
    max_rows : int or None, default=None
        Keep the first ``max_rows`` rows (quick runs).

    Returns
    -------
    Bunch
        ``data`` (n, 3072) float32 in channel-major order (reshape to ``image_shape``
        ``(3, 32, 32)``), ``target`` (n,) int, ``target_names``.
    """
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test'; got {subset!r}.")
    base = _cifar_folder(folder)
    names = CIFAR10_TRAIN_FILES if subset == "train" else (CIFAR10_TEST_FILE,)
    missing = [n for n in names if not (base / n).is_file()]
    if missing:
        raise FileNotFoundError(f"folder: {base} lacks {', '.join(missing)}.")
    data, labels = [], []
    for name in names:
        x, y = _batch_arrays(_read_batch(base / name), base / name)
        data.append(x)
        labels.append(y)
        if max_rows is not None and sum(len(d) for d in data) >= max_rows:
            break
    X = np.concatenate(data)[:max_rows].astype(np.float32) / 255.0
    y = np.concatenate(labels)[:max_rows]
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{base}: {X.shape[0]} images but {y.shape[0]} labels.")
    if normalize:
        X = X.reshape(-1, 3, 1024)
        X = ((X - CIFAR10_MEAN[:, None]) / CIFAR10_STD[:, None]).reshape(-1, 3072)
    target_names = np.asarray(CIFAR10_NAMES)
    meta = base / "batches.meta"
    if meta.is_file():
        names_raw = _read_batch(meta).get("label_names")
        if names_raw is not None:
            if not (
                isinstance(names_raw, list)
                and len(names_raw) == len(CIFAR10_NAMES)
                and all(isinstance(n, (bytes, str)) and len(n) <= 100 for n in names_raw)
            ):
                raise ValueError(f"{meta}: label_names is not ten short names.")
            target_names = np.asarray(
                [n.decode() if isinstance(n, bytes) else str(n) for n in names_raw]
            )
    return Bunch(
        data=np.ascontiguousarray(X, dtype=np.float32),
        target=y,
        image_shape=CIFAR10_SHAPE,
        target_names=target_names,
    )

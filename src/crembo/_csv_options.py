"""How a CSV file may be read: the checks of a separator, an encoding and the encoding's size.

The same checks serve the user's options (``--sep``, ``--encoding``) and what a model file's
metadata says about its training file, which is as hostile as any input: pandas reads a
separator longer than one character as a regular expression (a crafted one backtracks for
ever), and Python's codec registry holds transforms that are not text encodings (``rot13``,
``zlib_codec``).
"""

from __future__ import annotations

import codecs
import encodings.aliases
import functools

#: Most indicator columns a one-hot encoding may make, all columns together (each is a float
#: per row in memory; a text column with a new value per row would make N×N of them).
MAX_ONEHOT_COLUMNS = 10_000
#: Most different values of one one-hot encoded text column. The encoding's memory is rows
#: times values; a bound per column keeps it a fixed multiple of the file's size (each cell
#: of the column takes at least two bytes of the file).
MAX_CATEGORIES = 256
#: Characters that cannot separate fields: quotes and line ends.
_NOT_SEPARATORS = frozenset('"\n\r')
#: The two-character spellings of a tab a shell passes through unchanged.
_TAB_SPELLINGS = ("\\t", "tab", "TAB")
#: Codecs of the standard library that transform bytes or text instead of encoding text.
_TRANSFORMS = frozenset(
    {"base64", "bz2", "hex", "quopri", "rot-13", "uu", "zlib", "mbcs", "oem", "undefined"}
)


def check_sep(sep, name: str = "sep") -> str:
    """One literal character (``\\t`` and ``tab`` spell a tab); raises ``ValueError``."""
    if isinstance(sep, str) and sep in _TAB_SPELLINGS:
        return "\t"
    if not isinstance(sep, str) or len(sep) != 1 or sep in _NOT_SEPARATORS:
        raise ValueError(
            f"{name}: expected one character such as ',' ';' or '\\t' (never a pattern, a quote "
            f"or a line end); got {sep!r}."
        )
    return sep


@functools.cache
def text_encodings() -> frozenset[str]:
    """The fixed list: the standard library's text encodings, by canonical codec name."""
    names = set()
    for module in set(encodings.aliases.aliases.values()) | {"utf_8_sig", "utf_16", "utf_32"}:
        try:
            names.add(codecs.lookup(module).name)
        except LookupError:  # a platform-only codec (mbcs off Windows)
            continue
    return frozenset(n for n in names if n.removesuffix("_codec") not in _TRANSFORMS)


def check_encoding(encoding, name: str = "encoding") -> str | None:
    """None, or the name of a text encoding from :func:`text_encodings`."""
    if encoding is None:
        return None
    canonical = None
    if isinstance(encoding, str) and len(encoding) <= 64:
        try:
            canonical = codecs.lookup(encoding).name
        except LookupError:
            canonical = None
    if canonical not in text_encodings():
        raise ValueError(
            f"{name}: unknown text encoding {encoding!r}; try utf-8, latin-1 or cp1252."
        )
    return encoding

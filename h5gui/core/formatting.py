"""Values in words: one rendering for attributes, Info and the HSDS backend (numpy, no h5py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_DEPTH = 8  # nested compound values shown this deep

#: control characters that a table cell or a label would draw as boxes or act upon (tabs and line ends kept)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def visible_text(value: bytes | str) -> str:
    """Text to show: bytes decoded as UTF-8 with invalid bytes as ``\\xff``; NUL, ESC and the other
    control characters as ``\\x00``, ``\\x1b`` (tabs and line ends kept)."""
    text = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _scalar(v: Any, deref: Callable[[Any], str] | None, depth: int = 0) -> str:
    """One element in words: text decoded (invalid UTF-8 as escapes), references as the path they point
    at, compound values as ``{name: value, ...}``."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "backslashreplace")
    if isinstance(v, np.void) and v.dtype.names:
        if depth > MAX_DEPTH:
            return "{...}"
        return "{" + ", ".join(f"{n}: {_scalar(v[n], deref, depth + 1)}" for n in v.dtype.names) + "}"
    if type(v).__name__ in ("Reference", "RegionReference"):  # h5py's, without importing h5py here
        if not v:
            return "(null reference)"
        return deref(v) if deref is not None else "(object reference)"
    if isinstance(v, np.ndarray):
        return _array(v, deref, 100, 5)
    if isinstance(v, np.generic):
        item = v.item()
        # a long double (or a wider complex) is its own .item(): written by numpy, not recursed into
        return str(v) if isinstance(item, np.generic) else _scalar(item, deref)
    return str(v)


def _quoted(v: Any) -> str:
    """A string element of a list, quoted: ``'café'``; bytes that are not UTF-8 as ``'ab\\xffcd'``."""
    if isinstance(v, bytes):
        try:
            return repr(bytes(v).decode("utf-8"))
        except UnicodeDecodeError:
            return repr(bytes(v))[1:]  # b'...' without its b: the invalid bytes escaped once
    return repr(v) if isinstance(v, str) else str(v)


def _array(value: np.ndarray, deref: Callable[[Any], str] | None, threshold: int, edge: int) -> str:
    if value.dtype.kind in "OSV" or value.dtype.names:
        flat = value.reshape(-1)
        # strings quoted, as lists of text are (bytes that are not UTF-8 as \xff, not \\xff)
        one = _quoted if value.dtype.kind in "OS" and all(isinstance(v, str | bytes) for v in flat[:edge]) \
            else (lambda v: _scalar(v, deref))
        if flat.size > threshold:
            parts = [one(v) for v in flat[:edge]] + ["..."] + [one(v) for v in flat[-edge:]]
        else:
            parts = [one(v) for v in flat]
        return "[" + ", ".join(parts) + "]" + (f" (shape {value.shape})" if value.ndim > 1 else "")
    try:
        with np.printoptions(threshold=threshold, edgeitems=edge, linewidth=10_000):
            # floats as Python writes them ("0.5, 1.25, 3.0"), not padded to a column ("0.5 , 1.25, 3.  ")
            return np.array2string(value, separator=", ", formatter={"float_kind": str})
    except RecursionError:  # a datatype nested hundreds of levels deep (a crafted file)
        return "(nested too deeply to show)"


def value_text(value: Any, deref: Callable[[Any], str] | None = None) -> str:
    """A value in words for the attribute table (``deref`` turns a reference into a path)."""
    if isinstance(value, np.ndarray):
        return _array(value, deref, 100, 5)
    return _scalar(value, deref)


def short_value(value: Any, deref: Callable[[Any], str] | None = None) -> str:
    """A short, single-line rendering of a small value (strings decoded): what Info shows."""
    if isinstance(value, np.ndarray):
        text = " ".join(_array(value, deref, 64, 4).split())
    else:
        text = _scalar(value, deref)
    return text if len(text) <= 400 else text[:400] + "..."


def pretty(text: str) -> str:
    """``text`` indented as JSON when it is a JSON list or object, else unchanged."""
    stripped = text.strip()
    if len(stripped) > 1 and stripped[0] in "[{" and stripped[-1] in "]}":
        try:
            return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    return text


def value_bytes(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogateescape"))
    if isinstance(value, bytes):
        return len(value)
    arr = np.asarray(value)
    if arr.dtype.kind == "O":
        total = 0
        for v in arr.flat:
            if isinstance(v, str):
                total += len(v.encode("utf-8", "surrogateescape"))
            elif isinstance(v, bytes | np.ndarray):
                total += len(v) if isinstance(v, bytes) else v.nbytes
            else:
                total += 8
        return total
    return int(arr.nbytes)

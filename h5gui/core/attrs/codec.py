"""Typing values: text -> a value of an attribute type (:func:`parse_value`, :func:`parse_for_target`).

What a user types (``3``, ``0.5``, ``1e-3``, ``true``, ``1+2j``, ``[1, 2, 3]``, ``[[1, 2], [3, 4]]``,
``"text"`` or plain text, ``["a", "b"]``) becomes a value of one of :data:`ATTR_TYPES`; anything that
does not fit is refused with :class:`AttrValueError` and one line: overflow, not a number, wrong
shape, ragged lists, a bool of 2. Nothing is truncated or rounded to an integer silently.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

import h5py
import numpy as np

from h5gui.core.attrs.lists import Leaf, ListParser, leaves, shape_of, short
from h5gui.core.attrs.targets import Target, target_for_type
from h5gui.core.errors import AttrValueError

__all__ = ["AttrValueError", "parse_for_target", "parse_value"]


def _article(label: str) -> str:
    return "an" if label[:1] in "aeio" or label.startswith(("int", "enum")) else "a"


def _not_a(tok: str, label: str) -> AttrValueError:
    return AttrValueError(f"'{short(tok)}' is not {_article(label)} {label}")


def _to_ints(toks: list[str], dt: np.dtype, label: str) -> np.ndarray:
    info = np.iinfo(dt)
    out = []
    for tok in toks:
        s = tok.strip()
        try:
            v = int(s)
        except ValueError:
            try:
                d = Decimal(s.replace("_", ""))
            except InvalidOperation:
                try:
                    v = int(s, 0)  # 0x1F, 0b101, 0o17
                except ValueError:
                    raise _not_a(tok, label) from None
            else:
                if not d.is_finite():
                    raise AttrValueError(f"{s} is not an integer") from None
                if d.adjusted() > 40:
                    raise AttrValueError(f"{s} does not fit in {label} ({info.min}..{info.max})") from None
                if d != d.to_integral_value():
                    raise AttrValueError(f"{s} is not an integer") from None
                v = int(d)
        if not info.min <= v <= info.max:
            raise AttrValueError(f"{s} does not fit in {label} ({info.min}..{info.max})")
        out.append(v)
    return np.array(out, dtype=dt)


def _to_float(tok: str, label: str) -> float:
    s = tok.strip()
    try:
        v = float(s)
    except ValueError:
        raise _not_a(tok, label) from None
    if math.isinf(v) and "inf" not in s.lower():
        raise AttrValueError(f"{s} does not fit in {label} (largest {np.finfo(np.float64).max})")
    return v


def _cast_floats(values: list[float] | list[complex], toks: list[str], dt: np.dtype, label: str) -> np.ndarray:
    wide = np.array(values, dtype=np.complex128 if dt.kind == "c" else np.float64)
    with np.errstate(over="ignore"):
        arr = wide.astype(dt)
    parts = (arr.real, arr.imag, wide.real, wide.imag) if dt.kind == "c" else (arr, arr, wide, wide)
    bad = (np.isinf(parts[0]) & np.isfinite(parts[2])) | (np.isinf(parts[1]) & np.isfinite(parts[3]))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        top = float(np.finfo(dt).max)
        largest = str(int(top)) if top < 1e6 else str(np.finfo(dt).max)
        raise AttrValueError(f"{toks[i].strip()} does not fit in {label} (largest {largest})")
    return arr


def _to_complex(tok: str, label: str) -> complex:
    s = "".join(tok.split())
    if s.endswith("i") and not s.lower().endswith("inf"):
        s = s[:-1] + "j"
    try:
        v = complex(s)
    except ValueError:
        raise _not_a(tok, label) from None
    for part, text in ((v.real, s), (v.imag, s)):
        if math.isinf(part) and "inf" not in text.lower():
            raise AttrValueError(f"{s} does not fit in {label}")
    return v


_TRUE = ("true", "1")
_FALSE = ("false", "0")


def _to_bool(tok: str) -> bool:
    s = tok.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    shown = tok.strip() if _looks_numeric(s) else f"'{short(tok.strip())}'"
    raise AttrValueError(f"{shown} is not a bool (use true, false, 1 or 0)")


def _looks_numeric(s: str) -> bool:
    try:
        complex(s.replace(" ", ""))
        return True
    except ValueError:
        return False


def _to_enum(toks: list[str], target: Target) -> np.ndarray:
    by_name = dict(target.members)
    values = set(by_name.values())
    out = []
    for tok in toks:
        s = tok.strip()
        if s in by_name:
            out.append(by_name[s])
            continue
        try:
            v = int(_to_ints([s], np.dtype(np.int64), "integer")[0])
        except AttrValueError:
            raise AttrValueError(f"'{short(s)}' is not a member of {target.label}") from None
        if v not in values:
            raise AttrValueError(f"{s} is not a member of {target.label}")
        out.append(v)
    return np.array(out, dtype=target.dtype)


def _check_text(s: str) -> str:
    if "\x00" in s:
        raise AttrValueError("text contains a NUL character, which HDF5 strings cannot hold")
    return s


def _convert(leaves: list[Leaf], target: Target) -> np.ndarray:
    """The leaves' values as a flat array of the target's type."""
    toks = [leaf.text for leaf in leaves]
    k = target.kind
    if k == "int":
        return _to_ints(toks, target.dtype, target.label)
    if k == "float":
        return _cast_floats([_to_float(t, target.label) for t in toks], toks, target.dtype, target.label)
    if k == "complex":
        return _cast_floats([_to_complex(t, target.label) for t in toks], toks, target.dtype, target.label)
    if k == "bool":
        return np.array([_to_bool(t) for t in toks], dtype=bool)
    if k == "enum":
        return _to_enum(toks, target)
    return _strings([_check_text(t) for t in toks], target)


def _strings(texts: list[str], target: Target) -> np.ndarray:
    """A flat string array: vlen (object, str) or fixed-length (``S``), with h5py's metadata."""
    ascii_ok = all(t.isascii() for t in texts)
    if not target.fixed:
        enc = "ascii" if target.encoding == "ascii" and ascii_ok else "utf-8"
        return np.array(texts, dtype=h5py.string_dtype(enc)).reshape(len(texts))
    raw = [t.encode("utf-8") for t in texts]
    length = max([len(b) for b in raw] + [target.min_length, 1])
    if target.min_length:  # keeping a stored fixed-length type: its charset unless the text needs utf-8
        enc = "ascii" if target.encoding == "ascii" and ascii_ok else "utf-8"
    else:
        enc = "ascii" if ascii_ok else "utf-8"
    return np.array(raw, dtype=h5py.string_dtype(enc, length)).reshape(len(raw))


def _unquote(text: str) -> str:
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        return t[1:-1]
    return text


def _shape_error(expected: tuple[int, ...], got: tuple[int, ...]) -> AttrValueError:
    want = "a single value" if expected == () else f"shape {expected}"
    have = "a single value" if got == () else str(got)
    return AttrValueError(f"expected {want}, got {have}")


def parse_for_target(text: str, target: Target, shape: tuple[int, ...] | None) -> np.ndarray:
    """``text`` as an array of the target's type (0-d for a single value)."""
    if not isinstance(text, str):
        raise AttrValueError(f"expected text, got {type(text).__name__}")
    t = text.strip()
    is_list = t.startswith("[")
    if target.kind == "string":
        if shape == ():
            is_list = False
        elif shape is None and is_list:
            try:
                nested = ListParser(text).parse()
                is_list = all(leaf.quoted for leaf in leaves(nested))
            except AttrValueError:
                is_list = False
        if not is_list:
            arr = _strings([_check_text(_unquote(text))], target).reshape(())
            return _fit(arr, shape)
    elif not t:
        raise AttrValueError(f"no value: type {_article(target.label)} {target.label}")
    if not is_list:
        arr = _convert([Leaf(_unquote(t))], target).reshape(())
        return _fit(arr, shape)
    nested = ListParser(text).parse()
    got = shape_of(nested)
    if shape is not None and got != tuple(shape) and not (math.prod(got) == 1 == math.prod(shape)):
        raise _shape_error(tuple(shape), got)
    arr = _convert(list(leaves(nested)), target)
    return _fit(arr.reshape(got), shape)


def _fit(arr: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    if shape is None or arr.shape == tuple(shape):
        return arr
    if arr.size == 1 == math.prod(shape):
        return arr.reshape(shape)
    raise _shape_error(tuple(shape), arr.shape)


def _public(arr: np.ndarray) -> Any:
    return arr[()] if arr.ndim == 0 else arr


def parse_value(
    text: str, type_name: str, *, shape: tuple[int, ...] | None = None, fixed_length: bool = False
) -> Any:
    """Turn what a user typed into a value of ``type_name`` (one of :data:`ATTR_TYPES`).

    Parameters
    ----------
    text
        ``3``, ``-7``, ``0.5``, ``1e-3``, ``nan``, ``inf``, ``true``/``false``/``1``/``0``,
        ``1+2j``, ``[1, 2, 3]``, ``[[1, 2], [3, 4]]``; for strings plain text, ``"quoted"`` text
        (one layer of quotes is removed) or a list of quoted strings ``["a", "b"]``.
    type_name
        The type to produce.
    shape
        The shape the value must have; ``None`` takes the shape of what was typed. A string
        whose shape is ``()`` is the text itself, even when it looks like a list.
    fixed_length
        Strings only: a fixed-length (``S``) string as long as the longest value needs (ASCII
        when the text is, else UTF-8); otherwise a variable-length UTF-8 string.

    Returns
    -------
    A numpy scalar or array of the type; ``str`` for a variable-length string, ``numpy.bytes_``
    for a fixed-length one (arrays of strings keep h5py's string dtype).

    Raises
    ------
    AttrValueError
        One line: ``300 does not fit in uint8 (0..255)``, ``'abc' is not a float32``,
        ``1.5 is not an integer``, ``expected shape (2, 3), got (3,)``, ``ragged list: ...``.
    """
    target = target_for_type(type_name, fixed_length)
    return _public(parse_for_target(text, target, None if shape is None else tuple(shape)))

"""Attributes: plain snapshots (:class:`AttrInfo`), the text <-> typed value codec, and safe edits.

Reading
    :func:`list_attrs` gives one :class:`AttrInfo` per attribute: a readable summary, the datatype in
    words, and for editable attributes the value as a user would type it (``edit_text``), which
    :func:`parse_value` turns back into the identical value.

Typing values
    :func:`parse_value` accepts what a user types (``3``, ``0.5``, ``1e-3``, ``true``, ``1+2j``,
    ``[1, 2, 3]``, ``[[1, 2], [3, 4]]``, ``"text"`` or plain text, ``["a", "b"]``) for one of
    :data:`ATTR_TYPES` and refuses, with :class:`AttrValueError` and one line, anything that does not
    fit: overflow, not a number, wrong shape, ragged lists, a bool of 2. Nothing is truncated or
    rounded to an integer silently.

Writing
    Every write opens the file with ``files.open_file(file, write=True)`` (so in the GUI editing must
    be enabled) and leaves the attribute as it was when it fails:

    * a value of the same stored type and shape is written in place (one ``H5Awrite``: HDF5 converts
      the whole buffer before it replaces the stored value), which keeps the attribute's position;
    * anything else is created under a temporary name, the old attribute is renamed aside, the new
      one renamed into place and only then the old one deleted (undone if a step fails). Where
      creation order is tracked the attribute then moves to the end of the list.

    Raw values (:class:`AttrValue`, with the HDF5 datatype serialized by ``H5Tencode``) carry an
    attribute exactly, for undo and for copy/paste between nodes and files.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import h5py
import numpy as np

from h5gui.core.dtypes import describe_dtype, h5t_class_name
from h5gui.core.errors import (
    AttrValueError,
    BadRequestError,
    H5GuiError,
    NodeNotFoundError,
    UnreadableError,
)
from h5gui.core.h5 import files, links, messages, staging
from h5gui.core.paths import encode, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.text import shape_text

__all__ = [
    "ATTR_TYPES",
    "AttrInfo",
    "AttrValue",
    "AttrValueError",
    "delete_attrs",
    "duplicate_attr",
    "format_value",
    "get_attr_values",
    "list_attrs",
    "parse_value",
    "put_attr_values",
    "read_attr",
    "rename_attr",
    "set_attr",
    "set_attr_on_many",
]

MAX_ATTR_ELEMENTS = 1_000_000  # larger attributes are described, not read
MAX_EDIT_ELEMENTS = 100_000  # larger ones are not offered as text (copy/paste still works)
SUMMARY_CHARS = 300
BIG_BYTES = 64 * 1024  # HDF5 stores attributes this large densely (they need the newer object header)

ATTR_TYPES = (
    "string",
    "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
    "bool",
    "complex64", "complex128",
)  # fmt: skip

_NUMPY_TYPES = {name: np.dtype(name) for name in ATTR_TYPES if name != "string"}


@dataclass(frozen=True, slots=True)
class AttrInfo:
    """What the attribute table shows about one attribute."""

    name: str
    dtype: str  # datatype in words
    shape: tuple[int, ...] | None  # None: empty (no dataspace)
    value: str  # readable summary (one line)
    full_text: str = ""  # longer text (pretty JSON, whole string) for a side view
    error: str = ""
    editable: bool = True  # False: shown read-only, ``reason`` says why
    reason: str = ""
    type_name: str = ""  # one of ATTR_TYPES, or "" (enum, or not editable)
    edit_text: str = ""  # the value as a user would type it; parses back to the identical value
    vlen: bool = False  # strings: variable-length (False: fixed-length)
    big: bool = False  # 64 KiB or more (stored densely by HDF5)

    @property
    def shape_text(self) -> str:
        return shape_text(self.shape)

    @property
    def fixed_length(self) -> bool:
        """A fixed-length string attribute."""
        return self.type_name == "string" and not self.vlen


@dataclass(frozen=True, eq=False)
class AttrValue:
    """One attribute exactly as stored, for undo and copy/paste (also between files).

    ``value`` is a numpy array (0-d for a scalar) whose dtype keeps h5py's metadata (string
    encoding, vlen, enum members), or ``h5py.Empty``. ``h5type`` is the HDF5 datatype serialized
    with ``H5Tencode`` (byte order, string padding and charset, enum names, complex layout) and
    ``file`` the file it was read from (references only make sense there). Both may be left empty
    for a value made by hand: the datatype then follows ``value``'s dtype.
    """

    name: str
    value: Any
    h5type: bytes = b""
    file: str = ""


# ---------------------------------------------------------------------------------------------
# types


@dataclass(frozen=True)
class _Target:
    """What a typed text must become."""

    kind: str  # "int", "float", "complex", "bool", "string", "enum"
    dtype: np.dtype  # numeric dtype (strings: decided per value)
    label: str  # "uint8", "string", "enum int8 {RED, GREEN}" (for messages)
    fixed: bool = False  # strings
    encoding: str = "utf-8"  # strings
    min_length: int = 0  # fixed strings: the stored length kept when the text fits
    members: tuple[tuple[str, int], ...] = ()  # enums


def _target_for_type(type_name: str, fixed_length: bool = False) -> _Target:
    if type_name == "string":
        return _Target("string", np.dtype(object), "string", fixed=bool(fixed_length))
    dt = _NUMPY_TYPES.get(type_name)
    if dt is None:
        raise AttrValueError(f"unknown type {type_name!r}: use one of {', '.join(ATTR_TYPES)}")
    kind = {"i": "int", "u": "int", "f": "float", "c": "complex", "b": "bool"}[dt.kind]
    return _Target(kind, dt, type_name)


def _classify(dt: np.dtype) -> tuple[str, str]:
    """``(type_name, reason)`` of a stored dtype; ``reason`` is empty when it can be edited as text."""
    if h5py.check_string_dtype(dt) is not None:
        return "string", ""
    ref = h5py.check_ref_dtype(dt)
    if ref is not None:
        what = "region references" if ref is h5py.RegionReference else "object references"
        return "", f"{what} cannot be typed as text"
    vlen = h5py.check_vlen_dtype(dt)
    if vlen is not None:
        return "", f"variable-length sequences ({describe_dtype(dt)}) cannot be typed as text"
    if dt.names is not None:
        return "", "compound values cannot be typed as text"
    if dt.subdtype is not None:
        return "", "values of an HDF5 array datatype cannot be typed as text"
    if dt.kind == "b":
        return "bool", ""
    if h5py.check_enum_dtype(dt) is not None:
        return "", ""  # editable by member name, but not one of ATTR_TYPES
    if dt.kind == "V":
        return "", "opaque data cannot be typed as text"
    if dt.kind in "iu" and dt.itemsize in (1, 2, 4, 8):
        return np.dtype(dt.str).name, ""
    if dt.kind == "f" and dt.itemsize in (2, 4, 8):
        return np.dtype(dt.str).name, ""
    if dt.kind == "c" and dt.itemsize in (8, 16):
        return np.dtype(dt.str).name, ""
    if dt.kind in "fc":
        return "", f"extended-precision numbers ({describe_dtype(dt)}) cannot be edited here"
    return "", f"unsupported datatype ({describe_dtype(dt)})"


def target_for_dtype(dt: np.dtype) -> _Target:
    """The target that keeps a stored dtype (the caller checked that it is editable)."""
    info = h5py.check_string_dtype(dt)
    if info is not None:
        return _Target(
            "string", np.dtype(object), "string", fixed=info.length is not None,
            encoding="ascii" if info.encoding == "ascii" else "utf-8", min_length=info.length or 0,
        )
    if dt.kind == "b":
        return _Target("bool", np.dtype(bool), "bool")
    enum = h5py.check_enum_dtype(dt)
    if enum is not None:
        members = tuple(sorted(((str(k), int(v)) for k, v in enum.items()), key=lambda kv: kv[1]))
        base = np.dtype(dt.str)
        names = ", ".join(k for k, _ in members[:8]) + (", ..." if len(members) > 8 else "")
        return _Target("enum", base, f"enum {base.name} {{{names}}}", members=members)
    kind = {"i": "int", "u": "int", "f": "float", "c": "complex"}[dt.kind]
    return _Target(kind, np.dtype(dt.str), np.dtype(dt.str).name)


# ---------------------------------------------------------------------------------------------
# parsing: text -> value


@dataclass(frozen=True, slots=True)
class _Leaf:
    text: str
    quoted: bool = False


_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _ListParser:
    """``[[1, 2], [3, 4]]`` -> nested lists of :class:`_Leaf`.

    Items are separated by commas (or blanks); strings are quoted with ``"`` or ``'`` and take
    JSON's escapes (an unknown escape keeps its backslash).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, what: str) -> AttrValueError:
        return AttrValueError(f"{what} in {_short(self.text.strip())}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def parse(self) -> list[Any]:
        self.skip()
        if self.pos >= len(self.text) or self.text[self.pos] != "[":
            raise self.error("a list must start with [")
        value = self.seq()
        self.skip()
        if self.pos < len(self.text):
            raise self.error(f"unexpected {_short(self.text[self.pos:], 20)!r} after the list")
        return value

    def seq(self) -> list[Any]:
        self.pos += 1  # "["
        items: list[Any] = []
        need_item = False  # after a comma
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise self.error("missing ]")
            c = self.text[self.pos]
            if c == "]":
                self.pos += 1
                if need_item and not items:
                    raise self.error("a value is missing")
                return items
            if c == ",":
                if need_item or not items:
                    raise self.error("a value is missing between commas")
                need_item = True
                self.pos += 1
                continue
            items.append(self.item())
            need_item = False

    def item(self) -> Any:
        c = self.text[self.pos]
        if c == "[":
            return self.seq()
        if c in "\"'":
            return self.quoted(c)
        start = self.pos
        while self.pos < len(self.text) and not self.text[self.pos].isspace() and self.text[self.pos] not in ",[]\"'":
            self.pos += 1
        return _Leaf(self.text[start : self.pos])

    def quoted(self, quote: str) -> _Leaf:
        self.pos += 1
        out: list[str] = []
        text = self.text
        while True:
            if self.pos >= len(text):
                raise self.error("a quoted string is not closed")
            c = text[self.pos]
            if c == quote:
                self.pos += 1
                return _Leaf("".join(out), quoted=True)
            if c == "\\" and self.pos + 1 < len(text):
                e = text[self.pos + 1]
                if e in _ESCAPES:
                    out.append(_ESCAPES[e])
                    self.pos += 2
                    continue
                if e == "u" and self.pos + 6 <= len(text):
                    try:
                        code = int(text[self.pos + 2 : self.pos + 6], 16)
                    except ValueError:
                        code = -1
                    if code >= 0:
                        self.pos += 6
                        if 0xD800 <= code < 0xDC00 and text[self.pos : self.pos + 2] == "\\u":
                            try:
                                low = int(text[self.pos + 2 : self.pos + 6], 16)
                            except ValueError:
                                low = -1
                            if 0xDC00 <= low < 0xE000:
                                self.pos += 6
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        out.append(chr(code))
                        continue
            out.append(c)
            self.pos += 1


def _shape_of(node: Any) -> tuple[int, ...]:
    if isinstance(node, _Leaf):
        return ()
    if not node:
        return (0,)
    first = _shape_of(node[0])
    for child in node[1:]:
        if _shape_of(child) != first:
            raise AttrValueError("ragged list: the rows do not all have the same length")
    return (len(node), *first)


def _leaves(node: Any) -> Iterator[_Leaf]:
    if isinstance(node, _Leaf):
        yield node
    else:
        for child in node:
            yield from _leaves(child)


def _article(label: str) -> str:
    return "an" if label[:1] in "aeio" or label.startswith(("int", "enum")) else "a"


def _not_a(tok: str, label: str) -> AttrValueError:
    return AttrValueError(f"'{_short(tok)}' is not {_article(label)} {label}")


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
    shown = tok.strip() if _looks_numeric(s) else f"'{_short(tok.strip())}'"
    raise AttrValueError(f"{shown} is not a bool (use true, false, 1 or 0)")


def _looks_numeric(s: str) -> bool:
    try:
        complex(s.replace(" ", ""))
        return True
    except ValueError:
        return False


def _to_enum(toks: list[str], target: _Target) -> np.ndarray:
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
            raise AttrValueError(f"'{_short(s)}' is not a member of {target.label}") from None
        if v not in values:
            raise AttrValueError(f"{s} is not a member of {target.label}")
        out.append(v)
    return np.array(out, dtype=target.dtype)


def _check_text(s: str) -> str:
    if "\x00" in s:
        raise AttrValueError("text contains a NUL character, which HDF5 strings cannot hold")
    return s


def _convert(leaves: list[_Leaf], target: _Target) -> np.ndarray:
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


def _strings(texts: list[str], target: _Target) -> np.ndarray:
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


def parse_for_target(text: str, target: _Target, shape: tuple[int, ...] | None) -> np.ndarray:
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
                nested = _ListParser(text).parse()
                is_list = all(leaf.quoted for leaf in _leaves(nested))
            except AttrValueError:
                is_list = False
        if not is_list:
            arr = _strings([_check_text(_unquote(text))], target).reshape(())
            return _fit(arr, shape)
    elif not t:
        raise AttrValueError(f"no value: type {_article(target.label)} {target.label}")
    if not is_list:
        arr = _convert([_Leaf(_unquote(t))], target).reshape(())
        return _fit(arr, shape)
    nested = _ListParser(text).parse()
    got = _shape_of(nested)
    if shape is not None and got != tuple(shape) and not (math.prod(got) == 1 == math.prod(shape)):
        raise _shape_error(tuple(shape), got)
    arr = _convert(list(_leaves(nested)), target)
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
    target = _target_for_type(type_name, fixed_length)
    return _public(parse_for_target(text, target, None if shape is None else tuple(shape)))


# ---------------------------------------------------------------------------------------------
# formatting: value -> text


def _fmt_float(x: Any, ftype: type) -> str:
    return str(ftype(x))


def _fmt_complex(z: complex, ftype: type) -> str:
    re_text, im_text = _fmt_float(z.real, ftype), _fmt_float(z.imag, ftype)
    if im_text.startswith("-"):
        return f"{re_text}{im_text}j"
    return f"{re_text}+{im_text}j"


def _decode_text(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8")  # strict: a caller turns the error into "not UTF-8 text"
    return str(v)


def _needs_quotes(text: str) -> bool:
    t = text.strip()
    return (len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'") or t.startswith("[")


def format_value(value: Any, dt: np.dtype) -> str:
    """The text a user would type for ``value`` (as h5py reads an attribute of dtype ``dt``).

    ``parse_value`` (or the keep-the-type parsing of :func:`set_attr`) turns it back into the
    identical value. Raises ``ValueError`` for values that have no such text (bytes that are not
    UTF-8, strings holding NUL, unsupported types).
    """
    type_name, reason = _classify(dt)
    if reason:
        raise ValueError(reason)
    target = target_for_dtype(dt)
    arr = np.asarray(value, dtype=object if target.kind == "string" else None)
    k = target.kind
    if k == "string":
        def one(v: Any) -> str:
            s = _decode_text(v)
            if "\x00" in s:
                raise ValueError("the text holds NUL characters")
            s.encode("utf-8")  # surrogates (bytes that were not UTF-8) cannot be written back
            return s

        if arr.ndim == 0:
            s = one(arr[()])
            return f'"{s}"' if _needs_quotes(s) else s
        fmt = lambda v: json.dumps(one(v), ensure_ascii=False)  # noqa: E731
    elif k == "bool":
        fmt = lambda v: "true" if bool(v) else "false"  # noqa: E731
    elif k == "int":
        fmt = lambda v: str(int(v))  # noqa: E731
    elif k == "float":
        ftype = target.dtype.type
        fmt = lambda v: _fmt_float(v, ftype)  # noqa: E731
    elif k == "complex":
        ftype = np.dtype(f"f{target.dtype.itemsize // 2}").type
        fmt = lambda v: _fmt_complex(complex(v), ftype)  # noqa: E731
    else:  # enum
        names = {v: name for name, v in target.members}
        fmt = lambda v: names.get(int(v), str(int(v)))  # noqa: E731
    if arr.ndim == 0:
        return fmt(arr[()])
    return _nested(arr.tolist(), fmt)


def _nested(items: Any, fmt: Any) -> str:
    if isinstance(items, list):
        return "[" + ", ".join(_nested(i, fmt) for i in items) + "]"
    return fmt(items)


# ---------------------------------------------------------------------------------------------
# reading


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O" or value.dtype.kind == "S":
            value = np.array([v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value.ravel()],
                             dtype=object).reshape(value.shape)
        with np.printoptions(threshold=100, edgeitems=5, linewidth=10_000):
            return np.array2string(value, separator=", ")
    return str(value)


def pretty(text: str) -> str:
    stripped = text.strip()
    if len(stripped) > 1 and stripped[0] in "[{" and stripped[-1] in "]}":
        try:
            return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    return text


def _value_bytes(value: Any) -> int:
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


def read_attr(attrs: h5py.AttributeManager, name: str) -> AttrInfo:
    """The snapshot of attribute ``name`` of ``attrs``' object (never raises)."""
    try:
        aid = attrs.get_id(name)
    except Exception as exc:
        return AttrInfo(name, "?", None, "", error=f"cannot open: {messages.hdf5_reason(str(exc))}",
                        editable=False, reason="it cannot be opened")
    shape = aid.shape
    try:
        dt = aid.dtype
        dtype = describe_dtype(dt)
    except Exception:
        cls = h5t_class_name(aid.get_type())
        return AttrInfo(name, f"unsupported ({cls})", shape, "", error=f"h5py cannot read this datatype ({cls})",
                        editable=False, reason=f"unsupported datatype ({cls})")
    type_name, reason = _classify(dt)
    string_info = h5py.check_string_dtype(dt)
    vlen = string_info is not None and string_info.length is None
    common: dict[str, Any] = {"type_name": type_name, "vlen": vlen}
    if shape is None:
        return AttrInfo(name, dtype, None, "(empty)", editable=False, reason="an empty attribute has no value to edit",
                        **common)
    n = math.prod(shape)
    if n > MAX_ATTR_ELEMENTS:
        return AttrInfo(name, dtype, shape, f"({n:,} elements, not read)", editable=False,
                        reason=f"too large to show ({n:,} elements)", big=True, **common)
    try:
        value = attrs[name]
    except Exception as exc:
        return AttrInfo(name, dtype, shape, "", error=f"cannot read: {messages.hdf5_reason(str(exc))}",
                        editable=False, reason="it cannot be read", **common)
    text = _text(value)
    one_line = " ".join(text.split())
    summary = one_line if len(one_line) <= SUMMARY_CHARS else one_line[:SUMMARY_CHARS] + "..."
    full = pretty(text) if len(text) > 60 or "\n" in text or text.lstrip()[:1] in "[{" else ""
    big = _value_bytes(value) >= BIG_BYTES
    edit_text = ""
    if not reason and n > MAX_EDIT_ELEMENTS:
        reason = f"too large to edit as text ({n:,} elements)"
    if not reason:
        try:
            edit_text = format_value(value, dt)
        except UnicodeError:
            reason = "it holds bytes that are not UTF-8 text"
        except ValueError as exc:
            reason = str(exc)
    return AttrInfo(name, dtype, shape, summary, full_text=full, editable=not reason, reason=reason,
                    edit_text=edit_text, big=big, **common)


def list_attrs(file: str, path: str = "/") -> list[AttrInfo]:
    """Every attribute of the object at ``path`` (creation order when tracked, else by name)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        obj = links.open_object(f, path, str(file))
        return [read_attr(obj.attrs, name) for name in obj.attrs]


# ---------------------------------------------------------------------------------------------
# raw values


def _exists(oid: Any, name: str) -> bool:
    return bool(h5py.h5a.exists(oid, encode(name)))


def read_raw(oid: Any, name: str, file: str) -> AttrValue:
    """Attribute ``name`` exactly as stored (types h5py cannot map are read as raw bytes)."""
    try:
        aid = h5py.h5a.open(oid, encode(name))
        tid = aid.get_type()
        h5type = tid.encode()
        try:
            dt: np.dtype | None = aid.dtype
        except Exception:
            dt = None
        shape = aid.shape
        if shape is None:
            return AttrValue(name, h5py.Empty(dt if dt is not None else np.dtype(f"V{tid.get_size()}")), h5type, file)
        if dt is None:  # e.g. HDF5 time: carried as bytes, written back with the same type
            arr = np.zeros(shape, dtype=np.dtype(f"V{tid.get_size()}"))
            aid.read(arr, mtype=tid)
            return AttrValue(name, arr, h5type, file)
        mtype = h5py.h5t.py_create(dt)
        base, full = dt, shape
        if dt.subdtype is not None:
            base, sub = dt.subdtype
            full = shape + sub
        arr = np.zeros(full, dtype=base)
        aid.read(arr, mtype=mtype)
        info = h5py.check_string_dtype(base)
        if info is not None and info.length is None and info.encoding == "utf-8":
            arr = np.array([v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else v for v in arr.flat],
                           dtype=base).reshape(arr.shape)
        return AttrValue(name, arr, h5type, file)
    except H5GuiError:
        raise
    except Exception as exc:
        raise UnreadableError(f"cannot read attribute {name}: {messages.hdf5_reason(str(exc))}") from exc


def has_refs(tid: Any) -> bool:
    try:
        cls = tid.get_class()
        if cls == h5py.h5t.REFERENCE:
            return True
        if cls == h5py.h5t.COMPOUND:
            return any(has_refs(tid.get_member_type(i)) for i in range(tid.get_nmembers()))
        if cls in (h5py.h5t.ARRAY, h5py.h5t.VLEN):
            return has_refs(tid.get_super())
    except Exception:  # pragma: no cover - defensive
        return False
    return False


def prepare_raw(v: AttrValue) -> tuple[Any, Any, Any]:
    """``(data, file type, memory type)`` to write an :class:`AttrValue` back."""
    value = v.value
    if isinstance(value, h5py.Empty):
        ftype = h5py.h5t.decode(v.h5type) if v.h5type else h5py.h5t.py_create(value.dtype, logical=True)
        return value, ftype, None
    if isinstance(value, str) or (isinstance(value, list | tuple) and value and all(isinstance(x, str) for x in value)):
        arr = np.array(value, dtype=h5py.string_dtype())
    else:
        arr = np.asarray(value)
    if arr.dtype.kind == "U":
        arr = arr.astype(h5py.string_dtype())
    ftype = h5py.h5t.decode(v.h5type) if v.h5type else h5py.h5t.py_create(arr.dtype, logical=True)
    if arr.dtype.kind == "V" and arr.dtype.names is None and ftype.get_class() != h5py.h5t.OPAQUE:
        return arr, ftype, ftype  # raw bytes of a type h5py cannot map: no conversion
    if ftype.get_class() == h5py.h5t.ARRAY:
        sub = tuple(ftype.get_array_dims())
        if arr.shape[arr.ndim - len(sub):] != sub:
            raise BadRequestError(f"{v.name}: the value's shape {arr.shape} does not end with the array type's {sub}")
        mtype = h5py.h5t.py_create(np.dtype((arr.dtype, sub)))
        return _ArrayOfArrays(arr, arr.shape[: arr.ndim - len(sub)]), ftype, mtype
    return arr, ftype, h5py.h5t.py_create(arr.dtype)


@dataclass(frozen=True)
class _ArrayOfArrays:
    """Data for an attribute of an HDF5 array datatype: ``data.shape == shape + element dims``."""

    data: np.ndarray
    shape: tuple[int, ...]


# ---------------------------------------------------------------------------------------------
# writing


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise BadRequestError("an attribute name cannot be empty")
    if "\x00" in name:
        raise BadRequestError("an attribute name cannot contain a NUL character")
    return name


def _temp_name(oid: Any) -> str:
    return staging.temp_name("tmp", taken=lambda name: _exists(oid, name))


def _discard_attr(oid: Any, name: str) -> None:
    try:
        if _exists(oid, name):
            h5py.h5a.delete(oid, encode(name))
    except Exception:  # pragma: no cover - best effort cleanup
        pass


def _write_failed(name: str, path: str, exc: BaseException) -> H5GuiError:
    if isinstance(exc, H5GuiError):
        return exc
    text = str(exc)
    if "message is too large" in text or "unable to allocate space for object header" in text.lower():
        reason = ("the value is too large for this object (objects written in HDF5's oldest format "
                  "hold attributes of at most 64 KiB)")
    elif isinstance(exc, UnicodeError):
        reason = f"the text cannot be encoded ({exc.reason})"
    else:
        reason = messages.hdf5_reason(text)
    return H5GuiError(f"Cannot write attribute {name} on {path}: {reason}")


def create_raw(oid: Any, name: str, data: Any, ftype: Any, mtype: Any) -> None:
    """Create attribute ``name`` and write ``data`` (an array, ``h5py.Empty`` or array-of-arrays)."""
    if isinstance(data, h5py.Empty):
        space = h5py.h5s.create(h5py.h5s.NULL)
    elif isinstance(data, _ArrayOfArrays):
        space = h5py.h5s.create_simple(data.shape)
    else:
        space = h5py.h5s.create_simple(data.shape)
    aid = h5py.h5a.create(oid, encode(name), ftype, space)
    try:
        if isinstance(data, _ArrayOfArrays):
            aid.write(np.ascontiguousarray(data.data), mtype=mtype)
        elif not isinstance(data, h5py.Empty):
            aid.write(np.ascontiguousarray(data), mtype=mtype)
    finally:
        aid.close()


def store_raw(oid: Any, name: str, data: Any, ftype: Any, mtype: Any, path: str) -> None:
    """Write attribute ``name`` so that a failure leaves the old one (or none) as it was."""
    try:
        if _exists(oid, name) and not isinstance(data, h5py.Empty | _ArrayOfArrays):
            aid = h5py.h5a.open(oid, encode(name))
            # H5Tequal ignores a vlen string's charset: compare the serialized types instead
            try:
                if aid.shape is not None and tuple(aid.shape) == data.shape and aid.get_type().encode() == ftype.encode():
                    aid.write(np.ascontiguousarray(data), mtype=mtype)  # same type and shape: in place
                    return
            finally:
                aid.close()
    except Exception as exc:
        raise _write_failed(name, path, exc) from exc
    tmp = _temp_name(oid)
    try:
        create_raw(oid, tmp, data, ftype, mtype)
    except Exception as exc:
        _discard_attr(oid, tmp)
        raise _write_failed(name, path, exc) from exc
    old = ""
    try:
        if _exists(oid, name):
            old = _temp_name(oid)
            h5py.h5a.rename(oid, encode(name), encode(old))
        h5py.h5a.rename(oid, encode(tmp), encode(name))
    except Exception as exc:
        if old and not _exists(oid, name):
            try:
                h5py.h5a.rename(oid, encode(old), encode(name))
            except Exception:  # pragma: no cover - nothing more we can do
                pass
        _discard_attr(oid, tmp)
        raise _write_failed(name, path, exc) from exc
    if old:
        try:
            h5py.h5a.delete(oid, encode(old))
        except Exception as exc:  # pragma: no cover - the new value is in place
            raise _write_failed(name, path, exc) from exc


def _string_ftype(arr: np.ndarray, old_tid: Any | None) -> Any:
    """The file type of a string value: the stored one when it fits, else one that does."""
    new = h5py.h5t.py_create(arr.dtype, logical=True)
    if old_tid is None or old_tid.get_class() != h5py.h5t.STRING:
        return new
    tid = old_tid.copy()
    info = h5py.check_string_dtype(arr.dtype)
    assert info is not None
    if info.encoding == "utf-8" and tid.get_cset() != h5py.h5t.CSET_UTF8:
        tid.set_cset(h5py.h5t.CSET_UTF8)
    if info.length is not None and not tid.is_variable_str():
        pad = 1 if tid.get_strpad() == h5py.h5t.STR_NULLTERM else 0  # room for the terminating NUL
        longest = max((len(v) for v in arr.flat), default=0)
        if longest + pad > tid.get_size():
            tid.set_size(longest + pad)
    return tid


def _plan(obj: Any, name: str, text: str, type_name: str | None, shape: tuple[int, ...] | None,
          fixed_length: bool | None) -> tuple[np.ndarray, Any, Any]:
    """Parse ``text`` for attribute ``name`` of ``obj``: ``(data, file type, memory type)``."""
    oid = obj.id
    old_tid = None
    keep = False
    old_shape: tuple[int, ...] | None = None
    target: _Target | None = None
    if _exists(oid, name):
        aid = h5py.h5a.open(oid, encode(name))
        old_shape = aid.shape
        try:
            old_dt: np.dtype | None = aid.dtype
        except Exception:
            old_dt = None
        old_name, reason = _classify(old_dt) if old_dt is not None else ("", "unsupported datatype")
        if old_shape is None and not reason:
            reason = "an empty attribute has no value to edit"
        info = h5py.check_string_dtype(old_dt) if old_dt is not None else None
        old_fixed = info is not None and info.length is not None
        same_type = type_name is None or (
            bool(old_name) and type_name == old_name
            and (type_name != "string" or fixed_length is None or bool(fixed_length) == old_fixed)
        )
        if same_type:
            if reason:
                raise AttrValueError(f"{name} cannot be edited: {reason}; choose a type to replace it")
            assert old_dt is not None
            keep = True
            old_tid = aid.get_type()
            target = target_for_dtype(old_dt)
            if type_name is None and shape is None:
                shape = old_shape
    if target is None:
        target = _target_for_type(type_name or "string", bool(fixed_length))
    arr = parse_for_target(text, target, shape)
    if target.kind == "string":
        ftype = _string_ftype(arr, old_tid if keep else None)
    elif keep:
        ftype = old_tid
    else:
        ftype = h5py.h5t.py_create(arr.dtype, logical=True)
    return arr, ftype, h5py.h5t.py_create(arr.dtype)


def _open_obj(f: h5py.File, file: str, path: str) -> Any:
    return links.open_object(f, path, str(file))


def _missing(name: str, path: str, file: str) -> NodeNotFoundError:
    return NodeNotFoundError(f"No attribute {name} on {path} in {file}")


def set_attr(
    file: str, path: str, name: str, text: str, type_name: str | None = None, *,
    shape: tuple[int, ...] | None = None, fixed_length: bool | None = None,
) -> AttrInfo:
    """Set attribute ``name`` of the object at ``path`` from typed ``text``.

    ``type_name=None`` keeps an existing attribute's stored type and shape exactly (byte order,
    string kind and charset, enum members); a fixed-length string grows when the new text is
    longer. Naming the attribute's own type keeps the stored type too, with the shape taken from
    ``shape`` or from the text. A new attribute is a ``'string'`` unless ``type_name`` says
    otherwise; ``fixed_length`` chooses fixed- or variable-length strings (``None``: keep, or
    variable-length for a new one).

    Raises
    ------
    AttrValueError
        The text does not fit (nothing is written).
    ReadOnlyError, FileAccessError
        The file is not writable.
    H5GuiError
        HDF5 refused the write; the attribute is as it was.
    """
    path = normalize_path(path)
    _check_name(name)
    if type_name is not None and type_name not in ATTR_TYPES:
        raise AttrValueError(f"unknown type {type_name!r}: use one of {', '.join(ATTR_TYPES)}")
    with files.open_file(file, write=True) as f:
        obj = _open_obj(f, file, path)
        data, ftype, mtype = _plan(obj, name, text, type_name, None if shape is None else tuple(shape),
                                   fixed_length)
        store_raw(obj.id, name, data, ftype, mtype, path)
        f.flush()
        return read_attr(obj.attrs, name)


def rename_attr(file: str, path: str, old: str, new: str) -> AttrInfo:
    """Rename attribute ``old`` to ``new`` (its value, type and position stay)."""
    path = normalize_path(path)
    _check_name(new)
    with files.open_file(file, write=True) as f:
        obj = _open_obj(f, file, path)
        if not _exists(obj.id, old):
            raise _missing(old, path, str(file))
        if new != old:
            if _exists(obj.id, new):
                raise BadRequestError(f"attribute {new} already exists on {path}")
            try:
                h5py.h5a.rename(obj.id, encode(old), encode(new))
            except Exception as exc:
                raise H5GuiError(f"Cannot rename attribute {old} on {path}: {messages.hdf5_reason(str(exc))}") from exc
            f.flush()
        return read_attr(obj.attrs, new)


def delete_attrs(file: str, path: str, names: Sequence[str], *, missing_ok: bool = False) -> None:
    """Delete the named attributes (all of them must exist, or none is deleted, unless ``missing_ok``)."""
    path = normalize_path(path)
    if isinstance(names, str):
        names = [names]
    with files.open_file(file, write=True) as f:
        obj = _open_obj(f, file, path)
        if missing_ok:
            names = [n for n in names if _exists(obj.id, n)]
        for name in names:
            if not _exists(obj.id, name):
                raise _missing(name, path, str(file))
        for name in dict.fromkeys(names):
            try:
                h5py.h5a.delete(obj.id, encode(name))
            except Exception as exc:
                raise H5GuiError(f"Cannot delete attribute {name} on {path}: {messages.hdf5_reason(str(exc))}") from exc
        f.flush()


def duplicate_attr(file: str, path: str, name: str, new_name: str) -> AttrInfo:
    """Copy attribute ``name`` to ``new_name`` on the same object, with the identical type and value."""
    path = normalize_path(path)
    _check_name(new_name)
    with files.open_file(file, write=True) as f:
        obj = _open_obj(f, file, path)
        if not _exists(obj.id, name):
            raise _missing(name, path, str(file))
        if _exists(obj.id, new_name):
            raise BadRequestError(f"attribute {new_name} already exists on {path}")
        data, ftype, mtype = prepare_raw(read_raw(obj.id, name, str(file)))
        store_raw(obj.id, new_name, data, ftype, mtype, path)
        f.flush()
        return read_attr(obj.attrs, new_name)


def get_attr_values(file: str, path: str, names: Sequence[str] | None = None, *,
                    missing_ok: bool = False) -> list[AttrValue]:
    """Raw copies of the named attributes (all when ``names`` is None), for undo and copy/paste;
    ``missing_ok`` skips names that do not exist."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        obj = _open_obj(f, file, path)
        wanted = list(obj.attrs) if names is None else list(dict.fromkeys(names))
        if missing_ok:
            wanted = [n for n in wanted if _exists(obj.id, n)]
        for name in wanted:
            if not _exists(obj.id, name):
                raise _missing(name, path, str(file))
        absolute = str(os.path.abspath(file))
        return [read_raw(obj.id, name, absolute) for name in wanted]


def put_attr_values(
    file: str, path: str, values: Sequence[AttrValue], *, overwrite: bool = True
) -> list[AttrInfo]:
    """Write raw values back with their exact type and shape (undo, paste onto a node).

    Everything is checked before anything is written: with ``overwrite=False`` an existing name is
    refused; references are refused unless they come from this same file (they point into it).
    """
    path = normalize_path(path)
    prepared = []
    for v in values:
        _check_name(v.name)
        data, ftype, mtype = prepare_raw(v)
        if has_refs(ftype) and not files.same_file(v.file, str(file)):
            source = f" from {v.file}" if v.file else ""
            raise BadRequestError(
                f"attribute {v.name}{source} holds references, which only point into their own file: not pasted"
            )
        prepared.append((v.name, data, ftype, mtype))
    with files.open_file(file, write=True) as f:
        obj = _open_obj(f, file, path)
        if not overwrite:
            for name, *_ in prepared:
                if _exists(obj.id, name):
                    raise BadRequestError(f"attribute {name} already exists on {path}")
        out = []
        for name, data, ftype, mtype in prepared:
            store_raw(obj.id, name, data, ftype, mtype, path)
            f.flush()
            out.append(read_attr(obj.attrs, name))
        return out


def set_attr_on_many(
    file: str, paths: Sequence[str], name: str, text: str, type_name: str | None = None, *,
    shape: tuple[int, ...] | None = None, fixed_length: bool | None = None,
) -> Job[int]:
    """Job: set one attribute on many objects of ``file``; returns how many were written.

    Every path is resolved and the text parsed for every object (``type_name=None`` keeps each
    existing attribute's type, else makes a string) before anything is written; then one object
    at a time, flushing after each.
    """
    _check_name(name)
    if type_name is not None and type_name not in ATTR_TYPES:
        raise AttrValueError(f"unknown type {type_name!r}: use one of {', '.join(ATTR_TYPES)}")
    norm = list(dict.fromkeys(normalize_path(p) for p in paths))
    if type_name is not None:  # fail fast, before opening anything
        parse_for_target(text, _target_for_type(type_name, bool(fixed_length)), None if shape is None else tuple(shape))
    with files.open_file(file, write=True) as f:
        plans = []
        for p in norm:
            obj = _open_obj(f, file, p)
            plans.append((p, obj, *_plan(obj, name, text, type_name, None if shape is None else tuple(shape),
                                         fixed_length)))
        total = len(plans)
        yield Progress(0, total, "objects", f"setting {name}")
        for i, (p, obj, data, ftype, mtype) in enumerate(plans):
            store_raw(obj.id, name, data, ftype, mtype, p)
            f.flush()
            yield Progress(i + 1, total, "objects", f"setting {name}")
    return total

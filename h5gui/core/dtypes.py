"""Datatypes in words: ``uint8``, ``vlen utf-8 string``, ``compound {x: float32, y: float32}``."""

from __future__ import annotations

import logging

import h5py
import numpy as np

__all__ = ["describe_dtype", "h5t_class_name"]

log = logging.getLogger(__name__)

_H5T_CLASS_NAMES = {
    0: "integer",
    1: "float",
    2: "time",
    3: "string",
    4: "bitfield",
    5: "opaque",
    6: "compound",
    7: "reference",
    8: "enum",
    9: "variable-length",
    10: "array",
    11: "complex",
}


def h5t_class_name(type_id: h5py.h5t.TypeID) -> str:
    """The HDF5 class of a datatype in words (``'opaque'``, ``'time'``): for types numpy cannot describe."""
    try:
        return _H5T_CLASS_NAMES.get(type_id.get_class(), f"class {type_id.get_class()}")
    except Exception:  # pragma: no cover - defensive
        log.debug("datatype class unknown", exc_info=True)
        return "unknown class"


def _order(dt: np.dtype) -> str:
    if dt.byteorder == ">" or (dt.byteorder == "=" and np.little_endian is False):
        return " (big-endian)"
    return ""


MAX_DEPTH = 8  # levels of nested types written out


def describe_dtype(dt: np.dtype, *, short: bool = False, depth: int = 0) -> str:
    """Describe a numpy dtype as h5py maps HDF5 types onto it.

    ``short=True`` gives the compact form for a tree column (``str``, ``compound``, ``enum``). Types
    nested deeper than :data:`MAX_DEPTH` (a crafted file can nest 400 compounds) end in ``...``.
    """
    if depth > MAX_DEPTH:
        return "..."
    string_info = h5py.check_string_dtype(dt)
    if string_info is not None:
        enc = "utf-8" if string_info.encoding == "utf-8" else "ascii"
        if string_info.length is None:
            return "string" if short else f"vlen {enc} string"
        return f"S{string_info.length}" if short else f"fixed-length {enc} string ({string_info.length} bytes)"
    vlen = h5py.check_vlen_dtype(dt)
    if vlen is not None:
        inner = describe_dtype(np.dtype(vlen), short=True, depth=depth + 1)
        return f"vlen {inner}" if short else f"vlen of {describe_dtype(np.dtype(vlen), depth=depth + 1)}"
    ref = h5py.check_ref_dtype(dt)
    if ref is not None:
        return "region reference" if ref is h5py.RegionReference else "object reference"
    enum = h5py.check_enum_dtype(dt)
    if enum is not None:
        if dt == np.bool_:
            return "bool"
        # the base integer type without the enum metadata (describing ``dt`` itself would recurse)
        base_name = np.dtype(dt.str).name if dt.kind in "iu" else "int8"
        if short:
            return f"enum {base_name}"
        names = sorted(enum, key=lambda k: enum[k])
        shown = ", ".join(n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n) for n in names[:12])
        shown += ", ..." if len(names) > 12 else ""
        return f"enum {base_name} {{{shown}}}"
    if dt.names is not None:
        if short:
            return "compound"
        fields = [f"{name}: {_field_words(dt[name], depth + 1)}" for name in dt.names[:16]]
        more = ", ..." if len(dt.names) > 16 else ""
        return "compound {" + ", ".join(fields) + more + "}"
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        dims = " x ".join(str(n) for n in shape)
        return (f"{describe_dtype(base, short=True, depth=depth + 1)}[{dims}]" if short
                else f"array [{dims}] of {describe_dtype(base, depth=depth + 1)}")
    if dt.kind == "V":
        return "opaque" if short else f"opaque ({dt.itemsize} bytes)"
    if dt.kind == "S":
        return f"S{dt.itemsize}" if short else f"fixed-length bytes ({dt.itemsize} bytes)"
    if dt.kind == "O":
        return "object"
    if dt.kind == "b":
        return "bool"
    name = dt.name if dt.kind in "iufc" else str(dt)
    return name if short else name + _order(dt)


def _field_words(dt: np.dtype, depth: int = 0) -> str:
    """A compound member's type: like :func:`describe_dtype`, with fixed-length strings kept short."""
    string_info = h5py.check_string_dtype(dt)
    if string_info is not None and string_info.length is not None:
        enc = "utf-8" if string_info.encoding == "utf-8" else "ascii"
        return f"{string_info.length}-byte {enc} string"
    return describe_dtype(dt, depth=depth)


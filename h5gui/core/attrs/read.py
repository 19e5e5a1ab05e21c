"""Reading attributes: snapshots for the attribute table (:func:`list_attrs`, :func:`read_attr`) and raw
values for undo and copy/paste (:func:`get_attr_values`, :func:`read_raw`)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core.attrs.formatting import format_value
from h5gui.core.attrs.records import AttrInfo, AttrValue
from h5gui.core.attrs.targets import classify
from h5gui.core.dtypes import describe_dtype, h5t_class_name
from h5gui.core.errors import NodeNotFoundError
from h5gui.core.h5 import attrs_raw, files, links, messages
from h5gui.core.paths import normalize_path

__all__ = [
    "BIG_BYTES",
    "MAX_ATTR_ELEMENTS",
    "MAX_EDIT_ELEMENTS",
    "SUMMARY_CHARS",
    "get_attr_values",
    "list_attrs",
    "missing",
    "present",
    "pretty",
    "read_attr",
    "read_raw",
]

MAX_ATTR_ELEMENTS = 1_000_000  # larger attributes are described, not read
MAX_EDIT_ELEMENTS = 100_000  # larger ones are not offered as text (copy/paste still works)
SUMMARY_CHARS = 300
BIG_BYTES = 64 * 1024  # HDF5 stores attributes this large densely (they need the newer object header)


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
    """``text`` indented as JSON when it is a JSON list or object, else unchanged."""
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
    type_name, reason = classify(dt)
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


def missing(name: str, path: str, file: str) -> NodeNotFoundError:
    """The error for an attribute that is not there."""
    return NodeNotFoundError(f"No attribute {name} on {path} in {file}")


def present(oid: Any, names: Sequence[str], path: str, file: str, *, missing_ok: bool = False) -> list[str]:
    """``names`` without repeats; a name that does not exist on ``oid`` is left out (``missing_ok``) or
    raises :class:`NodeNotFoundError`."""
    out = []
    for name in dict.fromkeys(names):
        if attrs_raw.exists(oid, name):
            out.append(name)
        elif not missing_ok:
            raise missing(name, path, file)
    return out


def read_raw(oid: Any, name: str, file: str) -> AttrValue:
    """Attribute ``name`` of the object ``oid`` exactly as stored (types h5py cannot map are read as raw bytes);
    ``file`` is where it comes from (its references point there)."""
    value, h5type = attrs_raw.read(oid, name)
    return AttrValue(name, value, h5type, file)


def get_attr_values(file: str, path: str, names: Sequence[str] | None = None, *,
                    missing_ok: bool = False) -> list[AttrValue]:
    """Raw copies of the named attributes (all when ``names`` is None), for undo and copy/paste;
    ``missing_ok`` skips names that do not exist."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        obj = links.open_object(f, path, str(file))
        wanted = list(obj.attrs) if names is None else present(obj.id, names, path, str(file), missing_ok=missing_ok)
        absolute = str(os.path.abspath(file))
        return [read_raw(obj.id, name, absolute) for name in wanted]

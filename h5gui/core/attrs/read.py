"""Reading attributes: snapshots for the attribute table (:func:`list_attrs`, :func:`read_attr`) and raw
values for undo and copy/paste (:func:`get_attr_values`, :func:`read_raw`)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import h5py

from h5gui.core.attrs.records import AttrInfo, AttrValue
from h5gui.core.attrs.summary import BIG_BYTES, MAX_EDIT_ELEMENTS, SUMMARY_CHARS, summarize
from h5gui.core.attrs.targets import classify
from h5gui.core.dtypes import describe_dtype, h5t_class_name
from h5gui.core.errors import NodeNotFoundError, UnreadableError
from h5gui.core.formatting import visible_text
from h5gui.core.h5 import attrs_raw, files, limits, links, messages, staging
from h5gui.core.h5.datasets import reference_text
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
    "read_attr",
    "read_raw",
]

MAX_ATTR_ELEMENTS = 1_000_000  # larger attributes are described, not read


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
        limits.check_attr(aid, f"attribute {name}")
    except limits.LimitError as exc:
        return AttrInfo(name, dtype, shape, f"({exc.message.split(';')[0]})", editable=False,
                        reason="too large to read", big=True, **common)
    try:
        value = attrs[name]
    except Exception as exc:
        return AttrInfo(name, dtype, shape, "", error=f"cannot read: {messages.hdf5_reason(str(exc))}",
                        editable=False, reason="it cannot be read", **common)
    return summarize(name, dtype, shape, value, dt, n, reason, common,
                     deref=lambda ref: reference_text(ref, attrs._id))


def list_attrs(file: str, path: str = "/") -> list[AttrInfo]:
    """Every attribute of the object at ``path`` (creation order when tracked, else by name)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        obj = links.open_object(f, path, str(file))
        try:
            names = list(obj.attrs)
        except (RuntimeError, OSError, KeyError, ValueError) as exc:  # a damaged attribute message
            raise UnreadableError(f"cannot list the attributes of {path} in {file}: "
                                  f"{messages.hdf5_reason(str(exc))}") from exc
        out = []
        for name in names:
            info = read_attr(obj.attrs, name)
            if isinstance(name, bytes):  # not UTF-8 (h5py gives such a name as bytes): shown escaped
                info = replace(info, name=visible_text(name), editable=False, raw_name=name,
                               reason="its name is not valid UTF-8 (shown escaped)")
            out.append(info)
        return out


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


def read_raw(oid: Any, name: str, file: str, *, refs_as_bytes: bool = False) -> AttrValue:
    """Attribute ``name`` of the object ``oid`` exactly as stored (types h5py cannot map are read as raw bytes);
    ``file`` is where it comes from (its references point there). ``refs_as_bytes``: references as their
    stored bytes (see :func:`h5gui.core.h5.attrs_raw.read`), for a value that goes to another process."""
    value, h5type = attrs_raw.read(oid, name, refs_as_bytes=refs_as_bytes)
    return AttrValue(name, value, h5type, file, staging.file_id(file))


def get_attr_values(file: str, path: str, names: Sequence[str] | None = None, *,
                    missing_ok: bool = False) -> list[AttrValue]:
    """Raw copies of the named attributes (all when ``names`` is None), for undo and copy/paste;
    ``missing_ok`` skips names that do not exist."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        obj = links.open_object(f, path, str(file))
        wanted = list(obj.attrs) if names is None else present(obj.id, names, path, str(file), missing_ok=missing_ok)
        absolute = str(os.path.abspath(file))
        return [read_raw(obj.id, name, absolute, refs_as_bytes=True) for name in wanted]

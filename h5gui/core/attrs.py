"""Attributes of an object as plain snapshots (:class:`AttrInfo`). Editing comes with issue 4."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from h5gui.core import files, nodes
from h5gui.core.dtypes import describe_dtype, describe_shape, h5t_class_name

MAX_ATTR_ELEMENTS = 1_000_000  # larger attributes are described, not read
SUMMARY_CHARS = 300


@dataclass(frozen=True, slots=True)
class AttrInfo:
    name: str
    dtype: str
    shape: tuple[int, ...] | None
    value: str  # readable summary (one line)
    full_text: str = ""  # longer text (pretty JSON, whole string) for a side view
    error: str = ""

    @property
    def shape_text(self) -> str:
        return describe_shape(self.shape)


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


def _pretty(text: str) -> str:
    stripped = text.strip()
    if len(stripped) > 1 and stripped[0] in "[{" and stripped[-1] in "]}":
        try:
            return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    return text


def read_attr(attrs: h5py.AttributeManager, name: str) -> AttrInfo:
    try:
        aid = attrs.get_id(name)
    except Exception as exc:
        return AttrInfo(name, "?", None, "", error=f"cannot open: {files._hdf5_reason(str(exc))}")
    shape = aid.shape
    try:
        dt = aid.dtype
        dtype = describe_dtype(dt)
    except Exception:
        cls = h5t_class_name(aid.get_type())
        return AttrInfo(name, f"unsupported ({cls})", shape, "", error=f"h5py cannot read this datatype ({cls})")
    n = int(np.prod(shape)) if shape else (1 if shape == () else 0)
    if shape is None:
        return AttrInfo(name, dtype, None, "(empty)")
    if n > MAX_ATTR_ELEMENTS:
        return AttrInfo(name, dtype, shape, f"({n:,} elements, not read)")
    try:
        value = attrs[name]
    except Exception as exc:
        return AttrInfo(name, dtype, shape, "", error=f"cannot read: {files._hdf5_reason(str(exc))}")
    text = _text(value)
    one_line = " ".join(text.split())
    summary = one_line if len(one_line) <= SUMMARY_CHARS else one_line[:SUMMARY_CHARS] + "..."
    full = _pretty(text) if len(text) > 60 or "\n" in text or text.lstrip()[:1] in "[{" else ""
    return AttrInfo(name, dtype, shape, summary, full_text=full)


def list_attrs(file: str, path: str = "/") -> list[AttrInfo]:
    """Every attribute of the object at ``path`` (creation order when tracked, else by name)."""
    path = nodes.normalize_path(path)
    with files.open_file(file) as f:
        obj = nodes._open_object(f, path, str(file))
        return [read_attr(obj.attrs, name) for name in obj.attrs]

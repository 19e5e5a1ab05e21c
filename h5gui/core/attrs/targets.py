"""Attribute types: which stored datatypes can be typed as text, and what a typed text must become."""

from __future__ import annotations

from dataclasses import dataclass

import h5py
import numpy as np

from h5gui.core.attrs.records import ATTR_TYPES
from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import AttrValueError

__all__ = ["Target", "classify", "target_for_dtype", "target_for_type"]

_NUMPY_TYPES = {name: np.dtype(name) for name in ATTR_TYPES if name != "string"}


@dataclass(frozen=True)
class Target:
    """What a typed text must become (made by :func:`target_for_type` or :func:`target_for_dtype`)."""

    kind: str  # "int", "float", "complex", "bool", "string", "enum"
    dtype: np.dtype  # numeric dtype (strings: decided per value)
    label: str  # "uint8", "string", "enum int8 {RED, GREEN}" (for messages)
    fixed: bool = False  # strings
    encoding: str = "utf-8"  # strings
    min_length: int = 0  # fixed strings: the stored length kept when the text fits
    members: tuple[tuple[str, int], ...] = ()  # enums


def target_for_type(type_name: str, fixed_length: bool = False) -> Target:
    """The target for a type a user chose (one of :data:`ATTR_TYPES`); raises :class:`AttrValueError`."""
    if type_name == "string":
        return Target("string", np.dtype(object), "string", fixed=bool(fixed_length))
    dt = _NUMPY_TYPES.get(type_name)
    if dt is None:
        raise AttrValueError(f"unknown type {type_name!r}: use one of {', '.join(ATTR_TYPES)}")
    kind = {"i": "int", "u": "int", "f": "float", "c": "complex", "b": "bool"}[dt.kind]
    return Target(kind, dt, type_name)


def classify(dt: np.dtype) -> tuple[str, str]:
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


def target_for_dtype(dt: np.dtype) -> Target:
    """The target that keeps a stored dtype (the caller checked that it is editable)."""
    info = h5py.check_string_dtype(dt)
    if info is not None:
        return Target(
            "string", np.dtype(object), "string", fixed=info.length is not None,
            encoding="ascii" if info.encoding == "ascii" else "utf-8", min_length=info.length or 0,
        )
    if dt.kind == "b":
        return Target("bool", np.dtype(bool), "bool")
    enum = h5py.check_enum_dtype(dt)
    if enum is not None:
        members = tuple(sorted(((str(k), int(v)) for k, v in enum.items()), key=lambda kv: kv[1]))
        base = np.dtype(dt.str)
        names = ", ".join(k for k, _ in members[:8]) + (", ..." if len(members) > 8 else "")
        return Target("enum", base, f"enum {base.name} {{{names}}}", members=members)
    kind = {"i": "int", "u": "int", "f": "float", "c": "complex"}[dt.kind]
    return Target(kind, np.dtype(dt.str), np.dtype(dt.str).name)

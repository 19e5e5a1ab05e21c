"""Helpers every view shares: a datatype's kind, enums as their integers, bytes as text, and the
short text attributes (``CLASS``, ``INTERLACE_MODE``...) that name an image.

Opening a dataset, its datatype, reads with one-line errors and the filter check are the HDF5
layer's (:mod:`h5gui.core.h5.datasets`).
"""

from __future__ import annotations

import logging
from typing import Any

import h5py
import numpy as np

from h5gui.core.preview.records import (
    ARRAY,
    BOOL,
    COMPLEX,
    COMPOUND,
    ENUM,
    NUMERIC,
    OPAQUE,
    REFERENCE,
    STRING,
    VLEN,
)

log = logging.getLogger(__name__)


def kind_of(dt: np.dtype) -> str:
    """The kind (see :mod:`~h5gui.core.preview.records`) of values of type ``dt``."""
    if h5py.check_string_dtype(dt) is not None:
        return STRING
    if h5py.check_vlen_dtype(dt) is not None:
        return VLEN
    if h5py.check_ref_dtype(dt) is not None:
        return REFERENCE
    if dt.kind == "b":
        return BOOL
    if h5py.check_enum_dtype(dt) is not None:
        return ENUM
    if dt.names is not None:
        return COMPOUND
    if dt.subdtype is not None:
        return ARRAY
    if dt.kind == "c":
        return COMPLEX
    if dt.kind in "iuf":
        return NUMERIC
    return OPAQUE


def field_types(dt: np.dtype) -> dict[str, np.dtype]:
    """The fields of a compound type by name, in order (empty for any other type)."""
    fields = dt.fields
    if dt.names is None or fields is None:
        return {}
    return {name: fields[name][0] for name in dt.names}


def plot_fields(dt: np.dtype) -> tuple[str, ...]:
    """The fields of a compound type that hold one number each (the ones a curve can show)."""
    return tuple(n for n, t in field_types(dt).items() if t.kind in "iufb" and t.subdtype is None)


def base_dtype(dt: np.dtype) -> np.dtype:
    """Enum -> its integer type without metadata; anything else unchanged."""
    if h5py.check_enum_dtype(dt) is not None and dt.kind in "iu":
        return np.dtype(dt.str)
    return dt


def decode_text(value: Any) -> str:
    """Bytes as UTF-8 (invalid bytes replaced); anything else as ``str``."""
    if isinstance(value, bytes | np.bytes_):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def attr_text(attrs: h5py.AttributeManager, name: str, *, keep_case: bool = False) -> str:
    """The attribute ``name`` as upper-case text (``keep_case``: as written) when it is one short string,
    else ``''``."""
    try:
        if name not in attrs:
            return ""
        value = attrs[name]
    except Exception:  # an unreadable attribute names nothing
        log.debug("cannot read attribute %s", name, exc_info=True)
        return ""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return ""
        value = value.reshape(-1)[0]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes | str):
        text = decode_text(value).strip().strip("\x00")
        return text if keep_case else text.upper()
    return ""


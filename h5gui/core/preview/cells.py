"""Elements as text, for the table's cells and the text view: strings decoded, enums by name,
references as paths, floats with ``%.6g``, opaque bytes in hex, pictures named by their format.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import h5py
import numpy as np

from h5gui.core import imaging
from h5gui.core.formatting import visible_text
from h5gui.core.h5.datasets import reference_text
from h5gui.core.preview.common import field_types
from h5gui.core.preview.records import MAX_CELL_CHARS


def hex_preview(data: bytes, limit: int = 24) -> str:
    """Opaque bytes: their first ``limit`` bytes in hex, or the picture they hold named."""
    fmt = imaging.sniff_format(data)
    if fmt:
        return f"{fmt} image ({len(data):,} bytes)"
    text = data[:limit].hex(" ")
    if len(data) > limit:
        text += f" ... ({len(data):,} bytes)"
    return text


def shown_text(value: Any) -> str:
    """A string element as shown: invalid UTF-8 and control characters as escapes (``\\xff``, ``\\x00``)."""
    return visible_text(bytes(value) if isinstance(value, bytes | np.bytes_) else str(value))


def bytes_text(value: Any, fit: Callable[[str], str]) -> str:
    """A string element as text (through ``fit``); bytes holding a picture as ``'PNG image (1,234 bytes)'``."""
    if isinstance(value, bytes | np.bytes_):
        fmt = imaging.sniff_format(bytes(value[: imaging.SNIFF_BYTES]))
        if fmt:
            return f"{fmt} image ({len(value):,} bytes)"
    return fit(shown_text(value))


def clip(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` cut to ``limit`` characters (``...`` marks the cut)."""
    return text if len(text) <= limit else text[:limit] + "..."


def format_float(v: float) -> str:
    """``%.6g``, with ``.0`` kept on whole numbers like ``repr`` (``1.0``, not ``1``)."""
    text = f"{v:.6g}"
    if text.lstrip("-").isdigit():
        text += ".0"
    return text


def format_complex(v: complex) -> str:
    """``1.5+2.0j`` with both parts as :func:`format_float`."""
    return f"{format_float(v.real)}{'+' if v.imag >= 0 or math.isnan(v.imag) else '-'}{format_float(abs(v.imag))}j"


def array_text(a: np.ndarray) -> str:
    """A small array element (vlen or array datatype) on one line, long ones elided."""
    if a.dtype.kind in "iu" and a.dtype.itemsize == 1 and a.ndim == 1:
        fmt = imaging.sniff_format(a.view(np.uint8))
        if fmt:
            return f"{fmt} image ({a.size:,} bytes)"
    if a.dtype.kind in "SO":
        a = np.array([visible_text(v) if isinstance(v, bytes) else v for v in a.reshape(-1)], dtype=object).reshape(
            a.shape
        )
    with np.printoptions(threshold=32, edgeitems=3, linewidth=100_000, precision=6):
        return " ".join(np.array2string(a, separator=", ").split())


MAX_NESTING = 8  # compound members nested deeper are shown as "{...}"


def formatter(dt: np.dtype, ds: h5py.Dataset | None, *, cell: bool = True, depth: int = 0) -> Callable[[Any], str]:
    """A function that turns one element of type ``dt`` (as h5py returns it) into text. ``ds`` holds the
    references it resolves to paths; None (an HSDS domain, whose references are already text) shows them
    as they are."""
    fit = clip if cell else (lambda t: t)
    if depth > MAX_NESTING:
        return lambda v: "{...}"
    if h5py.check_ref_dtype(dt) is not None:
        if ds is None:
            return lambda v: str(v) if v else "(null reference)"
        return lambda v: reference_text(v, ds)
    string_info = h5py.check_string_dtype(dt)
    if string_info is not None:
        return lambda v: bytes_text(v, fit)
    enum = h5py.check_enum_dtype(dt)
    if enum is not None and dt.kind != "b":
        by_value = {int(v): visible_text(k) for k, v in enum.items()}  # a name not UTF-8 comes as bytes
        return lambda v: by_value.get(int(v), str(int(v)))
    if dt.names is not None:
        subs = [(n, formatter(t, ds, cell=cell, depth=depth + 1)) for n, t in field_types(dt).items()]
        return lambda v: fit("{" + ", ".join(f"{n}: {f(v[n])}" for n, f in subs) + "}")
    if h5py.check_vlen_dtype(dt) is not None or dt.subdtype is not None:
        return lambda v: fit(array_text(np.asarray(v)))
    if dt.kind == "b":
        return lambda v: "True" if v else "False"
    if dt.kind in "iu":
        return lambda v: str(int(v))
    if dt.kind == "f":
        return lambda v: format_float(float(v))
    if dt.kind == "c":
        return lambda v: format_complex(complex(v))
    if dt.kind == "V":
        return lambda v: hex_preview(np.asarray(v).tobytes())
    if dt.kind == "S":
        return lambda v: fit(shown_text(v))
    return lambda v: fit(visible_text(str(v)))


def format_column(values: np.ndarray, dt: np.dtype, ds: h5py.Dataset) -> list[str]:
    """Texts of a 1-D array of elements of type ``dt`` (fast paths for plain numbers)."""
    if values.size == 0:
        return []
    if h5py.check_enum_dtype(dt) is None and dt.names is None and dt.subdtype is None:
        if dt.kind in "iu":
            return [str(v) for v in values.tolist()]
        if dt.kind == "f":
            return [format_float(v) for v in values.astype(np.float64).tolist()]
        if dt.kind == "b":
            return ["True" if v else "False" for v in values.tolist()]
    f = formatter(dt, ds)
    if dt.kind == "V" and dt.names is None and dt.subdtype is None:
        return [f(values[i : i + 1]) for i in range(values.shape[0])]
    return [f(v) for v in values]


"""The text view: a scalar or one element whole (full precision, JSON pretty-printed), an array as its
first elements, one per line (2-D and more: rows of tabs), within a character and a byte budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core import imaging
from h5gui.core.attrs import pretty
from h5gui.core.errors import BadRequestError
from h5gui.core.h5.datasets import check_filters, dataset_at, dataset_dtype, read_selection
from h5gui.core.preview.axes import element_count, full_index
from h5gui.core.preview.cells import formatter, shown_text
from h5gui.core.preview.common import field_types
from h5gui.core.preview.records import MAX_TEXT_READ_BYTES
from h5gui.core.text import format_bytes


def value_text(value: Any, dt: np.dtype, ds: h5py.Dataset) -> str:
    """One element as text for the text view (full precision, strings whole, JSON pretty-printed)."""
    if h5py.check_string_dtype(dt) is not None:
        return pretty(shown_text(value))
    if dt.names is not None and h5py.check_ref_dtype(dt) is None:
        return "\n".join(f"{n}: {value_text(value[n], t, ds)}" for n, t in field_types(dt).items())
    if h5py.check_ref_dtype(dt) is None and h5py.check_enum_dtype(dt) is None and dt.subdtype is None:
        if dt.kind == "f":
            return repr(float(value))
        if dt.kind == "c":
            return repr(complex(value))
        if dt.kind == "V":
            data = np.asarray(value).tobytes()
            fmt = imaging.sniff_format(data)
            if fmt:
                return f"{fmt} image ({len(data):,} bytes)"
            return "\n".join(
                f"{i:08x}  {data[i : i + 16].hex(' ')}" for i in range(0, min(len(data), 64 * 1024), 16)
            ) + (f"\n... ({len(data):,} bytes)" if len(data) > 64 * 1024 else "")
    return formatter(dt, ds, cell=False)(value)


def dataset_text(ds: h5py.Dataset, dt: np.dtype, path: str, index: tuple[int, ...], max_chars: int) -> str:
    """What :func:`read_text` shows of the open dataset ``ds`` (element ``index`` when it has one
    entry per axis, else a leading block)."""
    shape = ds.shape
    if shape is None:
        return "(empty dataset: no dataspace)"
    if element_count(shape) == 0:
        return f"(no elements: shape {shape})"
    check_filters(ds, path)
    if dt.itemsize > MAX_TEXT_READ_BYTES:
        raise BadRequestError(f"{path}: elements of {format_bytes(dt.itemsize)} are too large to show as text")
    if index and len(index) != len(shape):
        raise BadRequestError(f"{path}: the index picks one element, so it takes one value per axis ({len(shape)}), "
                              f"not {len(index)}" if shape else f"{path} is a scalar: it takes no index")
    if not shape or len(index) == len(shape) and index:
        where = tuple(full_index(index, shape, [], path)) if shape else ()
        if dt.kind == "V" and dt.names is None and shape:
            value: Any = np.asarray(read_selection(ds, where[:-1] + (slice(where[-1], where[-1] + 1),), path))[0]
        else:
            value = read_selection(ds, where, path)
        text = value_text(value, dt, ds)
    else:
        # a leading block of the array: last axes whole when they fit, earlier axes trimmed
        budget = max(1, min(max_chars // 2, MAX_TEXT_READ_BYTES // max(1, dt.itemsize)))
        sel: list[Any] = []
        for n in reversed(shape):
            t = max(1, min(n, budget))
            budget = max(1, budget // t)
            sel.insert(0, slice(0, t))
        block = np.asarray(read_selection(ds, tuple(sel), path))
        fmt = formatter(dt, ds, cell=False)
        if block.ndim == 1:
            if dt.kind == "V" and dt.names is None:
                lines = [fmt(block[i : i + 1]) for i in range(block.shape[0])]
            else:
                lines = [fmt(v) for v in block]
        else:
            rows = block.reshape(-1, block.shape[-1])
            lines = ["\t".join(fmt(v) for v in row) for row in rows]
        text = "\n".join(lines)
        if block.size == 1 and h5py.check_string_dtype(dt) is not None:
            text = pretty(text)
        if block.size < element_count(shape):
            text += f"\n... (first {block.size:,} of {element_count(shape):,} elements)"
    if len(text) > max_chars:
        text = text[:max_chars] + f"\n... ({len(text):,} characters in all)"
    return text


def read_text(
    file: str, path: str, *, index: Sequence[int] = (), max_chars: int = 1_000_000, allow_external: bool = False
) -> str:
    """The dataset (or element ``index``, one entry per axis) as text: scalars and strings whole (JSON
    pretty-printed), arrays as their first elements, one per line (2-D and more: rows of tabs).

    At most ``max_chars`` characters, and at most :data:`MAX_TEXT_READ_BYTES` bytes read.
    """
    file = str(file)
    with dataset_at(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        return dataset_text(ds, dt, path, tuple(index), max(1, int(max_chars)))

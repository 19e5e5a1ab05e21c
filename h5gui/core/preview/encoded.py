"""Encoded images held by datasets (PNG, JPEG, TIFF... bytes): which datasets hold bytes, the format
their first element starts with, and decoding one element for the image view (:func:`read_encoded`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core import imaging
from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError, UnreadableError
from h5gui.core.h5.datasets import check_filters, dataset_at, dataset_dtype, read_selection
from h5gui.core.preview.axes import element_count
from h5gui.core.preview.common import kind_of
from h5gui.core.preview.image import image_stats
from h5gui.core.preview.records import MAX_ENCODED_BYTES, NUMERIC, OPAQUE, SNIFF_READ_BYTES, STRING, VLEN, ImageSlice
from h5gui.core.text import format_bytes


def element_bytes(ds: h5py.Dataset, kind: str, dt: np.dtype, flat: int, path: str, limit: int) -> bytes | None:
    """The raw bytes of element number ``flat`` of a bytes-holding dataset (None when too big)."""
    shape = ds.shape
    where: tuple[Any, ...] = tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()
    if kind == NUMERIC:  # a 1-D uint8/int8 array is one blob
        if element_count(shape) > limit:
            return None
        return np.ascontiguousarray(read_selection(ds, (), path)).tobytes()
    if kind in (OPAQUE,) or (kind == STRING and dt.kind == "S"):
        if dt.itemsize > limit:
            return None
        if not shape:
            value = read_selection(ds, (), path)
            if isinstance(value, np.ndarray | np.void):
                return np.asarray(value).tobytes()
            return bytes(value).ljust(dt.itemsize, b"\x00")
        sel = where[:-1] + (slice(where[-1], where[-1] + 1),)
        return np.ascontiguousarray(read_selection(ds, sel, path)).tobytes()  # full itemsize, NULs kept
    return as_bytes(read_selection(ds, where if shape else (), path))


def as_bytes(value: Any) -> bytes | None:
    """The bytes one element holds, as h5py (or HSDS) returns it: a uint8 array, opaque bytes, a string
    (UTF-8, undecodable bytes kept); None for anything else."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return as_bytes(value[()]) if value.shape == () else None
        return np.ascontiguousarray(value).tobytes()
    if isinstance(value, np.void):
        return value.tobytes()
    if isinstance(value, bytes | np.bytes_):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return None


def is_bytes_like(kind: str, dt: np.dtype, shape: tuple[int, ...]) -> bool:
    """Whether data of this kind, type and shape can hold encoded pictures (bytes, one per element)."""
    if kind == NUMERIC:
        return dt.kind in "iu" and dt.itemsize == 1 and len(shape) == 1 and shape[0] >= 8
    if kind == OPAQUE:
        return dt.itemsize >= 8
    if kind == VLEN:
        base = h5py.check_vlen_dtype(dt)
        return base is not None and np.dtype(base).kind in "iu" and np.dtype(base).itemsize == 1
    if kind == STRING:
        info = h5py.check_string_dtype(dt)
        return info is not None and (dt.kind != "S" or dt.itemsize >= 8)
    return False


def sniff_encoded(ds: h5py.Dataset, kind: str, dt: np.dtype, path: str) -> tuple[str, int]:
    """``(format, number of pictures)`` from the signature of the first element, ``('', 0)`` for none."""
    shape = ds.shape
    if not is_bytes_like(kind, dt, shape):
        return "", 0
    if kind == NUMERIC:
        head = read_selection(ds, slice(0, imaging.SNIFF_BYTES), path)
        fmt = imaging.sniff_format(np.asarray(head).view(np.uint8))
        return fmt, 1 if fmt else 0
    data = element_bytes(ds, kind, dt, 0, path, SNIFF_READ_BYTES)
    if not data:
        return "", 0
    fmt = imaging.sniff_format(data)
    return fmt, (element_count(shape) if fmt else 0)



def element_index(index: int | Sequence[int], shape: tuple[int, ...], kind: str, where: str) -> int:
    """The flat index of the element ``index`` names (0 for a plain uint8 array: its bytes are one
    picture); BadRequestError when it is out of range."""
    size = element_count(shape)
    if isinstance(index, int | np.integer):
        flat = int(index)
    else:
        flat = int(np.ravel_multi_index(tuple(int(i) for i in index), shape)) if shape else 0
    if kind == NUMERIC:
        return 0
    if not 0 <= flat < size:
        raise BadRequestError(f"element {index} out of range for {where} ({size:,} elements)")
    return flat


def read_encoded(
    file: str, path: str, *, index: int | Sequence[int] = 0, allow_external: bool = False,
    max_pixels: int | None = None,
) -> tuple[ImageSlice, str]:
    """Decode the encoded picture held by a dataset: a 1-D uint8 array, an opaque scalar, or element
    ``index`` (flat number, or one index per axis) of a vlen-uint8 / bytes / opaque dataset.

    Returns the picture as an :class:`ImageSlice` (full resolution) and a description such as
    ``'PNG 640x480 RGB'``.

    Raises
    ------
    BadRequestError
        The dataset holds no bytes, or ``index`` is out of range.
    UnreadableError
        Not a known image format, too big (decompression bomb), truncated or corrupt.
    """
    file = str(file)
    with dataset_at(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        kind = kind_of(dt)
        shape = ds.shape
        if shape is None or element_count(shape) == 0 or not is_bytes_like(kind, dt, shape):
            raise BadRequestError(f"{path} does not hold encoded image bytes ({describe_dtype(dt)})")
        size = element_count(shape)
        flat = element_index(index, shape, kind, path)
        check_filters(ds, path)
        data = element_bytes(ds, kind, dt, flat, path, MAX_ENCODED_BYTES)
        if data is None:
            raise UnreadableError(f"cannot decode {path}: more than {format_bytes(MAX_ENCODED_BYTES)} of data")
    return picture(data, path, kind, flat, size, max_pixels)


def picture(data: bytes, path: str, kind: str, flat: int, size: int, max_pixels: int | None
            ) -> tuple[ImageSlice, str]:
    """Decode element ``flat`` (of ``size``) of ``path``: the image view's slice and its description (also
    for HSDS domains, :mod:`h5gui.core.hsds.encoded`)."""
    name = path if size == 1 or kind == NUMERIC else f"{path}[{flat}]"
    array, info = imaging.decode_image(data, max_pixels, name=name)
    rgb = array.ndim == 3
    levels, minmax, nonfinite = image_stats(array, rgb, (0.5, 99.5))
    if array.dtype == np.uint8:
        levels = (0.0, 255.0)
    h, w = array.shape[:2]
    description = info.description
    if size > 1 and kind != NUMERIC:
        description += f" (image {flat + 1:,} of {size:,})"
    note = f"{info.frames} frames, showing the first" if info.frames > 1 else ""
    result = ImageSlice(
        data=array, step=(1, 1), region=(0, h, 0, w), full_shape=(h, w), levels=levels, minmax=minmax,
        nonfinite=nonfinite, rgb=rgb, note=note,
    )
    return result, description

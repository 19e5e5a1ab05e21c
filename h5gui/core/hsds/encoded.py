"""Encoded images (PNG, JPEG, TIFF... bytes) held by HSDS datasets: the format of the first element for
the preview's choice of view (:func:`sniff`), and one element decoded for the image view
(:func:`read_encoded`), with the local reader's rules and records (:mod:`h5gui.core.preview.encoded`).

One element is one request (``select=[i:i+1]``); a vlen-uint8 element comes as JSON (HSDS sends
variable-length data that way), a fixed-size one as bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from h5gui.core import imaging
from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError, UnreadableError
from h5gui.core.hsds import values
from h5gui.core.hsds.domain import Domain
from h5gui.core.hsds.session import DomainLike
from h5gui.core.preview.common import kind_of
from h5gui.core.preview.encoded import as_bytes, element_index, is_bytes_like, picture
from h5gui.core.preview.records import MAX_ENCODED_BYTES, NUMERIC, SNIFF_READ_BYTES, ImageSlice
from h5gui.core.text import format_bytes

__all__ = ["read_encoded", "sniff"]


def element_bytes(d: Domain, meta: values.DatasetMeta, kind: str, flat: int, limit: int) -> bytes | None:
    """The bytes of element ``flat`` (the whole array for a 1-D uint8 blob); None when over ``limit``."""
    shape = meta.shape or ()
    if kind == NUMERIC:
        n = math.prod(shape)
        return None if n > limit else as_bytes(values.read(d, meta))
    if meta.dtype.kind in "SV" and meta.dtype.itemsize > limit:
        return None
    if not shape:
        data = as_bytes(values.read(d, meta))
    else:
        where = tuple(int(i) for i in np.unravel_index(flat, shape))
        data = as_bytes(values.read(d, meta, where))
    return None if data is None or len(data) > max(limit, MAX_ENCODED_BYTES) else data


def sniff(d: Domain, meta: values.DatasetMeta, kind: str) -> tuple[str, int]:
    """``(format, number of pictures)`` from the first element's signature; ``('', 0)`` for none."""
    shape = meta.shape
    if shape is None or math.prod(shape) == 0 or not is_bytes_like(kind, meta.dtype, shape):
        return "", 0
    if kind == NUMERIC:
        head = values.read(d, meta, (slice(0, imaging.SNIFF_BYTES),))
        fmt = imaging.sniff_format(np.asarray(head).view(np.uint8).tobytes())
        return fmt, 1 if fmt else 0
    data = element_bytes(d, meta, kind, 0, SNIFF_READ_BYTES)
    if not data:
        return "", 0
    fmt = imaging.sniff_format(data)
    return fmt, (math.prod(shape) if fmt else 0)


def read_encoded(domain: DomainLike, path: str, *, index: int | Sequence[int] = 0, allow_external: bool = False,
                 max_pixels: int | None = None) -> tuple[ImageSlice, str]:
    """The local ``read_encoded`` for a domain: element ``index`` decoded, and ``'PNG 64x48 RGB (image 2
    of 5)'``. Raises BadRequestError (no bytes, index out of range), UnreadableError (not a picture,
    too big)."""
    d, path, meta = values.open_dataset(domain, path)
    dt, shape = meta.dtype, meta.shape
    kind = kind_of(dt)
    where = d.where(path)
    if shape is None or math.prod(shape) == 0 or not is_bytes_like(kind, dt, shape):
        raise BadRequestError(f"{where} does not hold encoded image bytes ({describe_dtype(dt)})")
    size = math.prod(shape)
    flat = element_index(index, shape, kind, where)
    data = element_bytes(d, meta, kind, flat, MAX_ENCODED_BYTES)
    if data is None:
        raise UnreadableError(f"cannot decode {where}: more than {format_bytes(MAX_ENCODED_BYTES)} of data")
    return picture(data, path, kind, flat, size, max_pixels)

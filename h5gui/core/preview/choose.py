"""Which views apply to a dataset, best first, and their defaults (:func:`preview_info`): the small
registry of views of DESIGN.md section 4, each judged from cheap facts (kind, shape, fields, the
HDF5 image attributes, the signature of the first encoded element).
"""

from __future__ import annotations

import logging
from typing import Any

import h5py
import numpy as np

from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import FilterUnavailableError, UnreadableError
from h5gui.core.h5.datasets import (
    dataset_at,
    dataset_dtype,
    datatype_class,
    missing_filter,
    nothing_stored,
)
from h5gui.core.preview import nexus
from h5gui.core.preview.axes import default_table_axes, element_count, image_axes
from h5gui.core.preview.common import attr_text, kind_of, plot_fields
from h5gui.core.preview.encoded import sniff_encoded
from h5gui.core.preview.records import (
    BOOL,
    COMPLEX,
    COMPOUND,
    EMPTY,
    ENCODED,
    ENUM,
    IMAGE_KINDS,
    INFO_TEXT_CHARS,
    MAX_TEXT_READ_BYTES,
    NUMERIC,
    STRING,
    UNREADABLE,
    PreviewInfo,
)
from h5gui.core.preview.text import dataset_text

log = logging.getLogger(__name__)


def default_axes(
    ds: h5py.Dataset, shape: tuple[int, ...], kind: str
) -> tuple[tuple[int, int, int | None] | None, bool, str]:
    """Default image axes, colour, and the image class named by the HDF5 image attributes."""
    interlace = subclass = image_class = ""
    if kind in IMAGE_KINDS and len(shape) >= 2:
        image_class = attr_text(ds.attrs, "CLASS")
        if image_class == "IMAGE":
            interlace = attr_text(ds.attrs, "INTERLACE_MODE")
            subclass = attr_text(ds.attrs, "IMAGE_SUBCLASS")
        elif attr_text(ds.attrs, "interpretation") in ("rgb-image", "rgba-image"):  # NeXus / silx
            subclass = "IMAGE_TRUECOLOR"
    axes, rgb = image_axes(shape, kind, interlace, subclass, bytes_per_value=ds.dtype.itemsize)
    return axes, rgb, subclass or image_class


def preview_info(file: str, path: str, *, allow_external: bool = False) -> PreviewInfo:
    """Which views apply to the dataset at ``path`` and their defaults. Reads at most a few bytes
    (image signatures) and the value of a scalar.

    Problems with the data itself (a filter that is not installed, an unmappable datatype, a failed
    read) are reported in ``error`` with ``views == ()``, not raised.

    Raises
    ------
    FileAccessError, NodeNotFoundError, DanglingLinkError, ExternalLinkError
        The file or the path cannot be opened.
    BadRequestError
        ``path`` is not a dataset.
    UnsafeAccessError
        The data lives outside the file's folder (external storage, virtual sources) and
        ``allow_external`` is False.
    """
    file = str(file)
    path = nexus.signal_path(file, path) or path  # NeXus: a group with NXdata shows its signal
    with dataset_at(file, path, allow_external) as (ds, path):
        shape = ds.shape
        chunks = ds.chunks
        try:
            dt = dataset_dtype(ds, path)
        except UnreadableError as exc:
            cls = datatype_class(ds)
            return PreviewInfo(
                file, path, shape, "", f"unsupported datatype ({cls})", UNREADABLE, (), None, False, chunks,
                None, False, error=str(exc),
            )
        common: dict[str, Any] = {
            "file": file, "path": path, "shape": shape, "dtype": dt.str, "dtype_text": describe_dtype(dt),
            "chunks": chunks, "nexus_group": nexus.group_of_signal(ds),
        }
        kind = kind_of(dt)
        fields = tuple(dt.names) if dt.names is not None else ()
        numeric = plot_fields(dt)
        common["fields"] = fields
        common["plot_fields"] = numeric
        if shape is None or element_count(shape) == 0:
            return PreviewInfo(
                kind=EMPTY, views=(), image_axes=None, rgb=False, fill_value=None, all_fill=False, **common
            )
        all_fill = nothing_stored(ds)
        fill_value: float | None = None
        if kind in (NUMERIC, BOOL, ENUM):
            try:
                fill_value = float(np.asarray(ds.fillvalue).astype(np.float64))
            except Exception:  # shown as unknown
                log.debug("cannot read the fill value of %s", path, exc_info=True)
        common.update(fill_value=fill_value, all_fill=all_fill)
        rank = len(shape)
        axes, rgb, image_class = default_axes(ds, shape, kind)
        table_axes = default_table_axes(shape, fields, axes)
        common.update(image_axes=axes, rgb=rgb, table_axes=table_axes, image_class=image_class)
        error = missing_filter(ds, path) if not all_fill else ""
        if error:
            return PreviewInfo(kind=kind, views=(), error=error, **common)
        views = views_for(kind, shape, numeric)
        try:
            fmt, count = ("", 0) if all_fill else sniff_encoded(ds, kind, dt, path)
            if fmt:
                kind = ENCODED
                views = ("encoded",) + tuple(v for v in views if v != "text") + (
                    ("text",) if rank == 0 else ()
                )
            text = None
            if rank == 0 and not fmt and dt.itemsize <= MAX_TEXT_READ_BYTES:
                text = dataset_text(ds, dt, path, (), INFO_TEXT_CHARS)
        except (UnreadableError, FilterUnavailableError) as exc:
            return PreviewInfo(kind=kind, views=(), error=str(exc), **common)
        return PreviewInfo(
            kind=kind, views=views, encoded_format=fmt, encoded_count=count, text=text, **common
        )


def views_for(kind: str, shape: tuple[int, ...], plot_fields: tuple[str, ...]) -> tuple[str, ...]:
    """The views that apply to data of ``kind`` and ``shape``, best first (encoded pictures aside)."""
    rank = len(shape)
    if rank == 0:
        return ("text", "table")
    if kind in (NUMERIC, BOOL, COMPLEX):
        if rank == 1:
            return ("plot", "table")
        if rank == 2 and min(shape) == 1:
            return ("plot", "image", "table")
        return ("image", "table", "plot")
    if kind == ENUM:
        return ("table", "plot") if rank == 1 else ("table", "image", "plot")
    if kind == COMPOUND:
        return ("table", "plot") if plot_fields else ("table",)
    if kind == STRING:
        return ("text", "table") if element_count(shape) == 1 else ("table", "text")
    return ("table", "text")


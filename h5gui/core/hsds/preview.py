"""Previews of HSDS datasets: the local records (:class:`PreviewInfo`, :class:`ImageSlice`,
:class:`TableBlock`, :class:`PlotData`) from server-side selections.

An image plane is one request, strided by the server to at most ``max_pixels`` (the chunk budget of
the local reader does not apply: the server reads its chunks next to the data); a pixel time series
through a stack is one request (``select=[0:n,y:y+1,x:x+1]``); a table block is one request.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError, H5GuiError, UnreadableError
from h5gui.core.hsds import types, values
from h5gui.core.hsds.domain import Domain
from h5gui.core.hsds.encoded import sniff
from h5gui.core.hsds.session import DomainLike, open_domain
from h5gui.core.paths import normalize_path
from h5gui.core.preview import (
    BOOL,
    COMPLEX,
    EMPTY,
    ENCODED,
    ENUM,
    IMAGE_KINDS,
    MAX_TABLE_CELLS,
    ImageRequest,
    ImageSlice,
    PlotData,
    PreviewInfo,
    TableBlock,
    base_dtype,
    choose_step,
    image_stats,
    kind_of,
    views_for,
)
from h5gui.core.preview.axes import image_axes  # noqa: E402 - the local preview's rules, shared
from h5gui.core.preview.cells import formatter

log = logging.getLogger(__name__)


def _attr_texts(d: Domain, meta: values.DatasetMeta, names: Sequence[str]) -> dict[str, str]:
    if not meta.json.get("attributeCount"):
        return {}
    js = d.get(f"/datasets/{meta.id}/attributes", meta.path, params={"IncludeData": 1})
    out = {}
    for it in js.get("attributes", []):
        v = it.get("value")
        if it["name"] in names and isinstance(v, str):
            out[it["name"]] = v.strip().strip("\x00").upper()
    return out


def preview_info(domain: DomainLike, path: str, *, allow_external: bool = False) -> PreviewInfo:
    """Which views apply to the dataset at ``path`` and their defaults (one request for a dataset
    already listed, two with its image attributes)."""
    d, path, meta = values.open_dataset(domain, path)
    dt, shape = meta.dtype, meta.shape
    kind = kind_of(dt)
    fields = tuple(dt.names) if dt.names is not None else ()
    plot_fields = tuple(n for n in fields if types.field_dtype(dt, n).kind in "iufb"
                        and types.field_dtype(dt, n).subdtype is None)
    common: dict[str, Any] = {"file": d.uri, "path": path, "shape": shape, "dtype": dt.str,
                              "dtype_text": describe_dtype(dt), "chunks": meta.chunks, "fields": fields,
                              "plot_fields": plot_fields}
    if shape is None or math.prod(shape) == 0:
        return PreviewInfo(kind=EMPTY, views=(), image_axes=None, rgb=False, fill_value=None, all_fill=False,
                           **common)
    fill_value = None
    if kind in ("numeric", BOOL, ENUM):
        fill_value = float(meta.json.get("creationProperties", {}).get("fillValue", 0) or 0)
    image_class = interlace = subclass = ""
    if kind in IMAGE_KINDS and len(shape) >= 2:
        texts = _attr_texts(d, meta, ("CLASS", "INTERLACE_MODE", "IMAGE_SUBCLASS"))
        image_class = texts.get("CLASS", "")
        if image_class == "IMAGE":
            interlace, subclass = texts.get("INTERLACE_MODE", ""), texts.get("IMAGE_SUBCLASS", "")
    axes, rgb = image_axes(shape, kind, interlace, subclass)
    table_axes = None
    if len(shape) >= 2 and not fields:
        table_axes = (axes[0], axes[1]) if axes else (len(shape) - 2, len(shape) - 1)
    views = views_for(kind, shape, plot_fields)
    try:
        fmt, count = sniff(d, meta, kind)  # encoded pictures: the first element's signature
    except (UnreadableError, BadRequestError) as exc:  # not pictures then: the other views say why
        log.info("%s: no encoded picture (%s)", d.where(path), exc)
        fmt, count = "", 0
    if fmt:
        kind = ENCODED
        views = ("encoded",) + tuple(v for v in views if v != "text") + (("text",) if not shape else ())
    text = None
    if not shape and not fmt:
        text = _formatter(dt, cell=False)(values.read(d, meta)[()])
    return PreviewInfo(kind=kind, views=views, image_axes=axes, rgb=rgb,
                       fill_value=fill_value, all_fill=False, text=text, table_axes=table_axes,
                       image_class=subclass or image_class, encoded_format=fmt, encoded_count=count, **common)


def read_image(domain: DomainLike, path: str, request: ImageRequest, *, allow_external: bool = False) -> ImageSlice:
    """One 2-D plane (or region) for the image view, strided by the server: one request."""
    d, path, meta = values.open_dataset(domain, path)
    dt, shape = meta.dtype, meta.shape
    kind = kind_of(dt)
    where = d.where(path)
    if kind not in IMAGE_KINDS or not shape or len(shape) < 2:
        raise BadRequestError(f"cannot show {where} as an image")
    rank = len(shape)
    rows_ax, cols_ax = request.axes[0] % rank, request.axes[1] % rank
    ch_ax = None if request.axes[2] is None else request.axes[2] % rank
    n_ch = shape[ch_ax] if ch_ax is not None else 0
    all_ch = n_ch in (3, 4)
    H, W = shape[rows_ax], shape[cols_ax]
    r0, r1, c0, c1 = (0, H, 0, W) if request.region is None else (int(v) for v in request.region)
    r0, r1, c0, c1 = max(0, min(r0, H)), max(0, min(r1, H)), max(0, min(c0, W)), max(0, min(c1, W))
    if r1 <= r0 or c1 <= c0:
        raise BadRequestError(f"empty region {request.region} of {where}")
    step, _ = choose_step(r0, r1 - r0, c0, c1 - c0, None, 1, request.max_pixels, request.max_chunks)
    index = list(request.index)[:rank] + [0] * (rank - len(request.index))
    sel: list[int | slice] = []
    for axis in range(rank):
        if axis == rows_ax:
            sel.append(slice(r0, r1, step))
        elif axis == cols_ax:
            sel.append(slice(c0, c1, step))
        elif axis == ch_ax and all_ch:
            sel.append(slice(None))
        else:
            i = int(index[axis])
            if not -shape[axis] <= i < shape[axis]:
                raise BadRequestError(f"index {i} out of range for axis {axis} of {where} (size {shape[axis]})")
            sel.append(i)
    piece = values.read(d, meta, sel)
    kept = sorted(a for a in (rows_ax, cols_ax, ch_ax if all_ch else None) if a is not None)
    perm = [kept.index(rows_ax), kept.index(cols_ax)] + ([kept.index(ch_ax)] if all_ch and ch_ax is not None else [])
    piece = np.transpose(piece, perm)
    if kind == COMPLEX:
        mode = request.complex_mode
        piece = np.abs(piece) if mode == "abs" else np.angle(piece) if mode == "phase" else (
            piece.real if mode == "real" else piece.imag)
    out_dt = np.float32 if kind == COMPLEX or dt.kind == "f" else (np.uint8 if kind == BOOL else base_dtype(dt).newbyteorder("="))
    data = np.ascontiguousarray(piece, dtype=out_dt)
    rgb = all_ch and kind != BOOL
    levels, minmax, nonfinite = image_stats(data, rgb, request.percentiles)
    notes = [f"downsampled 1:{step}"] if step > 1 else []
    if ch_ax is not None and not all_ch and n_ch > 1:
        notes.append(f"channel {index[ch_ax]} of {n_ch}")
    return ImageSlice(data=data, step=(step, step), region=(r0, r1, c0, c1), full_shape=(H, W), levels=levels,
                      minmax=minmax, nonfinite=nonfinite, rgb=rgb, note="; ".join(notes))


def read_pixel_series(domain: DomainLike, path: str, axis: int, index: Sequence[int]) -> np.ndarray:
    """The values along ``axis`` at ``index`` (one entry per other axis): one request."""
    d = open_domain(domain)
    meta = values.dataset_meta(d, normalize_path(path))
    shape = meta.shape or ()
    rest = iter(index)
    sel: list[int | slice] = [slice(None) if a == axis else int(next(rest)) for a in range(len(shape))]
    return values.read(d, meta, sel)


# ---------------------------------------------------------------------------------------------
# table and plot


def _formatter(dt: np.dtype, *, cell: bool = True) -> Callable[[Any], str]:
    """The local table's formatter (the same text for a domain and a file); references stay as HSDS
    writes them."""
    return formatter(dt, None, cell=cell)


def read_table(domain: DomainLike, path: str, row0: int, nrows: int, col0: int, ncols: int, *,
               axes: tuple[int, int] | None = None, index: tuple[int, ...] = (), allow_external: bool = False
               ) -> TableBlock:
    """A block of the table view, formatted as the local table formats it: one request."""
    d, path, meta = values.open_dataset(domain, path)
    dt, shape = meta.dtype, meta.shape
    fields = tuple(dt.names) if dt.names is not None else ()
    if shape is None or math.prod(shape) == 0:
        return TableBlock(row0, col0, (), (), 0, 0)
    rank = len(shape)
    if rank == 0:
        n_rows, n_cols, ra, ca = 1, (len(fields) or 1), None, None
    elif fields or rank == 1:
        ra = (axes[0] % rank) if axes and fields else 0
        n_rows, n_cols, ca = shape[ra], (len(fields) or 1), None
    else:
        default = preview_info(d, path).table_axes or (rank - 2, rank - 1)
        ra, ca = (a % rank for a in (axes or default))
        n_rows, n_cols = shape[ra], shape[ca]
    nrows = max(0, min(nrows, n_rows - row0))
    ncols = max(0, min(ncols, n_cols - col0))
    if nrows * ncols > MAX_TABLE_CELLS:
        raise BadRequestError(f"table block of {nrows:,} x {ncols:,} cells of {path} is too large")
    columns = fields[col0:col0 + ncols] if fields else (
        ("value",) if rank <= 1 else tuple(str(c) for c in range(col0, col0 + ncols)))
    if nrows == 0 or ncols == 0:
        return TableBlock(row0, col0, (), columns, n_rows, n_cols)
    idx = list(index)[:rank] + [0] * (rank - len(index))
    sel: list[int | slice] = []
    for axis in range(rank):
        sel.append(slice(row0, row0 + nrows) if axis == ra else slice(col0, col0 + ncols) if axis == ca
                   else int(idx[axis]))
    raw = values.read(d, meta, sel)
    if fields:
        flat = raw.reshape(-1)
        cols = [[_formatter(types.field_dtype(dt, n))(v) for v in flat[n]] for n in columns]
        cells = tuple(zip(*cols, strict=True))
    else:
        grid = raw.reshape(-1, 1) if rank <= 1 else (np.swapaxes(raw, 0, 1) if ra is not None and ca is not None
                                                      and ra > ca else raw)
        fmt = _formatter(dt)
        cells = tuple(tuple(fmt(v) for v in row) for row in grid)
    return TableBlock(row0, col0, cells, columns, n_rows, n_cols)


def read_plot(domain: DomainLike, path: str, *, axis: int = 0, index: Sequence[int] = (), start: int = 0,
              stop: int | None = None, max_points: int = 4000) -> PlotData:
    """A 1-D curve along ``axis`` (other axes fixed by ``index``), strided by the server to about
    ``2 * max_points`` values (min/max of the stride's buckets is not computed remotely: a stride)."""
    d, path, meta = values.open_dataset(domain, path)
    shape = meta.shape or ()
    if not shape or kind_of(meta.dtype) not in ("numeric", BOOL, ENUM, COMPLEX):
        raise BadRequestError(f"cannot plot {d.where(path)}")
    axis %= len(shape)
    n = shape[axis]
    stop = n if stop is None else max(start, min(stop, n))
    step = max(1, -(-(stop - start) // (2 * max_points)))
    idx = list(index)[:len(shape)] + [0] * (len(shape) - len(index))
    sel = [slice(start, stop, step) if a == axis else int(idx[a]) for a in range(len(shape))]
    try:
        y = values.read(d, meta, sel).astype(np.float64 if kind_of(meta.dtype) != COMPLEX else np.complex128)
    except H5GuiError:
        raise
    if y.dtype.kind == "c":
        y = np.abs(y)
    x = np.arange(start, stop, step, dtype=np.float64)[: y.size]
    return PlotData(x=x, y=np.asarray(y, dtype=np.float64), n=stop - start, step=step, x_label=f"index (axis {axis})",
                    y_label=path.rsplit("/", 1)[-1], note=f"every {step}th value" if step > 1 else "")

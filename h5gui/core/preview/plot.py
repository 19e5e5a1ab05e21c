"""The plot view: a curve along one axis (:func:`read_plot_job`), every value when short, else the
min/max of buckets read in pieces; a selection that would touch too many bytes or chunks is an
overview made of evenly spaced whole chunks (or blocks of contiguous data), each reduced exactly.
"""

from __future__ import annotations

import logging
import math
import posixpath
from collections.abc import Callable, Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError
from h5gui.core.h5.datasets import (
    can_tell_chunks,
    check_filters,
    chunk_stored,
    dataset_at,
    dataset_dtype,
    nothing_stored,
    read_fields,
    read_selection,
)
from h5gui.core.preview.axes import full_index, normalize_axis
from h5gui.core.preview.common import kind_of, plot_fields
from h5gui.core.preview.records import (
    COMPLEX,
    COMPOUND,
    MAX_PLOT_BYTES,
    MAX_PLOT_CHUNKS,
    MAX_PLOT_READ,
    PAGE_BYTES,
    PLOT_BLOCK_BYTES,
    PLOT_KINDS,
    PLOT_PIECE,
    SIEVE_BYTES,
    PlotData,
)
from h5gui.core.progress import Job, Progress, run

log = logging.getLogger(__name__)


def _plot_index(index: Sequence[int], shape: tuple[int, ...], axis: int, path: str) -> list[int]:
    """One index per axis from either a full index (one per axis) or one per *other* axis."""
    rank = len(shape)
    index = [int(i) for i in index]
    if len(index) == rank - 1 and rank > 1:
        index = index[:axis] + [0] + index[axis:]
    return full_index(index, shape, [axis], path)


def _plot_grid(
    shape: tuple[int, ...], chunks: tuple[int, ...] | None, itemsize: int, axis: int, start: int, stop: int
) -> tuple[int, int, int, int]:
    """How a line along ``axis`` is cut into blocks that reads touch whole, and what reading it costs.

    Returns ``(origin, length, block_bytes, exact_bytes)``: block ``j`` holds the positions from
    ``origin + j * length`` to ``origin + (j + 1) * length``, reading (any of) it touches
    ``block_bytes``, and reading every value from ``start`` to ``stop`` touches ``exact_bytes``.
    Chunked data: the blocks are the chunks along the axis, each counted whole (HDF5 reads and
    decompresses a touched chunk whole). Contiguous data: values ``stride`` bytes apart cost
    ``stride`` bytes each, at most a sieve buffer; a block holds about :data:`PLOT_BLOCK_BYTES` (at
    most an eighth of the budget), or a single value when every value costs a read of its own.
    """
    if chunks is not None:
        c = chunks[axis]
        cb = math.prod(chunks) * itemsize
        return 0, c, cb, ((stop - 1) // c - start // c + 1) * cb
    stride = math.prod(shape[axis + 1 :]) * itemsize
    per = itemsize if stride == itemsize else max(itemsize, min(stride, SIEVE_BYTES))
    exact = (stop - start) * per
    if stride > itemsize and per >= PAGE_BYTES:
        return start, 1, max(per, SIEVE_BYTES), exact
    length = max(1, min(PLOT_BLOCK_BYTES, MAX_PLOT_BYTES // 8) // per)  # at least 8 blocks in the budget
    return start, length, length * per, exact


def _argminmax(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns of the minimum and of the maximum of each row of ``y``, NaN ignored (a row of NaN: 0)."""
    nan = np.isnan(y)
    if nan.any():
        return np.where(nan, np.inf, y).argmin(axis=1), np.where(nan, -np.inf, y).argmax(axis=1)
    return y.argmin(axis=1), y.argmax(axis=1)


def _minmax_pairs(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The minimum and the maximum of each row of ``y`` (NaN ignored; NaN for a row of NaN), each
    pair in the order of its positions: ``(first column, second column, (rows, 2) values)``."""
    amin, amax = _argminmax(y)
    rows = np.arange(y.shape[0])
    first, second = np.minimum(amin, amax), np.maximum(amin, amax)
    return first, second, np.stack([y[rows, first], y[rows, second]], 1)


def _block_envelope(
    y: np.ndarray, x: np.ndarray | None, starts: np.ndarray, b: int
) -> tuple[np.ndarray, np.ndarray]:
    """``y`` (and ``x``, or the positions ``starts[i] + column`` when None): ``(blocks, values)``.
    Per block, the min/max pairs of buckets of ``b`` values (the last bucket of a block may be
    shorter; no bucket spans two blocks), flattened in order; every value when ``b`` is 1."""
    g, length = y.shape
    if b <= 1:
        if x is None:
            x = starts[:, None] + np.arange(length, dtype=np.float64)
        return x.reshape(-1), y.reshape(-1)
    full = length // b
    xs, ys = [], []
    for c0, c1, per in ((0, full * b, full), (full * b, length, 1)):
        if c1 <= c0 or per == 0:
            continue
        first, second, values = _minmax_pairs(y[:, c0:c1].reshape(g * per, -1))
        rows = np.arange(g * per)
        if x is None:
            base = starts[rows // per] + c0 + (rows % per) * b
            px = np.stack([base + first, base + second], 1)
        else:
            xx = x[:, c0:c1].reshape(g * per, -1)
            px = np.stack([xx[rows, first], xx[rows, second]], 1)
        xs.append(px.reshape(g, -1))
        ys.append(values.reshape(g, -1))
    return np.concatenate(xs, axis=1).reshape(-1), np.concatenate(ys, axis=1).reshape(-1)


def _fill_value(ds: h5py.Dataset, kind: str) -> float:
    """The fill value as the curve shows it (complex: its modulus)."""
    fv = np.asarray(ds.fillvalue)
    return float(np.abs(fv) if kind == COMPLEX else fv.astype(np.float64))


def _chunk_fill(ds: h5py.Dataset, kind: str, idx: Sequence[int], axis: int) -> Callable[[int], float | None] | None:
    """For an overview of chunked data: ``j -> the fill value`` when chunk ``j`` along ``axis`` (on
    the line through ``idx``) has nothing stored, else None (one chunk-index lookup per chunk, no
    data read). None when that cannot be told (compound data: its fill value is a record)."""
    chunks = ds.chunks
    if kind == COMPOUND or chunks is None or not can_tell_chunks(ds):
        return None
    try:
        value = _fill_value(ds, kind)
    except Exception:  # pragma: no cover - defensive: every chunk is read
        log.debug("cannot read the fill value of %s", ds.name, exc_info=True)
        return None
    base = [i // c * c for i, c in zip(idx, chunks, strict=True)]
    known: dict[int, float | None] = {}

    def fill(j: int) -> float | None:
        if j not in known:
            coord = list(base)
            coord[axis] = j * chunks[axis]
            known[j] = None if chunk_stored(ds, coord) else value
        return known[j]

    return fill


def _plot_overview(
    read: Callable[[Any], tuple[np.ndarray, np.ndarray | None]], start: int, stop: int, origin: int, length: int,
    first: int, m: int, count: int, max_points: int, fill: Callable[[int], float | None] | None, unit: str,
) -> Job[tuple[np.ndarray, np.ndarray, int, int]]:
    """Min/max buckets of ``count`` evenly spaced whole blocks of the ``m`` blocks (of ``length``
    values from ``origin``; the first is block ``first``) that the positions ``start`` to ``stop``
    touch. ``fill(j)`` is the fill value of block ``j`` when nothing of it is stored (it is then not
    read), else None. Returns ``(x, y, step, blocks read)``: ``step`` is the distance between them."""
    k = -(-m // count)
    count = -(-m // k)
    j0 = first + (m - 1 - (count - 1) * k) // 2  # centred: the gaps at both ends are even
    b = -(-length // max(1, max_points // count))  # bucket size: about max_points buckets in all
    group = max(1, PLOT_PIECE // length)  # whole blocks per read (one hyperslab of blocks)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    i = 0
    while i < count:
        j = j0 + i * k
        a, e = max(start, origin + j * length), min(stop, origin + (j + 1) * length)
        value = fill(j) if fill is not None else None
        if value is not None:  # nothing stored: the fill value, without reading
            if b <= 1:
                px = np.arange(a, e, dtype=np.float64)
            else:
                lo = np.arange(a, e, b, dtype=np.float64)
                px = np.stack([lo, np.minimum(lo + b, e) - 1], 1).reshape(-1)
            xs.append(px)
            ys.append(np.full(px.size, value))
            i += 1
            yield Progress(i, count, unit, "reading overview")
            continue
        g = 1
        if e - a == length:  # whole blocks in a row, each stored: one read
            while (g < group and i + g < count and origin + (j + g * k + 1) * length <= stop
                   and (fill is None or fill(j + g * k) is None)):
                g += 1
        if g > 1:
            y, xv = read(h5py.MultiBlockSlice(start=a, stride=k * length, count=g, block=length))
        else:
            y, xv = read(slice(a, e))
        starts = a + np.arange(g, dtype=np.float64) * (k * length)
        px, py = _block_envelope(y.reshape(g, -1), xv.reshape(g, -1) if xv is not None else None, starts, b)
        xs.append(px)
        ys.append(py)
        i += g
        yield Progress(i, count, unit, "reading overview")
    return np.concatenate(xs), np.concatenate(ys), k * length, count


def read_plot_job(
    file: str, path: str, *, axis: int = -1, index: Sequence[int] = (), x_field: str | None = None,
    y_field: str | None = None, start: int = 0, stop: int | None = None, max_points: int = 20_000,
    max_read: int | None = None, allow_external: bool = False,
) -> Job[PlotData]:
    """The curve along ``axis`` (other axes fixed by ``index``), from ``start`` to ``stop``.

    ``index`` has one entry per dataset axis (the ``axis`` entry ignored) or one per other axis
    (e.g. ``(row,)`` for a row of a 2-D dataset). Compound data: ``y_field`` (default: the first
    numeric field) against ``x_field`` (default: the position). Complex values are plotted as their
    modulus.

    When the selection has more than ``2 * max_points`` values it is read in pieces of about half a
    million values and reduced to the minimum and the maximum of each of ``max_points`` buckets
    (kept in their order), so peaks survive and memory stays bounded. Yields :class:`Progress`
    (values read) between pieces.

    A selection whose exact read would touch more than :data:`MAX_PLOT_BYTES` (each touched chunk
    counted whole: HDF5 reads a chunk whole however few of its values are selected) or more than
    :data:`MAX_PLOT_CHUNKS` chunks, or that is longer than ``max_read`` values (default
    :data:`MAX_PLOT_READ`), is an *overview* instead: a bounded number of evenly spaced whole chunks
    (contiguous data: blocks of about :data:`PLOT_BLOCK_BYTES`, or single values far apart), each
    reduced to exact min/max buckets at their true positions (``sampled=True``, ``step`` = the
    distance between the blocks read, and a ``note``). Zooming in (``start``/``stop``) to a range
    within the budgets gives the exact envelope. Nothing is read when nothing is stored (all fill
    value), nor for the chunks of an overview that hold nothing.
    """
    file = str(file)
    max_points = max(1, int(max_points))
    with dataset_at(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        kind = kind_of(dt)
        shape = ds.shape
        if shape is None or len(shape) == 0:
            raise BadRequestError(f"cannot plot {path}: it is {'empty' if shape is None else 'a scalar'}")
        rank = len(shape)
        axis = normalize_axis(axis, rank, path)
        idx = _plot_index(index, shape, axis, path)
        name = posixpath.basename(path) or path
        if kind == COMPOUND:
            numeric = plot_fields(dt)
            if y_field is None:
                if not numeric:
                    raise BadRequestError(f"cannot plot {path}: no numeric field")
                y_field = numeric[0]
            for fld in (x_field, y_field):
                if fld is not None and fld not in numeric:
                    raise BadRequestError(f"cannot plot field {fld!r} of {path}: not a numeric field")
            names = [y_field] + ([x_field] if x_field and x_field != y_field else [])  # one field read once
            y_label, x_label = y_field, (x_field or "index")
        else:
            if kind not in PLOT_KINDS:
                raise BadRequestError(f"cannot plot {path}: {describe_dtype(dt)} values")
            if x_field or y_field:
                raise BadRequestError(f"{path} has no fields to plot")
            y_label = f"|{name}|" if kind == COMPLEX else name
            x_label = "index" if rank == 1 else f"axis {axis}"
        length = shape[axis]
        start = max(0, min(int(start), length))
        stop = length if stop is None else max(start, min(int(stop), length))
        n = stop - start
        if n == 0:
            empty = np.empty(0, dtype=np.float64)
            return PlotData(empty, empty.copy(), 0, 1, x_label, y_label)
        if nothing_stored(ds) and kind != COMPOUND:
            value = _fill_value(ds, kind)
            step = max(1, -(-n // (2 * max_points)))
            x = np.arange(start, stop, step, dtype=np.float64)
            return PlotData(x, np.full(x.size, value), n, step, x_label, y_label, "nothing stored: all fill value",
                            sampled=step > 1)
        check_filters(ds, path)

        def read(where: Any) -> tuple[np.ndarray, np.ndarray | None]:
            sel = tuple(where if k == axis else idx[k] for k in range(rank))
            if kind == COMPOUND:
                raw = read_fields(ds, names, sel, path)
                y = raw[y_field].astype(np.float64)
                xv = raw[x_field].astype(np.float64) if x_field else None
                return y, xv
            raw = np.asarray(read_selection(ds, sel, path))
            if kind == COMPLEX:
                return np.abs(raw).astype(np.float64, copy=False), None
            return raw.astype(np.float64, copy=False), None

        chunks = ds.chunks
        piece = PLOT_PIECE
        if chunks is not None:
            c = chunks[axis]
            piece = min(c, 1 << 23) if c > piece else (piece // c) * c
        limit = MAX_PLOT_READ if max_read is None else max(1, int(max_read))
        origin, length_b, block_bytes, exact_bytes = _plot_grid(shape, chunks, dt.itemsize, axis, start, stop)
        first = (start - origin) // length_b
        m = (stop - 1 - origin) // length_b - first + 1
        by_bytes = exact_bytes > MAX_PLOT_BYTES
        by_chunks = chunks is not None and m > MAX_PLOT_CHUNKS
        by_values = n > 2 * max_points and n > limit
        if m > 1 and (by_bytes or by_chunks or by_values):
            count = min(MAX_PLOT_BYTES // block_bytes, MAX_PLOT_CHUNKS, max_points, limit // length_b, m - 1)
            fill = _chunk_fill(ds, kind, idx, axis) if chunks is not None else None
            what = "chunks" if chunks is not None else "blocks"
            x, y, step, count = yield from _plot_overview(read, start, stop, origin, length_b, first, m,
                                                          max(1, count), max_points, fill, what)
            note = f"overview from {count:,} of {m:,} {what}: zoom in for every value"
            return PlotData(x, y, n, step, x_label, y_label, note, sampled=True)
        if n <= 2 * max_points:
            ys, xs = [], []
            for a in range(start, stop, piece):
                y, xv = read(slice(a, min(stop, a + piece)))
                ys.append(y)
                xs.append(xv if xv is not None else np.arange(a, a + y.size, dtype=np.float64))
                yield Progress(a + y.size - start, n, "values", "reading curve")
            return PlotData(np.concatenate(xs), np.concatenate(ys), n, 1, x_label, y_label)

        b = -(-n // max_points)  # bucket size
        nb = -(-n // b)
        lo_i = np.zeros(nb, dtype=np.int64)
        hi_i = np.zeros(nb, dtype=np.int64)
        lo_v = np.full(nb, np.inf)
        hi_v = np.full(nb, -np.inf)
        lo_x = np.zeros(nb)
        hi_x = np.zeros(nb)
        has_x = x_field is not None

        def reduce(y: np.ndarray, xv: np.ndarray | None, a: int, first_bucket: int) -> None:
            """Fold values starting at position ``a`` (a bucket boundary) into buckets ``first_bucket...``."""
            full = y.size // b
            spans = [(0, full * b, full)] if full else []
            if y.size - full * b:
                spans.append((full * b, y.size, 1))
            for s0, s1, count in spans:
                yy = y[s0:s1].reshape(count, -1)
                amin, amax = _argminmax(yy)
                rows = np.arange(count)
                k = slice(first_bucket + s0 // b, first_bucket + s0 // b + count)
                base = a + s0 + rows * yy.shape[1]
                lo_i[k], hi_i[k] = base + amin, base + amax
                lo_v[k], hi_v[k] = yy[rows, amin], yy[rows, amax]
                if xv is not None:
                    xx = xv[s0:s1].reshape(count, -1)
                    lo_x[k], hi_x[k] = xx[rows, amin], xx[rows, amax]

        if b <= piece:
            per = max(1, piece // b) * b
            for a in range(start, stop, per):
                e = min(stop, a + per)
                y, xv = read(slice(a, e))
                reduce(y, xv, a, (a - start) // b)
                yield Progress(e - start, n, "values", "reading curve")
        else:
            for k in range(nb):
                a0, e0 = start + k * b, min(stop, start + (k + 1) * b)
                for a in range(a0, e0, piece):
                    e = min(e0, a + piece)
                    y, xv = read(slice(a, e))
                    ok = ~np.isnan(y)
                    if ok.any():
                        j = int(np.flatnonzero(ok)[np.argmin(y[ok])])
                        if y[j] < lo_v[k] or lo_v[k] == np.inf:
                            lo_v[k], lo_i[k] = y[j], a + j
                            if xv is not None:
                                lo_x[k] = xv[j]
                        j = int(np.flatnonzero(ok)[np.argmax(y[ok])])
                        if y[j] > hi_v[k] or hi_v[k] == -np.inf:
                            hi_v[k], hi_i[k] = y[j], a + j
                            if xv is not None:
                                hi_x[k] = xv[j]
                    elif lo_v[k] == np.inf:
                        lo_v[k] = hi_v[k] = np.nan
                        lo_i[k] = hi_i[k] = a
                    yield Progress(e - start, n, "values", "reading curve")
        first_is_lo = lo_i <= hi_i
        y_out = np.where(first_is_lo[:, None], np.stack([lo_v, hi_v], 1), np.stack([hi_v, lo_v], 1)).reshape(-1)
        if has_x:
            x_pair = np.stack([lo_x, hi_x], 1)
            x_swapped = np.stack([hi_x, lo_x], 1)
        else:
            x_pair = np.stack([lo_i, hi_i], 1).astype(np.float64)
            x_swapped = np.stack([hi_i, lo_i], 1).astype(np.float64)
        x_out = np.where(first_is_lo[:, None], x_pair, x_swapped).reshape(-1)
        y_out[np.isinf(y_out)] = np.nan  # buckets that held only NaN
        return PlotData(x_out, y_out, n, b, x_label, y_label, f"min/max of buckets of {b:,} values")


def read_plot(
    file: str, path: str, *, axis: int = -1, index: Sequence[int] = (), x_field: str | None = None,
    y_field: str | None = None, start: int = 0, stop: int | None = None, max_points: int = 20_000,
    max_read: int | None = None, allow_external: bool = False,
) -> PlotData:
    """:func:`read_plot_job` run to completion."""
    result: PlotData = run(
        read_plot_job(
            file, path, axis=axis, index=index, x_field=x_field, y_field=y_field, start=start, stop=stop,
            max_points=max_points, max_read=max_read, allow_external=allow_external,
        )
    )
    return result

"""The image view: one 2-D plane (or a region of it) read with a stride that keeps both the pixels and
the chunks touched within budgets, in pieces of a few MiB, with levels from a bounded sample.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError, FilterUnavailableError, UnreadableError
from h5gui.core.h5 import limits, messages, remote_budget
from h5gui.core.h5 import sparse as sparse_io
from h5gui.core.h5.datasets import check_filters, dataset_at, dataset_dtype, nothing_stored, read_selection
from h5gui.core.h5.files import remote_source
from h5gui.core.labels import sample_label
from h5gui.core.preview.axes import element_count, full_index, normalize_axis
from h5gui.core.preview.common import base_dtype, kind_of
from h5gui.core.preview.records import (
    BOOL,
    COMPLEX,
    COMPLEX_MODES,
    ENUM,
    IMAGE_KINDS,
    IMAGE_PIECE_BYTES,
    LEVEL_SAMPLES,
    ImageRequest,
    ImageSlice,
)
from h5gui.core.progress import Job, Progress, run


def _touched(start: int, length: int, step: int, chunk: int | None) -> int:
    """Distinct chunks along one axis that a read of ``length`` values from ``start`` with ``step`` touches."""
    n = -(-length // step)
    if chunk is None or n <= 0:
        return 1
    if step >= chunk:
        return n
    last = start + (n - 1) * step
    return last // chunk - start // chunk + 1


def choose_step(
    r0: int, rows: int, c0: int, cols: int, chunks: tuple[int | None, int | None] | None, other_chunks: int,
    max_pixels: int, max_chunks: int,
) -> tuple[int, bool]:
    """The smallest stride whose read stays within both budgets, and whether the chunk budget decided it."""
    max_pixels = max(1, int(max_pixels))
    max_chunks = max(1, int(max_chunks))

    def pixels_ok(s: int) -> bool:
        return -(-rows // s) * -(-cols // s) <= max_pixels

    def chunks_ok(s: int) -> bool:
        if chunks is None:
            return True
        return _touched(r0, rows, s, chunks[0]) * _touched(c0, cols, s, chunks[1]) * other_chunks <= max_chunks

    s = max(1, math.ceil(math.sqrt(rows * cols / max_pixels)))
    while s > 1 and pixels_ok(s - 1):
        s -= 1
    while not pixels_ok(s):
        s += 1
    if chunks_ok(s):
        return s, False
    lo, hi = s, max(rows, cols, s)
    if not chunks_ok(hi):
        return hi, True
    while hi - lo > 1:  # chunks_ok(hi) holds throughout
        mid = (lo + hi) // 2
        if chunks_ok(mid):
            hi = mid
        else:
            lo = mid
    return hi, True


def _image_dtype(dt: np.dtype, kind: str) -> np.dtype:
    if kind == COMPLEX or dt.kind == "f":
        return np.dtype(np.float32)
    if kind == BOOL:
        return np.dtype(np.uint8)
    return base_dtype(dt).newbyteorder("=")


def _to_image(piece: np.ndarray, kind: str, mode: str) -> np.ndarray:
    if kind == COMPLEX:
        if mode == "abs":
            return np.abs(piece)
        if mode == "phase":
            return np.angle(piece)
        if mode == "real":
            return piece.real
        return piece.imag
    return piece


def _counted_percentiles(values: np.ndarray, percentiles: tuple[float, float]) -> tuple[float, float]:
    """``np.percentile(values, percentiles)`` (linear interpolation) of 8/16-bit unsigned values, from their
    counts: ~3x faster than the partition on a 1 Mpx frame, which matters while scrubbing a stack."""
    cum = np.bincount(values, minlength=1 << (8 * values.dtype.itemsize)).cumsum()
    n = int(cum[-1])
    out = []
    for p in percentiles:
        rank = p / 100 * (n - 1)
        i0 = math.floor(rank)
        v0 = int(np.searchsorted(cum, i0, side="right"))
        v1 = int(np.searchsorted(cum, min(i0 + 1, n - 1), side="right"))
        out.append(v0 + (v1 - v0) * (rank - i0))
    return float(out[0]), float(out[1])


def image_stats(
    data: np.ndarray, rgb: bool, percentiles: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float], int]:
    """(levels, minmax, nonfinite) of an image array; levels from at most LEVEL_SAMPLES finite values."""
    values = data[..., :3] if rgb and data.ndim == 3 and data.shape[-1] == 4 else data
    flat = values.reshape(-1)
    nonfinite = 0
    if flat.dtype.kind == "f":
        finite = np.isfinite(flat)
        nonfinite = int(flat.size - np.count_nonzero(finite))
        if nonfinite:
            flat = flat[finite]
    if flat.size == 0:
        return (0.0, 1.0), (math.nan, math.nan), nonfinite
    lo_v, hi_v = float(flat.min()), float(flat.max())
    if rgb and data.dtype == np.uint8:
        return (0.0, 255.0), (lo_v, hi_v), nonfinite
    sample = flat
    if flat.size > LEVEL_SAMPLES:  # an evenly strided sample (a random one costs 20 ms more per 4 Mpx)
        k = -(-flat.size // LEVEL_SAMPLES)
        sample = flat[k // 2 :: k]
    p0, p1 = percentiles
    if sample.dtype in (np.uint8, np.uint16):
        lo, hi = _counted_percentiles(sample, (p0, p1))
    else:  # wide integers in float64: interpolating between int64 extremes overflows in their own type
        lo, hi = (float(v) for v in np.percentile(sample.astype(np.float64) if sample.dtype.kind in "iu" else sample,
                                                  [p0, p1]))
    if not hi > lo:
        lo, hi = (lo_v, hi_v) if hi_v > lo_v else (lo_v, lo_v + 1.0)
    return (lo, hi), (lo_v, hi_v), nonfinite


def read_image_job(
    file: str, path: str, request: ImageRequest, *, allow_external: bool = False
) -> Job[ImageSlice]:
    """Read one 2-D plane (or a region of it) for the image view, strided to fit the budgets.

    Yields :class:`Progress` (rows of the result) between pieces of a few MiB and returns an
    :class:`ImageSlice` (channels last, whatever the dataset's order).

    Raises
    ------
    BadRequestError
        Bad axes, index, region or mode, or a datatype that is not shown as an image.
    FilterUnavailableError, UnreadableError, UnsafeAccessError
        The data cannot (or may not) be read.
    """
    file = str(file)
    if request.complex_mode not in COMPLEX_MODES:
        raise BadRequestError(f"unknown complex mode {request.complex_mode!r} (one of {', '.join(COMPLEX_MODES)})")
    p0, p1 = request.percentiles
    if not 0 <= p0 <= p1 <= 100:
        raise BadRequestError(f"bad percentiles {request.percentiles}: need 0 <= low <= high <= 100")
    with dataset_at(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        kind = kind_of(dt)
        shape = ds.shape
        if kind not in IMAGE_KINDS:
            raise BadRequestError(f"cannot show {path} as an image: {describe_dtype(dt)} values")
        if shape is None or len(shape) < 2:
            raise BadRequestError(f"cannot show {path} as an image: it has {len(shape or ())} dimension(s)")
        if element_count(shape) == 0:
            raise BadRequestError(f"cannot show {path} as an image: it has no elements (shape {shape})")
        rank = len(shape)
        rows_ax = normalize_axis(request.axes[0], rank, path)
        cols_ax = normalize_axis(request.axes[1], rank, path)
        ch_ax = None if request.axes[2] is None else normalize_axis(request.axes[2], rank, path)
        used = [a for a in (rows_ax, cols_ax, ch_ax) if a is not None]
        if len(set(used)) != len(used):
            raise BadRequestError(f"image axes {request.axes} of {path} must be different axes")
        n_ch = shape[ch_ax] if ch_ax is not None else 0
        read_all_channels = n_ch in (3, 4)
        free = [rows_ax, cols_ax] + ([ch_ax] if read_all_channels and ch_ax is not None else [])
        index = full_index(request.index, shape, free, path)
        H, W = shape[rows_ax], shape[cols_ax]
        r0, r1, c0, c1 = (0, H, 0, W) if request.region is None else (int(v) for v in request.region)
        r0, r1 = max(0, min(r0, H)), max(0, min(r1, H))
        c0, c1 = max(0, min(c0, W)), max(0, min(c1, W))
        if r1 <= r0 or c1 <= c0:
            raise BadRequestError(f"empty region {request.region} of {path} (image of {H} x {W})")
        rgb = read_all_channels and kind != BOOL
        all_fill = nothing_stored(ds)
        if not all_fill:
            check_filters(ds, path)
        chunks = ds.chunks
        chunk_rc = None
        other = 1
        if chunks is not None and not all_fill:
            chunk_rc = (chunks[rows_ax], chunks[cols_ax])
            if read_all_channels and ch_ax is not None:
                other = _touched(0, n_ch, 1, chunks[ch_ax])
        step, by_chunks = choose_step(
            r0, r1 - r0, c0, c1 - c0, chunk_rc, other, request.max_pixels, request.max_chunks
        )
        out_h, out_w = -(-(r1 - r0) // step), -(-(c1 - c0) // step)
        out_shape: tuple[int, ...] = (out_h, out_w) + ((n_ch,) if read_all_channels else ())
        if request.remote_budget and not all_fill and remote_source(file) is not None:
            _check_remote_budget(ds, chunk_rc, step, (r0, r1, c0, c1), other, out_h, out_w, path)
        out_dtype = _image_dtype(dt, kind)
        notes = []
        if step > 1:
            notes.append(f"downsampled 1:{step}" + (" (chunk budget)" if by_chunks else ""))
        if ch_ax is not None and not read_all_channels and n_ch > 1:
            notes.append(f"channel {index[ch_ax]} of {n_ch}")
        if all_fill:
            notes.append("nothing stored: all fill value")
            data = _filled(ds, dt, kind, request.complex_mode, out_shape, out_dtype)
        sparse = None
        if not all_fill and chunk_rc is not None:  # chunks the grid touches: rows x columns of chunks
            touched = (min(out_h, (r1 - 1) // chunk_rc[0] - r0 // chunk_rc[0] + 1)
                       * min(out_w, (c1 - 1) // chunk_rc[1] - c0 // chunk_rc[1] + 1))
            # a plane within a few chunks is read as it is (listing what is written walks the whole index)
            sparse = sparse_io.written_chunks(ds, touched) if touched > SPARSE_FROM else None
        if sparse is not None:
            notes.append(f"{len(sparse):,} chunk{'' if len(sparse) == 1 else 's'} of {touched:,} written, "
                         "the rest fill value")
            data = _filled(ds, dt, kind, request.complex_mode, out_shape, out_dtype)
            kept = sorted(free)
            perm = [kept.index(rows_ax), kept.index(cols_ax)] + (
                [kept.index(ch_ax)] if read_all_channels and ch_ax is not None else [])
            fixed = {a: index[a] for a in range(rank) if a not in free}
            assert chunks is not None
            blocks = list(sparse_io.sample_blocks(sparse, chunks, rows_ax, cols_ax, (r0, r1, c0, c1), step, fixed))
            for k, (i0, i1, j0, j1) in enumerate(blocks):
                block: list[Any] = [slice(r0 + i0 * step, r0 + (i1 - 1) * step + 1, step) if a == rows_ax
                       else slice(c0 + j0 * step, c0 + (j1 - 1) * step + 1, step) if a == cols_ax
                       else slice(None) if (a == ch_ax and read_all_channels) else index[a] for a in range(rank)]
                piece = np.transpose(np.asarray(read_selection(ds, tuple(block), path)), perm)
                data[i0:i1, j0:j1] = _to_image(piece, kind, request.complex_mode)
                yield Progress(k + 1, len(blocks), "chunks", "reading image")
        elif not all_fill:
            data = np.empty(out_shape, dtype=out_dtype)
            direct = _direct_ok(dt, out_dtype, kind, step, read_all_channels, rows_ax, cols_ax)
            row_bytes = max(1, out_w * max(1, n_ch if read_all_channels else 1) * max(dt.itemsize, 1))
            per_piece = max(1, IMAGE_PIECE_BYTES // row_bytes)
            chunk_rows = chunks[rows_ax] if chunks is not None else None
            # axes kept in the read, in dataset order, and where rows/cols/channel sit among them
            kept = sorted(free)
            perm = [kept.index(rows_ax), kept.index(cols_ax)] + (
                [kept.index(ch_ax)] if read_all_channels and ch_ax is not None else []
            )
            i = 0
            while i < out_h:
                j = min(out_h, i + per_piece)
                if chunk_rows and step >= chunk_rows:
                    # one sampled row per read: HDF5 handles a strided selection spanning many chunks
                    # in both directions far slower (0.22 s vs 0.02 s for 64 x 64 samples, one per chunk)
                    j = i + 1
                elif chunk_rows and j < out_h:
                    boundary = -(-(r0 + j * step) // chunk_rows) * chunk_rows  # end the piece on a chunk edge
                    j = min(out_h, max(j, -(-(boundary - r0) // step)))
                sel: list[Any] = []
                for axis in range(rank):
                    if axis == rows_ax:
                        sel.append(slice(r0 + i * step, r0 + (j - 1) * step + 1, step))
                    elif axis == cols_ax:
                        sel.append(slice(c0, c1, step))
                    elif axis == ch_ax and read_all_channels:
                        sel.append(slice(None))
                    else:
                        sel.append(index[axis])
                if direct:  # straight into the result: no piece, no second copy (every step of a stack)
                    _read_into(ds, tuple(sel), data[i:j], path)
                else:
                    piece = np.transpose(np.asarray(read_selection(ds, tuple(sel), path)), perm)
                    data[i:j] = _to_image(piece, kind, request.complex_mode)
                i = j
                yield Progress(i, out_h, "rows", "reading image")
        if rgb and data.ndim == 3 and data.shape[-1] == 4 and data.size and not np.any(data[..., 3]):
            data = np.ascontiguousarray(data[..., :3])  # an alpha of 0 everywhere would blank the view
            notes.append("alpha is 0 everywhere: shown without it")
        levels, minmax, nonfinite = image_stats(data, rgb, (p0, p1))
        if all_fill and levels[1] <= levels[0]:  # pragma: no cover - image_stats already widens
            levels = (levels[0], levels[0] + 1.0)
        # a frame of a stack of samples (its first axis on a slider): the sample's label, when labels are beside
        label, label_source = sample_label(ds, index[0]) if rank >= 3 and 0 not in free else ("", "")
        return ImageSlice(
            data=data, step=(step, step), region=(r0, r1, c0, c1), full_shape=(H, W), levels=levels,
            minmax=minmax, nonfinite=nonfinite, rgb=rgb, all_fill=all_fill, note="; ".join(notes),
            label=label, label_source=label_source,
        )


def _direct_ok(dt: np.dtype, out_dtype: np.dtype, kind: str, step: int, channels: bool, rows_ax: int,
               cols_ax: int) -> bool:
    """Whether the plane can be read by HDF5 straight into the result: numbers already in the result's
    type and byte order, every pixel (no stride), rows before columns in the file, no channel axis."""
    return (step == 1 and not channels and rows_ax < cols_ax and kind not in (COMPLEX, BOOL, ENUM)
            and dt.kind in "uif" and dt == out_dtype)


def _read_into(ds: Any, sel: tuple[Any, ...], out: np.ndarray, path: str) -> np.ndarray:
    """``ds[sel]`` read into ``out`` (same number of values), with the read limits and the one-line
    errors of :func:`~h5gui.core.h5.datasets.read_selection`."""
    limits.check_read(ds, out.size, path, sel)
    try:
        ds.read_direct(out, sel)
    except (OSError, RuntimeError, TypeError) as exc:
        reason = messages.hdf5_reason(str(exc))
        if "filter" in reason.lower():
            raise FilterUnavailableError(f"cannot decompress {path}: {reason}") from exc
        raise UnreadableError(f"cannot read {path}: {reason}") from exc
    return out


SPARSE_FROM = 4  # planes touching more chunks than this are planned from the written chunks when few are
REMOTE_BUDGET = (16_000_000, 32)  # bytes and requests the first paint of a remote image may take


def _check_remote_budget(ds: Any, chunk_rc: tuple[int, int] | None, step: int, region: tuple[int, int, int, int],
                         other: int, out_h: int, out_w: int, path: str) -> None:
    """Refuse before reading, with the MB it would take, an image of a remote file over the budget
    (the user then asks for it: ``remote_budget=False``)."""
    r0, r1, c0, c1 = region
    item = max(1, ds.dtype.itemsize)
    if chunk_rc is not None:
        rows = min(out_h, -(-(r1 - r0) // chunk_rc[0]) + 1) if step >= chunk_rc[0] else -(-(r1 - r0) // chunk_rc[0])
        cols = min(out_w, -(-(c1 - c0) // chunk_rc[1]) + 1) if step >= chunk_rc[1] else -(-(c1 - c0) // chunk_rc[1])
        touched = rows * cols * other
        nbytes = touched * math.prod(ds.chunks) * item
        requests = touched
    else:
        nbytes = out_h * min(1 << 20, (c1 - c0) * item)
        requests = max(1, nbytes >> 20)
    b = remote_budget.Budget(*REMOTE_BUDGET)
    b.need(nbytes, requests, what=f"the image of {path} at this zoom")


def _filled(ds: Any, dt: np.dtype, kind: str, complex_mode: str, shape: tuple[int, ...], dtype: np.dtype
            ) -> np.ndarray:
    """An image of the dataset's fill value."""
    fv = np.asarray(ds.fillvalue)
    return np.full(shape, _to_image(fv.astype(base_dtype(dt)) if kind == ENUM else fv, kind, complex_mode),
                   dtype=dtype)


def read_image(file: str, path: str, request: ImageRequest, *, allow_external: bool = False) -> ImageSlice:
    """:func:`read_image_job` run to completion."""
    result: ImageSlice = run(read_image_job(file, path, request, allow_external=allow_external))
    return result

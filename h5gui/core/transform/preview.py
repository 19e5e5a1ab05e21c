"""Before/after samples of a transform and the output's size on disk, from parts of the data
(statistics from a sample of it)."""

from __future__ import annotations

import secrets
from dataclasses import replace

import h5py
import numpy as np

from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import files
from h5gui.core.h5.dataset_io import storage_size
from h5gui.core.transform.geometry import Tiling, prod, read_mid, read_mid_box
from h5gui.core.transform.numerics import Numerics
from h5gui.core.transform.plan import Context, prepare
from h5gui.core.transform.records import STAT_MODES, TransformSpec
from h5gui.core.transform.stats import Moments, Stats, affine

PREVIEW_MAX_ELEMS = 16_000_000  # one sample of the preview, before and after
SAMPLE_ELEMS = 1_000_000  # statistics of the preview come from at most this many values


def sample_statistics(ctx: Context, ds: h5py.Dataset) -> Stats:
    """Statistics of at most :data:`SAMPLE_ELEMS` values in evenly spaced tiles (for previews)."""
    spec = ctx.spec
    geo = ctx.geo
    tiling = Tiling((0,) * len(geo.mid), geo.mid, max(1, SAMPLE_ELEMS // 16))
    picks = sorted(set(np.linspace(0, len(tiling) - 1, min(16, len(tiling))).astype(int).tolist())) if len(tiling) else []
    m = Moments(ctx.n_channels)
    axis = ctx.channel_mid
    values: dict[int, list[np.ndarray]] = {}
    for i in picks:
        lo, hi = tiling[i]
        ext = tuple(b - a for a, b in zip(lo, hi, strict=True))
        buf = np.empty(prod(ext), dtype=ctx.in_dtype)
        read_mid(ds, geo, lo, hi, buf)
        w = buf.reshape(ext).astype(np.float64)
        if ctx.mode == "clip-percentiles":
            c0 = lo[axis] if axis is not None else 0
            for c in range(ext[axis] if axis is not None else 1):
                part = w if axis is None else np.take(w, c, axis=axis)
                part = part[np.isfinite(part)]
                values.setdefault(c0 + c, []).append(part.ravel())
        m.add(w, axis, lo[axis] if axis is not None else 0, np.empty(w.shape, dtype=bool))
    pct: dict[float, np.ndarray] = {}
    if ctx.mode == "clip-percentiles":
        for q in (float(spec.percentiles[0]), float(spec.percentiles[1])):
            vals = np.full(ctx.n_channels, np.nan)
            for c, parts in values.items():
                allv = np.concatenate(parts)
                if allv.size:
                    vals[c] = float(np.percentile(allv, q))
            pct[q] = vals
    return affine(ctx.mode, spec, m, pct, ctx.n_channels, [])


def preview_transform(spec: TransformSpec, index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(before, after)``: the source's sample ``index`` (along its axis 0) and the output's.

    Computed on the slice of the source that the output sample needs. Normalizations that need
    statistics use those of a sample of at most :data:`SAMPLE_ELEMS` values (the plan's warnings say
    so); values that do not fit are clipped here, whatever the overflow policy.

    Raises
    ------
    BadRequestError
        As :func:`plan_transform`; an index out of range; a sample of more than
        :data:`PREVIEW_MAX_ELEMS` elements.
    """
    with files.open_file(spec.file) as f:
        ctx, src = prepare(f, spec)
        geo = ctx.geo
        num = _sample_numerics(ctx, src)
        before = _sample(src, geo.in_shape, index, "source")
        i = _index(index, geo.out_shape[0], "output") if geo.out_shape else 0
        out_n = prod(geo.out_shape[1:]) if geo.out_shape else 1
        if out_n > PREVIEW_MAX_ELEMS:
            raise BadRequestError(f"one output sample has {out_n:,} values: too many to preview")
        after = _output_rows(ctx, src, num, i, i + 1)
        if geo.out_shape:
            after = after[0]
        return before, np.array(after, order="C")


def _sample_numerics(ctx: Context, src: h5py.Dataset) -> Numerics:
    """The arithmetic of a preview: statistics from a sample, values that do not fit clipped."""
    spec = ctx.spec
    if ctx.mode in STAT_MODES:
        stats = sample_statistics(ctx, src) if ctx.n else affine(None, spec, None, {}, ctx.n_channels, [])
    else:
        stats = affine(ctx.mode, spec, None, {}, ctx.n_channels, [])
    ctx.spec = replace(spec, overflow="clip")
    return Numerics(ctx, stats)


def _output_rows(ctx: Context, src: h5py.Dataset, num: Numerics, a: int, b: int) -> np.ndarray:
    """Rows ``a:b`` of the output along its first axis (all of a scalar output), in the output's axis order."""
    geo = ctx.geo
    lo: tuple[int, ...] = ()
    hi: tuple[int, ...] = ()
    if geo.out_shape:
        ax = geo.perm[0]
        lo = tuple(a if i == ax else 0 for i in range(len(geo.mid)))
        hi = tuple(b if i == ax else m for i, m in enumerate(geo.mid))
    x = read_mid_box(src, geo, lo, hi, ctx.in_dtype)
    y = np.empty(x.shape, dtype=ctx.out_dtype)
    if x.size:
        num.apply(x, y, np.empty(x.size, dtype=np.float64), np.empty(x.size, dtype=bool), lo, hi)
    return y.transpose(geo.perm) if geo.permuted else y


def _index(index: int, n: int, what: str) -> int:
    i = int(index)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise BadRequestError(f"sample {index} is out of range: the {what} has {n} along axis 0")
    return i


def _sample(ds: h5py.Dataset, shape: tuple[int, ...], index: int, what: str) -> np.ndarray:
    if not shape:
        return np.asarray(ds[()])
    i = _index(index, shape[0], what)
    if prod(shape[1:]) > PREVIEW_MAX_ELEMS:
        raise BadRequestError(f"one source sample has {prod(shape[1:]):,} values: too many to preview")
    return np.asarray(ds[i])


def estimate_storage(spec: TransformSpec, max_bytes: int = 8 * 2**20) -> int:
    """The output's size on disk, estimated by transforming and storing up to ``max_bytes`` of it.

    Without compression this is the plan's ``estimated_bytes``. With compression, samples spread over
    the data are transformed and written with the same chunks and filter into an in-memory file.
    """
    with files.open_file(spec.file) as f:
        ctx, src = prepare(f, spec)
        total = ctx.n * ctx.out_dtype.itemsize
        if not ctx.comp_kw or not total or ctx.chunks is None:
            return total
        num = _sample_numerics(ctx, src)
        geo = ctx.geo
        # whole chunk rows along the first output axis, a few of them spread over the data
        c0 = ctx.chunks[0]
        row = prod(geo.out_shape[1:]) * c0 * ctx.out_dtype.itemsize
        n_rows = -(-geo.out_shape[0] // c0)
        picks = sorted(set(np.linspace(0, n_rows - 1, max(1, min(n_rows, max_bytes // max(row, 1)))).astype(int)))
        stored = raw = 0
        with h5py.File(f"h5gui-estimate-{secrets.token_hex(4)}", "w", driver="core", backing_store=False) as mem:
            for p in picks:
                a = p * c0
                b = min(a + c0, geo.out_shape[0])
                if prod(geo.out_shape[1:]) * (b - a) > 64 * 2**20 // max(1, ctx.out_dtype.itemsize):
                    continue
                y = np.ascontiguousarray(_output_rows(ctx, src, num, a, b))
                chunks = tuple(min(c, s) for c, s in zip(ctx.chunks, y.shape, strict=True))
                d = mem.create_dataset(f"s{p}", data=y, chunks=chunks, **ctx.comp_kw)
                stored += storage_size(d)
                raw += y.nbytes
        if not raw:
            return total
        return int(total * stored / raw)

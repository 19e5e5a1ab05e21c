"""Reshape, cast, normalize and rechunk a dataset of any size, out of core, without risk to the file.

A :class:`TransformSpec` (the user's request) becomes a :class:`TransformPlan` (:func:`plan_transform`,
metadata only: every impossible request is refused here, with the reason), a before/after sample
(:func:`preview_transform`) and finally a job (:func:`run_transform`) that yields :class:`Progress`
and returns a :class:`TransformReport`.

Operations, in this order (they compose in one pass):

1. shape: ``reshape`` (one ``-1`` allowed), ``squeeze`` (remove size-1 axes), ``add_axis``,
   then ``move_axis`` and ``transpose`` (numpy's semantics, each on the result of the previous one);
2. values, in float64: ``clip-percentiles`` clips first, then ``y = (x - offset) / scale``;
3. cast to ``dtype`` at the end: float -> int rounds (``rounding``), values that do not fit are
   clipped or refused (``overflow``) with their count and the first one's index in the source.

Normalizations store how to invert them as attributes of the output: ``x = y * scale + offset``
(``scale``, ``offset``, and the statistics they come from: ``min``, ``max``, ``mean``, ``std``,
``clip_min``, ``clip_max``; arrays along ``channel_axis`` when per channel). Statistics come from
a first streaming pass (exact min/max; mean and variance per piece combined with Chan's formula;
exact percentiles by narrowing histograms over the float64 bit patterns, 1-4 more passes). They
ignore NaN and infinities, which pass through the transform unchanged (NaN -> 0 for integer outputs
with ``overflow='clip'``).

Memory and speed (DESIGN.md section 2): the data goes through in chunk-aligned blocks of
:data:`BLOCK_BYTES` read with ``read_direct`` into preallocated buffers, computed in cache-sized
pieces with ufuncs writing into preallocated arrays, and written with ``write_direct``. A block is a
range of rows of the (reshaped) array along the outermost axis whose rows fit, so it is one
contiguous range of the source's elements; with a transpose it lands in the output as one box.
Memory stays at about one input block plus one output block plus a few MiB whatever the size.

Safety (DESIGN.md "Safe writes"): the output is written under a temporary name in the destination's
group, and moved to its name when complete; ``replace`` moves the source aside, moves the new
dataset in and only then deletes the old one. Cancelling (the generator closed) or any error deletes
the partial output and puts everything back. HDF5 does not give the space of deleted objects back:
the file may be larger afterwards (``h5repack`` reclaims it).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import logging
import math
import os
import posixpath
import secrets
import shutil
import time
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Any

import h5py
import numpy as np

from h5gui import __version__
from h5gui.core import attrs as _attrs
from h5gui.core import codecs, preview
from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError, H5GuiError, UnreadableError
from h5gui.core.h5 import files, filters, links, safety, staging
from h5gui.core.h5.images import IMAGE_ATTRS
from h5gui.core.paths import join, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.text import format_bytes, shape_text

log = logging.getLogger(__name__)

BLOCK_BYTES = 64 * 2**20  # one block: its input and its output buffer (two blocks are in memory)
PIECE_ELEMS = 1 << 18  # float64 work piece: 2 MiB, stays in cache
CHUNK_TARGET = 1 * 2**20  # 'auto' chunks: about 1 MiB along the sample axis...
CHUNK_MAX = 4 * 2**20  # ...and at most 4 MiB
PREVIEW_MAX_ELEMS = 16_000_000  # one sample of the preview, before and after
SAMPLE_ELEMS = 1_000_000  # statistics of the preview come from at most this many values
HIST_BITS = 16  # percentile refinement: 2**16 bins per pass over the float64 bit patterns
OUTPUT_CACHE_BYTES = 32 * 2**20  # chunk cache of the output when blocks cannot be chunk-aligned

NORMALIZE_MODES = ("scale", "minmax", "minmax-1", "zscore", "clip-percentiles")
OVERFLOW_POLICIES = ("clip", "refuse")
ROUNDING_MODES = ("round", "floor", "ceil", "trunc")
CHUNK_PRESETS = ("auto", "sample", "frame", "keep")
COMPRESSIONS = codecs.NAMES
_STAT_MODES = ("minmax", "minmax-1", "zscore", "clip-percentiles")
_IMAGE_ATTRS = IMAGE_ATTRS
_SCALE_ATTRS = ("DIMENSION_LIST", "REFERENCE_LIST", "DIMENSION_LABELS")
_STAT_ATTRS = ("scale", "offset", "min", "max", "mean", "std", "clip_min", "clip_max", "channel_axis",
               "normalization")
_ROUND = {"round": np.rint, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc}


# ---------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True)
class TransformSpec:
    """What the user asks for. Every field is checked by :func:`plan_transform`."""

    file: str
    source: str  # dataset path
    dest: str | None = None  # new dataset path (a relative one is next to the source); None -> suggest_dest()
    replace: bool = False
    reshape: tuple[int, ...] | None = None  # may contain one -1
    add_axis: int | None = None  # position of a new size-1 axis (e.g. -1 for channels-last)
    squeeze: bool = False  # remove size-1 axes
    move_axis: tuple[int, int] | None = None  # (source, destination) like numpy.moveaxis
    transpose: tuple[int, ...] | None = None
    dtype: str | None = None  # numpy dtype name, e.g. 'float32'; None: the source's (float32 when normalizing ints)
    overflow: str = "clip"  # 'clip' | 'refuse' (values that do not fit the new dtype)
    rounding: str = "round"  # float -> int: 'round' (half to even) | 'floor' | 'ceil' | 'trunc'
    normalize: str | None = None  # None | 'scale' | 'minmax' | 'minmax-1' | 'zscore' | 'clip-percentiles'
    scale: float | None = None  # for 'scale': divide by this (e.g. 255)
    per_channel: bool = False
    channel_axis: int = -1  # axis of the OUTPUT that holds channels, for per-channel statistics
    percentiles: tuple[float, float] = (1.0, 99.0)
    chunks: tuple[int, ...] | str | None = "auto"  # tuple | 'auto' | 'sample' | 'frame' | 'keep' | None
    compression: str | None = None  # None | 'gzip' | 'lzf' | 'zstd' | 'lz4' | 'blosc' | 'blosc2' | 'bitshuffle'
    compression_opts: int | None = None  # gzip 0-9 (4), zstd 1-22 (3), blosc/blosc2 0-9 (5)
    shuffle: bool = False  # byte shuffle before gzip/lzf/zstd (better ratios on numbers)
    allow_external: bool = False  # read a source kept outside the file's folder (confirmed by the user)


@dataclass(frozen=True)
class TransformPlan:
    """The dry run: what :func:`run_transform` will do, from metadata only."""

    spec: TransformSpec
    dest: str
    in_shape: tuple[int, ...]
    in_dtype: str
    out_shape: tuple[int, ...]
    out_dtype: str
    out_chunks: tuple[int, ...] | None
    compression: str | None  # e.g. 'gzip (level 4)', None when uncompressed
    estimated_bytes: int  # uncompressed size of the output
    passes: int  # passes over the data: 1, 2 with statistics, up to 5 with percentiles
    steps: tuple[str, ...]  # human description of each operation, in order
    warnings: tuple[str, ...]
    source: str = ""  # the source's path with soft links resolved
    memory_bytes: int = 0  # preallocated buffers: two blocks of input and output, and the work pieces

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["spec"] = _spec_json(self.spec)
        return d


@dataclass(frozen=True)
class TransformReport:
    """What :func:`run_transform` did."""

    file: str
    dest: str
    out_shape: tuple[int, ...]
    out_dtype: str
    seconds: float
    nbytes_in: int
    nbytes_out: int  # uncompressed bytes written
    stats: dict[str, Any]  # scale, offset, mean, std, min, max (lists per channel), count, nonfinite, clipped
    storage_bytes: int = 0  # bytes on disk (compressed size)
    passes: int = 1
    warnings: tuple[str, ...] = ()  # the plan's, and what the run found (constant data, clipped values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _spec_json(spec: TransformSpec) -> dict[str, Any]:
    d = asdict(spec)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


# ---------------------------------------------------------------------------------------------
# geometry: shapes, axes, tiles


def _prod(shape: Sequence[int]) -> int:
    return math.prod(int(n) for n in shape)


def _shape_text(shape: Sequence[int]) -> str:
    return shape_text(shape)


def _axis_map(src: Sequence[int], dst: Sequence[int]) -> list[int | None]:
    """For each axis of ``dst`` (a C-order reshape of ``src``), the axis of ``src`` it is, or None.

    Axis ``i`` of ``dst`` is axis ``j`` of ``src`` when both have the same length and the same
    number of elements before them (then every element keeps its index along that axis).
    """
    before_src = [_prod(src[:j]) for j in range(len(src))]
    used: set[int] = set()
    out: list[int | None] = []
    for i, n in enumerate(dst):
        before = _prod(dst[:i])
        match = None
        for j, m in enumerate(src):
            if j not in used and m == n and before_src[j] == before and (not out or out[-1] is None or j > out[-1]):
                match = j
                break
        if match is not None:
            used.add(match)
        out.append(match)
    return out


@dataclass(frozen=True)
class _Geometry:
    in_shape: tuple[int, ...]
    mid: tuple[int, ...]  # after reshape / squeeze / add_axis: a C-order reshape of the source
    perm: tuple[int, ...]  # output axis q is mid axis perm[q]
    out_shape: tuple[int, ...]
    mid_map: tuple[int | None, ...]  # mid axis -> source axis
    out_map: tuple[int | None, ...]  # output axis -> source axis
    steps: tuple[str, ...]

    @property
    def inv(self) -> tuple[int, ...]:
        inv = [0] * len(self.perm)
        for q, a in enumerate(self.perm):
            inv[a] = q
        return tuple(inv)

    @property
    def permuted(self) -> bool:
        return self.perm != tuple(range(len(self.perm)))


def _axis(value: int, rank: int, what: str) -> int:
    if not -rank <= value < rank:
        raise BadRequestError(f"{what} {value} is out of range for {rank} axes (use {-rank}..{rank - 1})"
                              if rank else f"{what} {value}: the data has no axes")
    return value % rank


def _geometry(spec: TransformSpec, in_shape: tuple[int, ...]) -> _Geometry:
    steps: list[str] = []
    n = _prod(in_shape)
    cur = tuple(in_shape)
    if spec.reshape is not None:
        want = tuple(int(v) for v in spec.reshape)
        if sum(1 for v in want if v == -1) > 1:
            raise BadRequestError(f"cannot reshape into {_shape_text(want)}: only one axis can be -1")
        if any(v < -1 for v in want):
            raise BadRequestError(f"cannot reshape into {_shape_text(want)}: axis lengths must be positive or -1")
        if -1 in want:
            rest = _prod(v for v in want if v != -1)
            if rest == 0 or n % rest:
                raise BadRequestError(f"cannot reshape {n} elements into {_shape_text(want)}")
            want = tuple(n // rest if v == -1 else v for v in want)
        if _prod(want) != n:
            raise BadRequestError(f"cannot reshape {n} elements into {_shape_text(want)}")
        steps.append(f"reshape {_shape_text(cur)} -> {_shape_text(want)}")
        cur = want
    if spec.squeeze:
        new = tuple(v for v in cur if v != 1)
        steps.append(f"remove size-1 axes -> {_shape_text(new)}" if new != cur else "remove size-1 axes (none)")
        cur = new
    if spec.add_axis is not None:
        pos = _axis(int(spec.add_axis), len(cur) + 1, "new axis position")
        cur = cur[:pos] + (1,) + cur[pos:]
        steps.append(f"add an axis at position {int(spec.add_axis)} -> {_shape_text(cur)}")
    mid = cur
    mid_map = tuple(_axis_map(in_shape, mid))
    perm = list(range(len(mid)))
    if spec.move_axis is not None:
        if len(spec.move_axis) != 2:
            raise BadRequestError("move_axis needs two axes: (source, destination)")
        a = _axis(int(spec.move_axis[0]), len(mid), "axis")
        b = _axis(int(spec.move_axis[1]), len(mid), "destination axis")
        order = [i for i in range(len(mid)) if i != a]
        order.insert(b, a)
        perm = [perm[i] for i in order]
        shape = tuple(mid[p] for p in perm)
        steps.append(f"move axis {int(spec.move_axis[0])} to {int(spec.move_axis[1])} -> {_shape_text(shape)}")
    if spec.transpose is not None:
        t = [int(v) for v in spec.transpose]
        r = len(mid)
        if sorted(v % r if r and -r <= v < r else v for v in t) != list(range(r)) or len(t) != r:
            raise BadRequestError(f"transpose {tuple(t)} is not an order of the {r} axes 0..{r - 1}")
        t = [v % r for v in t]
        perm = [perm[i] for i in t]
        shape = tuple(mid[p] for p in perm)
        steps.append(f"transpose {tuple(t)} -> {_shape_text(shape)}")
    out_shape = tuple(mid[p] for p in perm)
    out_map = tuple(mid_map[p] for p in perm)
    return _Geometry(tuple(in_shape), mid, tuple(perm), out_shape, mid_map, out_map, tuple(steps))


def _flat_boxes(shape: Sequence[int], start: int, stop: int) -> Iterator[tuple[tuple[slice, ...], tuple[int, ...]]]:
    """Boxes (slices, box shape) covering elements ``start:stop`` of a C-order array, in order.

    Each box is itself a contiguous range of elements; there are at most ``2 * rank - 1`` of them.
    """
    if start >= stop:
        return
    if not shape:
        yield (), ()
        return
    inner = _prod(shape[1:])
    i0, r0 = divmod(start, inner)
    i1, r1 = divmod(stop, inner)
    if i0 == i1:
        for sl, sh in _flat_boxes(shape[1:], r0, r1):
            yield (slice(i0, i0 + 1), *sl), (1, *sh)
        return
    if r0:
        for sl, sh in _flat_boxes(shape[1:], r0, inner):
            yield (slice(i0, i0 + 1), *sl), (1, *sh)
        i0 += 1
    if i1 > i0:
        yield (slice(i0, i1), *(slice(0, n) for n in shape[1:])), (i1 - i0, *shape[1:])
    if r1:
        for sl, sh in _flat_boxes(shape[1:], 0, r1):
            yield (slice(i1, i1 + 1), *sl), (1, *sh)


class _Tiling:
    """Boxes of at most ``budget`` elements covering the box ``lo:hi`` of an array, in C order.

    Each tile fixes the axes before some depth ``k`` to one index, takes a range along ``k`` and all
    of the axes after it: relative to the whole array (when ``lo:hi`` is all of it, or is itself
    such a tile) it is one contiguous range of elements.
    """

    def __init__(self, lo: Sequence[int], hi: Sequence[int], budget: int, align: int = 1) -> None:
        self.lo = tuple(int(v) for v in lo)
        self.hi = tuple(int(v) for v in hi)
        ext = [b - a for a, b in zip(self.lo, self.hi, strict=True)]
        self.ext = tuple(ext)
        r = len(ext)
        self.size = _prod(ext)
        budget = max(1, int(budget))
        k = 0
        while k < r - 1 and _prod(ext[k + 1:]) > budget:
            k += 1
        self.k = k
        if r == 0:
            self.step = 1
            self.per_row = 1
            self.count = 1
            return
        unit = _prod(ext[k + 1:]) or 1
        step = max(1, budget // unit)
        if 1 < align <= step:
            step -= step % align
        self.step = min(step, max(ext[k], 1))
        self.per_row = -(-ext[k] // self.step) if ext[k] else 0
        self.count = 0 if self.size == 0 else _prod(ext[:k]) * self.per_row

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if not self.lo and not self.hi:
            return (), ()
        k = self.k
        row, j = divmod(i, self.per_row)
        prefix = np.unravel_index(row, self.ext[:k]) if k else ()
        lo = [a + int(p) for a, p in zip(self.lo[:k], prefix, strict=True)]
        hi = [v + 1 for v in lo]
        a = self.lo[k] + j * self.step
        lo.append(a)
        hi.append(min(a + self.step, self.hi[k]))
        lo.extend(self.lo[k + 1:])
        hi.extend(self.hi[k + 1:])
        return tuple(lo), tuple(hi)

    def __iter__(self) -> Iterator[tuple[tuple[int, ...], tuple[int, ...]]]:
        for i in range(self.count):
            yield self[i]


def _rel(lo: Sequence[int], hi: Sequence[int], base: Sequence[int]) -> tuple[Any, ...]:
    """Slices of the box ``lo:hi`` inside an array that starts at ``base`` (``...`` for 0-d: a view)."""
    return tuple(slice(a - b, c - b) for a, c, b in zip(lo, hi, base, strict=True)) or (Ellipsis,)


def _read_mid(ds: h5py.Dataset, geo: _Geometry, lo: Sequence[int], hi: Sequence[int], buf: np.ndarray) -> None:
    """Read the mid-array tile ``lo:hi`` (one contiguous range of the source) into ``buf`` (flat)."""
    if not geo.in_shape:
        ds.read_direct(buf.reshape(()))
        return
    start = int(np.ravel_multi_index(tuple(lo), geo.mid)) if geo.mid else 0
    stop = start + buf.size
    off = 0
    for sel, shape in _flat_boxes(geo.in_shape, start, stop):
        count = _prod(shape)
        ds.read_direct(buf[off:off + count].reshape(shape), source_sel=sel)
        off += count


def _read_mid_box(ds: h5py.Dataset, geo: _Geometry, lo: Sequence[int], hi: Sequence[int], dtype: np.dtype) -> np.ndarray:
    """Any box of the mid array (for previews and samples)."""
    ext = tuple(b - a for a, b in zip(lo, hi, strict=True))
    out = np.empty(ext, dtype=dtype)
    if out.size == 0:
        return out
    mapped = [j for j in geo.mid_map if j is not None]
    if geo.in_shape and all(j is not None or n == 1 for j, n in zip(geo.mid_map, geo.mid, strict=True)) and all(
        j in mapped or n == 1 for j, n in enumerate(geo.in_shape)
    ):
        # the mid array is the source with size-1 axes added or removed: one box of the source
        sel = [slice(0, 1)] * len(geo.in_shape)
        for i, j in enumerate(geo.mid_map):
            if j is not None:
                sel[j] = slice(lo[i], hi[i])
        shape = tuple(s.stop - s.start for s in sel)
        buf = out.reshape(shape)
        ds.read_direct(buf, source_sel=tuple(sel))
        return out
    partial = [i for i in range(len(ext)) if lo[i] != 0 or hi[i] != geo.mid[i]]
    d = max(partial) if partial else 0
    for prefix in np.ndindex(*ext[:d]):
        tlo = tuple(a + p for a, p in zip(lo[:d], prefix, strict=True)) + tuple(lo[d:])
        thi = tuple(a + 1 for a in tlo[:d]) + tuple(hi[d:])
        n = _prod(b - a for a, b in zip(tlo, thi, strict=True))
        buf = np.empty(n, dtype=dtype)
        _read_mid(ds, geo, tlo, thi, buf)
        out[_rel(tlo, thi, lo)] = buf.reshape(tuple(b - a for a, b in zip(tlo, thi, strict=True)))
    return out


# ---------------------------------------------------------------------------------------------
# dtypes, chunks, compression


def _native(dt: np.dtype) -> np.dtype:
    return dt.newbyteorder("=") if dt.byteorder not in ("=", "|") else dt


def _source_dtype(ds: h5py.Dataset, path: str) -> np.dtype:
    try:
        dt = ds.dtype
    except Exception as exc:
        raise UnreadableError(f"cannot read {path}: h5py cannot map its datatype") from exc
    if dt.kind == "b":
        return np.dtype(bool)
    base = preview.base_dtype(dt)
    if base.kind in "iuf" and base.names is None and base.subdtype is None and base.itemsize <= 8:
        return _native(base)
    if base.kind == "c":
        raise BadRequestError(f"{path} holds complex numbers: transform works on real numbers")
    raise BadRequestError(f"{path} holds {describe_dtype(dt)}: transform works on numbers")


def _target_dtype(spec: TransformSpec, in_dt: np.dtype) -> np.dtype:
    if spec.dtype is None or spec.dtype == "":
        if spec.normalize in _STAT_MODES or spec.normalize == "scale":
            return np.dtype("float64") if in_dt == np.float64 else np.dtype("float32")
        return np.dtype("uint8") if in_dt.kind == "b" else in_dt
    try:
        dt = np.dtype(spec.dtype)
    except TypeError:
        raise BadRequestError(f"unknown dtype {spec.dtype!r}: use e.g. uint8, int16, float32, float64") from None
    if dt.kind not in "iuf" or dt.itemsize > 8 or dt.names is not None:
        raise BadRequestError(f"cannot cast to {dt.name}: choose an integer or float dtype (uint8 ... float64)")
    return _native(dt)


def _value_range(dt: np.dtype) -> tuple[float, float]:
    """The float64 interval that fits ``dt`` (for int64 the largest float64 below 2**63)."""
    if dt.kind == "f":
        fi = np.finfo(dt)
        return -float(fi.max), float(fi.max)
    if dt.kind == "b":
        return 0.0, 1.0
    ii = np.iinfo(dt)
    lo, hi = float(ii.min), float(ii.max)
    if int(hi) > ii.max:
        hi = float(np.nextafter(hi, -np.inf))
    if int(lo) < ii.min:
        lo = float(np.nextafter(lo, np.inf))
    return lo, hi


def _int_range(dt: np.dtype) -> tuple[int, int]:
    if dt.kind == "b":
        return 0, 1
    ii = np.iinfo(dt)
    return int(ii.min), int(ii.max)


def auto_chunks(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    """About 1 MiB along the first (sample) axis, at most 4 MiB (DESIGN.md "Chunks")."""
    shape = tuple(max(1, n) for n in shape)
    sample = _prod(shape[1:]) * itemsize
    if sample <= CHUNK_MAX:
        n0 = max(1, min(shape[0], CHUNK_TARGET // max(sample, 1)))
        return (n0, *shape[1:])
    chunk = [1, *shape[1:]]
    while _prod(chunk) * itemsize > CHUNK_MAX:
        i = max(range(1, len(chunk)), key=lambda a: chunk[a])
        chunk[i] = -(-chunk[i] // 2)
    return tuple(chunk)


def _chunks(spec: TransformSpec, geo: _Geometry, itemsize: int, in_chunks: tuple[int, ...] | None,
            warnings: list[str]) -> tuple[int, ...] | None:
    shape = geo.out_shape
    want = spec.chunks
    if isinstance(want, str):
        want = want.strip().lower()
        if want in ("", "none", "contiguous"):
            want = None
    if not shape:
        if want not in (None, "auto", "keep"):
            warnings.append("a scalar is stored contiguous (it cannot be chunked)")
        return None
    if _prod(shape) == 0:
        if want is not None:
            warnings.append("the output is empty: stored contiguous")
        return None
    if want is None:
        return None
    if isinstance(want, str):
        if want not in CHUNK_PRESETS:
            raise BadRequestError(f"unknown chunks {spec.chunks!r}: use a shape like 64,28,28, or "
                                  f"{', '.join(CHUNK_PRESETS)}, none")
        if want == "keep":
            if in_chunks is None:
                if spec.compression:
                    warnings.append("the source is contiguous: compression needs chunks, auto chunks used")
                    return auto_chunks(shape, itemsize)
                return None
            chunk = []
            for q, n in enumerate(shape):
                j = geo.out_map[q]
                if j is not None:
                    chunk.append(min(in_chunks[j], n))
                elif n == 1:
                    chunk.append(1)
                else:
                    warnings.append("the source's chunks do not fit the new shape: auto chunks used")
                    return auto_chunks(shape, itemsize)
            return tuple(chunk)
        if want == "sample" and len(shape) >= 2:
            chunk = (1, *shape[1:])
        elif want == "frame" and len(shape) >= 2:
            frame = 3 if len(shape) >= 3 and shape[-1] <= 4 else 2
            frame = min(frame, len(shape))
            chunk = (1,) * (len(shape) - frame) + shape[len(shape) - frame:]
        else:
            if want != "auto":
                warnings.append(f"'{want}' chunks need at least 2 axes: auto chunks used")
            return auto_chunks(shape, itemsize)
        if _prod(chunk) * itemsize >= 2**32:
            warnings.append("one sample is 4 GiB or more, too big for an HDF5 chunk: auto chunks used")
            return auto_chunks(shape, itemsize)
        if _prod(chunk) * itemsize > 64 * 2**20:
            warnings.append(f"chunks of {format_bytes(_prod(chunk) * itemsize)} are large: reading one sample "
                            "of them is slow and uses a lot of memory")
        return tuple(chunk)
    try:
        chunk = tuple(int(v) for v in want)
    except (TypeError, ValueError):
        raise BadRequestError(f"chunks must be a shape like 64,28,28 or a preset, not {spec.chunks!r}") from None
    if len(chunk) != len(shape):
        raise BadRequestError(f"chunk shape {_shape_text(chunk)} has {len(chunk)} axes, the output "
                              f"{_shape_text(shape)} has {len(shape)}")
    for q, (c, n) in enumerate(zip(chunk, shape, strict=True)):
        if c < 1:
            raise BadRequestError(f"chunk shape {_shape_text(chunk)}: lengths must be at least 1")
        if c > n:
            raise BadRequestError(f"chunk shape {_shape_text(chunk)} exceeds the output {_shape_text(shape)} "
                                  f"on axis {q}")
    if _prod(chunk) * itemsize >= 2**32:
        raise BadRequestError(f"chunk shape {_shape_text(chunk)} is {format_bytes(_prod(chunk) * itemsize)}: "
                              "HDF5 chunks must be smaller than 4 GiB")
    return chunk


def _compression(spec: TransformSpec, chunks: tuple[int, ...] | None) -> tuple[dict[str, Any], str | None]:
    """``(create_dataset keyword arguments, description)``."""
    name = (spec.compression or "").strip().lower()
    if name in ("", "none"):
        return {}, None
    if chunks is None:
        raise BadRequestError("compression needs chunked storage: choose chunks (e.g. auto)")
    blosc = name.partition(":")[0] in ("blosc", "blosc2")
    return filters.compression(name, spec.compression_opts, True if blosc else spec.shuffle or None)


# ---------------------------------------------------------------------------------------------
# planning


@dataclass
class _Ctx:
    """Everything :func:`run_transform` needs, checked."""

    spec: TransformSpec
    file: str
    source: str
    dest: str
    parent: str
    dest_name: str
    geo: _Geometry
    in_dtype: np.dtype
    out_dtype: np.dtype
    chunks: tuple[int, ...] | None
    in_chunks: tuple[int, ...] | None
    comp_kw: dict[str, Any]
    comp_text: str | None
    mode: str | None
    channel_mid: int | None  # mid axis of the channels (per-channel statistics)
    n_channels: int
    steps: list[str]
    warnings: list[str]
    passes: int
    image: str  # 'keep', 'drop', 'INTERLACE_PLANE', 'INTERLACE_PIXEL' (keep and switch), '' (not an image)
    scales: list[tuple[int, int]]  # (output axis, source axis) whose dimension scales carry over
    rounds: bool
    block_elems: int = 0
    align: int = 1
    values_change: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return _prod(self.geo.in_shape)


def _check_spec_fields(spec: TransformSpec) -> None:
    if spec.overflow not in OVERFLOW_POLICIES:
        raise BadRequestError(f"unknown overflow policy {spec.overflow!r}: use clip or refuse")
    if spec.rounding not in ROUNDING_MODES:
        raise BadRequestError(f"unknown rounding {spec.rounding!r}: use {', '.join(ROUNDING_MODES)}")
    if spec.normalize is not None and spec.normalize not in NORMALIZE_MODES:
        raise BadRequestError(f"unknown normalization {spec.normalize!r}: use {', '.join(NORMALIZE_MODES)}")
    if spec.normalize == "scale":
        if spec.scale is None:
            raise BadRequestError("normalize 'scale' needs the value to divide by (e.g. scale=255)")
        if not math.isfinite(float(spec.scale)) or float(spec.scale) == 0:
            raise BadRequestError(f"cannot divide by {spec.scale}: the scale must be a finite, non-zero number")
    elif spec.scale is not None and spec.normalize is not None:
        raise BadRequestError(f"a scale goes with normalize 'scale', not {spec.normalize!r}")
    if spec.normalize == "clip-percentiles":
        lo, hi = (float(v) for v in spec.percentiles)
        if not 0 <= lo < hi <= 100:
            raise BadRequestError(f"percentiles {lo:g}, {hi:g}: need 0 <= low < high <= 100")


def _resolve_dest(f: h5py.File, spec: TransformSpec, source: str) -> tuple[str, str, str]:
    """``(dest path, parent hard path, name)`` of a new dataset; refused when taken or impossible."""
    file = str(spec.file)
    if spec.dest and not spec.dest.startswith("/"):  # a bare name: next to the source
        dest = normalize_path(join(posixpath.dirname(normalize_path(spec.source)), spec.dest))
    else:
        dest = normalize_path(spec.dest) if spec.dest else suggest_dest_in(f, source, spec)
    if dest == "/":
        raise BadRequestError("the destination needs a name, not /")
    parent, name = posixpath.split(dest)
    try:
        hard_parent = links.resolve(f.id, parent, file)
    except H5GuiError as exc:
        raise BadRequestError(f"cannot write {dest}: {exc}") from None
    group = f[hard_parent]
    if not isinstance(group, h5py.Group):
        raise BadRequestError(f"cannot write {dest}: {parent} is not a group")
    if links.link_info(group.id, name) is not None:
        try:
            same = links.resolve(f.id, dest, file) == source
        except H5GuiError:
            same = False
        if same:
            raise BadRequestError(f"{dest} is the source: choose another name, or replace the source")
        raise BadRequestError(f"{dest} already exists in {file}: choose another name")
    return dest, hard_parent, name


def _image_rule(ds: h5py.Dataset, geo: _Geometry, warnings: list[str]) -> str:
    if preview.attr_text(ds.attrs, "CLASS") != "IMAGE":
        return ""
    interlace = preview.attr_text(ds.attrs, "INTERLACE_MODE")
    rin, rout = len(geo.in_shape), len(geo.out_shape)
    m = 3 if interlace in ("INTERLACE_PIXEL", "INTERLACE_PLANE") else 2
    if rin < m or rout < m:
        warnings.append("the HDF5 image attributes are dropped: the output is no longer an image")
        return "drop"
    tail = [geo.out_map[rout - m + i] for i in range(m)]
    if tail == [rin - m + i for i in range(m)]:
        return "keep"
    if m == 3 and interlace == "INTERLACE_PIXEL" and tail == [rin - 1, rin - 3, rin - 2]:
        return "INTERLACE_PLANE"
    if m == 3 and interlace == "INTERLACE_PLANE" and tail == [rin - 2, rin - 1, rin - 3]:
        return "INTERLACE_PIXEL"
    warnings.append("the HDF5 image attributes are dropped: the new shape is not an image of the same layout")
    return "drop"


def _scale_rule(ds: h5py.Dataset, geo: _Geometry, replace: bool, warnings: list[str]) -> list[tuple[int, int]]:
    try:
        if replace and h5py.h5ds.is_scale(ds.id) and "REFERENCE_LIST" in ds.attrs:
            raise BadRequestError(f"{ds.name} is a dimension scale of other datasets: replacing it would leave "
                                  "them pointing at nothing; write a new dataset instead")
    except H5GuiError:
        raise
    except Exception:  # pragma: no cover - defensive
        pass
    if "DIMENSION_LIST" not in ds.attrs and "DIMENSION_LABELS" not in ds.attrs:
        return []
    kept: list[tuple[int, int]] = []
    dropped = []
    for j in range(len(geo.in_shape)):
        try:
            has = len(ds.dims[j]) > 0 or bool(ds.dims[j].label)
        except Exception:
            has = False
        if not has:
            continue
        q = geo.out_map.index(j) if j in geo.out_map else None
        if q is None:
            dropped.append(j)
        else:
            kept.append((q, j))
    if dropped:
        warnings.append(f"dimension scales and labels of source axes {', '.join(map(str, dropped))} are dropped: "
                        "those axes do not survive the new shape")
    return kept


def _prepare(f: h5py.File, spec: TransformSpec) -> tuple[_Ctx, h5py.Dataset]:
    """Check ``spec`` against the open file; raise :class:`BadRequestError` with the reason."""
    file = str(spec.file)
    _check_spec_fields(spec)
    path = normalize_path(spec.source)
    obj = links.open_object(f, path, file)
    if not isinstance(obj, h5py.Dataset):
        raise BadRequestError(f"{path} in {file} is not a dataset")
    source = links.resolve(f.id, path, file)
    safety.check_data_access(obj, file, spec.allow_external)
    preview.check_filters(obj, path)
    if obj.shape is None:
        raise BadRequestError(f"{path} is empty (no dataspace): nothing to transform")
    in_dt = _source_dtype(obj, path)
    out_dt = _target_dtype(spec, in_dt)
    geo = _geometry(spec, tuple(obj.shape))
    warnings: list[str] = []
    steps = list(geo.steps)
    mode = spec.normalize
    # channels
    channel_mid: int | None = None
    n_channels = 1
    if spec.per_channel and mode in _STAT_MODES:
        if not geo.out_shape:
            raise BadRequestError("per-channel statistics need an output with axes")
        q = _axis(int(spec.channel_axis), len(geo.out_shape), "channel axis")
        channel_mid = geo.perm[q]
        n_channels = geo.out_shape[q]
        if n_channels > 65536:
            raise BadRequestError(f"axis {spec.channel_axis} has {n_channels:,} entries: too many channels "
                                  "for per-channel statistics")
    elif spec.per_channel:
        warnings.append("per channel has no effect " + ("on a constant scale" if mode == "scale"
                                                        else "without a normalization"))
    # numbers
    passes = 1
    what = "per channel along output axis " + str(spec.channel_axis) if channel_mid is not None else ""
    if mode in _STAT_MODES:
        passes = 2
        stats_words = {"minmax": "min, max", "minmax-1": "min, max", "zscore": "mean, std",
                       "clip-percentiles": f"percentiles {spec.percentiles[0]:g} and {spec.percentiles[1]:g}"}[mode]
        steps.append(f"statistics ({stats_words}{', ' + what if what else ''}): a first pass over the data")
        if mode == "clip-percentiles":
            passes = 4  # moments, then usually 2 histogram passes (at most 4)
    if mode == "scale":
        steps.append(f"divide by {float(spec.scale):g}")  # type: ignore[arg-type]
    elif mode == "minmax":
        steps.append("min-max to [0, 1]: (x - min) / (max - min)")
    elif mode == "minmax-1":
        steps.append("min-max to [-1, 1]: (x - (max + min) / 2) / ((max - min) / 2)")
    elif mode == "zscore":
        steps.append("z-score: (x - mean) / std")
    elif mode == "clip-percentiles":
        steps.append(f"clip to the {spec.percentiles[0]:g}th and {spec.percentiles[1]:g}th percentiles, "
                     "then scale to [0, 1]")
    if mode in _STAT_MODES or mode == "scale":
        steps.append("store scale and offset (x = y * scale + offset) as attributes")
    rounds = out_dt.kind in "iu" and (in_dt.kind == "f" or mode is not None)
    if rounds:
        steps.append({"round": "round to the nearest integer (halves to even)", "floor": "round down (floor)",
                      "ceil": "round up (ceil)", "trunc": "round towards zero (trunc)"}[spec.rounding])
    if out_dt != in_dt or mode is not None:
        lo, hi = (_int_range(out_dt) if out_dt.kind in "iu" else _value_range(out_dt))
        if _may_overflow(in_dt, out_dt, mode, spec):
            if spec.overflow == "clip":
                steps.append(f"clip values outside {out_dt.name} ({lo:g}..{hi:g})"
                             + (", NaN -> 0" if out_dt.kind in "iu" and (in_dt.kind == "f" or mode) else ""))
            else:
                steps.append(f"refuse values outside {out_dt.name} ({lo:g}..{hi:g})")
        steps.append(f"cast {in_dt.name} -> {out_dt.name}")
        if out_dt.kind == "f" and out_dt.itemsize < in_dt.itemsize and in_dt.kind == "f":
            warnings.append(f"{in_dt.name} -> {out_dt.name} keeps fewer digits")
        if out_dt.kind == "f" and in_dt.kind in "iu" and in_dt.itemsize >= out_dt.itemsize and in_dt.itemsize > 1:
            warnings.append(f"{out_dt.name} cannot hold every {in_dt.name} value exactly")
        if mode in _STAT_MODES and out_dt.kind in "iu":
            warnings.append(f"normalized values are small: {out_dt.name} keeps only their integer part")
    if in_dt.itemsize == 8 and in_dt.kind in "iu" and (mode is not None or out_dt.kind == "f"):
        warnings.append(f"{in_dt.name} values beyond 2**53 lose precision in float64 arithmetic")
    # storage
    in_chunks = obj.chunks
    chunks = _chunks(spec, geo, out_dt.itemsize, in_chunks, warnings)
    comp_kw, comp_text = _compression(spec, chunks)
    if spec.shuffle and not comp_kw.get("shuffle") and comp_kw:
        warnings.append(f"shuffle is built into {comp_text}")
    storage = ("chunks " + _shape_text(chunks) + f" ({format_bytes(_prod(chunks) * out_dt.itemsize)})"
               if chunks else "contiguous")
    steps.append(f"store {storage}" + (f", {comp_text}" if comp_text else ", uncompressed"))
    # destination
    if spec.replace:
        if source == "/":  # pragma: no cover - datasets are never the root
            raise BadRequestError("cannot replace the root group")
        dest = source
        parent, dest_name = posixpath.split(source)
        steps.append(f"replace {source}: write under a temporary name, move the source aside, move the new "
                     "dataset in, then delete the old one")
    else:
        dest, parent, dest_name = _resolve_dest(f, spec, source)
        steps.append(f"write {dest} under a temporary name, moved into place when complete")
    values_change = out_dt != in_dt or mode is not None
    image = _image_rule(obj, geo, warnings)
    scales = _scale_rule(obj, geo, spec.replace, warnings)
    if mode in _STAT_MODES:
        warnings.append("the preview estimates statistics from a sample; the run computes them on all the data")
    ctx = _Ctx(spec=spec, file=file, source=source, dest=dest, parent=parent, dest_name=dest_name, geo=geo,
               in_dtype=in_dt, out_dtype=out_dt, chunks=chunks, in_chunks=in_chunks, comp_kw=comp_kw,
               comp_text=comp_text, mode=mode, channel_mid=channel_mid, n_channels=n_channels, steps=steps,
               warnings=warnings, passes=passes, image=image, scales=scales, rounds=rounds,
               values_change=values_change)
    _block_layout(ctx)
    return ctx, obj


def _may_overflow(in_dt: np.dtype, out_dt: np.dtype, mode: str | None, spec: TransformSpec) -> bool:
    """Whether some value could fall outside ``out_dt`` (decided again after the statistics)."""
    if mode in ("minmax", "minmax-1", "clip-percentiles"):
        return out_dt.kind in "iu" or in_dt.kind == "f"  # inf and NaN
    if mode == "scale" and in_dt.kind in "iub":
        lo, hi = _int_range(in_dt)
        ends = np.array([lo, hi], dtype=np.float64) / float(spec.scale)  # type: ignore[arg-type]
        if out_dt.kind in "iu":
            ends = _ROUND[spec.rounding](ends)
        vlo, vhi = _value_range(out_dt)
        return bool(ends.min() < vlo or ends.max() > vhi)
    if mode is not None:
        return True
    if in_dt.kind == "f":
        return out_dt.kind in "iu" or out_dt.itemsize < in_dt.itemsize
    lo, hi = _int_range(in_dt)
    if out_dt.kind in "iu":
        olo, ohi = _int_range(out_dt)
        return lo < olo or hi > ohi
    return float(hi) > _value_range(out_dt)[1]


def _lcm(a: int, b: int) -> int:
    return a * b // math.gcd(a, b) if a and b else max(a, b)


def _block_layout(ctx: _Ctx) -> None:
    """Block size and the alignment of blocks to the source's and the output's chunks."""
    geo = ctx.geo
    per = ctx.in_dtype.itemsize + ctx.out_dtype.itemsize
    ctx.block_elems = max(1, BLOCK_BYTES // per)
    mid = geo.mid
    if not mid:
        return
    k = 0
    while k < len(mid) - 1 and _prod(mid[k + 1:]) > ctx.block_elems:
        k += 1
    step = max(1, ctx.block_elems // max(1, _prod(mid[k + 1:])))
    a_in = a_out = 1
    j = geo.mid_map[k]
    if ctx.in_chunks is not None and j is not None:
        a_in = ctx.in_chunks[j]
    if ctx.chunks is not None:
        a_out = ctx.chunks[geo.inv[k]]
    for a in (_lcm(a_in, a_out), a_out, a_in):
        if a <= step:
            ctx.align = a
            break


def _plan_from(ctx: _Ctx) -> TransformPlan:
    n = ctx.n
    elems = min(n, max(1, ctx.block_elems)) if n else 0
    return TransformPlan(
        spec=ctx.spec, dest=ctx.dest, in_shape=ctx.geo.in_shape, in_dtype=ctx.in_dtype.name,
        out_shape=ctx.geo.out_shape, out_dtype=ctx.out_dtype.name, out_chunks=ctx.chunks,
        compression=ctx.comp_text, estimated_bytes=n * ctx.out_dtype.itemsize, passes=ctx.passes,
        steps=tuple(ctx.steps), warnings=tuple(dict.fromkeys(ctx.warnings)), source=ctx.source,
        memory_bytes=2 * elems * (ctx.in_dtype.itemsize + ctx.out_dtype.itemsize) + min(elems, PIECE_ELEMS) * 17,
    )


def plan_transform(spec: TransformSpec) -> TransformPlan:
    """The dry run of ``spec``: shapes, dtype, chunks, size, steps and warnings (metadata only).

    Raises
    ------
    BadRequestError
        The request is impossible, with the reason (``cannot reshape 47040000 elements into
        (60000, 28, 29, 1)``, an unknown dtype, a destination that exists...).
    NodeNotFoundError, FileAccessError, UnsafeAccessError, FilterUnavailableError
        The source cannot be read.
    """
    with files.open_file(spec.file) as f:
        ctx, _ = _prepare(f, spec)
        return _plan_from(ctx)


# ---------------------------------------------------------------------------------------------
# destination names


_SHORT = {"float16": "f16", "float32": "f32", "float64": "f64", "uint8": "u8", "uint16": "u16", "uint32": "u32",
          "uint64": "u64", "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64"}


def suggest_dest_in(f: h5py.File, source: str, spec: TransformSpec | None = None) -> str:
    """:func:`suggest_dest` on an open file."""
    source = normalize_path(source)
    parent, name = posixpath.split(source)
    suffix = "transformed"
    if spec is not None:
        if spec.dtype:
            try:
                suffix = _SHORT.get(np.dtype(spec.dtype).name, np.dtype(spec.dtype).name)
            except TypeError:
                suffix = str(spec.dtype)
        elif spec.normalize:
            suffix = {"scale": "scaled", "zscore": "zscore", "clip-percentiles": "clipped"}.get(spec.normalize, "norm")
        elif any(v is not None for v in (spec.reshape, spec.add_axis, spec.move_axis, spec.transpose)) or spec.squeeze:
            suffix = "reshaped"
        elif spec.chunks not in ("auto", None) or spec.compression:
            suffix = "rechunked"
    try:
        group = f[links.resolve(f.id, parent, str(f.filename))]
    except H5GuiError:
        group = None
    base = f"{name}_{suffix}"
    candidate, i = base, 2
    while group is not None and links.link_info(group.id, candidate) is not None:
        candidate = f"{base}_{i}"
        i += 1
    return join(parent, candidate)


def suggest_dest(file: str, source: str, spec: TransformSpec | None = None) -> str:
    """A free name next to the source: ``/mnist/images_f32`` (``_2``, ``_3``... when taken)."""
    with files.open_file(file) as f:
        return suggest_dest_in(f, source, spec)


# ---------------------------------------------------------------------------------------------
# statistics


class _Moments:
    """Count, min, max, mean and M2 per channel, combined piece by piece (Chan et al.)."""

    def __init__(self, channels: int) -> None:
        self.n = np.zeros(channels, dtype=np.int64)
        self.mean = np.zeros(channels)
        self.m2 = np.zeros(channels)
        self.min = np.full(channels, np.inf)
        self.max = np.full(channels, -np.inf)
        self.nonfinite = np.zeros(channels, dtype=np.int64)

    def add(self, w: np.ndarray, axis: int | None, c0: int, mask: np.ndarray | None,
            raw: np.ndarray | None = None) -> None:
        """Add the float64 piece ``w`` (modified) whose channels ``c0..`` run along ``axis``.

        ``mask`` is a boolean scratch array of ``w``'s shape; ``raw`` the piece before conversion
        (min and max are faster on small integers).
        """
        if w.size == 0:
            return
        red = None if axis is None else tuple(a for a in range(w.ndim) if a != axis)
        keep = tuple(1 if a != axis else w.shape[a] for a in range(w.ndim))
        chans = 1 if axis is None else w.shape[axis]
        with np.errstate(invalid="ignore", over="ignore"):
            total = np.atleast_1d(w.sum(axis=red))
            if np.isfinite(total).all():  # no NaN, no infinity (they would make the sum one)
                cnt = np.full(chans, w.size // chans, dtype=np.int64)
                src = raw if raw is not None else w
                mn = np.atleast_1d(src.min(axis=red)).astype(np.float64)
                mx = np.atleast_1d(src.max(axis=red)).astype(np.float64)
                mean = total / cnt
                # (not np.dot: BLAS threads spinning beside the I/O thread cost more than they save)
                np.subtract(w, mean.reshape(keep) if axis is not None else mean[0], out=w)
                np.square(w, out=w)
                m2 = np.atleast_1d(w.sum(axis=red))
                nonfinite: Any = 0
            else:
                bad = np.logical_not(np.isfinite(w, out=mask), out=mask) if mask is not None else ~np.isfinite(w)
                nonfinite = np.atleast_1d(bad.sum(axis=red))
                cnt = np.atleast_1d(bad.size // chans - nonfinite).astype(np.int64)
                np.copyto(w, np.inf, where=bad)
                mn = np.atleast_1d(w.min(axis=red))
                np.copyto(w, -np.inf, where=bad)
                mx = np.atleast_1d(w.max(axis=red))
                np.copyto(w, 0.0, where=bad)
                mean = np.atleast_1d(w.sum(axis=red)) / np.maximum(cnt, 1)
                np.subtract(w, mean.reshape(keep) if axis is not None else mean[0], out=w)
                np.copyto(w, 0.0, where=bad)
                np.square(w, out=w)
                m2 = np.atleast_1d(w.sum(axis=red))
            sl = slice(c0, c0 + chans)
            self.nonfinite[sl] += nonfinite
            self.min[sl] = np.minimum(self.min[sl], mn)
            self.max[sl] = np.maximum(self.max[sl], mx)
            na, nb = self.n[sl].astype(np.float64), cnt.astype(np.float64)
            tot = na + nb
            safe = np.where(tot > 0, tot, 1.0)
            delta = mean - self.mean[sl]
            self.mean[sl] = np.where(nb > 0, self.mean[sl] + delta * (nb / safe), self.mean[sl])
            self.m2[sl] = np.where(nb > 0, self.m2[sl] + m2 + delta * delta * (na * nb / safe), self.m2[sl])
            self.n[sl] += cnt

    def std(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n > 0, np.sqrt(self.m2 / np.maximum(self.n, 1)), np.nan)

    def means(self) -> np.ndarray:
        return np.where(self.n > 0, self.mean, np.nan)

    def mins(self) -> np.ndarray:
        return np.where(self.n > 0, self.min, np.nan)

    def maxs(self) -> np.ndarray:
        return np.where(self.n > 0, self.max, np.nan)


_SIGN = np.uint64(1 << 63)
_LOW = np.uint64((1 << 63) - 1)


def _keys(w: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Order-preserving uint64 keys of float64 values (their bit patterns, negatives flipped)."""
    u = w.view(np.uint64)
    np.right_shift(u, np.uint64(63), out=out)
    np.multiply(out, _LOW, out=out)
    np.bitwise_or(out, _SIGN, out=out)
    np.bitwise_xor(out, u, out=out)
    return out


def _key_value(key: int) -> float:
    u = key ^ (1 << 63) if key >> 63 else (~key) & ((1 << 64) - 1)
    return float(np.array([u], dtype=np.uint64).view(np.float64)[0])


def _float_key(x: float) -> int:
    u = int(np.array([x], dtype=np.float64).view(np.uint64)[0])
    return (~u) & ((1 << 64) - 1) if u >> 63 else u | (1 << 63)


def _lerp(a: float, b: float, t: float) -> float:
    """numpy's linear interpolation between order statistics (``numpy.percentile``'s default)."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


@dataclass
class _Target:
    channel: int
    rank: int
    lo: int
    hi: int
    below: int = 0
    value: float | None = None


def _rank_targets(n: int, q: float) -> tuple[int, int, float]:
    vi = (float(np.float64(q) / 100)) * (n - 1)
    prev = math.floor(vi)
    return int(prev), int(min(prev + 1, n - 1)), vi - prev


class _PercentileSearch:
    """Exact percentiles per channel, pass after pass, by histograms over float64 keys.

    Each pass histograms the keys of the values in each target's interval into 2**16 bins and keeps
    the bin that holds the target's rank: the interval shrinks 2**16-fold per pass (at most 4 passes
    for any float64 data), and stops as soon as one distinct value is left in it.
    """

    def __init__(self, moments: _Moments, pcts: Sequence[float]) -> None:
        self.moments = moments
        self.pcts = tuple(pcts)
        self.targets: list[_Target] = []
        for c in range(len(moments.n)):
            n = int(moments.n[c])
            if n == 0:
                continue
            lo, hi = _float_key(float(moments.min[c])), _float_key(float(moments.max[c]))
            for q in pcts:
                r0, r1, _ = _rank_targets(n, q)
                for r in {r0, r1}:
                    if not any(t.channel == c and t.rank == r for t in self.targets):
                        self.targets.append(_Target(c, r, lo, hi, 0, None if lo != hi else float(moments.min[c])))
        self.groups: dict[tuple[int, int, int], list[_Target]] = {}
        self.hist: dict[tuple[int, int, int], np.ndarray] = {}
        self.shift: dict[tuple[int, int, int], int] = {}
        self.seen: dict[tuple[int, int, int], list[int]] = {}
        self.passes = 0

    def done(self) -> bool:
        return all(t.value is not None for t in self.targets)

    def start_pass(self) -> None:
        self.passes += 1
        self.groups = {}
        for t in self.targets:
            if t.value is None:
                self.groups.setdefault((t.channel, t.lo, t.hi), []).append(t)
        self.hist = {g: np.zeros(1 << HIST_BITS, dtype=np.int64) for g in self.groups}
        self.shift = {g: max(0, (g[2] - g[1]).bit_length() - HIST_BITS) for g in self.groups}
        self.seen = {g: [g[2] + 1, g[1] - 1] for g in self.groups}

    def add(self, keys: np.ndarray, axis: int | None, c0: int) -> None:
        chans = 1 if axis is None else keys.shape[axis]
        for g in self.groups:
            c, lo, hi = g
            if not c0 <= c < c0 + chans:
                continue
            if axis is None:
                kc = keys
            else:
                idx: list[Any] = [slice(None)] * keys.ndim
                idx[axis] = c - c0
                kc = keys[tuple(idx)]
            sel = kc[(kc >= np.uint64(lo)) & (kc <= np.uint64(hi))]
            if sel.size:
                b = ((sel - np.uint64(lo)) >> np.uint64(self.shift[g])).astype(np.intp)
                self.hist[g] += np.bincount(b, minlength=self.hist[g].size)
                self.seen[g][0] = min(self.seen[g][0], int(sel.min()))
                self.seen[g][1] = max(self.seen[g][1], int(sel.max()))

    def end_pass(self) -> None:
        for g, ts in self.groups.items():
            cum = np.cumsum(self.hist[g])
            s = self.shift[g]
            for t in ts:
                if self.seen[g][0] == self.seen[g][1]:  # one distinct value left in the interval: the answer
                    t.value = _key_value(self.seen[g][0])
                    continue
                j = min(int(np.searchsorted(cum, t.rank - t.below, side="right")), len(cum) - 1)
                t.below += int(cum[j - 1]) if j else 0
                t.lo = g[1] + (j << s)
                t.hi = min(g[2], t.lo + (1 << s) - 1)
                if t.lo == t.hi:
                    t.value = _key_value(t.lo)

    def result(self) -> dict[float, np.ndarray]:
        out: dict[float, np.ndarray] = {}
        n_all = self.moments.n
        for q in self.pcts:
            vals = np.full(len(n_all), np.nan)
            for c in range(len(n_all)):
                n = int(n_all[c])
                if n == 0:
                    continue
                r0, r1, g = _rank_targets(n, q)
                a = next(t.value for t in self.targets if t.channel == c and t.rank == r0)
                b = next(t.value for t in self.targets if t.channel == c and t.rank == r1)
                vals[c] = _lerp(float(a), float(b), g)  # type: ignore[arg-type]
            out[q] = vals
        return out


@dataclass
class _Stats:
    """Statistics of the source (per channel arrays) and the affine map they give."""

    offset: np.ndarray
    scale: np.ndarray
    clip: tuple[np.ndarray, np.ndarray] | None = None
    moments: _Moments | None = None
    percentiles: dict[float, np.ndarray] = field(default_factory=dict)

    def attrs(self, per_channel: bool) -> dict[str, Any]:
        def v(a: np.ndarray) -> Any:
            return [float(x) for x in a] if per_channel else float(a[0])

        d: dict[str, Any] = {"scale": v(self.scale), "offset": v(self.offset)}
        m = self.moments
        if m is not None:
            d.update(min=v(m.mins()), max=v(m.maxs()), mean=v(m.means()), std=v(m.std()),
                     count=[int(x) for x in m.n] if per_channel else int(m.n[0]),
                     nonfinite=[int(x) for x in m.nonfinite] if per_channel else int(m.nonfinite[0]))
        if self.clip is not None:
            d.update(clip_min=v(self.clip[0]), clip_max=v(self.clip[1]))
        return d


def _affine(mode: str | None, spec: TransformSpec, m: _Moments | None, pct: dict[float, np.ndarray],
            channels: int, warnings: list[str]) -> _Stats:
    one = np.ones(channels)
    zero = np.zeros(channels)
    if mode is None:
        return _Stats(zero, one)
    if mode == "scale":
        return _Stats(zero, np.full(channels, float(spec.scale)))  # type: ignore[arg-type]
    assert m is not None
    empty = m.n == 0
    with np.errstate(invalid="ignore", over="ignore"):
        if mode == "minmax":
            offset, scale = m.mins(), m.maxs() - m.mins()
        elif mode == "minmax-1":
            offset, scale = (m.maxs() + m.mins()) / 2, (m.maxs() - m.mins()) / 2
        elif mode == "zscore":
            offset, scale = m.means(), m.std()
        else:
            lo, hi = pct[float(spec.percentiles[0])], pct[float(spec.percentiles[1])]
            offset, scale = lo.copy(), hi - lo
    flat = ~empty & ((scale == 0) | ~np.isfinite(scale))
    if flat.any():
        warnings.append("constant data" + (" in some channels" if channels > 1 else "")
                        + ": scale 1 used (the output is 0 there)")
    if empty.any():
        warnings.append("no finite values" + (" in some channels" if channels > 1 else "") + ": nothing to normalize")
    offset = np.where(empty, 0.0, offset)
    scale = np.where(empty | flat, 1.0, scale)
    clip = None
    if mode == "clip-percentiles":
        lo, hi = pct[float(spec.percentiles[0])], pct[float(spec.percentiles[1])]
        clip = (np.where(empty, -np.inf, lo), np.where(empty, np.inf, hi))
    return _Stats(offset, scale, clip, m, pct)


# ---------------------------------------------------------------------------------------------
# the numbers


class _Numerics:
    """Turns source pieces into output pieces: float64 arithmetic, rounding, range policy, cast."""

    def __init__(self, ctx: _Ctx, stats: _Stats) -> None:
        self.ctx = ctx
        self.mode = ctx.mode
        self.axis = ctx.channel_mid
        self.stats = stats
        self.out = ctx.out_dtype
        self.policy = ctx.spec.overflow
        self.round = _ROUND[ctx.spec.rounding] if ctx.rounds else None
        per = self.axis is not None
        self.offset: Any = stats.offset if per else float(stats.offset[0])
        self.scale: Any = stats.scale if per else float(stats.scale[0])
        self.clip = stats.clip
        self.has_offset = bool(np.any(stats.offset != 0))
        self.has_scale = self.mode is not None and bool(np.any(stats.scale != 1))
        self.int_path = self.mode is None and ctx.in_dtype.kind in "iub" and self.out.kind in "iu"
        self.nan_zero = self.out.kind in "iu" and (ctx.in_dtype.kind == "f" or self.mode is not None)
        self.check = self._may_overflow()
        self.lo, self.hi = _value_range(self.out)
        self.bad = 0
        self.first: tuple[int, ...] | None = None
        self.first_value: float | None = None

    def _may_overflow(self) -> bool:
        ctx = self.ctx
        if not _may_overflow(ctx.in_dtype, self.out, self.mode, ctx.spec):
            return False
        m = self.stats.moments
        known = self.mode in _STAT_MODES and m is not None and not m.nonfinite.any()
        if known or (self.mode == "scale" and ctx.in_dtype.kind in "iub"):
            # the output range is known exactly now: an affine image of [min, max]
            with np.errstate(all="ignore"):
                if known:
                    assert m is not None
                    lo, hi = m.mins(), m.maxs()
                else:
                    lo, hi = (np.array([float(v)]) for v in _int_range(ctx.in_dtype))
                if self.clip is not None:
                    lo, hi = np.maximum(lo, self.clip[0]), np.minimum(hi, self.clip[1])
                a = (lo - self.stats.offset) / self.stats.scale
                b = (hi - self.stats.offset) / self.stats.scale
            ends = np.concatenate([a, b])
            ends = ends[~np.isnan(ends)]
            if ends.size == 0:
                return False
            vlo, vhi = _value_range(self.out)
            r = self.round or (lambda x: x)
            return bool(r(ends.min()) < vlo or r(ends.max()) > vhi)
        return True

    def _bc(self, values: Any, lo: Sequence[int], hi: Sequence[int], ndim: int) -> Any:
        if self.axis is None or isinstance(values, float):
            return values
        shape = [1] * ndim
        shape[self.axis] = hi[self.axis] - lo[self.axis]
        return values[lo[self.axis]:hi[self.axis]].reshape(shape)

    def apply(self, x: np.ndarray, dst: np.ndarray, work: np.ndarray, mask: np.ndarray,
              lo: Sequence[int], hi: Sequence[int]) -> None:
        """``dst[...] = f(x)`` for the piece ``lo:hi`` of the mid array (``dst`` may be a strided view)."""
        if self.int_path:
            self._apply_int(x, dst, mask, lo)
            return
        w = work[: x.size].reshape(x.shape)
        np.copyto(w, x, casting="unsafe")
        with np.errstate(all="ignore"):
            if self.clip is not None:
                np.clip(w, self._bc(self.clip[0] if self.axis is not None else float(self.clip[0][0]), lo, hi, w.ndim),
                        self._bc(self.clip[1] if self.axis is not None else float(self.clip[1][0]), lo, hi, w.ndim),
                        out=w)
            if self.has_offset:
                np.subtract(w, self._bc(self.offset, lo, hi, w.ndim), out=w)
            if self.has_scale:
                np.divide(w, self._bc(self.scale, lo, hi, w.ndim), out=w)
            if self.round is not None:
                self.round(w, out=w)
            if self.check:
                m = mask[: x.size].reshape(x.shape)
                if self.out.kind in "iu":
                    np.less(w, self.lo, out=m)
                    m |= w > self.hi
                    m |= np.isnan(w)
                else:
                    np.greater(np.abs(w), self.hi, out=m)
                    m &= np.isfinite(w)
                count = int(np.count_nonzero(m))
                if count:
                    self._offence(count, m, w, lo)
                    if self.policy == "clip":
                        np.clip(w, self.lo, self.hi, out=w, where=m)  # only those: inf stays in floats
            if self.nan_zero and self.policy == "clip":
                np.copyto(w, 0.0, where=np.isnan(w))
            np.copyto(dst, w, casting="unsafe")

    def _apply_int(self, x: np.ndarray, dst: np.ndarray, mask: np.ndarray, lo: Sequence[int]) -> None:
        if self.check:
            olo, ohi = _int_range(self.out)
            ilo, ihi = _int_range(self.ctx.in_dtype)
            m = mask[: x.size].reshape(x.shape)
            m[...] = False
            if ilo < olo:
                np.less(x, olo, out=m)
            if ihi > ohi:
                m |= x > ohi
            count = int(np.count_nonzero(m))
            if count:
                self._offence(count, m, x, lo)
                if self.policy == "clip":
                    np.clip(x, max(olo, ilo), min(ohi, ihi), out=x)
        np.copyto(dst, x, casting="unsafe")

    def _offence(self, count: int, m: np.ndarray, values: np.ndarray, lo: Sequence[int]) -> None:
        self.bad += count
        if self.first is None:
            flat = int(np.flatnonzero(m)[0]) if m.flags.c_contiguous else int(np.flatnonzero(m.ravel())[0])
            rel = np.unravel_index(flat, m.shape)
            mid = tuple(int(a) + int(b) for a, b in zip(lo, rel, strict=True))
            geo = self.ctx.geo
            src_flat = int(np.ravel_multi_index(mid, geo.mid)) if geo.mid else 0
            self.first = tuple(int(v) for v in np.unravel_index(src_flat, geo.in_shape)) if geo.in_shape else ()
            self.first_value = float(values[rel])

    def refusal(self) -> BadRequestError:
        ctx = self.ctx
        lo, hi = (_int_range(self.out) if self.out.kind in "iu" else _value_range(self.out))
        v = self.first_value
        what = "NaN" if v is not None and math.isnan(v) else f"{v:g}"
        where = "[" + ", ".join(map(str, self.first or ())) + "]"
        return BadRequestError(
            f"{self.bad:,} value{'s' if self.bad != 1 else ''} of {ctx.source} do not fit in {self.out.name} "
            f"({lo:g}..{hi:g}); the first is {what} at {where}: clip them (overflow 'clip') or choose another dtype"
        )


# ---------------------------------------------------------------------------------------------
# passes over the data


class _Buffers:
    """Preallocated memory: two slots of input and output blocks (one read or written while the
    other is computed), and one set of cache-sized work pieces for the compute thread."""

    def __init__(self, ctx: _Ctx, elems: int, out: bool = True) -> None:
        self.inp = [np.empty(elems, dtype=ctx.in_dtype) for _ in range(2)]
        self.out = [np.empty(elems if out else 0, dtype=ctx.out_dtype) for _ in range(2)]
        piece = min(PIECE_ELEMS, max(elems, 1))
        self.work = np.empty(piece, dtype=np.float64)
        self.mask = np.empty(piece, dtype=bool)
        self.keys = np.empty(piece, dtype=np.uint64)

    def raw_pieces(self, slot: int, blo: tuple[int, ...], bhi: tuple[int, ...]) -> Iterator[
            tuple[np.ndarray, tuple[int, ...], tuple[int, ...], tuple[slice, ...]]]:
        """Cache-sized pieces of the block in ``slot``: ``(view, lo, hi, slices in the block)``."""
        ext = tuple(b - a for a, b in zip(blo, bhi, strict=True))
        block = self.inp[slot][: _prod(ext)].reshape(ext)
        for plo, phi in _Tiling(blo, bhi, self.work.size):
            rel = _rel(plo, phi, blo)
            yield block[rel], plo, phi, rel

    def pieces(self, slot: int, blo: tuple[int, ...], bhi: tuple[int, ...]) -> Iterator[
            tuple[np.ndarray, tuple[int, ...], tuple[int, ...], tuple[slice, ...]]]:
        """The same pieces as float64 copies in the work buffer."""
        for x, plo, phi, rel in self.raw_pieces(slot, blo, bhi):
            w = self.work[: x.size].reshape(x.shape)
            np.copyto(w, x, casting="unsafe")
            yield w, plo, phi, rel


def _block_tiling(ctx: _Ctx) -> _Tiling:
    mid = ctx.geo.mid
    return _Tiling((0,) * len(mid), mid, ctx.block_elems, ctx.align)


_Block = tuple[int, tuple[int, ...], tuple[int, ...], int]  # slot, lo, hi, elements


def _blocks(ctx: _Ctx, ds: h5py.Dataset, bufs: _Buffers, compute: Any, finish: Any, message: Any,
            base: float, total: float) -> Iterator[Progress]:
    """One pass: read block i+1 and write block i-1 while block i is computed in a helper thread.

    ``compute(block)`` runs in the thread (numpy only, no h5py); ``finish(block)`` (writing) runs
    here; ``message()`` names the stage for the progress. h5py is only used by this thread.
    """
    isz = ctx.in_dtype.itemsize
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="h5gui-transform") as pool:
        pending: tuple[Future[None], _Block] | None = None
        slot = 0
        for blo, bhi in _block_tiling(ctx):
            n = _prod(b - a for a, b in zip(blo, bhi, strict=True))
            _read_mid(ds, ctx.geo, blo, bhi, bufs.inp[slot][:n])
            if pending is not None:
                pending[0].result()
            block: _Block = (slot, blo, bhi, n)
            nxt = (pool.submit(compute, block), block)
            if pending is not None:
                finish(pending[1])
                done += pending[1][3]
                yield Progress(base + done, total, "elements", message(), nbytes=(base + done) * isz)
            pending = nxt
            slot ^= 1
        if pending is not None:
            pending[0].result()
            finish(pending[1])
            done += pending[1][3]
            yield Progress(base + done, total, "elements", message(), nbytes=(base + done) * isz)


def _statistics(ctx: _Ctx, ds: h5py.Dataset, bufs: _Buffers, total: float) -> Iterator[Progress]:
    """Generator: the exact statistics of the whole source; returns :class:`_Stats`."""
    spec = ctx.spec
    chans = ctx.n_channels
    m = _Moments(chans)
    axis = ctx.channel_mid
    float_in = ctx.in_dtype.kind == "f"

    def moments(block: _Block) -> None:
        for x, plo, _, _ in bufs.raw_pieces(block[0], block[1], block[2]):
            w = bufs.work[: x.size].reshape(x.shape)
            np.copyto(w, x, casting="unsafe")
            m.add(w, axis, plo[axis] if axis is not None else 0,
                  bufs.mask[: w.size].reshape(w.shape), None if float_in else x)

    def nothing(block: _Block) -> None:
        pass

    yield from _blocks(ctx, ds, bufs, moments, nothing, lambda: "statistics", 0, total)
    passes = 1
    pct: dict[float, np.ndarray] = {}
    if ctx.mode == "clip-percentiles":
        search = _PercentileSearch(m, (float(spec.percentiles[0]), float(spec.percentiles[1])))

        def histogram(block: _Block) -> None:
            for w, plo, _, _ in bufs.pieces(block[0], block[1], block[2]):
                keys = _keys(w, bufs.keys[: w.size].reshape(w.shape))
                search.add(keys, axis, plo[axis] if axis is not None else 0)

        while not search.done():
            search.start_pass()
            base = float(ctx.n * search.passes)
            yield from _blocks(ctx, ds, bufs, histogram, nothing, lambda: "percentiles", base,
                               max(total, base + 2 * ctx.n))
            search.end_pass()
        pct = search.result()
        passes += search.passes
    ctx.extra["stat_passes"] = passes
    return _affine(ctx.mode, spec, m, pct, chans, ctx.warnings)


def _sample_statistics(ctx: _Ctx, ds: h5py.Dataset) -> _Stats:
    """Statistics of at most :data:`SAMPLE_ELEMS` values in evenly spaced tiles (for previews)."""
    spec = ctx.spec
    geo = ctx.geo
    tiling = _Tiling((0,) * len(geo.mid), geo.mid, max(1, SAMPLE_ELEMS // 16))
    picks = sorted(set(np.linspace(0, len(tiling) - 1, min(16, len(tiling))).astype(int).tolist())) if len(tiling) else []
    m = _Moments(ctx.n_channels)
    axis = ctx.channel_mid
    values: dict[int, list[np.ndarray]] = {}
    for i in picks:
        lo, hi = tiling[i]
        ext = tuple(b - a for a, b in zip(lo, hi, strict=True))
        buf = np.empty(_prod(ext), dtype=ctx.in_dtype)
        _read_mid(ds, geo, lo, hi, buf)
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
    return _affine(ctx.mode, spec, m, pct, ctx.n_channels, [])


def _gzip_chunk(data: np.ndarray, level: int, shuffle: bool) -> bytes:
    """One chunk through HDF5's shuffle and deflate filters, done here (zlib releases the GIL).

    The deflate filter stores a zlib stream (``compress2``); the shuffle filter groups byte 0 of
    every element, then byte 1...: the bytes ``H5Dread`` undoes.
    """
    data = np.ascontiguousarray(data)
    if shuffle and data.itemsize > 1:
        data = np.ascontiguousarray(data.reshape(-1).view(np.uint8).reshape(-1, data.itemsize).T)
    return zlib.compress(memoryview(data).cast("B"), level)


class _ParallelGzip:
    """Compress the chunks of each written block on every core, then ``write_direct_chunk`` them.

    HDF5 runs its filters inside ``H5Dwrite`` under h5py's lock, on one core; gzip is the slow one
    (tens of MB/s). Only blocks whose box covers whole chunks go this way; others are written
    normally. Threads, not processes: zlib releases the GIL, and the GUI process has Qt threads.
    """

    def __init__(self, ctx: _Ctx) -> None:
        assert ctx.chunks is not None
        self.chunks = ctx.chunks
        self.shape = ctx.geo.out_shape
        self.level = int(ctx.comp_kw.get("compression_opts", 4))
        self.shuffle = bool(ctx.comp_kw.get("shuffle", False))
        self.pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="h5gui-gzip")

    @staticmethod
    def usable(ctx: _Ctx) -> bool:
        kw = ctx.comp_kw
        return (ctx.chunks is not None and kw.get("compression") == "gzip" and set(kw) <= {"compression",
                "compression_opts", "shuffle"} and _prod(ctx.geo.out_shape) > 0 and (os.cpu_count() or 1) > 1)

    def write(self, out: h5py.Dataset, block: np.ndarray, lo: Sequence[int], hi: Sequence[int]) -> bool:
        """Write the box ``lo:hi`` (data ``block``) chunk by chunk; False when it is not chunk-aligned."""
        c, shape = self.chunks, self.shape
        for q in range(len(shape)):
            if lo[q] % c[q] or (hi[q] % c[q] and hi[q] != shape[q]):
                return False
        jobs = []
        for start in itertools.product(*(range(a, b, n) for a, b, n in zip(lo, hi, c, strict=True))):
            rel = tuple(slice(s - a, min(s + n, b) - a) for s, a, b, n in zip(start, lo, hi, c, strict=True))
            data = block[rel]
            if data.shape != c:  # an edge chunk is stored whole: pad with the fill value (0)
                padded = np.zeros(c, dtype=block.dtype)
                padded[tuple(slice(0, m) for m in data.shape)] = data
                data = padded
            jobs.append((start, self.pool.submit(_gzip_chunk, data, self.level, self.shuffle)))
        try:
            for start, job in jobs:
                out.id.write_direct_chunk(start, job.result(), 0)
        finally:
            for _, job in jobs:
                job.cancel()
            wait([job for _, job in jobs])  # nothing may still read the block when it is reused
        return True

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _write(ctx: _Ctx, ds: h5py.Dataset, out: h5py.Dataset, f: h5py.File, num: _Numerics, bufs: _Buffers,
           base: float, total: float) -> Iterator[Progress]:
    """The transform pass: block by block, read, compute in pieces (helper thread), write, flush."""
    geo = ctx.geo
    perm, inv = geo.perm, geo.inv
    state = {"writing": True}
    gz = _ParallelGzip(ctx) if _ParallelGzip.usable(ctx) else None

    def out_block(block: _Block) -> np.ndarray:
        slot, blo, bhi, n = block
        return bufs.out[slot][:n].reshape(tuple(bhi[p] - blo[p] for p in perm))

    def compute(block: _Block) -> None:
        slot, blo, bhi, n = block
        ob = out_block(block)
        out_mid = ob.transpose(inv) if geo.permuted else ob
        for x, plo, phi, rel in bufs.raw_pieces(slot, blo, bhi):
            num.apply(x, out_mid[rel], bufs.work, bufs.mask, plo, phi)

    def finish(block: _Block) -> None:
        if num.bad and num.policy == "refuse":
            state["writing"] = False  # keep counting, write nothing more
        if not state["writing"]:
            return
        _, blo, bhi, _ = block
        if not geo.out_shape:
            out.write_direct(out_block(block).reshape(()))
        else:
            olo, ohi = tuple(blo[p] for p in perm), tuple(bhi[p] for p in perm)
            if gz is None or not gz.write(out, out_block(block), olo, ohi):
                out.write_direct(out_block(block), dest_sel=tuple(slice(a, b) for a, b in zip(olo, ohi, strict=True)))
        f.flush()

    try:
        yield from _blocks(ctx, ds, bufs, compute, finish, lambda: "writing" if state["writing"] else "checking",
                           base, total)
    finally:
        if gz is not None:
            gz.close()


# ---------------------------------------------------------------------------------------------
# attributes


def _write_text_attr(obj: Any, name: str, text: str) -> None:
    """A null-terminated fixed-length ascii string, as the HDF5 image API writes them."""
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(len(text) + 1)
    tid.set_strpad(h5py.h5t.STR_NULLTERM)
    if name in obj.attrs:
        del obj.attrs[name]
    obj.attrs.create(name, np.bytes_(text), dtype=h5py.Datatype(tid))


def _copy_attrs(ctx: _Ctx, src: h5py.Dataset, out: h5py.Dataset) -> None:
    skip = set(_SCALE_ATTRS)
    if preview.attr_text(src.attrs, "CLASS") == "DIMENSION_SCALE":
        skip |= {"CLASS", "NAME"}
    if ctx.image == "drop":
        skip |= set(_IMAGE_ATTRS)
    if ctx.values_change:
        skip.add("IMAGE_MINMAXRANGE")
    if ctx.mode is not None:
        skip |= set(_STAT_ATTRS)
    for name in list(src.attrs):
        if name in skip:
            continue
        try:
            v = _attrs.read_raw(src.id, name, ctx.file)
            data, ftype, mtype = _attrs.prepare_raw(v)
            _attrs.create_raw(out.id, name, data, ftype, mtype)
        except Exception as exc:  # one odd attribute does not sink the transform
            log.warning("attribute %s of %s not copied: %s", name, ctx.source, exc)
            ctx.warnings.append(f"attribute {name} could not be copied")
    if ctx.image in ("INTERLACE_PLANE", "INTERLACE_PIXEL"):
        _write_text_attr(out, "INTERLACE_MODE", ctx.image)


def _provenance(ctx: _Ctx, out: h5py.Dataset, stats: _Stats, report_stats: dict[str, Any]) -> None:
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    per = ctx.channel_mid is not None
    if ctx.mode is not None:
        for k, v in stats.attrs(per).items():
            if k in ("count", "nonfinite"):
                continue
            out.attrs[k] = np.asarray(v, dtype=np.float64)
        out.attrs["normalization"] = ctx.mode
        if per:
            out.attrs["channel_axis"] = np.int64(ctx.spec.channel_axis % len(ctx.geo.out_shape))
    out.attrs["h5gui_source"] = ctx.source
    out.attrs["h5gui_operations"] = np.array(ctx.steps, dtype=h5py.string_dtype())
    out.attrs["h5gui_date"] = now
    out.attrs["h5gui_version"] = __version__
    record = {"source": ctx.source, "file": os.path.basename(ctx.file), "spec": _spec_json(ctx.spec),
              "operations": ctx.steps, "statistics": report_stats, "date": now, "h5gui_version": __version__,
              "inverse": "x = y * scale + offset" if ctx.mode else None}
    out.attrs["h5gui_transform"] = json.dumps(record, default=str)


def _attach_scales(ctx: _Ctx, src: h5py.Dataset, out: h5py.Dataset) -> list[tuple[int, h5py.Dataset]]:
    attached: list[tuple[int, h5py.Dataset]] = []
    for q, j in ctx.scales:
        dim = src.dims[j]
        label = dim.label
        if label:
            out.dims[q].label = label
        for scale in dim.values():
            out.dims[q].attach_scale(scale)
            attached.append((q, scale))
    return attached


def _detach(ds: h5py.Dataset, attached: Sequence[tuple[int, h5py.Dataset]]) -> None:
    for q, scale in attached:
        try:
            ds.dims[q].detach_scale(scale)
        except Exception as exc:  # pragma: no cover - best effort
            log.warning("could not detach a dimension scale from %s: %s", ds.name, exc)


def _source_scales(ds: h5py.Dataset) -> list[tuple[int, h5py.Dataset]]:
    out: list[tuple[int, h5py.Dataset]] = []
    if "DIMENSION_LIST" not in ds.attrs:
        return out
    for j in range(len(ds.shape or ())):
        try:
            out.extend((j, s) for s in ds.dims[j].values())
        except Exception:  # pragma: no cover - defensive
            pass
    return out


def _temp_name(group: h5py.Group, name: str, what: str) -> str:
    return staging.temp_name(what, name, taken=lambda candidate: links.link_info(group.id, candidate) is not None)


# ---------------------------------------------------------------------------------------------
# running


def _check_space(ctx: _Ctx, f: h5py.File) -> None:
    """Refuse an uncompressed output that cannot fit (the file's own free space counts)."""
    if ctx.comp_kw:
        return
    need = ctx.n * ctx.out_dtype.itemsize
    try:
        free = shutil.disk_usage(os.path.dirname(os.path.abspath(ctx.file))).free
        free += max(0, int(f.id.get_freespace()))  # space of deleted objects HDF5 still tracks
    except (OSError, RuntimeError):  # pragma: no cover - defensive
        return
    if need > free:
        raise BadRequestError(f"not enough disk space: the output needs {format_bytes(need)}, "
                              f"{format_bytes(free)} are free")


def run_transform(spec: TransformSpec) -> Job[TransformReport]:
    """Job: transform ``spec.source`` into ``spec.dest`` (or in place with ``replace``).

    Yields :class:`Progress` in elements (``nbytes``: source bytes read, for MB/s) over all passes;
    returns a :class:`TransformReport`. Everything :func:`plan_transform` refuses is refused before
    anything is written. Closing the generator (cancel) or an error removes the partial output and
    leaves the source and its name as they were.

    Raises
    ------
    BadRequestError
        An impossible request, or values that do not fit with ``overflow='refuse'`` (with their
        count and the first one's index in the source).
    ReadOnlyError, FileAccessError
        The file cannot be written (in the GUI: editing not enabled).
    """
    t0 = time.perf_counter()
    with files.open_file(spec.file, write=True) as f:
        ctx, src = _prepare(f, spec)
        _check_space(ctx, f)
        n = ctx.n
        elems = min(n, ctx.block_elems) if n else 0
        bufs = _Buffers(ctx, elems)
        total = float(n * ctx.passes)
        stats = _affine(ctx.mode, spec, None, {}, ctx.n_channels, ctx.warnings) if ctx.mode not in _STAT_MODES \
            else None
        yield Progress(0, total, "elements", "starting", nbytes=0)
        if stats is None:
            if n:
                stats = yield from _statistics(ctx, src, bufs, total)
            else:
                stats = _affine(ctx.mode, spec, _Moments(ctx.n_channels), {float(p): np.full(ctx.n_channels, np.nan)
                                                                           for p in spec.percentiles},
                                ctx.n_channels, ctx.warnings)
        passes = 1 + int(ctx.extra.get("stat_passes", 0))
        total = float(n * passes)
        base = float(n * (passes - 1))
        num = _Numerics(ctx, stats)
        group = f[ctx.parent]
        tmp = _temp_name(group, ctx.dest_name, "partial")
        aside = ""
        attached: list[tuple[int, h5py.Dataset]] = []
        moved_in = False
        out: h5py.Dataset | None = None
        try:
            kw: dict[str, Any] = dict(ctx.comp_kw)
            if ctx.chunks is not None:
                kw["chunks"] = ctx.chunks
                chunk_bytes = _prod(ctx.chunks) * ctx.out_dtype.itemsize
                kw["rdcc_nbytes"] = max(2**20, min(OUTPUT_CACHE_BYTES, 8 * chunk_bytes))
                kw["rdcc_nslots"] = 10007
            out = group.create_dataset(tmp, shape=ctx.geo.out_shape, dtype=ctx.out_dtype, track_order=True, **kw)
            if n:
                yield from _write(ctx, src, out, f, num, bufs, base, total)
            if num.bad and num.policy == "refuse":
                raise num.refusal()
            report_stats = stats.attrs(ctx.channel_mid is not None) if ctx.mode else {}
            if num.bad:
                report_stats["clipped"] = num.bad
                ctx.warnings.append(f"{num.bad:,} values did not fit in {ctx.out_dtype.name}: clipped")
            _copy_attrs(ctx, src, out)
            _provenance(ctx, out, stats, report_stats)
            attached = _attach_scales(ctx, src, out)
            f.flush()
            old_scales = _source_scales(src) if spec.replace else []
            if spec.replace:
                aside = _temp_name(group, ctx.dest_name, "old")
                group.move(ctx.dest_name, aside)
            group.move(tmp, ctx.dest_name)
            moved_in = True
        except BaseException:
            _rollback(ctx, f, group, tmp, aside, moved_in, out, attached)
            raise
        # the new dataset is in place: what follows cannot undo it
        if aside:
            try:
                old = group[aside]
                _detach(old, old_scales)
                del group[aside]
            except Exception as exc:
                raise H5GuiError(f"{ctx.dest} was replaced, but the old data could not be deleted "
                                 f"(it is still there as {join(ctx.parent, aside)}): {exc}") from exc
        f.flush()
        storage = int(out.id.get_storage_size())
    return TransformReport(
        file=ctx.file, dest=ctx.dest, out_shape=ctx.geo.out_shape, out_dtype=ctx.out_dtype.name,
        seconds=time.perf_counter() - t0, nbytes_in=n * ctx.in_dtype.itemsize,
        nbytes_out=n * ctx.out_dtype.itemsize, stats=report_stats, storage_bytes=storage, passes=passes,
        warnings=tuple(dict.fromkeys(w for w in ctx.warnings if not w.startswith("the preview"))),
    )


def _rollback(ctx: _Ctx, f: h5py.File, group: h5py.Group, tmp: str, aside: str, moved_in: bool,
              out: h5py.Dataset | None, attached: Sequence[tuple[int, h5py.Dataset]]) -> None:
    """Put the file back as it was: old dataset under its name, no partial output, no scale links."""
    try:
        if aside:
            if moved_in:
                group.move(ctx.dest_name, tmp)
            if links.link_info(group.id, ctx.dest_name) is None:
                group.move(aside, ctx.dest_name)
        if out is not None and out.id.valid and attached:
            _detach(out, attached)
        if links.link_info(group.id, tmp) is not None:
            del group[tmp]
        f.flush()
    except Exception as exc:  # pragma: no cover - nothing more to do
        log.error("could not clean up after a failed transform of %s: %s", ctx.source, exc)


# ---------------------------------------------------------------------------------------------
# preview


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
        ctx, src = _prepare(f, spec)
        geo = ctx.geo
        if ctx.mode in _STAT_MODES:
            stats = _sample_statistics(ctx, src) if ctx.n else _affine(None, spec, None, {}, ctx.n_channels, [])
        else:
            stats = _affine(ctx.mode, spec, None, {}, ctx.n_channels, [])
        ctx.spec = TransformSpec(**{**asdict(spec), "overflow": "clip"})
        num = _Numerics(ctx, stats)
        before = _sample(src, geo.in_shape, index, "source")
        if not geo.out_shape:
            lo: tuple[int, ...] = ()
            hi: tuple[int, ...] = ()
            out_n = 1
        else:
            n0 = geo.out_shape[0]
            i = _index(index, n0, "output")
            a = geo.perm[0]
            lo = tuple(i if ax == a else 0 for ax in range(len(geo.mid)))
            hi = tuple(i + 1 if ax == a else m for ax, m in enumerate(geo.mid))
            out_n = _prod(geo.out_shape[1:])
        if out_n > PREVIEW_MAX_ELEMS:
            raise BadRequestError(f"one output sample has {out_n:,} values: too many to preview")
        x = _read_mid_box(src, geo, lo, hi, ctx.in_dtype)
        y = np.empty(x.shape, dtype=ctx.out_dtype)
        work = np.empty(max(1, x.size), dtype=np.float64)
        mask = np.empty(max(1, x.size), dtype=bool)
        if x.size:
            num.apply(x, y, work, mask, lo, hi)
        after = y.transpose(geo.perm) if geo.permuted else y
        if geo.out_shape:
            after = after[0]
        return before, np.array(after, order="C")


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
    if _prod(shape[1:]) > PREVIEW_MAX_ELEMS:
        raise BadRequestError(f"one source sample has {_prod(shape[1:]):,} values: too many to preview")
    return np.asarray(ds[i])


def estimate_storage(spec: TransformSpec, max_bytes: int = 8 * 2**20) -> int:
    """The output's size on disk, estimated by transforming and storing up to ``max_bytes`` of it.

    Without compression this is the plan's ``estimated_bytes``. With compression, samples spread over
    the data are transformed and written with the same chunks and filter into an in-memory file.
    """
    with files.open_file(spec.file) as f:
        ctx, src = _prepare(f, spec)
        total = ctx.n * ctx.out_dtype.itemsize
        if not ctx.comp_kw or not total or ctx.chunks is None:
            return total
        stats = (_sample_statistics(ctx, src) if ctx.mode in _STAT_MODES
                 else _affine(ctx.mode, spec, None, {}, ctx.n_channels, []))
        ctx.spec = TransformSpec(**{**asdict(spec), "overflow": "clip"})
        num = _Numerics(ctx, stats)
        geo = ctx.geo
        # whole chunk rows along the first output axis, a few of them spread over the data
        c0 = ctx.chunks[0]
        row = _prod(geo.out_shape[1:]) * c0 * ctx.out_dtype.itemsize
        n_rows = -(-geo.out_shape[0] // c0)
        picks = sorted(set(np.linspace(0, n_rows - 1, max(1, min(n_rows, max_bytes // max(row, 1)))).astype(int)))
        stored = raw = 0
        with h5py.File(f"h5gui-estimate-{secrets.token_hex(4)}", "w", driver="core", backing_store=False) as mem:
            for p in picks:
                a = p * c0
                b = min(a + c0, geo.out_shape[0])
                if _prod(geo.out_shape[1:]) * (b - a) > 64 * 2**20 // max(1, ctx.out_dtype.itemsize):
                    continue
                ax = geo.perm[0]
                lo = tuple(a if i == ax else 0 for i in range(len(geo.mid)))
                hi = tuple(b if i == ax else m for i, m in enumerate(geo.mid))
                x = _read_mid_box(src, geo, lo, hi, ctx.in_dtype)
                y = np.empty(x.shape, dtype=ctx.out_dtype)
                num.apply(x, y, np.empty(max(1, x.size)), np.empty(max(1, x.size), dtype=bool), lo, hi)
                y = np.ascontiguousarray(y.transpose(geo.perm) if geo.permuted else y)
                chunks = tuple(min(c, s) for c, s in zip(ctx.chunks, y.shape, strict=True))
                d = mem.create_dataset(f"s{p}", data=y, chunks=chunks, **ctx.comp_kw)
                stored += d.id.get_storage_size()
                raw += y.nbytes
        if not raw:
            return total
        return int(total * stored / raw)


__all__ = [
    "TransformPlan", "TransformReport", "TransformSpec", "estimate_storage", "plan_transform",
    "preview_transform", "run_transform", "suggest_dest",
]

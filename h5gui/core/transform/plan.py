"""Planning: a :class:`TransformSpec` checked against the open file becomes a :class:`Context` (all
that a run needs) and a :class:`TransformPlan` (the dry run the user sees)."""

from __future__ import annotations

import logging
import math
import posixpath
from dataclasses import dataclass, field
from typing import Any

import h5py
import numpy as np

from h5gui.core import preview
from h5gui.core.errors import BadRequestError, H5GuiError
from h5gui.core.h5 import files, links, safety
from h5gui.core.h5.dataset_io import is_dimension_scale
from h5gui.core.paths import join, normalize_path
from h5gui.core.text import format_bytes, shape_text
from h5gui.core.transform.chunks import choose_chunks, compression_of
from h5gui.core.transform.dtypes import int_range, may_overflow, source_dtype, target_dtype, value_range
from h5gui.core.transform.geometry import Geometry, check_axis, geometry_of, prod
from h5gui.core.transform.names import suggest_dest_in
from h5gui.core.transform.records import (
    NORMALIZE_MODES,
    OVERFLOW_POLICIES,
    ROUNDING_MODES,
    STAT_MODES,
    TransformPlan,
    TransformSpec,
)

log = logging.getLogger(__name__)

BLOCK_BYTES = 64 * 2**20  # one block: its input and its output buffer (two blocks are in memory)
PIECE_ELEMS = 1 << 18  # float64 work piece: 2 MiB, stays in cache


@dataclass
class Context:
    """Everything :func:`run_transform` needs, checked."""

    spec: TransformSpec
    file: str
    source: str
    dest: str
    parent: str
    dest_name: str
    geo: Geometry
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
    block_elems: int = 0  # elements of one block (set by the plan from BLOCK_BYTES)
    piece_elems: int = 0  # elements of one float64 work piece (PIECE_ELEMS)
    align: int = 1
    values_change: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return prod(self.geo.in_shape)


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


def _image_rule(ds: h5py.Dataset, geo: Geometry, warnings: list[str]) -> str:
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


def _scale_rule(ds: h5py.Dataset, geo: Geometry, replace: bool, warnings: list[str]) -> list[tuple[int, int]]:
    if replace and is_dimension_scale(ds) and "REFERENCE_LIST" in ds.attrs:
        raise BadRequestError(f"{ds.name} is a dimension scale of other datasets: replacing it would leave "
                              "them pointing at nothing; write a new dataset instead")
    if "DIMENSION_LIST" not in ds.attrs and "DIMENSION_LABELS" not in ds.attrs:
        return []
    kept: list[tuple[int, int]] = []
    dropped = []
    for j in range(len(geo.in_shape)):
        try:
            has = len(ds.dims[j]) > 0 or bool(ds.dims[j].label)
        except Exception:  # a broken dimension list: nothing to carry over on this axis
            log.debug("dimension scales of axis %d of %s unreadable", j, ds.name, exc_info=True)
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


def prepare(f: h5py.File, spec: TransformSpec) -> tuple[Context, h5py.Dataset]:
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
    in_dt = source_dtype(obj, path)
    out_dt = target_dtype(spec, in_dt)
    geo = geometry_of(spec, tuple(obj.shape))
    warnings: list[str] = []
    steps = list(geo.steps)
    mode = spec.normalize
    # channels
    channel_mid: int | None = None
    n_channels = 1
    if spec.per_channel and mode in STAT_MODES:
        if not geo.out_shape:
            raise BadRequestError("per-channel statistics need an output with axes")
        q = check_axis(int(spec.channel_axis), len(geo.out_shape), "channel axis")
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
    if mode in STAT_MODES:
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
    if mode in STAT_MODES or mode == "scale":
        steps.append("store scale and offset (x = y * scale + offset) as attributes")
    rounds = out_dt.kind in "iu" and (in_dt.kind == "f" or mode is not None)
    if rounds:
        steps.append({"round": "round to the nearest integer (halves to even)", "floor": "round down (floor)",
                      "ceil": "round up (ceil)", "trunc": "round towards zero (trunc)"}[spec.rounding])
    if out_dt != in_dt or mode is not None:
        lo, hi = (int_range(out_dt) if out_dt.kind in "iu" else value_range(out_dt))
        if may_overflow(in_dt, out_dt, mode, spec):
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
        if mode in STAT_MODES and out_dt.kind in "iu":
            warnings.append(f"normalized values are small: {out_dt.name} keeps only their integer part")
    if in_dt.itemsize == 8 and in_dt.kind in "iu" and (mode is not None or out_dt.kind == "f"):
        warnings.append(f"{in_dt.name} values beyond 2**53 lose precision in float64 arithmetic")
    # storage
    in_chunks = obj.chunks
    chunks = choose_chunks(spec, geo, out_dt.itemsize, in_chunks, warnings)
    comp_kw, comp_text = compression_of(spec, chunks)
    if spec.shuffle and not comp_kw.get("shuffle") and comp_kw:
        warnings.append(f"shuffle is built into {comp_text}")
    storage = ("chunks " + shape_text(chunks) + f" ({format_bytes(prod(chunks) * out_dt.itemsize)})"
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
    if mode in STAT_MODES:
        warnings.append("the preview estimates statistics from a sample; the run computes them on all the data")
    ctx = Context(spec=spec, file=file, source=source, dest=dest, parent=parent, dest_name=dest_name, geo=geo,
                  in_dtype=in_dt, out_dtype=out_dt, chunks=chunks, in_chunks=in_chunks, comp_kw=comp_kw,
                  comp_text=comp_text, mode=mode, channel_mid=channel_mid, n_channels=n_channels, steps=steps,
                  warnings=warnings, passes=passes, image=image, scales=scales, rounds=rounds,
                  values_change=values_change)
    _block_layout(ctx)
    return ctx, obj


def _lcm(a: int, b: int) -> int:
    return a * b // math.gcd(a, b) if a and b else max(a, b)


def _block_layout(ctx: Context) -> None:
    """Block size and the alignment of blocks to the source's and the output's chunks."""
    geo = ctx.geo
    per = ctx.in_dtype.itemsize + ctx.out_dtype.itemsize
    ctx.block_elems = max(1, BLOCK_BYTES // per)
    ctx.piece_elems = PIECE_ELEMS
    mid = geo.mid
    if not mid:
        return
    k = 0
    while k < len(mid) - 1 and prod(mid[k + 1:]) > ctx.block_elems:
        k += 1
    step = max(1, ctx.block_elems // max(1, prod(mid[k + 1:])))
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


def _plan_from(ctx: Context) -> TransformPlan:
    n = ctx.n
    elems = min(n, max(1, ctx.block_elems)) if n else 0
    return TransformPlan(
        spec=ctx.spec, dest=ctx.dest, in_shape=ctx.geo.in_shape, in_dtype=ctx.in_dtype.name,
        out_shape=ctx.geo.out_shape, out_dtype=ctx.out_dtype.name, out_chunks=ctx.chunks,
        compression=ctx.comp_text, estimated_bytes=n * ctx.out_dtype.itemsize, passes=ctx.passes,
        steps=tuple(ctx.steps), warnings=tuple(dict.fromkeys(ctx.warnings)), source=ctx.source,
        memory_bytes=2 * elems * (ctx.in_dtype.itemsize + ctx.out_dtype.itemsize) + min(elems, ctx.piece_elems) * 17,
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
        ctx, _ = prepare(f, spec)
        return _plan_from(ctx)

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
from h5gui.core.preview.choose import default_axes
from h5gui.core.preview.common import kind_of
from h5gui.core.text import format_bytes, shape_text
from h5gui.core.transform.chunks import choose_chunks, compression_of
from h5gui.core.transform.dtypes import int_range, may_overflow, source_dtype, target_dtype, value_range
from h5gui.core.transform.geometry import Geometry, check_axis, geometry_of, prod
from h5gui.core.transform.names import suggest_dest_in
from h5gui.core.transform.records import (
    MOMENT_MODES,
    NORMALIZE_MODES,
    OVERFLOW_POLICIES,
    ROUNDING_MODES,
    STAT_MODES,
    TransformPlan,
    TransformSpec,
    constants_of,
    guess_channel_axis,
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
    channel_out: int | None = None  # output axis of the channels (per-channel values)

    @property
    def n(self) -> int:
        return prod(self.geo.in_shape)


def _check_spec_fields(spec: TransformSpec) -> None:
    if spec.overflow not in OVERFLOW_POLICIES:
        raise BadRequestError(f"unknown overflow policy {spec.overflow!r}: use clip or refuse")
    if spec.rounding not in ROUNDING_MODES:
        raise BadRequestError(f"unknown rounding {spec.rounding!r}: use {', '.join(ROUNDING_MODES)}")
    mode = spec.normalize
    if mode is not None and mode not in NORMALIZE_MODES:
        raise BadRequestError(f"unknown normalization {mode!r}: use {', '.join(NORMALIZE_MODES)}")
    if mode == "scale" and spec.scale is None:
        raise BadRequestError("normalize 'scale' needs the value to divide by (e.g. scale=255)")
    if mode == "scale" and not isinstance(spec.scale, int | float):
        raise BadRequestError("normalize 'scale' divides by one value: per-channel values go with 'affine'")
    if mode == "meanstd" and (spec.mean is None or spec.std is None):
        raise BadRequestError("normalize 'meanstd' needs a mean and a std (one value, or one per channel)")
    if mode == "affine" and spec.offset is None and spec.scale is None:
        raise BadRequestError("normalize 'affine' needs an offset and a scale: y = (x - offset) / scale")
    for name in ("scale", "offset", "mean", "std"):
        if getattr(spec, name) is not None and not _used(mode, name):
            raise BadRequestError(f"a {name} goes with normalize {_users(name)}, not {mode!r}")
    consts = constants_of(spec)
    if consts is not None:
        offset, scale = consts
        if not offset or not scale:
            raise BadRequestError(f"normalize {mode!r}: give at least one value for each constant")
        if len(offset) > 1 and len(scale) > 1 and len(offset) != len(scale):
            raise BadRequestError(f"normalize {mode!r}: {len(offset)} offsets (means) but {len(scale)} scales (stds)")
        if not all(math.isfinite(v) for v in offset + scale):
            raise BadRequestError(f"normalize {mode!r}: the constants must be finite numbers")
        if any(v == 0 for v in scale):
            raise BadRequestError(f"normalize {mode!r}: cannot divide by 0 (a scale or std is 0)")
    if spec.stats_from is not None and mode not in MOMENT_MODES:
        raise BadRequestError(f"statistics from another dataset go with {', '.join(MOMENT_MODES)}, not "
                              f"{mode or 'no normalization'}")
    if mode == "clip-percentiles":
        lo, hi = (float(v) for v in spec.percentiles)
        if not 0 <= lo < hi <= 100:
            raise BadRequestError(f"percentiles {lo:g}, {hi:g}: need 0 <= low < high <= 100")


_USERS = {"scale": ("scale", "affine"), "offset": ("affine",), "mean": ("meanstd",), "std": ("meanstd",)}


def _used(mode: str | None, name: str) -> bool:
    return mode in _USERS[name]


def _users(name: str) -> str:
    return " or ".join(repr(m) for m in _USERS[name])


def _stats_source(f: h5py.File, spec: TransformSpec, src: h5py.Dataset, file: str) -> list[str]:
    """Check the dataset that ``stats_from`` names: numbers, samples of the source's shape."""
    path = normalize_path(str(spec.stats_from))
    other = links.open_object(f, path, file)
    if not isinstance(other, h5py.Dataset):
        raise BadRequestError(f"statistics from {path}: not a dataset")
    safety.check_data_access(other, file, spec.allow_external)
    preview.check_filters(other, path)
    source_dtype(other, path)
    if other.shape is None or tuple(other.shape[1:]) != tuple(src.shape[1:]) or not other.shape:
        raise BadRequestError(f"statistics from {path} {shape_text(other.shape)}: its samples must have the "
                              f"shape of the source's {shape_text(src.shape)} (all but the first axis)")
    if "normalization" in other.attrs:
        return [f"{path} is normalized already: the statistics stored with it (those of its source) are used"]
    return []


def channel_out_axis(ds: h5py.Dataset, spec: TransformSpec, geo: Geometry) -> int | None:
    """The output axis of the channels: ``spec.channel_axis``, else the data's own (the HDF5 image
    attributes or the shape, followed through the moves), else None."""
    if not geo.out_shape:
        return None
    if spec.channel_axis is not None:
        return check_axis(int(spec.channel_axis), len(geo.out_shape), "channel axis")
    j = data_channel_axis(ds, geo.in_shape)
    if j is None or j not in geo.out_map:
        return None
    return geo.out_map.index(j)


def data_channel_axis(ds: h5py.Dataset, shape: tuple[int, ...]) -> int | None:
    """The data's own channel axis: the HDF5 image attributes or the shape (:func:`guess_channel_axis`),
    else the colour axis the image preview draws, so that a channels-first ``(3|4, H, W)`` picture of
    8-bit values is per colour in statistics and normalizations, as it is shown."""
    interlace = preview.attr_text(ds.attrs, "INTERLACE_MODE") \
        if preview.attr_text(ds.attrs, "CLASS") == "IMAGE" else ""
    axis = guess_channel_axis(shape, interlace)
    if axis is None and len(shape) >= 3:
        axes, rgb, _ = default_axes(ds, shape, kind_of(ds.dtype))
        if rgb and axes is not None and axes[2] is not None:
            axis = axes[2]
    return axis


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


def prepare(f: h5py.File, spec: TransformSpec, *, work: str = "transform") -> tuple[Context, h5py.Dataset]:
    """Check ``spec`` against the open file; raise :class:`BadRequestError` with the reason (``work``:
    what the checks are for, in the messages: 'transform', or 'statistics' for the statistics pass)."""
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
        raise BadRequestError(f"{path} is empty (no dataspace): "
                              + ("nothing to transform" if work == "transform" else f"no {work}"))
    in_dt = source_dtype(obj, path, "transform works" if work == "transform" else f"{work} are computed")
    out_dt = target_dtype(spec, in_dt)
    geo = geometry_of(spec, tuple(obj.shape))
    warnings: list[str] = []
    steps = list(geo.steps)
    mode = spec.normalize
    # channels
    channel_mid: int | None = None
    channel_out: int | None = None
    n_channels = 1
    consts = constants_of(spec)
    n_values = max(len(consts[0]), len(consts[1])) if consts else 1
    if (spec.per_channel and (mode in STAT_MODES or mode in ("meanstd", "affine"))) or n_values > 1:
        if not geo.out_shape:
            raise BadRequestError("per-channel values need an output with axes")
        q = channel_out_axis(obj, spec, geo)
        channel_out = len(geo.out_shape) - 1 if q is None else q
        channel_mid = geo.perm[channel_out]
        n_channels = geo.out_shape[channel_out]
        if n_channels > 65536:
            raise BadRequestError(f"axis {channel_out} has {n_channels:,} entries: too many channels "
                                  "for per-channel statistics")
        if n_values > 1 and n_values != n_channels:
            raise BadRequestError(f"normalize {mode}: {n_values} values per channel, but the channel axis "
                                  f"{channel_out} of the output {shape_text(geo.out_shape)} has {n_channels} entries"
                                  " (choose the channel axis)")
    elif spec.per_channel:
        warnings.append("per channel has no effect " + ("on a constant scale" if mode == "scale"
                                                        else "without a normalization"))
    # numbers
    passes = 1
    what = f"per channel along output axis {channel_out}" if channel_mid is not None else ""
    if mode in STAT_MODES:
        passes = 2
        stats_words = {"minmax": "min, max", "minmax-1": "min, max", "zscore": "mean, std",
                       "clip-percentiles": f"percentiles {spec.percentiles[0]:g} and {spec.percentiles[1]:g}"}[mode]
        origin = f"of {spec.stats_from}" if spec.stats_from else "a first pass over the data"
        steps.append(f"statistics ({stats_words}{', ' + what if what else ''}): {origin}")
        if mode == "clip-percentiles":
            passes = 4  # moments, then usually 2 histogram passes (at most 4)
    if spec.stats_from:
        warnings.extend(_stats_source(f, spec, obj, file))
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
    elif consts is not None:
        a, b = (", ".join(f"{v:g}" for v in c) for c in consts)
        steps.append(f"(x - [{a}]) / [{b}]" + (f" {what}" if what else ""))
    if mode is not None:
        steps.append("store scale and offset (x = y * scale + offset) and the statistics (min, max, mean, std) "
                     "as attributes")
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
                  values_change=values_change, channel_out=channel_out)
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

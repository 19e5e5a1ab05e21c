"""The records of a transform: what the user asks (:class:`TransformSpec`), what will be done
(:class:`TransformPlan`) and what was done (:class:`TransformReport`), and the words of the request.

Imports neither h5py nor Pillow: the GUI builds specs and shows plans and reports without them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from h5gui.core import codecs

NORMALIZE_MODES = ("scale", "minmax", "minmax-1", "zscore", "clip-percentiles", "meanstd", "affine")
STAT_MODES = ("minmax", "minmax-1", "zscore", "clip-percentiles")  # the normalizations that need statistics
CONSTANT_MODES = ("scale", "meanstd", "affine")  # the normalizations by given constants
MOMENT_MODES = ("minmax", "minmax-1", "zscore")  # those whose statistics can come from another dataset
# presets of the wizard: name -> (mean, std) per RGB channel, for data scaled to [0, 1]
MEANSTD_PRESETS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
}
OVERFLOW_POLICIES = ("clip", "refuse")
ROUNDING_MODES = ("round", "floor", "ceil", "trunc")
CHUNK_PRESETS = ("auto", "sample", "frame", "keep")
COMPRESSIONS = codecs.NAMES


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
    # None | 'scale' | 'minmax' | 'minmax-1' | 'zscore' | 'clip-percentiles' | 'meanstd' | 'affine'
    normalize: str | None = None
    scale: float | tuple[float, ...] | None = None  # 'scale': divide by this (e.g. 255); 'affine': y = (x - offset) / scale
    offset: float | tuple[float, ...] | None = None  # 'affine' (one value, or one per channel)
    mean: tuple[float, ...] | None = None  # 'meanstd': y = (x - mean) / std (one value, or one per channel)
    std: tuple[float, ...] | None = None
    stats_from: str | None = None  # minmax, minmax-1, zscore: statistics of this dataset (same file) instead
    per_channel: bool = False  # per-channel statistics (implied by per-channel constants)
    channel_axis: int | None = None  # axis of the OUTPUT that holds channels; None: the data's (see plan)
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
        d["spec"] = spec_json(self.spec)
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


def guess_channel_axis(shape: tuple[int, ...], interlace: str = "") -> int | None:
    """The axis of ``shape`` that holds colour channels, as the data says: the HDF5 image attributes'
    ``INTERLACE_MODE`` (``INTERLACE_PIXEL``: last, ``INTERLACE_PLANE``: third from last), else a last
    axis of 1, 3 or 4 entries (``(N, H, W, C)``), else axis 1 of 3 or 4 entries in ``(N, C, H, W)``;
    None: no channel axis (a wizard then adds none, and "per channel" falls back to the last axis).
    """
    r = len(shape)
    if r < 3:
        return None
    if interlace == "INTERLACE_PIXEL":
        return r - 1
    if interlace == "INTERLACE_PLANE":
        return r - 3
    if shape[-1] in (1, 3, 4):
        return r - 1
    if r == 4 and shape[1] in (1, 3, 4):
        return 1
    return None


def constants_of(spec: TransformSpec) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """``(offset, scale)`` of a normalization by constants (``y = (x - offset) / scale``), else None."""
    def values(v: float | tuple[float, ...] | None, default: float) -> tuple[float, ...]:
        if v is None:
            return (default,)
        if isinstance(v, int | float):
            return (float(v),)
        return tuple(float(x) for x in v)

    if spec.normalize == "scale":
        return (0.0,), values(spec.scale, 1.0)
    if spec.normalize == "meanstd":
        return values(spec.mean, 0.0), values(spec.std, 1.0)
    if spec.normalize == "affine":
        return values(spec.offset, 0.0), values(spec.scale, 1.0)
    return None


def spec_json(spec: TransformSpec) -> dict[str, Any]:
    """``spec`` as JSON-ready values (tuples as lists)."""
    d = asdict(spec)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}

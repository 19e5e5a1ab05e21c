"""Reshape, cast, normalize and rechunk a dataset of any size, out of core, without risk to the file.

A :class:`TransformSpec` (the user's request) becomes a :class:`TransformPlan` (:func:`plan_transform`,
metadata only: every impossible request is refused here, with the reason), a before/after sample
(:func:`preview_transform`) and finally a job (:func:`run_transform`) that yields :class:`Progress`
and returns a :class:`TransformReport`.

Operations, in this order (they compose in one pass):

1. shape: ``reshape`` (one ``-1`` allowed), ``squeeze`` (remove size-1 axes), ``add_axis``,
   then ``move_axis`` and ``transpose`` (numpy's semantics, each on the result of the previous one);
2. values, in float64: ``clip-percentiles`` clips first, then ``y = (x - offset) / scale``, with
   ``offset`` and ``scale`` from the statistics of the data (``minmax``, ``minmax-1``, ``zscore``,
   ``clip-percentiles``), of another dataset (``stats_from``: the train set's for the validation set),
   or given (``scale``: divide by a constant; ``meanstd``: ``(x - mean) / std``, one value or one per
   channel, :data:`MEANSTD_PRESETS` has ImageNet's; ``affine``: given offset and scale);
3. cast to ``dtype`` at the end: float -> int rounds (``rounding``), values that do not fit are
   clipped or refused (``overflow``) with their count and the first one's index in the source.

Per channel: along the output axis ``channel_axis``, or when None the data's own channel axis
(:func:`guess_channel_axis`: the HDF5 image attributes or the shape) followed through the moves.
:func:`default_spec` gives a wizard defaults that follow the data; :func:`run_transforms` runs several
specs in one job (statistics of a shared ``stats_from`` computed once).

Normalizations store how to invert them as attributes of the output: ``x = y * scale + offset``
(``scale``, ``offset``, and the statistics they come from: ``min``, ``max``, ``mean``, ``std``,
``clip_min``, ``clip_max``; arrays along ``channel_axis`` when per channel). Statistics come from
a first streaming pass (or, for constants, from the writing pass itself: every normalization stores
them; exact min/max; mean and variance per piece combined with Chan's formula;
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

Modules: :mod:`~.records` (spec, plan, report; no h5py), :mod:`~.geometry` (shapes, axes, tiles),
:mod:`~.dtypes` (dtypes and their ranges), :mod:`~.chunks` (chunks, compression), :mod:`~.names`
(free output names), :mod:`~.plan` (checks, :func:`plan_transform`), :mod:`~.stats` (moments,
percentiles), :mod:`~.numerics` (the arithmetic), :mod:`~.passes` (blocks over the data),
:mod:`~.parallel_gzip`, :mod:`~.attrs` (the output's attributes), :mod:`~.run` (:func:`run_transform`),
:mod:`~.preview` (:func:`preview_transform`, :func:`estimate_storage`). The names below are loaded
from them on first use, so that importing :mod:`~.records` alone does not import h5py. Constants
such as ``BLOCK_BYTES`` are read where they are defined: to change one, set it there
(``transform.plan.BLOCK_BYTES``); setting the package's attribute changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy

_EXPORTS = {
    "CHUNK_PRESETS": "records", "COMPRESSIONS": "records", "NORMALIZE_MODES": "records",
    "CONSTANT_MODES": "records", "MEANSTD_PRESETS": "records", "MOMENT_MODES": "records",
    "constants_of": "records", "guess_channel_axis": "records", "default_spec": "defaults",
    "run_transforms": "run", "channel_out_axis": "plan",
    "OVERFLOW_POLICIES": "records", "ROUNDING_MODES": "records", "STAT_MODES": "records",
    "TransformPlan": "records", "TransformReport": "records", "TransformSpec": "records",
    "CHUNK_MAX": "chunks", "CHUNK_TARGET": "chunks", "auto_chunks": "chunks",
    "suggest_dest": "names", "suggest_dest_in": "names",
    "BLOCK_BYTES": "plan", "PIECE_ELEMS": "plan", "plan_transform": "plan",
    "HIST_BITS": "stats",
    "OUTPUT_CACHE_BYTES": "run", "run_transform": "run",
    "PREVIEW_MAX_ELEMS": "preview", "SAMPLE_ELEMS": "preview", "estimate_storage": "preview",
    "preview_transform": "preview",
}


__getattr__, __dir__ = lazy.exports(__name__, lazy.by_module(_EXPORTS))


if TYPE_CHECKING:
    from h5gui.core.transform.chunks import CHUNK_MAX, CHUNK_TARGET, auto_chunks
    from h5gui.core.transform.defaults import default_spec
    from h5gui.core.transform.names import suggest_dest, suggest_dest_in
    from h5gui.core.transform.plan import BLOCK_BYTES, PIECE_ELEMS, channel_out_axis, plan_transform
    from h5gui.core.transform.preview import PREVIEW_MAX_ELEMS, SAMPLE_ELEMS, estimate_storage, preview_transform
    from h5gui.core.transform.records import (
        CHUNK_PRESETS,
        COMPRESSIONS,
        CONSTANT_MODES,
        MEANSTD_PRESETS,
        MOMENT_MODES,
        NORMALIZE_MODES,
        OVERFLOW_POLICIES,
        ROUNDING_MODES,
        STAT_MODES,
        TransformPlan,
        TransformReport,
        TransformSpec,
        constants_of,
        guess_channel_axis,
    )
    from h5gui.core.transform.run import OUTPUT_CACHE_BYTES, run_transform, run_transforms
    from h5gui.core.transform.stats import HIST_BITS

__all__ = [
    "CONSTANT_MODES", "MEANSTD_PRESETS", "MOMENT_MODES", "channel_out_axis", "constants_of", "default_spec",
    "guess_channel_axis", "run_transforms",
    "BLOCK_BYTES", "CHUNK_MAX", "CHUNK_PRESETS", "CHUNK_TARGET", "COMPRESSIONS", "HIST_BITS", "NORMALIZE_MODES",
    "OUTPUT_CACHE_BYTES", "OVERFLOW_POLICIES", "PIECE_ELEMS", "PREVIEW_MAX_ELEMS", "ROUNDING_MODES", "SAMPLE_ELEMS",
    "STAT_MODES", "TransformPlan", "TransformReport", "TransformSpec", "auto_chunks", "estimate_storage",
    "plan_transform", "preview_transform", "run_transform", "suggest_dest", "suggest_dest_in",
]

"""Running a transform: the job that writes the output under a temporary name, moves it into place
(``replace``: the source aside first, deleted last) and puts everything back on cancel or error."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core.errors import BadRequestError, H5GuiError
from h5gui.core.h5 import files, links
from h5gui.core.h5.dataset_io import free_space, storage_size
from h5gui.core.paths import join, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.text import format_bytes
from h5gui.core.transform.attrs import (
    attach_scales,
    copy_attrs,
    detach_scales,
    source_scales,
    temp_name,
    write_provenance,
)
from h5gui.core.transform.geometry import prod
from h5gui.core.transform.numerics import Numerics
from h5gui.core.transform.passes import Buffers, statistics, write_pass
from h5gui.core.transform.plan import Context, plan_transform, prepare
from h5gui.core.transform.records import CONSTANT_MODES, STAT_MODES, TransformReport, TransformSpec
from h5gui.core.transform.stats import Collector, Moments, Stats, affine

log = logging.getLogger(__name__)

OUTPUT_CACHE_BYTES = 32 * 2**20  # chunk cache of the output when blocks cannot be chunk-aligned


def _check_space(ctx: Context, f: h5py.File) -> None:
    """Refuse an uncompressed output that cannot fit (the file's own free space counts)."""
    if ctx.comp_kw:
        return
    need = ctx.n * ctx.out_dtype.itemsize
    try:
        free = shutil.disk_usage(os.path.dirname(os.path.abspath(ctx.file))).free
        free += free_space(f)  # space of deleted objects HDF5 still tracks
    except (OSError, RuntimeError):  # pragma: no cover - defensive
        return
    if need > free:
        raise BadRequestError(f"not enough disk space: the output needs {format_bytes(need)}, "
                              f"{format_bytes(free)} are free")


def run_transforms(specs: Sequence[TransformSpec]) -> Job[list[TransformReport]]:
    """Job: :func:`run_transform` of each spec in turn (the wizard's multi-selection, the CLI's several
    paths); every spec is planned first, so a bad one refuses the run before anything is written.
    Statistics taken from another dataset (``stats_from``) are computed once for all of them.

    Progress is each run's, with the message prefixed by the dataset (``/val/images: writing``).
    """
    for spec in specs:
        plan_transform(spec)
    cache: dict[tuple[Any, ...], Stats] = {}
    reports: list[TransformReport] = []
    for spec in specs:
        job = run_transform(spec, _stats_cache=cache)
        try:
            while True:
                try:
                    p = next(job)
                except StopIteration as stop:
                    reports.append(stop.value)
                    break
                yield Progress(p.done, p.total, p.unit, f"{spec.source}: {p.message}" if len(specs) > 1 else p.message,
                               nbytes=p.nbytes)
        finally:
            job.close()  # a cancel closes the running transform now: its partial output is removed
    return reports


def run_transform(spec: TransformSpec, *, _stats_cache: dict[tuple[Any, ...], Stats] | None = None
                  ) -> Job[TransformReport]:
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
        ctx, src = prepare(f, spec)
        _check_space(ctx, f)
        n = ctx.n
        elems = min(n, ctx.block_elems) if n else 0
        bufs = Buffers(ctx, elems)
        total = float(n * ctx.passes)
        stats = affine(ctx.mode, spec, None, {}, ctx.n_channels, ctx.warnings) if ctx.mode not in STAT_MODES \
            else None
        yield Progress(0, total, "elements", "starting", nbytes=0)
        if stats is None:
            if spec.stats_from:
                stats = yield from other_statistics(ctx, f, _stats_cache)
            elif n:
                stats = yield from statistics(ctx, src, bufs, total)
            else:
                stats = affine(ctx.mode, spec, Moments(ctx.n_channels), {float(p): np.full(ctx.n_channels, np.nan)
                                                                           for p in spec.percentiles},
                                ctx.n_channels, ctx.warnings)
        passes = 1 + int(ctx.extra.get("stat_passes", 0))
        before = float(ctx.extra.get("stats_from_elements", 0))  # progress of a pass over stats_from
        total = float(n * passes) + before
        base = float(n * (passes - 1)) + before
        num = Numerics(ctx, stats)
        if ctx.mode in CONSTANT_MODES:
            num.collector = Collector(ctx.in_dtype, ctx.n_channels, ctx.channel_mid)
        group = f[ctx.parent]
        tmp = temp_name(group, ctx.dest_name, "partial")
        aside = ""
        attached: list[tuple[int, h5py.Dataset]] = []
        moved_in = False
        out: h5py.Dataset | None = None
        try:
            kw: dict[str, Any] = dict(ctx.comp_kw)
            if ctx.chunks is not None:
                kw["chunks"] = ctx.chunks
                chunk_bytes = prod(ctx.chunks) * ctx.out_dtype.itemsize
                kw["rdcc_nbytes"] = max(2**20, min(OUTPUT_CACHE_BYTES, 8 * chunk_bytes))
                kw["rdcc_nslots"] = 10007
            out = group.create_dataset(tmp, shape=ctx.geo.out_shape, dtype=ctx.out_dtype, track_order=True, **kw)
            if n:
                yield from write_pass(ctx, src, out, f, num, bufs, base, total)
            if num.bad and num.policy == "refuse":
                raise num.refusal()
            if num.collector is not None:
                stats.moments = num.collector.result()
            report_stats = stats.attrs(ctx.channel_mid is not None) if ctx.mode else {}
            if num.bad:
                report_stats["clipped"] = num.bad
                ctx.warnings.append(f"{num.bad:,} values did not fit in {ctx.out_dtype.name}: clipped")
            copy_attrs(ctx, src, out)
            write_provenance(ctx, out, stats, report_stats)
            attached = attach_scales(ctx, src, out)
            f.flush()
            old_scales = source_scales(src) if spec.replace else []
            if spec.replace:
                aside = temp_name(group, ctx.dest_name, "old")
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
                detach_scales(old, old_scales)
                del group[aside]
            except Exception as exc:
                raise H5GuiError(f"{ctx.dest} was replaced, but the old data could not be deleted "
                                 f"(it is still there as {join(ctx.parent, aside)}): {exc}") from exc
        f.flush()
        storage = storage_size(out)
    return TransformReport(
        file=ctx.file, dest=ctx.dest, out_shape=ctx.geo.out_shape, out_dtype=ctx.out_dtype.name,
        seconds=time.perf_counter() - t0, nbytes_in=n * ctx.in_dtype.itemsize,
        nbytes_out=n * ctx.out_dtype.itemsize, stats=report_stats, storage_bytes=storage, passes=passes,
        warnings=tuple(dict.fromkeys(w for w in ctx.warnings if not w.startswith("the preview"))),
    )


def other_statistics(ctx: Context, f: h5py.File, cache: dict[tuple[Any, ...], Stats] | None = None) -> Job[Stats]:
    """The statistics of ``spec.stats_from`` (a pass over it, yielding progress), per channel along the
    source axis that holds the output's channels; a dataset normalized by h5gui already gives the
    statistics stored with it (those of its own source)."""
    spec = ctx.spec
    path = normalize_path(str(spec.stats_from))
    other = links.open_object(f, path, ctx.file)
    axis = ctx.geo.mid_map[ctx.channel_mid] if ctx.channel_mid is not None else None
    stored = {k: np.atleast_1d(np.asarray(other.attrs[k], dtype=np.float64)) for k in ("mean", "std", "min", "max")
              if k in other.attrs}
    if "normalization" in other.attrs and len(stored) == 4:
        n_values = {len(v) for v in stored.values()}
        if n_values != {1} and n_values != {ctx.n_channels}:
            raise BadRequestError(f"the statistics stored with {path} have {max(n_values)} channels, the output "
                                  f"{ctx.n_channels}")
        m = Moments(ctx.n_channels)
        m.n[:] = 1
        m.mean[:], m.min[:], m.max[:] = stored["mean"], stored["min"], stored["max"]
        m.m2[:] = stored["std"] ** 2
        return affine(ctx.mode, spec, m, {}, ctx.n_channels, ctx.warnings)
    key = (path, ctx.mode, axis)
    if cache is not None and key in cache:
        return affine(ctx.mode, spec, cache[key].moments, {}, ctx.n_channels, ctx.warnings)
    spec2 = TransformSpec(ctx.file, path, normalize=ctx.mode, per_channel=axis is not None, channel_axis=axis,
                          dtype="float64", chunks=None, allow_external=spec.allow_external)
    ctx2, ds2 = prepare(f, spec2)
    bufs = Buffers(ctx2, min(ctx2.n, ctx2.block_elems) if ctx2.n else 0, out=False)
    other_stats = yield from statistics(ctx2, ds2, bufs, float(ctx2.n + ctx.n))
    ctx.extra["stats_from_elements"] = ctx2.n * int(ctx2.extra.get("stat_passes", 1))
    if cache is not None:
        cache[key] = other_stats
    return affine(ctx.mode, spec, other_stats.moments, {}, ctx.n_channels, ctx.warnings)


def _rollback(ctx: Context, f: h5py.File, group: h5py.Group, tmp: str, aside: str, moved_in: bool,
              out: h5py.Dataset | None, attached: Sequence[tuple[int, h5py.Dataset]]) -> None:
    """Put the file back as it was: old dataset under its name, no partial output, no scale links."""
    try:
        if aside:
            if moved_in:
                group.move(ctx.dest_name, tmp)
            if links.link_info(group.id, ctx.dest_name) is None:
                group.move(aside, ctx.dest_name)
        if out is not None and out.id.valid and attached:
            detach_scales(out, attached)
        if links.link_info(group.id, tmp) is not None:
            del group[tmp]
        f.flush()
    except Exception as exc:  # pragma: no cover - nothing more to do
        log.error("could not clean up after a failed transform of %s: %s", ctx.source, exc)

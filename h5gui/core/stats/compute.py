"""Computing a dataset's statistics out of core (:func:`compute_stats`), with the transform's block
passes and streamed statistics, and storing them as attributes."""

from __future__ import annotations

import datetime as _dt
import time
from typing import Any

import h5py
import numpy as np

from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import files, links
from h5gui.core.labels import class_names_of, is_labels
from h5gui.core.paths import normalize_path
from h5gui.core.progress import Job
from h5gui.core.stats.records import MAX_CHANNEL_HISTOGRAMS, STORED_ATTRS, DatasetStats, StatsSpec
from h5gui.core.transform.geometry import check_axis
from h5gui.core.transform.passes import Buffers, block_pass
from h5gui.core.transform.plan import data_channel_axis, prepare
from h5gui.core.transform.records import TransformSpec
from h5gui.core.transform.stats import IntCounts, Moments

LABEL_VALUES = 1 << 20  # label values counted per class: 0 .. this - 1
_STR = h5py.string_dtype()


def _edges(lo: float, hi: float, bins: int, integers: bool) -> tuple[int, tuple[float, float]]:
    """``(bins, range)`` of the histogram: one bin per value for integers of a small range."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return 0, (0.0, 0.0)
    if integers and hi - lo + 1 <= bins:
        return int(hi - lo + 1), (lo - 0.5, hi + 0.5)
    if lo == hi:
        return 1, (lo - 0.5, hi + 0.5)
    return bins, (lo, hi)


def _histogram(x: np.ndarray, bins: int, rng: tuple[float, float]) -> np.ndarray:
    """Counts of ``x`` in ``bins`` equal bins over ``rng``, in float64 (float16 data binned in its own type
    overflows past 65504); a range wider than float64 holds (values near +-1.8e308) is binned halved."""
    x = np.asarray(x, dtype=np.float64) if x.dtype.kind == "f" else x
    lo, hi = rng
    if np.isfinite(hi - lo):
        return np.histogram(x, bins=bins, range=rng)[0]
    return np.histogram(x * 0.5, bins=bins, range=(lo * 0.5, hi * 0.5))[0]


def _bin_edges(rng: tuple[float, float], bins: int) -> np.ndarray:
    """The ``bins + 1`` edges of :func:`_histogram`'s bins."""
    lo, hi = rng
    if np.isfinite(hi - lo):
        return np.linspace(lo, hi, bins + 1)
    return np.linspace(lo * 0.5, hi * 0.5, bins + 1) * 2.0


def compute_stats(spec: StatsSpec) -> Job[DatasetStats]:
    """Job: the statistics of ``spec.path`` (one pass; a second for the histogram of floats and of
    integers wider than 16 bits); returns :class:`DatasetStats`. With ``spec.store`` they are written
    as attributes of the dataset (:data:`STORED_ATTRS`; per-channel values as arrays).

    Raises
    ------
    BadRequestError
        Not a dataset of numbers; ``store`` on data normalized by h5gui (its ``mean``/``std`` describe
        its source and are kept); a bad channel axis or bin count.
    NodeNotFoundError, FileAccessError, UnsafeAccessError, FilterUnavailableError, ReadOnlyError
        The data cannot be read, or (``store``) written.
    """
    t0 = time.perf_counter()
    if not 1 <= int(spec.bins) <= 65536:
        raise BadRequestError(f"bins must be from 1 to 65536, not {spec.bins}")
    path = normalize_path(spec.path)
    with files.open_file(spec.file, write=spec.store) as f:
        obj = links.open_object(f, path, str(spec.file))
        if not isinstance(obj, h5py.Dataset):
            raise BadRequestError(f"{path} in {spec.file} is not a dataset")
        if spec.store and "normalization" in obj.attrs:
            raise BadRequestError(f"{path} was normalized by h5gui: its mean and std attributes describe its source "
                                  "and are kept (statistics not stored)")
        shape = tuple(obj.shape or ())
        axis: int | None = None
        if spec.per_channel and shape:
            if spec.channel_axis is not None:
                axis = check_axis(int(spec.channel_axis), len(shape), "channel axis")
            else:
                axis = data_channel_axis(obj, shape)
        tspec = TransformSpec(str(spec.file), path, normalize="zscore", per_channel=axis is not None,
                              channel_axis=axis, dtype="float64", chunks=None, allow_external=spec.allow_external)
        ctx, ds = prepare(f, tspec, work="statistics")
        labels = is_labels(ds)
        names = class_names_of(ds) if labels else ()
        result = yield from _passes(ctx, ds, spec, labels)
        stats = DatasetStats(file=str(spec.file), path=path, shape=shape, dtype=ctx.in_dtype.name, labels=labels,
                             class_names=names, channel_axis=axis, **result)
        if spec.store:
            _store(ds, stats)
            stats = _replace(stats, stored=True)
    return _replace(stats, seconds=time.perf_counter() - t0)


def _replace(stats: DatasetStats, **changes: Any) -> DatasetStats:
    from dataclasses import replace

    return replace(stats, **changes)


def _passes(ctx: Any, ds: h5py.Dataset, spec: StatsSpec, labels: bool) -> Job[dict[str, Any]]:
    n = ctx.n
    chans, cax = ctx.n_channels, ctx.channel_mid
    in_dt = ctx.in_dtype
    bufs = Buffers(ctx, min(n, ctx.block_elems) if n else 0, out=False)
    counts = IntCounts(chans, in_dt) if IntCounts.usable(in_dt) else None
    moments = Moments(chans) if counts is None else None
    floats = in_dt.kind == "f"
    tally = {"nan": 0}
    classes = np.zeros(0, dtype=np.int64)
    two = counts is None  # floats and wide integers need a second pass for the histogram
    total = float(n * (2 if two else 1))

    def first(block: Any) -> None:
        nonlocal classes
        for x, plo, _, _ in bufs.raw_pieces(block[0], block[1], block[2]):
            c0 = plo[cax] if cax is not None else 0
            if counts is not None:
                counts.add(x, cax, c0)
                continue
            assert moments is not None
            w = bufs.work[: x.size].reshape(x.shape)
            np.copyto(w, x, casting="unsafe")
            if floats:
                tally["nan"] += int(np.count_nonzero(np.isnan(x)))
            moments.add(w, cax, c0, bufs.mask[: x.size].reshape(x.shape), None if floats else x)
            if labels:
                v = x[(x >= 0) & (x < LABEL_VALUES)].astype(np.int64)
                if v.size:
                    got = np.bincount(v)
                    if got.size > classes.size:
                        classes = np.concatenate([classes, np.zeros(got.size - classes.size, dtype=np.int64)])
                    classes[: got.size] += got

    def nothing(block: Any) -> None:
        pass

    if n:
        yield from block_pass(ctx, ds, bufs, first, nothing, lambda: "statistics", 0, total)
    m = counts.moments() if counts is not None else moments
    assert m is not None
    finite = m.n > 0
    lo = float(m.min[finite].min()) if finite.any() else float("nan")
    hi = float(m.max[finite].max()) if finite.any() else float("nan")
    nbins, rng = _edges(lo, hi, int(spec.bins), in_dt.kind in "iub")
    hist = np.zeros(nbins, dtype=np.int64)
    split = cax is not None and 1 < chans <= MAX_CHANNEL_HISTOGRAMS  # a histogram per channel too
    per_channel = np.zeros((chans if split else 0, nbins), dtype=np.int64)
    if counts is not None:
        by_channel = counts.ordered()
        per_value = by_channel.sum(axis=0)
        values = counts.values()
        seen = per_value > 0
        if nbins:
            hist += np.histogram(values[seen], bins=nbins, range=rng, weights=per_value[seen])[0].astype(np.int64)
            for c in range(len(per_channel)):
                row = by_channel[c]
                per_channel[c] = np.histogram(values[seen], bins=nbins, range=rng, weights=row[seen])[0]
        if labels:
            nonneg = values >= 0
            classes = per_value[nonneg]
            last = np.flatnonzero(classes)
            classes = classes[: last[-1] + 1] if last.size else classes[:0]
    elif nbins and n:
        def second(block: Any) -> None:
            for x, plo, _, _ in bufs.raw_pieces(block[0], block[1], block[2]):
                if not split:
                    hist[:] += _histogram(x[np.isfinite(x)] if floats else x, nbins, rng)
                    continue
                assert cax is not None
                for c in range(x.shape[cax]):  # all channels together: their sum, below
                    xc = np.take(x, c, axis=cax)
                    per_channel[plo[cax] + c] += _histogram(xc[np.isfinite(xc)] if floats else xc, nbins, rng)

        yield from block_pass(ctx, ds, bufs, second, nothing, lambda: "histogram", float(n), total)
        if split:
            hist += per_channel.sum(axis=0)
    nonfinite = int(m.nonfinite.sum())
    edges = _bin_edges(rng, nbins) if nbins else np.zeros(0)

    def values_of(a: np.ndarray) -> tuple[float, ...]:
        return tuple(float(v) for v in a)

    return {
        "count": int(m.n.sum()), "nan": tally["nan"], "inf": nonfinite - tally["nan"], "min": values_of(m.mins()),
        "max": values_of(m.maxs()), "mean": values_of(m.means()), "std": values_of(m.std()),
        "histogram": tuple(int(v) for v in hist), "bin_edges": values_of(edges),
        "channel_histograms": tuple(tuple(int(v) for v in row) for row in per_channel),
        "class_counts": tuple(int(v) for v in classes) if labels else (),
    }


def _store(ds: h5py.Dataset, s: DatasetStats) -> None:
    """The statistics as attributes of ``ds`` (per-channel values as arrays along ``channel_axis``)."""
    def value(v: tuple[float, ...]) -> Any:
        return np.asarray(v, dtype=np.float64) if s.channel_axis is not None else np.float64(v[0])

    for name in STORED_ATTRS:
        if name in ds.attrs:
            del ds.attrs[name]
    for name in ("min", "max", "mean", "std"):
        ds.attrs[name] = value(getattr(s, name))
    ds.attrs["count"] = np.int64(s.count)
    ds.attrs["nan_count"] = np.int64(s.nan)
    ds.attrs["inf_count"] = np.int64(s.inf)
    if s.channel_axis is not None:
        ds.attrs["channel_axis"] = np.int64(s.channel_axis)
    ds.attrs["histogram"] = np.asarray(s.histogram, dtype=np.int64)
    ds.attrs["histogram_edges"] = np.asarray(s.bin_edges, dtype=np.float64)
    if s.channel_histograms:  # one row per channel, on the same edges
        ds.attrs["channel_histograms"] = np.asarray(s.channel_histograms, dtype=np.int64)
    if s.labels:
        ds.attrs["class_counts"] = np.asarray(s.class_counts, dtype=np.int64)
    ds.attrs.create("stats_date", _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(), dtype=_STR)

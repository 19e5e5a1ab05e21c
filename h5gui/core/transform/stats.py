"""Statistics of the source for normalizations: moments per channel (combined piece by piece) and
exact percentiles (narrowing histograms over the float64 bit patterns), and the affine map they give."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from h5gui.core.transform.records import TransformSpec, constants_of

HIST_BITS = 16  # percentile refinement: 2**16 bins per pass over the float64 bit patterns


def _per_channel(fn: Any, a: np.ndarray, axis: int | None, red: tuple[int, ...] | None) -> np.ndarray:
    """``fn`` (``np.sum``, ``np.min``, ``np.max``) of ``a`` per channel along ``axis``. Channels last are
    reduced one strided view at a time: numpy's reduction over every axis but a short last one is ~25x
    slower (11 ms instead of 0.4 ms for the min of 100 x 64 x 64 x 3 values)."""
    if axis is not None and axis == a.ndim - 1 and a.shape[axis] > 1:
        return np.array([fn(a[..., c]) for c in range(a.shape[axis])])
    return np.atleast_1d(fn(a, axis=red))


class Moments:
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
            total = _per_channel(np.sum, w, axis, red)
            if np.isfinite(total).all():  # no NaN, no infinity (they would make the sum one)
                cnt = np.full(chans, w.size // chans, dtype=np.int64)
                src = raw if raw is not None else w
                mn = _per_channel(np.min, src, axis, red).astype(np.float64)
                mx = _per_channel(np.max, src, axis, red).astype(np.float64)
                mean = total / cnt
                # (not np.dot: BLAS threads spinning beside the I/O thread cost more than they save)
                np.subtract(w, mean.reshape(keep) if axis is not None else mean[0], out=w)
                np.square(w, out=w)
                m2 = _per_channel(np.sum, w, axis, red)
                nonfinite: Any = 0
            else:
                bad = np.logical_not(np.isfinite(w, out=mask), out=mask) if mask is not None else ~np.isfinite(w)
                nonfinite = _per_channel(np.sum, bad, axis, red)
                cnt = np.atleast_1d(bad.size // chans - nonfinite).astype(np.int64)
                np.copyto(w, np.inf, where=bad)
                mn = _per_channel(np.min, w, axis, red)
                np.copyto(w, -np.inf, where=bad)
                mx = _per_channel(np.max, w, axis, red)
                np.copyto(w, 0.0, where=bad)
                mean = _per_channel(np.sum, w, axis, red) / np.maximum(cnt, 1)
                np.subtract(w, mean.reshape(keep) if axis is not None else mean[0], out=w)
                np.copyto(w, 0.0, where=bad)
                np.square(w, out=w)
                m2 = _per_channel(np.sum, w, axis, red)
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


class IntCounts:
    """Exact statistics of 8- and 16-bit integers (and booleans) per channel, by counting each value:
    a ``bincount`` per piece costs less than the float64 arithmetic of :class:`Moments`, and the
    counts are the histogram too."""

    def __init__(self, channels: int, dtype: np.dtype) -> None:
        dtype = np.dtype(dtype)
        self.signed = dtype.kind == "i"
        self.bits = 8 * dtype.itemsize
        self.view = np.dtype(f"u{dtype.itemsize}")
        self.counts = np.zeros((channels, 1 << self.bits), dtype=np.int64)

    @staticmethod
    def usable(dtype: np.dtype) -> bool:
        return np.dtype(dtype).kind in "iub" and np.dtype(dtype).itemsize <= 2

    def add(self, x: np.ndarray, axis: int | None, c0: int) -> None:
        """Count the raw piece ``x`` whose channels ``c0..`` run along ``axis``."""
        u = x.view(self.view) if x.dtype != np.bool_ else x.view(np.uint8)
        k = self.counts.shape[1]
        if axis is None:
            self.counts[0] += np.bincount(u.ravel(), minlength=k)
            return
        for c in range(u.shape[axis]):
            self.counts[c0 + c] += np.bincount(np.take(u, c, axis=axis).ravel(), minlength=k)

    def values(self) -> np.ndarray:
        """The value of each column of :meth:`ordered` counts."""
        k = self.counts.shape[1]
        return np.arange(-(k // 2), k // 2, dtype=np.float64) if self.signed else np.arange(k, dtype=np.float64)

    def ordered(self) -> np.ndarray:
        """The counts with columns in value order (signed: negatives first)."""
        return np.roll(self.counts, self.counts.shape[1] // 2, axis=1) if self.signed else self.counts

    def moments(self) -> Moments:
        """The same statistics as :class:`Moments` would have found (computed from the counts)."""
        counts, v = self.ordered(), self.values()
        m = Moments(counts.shape[0])
        for c, row in enumerate(counts):
            n = int(row.sum())
            if n == 0:
                continue
            seen = np.flatnonzero(row)
            mean = float((row * v).sum() / n)
            m.n[c], m.mean[c] = n, mean
            m.m2[c] = float((row * (v - mean) ** 2).sum())
            m.min[c], m.max[c] = v[seen[0]], v[seen[-1]]
        return m


class Collector:
    """The statistics of the values a pass sees, piece by piece (a normalization by constants stores
    them too): counts for small integers, else :class:`Moments`."""

    def __init__(self, dtype: np.dtype, channels: int, axis: int | None) -> None:
        self.axis = axis
        self.counts = IntCounts(channels, dtype) if IntCounts.usable(dtype) else None
        self.moments = Moments(channels) if self.counts is None else None
        self.raw = np.dtype(dtype).kind in "iub"

    def add(self, x: np.ndarray, lo: Sequence[int], scratch: np.ndarray, mask: np.ndarray) -> None:
        """Add the raw piece ``x`` (its corner ``lo`` in the mid array); ``scratch`` and ``mask`` are
        work space of at least ``x.size`` float64 and booleans."""
        c0 = lo[self.axis] if self.axis is not None else 0
        if self.counts is not None:
            self.counts.add(x, self.axis, c0)
            return
        assert self.moments is not None
        w = scratch[: x.size].reshape(x.shape)
        np.copyto(w, x, casting="unsafe")
        self.moments.add(w, self.axis, c0, mask[: x.size].reshape(x.shape), x if self.raw else None)

    def result(self) -> Moments:
        if self.counts is not None:
            return self.counts.moments()
        assert self.moments is not None
        return self.moments


_SIGN = np.uint64(1 << 63)


_LOW = np.uint64((1 << 63) - 1)


def float_keys(w: np.ndarray, out: np.ndarray) -> np.ndarray:
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


class PercentileSearch:
    """Exact percentiles per channel, pass after pass, by histograms over float64 keys.

    Each pass histograms the keys of the values in each target's interval into 2**16 bins and keeps
    the bin that holds the target's rank: the interval shrinks 2**16-fold per pass (at most 4 passes
    for any float64 data), and stops as soon as one distinct value is left in it.
    """

    def __init__(self, moments: Moments, pcts: Sequence[float]) -> None:
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
class Stats:
    """Statistics of the source (per channel arrays) and the affine map they give."""

    offset: np.ndarray
    scale: np.ndarray
    clip: tuple[np.ndarray, np.ndarray] | None = None
    moments: Moments | None = None
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


def affine(mode: str | None, spec: TransformSpec, m: Moments | None, pct: dict[float, np.ndarray],
           channels: int, warnings: list[str]) -> Stats:
    """The offset and scale of normalization ``mode`` from the statistics (constant data: scale 1)."""
    one = np.ones(channels)
    zero = np.zeros(channels)
    if mode is None:
        return Stats(zero, one)
    consts = constants_of(spec)
    if consts is not None:  # scale, meanstd, affine: the statistics (collected while writing) are for the record
        return Stats(np.broadcast_to(np.asarray(consts[0]), channels).copy(),
                     np.broadcast_to(np.asarray(consts[1]), channels).copy(), None, m)
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
    return Stats(offset, scale, clip, m, pct)

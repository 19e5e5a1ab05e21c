"""The numbers of a transform: source pieces into output pieces (float64 arithmetic, rounding, the
overflow policy, the cast)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from h5gui.core.errors import BadRequestError
from h5gui.core.transform.dtypes import ROUND, int_range, may_overflow, value_range
from h5gui.core.transform.plan import Context
from h5gui.core.transform.records import CONSTANT_MODES, STAT_MODES
from h5gui.core.transform.stats import Collector, Stats


class Numerics:
    """Turns source pieces into output pieces: float64 arithmetic, rounding, range policy, cast."""

    def __init__(self, ctx: Context, stats: Stats) -> None:
        self.ctx = ctx
        self.mode = ctx.mode
        self.axis = ctx.channel_mid
        self.stats = stats
        self.out = ctx.out_dtype
        self.policy = ctx.spec.overflow
        self.round = ROUND[ctx.spec.rounding] if ctx.rounds else None
        per = self.axis is not None
        self.offset: Any = stats.offset if per else float(stats.offset[0])
        self.scale: Any = stats.scale if per else float(stats.scale[0])
        self.clip = stats.clip
        self.has_offset = bool(np.any(stats.offset != 0))
        self.has_scale = self.mode is not None and bool(np.any(stats.scale != 1))
        self.int_path = self.mode is None and ctx.in_dtype.kind in "iub" and self.out.kind in "iu"
        self.nan_zero = self.out.kind in "iu" and (ctx.in_dtype.kind == "f" or self.mode is not None)
        self.check = self._overflow_possible()
        self.lo, self.hi = value_range(self.out)
        self.bad = 0
        self.first: tuple[int, ...] | None = None
        self.first_value: float | None = None
        self.collector: Collector | None = None  # statistics of the source seen while writing (constants modes)

    def _overflow_possible(self) -> bool:
        ctx = self.ctx
        if not may_overflow(ctx.in_dtype, self.out, self.mode, ctx.spec):
            return False
        m = self.stats.moments
        # statistics of another dataset (stats_from) say nothing of this one's range
        known = self.mode in STAT_MODES and m is not None and not m.nonfinite.any() and not ctx.spec.stats_from
        if known or (self.mode in CONSTANT_MODES and ctx.in_dtype.kind in "iub"):
            # the output range is known exactly now: an affine image of [min, max]
            with np.errstate(all="ignore"):
                if known:
                    assert m is not None
                    lo, hi = m.mins(), m.maxs()
                else:
                    lo, hi = (np.array([float(v)]) for v in int_range(ctx.in_dtype))
                if self.clip is not None:
                    lo, hi = np.maximum(lo, self.clip[0]), np.minimum(hi, self.clip[1])
                a = (lo - self.stats.offset) / self.stats.scale
                b = (hi - self.stats.offset) / self.stats.scale
            ends = np.concatenate([a, b])
            ends = ends[~np.isnan(ends)]
            if ends.size == 0:
                return False
            vlo, vhi = value_range(self.out)
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
              lo: Sequence[int], hi: Sequence[int], scratch: np.ndarray | None = None) -> None:
        """``dst[...] = f(x)`` for the piece ``lo:hi`` of the mid array (``dst`` may be a strided view);
        with a :attr:`collector`, ``scratch`` (float64 work space) is where it computes."""
        if self.collector is not None:
            self.collector.add(x, lo, scratch if scratch is not None else np.empty(x.size), mask)
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
            olo, ohi = int_range(self.out)
            ilo, ihi = int_range(self.ctx.in_dtype)
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
        lo, hi = (int_range(self.out) if self.out.kind in "iu" else value_range(self.out))
        v = self.first_value
        what = "NaN" if v is not None and math.isnan(v) else f"{v:g}"
        where = "[" + ", ".join(map(str, self.first or ())) + "]"
        return BadRequestError(
            f"{self.bad:,} value{'s' if self.bad != 1 else ''} of {ctx.source} do not fit in {self.out.name} "
            f"({lo:g}..{hi:g}); the first is {what} at {where}: clip them (overflow 'clip') or choose another dtype"
        )

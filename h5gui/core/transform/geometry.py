"""The shape side of a transform: the output's shape and axes, and tiles of the data in C order.

The *mid* array is the source reshaped (``reshape``, ``squeeze``, ``add_axis``: a C-order reshape of
the source, so any range of its elements is one range of the source's); the output is the mid array
with its axes permuted (``move_axis``, ``transpose``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from h5gui.core.errors import BadRequestError
from h5gui.core.text import shape_text
from h5gui.core.transform.records import TransformSpec


def prod(shape: Iterable[int]) -> int:
    """The number of elements of ``shape``."""
    return math.prod(int(n) for n in shape)


def axis_map(src: Sequence[int], dst: Sequence[int]) -> list[int | None]:
    """For each axis of ``dst`` (a C-order reshape of ``src``), the axis of ``src`` it is, or None.

    Axis ``i`` of ``dst`` is axis ``j`` of ``src`` when both have the same length and the same
    number of elements before them (then every element keeps its index along that axis).
    """
    before_src = [prod(src[:j]) for j in range(len(src))]
    used: set[int] = set()
    out: list[int | None] = []
    for i, n in enumerate(dst):
        before = prod(dst[:i])
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
class Geometry:
    """Shapes and axes of a transform: source -> mid (a C-order reshape) -> output (axes permuted)."""
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


def check_axis(value: int, rank: int, what: str) -> int:
    """``value`` as an axis index in ``0..rank-1`` (negative counts from the end), or why not."""
    if not -rank <= value < rank:
        raise BadRequestError(f"{what} {value} is out of range for {rank} axes (use {-rank}..{rank - 1})"
                              if rank else f"{what} {value}: the data has no axes")
    return value % rank


def geometry_of(spec: TransformSpec, in_shape: tuple[int, ...]) -> Geometry:
    """The :class:`Geometry` of ``spec`` on a source of shape ``in_shape``, or why it is impossible."""
    steps: list[str] = []
    n = prod(in_shape)
    cur = tuple(in_shape)
    if spec.reshape is not None:
        want = tuple(int(v) for v in spec.reshape)
        if sum(1 for v in want if v == -1) > 1:
            raise BadRequestError(f"cannot reshape into {shape_text(want)}: only one axis can be -1")
        if any(v < -1 for v in want):
            raise BadRequestError(f"cannot reshape into {shape_text(want)}: axis lengths must be positive or -1")
        if -1 in want:
            rest = prod(v for v in want if v != -1)
            if rest == 0 or n % rest:
                raise BadRequestError(f"cannot reshape {n} elements into {shape_text(want)}")
            want = tuple(n // rest if v == -1 else v for v in want)
        if prod(want) != n:
            raise BadRequestError(f"cannot reshape {n} elements into {shape_text(want)}")
        steps.append(f"reshape {shape_text(cur)} -> {shape_text(want)}")
        cur = want
    if spec.squeeze:
        new = tuple(v for v in cur if v != 1)
        steps.append(f"remove size-1 axes -> {shape_text(new)}" if new != cur else "remove size-1 axes (none)")
        cur = new
    if spec.add_axis is not None:
        pos = check_axis(int(spec.add_axis), len(cur) + 1, "new axis position")
        cur = cur[:pos] + (1,) + cur[pos:]
        steps.append(f"add an axis at position {int(spec.add_axis)} -> {shape_text(cur)}")
    mid = cur
    mid_map = tuple(axis_map(in_shape, mid))
    perm = list(range(len(mid)))
    if spec.move_axis is not None:
        if len(spec.move_axis) != 2:
            raise BadRequestError("move_axis needs two axes: (source, destination)")
        a = check_axis(int(spec.move_axis[0]), len(mid), "axis")
        b = check_axis(int(spec.move_axis[1]), len(mid), "destination axis")
        order = [i for i in range(len(mid)) if i != a]
        order.insert(b, a)
        perm = [perm[i] for i in order]
        shape = tuple(mid[p] for p in perm)
        steps.append(f"move axis {int(spec.move_axis[0])} to {int(spec.move_axis[1])} -> {shape_text(shape)}")
    if spec.transpose is not None:
        t = [int(v) for v in spec.transpose]
        r = len(mid)
        if sorted(v % r if r and -r <= v < r else v for v in t) != list(range(r)) or len(t) != r:
            raise BadRequestError(f"transpose {tuple(t)} is not an order of the {r} axes 0..{r - 1}")
        t = [v % r for v in t]
        perm = [perm[i] for i in t]
        shape = tuple(mid[p] for p in perm)
        steps.append(f"transpose {tuple(t)} -> {shape_text(shape)}")
    out_shape = tuple(mid[p] for p in perm)
    out_map = tuple(mid_map[p] for p in perm)
    return Geometry(tuple(in_shape), mid, tuple(perm), out_shape, mid_map, out_map, tuple(steps))


def flat_boxes(shape: Sequence[int], start: int, stop: int) -> Iterator[tuple[tuple[slice, ...], tuple[int, ...]]]:
    """Boxes (slices, box shape) covering elements ``start:stop`` of a C-order array, in order.

    Each box is itself a contiguous range of elements; there are at most ``2 * rank - 1`` of them.
    """
    if start >= stop:
        return
    if not shape:
        yield (), ()
        return
    inner = prod(shape[1:])
    i0, r0 = divmod(start, inner)
    i1, r1 = divmod(stop, inner)
    if i0 == i1:
        for sl, sh in flat_boxes(shape[1:], r0, r1):
            yield (slice(i0, i0 + 1), *sl), (1, *sh)
        return
    if r0:
        for sl, sh in flat_boxes(shape[1:], r0, inner):
            yield (slice(i0, i0 + 1), *sl), (1, *sh)
        i0 += 1
    if i1 > i0:
        yield (slice(i0, i1), *(slice(0, n) for n in shape[1:])), (i1 - i0, *shape[1:])
    if r1:
        for sl, sh in flat_boxes(shape[1:], 0, r1):
            yield (slice(i1, i1 + 1), *sl), (1, *sh)


class Tiling:
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
        self.size = prod(ext)
        budget = max(1, int(budget))
        k = 0
        while k < r - 1 and prod(ext[k + 1:]) > budget:
            k += 1
        self.k = k
        if r == 0:
            self.step = 1
            self.per_row = 1
            self.count = 1
            return
        unit = prod(ext[k + 1:]) or 1
        step = max(1, budget // unit)
        if 1 < align <= step:
            step -= step % align
        self.step = min(step, max(ext[k], 1))
        self.per_row = -(-ext[k] // self.step) if ext[k] else 0
        self.count = 0 if self.size == 0 else prod(ext[:k]) * self.per_row

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


def rel_slices(lo: Sequence[int], hi: Sequence[int], base: Sequence[int]) -> tuple[Any, ...]:
    """Slices of the box ``lo:hi`` inside an array that starts at ``base`` (``...`` for 0-d: a view)."""
    return tuple(slice(a - b, c - b) for a, c, b in zip(lo, hi, base, strict=True)) or (Ellipsis,)


def read_mid(ds: h5py.Dataset, geo: Geometry, lo: Sequence[int], hi: Sequence[int], buf: np.ndarray) -> None:
    """Read the mid-array tile ``lo:hi`` (one contiguous range of the source) into ``buf`` (flat)."""
    if not geo.in_shape:
        ds.read_direct(buf.reshape(()))
        return
    start = int(np.ravel_multi_index(tuple(lo), geo.mid)) if geo.mid else 0
    stop = start + buf.size
    off = 0
    for sel, shape in flat_boxes(geo.in_shape, start, stop):
        count = prod(shape)
        ds.read_direct(buf[off:off + count].reshape(shape), source_sel=sel)
        off += count


def read_mid_box(ds: h5py.Dataset, geo: Geometry, lo: Sequence[int], hi: Sequence[int], dtype: np.dtype) -> np.ndarray:
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
        n = prod(b - a for a, b in zip(tlo, thi, strict=True))
        buf = np.empty(n, dtype=dtype)
        read_mid(ds, geo, tlo, thi, buf)
        out[rel_slices(tlo, thi, lo)] = buf.reshape(tuple(b - a for a, b in zip(tlo, thi, strict=True)))
    return out

"""Passes over the data in chunk-aligned blocks: the statistics pass(es) and the writing pass.

A block is read while the previous one is computed in a helper thread (numpy only) and the one
before it is written: h5py is only used by the job's own thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import h5py
import numpy as np

from h5gui.core.progress import Job, Progress
from h5gui.core.transform.geometry import Tiling, prod, read_mid, rel_slices
from h5gui.core.transform.numerics import Numerics
from h5gui.core.transform.parallel_gzip import ParallelGzip
from h5gui.core.transform.plan import Context
from h5gui.core.transform.stats import Moments, PercentileSearch, Stats, affine, float_keys


class Buffers:
    """Preallocated memory: two slots of input and output blocks (one read or written while the
    other is computed), and one set of cache-sized work pieces for the compute thread."""

    def __init__(self, ctx: Context, elems: int, out: bool = True) -> None:
        self.inp = [np.empty(elems, dtype=ctx.in_dtype) for _ in range(2)]
        self.out = [np.empty(elems if out else 0, dtype=ctx.out_dtype) for _ in range(2)]
        piece = min(ctx.piece_elems, max(elems, 1))
        self.work = np.empty(piece, dtype=np.float64)
        self.mask = np.empty(piece, dtype=bool)
        self.keys = np.empty(piece, dtype=np.uint64)

    def raw_pieces(self, slot: int, blo: tuple[int, ...], bhi: tuple[int, ...]) -> Iterator[
            tuple[np.ndarray, tuple[int, ...], tuple[int, ...], tuple[slice, ...]]]:
        """Cache-sized pieces of the block in ``slot``: ``(view, lo, hi, slices in the block)``."""
        ext = tuple(b - a for a, b in zip(blo, bhi, strict=True))
        block = self.inp[slot][: prod(ext)].reshape(ext)
        for plo, phi in Tiling(blo, bhi, self.work.size):
            rel = rel_slices(plo, phi, blo)
            yield block[rel], plo, phi, rel

    def pieces(self, slot: int, blo: tuple[int, ...], bhi: tuple[int, ...]) -> Iterator[
            tuple[np.ndarray, tuple[int, ...], tuple[int, ...], tuple[slice, ...]]]:
        """The same pieces as float64 copies in the work buffer."""
        for x, plo, phi, rel in self.raw_pieces(slot, blo, bhi):
            w = self.work[: x.size].reshape(x.shape)
            np.copyto(w, x, casting="unsafe")
            yield w, plo, phi, rel


def _block_tiling(ctx: Context) -> Tiling:
    mid = ctx.geo.mid
    return Tiling((0,) * len(mid), mid, ctx.block_elems, ctx.align)


_Block = tuple[int, tuple[int, ...], tuple[int, ...], int]  # slot, lo, hi, elements


def block_pass(ctx: Context, ds: h5py.Dataset, bufs: Buffers, compute: Any, finish: Any, message: Any,
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
            n = prod(b - a for a, b in zip(blo, bhi, strict=True))
            read_mid(ds, ctx.geo, blo, bhi, bufs.inp[slot][:n])
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


def statistics(ctx: Context, ds: h5py.Dataset, bufs: Buffers, total: float) -> Job[Stats]:
    """Generator: the exact statistics of the whole source; returns :class:`Stats`."""
    spec = ctx.spec
    chans = ctx.n_channels
    m = Moments(chans)
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

    yield from block_pass(ctx, ds, bufs, moments, nothing, lambda: "statistics", 0, total)
    passes = 1
    pct: dict[float, np.ndarray] = {}
    if ctx.mode == "clip-percentiles":
        search = PercentileSearch(m, (float(spec.percentiles[0]), float(spec.percentiles[1])))

        def histogram(block: _Block) -> None:
            for w, plo, _, _ in bufs.pieces(block[0], block[1], block[2]):
                keys = float_keys(w, bufs.keys[: w.size].reshape(w.shape))
                search.add(keys, axis, plo[axis] if axis is not None else 0)

        while not search.done():
            search.start_pass()
            base = float(ctx.n * search.passes)
            yield from block_pass(ctx, ds, bufs, histogram, nothing, lambda: "percentiles", base,
                               max(total, base + 2 * ctx.n))
            search.end_pass()
        pct = search.result()
        passes += search.passes
    ctx.extra["stat_passes"] = passes
    return affine(ctx.mode, spec, m, pct, chans, ctx.warnings)


def write_pass(ctx: Context, ds: h5py.Dataset, out: h5py.Dataset, f: h5py.File, num: Numerics, bufs: Buffers,
               base: float, total: float) -> Iterator[Progress]:
    """The transform pass: block by block, read, compute in pieces (helper thread), write, flush."""
    geo = ctx.geo
    perm, inv = geo.perm, geo.inv
    state = {"writing": True}
    gz = ParallelGzip(ctx) if ParallelGzip.usable(ctx) else None

    def out_block(block: _Block) -> np.ndarray:
        slot, blo, bhi, n = block
        return bufs.out[slot][:n].reshape(tuple(bhi[p] - blo[p] for p in perm))

    def compute(block: _Block) -> None:
        slot, blo, bhi, n = block
        ob = out_block(block)
        out_mid = ob.transpose(inv) if geo.permuted else ob
        scratch = bufs.keys.view(np.float64)
        for x, plo, phi, rel in bufs.raw_pieces(slot, blo, bhi):
            num.apply(x, out_mid[rel], bufs.work, bufs.mask, plo, phi, scratch)

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
        yield from block_pass(ctx, ds, bufs, compute, finish, lambda: "writing" if state["writing"] else "checking",
                           base, total)
    finally:
        if gz is not None:
            gz.close()

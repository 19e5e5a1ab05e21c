"""gzip compression of the output's chunks on every core (HDF5 runs its filters on one)."""

from __future__ import annotations

import itertools
import os
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait

import h5py
import numpy as np

from h5gui.core.h5.dataset_io import write_chunk
from h5gui.core.transform.geometry import prod
from h5gui.core.transform.plan import Context


def gzip_chunk(data: np.ndarray, level: int, shuffle: bool) -> bytes:
    """One chunk through HDF5's shuffle and deflate filters, done here (zlib releases the GIL).

    The deflate filter stores a zlib stream (``compress2``); the shuffle filter groups byte 0 of
    every element, then byte 1...: the bytes ``H5Dread`` undoes.
    """
    data = np.ascontiguousarray(data)
    if shuffle and data.itemsize > 1:
        data = np.ascontiguousarray(data.reshape(-1).view(np.uint8).reshape(-1, data.itemsize).T)
    return zlib.compress(data.data.cast("B"), level)


class ParallelGzip:
    """Compress the chunks of each written block on every core, then ``write_direct_chunk`` them.

    HDF5 runs its filters inside ``H5Dwrite`` under h5py's lock, on one core; gzip is the slow one
    (tens of MB/s). Only blocks whose box covers whole chunks go this way; others are written
    normally. Threads, not processes: zlib releases the GIL, and the GUI process has Qt threads.
    """

    def __init__(self, ctx: Context) -> None:
        assert ctx.chunks is not None
        self.chunks = ctx.chunks
        self.shape = ctx.geo.out_shape
        self.level = int(ctx.comp_kw.get("compression_opts", 4))
        self.shuffle = bool(ctx.comp_kw.get("shuffle", False))
        self.pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="h5gui-gzip")

    @staticmethod
    def usable(ctx: Context) -> bool:
        kw = ctx.comp_kw
        return (ctx.chunks is not None and kw.get("compression") == "gzip" and set(kw) <= {"compression",
                "compression_opts", "shuffle"} and prod(ctx.geo.out_shape) > 0 and (os.cpu_count() or 1) > 1)

    def write(self, out: h5py.Dataset, block: np.ndarray, lo: Sequence[int], hi: Sequence[int]) -> bool:
        """Write the box ``lo:hi`` (data ``block``) chunk by chunk; False when it is not chunk-aligned."""
        c, shape = self.chunks, self.shape
        for q in range(len(shape)):
            if lo[q] % c[q] or (hi[q] % c[q] and hi[q] != shape[q]):
                return False
        jobs = []
        for start in itertools.product(*(range(a, b, n) for a, b, n in zip(lo, hi, c, strict=True))):
            rel = tuple(slice(s - a, min(s + n, b) - a) for s, a, b, n in zip(start, lo, hi, c, strict=True))
            data = block[rel]
            if data.shape != c:  # an edge chunk is stored whole: pad with the fill value (0)
                padded = np.zeros(c, dtype=block.dtype)
                padded[tuple(slice(0, m) for m in data.shape)] = data
                data = padded
            jobs.append((start, self.pool.submit(gzip_chunk, data, self.level, self.shuffle)))
        try:
            for start, job in jobs:
                write_chunk(out, start, job.result())
        finally:
            for _, job in jobs:
                job.cancel()
            wait([job for _, job in jobs])  # nothing may still read the block when it is reused
        return True

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

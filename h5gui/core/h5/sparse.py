"""Chunked datasets where little is written: reads planned from the written chunks, not the row span.

A (10^12, 10^12) dataset with two 64 x 64 chunks written holds 32 KiB; a strided image of it read
through HDF5's hyperslab machinery walks chunk coordinates across the whole span and never finishes.
Here the few written chunks are listed once (``chunk_iter``) and each sample that falls inside one is
read from it; every other sample is the fill value.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from typing import Any

import h5py

from h5gui.core.h5.datasets import stored_bytes

log = logging.getLogger(__name__)

MAX_LISTED = 100_000  # chunk offsets listed at most (a dataset with more is not "sparse" for a preview)


def written_chunks(ds: h5py.Dataset, touched: int) -> list[tuple[int, ...]] | None:
    """The offsets of the written chunks when they are fewer than a quarter of ``touched`` (the chunks a
    strided read would visit), else None (read it the usual way)."""
    if ds.chunks is None:
        return None
    chunk_bytes = math.prod(ds.chunks) * max(1, ds.dtype.itemsize)
    limit = min(MAX_LISTED, touched // 4)
    if limit < 1 or stored_bytes(ds) // max(1, chunk_bytes) > limit * 64:  # compressed chunks are smaller
        return None
    offsets: list[tuple[int, ...]] = []

    def add(info: Any) -> bool | None:
        offsets.append(tuple(info.chunk_offset))
        return True if len(offsets) > limit else None

    try:
        ds.id.chunk_iter(add)
    except (AttributeError, RuntimeError, OSError):  # an old HDF5 or a damaged index: the usual way
        log.debug("cannot list the chunks of %s", ds.name, exc_info=True)
        return None
    return None if len(offsets) > limit else offsets


def _span(start: int, length: int, lo: int, hi: int, step: int) -> tuple[int, int]:
    """Sample positions ``start + k*step`` (k in [0, n)) that fall in [lo, hi): ``(k0, k1)``."""
    a = max(lo, start)
    k0 = -(-(a - start) // step)
    k1 = -(-(min(hi, start + length) - start) // step)
    return k0, max(k0, k1)


def sample_blocks(offsets: list[tuple[int, ...]], chunks: tuple[int, ...], rows_ax: int, cols_ax: int,
                  region: tuple[int, int, int, int], step: int, fixed: dict[int, int]
                  ) -> Iterator[tuple[int, int, int, int]]:
    """For each written chunk, the block of samples ``(i0, i1, j0, j1)`` of the strided grid over
    ``region`` (rows r0..r1, columns c0..c1) that lies inside it; ``fixed`` maps the other axes to their
    index (a chunk that does not hold that index holds no sample)."""
    r0, r1, c0, c1 = region
    for off in offsets:
        if any(not off[a] <= i < off[a] + chunks[a] for a, i in fixed.items()):
            continue
        i0, i1 = _span(r0, r1 - r0, off[rows_ax], off[rows_ax] + chunks[rows_ax], step)
        j0, j1 = _span(c0, c1 - c0, off[cols_ax], off[cols_ax] + chunks[cols_ax], step)
        if i0 < i1 and j0 < j1:
            yield i0, i1, j0, j1

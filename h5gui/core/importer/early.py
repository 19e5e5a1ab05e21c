"""Pictures decoded during the scan: an import that scans by itself (``run_import(spec)``) and stacks
the pictures decodes small files in the scan's task that reads their headers, from the same open
file, instead of reading and parsing every file a second time after the plan. The decoders then work
while the headers are read, and the plan finds most pictures ready.

Bounded: at most :data:`EARLY_MAX_BYTES` of pixels are kept (beyond, files are decoded after the plan,
as without this); each task is given what is left of the budget. Nothing is written before the plan:
these are arrays in memory, released as the import writes them (or all at once if the plan refuses
to run, or its layout keeps the files' bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from h5gui.core.importer.decode import decode_batch, form_text
from h5gui.core.importer.pool import Workers, _Done

EARLY_MAX_BYTES = 256 << 20  # pixels kept from the scan until the import writes them
EARLY_TASK_BYTES = 16 << 20  # pixels decoded at most by one scan task


class Early:
    """Pictures decoded during the scan: path -> (array, or why it cannot be decoded; file size)."""

    def __init__(self, opts: tuple[Any, ...], max_bytes: int | None = None, uniform_only: bool = False) -> None:
        self.opts = opts
        self.max_bytes = EARLY_MAX_BYTES if max_bytes is None else max_bytes
        # the layout is chosen from the scan ('auto'): stop at the first folder of mixed forms, which
        # may make it keep the files' bytes instead
        self.uniform_only = uniform_only
        self.kept: dict[str, tuple[np.ndarray | str, int]] = {}
        self.nbytes = 0  # pixels held
        self.reserved = 0  # pixels the tasks in flight may bring

    def stop(self) -> None:
        """Decode no more during the scan (what is kept stays)."""
        self.max_bytes = 0

    def reserve(self) -> int:
        """Bytes of pixels the next scan task may decode (0: none, the budget is spent); the task stops
        decoding once it has reached them (it may pass them by one picture)."""
        room = min(EARLY_TASK_BYTES, self.max_bytes - self.nbytes - self.reserved)
        if room <= 0:
            return 0
        self.reserved += room
        return room

    def add(self, limit: int, rows: Sequence[tuple[Any, ...]], decoded: Sequence[Any]) -> None:
        """Keep what a scan task (given ``limit``) decoded."""
        self.reserved -= limit
        for row, got in zip(rows, decoded, strict=True):
            if got is None or row[1] is None:
                continue
            self.kept[row[0]] = (got, row[6])
            if isinstance(got, np.ndarray):
                self.nbytes += got.nbytes

    def clear(self) -> None:
        self.kept.clear()
        self.nbytes = 0

    def _pop(self, rel: str) -> tuple[np.ndarray | str, int] | None:
        got = self.kept.pop(rel, None)
        if got is not None and isinstance(got[0], np.ndarray):
            self.nbytes -= got[0].nbytes
        return got

    def covers(self, items: Sequence[tuple[str, int, str]]) -> bool:
        return bool(self.kept) and all(frame == 0 and rel in self.kept for rel, frame, _ in items)

    def batch(self, items: Sequence[tuple[str, int, str]],
              expect: tuple[tuple[int, ...], str] | None) -> tuple[Any, list[int], list[tuple[int, str]], int]:
        """:func:`~.decode.decode_batch`'s result for ``items``, from the pictures kept (taken out)."""
        arrays: list[np.ndarray] = []
        ok: list[int] = []
        failed: list[tuple[int, str]] = []
        nbytes = 0
        for i, (rel, _, _) in enumerate(items):
            got = self._pop(rel)
            assert got is not None
            a, size = got
            nbytes += size
            if isinstance(a, str):
                failed.append((i, a))
            elif expect is not None and (a.shape != expect[0] or a.dtype != np.dtype(expect[1])):
                failed.append((i, f"{form_text(a.shape, a.dtype)} does not match the other images of its group "
                                  f"({form_text(expect[0], expect[1])})"))
            else:
                arrays.append(a)
                ok.append(i)
        if expect is None:
            return arrays, ok, failed, nbytes
        out = np.empty((len(arrays), *expect[0]), dtype=expect[1])
        for j, a in enumerate(arrays):
            out[j] = a
        return out, ok, failed, nbytes


class EarlyWorkers:
    """The decoder processes, except for tasks whose pictures were all decoded during the scan: those
    are answered here, from memory, in their turn."""

    def __init__(self, pool: Workers, early: Early) -> None:
        self.pool, self.early = pool, early
        self.n = pool.n

    def submit(self, fn: Any, *args: Any) -> Any:
        if fn is decode_batch:
            _, items, _, expect, *_ = args
            if self.early.covers(items):
                return _Done(self.early.batch, (items, expect))
            for rel, frame, _ in items:  # decoded again with the others of the task: not kept twice
                if frame == 0:
                    self.early._pop(rel)
        return self.pool.submit(fn, *args)

"""Running an import: scan (when not given), plan, then decode in the pool and write as results come,
in order, this generator the only writer; the target published at the end or removed on cancel."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from h5gui.core.errors import BadRequestError
from h5gui.core.h5.images import set_default
from h5gui.core.importer.decode import decode_batch, prefetch_files, read_batch, unpack
from h5gui.core.importer.plan import (
    BATCH_BYTES,
    BATCH_MAX_FILES,
    Unit,
    join_h5,
    plan_import,
    reads_bytes,
    stack_chunks,
    units_of,
)
from h5gui.core.importer.pool import WAIT, Ring, Workers, cpu_count, ordered, resize_pool
from h5gui.core.importer.records import ImageEntry, ImportPlan, ImportReport, ImportSpec, ScanResult, decoded_bytes
from h5gui.core.importer.scanning import WARM_UP_MIN_FILES, scan_with_pool
from h5gui.core.importer.sniff import SNIFF_PREFETCH_BYTES
from h5gui.core.importer.target import Target, require_groups
from h5gui.core.importer.write import UnitWriter, write_provenance
from h5gui.core.progress import Job, Progress


def _tasks(plan: ImportPlan, units: list[Unit], root: str,
           ring: Ring | None = None) -> Iterator[tuple[tuple[int, int, bool, int], tuple[Any, ...]]]:
    """``((unit index, first item index, last batch of the unit, slot offset), args)`` for the
    decode/read function (lazily: a ``ring`` slot is claimed as the task is submitted)."""
    spec = plan.spec
    opts = decode_options(spec)
    raw, stacked = reads_bytes(plan.layout, spec), is_stacked(plan)
    for ui, u in enumerate(units):
        n = len(u.items)
        if stacked:
            assert u.shape is not None and u.dtype is not None
            _, step = stack_chunks(n, u.shape, np.dtype(u.dtype).itemsize, spec.chunk_images)
            bounds: list[int] = list(range(0, n, step))
        else:
            bounds = []
            budget = 0
            for i, (_, _, e, _, _) in enumerate(u.items):
                cost = e.nbytes if raw else decoded_bytes(e)
                if not bounds or budget + cost > BATCH_BYTES or i - bounds[-1] >= (
                        BATCH_MAX_FILES if raw else 256):
                    bounds.append(i)
                    budget = 0
                budget += cost
        for k, start in enumerate(bounds):
            stop = bounds[k + 1] if k + 1 < len(bounds) else n
            items = [(rel, frame, e.format) for rel, frame, e, _, _ in u.items[start:stop]]
            last = k == len(bounds) - 1
            if raw:
                yield (ui, start, last, -1), (root, items)
            elif stacked:
                slot = ring.claim() if ring is not None else None
                yield (ui, start, last, slot[1] if slot else -1), (root, items, opts, (u.shape, u.dtype), slot)
            else:  # pictures of any sizes, packed into a slot (pickled when there is no ring)
                slot = ring.claim() if ring is not None else None
                yield (ui, start, last, slot[1] if slot else -1), (root, items, opts, None, slot)


def decode_options(spec: ImportSpec) -> tuple[Any, ...]:
    """What the decoders need of the spec (picklable)."""
    return (spec.mode, spec.resize, spec.resample, spec.exif_transpose, spec.resize_mode, spec.pad)


def is_stacked(plan: ImportPlan) -> bool:
    """Whether the plan writes stacked arrays of decoded pictures."""
    return plan.layout == "stack" or (plan.layout == "classes" and not plan.spec.encoded)


def run_import(spec: ImportSpec, scan: ScanResult | None = None) -> Job[ImportReport]:
    """Job: import the folder as ``spec`` says; returns an :class:`ImportReport`.

    Scans first when ``scan`` is None (progress in 'files', message 'Scanning'), then yields
    ``Progress(done, total, 'images', 'Importing', nbytes=bytes read)``. Closing the generator
    (cancel) stops the workers without waiting for queued batches and removes the partial result.

    Raises
    ------
    BadRequestError, FileAccessError
        As :func:`plan_import`, or the target cannot be written (``ReadOnlyError`` with a handle pool
        whose file is not writable).
    UnreadableError
        A decoder process died.
    """
    t0 = time.monotonic()
    pool = Workers(0)
    done = False
    try:
        read_whole: frozenset[str] = frozenset()  # small files the scan of this import has just read whole
        if scan is None:
            n = spec.workers
            def warm(n_files: int) -> None:
                if n > 0 or (n_files >= WARM_UP_MIN_FILES and spec.layout != "encoded"):  # decoding will need them
                    resize_pool(pool, n or cpu_count()).warm_up()

            scan = yield from scan_with_pool(spec.source, spec.include_hidden, n, lambda k: resize_pool(pool, k), warm)
            read_whole = frozenset(e.path for f in scan.folders for e in f.files if e.nbytes <= SNIFF_PREFETCH_BYTES)
        plan = plan_import(spec, scan)
        if plan.problems:
            raise BadRequestError(plan.problems[0])
        report = yield from _run(plan, scan, resize_pool(pool, plan.workers), t0, read_whole)
        done = True
    finally:
        pool.shutdown(wait=done)  # complete: the idle processes exit now; cancelled: without waiting
    return report


def _prefetch(read_whole: frozenset[str]) -> Callable[..., None]:
    """What announces a task's files to the OS: not the small files the scan of this import has just
    read whole (their pages are cached: announcing them again cost ~15 us a file in this process,
    which writes one dataset per picture at ~70 us)."""
    if not read_whole:
        return prefetch_files

    def prefetch(root: str, items: list[tuple[str, int, str]], *_: Any) -> None:
        todo = [it for it in items if it[0] not in read_whole]
        if todo:
            prefetch_files(root, todo)

    return prefetch


def _run(plan: ImportPlan, scan_: ScanResult, pool: Workers, t0: float,
         read_whole: frozenset[str] = frozenset()) -> Job[ImportReport]:
    spec = plan.spec
    units, extra, _ = units_of(spec, scan_, plan.layout)
    stacked = is_stacked(plan)
    skipped: list[tuple[str, str]] = list(scan_.skipped) + extra
    total = plan.n_images
    done = nbytes = imported = 0
    paths: list[str] = []
    expected: dict[str, int] = {}  # dataset (relative to the import's group) -> length, checked before publishing
    target = Target(spec.target, plan.group, plan.new_file)
    fn = read_batch if reads_bytes(plan.layout, spec) else decode_batch
    inflight = 2 * max(1, pool.n) + 1
    ring: Ring | None = None
    if pool.n > 0 and stacked:
        ring = Ring(inflight, max(stack_chunks(len(u.items), u.shape, np.dtype(u.dtype).itemsize, spec.chunk_images)[1]
                                   * math.prod(u.shape) * np.dtype(u.dtype).itemsize
                                   for u in units if u.shape is not None and u.dtype is not None))
    elif pool.n > 0 and fn is decode_batch:  # one dataset per picture: a task's pictures, up to BATCH_BYTES
        ring = Ring(inflight, BATCH_BYTES + (1 << 20))
    with contextlib.ExitStack() as stack:
        if ring is not None:
            stack.callback(ring.close)
        top = target.begin(stack)
        try:
            yield Progress(0, total, "images", "Importing")
            writer: UnitWriter | None = None
            shown: str | None = None  # the group of the first stack (an NXdata group)
            current = -1
            tasks = _tasks(plan, units, scan_.source, ring)
            for res in ordered(pool, fn, tasks, inflight, _prefetch(read_whole)):
                if res is WAIT:
                    yield Progress(done, total, "images", "Importing", nbytes=nbytes)
                    continue
                (ui, start, last, offset), (data, ok, failed, nb) = res
                unit = units[ui]
                if data is None and ring is not None and unit.shape is not None and unit.dtype is not None:
                    data = ring.view(offset, (len(ok), *unit.shape), unit.dtype)
                elif ring is not None and not stacked:
                    data = unpack(data, ring.view)
                if ui != current:
                    current = ui
                    g = require_groups(top.file, top.name + "/" + unit.group) if unit.group else top
                    unit_paths: list[str] = []
                    writer = UnitWriter(unit, g, plan.layout, spec, unit_paths)
                    if stacked:
                        assert unit.shape is not None and unit.dtype is not None
                        writer.per_chunk = stack_chunks(len(unit.items), unit.shape, np.dtype(unit.dtype).itemsize,
                                                        spec.chunk_images)[0]
                    writer.start()
                assert writer is not None
                writer.write([start + i for i in ok], data)
                data = None  # no view of the shared memory outlives its slot
                for i, reason in failed:
                    skipped.append((_item_path(unit.items[start + i]), reason))
                done += len(ok) + len(failed)
                imported += len(ok)
                nbytes += nb
                if last:
                    writer.finish()
                    if shown is None and stacked and writer.ds is not None:
                        shown = unit.group
                    base = join_h5(plan.group, unit.group)
                    paths.extend(join_h5(base, p) for p in writer.paths)
                    expected.update(writer.expected(unit.group))
                    writer = None
                target.flush()
                yield Progress(done, total, "images", "Importing", nbytes=nbytes)
            if imported == 0:
                target.abort()
                return ImportReport(
                    target=target.path, group=plan.group, layout=plan.layout, n_imported=0, n_skipped=len(skipped),
                    skipped=tuple(skipped), seconds=time.monotonic() - t0, nbytes_read=nbytes, datasets=(),
                    warnings=plan.warnings + ("nothing could be imported: nothing was written",),
                )
            write_provenance(top, spec, scan_, plan, imported, skipped)
            if skipped:
                paths.append(join_h5(plan.group, "skipped"))
            if shown is not None:  # NeXus viewers open the file (unless it has a default) on the first stack
                set_default(target.file if plan.new_file else top, join_h5(plan.group if plan.new_file else "/", shown))
            target.commit(expected)
            if shown is not None and not plan.new_file and target.file is not None:
                set_default(target.file, join_h5(plan.group, shown))
                target.file.flush()
        except BaseException:
            target.abort()
            raise
    return ImportReport(
        target=target.path, group=plan.group, layout=plan.layout, n_imported=imported, n_skipped=len(skipped),
        skipped=tuple(skipped), seconds=time.monotonic() - t0, nbytes_read=nbytes, datasets=tuple(paths),
        warnings=plan.warnings,
    )


def _item_path(item: tuple[str, int, ImageEntry, str, int]) -> str:
    rel, frame, e, _, _ = item
    return f"{rel}[{frame}]" if e.frames > 1 and frame else rel

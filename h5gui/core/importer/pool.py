"""The decoder processes: a ``ProcessPoolExecutor`` (``forkserver`` where available, else ``spawn``)
started on demand, tasks run in order with a bounded number in flight, and the shared-memory ring
the workers write stacked batches into. With no workers the same tasks run in this process.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np

from h5gui.core.errors import UnreadableError

log = logging.getLogger(__name__)

# the modules the workers run (the fork server imports them once; every worker is forked ready)
WORKER_MODULES = ("h5gui.core.importer.pool", "h5gui.core.importer.sniff", "h5gui.core.importer.decode", "PIL.Image")
# automatic workers: imports whose decoding should take less than INLINE_MAX_SECONDS in one core
# decode in this process (starting the processes costs ~0.3 s the first time, ~0.03 s later)
INLINE_MAX_SECONDS = 0.5
DECODE_SECONDS_PER_FILE = 60e-6  # opening, parsing, copying (measured: 64x64 PNG ~160 us in all)
DECODE_SECONDS_PER_PIXEL = 25e-9  # PNG ~25 ns, JPEG ~10 ns a pixel on one core
POLL_SECONDS = 0.1  # yield progress at least this often while waiting for the workers


def worker_init() -> None:
    """Worker processes leave Ctrl-C to the parent (which shuts them down), and end when it dies.

    A worker of ``ProcessPoolExecutor`` started by a fork server or spawned holds both ends of its
    task queue, so it would wait for tasks forever after its parent was killed (kill -9, a crash),
    keeping the fork server, the resource tracker and the shared memory alive with it. A thread
    waits on the parent's sentinel (a pipe the parent holds open) and ends the process instead.
    """
    import signal

    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch() -> None:
            parent.join()
            os._exit(0)

        threading.Thread(target=watch, name="h5gui-parent-watch", daemon=True).start()


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _mp_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        # the server imports the workers' modules once; every worker is forked from it, ready to decode
        ctx.set_forkserver_preload(list(WORKER_MODULES))
        return ctx
    return multiprocessing.get_context("spawn")


def warm_fork_server() -> None:
    """Boot the fork server (~0.3 s, once per process) in the background, so that the decoders of
    an import that follows a large scan start at once."""
    if _mp_context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    threading.Thread(target=forkserver.ensure_running, name="h5gui-fork-server", daemon=True).start()


class _Done:
    """A finished 'future' for work run in this process (computed only when asked, so that a
    cancel never waits for queued work)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._fn, self._args = fn, args

    def result(self, timeout: float | None = None) -> Any:
        return self._fn(*self._args)

    def cancel(self) -> bool:
        return True


class Workers:
    """Decoder processes (``n == 0``: the work runs in this process)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._ex: ProcessPoolExecutor | None = None
        self._warming: threading.Thread | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._ex is None:
            self._ex = ProcessPoolExecutor(self.n, mp_context=_mp_context(), initializer=worker_init)
        return self._ex

    def warm_up(self) -> None:
        """Start the processes in the background (the first start also boots the fork server:
        ~0.3 s) while this thread does something else, such as reading headers."""
        if self.n <= 0 or self._ex is not None or self._warming is not None:
            return

        def start() -> None:
            try:
                self._executor().submit(cpu_count).result()
            except Exception:  # a failure shows again at the first real task
                log.debug("the decoder processes did not warm up", exc_info=True)

        self._warming = threading.Thread(target=start, name="h5gui-import-warm-up", daemon=True)
        self._warming.start()

    def _wait_warm(self) -> None:
        if self._warming is not None:
            self._warming.join()
            self._warming = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.n <= 0:
            return _Done(fn, args)
        self._wait_warm()
        return self._executor().submit(fn, *args)

    def shutdown(self, wait: bool = False) -> None:
        """Stop the processes. ``wait=False`` (cancel, error): queued tasks are cancelled, running ones
        end with their batch, and this returns at once. ``wait=True`` (the work is done): wait for the
        idle processes to exit; CPython 3.11's executor thread, left running by ``wait=False``, could
        write to its closed wake-up pipe at interpreter exit (``OSError: [Errno 9] Bad file
        descriptor`` printed by ``h5gui-cli`` after a complete import)."""
        self._wait_warm()
        ex, self._ex = self._ex, None
        if ex is not None:
            ex.shutdown(wait=wait, cancel_futures=True)


WAIT = object()


def ordered(workers: Workers, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple[Any, ...]]],
            inflight: int, prefetch: Callable[..., None] | None = None) -> Iterator[Any]:
    """Run ``fn(*args)`` for ``(key, args)`` tasks, at most ``inflight`` at a time; yield ``(key, result)``
    in submission order, or ``WAIT`` every ``POLL_SECONDS`` while the next result is not ready.

    ``prefetch(*args)`` runs here as each task is submitted: its files' reads start in the background
    a few batches before a worker gets to them.
    """
    pending: deque[tuple[Any, Any]] = deque()
    it = iter(tasks)
    more = True
    while True:
        while more and len(pending) < inflight:
            try:
                key, args = next(it)
            except StopIteration:
                more = False
                break
            if prefetch is not None:
                prefetch(*args)
            pending.append((key, workers.submit(fn, *args)))
        if not pending:
            return
        key, fut = pending[0]
        try:
            result = fut.result(timeout=POLL_SECONDS)
        except TimeoutError:
            yield WAIT
            continue
        except BrokenProcessPool as exc:
            raise UnreadableError(
                "a decoder process died (out of memory, or a file crashed the decoder); nothing was imported"
            ) from exc
        pending.popleft()
        yield key, result


def auto_workers(requested: int, n_files: int, pixels: int) -> int:
    """Decoder processes: as asked, else none for small jobs (estimated from files and pixels)."""
    if requested > 0:
        return requested
    estimate = n_files * DECODE_SECONDS_PER_FILE + pixels * DECODE_SECONDS_PER_PIXEL
    if estimate < INLINE_MAX_SECONDS or cpu_count() == 1:
        return 0
    return cpu_count()


def resize_pool(pool: Workers, n: int) -> Workers:
    """``pool`` with ``n`` processes (shut down first when it had another number)."""
    if pool.n != n:
        pool.shutdown(wait=True)  # idle between jobs: no executor thread left behind
        pool.n = n
    return pool


class Ring:
    """Shared memory that the decoder processes write their stacked batches into: the pixels are
    not pickled and copied through a pipe. One slot per batch in flight; results are consumed in
    order, so slot ``k % slots`` is free again when batch ``k`` is submitted."""

    def __init__(self, slots: int, slot_bytes: int) -> None:
        from multiprocessing import shared_memory

        self.slots, self.slot_bytes = slots, max(1, slot_bytes)
        self.shm = shared_memory.SharedMemory(create=True, size=self.slots * self.slot_bytes)
        self._next = 0

    def claim(self) -> tuple[str, int, int]:
        offset = (self._next % self.slots) * self.slot_bytes
        self._next += 1
        return self.shm.name, offset, self.slot_bytes

    def view(self, offset: int, shape: tuple[int, ...], dtype: str) -> np.ndarray:
        return np.ndarray(shape, dtype=dtype, buffer=self.shm.buf, offset=offset)

    def close(self) -> None:
        """Release and remove the shared memory (failures are logged: it goes with the process anyway)."""
        for step in (self.shm.close, self.shm.unlink):
            try:
                step()
            except Exception:
                log.debug("shared memory %s: %s failed", self.shm.name, step.__name__, exc_info=True)

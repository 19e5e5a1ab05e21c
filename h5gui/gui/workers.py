"""The one bridge between the GUI thread and HDF5: a single I/O thread running core functions.

::

    job = runner.submit(nodes.describe, file, path, key="info",
                        on_result=show, on_error=status_bar.show_error)

* one I/O thread (h5py serializes every call anyway: more threads only add contention);
* a core function may return a value or be a generator yielding :class:`Progress` and returning the
  result; a cancelled generator is closed at its next ``yield`` (its ``with`` blocks close files);
* the same ``key`` means latest wins: submitting cancels the pending or running job with that key;
* ``on_error`` is mandatory: errors are data, shown where the user looked;
* every job stays referenced until ``finished``; callbacks are connected before the job starts;
* :meth:`JobRunner.shutdown` cancels everything, waits, and closes the pooled file handles.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from h5gui.core import progress
from h5gui.core.errors import CancelledError, H5GuiError
from h5gui.core.h5 import files
from h5gui.core.progress import Progress

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.2  # seconds between progress signals of one job


class Box:
    """Carries a result across threads untouched. PySide converts a bare list or dict sent through a
    ``Signal(object)`` into a QVariantList/QVariantMap and back, with the GIL held: 0.4 s of frozen GUI
    for 100,000 names. An instance of a plain class travels as the same Python object."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class JobSignals(QObject):
    started = Signal()
    progress = Signal(object)  # Progress
    returned = Signal(object)  # Box(result)
    errored = Signal(object)  # H5GuiError
    aborted = Signal()
    finished = Signal()


def _as_user_error(exc: BaseException) -> H5GuiError:
    if isinstance(exc, H5GuiError):
        return exc
    if isinstance(exc, MemoryError):
        return H5GuiError("Not enough memory for this operation")
    text = str(exc) or type(exc).__name__
    return H5GuiError(f"Unexpected error: {text}")


class Job(QRunnable):
    """One call of a core function on the I/O thread."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 key: str | None, pool: files.HandlePool) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.key = key
        self.signals = JobSignals()
        self._pool = pool
        self._cancel = threading.Event()
        self.done = threading.Event()
        self.description = getattr(fn, "__qualname__", repr(fn))

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # on the I/O thread
        s = self.signals
        try:
            if self._cancel.is_set():
                s.aborted.emit()
                return
            s.started.emit()
            with files.pool_scope(self._pool):
                result = self.fn(*self.args, **self.kwargs)
                if isinstance(result, Generator):
                    result = self._drive(result)
            if self._cancel.is_set():
                s.aborted.emit()
            else:
                s.returned.emit(Box(result))
        except CancelledError:
            s.aborted.emit()
        except Exception as exc:  # errors are data
            if not isinstance(exc, H5GuiError):
                log.exception("job %s failed", self.description)
            if self._cancel.is_set():
                s.aborted.emit()
            else:
                s.errored.emit(_as_user_error(exc))
        finally:
            self.done.set()
            s.finished.emit()

    def _drive(self, gen: Generator[Any, None, Any]) -> Any:
        last = [0.0]

        def relay(item: Progress) -> None:  # throttled: a few signals a second, and the last one
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL or (item.total and item.done >= item.total):
                last[0] = now
                self.signals.progress.emit(item)

        return progress.run(gen, relay, self._cancel.is_set)


def _close_everything(pool: files.HandlePool) -> None:
    pool.close_all()
    from h5gui.core import nodes

    nodes.shutdown_names_worker()


class JobRunner(QObject):
    """Runs jobs one at a time on a dedicated I/O thread."""

    busy_changed = Signal(bool)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threads = QThreadPool(self)
        self._threads.setMaxThreadCount(1)
        self._threads.setExpiryTimeout(-1)  # keep the one I/O thread (it owns the pooled handles)
        self._pool = files.HandlePool()
        self._jobs: set[Job] = set()
        self._latest: dict[str, Job] = {}
        self._closed = False

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_error: Callable[[H5GuiError], None],
        on_result: Callable[[Any], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_aborted: Callable[[], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        key: str | None = None,
        **kwargs: Any,
    ) -> Job:
        if on_error is None:
            raise TypeError("on_error is mandatory: every job needs somewhere to report its error")
        job = Job(fn, args, kwargs, key, self._pool)
        s = job.signals
        if on_result is not None:
            s.returned.connect(lambda box, f=on_result: f(box.value))
        s.errored.connect(on_error)
        if on_progress is not None:
            s.progress.connect(on_progress)
        if on_aborted is not None:
            s.aborted.connect(on_aborted)
        if on_finished is not None:
            s.finished.connect(on_finished)
        s.finished.connect(lambda j=job: self._on_finished(j))
        if self._closed:
            job.cancel()
        if key is not None:
            previous = self._latest.get(key)
            if previous is not None:
                previous.cancel()
            self._latest[key] = job
        was_idle = not self._jobs
        self._jobs.add(job)
        if was_idle:
            self.busy_changed.emit(True)
        self._threads.start(job)
        return job

    def _on_finished(self, job: Job) -> None:
        self._jobs.discard(job)
        if job.key is not None and self._latest.get(job.key) is job:
            del self._latest[job.key]
        if not self._jobs:
            self.busy_changed.emit(False)
            self.idle.emit()

    def cancel(self, key: str) -> None:
        job = self._latest.get(key)
        if job is not None:
            job.cancel()

    def has_pending(self) -> bool:
        return bool(self._jobs)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the I/O thread is idle (tests and shutdown only)."""
        return self._threads.waitForDone(timeout_ms)

    def release_file(self, path: str, on_error: Callable[[H5GuiError], None]) -> Job:
        """Close the pooled handle of ``path`` on the I/O thread (refresh, close)."""
        return self.submit(files.release, path, on_error=on_error)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Cancel every job, wait for the I/O thread, then close all files there."""
        if self._closed:
            return
        self._closed = True
        for job in list(self._jobs):
            job.cancel()
        closer = Job(_close_everything, (self._pool,), {}, None, self._pool)
        self._threads.start(closer)
        if not self._threads.waitForDone(timeout_ms):
            log.warning("I/O thread did not finish within %d ms", timeout_ms)

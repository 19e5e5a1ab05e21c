"""Parent side: one supervised I/O process that owns every HDF5 handle (Qt-free, no h5py import).

::

    sup = Supervisor()
    sup.start()                       # returns at once; the process starts on the supervisor's thread
    job = sup.submit(FuncRef("h5gui.core.nodes", "describe"), file, "/meta/notes",
                     subject=(file, "/meta/notes"), key="info", on_result=show, on_error=status)
    job.cancel()

* One job runs at a time in the I/O process, in submission order; the same ``key`` means latest wins
  (a pending job with that key is dropped, a running one is cancelled at its next ``yield``).
* Every callback runs on the supervisor's own thread (a GUI adapter marshals them to its thread):
  exactly one of ``on_result`` / ``on_error`` / ``on_aborted``, then ``on_finished``; ``on_progress``
  before, rate-limited. ``on_error`` is mandatory.
* The process dies (any signal), hangs (no progress or result for the job's deadline) or outgrows the
  memory ceiling: the running job fails with one line that names the operation, object and file
  (:class:`~h5gui.core.errors.ReaderCrashedError`), the (file, path, operation) is quarantined, the
  process is restarted, the setup jobs (e.g. which files are writable) are replayed into it, and the
  queued jobs run there.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any

from h5gui.core.errors import H5GuiError
from h5gui.core.ioproc import codec, jobs, launch, procinfo
from h5gui.core.ioproc.engine import Engine
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.core.ioproc.jobs import ABORTED, Callbacks, JobHandle, RestartInfo
from h5gui.core.progress import Progress

__all__ = ["FILE_STATE_JOBS", "JobHandle", "RestartInfo", "Supervisor"]

log = logging.getLogger(__name__)

DEFAULT_DEADLINE = 15.0  # seconds without a sign of life before a job counts as hung
MEMORY_FRACTION = 0.5  # default memory ceiling of the I/O process: this share of physical memory
START_TIMEOUT = 30.0  # seconds for a new I/O process to report ready (a cold fork server included)
PRELOAD = ("h5gui.core.ioproc._preload",)
FILE_STATE_JOBS: dict[str, FuncRef] = {"writable": FuncRef("h5gui.core.ioproc.child", "set_writable")}


class Supervisor(Engine):
    """Starts, feeds, watches and restarts the I/O process.

    Parameters
    ----------
    start_method : {"forkserver", "spawn"} or None
        None: a fork server (whose preload imports h5py, numpy, hdf5plugin and the core once, in the
        server, not here) where the platform has one, else spawn.
    deadline : float
        Default seconds a job may go without a sign of life (progress or result); ``math.inf`` or 0: none.
    memory_limit : int or None
        Ceiling of the I/O process in bytes: its resident memory, and its address space on top of what
        it maps at start. None: ``memory_fraction`` of physical memory; 0: no ceiling.
    progress_interval : float
        Seconds between progress records of one job (the final record always comes).
    shm_threshold : int
        Buffers (numpy arrays) of at least this many bytes travel through shared memory.
    preload : tuple of str
        Modules the fork server (or a spawned process) imports at start.
    start_timeout : float
        Seconds a new process may take to report ready before it is killed and started again.
    on_restart : callable(RestartInfo), optional
        Called (on the supervisor's thread) when a replacement I/O process is ready.
    on_setup_error : callable(key, H5GuiError), optional
        A setup job failed while being replayed into a new process; it was dropped.
    """

    def __init__(self, *, start_method: str | None = None, deadline: float = DEFAULT_DEADLINE,
                 memory_limit: int | None = None, memory_fraction: float = MEMORY_FRACTION,
                 progress_interval: float = 0.2, shm_threshold: int = codec.THRESHOLD,
                 preload: tuple[str, ...] = PRELOAD, start_timeout: float = START_TIMEOUT,
                 on_restart: Callable[[RestartInfo], None] | None = None,
                 on_setup_error: Callable[[Hashable, H5GuiError], None] | None = None,
                 log_level: int = logging.WARNING, name: str = "h5gui-io") -> None:
        if memory_limit is None:
            physical = procinfo.physical_memory()
            memory_limit = int(physical * memory_fraction) if physical else 0
        super().__init__(start_method=start_method, deadline=deadline, memory_limit=memory_limit or None,
                         progress_interval=progress_interval, shm_threshold=shm_threshold, preload=preload,
                         start_timeout=start_timeout, on_restart=on_restart, on_setup_error=on_setup_error,
                         log_level=log_level, name=name)
        self._file_state: dict[str, dict[str, Any]] = {}
        _LIVE.add(self)

    def start(self) -> None:
        """Start the supervisor's thread, which launches the I/O process; returns at once."""
        with self._lock:
            if self._thread is not None or self._finished:
                return
            self._thread = threading.Thread(target=self._main, name=f"{self.name}-supervisor", daemon=True)
        self._thread.start()

    def submit(self, ref: FuncRef, *args: Any, on_error: Callable[[H5GuiError], None],
               on_result: Callable[[Any], None] | None = None,
               on_progress: Callable[[Progress], None] | None = None,
               on_aborted: Callable[[], None] | None = None, on_finished: Callable[[], None] | None = None,
               key: Hashable | None = None, subject: tuple[str, str | None] | None = None,
               operation: str = "reading", deadline: float | None = None, force: bool = False,
               urgent: bool = False, **kwargs: Any) -> JobHandle:
        """Queue ``ref(*args, **kwargs)`` for the I/O process and return its :class:`JobHandle`.

        ``subject=(file, path)`` and ``operation`` name what the job does in its messages and its
        quarantine entry; ``deadline`` overrides the default silence limit for this job; ``force`` runs a
        quarantined (file, path, operation) anyway; ``urgent`` queues it ahead of waiting reads that are not
        urgent (never ahead of a write). These parameter names cannot be passed on in ``kwargs``.
        Starts the supervisor if needed. After :meth:`shutdown` the job is aborted at once (on this thread).
        """
        if on_error is None:
            raise TypeError("on_error is mandatory: every job needs somewhere to report its error")
        if not isinstance(ref, FuncRef):
            raise TypeError(f"jobs are named by FuncRef, not {type(ref).__name__}")
        if subject is not None:
            subject = jobs.subject_key(*subject)
        job = JobHandle(self, next(self._ids), ref, args, kwargs,
                        Callbacks(on_error, on_result, on_progress, on_aborted, on_finished), key=key,
                        subject=subject, operation=operation, deadline=deadline, force=force,
                        urgent=urgent)
        if not self._post(self._enqueue, job):
            job._finish(ABORTED)  # after shutdown: on this thread, nothing will ever run it
            return job
        self.start()
        return job

    def call(self, ref: FuncRef, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run a job and wait for it: its value, or its :class:`H5GuiError` raised (``CancelledError`` when
        aborted). ``subject``, ``operation``, ``deadline``, ``force`` and ``key`` work as in :meth:`submit`."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("call() on the supervisor's thread would wait for itself")
        return self.submit(ref, *args, on_error=_ignore, **kwargs).result(timeout)

    def cancel(self, key: Hashable) -> None:
        """Cancel the latest job submitted with ``key``."""
        self._post(self._cancel_key, key)

    def _cancel_key(self, key: Hashable) -> None:
        job = self._latest.get(key)
        if job is not None:
            self._cancel_job(job)

    def kill_running(self, *, quarantine: bool = False, job: JobHandle | None = None) -> None:
        """Stop a stuck job by killing the I/O process (the user's "cancel stuck job"): the job is aborted
        and the process restarted. ``quarantine`` also remembers its (file, path, operation). With ``job``,
        only when that job is the one running (else it is cancelled as usual)."""
        self._post(self._kill_running, quarantine, job)

    def listen(self, *, on_restart: Callable[[RestartInfo], None] | None = None,
               on_setup_error: Callable[[Hashable, H5GuiError], None] | None = None) -> None:
        """Set the ``on_restart`` and ``on_setup_error`` callbacks (for a supervisor started before its
        front end existed); None leaves one as it was."""
        if on_restart is not None:
            self._on_restart = on_restart
        if on_setup_error is not None:
            self._on_setup_error = on_setup_error

    def quarantined(self, file: str, path: str | None, operation: str | None = None) -> str | None:
        """Why (file, path) must not be read again automatically (its one-line message), or None; with
        ``operation``, only for that operation."""
        f, p = jobs.subject_key(file, path)
        with self._lock:
            for (qf, qp, op), err in self._quarantine.items():
                if qf == f and qp == p and (operation is None or op == operation):
                    return str(err)
        return None

    def clear_quarantine(self, file: str | None = None, path: str | None = None) -> None:
        """Forget quarantined objects: all, those of ``file``, or the one (file, path)."""
        f = None if file is None else jobs.subject_key(file, None)[0]
        with self._lock:
            for k in list(self._quarantine):
                if (f is None or k[0] == f) and (path is None or k[1] == path):
                    del self._quarantine[k]

    def set_file_state(self, file: str, **state: Any) -> None:
        """Remember per-file state that every new I/O process gets before its first job, e.g.
        ``set_file_state(f, writable=True)`` once editing was enabled; a value None forgets it. Each
        name is replayed as the setup job ``FILE_STATE_JOBS[name](file, value)``."""
        unknown = set(state) - set(FILE_STATE_JOBS)
        if unknown:
            raise ValueError(f"unknown file state {sorted(unknown)}; known: {sorted(FILE_STATE_JOBS)}")
        f = jobs.subject_key(file, None)[0]
        with self._lock:
            current = self._file_state.setdefault(f, {})
            for name, value in state.items():
                if value is None:
                    current.pop(name, None)
                else:
                    current[name] = value
            if not current:
                del self._file_state[f]
        for name, value in state.items():
            key = ("file-state", f, name)
            if value is None:
                self.remove_setup_job(key)
            else:
                self.add_setup_job(key, FILE_STATE_JOBS[name], f, value)

    def file_state(self, file: str) -> dict[str, Any]:
        """The state :meth:`set_file_state` remembers for ``file``."""
        with self._lock:
            return dict(self._file_state.get(jobs.subject_key(file, None)[0], {}))

    def add_setup_job(self, key: Hashable, ref: FuncRef, *args: Any, **kwargs: Any) -> None:
        """Replay ``ref(*args, **kwargs)`` into every *new* I/O process before queued jobs (same key:
        replaced). A setup job that fails is dropped and reported to ``on_setup_error``."""
        self._post(self._setup.__setitem__, key, (ref, args, kwargs))

    def remove_setup_job(self, key: Hashable) -> None:
        self._post(self._setup.pop, key, None)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until an I/O process is ready for jobs (tests, benchmarks, the CLI)."""
        return self._ready.wait(timeout)

    @property
    def pid(self) -> int | None:
        """Pid of the current I/O process (None between processes)."""
        child = self._child
        return child.process.pid if child is not None else None

    @property
    def start_method(self) -> str:
        if self._ctx is None:
            self._ctx = launch.context(self._method, self._preload)
        return str(self._ctx.get_start_method())

    def shutdown(self, timeout: float = 2.0) -> None:
        """Abort queued jobs, cancel the running one, ask the I/O process to close its files and exit,
        kill it after ``timeout`` seconds. Waits for all of it (except on the supervisor's thread)."""
        with self._lock:
            thread = self._thread
            if thread is None:
                self._closing = True
        if thread is None:  # never started: jobs submitted meanwhile are aborted here
            self._finish_all()
            return
        self._post(self._begin_close, timeout)
        if thread is not threading.current_thread():
            thread.join(timeout + 10)
            if thread.is_alive():
                log.warning("%s: the supervisor thread did not stop", self.name)


    def _begin_close(self, timeout: float) -> None:  # on the supervisor's thread
        if self._closing:
            return
        self._closing = True
        self._close_by = time.monotonic() + timeout
        for job in (*self._setup_queue, *self._pending):
            self._done(job, ABORTED)
        self._setup_queue.clear()
        self._pending.clear()
        if self._running is not None:
            self._cancel_job(self._running)
        child = self._child
        if child is not None:
            if not child.ready:
                self._kill(child, "close")
                return
            try:
                codec.send(child.conn, child.encoder, codec.CLOSE, 0)
            except (EOFError, OSError):
                self._kill(child, "close")


def _ignore(_: Any) -> None:
    return None


_LIVE: weakref.WeakSet[Supervisor] = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    """At interpreter exit (before multiprocessing joins its children): stop every live supervisor."""
    for sup in list(_LIVE):
        try:
            sup.shutdown(timeout=1.0)
        except Exception:
            log.exception("shutting down %s failed", sup.name)

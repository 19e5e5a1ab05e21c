"""The one bridge between the GUI and HDF5: jobs run in the supervised I/O process, results come back
to the GUI thread.

::

    job = runner.submit(api.nodes.describe, file, path, key="info",
                        on_result=show, on_error=status_bar.show_error)

* jobs are named, not imported (:mod:`h5gui.core.api`): the GUI process never imports h5py. Every job
  runs in one I/O process (:class:`~h5gui.core.ioproc.supervisor.Supervisor`), one at a time, which a
  crash, a hang or a memory blow-up inside libhdf5 cannot take the window down with: the running job
  fails with one line, the object is quarantined (:attr:`JobRunner.crashed`), the process restarts;
* a core function may return a value or be a generator yielding :class:`Progress` and returning the
  result; a cancelled generator is closed at its next ``yield`` (its ``with`` blocks close files);
* the same ``key`` means latest wins: submitting cancels the pending or running job with that key, and
  a result of a cancelled job is never delivered (``on_aborted`` instead);
* ``on_error`` is mandatory: errors are data, shown where the user looked;
* callbacks are given to :meth:`JobRunner.submit`, so they are in place before the job starts (a job
  has no signals to connect later), and they run on the GUI thread, in order: ``on_progress``\\*,
  exactly one of ``on_result`` / ``on_error`` / ``on_aborted``, then ``on_finished``;
* :meth:`JobRunner.shutdown` cancels everything, lets the I/O process close its files, and stops it.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, Signal

from h5gui.core import api, routes
from h5gui.core.errors import H5GuiError, ReaderCrashedError
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.core.ioproc.jobs import RUNNING, JobHandle
from h5gui.core.ioproc.supervisor import DEFAULT_DEADLINE, MEMORY_FRACTION, Supervisor
from h5gui.core.progress import Progress

log = logging.getLogger(__name__)

LONG_DEADLINE_FACTOR = 8  # long jobs (imports, transforms, exports) may be silent this many deadlines
SETTING_DEADLINE = "reader/deadline"  # seconds a job may give no sign of life (default 15)
SETTING_MEMORY = "reader/memory_fraction"  # ceiling of the I/O process, share of physical memory (0.5)


def reader_options(settings: QSettings | None) -> dict[str, float]:
    """The I/O process's deadline and memory ceiling from the user's settings (defaults where unset or bad)."""
    out = {"deadline": DEFAULT_DEADLINE, "memory_fraction": MEMORY_FRACTION}
    if settings is None:
        return out
    for key, name in ((SETTING_DEADLINE, "deadline"), (SETTING_MEMORY, "memory_fraction")):
        raw = settings.value(key)
        if raw is None or raw == "":
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            log.warning("setting %s=%r is not a number: using %g", key, raw, out[name])
            continue
        if value > 0:
            out[name] = value
    return out


def start_reader(settings: QSettings | None = None) -> Supervisor:
    """Create and start the supervised I/O process (it boots on the supervisor's thread; returns at once)."""
    options = reader_options(settings)
    sup = Supervisor(deadline=options["deadline"], memory_fraction=options["memory_fraction"])
    sup.start()
    return sup


class Job:
    """A job submitted to the I/O process, as its caller sees it: :meth:`cancel` and a few facts.

    It has no signals: what it reports goes to the callbacks given to :meth:`JobRunner.submit`.
    """

    __slots__ = ("ref", "key", "cancelled", "finished", "handle", "sent_at", "description", "on_result", "on_error",
                 "on_progress", "on_aborted", "on_finished")

    def __init__(self, ref: FuncRef, key: Hashable | None, on_result: Callable[[Any], None] | None,
                 on_error: Callable[[H5GuiError], None], on_progress: Callable[[Progress], None] | None,
                 on_aborted: Callable[[], None] | None, on_finished: Callable[[], None] | None) -> None:
        self.ref = ref
        self.key = key
        self.cancelled = False
        self.finished = False
        self.handle: JobHandle | None = None  # the supervisor's record, dropped when finished (with the result)
        self.sent_at = 0.0  # when the I/O process was given the job (time.monotonic; 0: it never ran)
        self.description = f"running {ref}"  # what the job does, in words: "reading /x in f.h5"
        self.on_result = on_result
        self.on_error = on_error
        self.on_progress = on_progress
        self.on_aborted = on_aborted
        self.on_finished = on_finished

    def __repr__(self) -> str:
        return f"<Job {self.ref} key={self.key!r}{' cancelled' if self.cancelled else ''}>"

    def cancel(self) -> None:
        """Drop the job if it waits; close it at its next ``yield`` if it runs. ``on_aborted`` follows."""
        if self.finished or self.cancelled:
            return
        self.cancelled = True
        if self.handle is not None:
            self.handle.cancel()

    def running(self) -> bool:
        """Whether the I/O process is running this job now."""
        return not self.finished and self.handle is not None and self.handle.state == RUNNING

    def seconds_running(self) -> float:
        """How long it has been running (0 when it is not)."""
        handle = self.handle
        if handle is None or handle.state != RUNNING or not handle.sent_at:
            return 0.0
        return max(0.0, time.monotonic() - handle.sent_at)


class JobRunner(QObject):
    """Runs jobs in the supervised I/O process and delivers what they report on the GUI thread.

    ``busy_changed(bool)`` and ``idle`` follow the set of unfinished jobs; ``crashed(ReaderCrashedError)``
    says which object crashed or hung the reader (to mark it); ``restarted(RestartInfo)`` that a new I/O
    process took over. Connect them once, when the runner is made.
    """

    busy_changed = Signal(bool)
    idle = Signal()
    crashed = Signal(object)  # ReaderCrashedError naming the file, object and operation that failed
    restarted = Signal(object)  # RestartInfo
    setup_failed = Signal(object, object)  # key of a replayed setup job (e.g. a file made writable), H5GuiError
    _relay = Signal(object)  # (job number, kind, value) from the supervisor's thread

    def __init__(self, parent: QObject | None = None, *, supervisor: Supervisor | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.supervisor = supervisor if supervisor is not None else start_reader(settings)
        self.supervisor.listen(on_restart=lambda info: self._relay.emit((None, "restarted", info)),
                               on_setup_error=lambda key, err: self._relay.emit((None, "setup", (key, err))))
        self.supervisor.start()
        self._jobs: dict[Job, None] = {}  # unfinished jobs, in submission order
        self._by_number: dict[int, Job] = {}  # unfinished jobs by the number their callbacks carry
        self._numbers = itertools.count(1)
        self._latest: dict[Hashable, Job] = {}
        self._closed = False

    @property
    def long_deadline(self) -> float:
        return self.supervisor.deadline * LONG_DEADLINE_FACTOR if self.supervisor.deadline else 0.0

    # ------------------------------------------------------------------ submitting
    def submit(
        self,
        fn: FuncRef,
        *args: Any,
        on_error: Callable[[H5GuiError], None],
        on_result: Callable[[Any], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_aborted: Callable[[], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        key: Hashable | None = None,
        subject: tuple[str, str | None] | None = None,
        operation: str | None = None,
        deadline: float | None = None,
        force: bool = False,
        **kwargs: Any,
    ) -> Job:
        """Run ``fn(*args, **kwargs)`` in the I/O process; ``fn`` is a :class:`FuncRef` (see
        :mod:`h5gui.core.api`). ``subject`` ``(file, path)`` and ``operation`` name what the job does in
        its messages and its quarantine entry (by default as ``api`` declares ``fn``); ``deadline``: seconds
        without a sign of life before the job counts as hung (default: the reader's, longer for long
        jobs); ``force``: read an object even though it crashed the reader before (the user's "Try again")."""
        if on_error is None:
            raise TypeError("on_error is mandatory: every job needs somewhere to report its error")
        if not isinstance(fn, FuncRef):
            raise TypeError(f"jobs are named by FuncRef (see h5gui.core.api), not {type(fn).__name__}")
        kind = api.kind_of(fn)
        if subject is None:
            subject = api.subject_of(fn, args)
        if operation is None:
            operation = kind.operation if kind is not None else "reading"
        if deadline is None and kind is not None and kind.long:
            deadline = self.long_deadline
        fn, args = routes.route(fn, args)  # an hdf5:// domain is read by the core's HSDS twin
        job = Job(fn, key, on_result, on_error, on_progress, on_aborted, on_finished)
        # the supervisor's callbacks name the job by its number, so that they hold no reference to it: a
        # finished job and its result are freed as soon as nobody uses them (a cycle would keep big
        # arrays until the next full garbage collection). They are queued to this thread: nothing is
        # delivered before submit() has returned.
        number = next(self._numbers)
        relay = self._relay.emit
        job.handle = self.supervisor.submit(
            fn, *args, key=key, subject=subject, operation=operation, deadline=deadline, force=force,
            urgent=kind is not None and kind.urgent,
            on_error=lambda err: relay((number, "error", err)),
            on_result=lambda value: relay((number, "result", value)),
            on_progress=(lambda p: relay((number, "progress", p))) if on_progress is not None else None,
            on_aborted=lambda: relay((number, "aborted", None)),
            on_finished=lambda: relay((number, "finished", None)),
            **kwargs,
        )
        self._by_number[number] = job
        if key is not None:
            previous = self._latest.get(key)
            if previous is not None:
                previous.cancel()  # the supervisor did too; this also keeps its result from being delivered
            self._latest[key] = job
        was_idle = not self._jobs
        self._jobs[job] = None
        if was_idle:
            self.busy_changed.emit(True)
        job.description = job.handle.describe()
        if self._closed:
            job.cancel()
        return job

    # ------------------------------------------------------------------ delivering (GUI thread)
    def _deliver(self, item: tuple[int | None, str, Any]) -> None:
        number, kind, value = item
        if number is None:
            self._deliver_event(kind, value)
            return
        job = self._by_number.get(number)
        if job is None:  # after shutdown
            return
        if kind == "progress":
            if job.on_progress is not None and not job.cancelled and not self._closed:
                job.on_progress(value)
            return
        if kind == "finished":
            job.finished = True
            del self._by_number[number]
            try:
                if job.on_finished is not None and not self._closed:
                    job.on_finished()
            finally:
                self._forget(job)
            return
        if kind == "error" and isinstance(value, ReaderCrashedError) and value.cause != "start":
            self.crashed.emit(value)
        if self._closed:
            return
        if kind == "aborted" or job.cancelled:
            if job.on_aborted is not None:
                job.on_aborted()
        elif kind == "result":
            if job.on_result is not None:
                job.on_result(value)
        else:
            job.on_error(value)

    def _deliver_event(self, kind: str, value: Any) -> None:
        if kind == "restarted":
            self.restarted.emit(value)
        elif kind == "setup":
            self.setup_failed.emit(*value)

    def _forget(self, job: Job) -> None:
        if job.handle is not None:
            job.sent_at = job.handle.sent_at
            job.handle = None  # it holds the result
        if job not in self._jobs:
            return
        del self._jobs[job]
        if job.key is not None and self._latest.get(job.key) is job:
            del self._latest[job.key]
        if not self._jobs:
            self.busy_changed.emit(False)
            self.idle.emit()

    # ------------------------------------------------------------------ control
    def cancel(self, key: Hashable) -> None:
        job = self._latest.get(key)
        if job is not None:
            job.cancel()

    def has_pending(self) -> bool:
        return bool(self._jobs)

    def running_job(self) -> Job | None:
        """The job the I/O process is running now, if it is one of ours."""
        return next((job for job in self._jobs if job.running()), None)

    def kill_running(self, job: Job | None = None, *, quarantine: bool = False) -> None:
        """Stop a stuck job by killing the I/O process, which restarts (its files reopen in their modes);
        with ``job``, only when that job is the one running (else it is just cancelled). ``quarantine``:
        its object is not read again automatically."""
        handle = job.handle if job is not None else None
        if job is not None:
            job.cancelled = True
        self.supervisor.kill_running(quarantine=quarantine, job=handle)

    def quarantined(self, file: str, path: str | None, operation: str | None = "reading") -> str | None:
        """Why ``path`` of ``file`` is not read again automatically (it crashed or hung the reader), or None."""
        return self.supervisor.quarantined(file, path, operation)

    def clear_quarantine(self, file: str | None = None, path: str | None = None) -> None:
        self.supervisor.clear_quarantine(file, path)

    def set_file_state(self, file: str, **state: Any) -> None:
        """Per-file state replayed into every new I/O process (``writable=True``; None forgets it)."""
        self.supervisor.set_file_state(file, **state)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until every job has finished and its callbacks ran (tests and benchmarks only; the
        callbacks may submit more jobs, which are waited for too). False on timeout."""
        deadline = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        while True:
            for job in list(self._jobs):
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                if job.handle is not None and not job.handle.wait(left):
                    return False
            QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall.value)  # deliver the queued callbacks
            if not self._jobs:
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False

    def release_file(self, path: str, on_error: Callable[[H5GuiError], None]) -> Job:
        """Close the I/O process's handle of ``path`` (refresh, close); its file state is forgotten."""
        self.supervisor.set_file_state(path, writable=None)
        return self.submit(api.files.release, path, on_error=on_error)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Cancel every job, let the I/O process close its files, and stop it (callbacks are not called
        any more)."""
        if self._closed:
            return
        self._closed = True
        for job in list(self._jobs):
            job.cancel()
        self.supervisor.shutdown(timeout=min(2.0, timeout_ms / 1000))
        was_busy = bool(self._jobs)
        self._jobs.clear()
        self._by_number.clear()
        self._latest.clear()
        if was_busy:
            self.busy_changed.emit(False)

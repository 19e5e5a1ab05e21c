"""Jobs as the supervisor sees them: :class:`JobHandle` and the one-line messages of a dead reader."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

from h5gui.core.errors import CancelledError, H5GuiError, ReaderCrashedError, UnreadableError, damaged_text
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.core.ioproc.procinfo import format_bytes
from h5gui.core.progress import Progress

log = logging.getLogger(__name__)

PENDING, RUNNING, DONE = "pending", "running", "done"
RESULT, ERROR, ABORTED = "result", "error", "aborted"
RESTARTED = "h5gui restarted its reader"


class Owner(Protocol):
    """What a job needs of the supervisor that made it (a protocol: no import of the supervisor here)."""

    def _post(self, fn: Callable[..., Any], *args: Any) -> bool: ...

    def _cancel_job(self, job: JobHandle) -> None: ...


@dataclass(frozen=True, slots=True)
class Callbacks:
    """Where a job reports; all are called on the supervisor's thread, ``on_finished`` last."""

    on_error: Callable[[H5GuiError], None]
    on_result: Callable[[Any], None] | None = None
    on_progress: Callable[[Progress], None] | None = None
    on_aborted: Callable[[], None] | None = None
    on_finished: Callable[[], None] | None = None


@dataclass(frozen=True, slots=True)
class RestartInfo:
    """A new I/O process is ready after one died: why (``crashed``, ``hung``, ``memory``, ``killed``,
    ``exited``, ``start``), the message given to the job that was running (empty if none), how long
    from noticing the death to ready, and the new process's pid."""

    reason: str
    message: str
    seconds: float
    pid: int


class JobHandle:
    """One call of a function in the I/O process, from :meth:`Supervisor.submit`.

    ``state`` goes ``pending`` -> ``running`` -> ``done``; ``outcome`` is then ``("result", value)``,
    ``("error", H5GuiError)`` or ``("aborted", None)``.
    """

    def __init__(self, supervisor: Owner | None, job_id: int, ref: FuncRef, args: tuple[Any, ...],
                 kwargs: dict[str, Any], callbacks: Callbacks, *, key: Hashable | None = None,
                 subject: tuple[str, str | None] | None = None, operation: str = "reading",
                 deadline: float | None = None, force: bool = False, setup_key: Hashable | None = None,
                 urgent: bool = False) -> None:
        self._supervisor = supervisor
        self.id = job_id
        self.ref = ref
        self.args = args
        self.kwargs = kwargs
        self.callbacks = callbacks
        self.key = key
        self.subject = subject
        self.operation = operation
        self.deadline = deadline
        self.force = force
        self.setup_key = setup_key  # a replayed setup job (None for ordinary jobs)
        self.urgent = urgent  # queued ahead of waiting reads that are not (what is on screen first)
        self.state = PENDING
        self.outcome: tuple[str, Any] | None = None
        self.cancel_requested = False
        self.sent_at = 0.0
        self.last_sign = 0.0  # last sign of life (sent, progress, alive), time.monotonic()
        self._done = threading.Event()

    def __repr__(self) -> str:
        return f"<JobHandle {self.id} {self.ref} {self.state}>"

    def cancel(self) -> None:
        """Drop the job if it has not started; close it at its next ``yield`` if it runs (``on_aborted``)."""
        if self._supervisor is not None:
            self._supervisor._post(self._supervisor._cancel_job, self)

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done (True) or ``timeout`` seconds passed (False). Not on the supervisor's
        thread (callbacks): that would wait for itself."""
        return self._done.wait(timeout)

    def result(self, timeout: float | None = None) -> Any:
        """Wait and return the job's value; raise its :class:`H5GuiError`, or :class:`CancelledError`."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"{self.ref} did not finish within {timeout} s")
        assert self.outcome is not None
        kind, value = self.outcome
        if kind == RESULT:
            return value
        if kind == ERROR:
            raise value
        raise CancelledError()

    def describe(self) -> str:
        """What the job does, in words: ``"reading /meta/notes in BAD.h5"``."""
        return describe(self.ref, self.subject, self.operation)

    def _finish(self, kind: str, value: Any = None) -> None:
        """Record the outcome and call the callbacks (on the supervisor's thread)."""
        if self.state == DONE:
            return
        self.state = DONE
        self.outcome = (kind, value)
        cb = self.callbacks
        try:
            if kind == RESULT and cb.on_result is not None:
                call_safely(cb.on_result, value)
            elif kind == ERROR:
                call_safely(cb.on_error, value)
            elif kind == ABORTED and cb.on_aborted is not None:
                call_safely(cb.on_aborted)
            if cb.on_finished is not None:
                call_safely(cb.on_finished)
        finally:
            self._done.set()

    def _progress(self, item: Progress) -> None:
        if self.callbacks.on_progress is not None and not self.cancel_requested:
            call_safely(self.callbacks.on_progress, item)


def call_safely(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # a broken callback must not take the supervisor down: log it
        log.exception("callback %r failed", fn)


def describe(ref: FuncRef, subject: tuple[str, str | None] | None, operation: str) -> str:
    """``"reading /meta/notes in BAD.h5"``, ``"reading BAD.h5"`` or ``"running module:function"``."""
    if subject is None:
        return f"running {ref}"
    file, path = subject
    name = os.path.basename(str(file)) or str(file)
    where = f"{operation} {path} in {name}" if path else f"{operation} {name}"
    return where.replace("\r", "\\r").replace("\n", "\\n")  # a name with a line break: still one line


def _error(job: JobHandle, message: str, cause: str) -> ReaderCrashedError:
    file, path = job.subject if job.subject is not None else ("", "")
    return ReaderCrashedError(message, str(file), path or "", job.operation, cause)


def crash_error(job: JobHandle, exitcode: int | None) -> ReaderCrashedError:
    """``libhdf5 crashed reading /meta/notes in BAD.h5 (signal 11); h5gui restarted its reader``."""
    if exitcode is not None and exitcode < 0:
        return _error(job, f"libhdf5 crashed {job.describe()} (signal {-exitcode}); {RESTARTED}", "crashed")
    code = "" if exitcode is None else f" (exit code {exitcode})"
    return _error(job, f"the reader exited{code} while {job.describe()}; {RESTARTED}", "exited")


def hang_error(job: JobHandle, seconds: float) -> ReaderCrashedError:
    """``reading /meta/notes in BAD.h5 did not finish in 15 s; h5gui restarted its reader``."""
    return _error(job, f"{job.describe()} did not finish in {seconds:g} s; {RESTARTED}", "hung")


def memory_error(job: JobHandle, limit: int | None) -> ReaderCrashedError:
    """``reading /x in F.h5 needs more than 2 GB of memory; h5gui restarted its reader``."""
    need = f"more than {format_bytes(limit)} of memory" if limit else "more memory than there is"
    return _error(job, f"{job.describe()} needs {need}; {RESTARTED}", "memory")


def damaged_error(job: JobHandle, reason: str) -> UnreadableError:
    """``listing /g in F.h5 failed: bad symbol table node signature (libhdf5: the file may be damaged)``."""
    return UnreadableError(damaged_text(job.describe(), reason))


def unexpected_error(job: JobHandle, text: str) -> H5GuiError:
    """``describing /x in F.h5 failed: Unexpected error: ...`` (an h5gui bug the job ran into, with its
    object named); ``text`` alone for a job without one."""
    return H5GuiError(f"{job.describe()} failed: {text}" if job.subject is not None else text)


def stopped_error(job: JobHandle) -> ReaderCrashedError:
    """``reading /x in F.h5 was stopped by the user; h5gui restarted its reader`` (a quarantine entry)."""
    return _error(job, f"{job.describe()} was stopped by the user; {RESTARTED}", "stopped")


def subject_key(file: str, path: str | None) -> tuple[str, str | None]:
    """How a (file, path) subject is compared: the file's absolute path (no symlinks resolved); a URL
    (``s3://``, ``https://``, ``hdf5://``) as it is."""
    text = os.fspath(file)
    return (text if "://" in text else os.path.abspath(text)), path

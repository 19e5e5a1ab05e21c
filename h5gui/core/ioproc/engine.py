"""The supervisor's thread: launches the I/O process, feeds it jobs, reads its replies, watches it.

All job and process state lives on this one thread; the public methods of
:class:`~h5gui.core.ioproc.supervisor.Supervisor` only *post* work here (:meth:`Engine._post`), so no
state is shared between threads except the few things guarded by ``_lock`` (the posted work, the
quarantine and the file state, which other threads read).
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from multiprocessing.connection import wait
from typing import Any

from h5gui.core.errors import H5GuiError, ReaderCrashedError
from h5gui.core.ioproc import codec, jobs, launch, shm
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.core.ioproc.jobs import ABORTED, DONE, ERROR, PENDING, RESULT, RUNNING, Callbacks, JobHandle, RestartInfo
from h5gui.core.ioproc.launch import Child
from h5gui.core.ioproc.mailbox import Mailbox
from h5gui.core.ioproc.procinfo import ChildConfig, format_bytes, rss

log = logging.getLogger(__name__)

RSS_POLL = 0.1  # seconds between RSS checks while a job runs
MAX_START_FAILURES = 3


PASSABLE = frozenset({"reading", "listing", "looking up", "searching", "checking", "previewing"})  # reads

class Engine(Mailbox):
    """State and thread of a supervisor (see :class:`~h5gui.core.ioproc.supervisor.Supervisor`)."""

    def __init__(self, *, start_method: str | None, deadline: float, memory_limit: int | None,
                 progress_interval: float, shm_threshold: int, preload: tuple[str, ...], start_timeout: float,
                 on_restart: Callable[[RestartInfo], None] | None,
                 on_setup_error: Callable[[Hashable, H5GuiError], None] | None, log_level: int, name: str) -> None:
        self.deadline = deadline
        self.memory_limit = memory_limit
        self.name = name
        self._method = start_method
        self._progress_interval = progress_interval
        self._threshold = shm_threshold
        self._preload = tuple(preload)
        self._start_timeout = start_timeout
        self._on_restart = on_restart
        self._on_setup_error = on_setup_error
        self._log_level = log_level
        self._ctx: Any = None
        Mailbox.__init__(self)
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)
        self._seq = 0
        self._child: Child | None = None
        self._pending: deque[JobHandle] = deque()
        self._setup_queue: deque[JobHandle] = deque()
        self._running: JobHandle | None = None
        self._latest: dict[Hashable, JobHandle] = {}
        self._quarantine: dict[tuple[str, str | None, str], ReaderCrashedError] = {}
        self._setup: dict[Hashable, tuple[FuncRef, tuple[Any, ...], dict[str, Any]]] = {}
        self._start_failures = 0
        self._death: tuple[float, str, str] | None = None  # (noticed at, reason, message) until the next ready
        self._next_rss = 0.0
        self._closing = False
        self._close_by = 0.0
        self._ready = threading.Event()
        self.start_seconds: float | None = None  # launch to ready of the first process
        self.restart_seconds: list[float] = []  # death noticed to ready, per restart

    # -- the loop -------------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            shm.sweep_orphans()
            self._launch()
            while not (self._closing and self._child is None):
                self._run_posted()
                if self._closing and self._child is None:
                    break
                self._dispatch()
                child = self._child
                waitables: list[Any] = [self._wake_r]
                if child is not None:
                    waitables += [child.conn, child.process.sentinel]
                ready = wait(waitables, self._timeout())
                if self._wake_r in ready:
                    try:
                        os.read(self._wake_r, 4096)
                    except BlockingIOError:
                        pass
                if child is not None and child is self._child and child.conn in ready:
                    self._read(child)
                if child is not None and child is self._child and child.process.sentinel in ready:
                    self._on_exit(child)
                self._check_timers()
        except BaseException:
            log.exception("%s: the supervisor thread failed", self.name)
            raise
        finally:
            self._finish_all()

    def _finish_all(self) -> None:
        self._closing = True
        if self._child is not None:
            self._kill(self._child, "close")
        self._run_posted()
        with self._lock:
            self._finished = True  # from now on nothing is posted
        self._run_posted()
        for job in (*self._setup_queue, *self._pending, *([self._running] if self._running else [])):
            self._done(job, ABORTED)
        self._setup_queue.clear()
        self._pending.clear()
        self._running = None
        self._close_pipe()

    def _timeout(self) -> float | None:
        now = time.monotonic()
        limits: list[float] = []
        child, job = self._child, self._running
        if child is not None and not child.ready:
            limits.append(child.launched_at + self._start_timeout - now)
        if job is not None:
            deadline = self._deadline_of(job)
            if deadline is not None:
                limits.append(job.last_sign + deadline - now)
            if self.memory_limit:
                limits.append(RSS_POLL)
        if self._closing:
            limits.append(self._close_by - now)
        return max(0.0, min(limits)) if limits else None

    def _deadline_of(self, job: JobHandle) -> float | None:
        d = self.deadline if job.deadline is None else job.deadline
        return None if not d or d <= 0 or math.isinf(d) else d

    def _check_timers(self) -> None:
        now = time.monotonic()
        child, job = self._child, self._running
        if child is None:
            return
        if self._closing and now >= self._close_by:
            self._kill(child, "close")
            return
        if not child.ready and now - child.launched_at > self._start_timeout:
            log.warning("%s: the I/O process did not start within %g s", self.name, self._start_timeout)
            self._kill(child, "start")
            return
        if job is None:
            return
        deadline = self._deadline_of(job)
        if deadline is not None and now - job.last_sign > deadline:
            self._kill(child, "hung")
            return
        if self.memory_limit and now >= self._next_rss:
            self._next_rss = now + RSS_POLL
            used = rss(child.process.pid)
            if used is not None and used > self.memory_limit:
                log.warning("%s: the I/O process uses %s, over its ceiling of %s", self.name,
                            format_bytes(used), format_bytes(self.memory_limit))
                self._kill(child, "memory")

    # -- the process ----------------------------------------------------------------------------

    def _launch(self) -> None:
        while self._start_failures < MAX_START_FAILURES:
            if self._ctx is None:
                self._ctx = launch.context(self._method, self._preload)
            self._seq += 1
            config = ChildConfig(launch.prefix(self._seq), self._threshold, self._progress_interval,
                                 self.memory_limit, self._preload, self._log_level)
            try:
                seq = self._seq

                def on_free(name: str, seq: int = seq) -> None:  # from any thread, from finalizers
                    self._note_freed(seq, name)
                self._child = launch.start(self._ctx, self._seq, config, self.name, on_free)  # on this long-lived thread
                return
            except Exception:
                log.exception("%s: cannot start the I/O process", self.name)
                self._start_failures += 1
                if self._method is None and self._ctx.get_start_method() == "forkserver":
                    log.warning("%s: falling back to the spawn start method", self.name)
                    self._ctx = launch.context("spawn", self._preload)
        self._give_up()

    def _give_up(self) -> None:
        """The I/O process cannot be started: every waiting job fails (a later submit tries again)."""
        message = f"h5gui could not start its reader ({self._start_failures} attempts); see the log"
        log.error("%s: %s", self.name, message)
        self._start_failures = 0
        for job in (*self._setup_queue, *self._pending):
            self._done(job, ERROR, ReaderCrashedError(message, cause="start"))
        self._setup_queue.clear()
        self._pending.clear()

    def _kill(self, child: Child, reason: str) -> None:
        if child.kill_reason is None:
            child.kill_reason = reason
        child.process.kill()
        child.process.join(5.0)
        self._on_exit(child)

    def _on_exit(self, child: Child) -> None:
        if child is not self._child:
            return
        self._child = None
        self._ready.clear()
        self._drain(child)  # a reply may have been sent just before the end
        child.process.join(2.0)
        if child.process.exitcode is None:  # its pipe closed, yet it runs: it must not outlive its successor
            child.kill_reason = child.kill_reason or "exited"
            child.process.kill()
            child.process.join(5.0)
        exitcode = child.process.exitcode
        try:
            child.conn.close()
            if exitcode is not None:
                child.process.close()
        except (OSError, ValueError):
            log.warning("%s: cannot release the I/O process's resources", self.name, exc_info=True)
        swept = shm.sweep(child.prefix)
        if swept:
            log.info("%s: removed %d shared memory segments left by the I/O process", self.name, len(swept))
        reason = child.kill_reason or ("crashed" if exitcode is not None and exitcode < 0 else "exited")
        if self._closing:
            reason = "close"
        job, self._running = self._running, None
        message = ""
        if job is not None and job.state != DONE:
            message = self._fail_dead(job, reason, exitcode, child.quarantine_on_kill)
        elif reason not in ("close", "memory"):
            log.warning("%s: the I/O process ended while idle (%s, exit code %s)", self.name, reason, exitcode)
        if not child.ready:
            self._start_failures += 1
        if self._closing:
            return
        self._death = (time.monotonic(), "killed" if reason == "user" else reason, message)
        self._launch()

    def _fail_dead(self, job: JobHandle, reason: str, exitcode: int | None, quarantine: bool) -> str:
        """Fail ``job``, whose process died for ``reason``; quarantine its object. Returns the message."""
        if reason in ("close", "user"):
            if quarantine and job.subject is not None:
                err = jobs.stopped_error(job)
                self._remember(job, err)
            self._done(job, ABORTED)
            return ""
        if reason == "hung":
            err = jobs.hang_error(job, self._deadline_of(job) or 0.0)
        elif reason == "memory":
            err = jobs.memory_error(job, self.memory_limit)
        else:
            err = jobs.crash_error(job, exitcode)
        log.warning("%s: %s", self.name, err)
        self._remember(job, err)
        self._done(job, ERROR, err)
        return str(err)

    def _remember(self, job: JobHandle, err: ReaderCrashedError) -> None:
        if job.subject is not None and job.setup_key is None:
            with self._lock:
                self._quarantine[(*job.subject, job.operation)] = err

    # -- messages ---------------------------------------------------------------------------------

    def _read(self, child: Child) -> None:
        for _ in range(64):  # then let timers and posted work run
            try:
                msg = codec.recv(child.conn, child.decoder)
            except (EOFError, OSError):  # EOFError or ConnectionResetError: the process is gone
                child.process.join(2.0)
                self._on_exit(child)
                return
            self._handle(child, msg)
            if child is not self._child:
                return
            try:
                if not child.conn.poll(0):
                    return
            except (EOFError, OSError):
                self._on_exit(child)
                return

    def _drain(self, child: Child) -> None:
        try:
            while child.conn.poll(0):
                self._handle(child, codec.recv(child.conn, child.decoder))
        except (EOFError, OSError):
            return

    def _handle(self, child: Child, msg: codec.Message) -> None:
        now = time.monotonic()
        if msg.kind == codec.READY:
            self._on_ready(child, msg.extra or {})
            return
        job = self._running
        if job is None or job.id != msg.job_id:
            log.debug("%s: %s for job %d, which is not running", self.name, msg.kind, msg.job_id)
            return
        job.last_sign = now
        if msg.kind == codec.PROGRESS:
            if msg.payload_error is None:
                job._progress(msg.payload)
            return
        if msg.kind == codec.ALIVE:
            return
        self._running = None
        if msg.payload_error is not None:
            self._done(job, ERROR, H5GuiError(f"Cannot read the {msg.kind} of {job.describe()}: {msg.payload_error}"))
        elif job.cancel_requested or msg.kind == codec.ABORTED:
            self._done(job, ABORTED)
        elif msg.kind == codec.RESULT:
            self._done(job, RESULT, msg.payload)
        elif isinstance(msg.extra, dict) and msg.extra.get("memory"):
            err = jobs.memory_error(job, self.memory_limit)
            self._remember(job, err)
            self._done(job, ERROR, err)
            if child is self._child:  # libhdf5 may not survive a failed allocation well: start afresh
                self._kill(child, "memory")
        elif isinstance(msg.extra, dict) and msg.extra.get("hdf5"):
            self._done(job, ERROR, jobs.damaged_error(job, str(msg.payload)))
        elif isinstance(msg.extra, dict) and msg.extra.get("unexpected"):
            self._done(job, ERROR, jobs.unexpected_error(job, str(msg.payload)))
        else:
            self._done(job, ERROR, msg.payload)
        if job.force and job.subject is not None and msg.kind in (codec.RESULT, codec.ERROR) and job.outcome \
                and not isinstance(job.outcome[1], ReaderCrashedError):  # it no longer kills the reader
            with self._lock:
                self._quarantine.pop((*job.subject, job.operation), None)

    def _on_ready(self, child: Child, info: dict[str, Any]) -> None:
        if child is not self._child:
            return
        now = time.monotonic()
        child.ready = True
        child.info = info
        self._start_failures = 0
        self._ready.set()
        limit = self.memory_limit
        if limit and (info.get("rss") or 0) > limit:
            log.warning("%s: the memory ceiling %s is below the idle reader's %s", self.name,
                        format_bytes(limit), format_bytes(info["rss"]))
        self._setup_queue = deque(
            JobHandle(None, next(self._ids), ref, args, kwargs,
                      Callbacks(on_error=functools.partial(self._setup_failed, key)), setup_key=key)
            for key, (ref, args, kwargs) in self._setup.items())
        if self._death is None:
            self.start_seconds = now - child.launched_at
            log.info("%s: I/O process %d ready in %.0f ms", self.name, child.process.pid, 1e3 * self.start_seconds)
            return
        noticed, reason, message = self._death
        self._death = None
        self.restart_seconds.append(now - noticed)
        log.info("%s: I/O process %d ready %.0f ms after the last one %s", self.name, child.process.pid,
                 1e3 * (now - noticed), reason)
        if self._on_restart is not None:
            jobs.call_safely(self._on_restart, RestartInfo(reason, message, now - noticed, child.process.pid))

    def _setup_failed(self, key: Hashable, err: H5GuiError) -> None:
        log.warning("%s: setup job %r failed and is dropped: %s", self.name, key, err)
        self._setup.pop(key, None)
        if self._on_setup_error is not None:
            jobs.call_safely(self._on_setup_error, key, err)

    # -- jobs -------------------------------------------------------------------------------------

    def _enqueue(self, job: JobHandle) -> None:
        if self._closing or self._finished:
            self._done(job, ABORTED)
            return
        if self._refuse_quarantined(job):
            return
        if job.key is not None:
            previous = self._latest.get(job.key)
            if previous is not None:
                self._cancel_job(previous)
            self._latest[job.key] = job
        if job.urgent:  # ahead of the reads waiting that are not urgent, never ahead of a write
            i = len(self._pending)
            while i and not self._pending[i - 1].urgent and self._pending[i - 1].operation in PASSABLE:
                i -= 1
            self._pending.insert(i, job)
        else:
            self._pending.append(job)
        if self._child is None:
            self._launch()  # after giving up: try again

    def _refuse_quarantined(self, job: JobHandle) -> bool:
        """Fail ``job`` at once when its (file, path, operation) broke the reader before (unless forced)."""
        if job.subject is None or job.force:
            return False
        with self._lock:
            err = self._quarantine.get((*job.subject, job.operation))
        if err is None:
            return False
        self._done(job, ERROR, ReaderCrashedError(err.message, err.file, err.path, err.operation, err.cause))
        return True

    def _cancel_job(self, job: JobHandle) -> None:
        if job.state == PENDING:
            try:
                self._pending.remove(job)
            except ValueError:
                pass
            self._done(job, ABORTED)
        elif job.state == RUNNING and not job.cancel_requested:
            job.cancel_requested = True
            child = self._child
            if child is not None:
                try:
                    codec.send(child.conn, child.encoder, codec.CANCEL, job.id)
                except (EOFError, OSError):
                    log.info("%s: cancel of job %d not sent: the process is gone", self.name, job.id)

    def _free(self, seq: int, name: str) -> None:
        """The last array over pooled segment ``name`` of process ``seq`` is gone: the process may reuse it."""
        child = self._child
        if child is None or child.seq != seq:
            return  # that process is gone, and its segments with it
        try:
            codec.send(child.conn, child.encoder, codec.FREE, 0, extra=name)
        except (EOFError, OSError):
            log.debug("%s: free %s not sent: the process is gone", self.name, name)

    def _kill_running(self, quarantine: bool, job: JobHandle | None = None) -> None:
        child = self._child
        if job is not None and job is not self._running:
            self._cancel_job(job)
            return
        if self._running is not None and child is not None:
            child.quarantine_on_kill = quarantine
            self._kill(child, "user")

    def _dispatch(self) -> None:
        child = self._child
        if child is None or not child.ready or self._running is not None:
            return
        while self._setup_queue or (self._pending and not self._closing):
            queue = self._setup_queue if self._setup_queue else self._pending
            job = queue.popleft()
            if job.state != PENDING or self._refuse_quarantined(job):  # queued before its object broke the reader
                continue
            try:
                data, segment = child.encoder.dumps((job.ref, job.args, job.kwargs))
            except Exception as exc:  # arguments that do not pickle
                log.exception("%s: cannot send the arguments of %s", self.name, job.ref)
                self._done(job, ERROR, H5GuiError(f"Cannot pass the arguments of {job.ref.name} to the reader: {exc}"))
                continue
            try:
                codec.send_encoded(child.conn, codec.JOB, job.id, data, segment)
            except (EOFError, OSError):
                queue.appendleft(job)
                self._on_exit(child)
                return
            job.state = RUNNING
            job.sent_at = job.last_sign = time.monotonic()
            self._running = job
            return

    def _done(self, job: JobHandle, kind: str, value: Any = None) -> None:
        if job.key is not None and self._latest.get(job.key) is job:
            del self._latest[job.key]
        job._finish(kind, value)

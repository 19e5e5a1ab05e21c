"""The I/O process: runs the jobs the supervisor sends, with one handle pool for its whole life.

Started by :class:`~h5gui.core.ioproc.supervisor.Supervisor` (target ``serve``). The main thread runs
one job at a time inside :func:`h5gui.core.h5.files.pool_scope`; a listener thread receives the next
job, cancel requests and ``close``. For each job it replies exactly one of *result*, *error* or
*aborted*, after any number of *progress* (rate-limited, the final one always) and *alive* records:

* a generator is driven to its return value; a cancel closes it at its next ``yield`` (its
  ``finally`` and ``with`` blocks run) and the reply is *aborted*;
* an :class:`~h5gui.core.errors.H5GuiError` travels as itself; any other exception becomes a one-line
  ``H5GuiError`` and its traceback is logged here (``MemoryError``: "Not enough memory ...", flagged
  so that the supervisor can say which ceiling was hit).

The process ends when the supervisor says ``close``, when its connection reaches EOF (the parent
died: a short grace to finish closing files, then ``os._exit``) and, on Linux, by ``SIGKILL`` as soon as
its parent process exits (``PR_SET_PDEATHSIG``), which also covers a job stuck in C with the GIL held.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Generator
from multiprocessing.connection import Connection, wait
from typing import Any

from h5gui.core.errors import CancelledError, H5GuiError, UnreadableError, libhdf5_reason
from h5gui.core.h5 import files
from h5gui.core.ioproc import codec, procinfo
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.core.ioproc.procinfo import ChildConfig
from h5gui.core.progress import Progress

log = logging.getLogger(__name__)

PARENT_GONE_GRACE = 2.0  # seconds to close files after the parent died, then exit regardless
_PR_SET_PDEATHSIG = 1


def serve(conn: Connection, config: ChildConfig) -> None:
    """Entry point of the I/O process: set up, then run jobs until told to stop."""
    _die_with_parent()
    _drop_forkserver_alive_fd()
    _tune_malloc()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the parent's to handle
    if not logging.getLogger().handlers:
        logging.basicConfig(level=config.log_level, stream=sys.stderr,
                            format="%(levelname)s h5gui-io[%(process)d] %(name)s: %(message)s")
    for name in config.preload:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional module must not stop the reader
            log.warning("cannot preload %s", name, exc_info=True)
    _Server(conn, config).run()


def set_writable(file: str, on: bool) -> bool:
    """Job (a file-state setup job): make ``file`` writable in this process's pool, or read-only again. An
    HSDS domain holds no handle (each edit is its own request): nothing to reopen."""
    if file.startswith("hdf5://"):
        return on
    return files.enable_editing(file) if on else files.disable_editing(file)


class _Server:
    def __init__(self, conn: Connection, config: ChildConfig) -> None:
        self.conn = conn
        self.config = config
        self.encoder = codec.Encoder(config.prefix + "r", config.shm_threshold, pool=codec.POOL_SEGMENTS)
        self.decoder = codec.Decoder()
        self.inbox: queue.SimpleQueue[codec.Message | None] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.current: tuple[int, threading.Event] | None = None
        self.cancelled: set[int] = set()

    # -- the listener thread ------------------------------------------------------------------

    def _listen(self) -> None:
        parent = multiprocessing.parent_process()
        waitables: list[Any] = [self.conn]
        if parent is not None and parent.sentinel is not None:
            waitables.append(parent.sentinel)
        while True:
            try:
                if self.conn not in wait(waitables):
                    raise EOFError("the parent process is gone")
                msg = codec.recv(self.conn, self.decoder)
            except (EOFError, OSError) as exc:  # ConnectionResetError is an OSError
                log.info("parent gone (%s): closing", type(exc).__name__)
                self._stop(exit_after=PARENT_GONE_GRACE)
                return
            if msg.kind == codec.JOB:
                self.inbox.put(msg)
            elif msg.kind == codec.FREE:
                self.encoder.release(msg.extra)
            elif msg.kind == codec.CANCEL:
                self._cancel(msg.job_id)
            elif msg.kind == codec.CLOSE:
                self._stop(exit_after=None)
            else:
                log.warning("unknown message %r", msg.kind)

    def _cancel(self, job_id: int) -> None:
        with self.lock:
            if self.current is not None and self.current[0] == job_id:
                self.current[1].set()
            else:
                self.cancelled.add(job_id)

    def _stop(self, exit_after: float | None) -> None:
        with self.lock:
            if self.current is not None:
                self.current[1].set()
        self.inbox.put(None)
        if exit_after is not None:
            try:
                timer = threading.Timer(exit_after, os._exit, args=(0,))
                timer.daemon = True
                timer.start()
            except RuntimeError:  # no memory left for a thread: leave at once
                os._exit(0)

    # -- the main thread ----------------------------------------------------------------------

    def run(self) -> None:
        threading.Thread(target=self._listen, name="h5gui-io-listener", daemon=True).start()
        pool = files.HandlePool()
        limit = _limit_memory(self.config.memory_limit)
        self._send(codec.READY, 0, extra={"pid": os.getpid(), "rss": procinfo.rss(), "vm": procinfo.vm_size(),
                                            "as_limit": limit})
        warm = _warm_list(self.config.preload)
        try:
            with files.pool_scope(pool):
                while True:
                    if warm and self.inbox.empty():  # no job waits: import the next module a job will need
                        _warm_up(warm.pop(0))
                        continue
                    msg = self.inbox.get()
                    if msg is None:
                        break
                    self._run(msg)
        finally:
            try:
                pool.close_all()
            except Exception:
                log.exception("closing the files failed")
            self.encoder.close()

    def _send(self, kind: str, job_id: int, *payload: Any, extra: Any = None) -> None:
        try:
            if payload:
                codec.send(self.conn, self.encoder, kind, job_id, payload[0], extra=extra)
            else:
                codec.send(self.conn, self.encoder, kind, job_id, extra=extra)
        except (BrokenPipeError, ConnectionResetError, EOFError) as exc:
            log.info("parent gone while sending (%s)", type(exc).__name__)
            self._stop(exit_after=PARENT_GONE_GRACE)

    def _run(self, msg: codec.Message) -> None:
        job_id = msg.job_id
        cancel = threading.Event()
        with self.lock:
            if job_id in self.cancelled:
                self.cancelled.discard(job_id)
                cancel.set()
            self.current = (job_id, cancel)
        try:
            if cancel.is_set():
                self._send(codec.ABORTED, job_id)
            elif msg.payload_error is not None:
                self._send(codec.ERROR, job_id, H5GuiError(f"Cannot read the job's arguments: {msg.payload_error}"))
            else:
                ref, args, kwargs = msg.payload
                self._call(job_id, ref, args, kwargs, cancel)
        finally:
            with self.lock:
                self.current = None

    def _call(self, job_id: int, ref: FuncRef, args: tuple[Any, ...], kwargs: dict[str, Any],
              cancel: threading.Event) -> None:
        try:
            fn = _lookup(ref)
            result = fn(*args, **kwargs)
            if isinstance(result, Generator):
                result = self._drive(job_id, result, cancel)
        except CancelledError:
            self._send(codec.ABORTED, job_id)
        except H5GuiError as exc:
            if cancel.is_set():
                self._send(codec.ABORTED, job_id)
            else:
                self._send(codec.ERROR, job_id, _portable(exc))
        except MemoryError:
            log.warning("%s ran out of memory", ref, exc_info=True)
            self._send(codec.ERROR, job_id, H5GuiError("Not enough memory for this operation"),
                       extra={"memory": True})
        except (Exception, SystemExit) as exc:  # errors are data: one line up, the traceback here
            reason = libhdf5_reason(exc)
            if reason:  # the file's damage, not ours: one line in the log
                log.warning("job %s: libhdf5: %s", ref, " ".join(str(exc).split()))
            else:
                log.exception("job %s failed", ref)
            if cancel.is_set():
                self._send(codec.ABORTED, job_id)
            elif reason:  # a damaged file that no core check named: the parent says which object
                self._send(codec.ERROR, job_id, UnreadableError(reason), extra={"hdf5": True})
            else:
                text = " ".join(str(exc).split()) or type(exc).__name__
                self._send(codec.ERROR, job_id, H5GuiError(f"Unexpected error: {text}"), extra={"unexpected": True})
        else:
            if cancel.is_set():
                self._send(codec.ABORTED, job_id)
                return
            try:
                self._send(codec.RESULT, job_id, result)
            except Exception as exc:  # unpicklable result
                log.exception("cannot send the result of %s", ref)
                self._send(codec.ERROR, job_id, H5GuiError(f"Unexpected error: its result cannot be sent to the "
                                                           f"window ({exc})"), extra={"unexpected": True})

    def _drive(self, job_id: int, gen: Generator[Any, None, Any], cancel: threading.Event) -> Any:
        interval = self.config.progress_interval
        last = 0.0
        try:
            while True:
                if cancel.is_set():
                    gen.close()
                    raise CancelledError()
                item = next(gen)
                now = time.monotonic()
                if isinstance(item, Progress):
                    final = bool(item.total) and item.done >= item.total  # type: ignore[operator]
                    if final or now - last >= interval:
                        last = now
                        self._send(codec.PROGRESS, job_id, item)
                elif now - last >= interval:
                    last = now
                    self._send(codec.ALIVE, job_id)
        except StopIteration as stop:
            return stop.value
        except BaseException:
            gen.close()  # a failed send: let the generator's finally blocks run now
            raise


def _warm_list(preload: tuple[str, ...]) -> list[str]:
    """The modules this process imports while it has no job (those of the default preload's ``WARM``)."""
    if "h5gui.core.ioproc._preload" not in preload:
        return []
    from h5gui.core.ioproc import _preload

    return [name for name in _preload.WARM if name not in sys.modules]


def _warm_up(name: str) -> None:
    try:
        importlib.import_module(name)
    except Exception:  # a job imports what it needs anyway, and reports
        log.warning("cannot import %s ahead of its jobs", name, exc_info=True)


def _lookup(ref: FuncRef) -> Any:
    try:
        return ref.resolve()
    except (ImportError, AttributeError, TypeError) as exc:
        log.exception("cannot resolve %s", ref)
        raise H5GuiError(f"h5gui has no job {ref}: {exc}") from exc


_ERRORS_MODULE = H5GuiError.__module__


def _portable(exc: H5GuiError) -> H5GuiError:
    """``exc`` as the parent can unpickle it without importing h5py: itself when its class lives in
    :mod:`h5gui.core.errors` (which imports nothing heavy), else its nearest base class from there (a
    ``LimitError`` of :mod:`h5gui.core.h5.limits` travels as an ``H5GuiError`` with the same text, exit code
    and attributes); a plain H5GuiError when that does not pickle either."""
    import pickle

    cls = type(exc)
    if cls.__module__ != _ERRORS_MODULE:
        base = next(c for c in cls.__mro__ if c.__module__ == _ERRORS_MODULE and issubclass(c, H5GuiError))
        try:
            moved = base(str(exc))
        except TypeError:  # a base that needs more arguments
            moved = H5GuiError(str(exc))
        for name, value in vars(exc).items():
            setattr(moved, name, value)
        moved.exit_code = exc.exit_code
        exc = moved
    try:
        pickle.loads(pickle.dumps(exc, protocol=5))
        return exc
    except Exception:
        log.warning("%s does not pickle: sending its text", type(exc).__name__, exc_info=True)
    plain = H5GuiError(str(exc))
    plain.exit_code = exc.exit_code
    return plain


def _limit_memory(ceiling: int | None) -> int | None:
    """Cap this process's address space (``RLIMIT_AS``) at what it maps now plus 1.25 x ``ceiling``, so
    that one huge allocation fails at once as ``MemoryError``. Slower growth of resident memory past
    ``ceiling`` is caught first by the supervisor's RSS watch (hence the extra quarter). Returns the limit."""
    if ceiling is None:
        return None
    extra = ceiling + ceiling // 4
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    base = procinfo.vm_size()
    if base is None:
        return None
    limit = base + extra
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        log.warning("cannot limit the address space to %d bytes", limit, exc_info=True)
        return None
    return limit


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _tune_malloc() -> None:
    """Keep freed frame-sized blocks for reuse (glibc). Jobs run on this process's main thread, whose
    malloc arena gives memory back to the system as soon as 2 x the mmap threshold is free at its top, so
    every 4 MB frame was faulted in afresh: a 4 MB ``ds[i]`` took 4-6 ms instead of 0.7 ms here."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)
        libc.mallopt(_M_TRIM_THRESHOLD, 64 * 1024 * 1024)
    except (OSError, AttributeError):  # not glibc
        log.debug("mallopt not available", exc_info=True)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent exits (the fork server, which itself exits
    when the GUI process does; or the GUI process's supervisor thread under ``spawn``)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError):
        log.warning("cannot ask to die with the parent", exc_info=True)


def _drop_forkserver_alive_fd() -> None:
    """A child of the fork server inherits the GUI's end of the server's "alive" pipe; the server only
    exits when every holder has closed it. Close ours, so that the server (and, through
    ``PR_SET_PDEATHSIG``, this process) ends when the GUI process does."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    if server is None or forkserver.get_inherited_fds() is None:
        return  # not started by a fork server
    fd = getattr(server, "_forkserver_alive_fd", None)
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            log.warning("cannot close the fork server's alive pipe", exc_info=True)
        server._forkserver_alive_fd = None
        server._forkserver_address = None

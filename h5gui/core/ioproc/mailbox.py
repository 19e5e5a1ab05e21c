"""Work posted to the supervisor's thread: a queue, a lock and a wake-up pipe the thread waits on.

Every public method of the supervisor only *posts* work here; the thread runs it (:meth:`Mailbox._run_posted`)
between waiting for its I/O process. Segments of shared memory freed in this process are noted without
the lock (:meth:`Mailbox._note_freed`): that happens in finalizers, which the garbage collector may run
anywhere, also inside a ``with self._lock`` block of the very thread (a plain lock would deadlock).
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable
from typing import Any


class Mailbox:
    """The posting side of :class:`~h5gui.core.ioproc.engine.Engine`. ``_free(seq, name)`` is the
    subclass's: it tells I/O process ``seq`` that its pooled segment ``name`` may be written again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._posted: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._freed: deque[tuple[int, str]] = deque()  # (process number, segment) freed here; no lock needed
        self._finished = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)

    def _free(self, seq: int, name: str) -> None:
        raise NotImplementedError

    def _post(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Run ``fn(*args)`` on the supervisor's thread; False (nothing queued) once it has finished."""
        with self._lock:
            if self._finished:
                return False
            self._posted.append((fn, args))
            wake = self._wake_w
        if wake >= 0:
            try:
                os.write(wake, b"x")
            except OSError:  # full: the thread is awake anyway
                pass
        return True

    def _note_freed(self, seq: int, name: str) -> None:
        """A pooled segment is no longer used here (from any thread, from a finalizer): never waits for
        the lock. The supervisor's thread passes it on (:meth:`_free`) when it next runs posted work."""
        self._freed.append((seq, name))
        if self._lock.acquire(blocking=False):  # held: whoever holds it is posting, which wakes the thread
            try:
                wake = self._wake_w
                if wake >= 0:
                    os.write(wake, b"x")
            except OSError:  # full: the thread is awake anyway
                pass
            finally:
                self._lock.release()

    def _run_posted(self) -> None:
        while self._freed:
            self._free(*self._freed.popleft())
        while True:
            with self._lock:
                if not self._posted:
                    return
                fn, args = self._posted.popleft()
            fn(*args)

    def _close_pipe(self) -> None:
        with self._lock:
            fds, self._wake_r, self._wake_w = (self._wake_r, self._wake_w), -1, -1
        for fd in fds:
            if fd >= 0:
                os.close(fd)

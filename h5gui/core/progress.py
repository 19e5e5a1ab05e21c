"""Qt-free progress reporting for long operations.

A long operation is a generator that yields :class:`Progress` records and *returns* its result::

    def work(...) -> Job[int]:
        for i in range(n):
            ...
            yield Progress(i + 1, n, "items")
        return n

The GUI runs it on the I/O thread (``h5gui.gui.workers``), the CLI and the tests call :func:`run`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from h5gui.core.text import format_duration

R = TypeVar("R")
Job = Generator["Progress", None, R]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a job is: ``done`` of ``total`` (``None`` when unknown) ``unit``\\s."""

    done: float
    total: float | None = None
    unit: str = "items"
    message: str = ""
    time: float = field(default_factory=time.monotonic)
    nbytes: float = 0.0  # bytes processed so far (for MB/s), 0 when not meaningful

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))


class RateMeter:
    """Turns successive :class:`Progress` records into rate and time left."""

    def __init__(self) -> None:
        self._start: tuple[float, float, float] | None = None
        self.rate: float | None = None
        self.byte_rate: float | None = None
        self.eta: float | None = None

    def update(self, p: Progress) -> None:
        if self._start is None:
            self._start = (p.time, p.done, p.nbytes)
            return
        t0, d0, b0 = self._start
        dt = p.time - t0
        if dt > 0.2 and p.done > d0:
            self.rate = (p.done - d0) / dt
            if p.nbytes > b0:
                self.byte_rate = (p.nbytes - b0) / dt
            if p.total:
                self.eta = max(0.0, (p.total - p.done) / self.rate)

    def describe(self, p: Progress) -> str:
        """``'1,200 / 5,000 images, 340 images/s, 11 s left'``."""
        if p.unit == "bytes":  # in MB, as people read transfers: '12.6 / 633.9 MB, 40.2 MB/s, 15 s left'
            text = f"{p.done / 1e6:,.1f}" + (f" / {p.total / 1e6:,.1f}" if p.total else "") + " MB"
        else:
            text = f"{p.done:,.0f}" + (f" / {p.total:,.0f}" if p.total else "") + f" {p.unit}"
        if self.rate and p.unit == "bytes" and not self.byte_rate:
            text += f", {self.rate / 1e6:,.1f} MB/s"
        elif self.rate and p.unit != "bytes":
            text += f", {self.rate:,.0f} {p.unit}/s"
        if self.byte_rate:
            text += f", {self.byte_rate / 1e6:,.1f} MB/s"
        if self.eta is not None:
            text += f", {format_duration(self.eta)} left"
        if p.message:
            text = f"{p.message}: {text}"
        return text


def run(
    result_or_job: Any,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Any:
    """The one job driver: drive a core function's result to completion (GUI worker, CLI and tests).

    Plain values are returned as they are; generators are iterated, each :class:`Progress` is passed
    to ``on_progress``, and the generator's return value is returned. When ``should_stop`` returns
    True :class:`~h5gui.core.errors.CancelledError` is raised. Whatever ends the run (the result,
    cancel, an error, Ctrl-C) the generator is closed, so its ``finally``/``with`` blocks remove
    partial output and close files. Ctrl-C that h5py 3.16 turns into a ``SystemError`` inside an HDF5
    callback is raised as the :class:`KeyboardInterrupt` it is.
    """
    from h5gui.core.errors import CancelledError

    if not isinstance(result_or_job, Generator):
        return result_or_job
    gen = result_or_job
    try:
        while True:
            if should_stop is not None and should_stop():
                raise CancelledError()
            try:
                p = next(gen)
            except StopIteration as stop:
                return stop.value
            except SystemError as exc:
                if _interrupted(exc):
                    raise KeyboardInterrupt from exc
                raise
            if on_progress is not None and isinstance(p, Progress):
                on_progress(p)
    finally:
        gen.close()


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` wraps a KeyboardInterrupt (h5py reports Ctrl-C in a callback as SystemError)."""
    seen = 0
    e: BaseException | None = exc
    while e is not None and seen < 16:
        if isinstance(e, KeyboardInterrupt):
            return True
        e = e.__cause__ or e.__context__
        seen += 1
    return False


def relay(job: Any, convert: Callable[[Progress], Progress]) -> Generator[Progress, None, Any]:
    """Run a sub-job inside a job: its progress is passed on through ``convert``, its result returned
    (``result = yield from relay(sub, lambda p: ...)``)."""
    if not isinstance(job, Generator):
        return job
    try:
        while True:
            try:
                p = next(job)
            except StopIteration as stop:
                return stop.value
            yield convert(p) if isinstance(p, Progress) else p
    finally:
        job.close()

"""The job runner: one I/O thread, latest wins, cancel, progress, errors as data, a responsive GUI."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from PySide6.QtCore import QThread, QTimer

from h5gui.core import nodes
from h5gui.core.errors import H5GuiError, NodeNotFoundError
from h5gui.core.progress import Progress
from h5gui.gui.workers import JobRunner


@pytest.fixture
def runner(qtbot):
    r = JobRunner()
    yield r
    r.shutdown()


def slow_steps(n: int, delay: float, log: list[int]):
    for i in range(n):
        time.sleep(delay)
        log.append(i)
        yield Progress(i + 1, n, "steps")
    return "finished"


def test_result_arrives_on_the_gui_thread(qtbot, runner: JobRunner, tmp_path: Path) -> None:
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(10)
    results = []
    threads = []
    # callbacks are connected by submit() before the job starts: a fast job cannot be missed
    runner.submit(nodes.describe, str(path), "/x",
                  on_result=lambda r: (results.append(r), threads.append(QThread.currentThread())),
                  on_error=pytest.fail)
    qtbot.waitUntil(lambda: bool(results) and not runner.has_pending(), timeout=5000)
    assert results[0].shape == (10,)
    assert threads[0] is QThread.currentThread()  # delivered on the GUI thread
    assert not runner.has_pending()


def test_errors_are_data(qtbot, runner: JobRunner, tmp_path: Path) -> None:
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["x"] = 1
    errors: list[H5GuiError] = []
    runner.submit(nodes.describe, str(path), "/nope", on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], NodeNotFoundError)
    assert "/nope" in str(errors[0])


def test_unexpected_exceptions_become_one_line_errors(qtbot, runner: JobRunner) -> None:
    def boom():
        raise ValueError("bad\nthing")

    errors: list[H5GuiError] = []
    runner.submit(boom, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], H5GuiError)
    assert "\n" not in str(errors[0]) and "bad thing" in str(errors[0])


def test_on_error_is_mandatory(runner: JobRunner) -> None:
    with pytest.raises(TypeError):
        runner.submit(nodes.describe, "x", "/", on_error=None)  # type: ignore[arg-type]


def test_latest_wins_for_the_same_key(qtbot, runner: JobRunner) -> None:
    log_a: list[int] = []
    log_b: list[int] = []
    results: list[str] = []
    aborted: list[str] = []
    runner.submit(slow_steps, 50, 0.01, log_a, key="preview", on_result=lambda r: results.append("a"),
                  on_aborted=lambda: aborted.append("a"), on_error=pytest.fail)
    qtbot.waitUntil(lambda: len(log_a) >= 2, timeout=5000)
    runner.submit(slow_steps, 3, 0.0, log_b, key="preview", on_result=lambda r: results.append("b"),
                  on_aborted=lambda: aborted.append("b"), on_error=pytest.fail)
    qtbot.waitUntil(lambda: not runner.has_pending(), timeout=5000)
    assert results == ["b"]
    assert aborted == ["a"]
    assert len(log_a) < 50  # the stale job stopped at its next step


def test_cancel_closes_the_generator(qtbot, runner: JobRunner) -> None:
    closed = threading.Event()

    def work():
        try:
            for i in range(1000):
                time.sleep(0.005)
                yield Progress(i, 1000)
        finally:
            closed.set()

    aborted: list[bool] = []
    job = runner.submit(work, on_error=pytest.fail, on_aborted=lambda: aborted.append(True))
    qtbot.wait(50)
    job.cancel()
    qtbot.waitUntil(lambda: bool(aborted), timeout=5000)
    assert closed.is_set()


def test_progress_is_throttled_and_reaches_the_end(qtbot, runner: JobRunner) -> None:
    seen: list[Progress] = []
    log: list[int] = []
    runner.submit(slow_steps, 40, 0.01, log, on_progress=seen.append, on_error=pytest.fail)
    qtbot.waitUntil(lambda: not runner.has_pending(), timeout=5000)
    assert 1 <= len(seen) < 40
    assert seen[-1].done == 40 and seen[-1].total == 40


def test_gui_stays_responsive_while_the_io_thread_reads(qtbot, runner: JobRunner, tmp_path: Path) -> None:
    path = tmp_path / "big.h5"
    data = np.random.default_rng(0).integers(0, 255, size=(4, 1024, 1024), dtype=np.uint8)
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=data, chunks=(1, 1024, 1024), compression="gzip", compression_opts=1)

    def heavy_read(p: str) -> int:
        """Decompress 1 MiB chunks (each read holds h5py's lock) for about a second."""
        reads = 0
        t0 = time.perf_counter()
        with h5py.File(p, "r", rdcc_nbytes=0) as f:
            while time.perf_counter() - t0 < 1.0:
                f["x"][reads % 4]
                reads += 1
        return reads

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    started = time.perf_counter()
    done: list[int] = []
    runner.submit(heavy_read, str(path), on_result=done.append, on_error=pytest.fail)
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    timer.stop()
    busy = time.perf_counter() - started
    assert busy > 0.2, "the read should take a while for this test to mean something"
    assert max(gaps[1:]) < 0.1, f"the GUI thread stalled {max(gaps[1:]) * 1000:.0f} ms while the I/O thread read"


def test_shutdown_cancels_and_waits(qtbot) -> None:
    r = JobRunner()
    log: list[int] = []
    r.submit(slow_steps, 1000, 0.01, log, on_error=pytest.fail)
    qtbot.waitUntil(lambda: bool(log), timeout=5000)
    t = time.perf_counter()
    r.shutdown()
    assert time.perf_counter() - t < 2
    n = len(log)
    time.sleep(0.05)
    assert len(log) == n < 1000

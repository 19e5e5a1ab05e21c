"""The job runner: jobs in the supervised I/O process, results on the GUI thread, latest wins, cancel,
progress, errors as data, crashes and hangs as one line, a responsive GUI."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from PySide6.QtCore import QThread, QTimer

from h5gui.core import api
from h5gui.core.errors import H5GuiError, NodeNotFoundError, ReaderCrashedError
from h5gui.core.ioproc import FuncRef, Supervisor
from h5gui.core.progress import Progress
from h5gui.gui.widgets.progress_panel import ProgressPanel
from h5gui.gui.workers import Job, JobRunner, reader_options

T = "h5gui.core.ioproc._testjobs"


def job(name: str) -> FuncRef:
    return FuncRef(T, name)


@pytest.fixture
def runner(qtbot):
    r = JobRunner(supervisor=Supervisor(deadline=2.0, name="test-runner"))
    yield r
    r.shutdown()


def test_result_arrives_on_the_gui_thread(qtbot, runner: JobRunner, tmp_path: Path) -> None:
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(10)
    results = []
    threads = []
    # callbacks are given to submit(), so they are in place before the job starts: a fast job cannot be missed
    runner.submit(api.nodes.describe, str(path), "/x",
                  on_result=lambda r: (results.append(r), threads.append(QThread.currentThread())),
                  on_error=pytest.fail)
    qtbot.waitUntil(lambda: bool(results) and not runner.has_pending(), timeout=20000)
    assert results[0].shape == (10,)
    assert threads[0] is QThread.currentThread()  # delivered on the GUI thread
    assert not runner.has_pending()


def test_jobs_are_named_not_imported(runner: JobRunner) -> None:
    with pytest.raises(TypeError, match="FuncRef"):
        runner.submit(print, "x", on_error=pytest.fail)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        runner.submit(api.nodes.describe, "x", "/", on_error=None)  # type: ignore[arg-type]


def test_every_api_reference_resolves() -> None:
    refs = api.every_ref()
    assert len(refs) > 40
    for ref in refs:
        assert callable(ref.resolve()), ref
        assert api.kind_of(ref) is not None


def test_errors_are_data(qtbot, runner: JobRunner, tmp_path: Path) -> None:
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["x"] = 1
    errors: list[H5GuiError] = []
    runner.submit(api.nodes.describe, str(path), "/nope", on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert isinstance(errors[0], NodeNotFoundError)
    assert "/nope" in str(errors[0])


def test_unexpected_exceptions_become_one_line_errors(qtbot, runner: JobRunner) -> None:
    errors: list[H5GuiError] = []
    runner.submit(job("fail"), "ValueError", "bad\nthing", on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert isinstance(errors[0], H5GuiError)
    assert "\n" not in str(errors[0]) and "bad thing" in str(errors[0])


def test_latest_wins_for_the_same_key(qtbot, runner: JobRunner) -> None:
    results: list[str] = []
    aborted: list[str] = []
    started: list[Progress] = []
    runner.submit(job("count"), 500, 0.01, key="preview", on_result=lambda r: results.append("a"),
                  on_progress=started.append, on_aborted=lambda: aborted.append("a"), on_error=pytest.fail)
    qtbot.waitUntil(lambda: bool(started), timeout=20000)
    runner.submit(job("count"), 3, key="preview", on_result=lambda r: results.append("b"),
                  on_aborted=lambda: aborted.append("b"), on_error=pytest.fail)
    qtbot.waitUntil(lambda: not runner.has_pending(), timeout=20000)
    assert results == ["b"]
    assert aborted == ["a"]
    assert started[-1].done < 500  # the stale job stopped at its next step


def test_a_result_that_arrives_after_cancel_is_not_delivered(qtbot, runner: JobRunner) -> None:
    got: list[str] = []
    first = runner.submit(job("echo"), 1, key="k", on_result=lambda r: got.append("result"),
                          on_aborted=lambda: got.append("aborted"), on_error=pytest.fail)
    first.handle.wait(20)  # done in the I/O process; its result waits in the GUI's event queue
    first.cancel()
    qtbot.waitUntil(lambda: not runner.has_pending(), timeout=20000)
    assert got == ["aborted"]


def test_cancel_closes_the_generator(qtbot, runner: JobRunner, tmp_path: Path) -> None:
    marker = tmp_path / "closed"
    aborted: list[bool] = []
    seen: list[Progress] = []
    j = runner.submit(job("count"), 1000, 0.005, str(marker), on_error=pytest.fail, on_progress=seen.append,
                      on_aborted=lambda: aborted.append(True))
    qtbot.waitUntil(lambda: bool(seen), timeout=20000)
    j.cancel()
    qtbot.waitUntil(lambda: bool(aborted), timeout=20000)
    assert marker.read_text() == "closed"


def test_progress_is_throttled_and_reaches_the_end(qtbot, runner: JobRunner) -> None:
    seen: list[Progress] = []
    runner.submit(job("count"), 40, 0.01, on_progress=seen.append, on_error=pytest.fail)
    qtbot.waitUntil(lambda: not runner.has_pending(), timeout=20000)
    assert 1 <= len(seen) < 40
    assert seen[-1].done == 40 and seen[-1].total == 40


def test_wait_delivers_the_callbacks(runner: JobRunner) -> None:
    got: list[object] = []
    runner.submit(job("echo"), 5, on_result=lambda r: (got.append(r), runner.submit(
        job("echo"), 6, on_result=got.append, on_error=pytest.fail)), on_error=pytest.fail)
    assert runner.wait(20000)
    assert got == [((5,), {}), ((6,), {})] and not runner.has_pending()


def test_a_crash_is_one_line_and_the_next_job_works(qtbot, runner: JobRunner, tmp_path: Path) -> None:
    crashed: list[ReaderCrashedError] = []
    runner.crashed.connect(crashed.append)
    errors: list[H5GuiError] = []
    runner.submit(job("segfault"), subject=(str(tmp_path / "BAD.h5"), "/meta/notes"), on_error=errors.append)
    results: list[object] = []
    runner.submit(job("echo"), "after", on_result=results.append, on_error=pytest.fail)
    qtbot.waitUntil(lambda: bool(results), timeout=30000)
    assert str(errors[0]) == "libhdf5 crashed reading /meta/notes in BAD.h5 (signal 11); h5gui restarted its reader"
    assert crashed and crashed[0].path == "/meta/notes"
    assert runner.quarantined(str(tmp_path / "BAD.h5"), "/meta/notes")


def test_a_hang_ends_at_the_deadline_and_a_long_job_that_reports_does_not(qtbot, runner: JobRunner) -> None:
    runner.supervisor.deadline = 1.0
    errors: list[H5GuiError] = []
    t0 = time.monotonic()
    runner.submit(job("hold_gil"), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=30000)
    assert "did not finish in 1 s" in str(errors[0]) and time.monotonic() - t0 < 8
    results: list[int] = []
    runner.submit(job("count"), 15, 0.1, on_result=results.append, on_error=pytest.fail)  # 1.5 s > deadline
    qtbot.waitUntil(lambda: bool(results), timeout=30000)
    assert results == [15]


def test_progress_panel_sees_every_fast_job_finish(qtbot, runner: JobRunner) -> None:
    """Issue 12 defect 4: the panel connected to a job after it started and missed fast ones."""
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    done: list[bool] = []
    panel.done.connect(lambda: done.append(True))
    for i in range(100):
        panel.run(runner, job("echo"), i, text="fast", on_error=pytest.fail)
        qtbot.waitUntil(lambda: not panel.running(), timeout=20000)
    assert len(done) == 100 and panel.finished_count == 100
    assert not panel.cancel_button.isEnabled()


def test_progress_panel_stops_a_stuck_job_by_restarting_the_reader(qtbot, runner: JobRunner) -> None:
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    aborted: list[bool] = []
    runner.supervisor.deadline = 60.0  # not the deadline: the user stops it
    job_ = panel.run(runner, job("hold_gil"), text="stuck", on_error=pytest.fail,
                     on_aborted=lambda: aborted.append(True))
    qtbot.waitUntil(job_.running, timeout=20000)
    panel.cancel()  # the job never reaches a yield
    qtbot.waitUntil(lambda: panel.cancel_button.text() == "Stop now" and panel.cancel_button.isEnabled(),
                    timeout=10000)
    t0 = time.monotonic()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: bool(aborted) and not panel.running(), timeout=20000)
    assert time.monotonic() - t0 < 8  # a kill and a fork: tens of ms, seconds on a loaded 2-core machine
    results: list[object] = []
    runner.submit(job("echo"), 1, on_result=results.append, on_error=pytest.fail)
    qtbot.waitUntil(lambda: bool(results), timeout=20000)


def test_gui_stays_responsive_while_the_reader_reads(qtbot, runner: JobRunner, tmp_path: Path) -> None:
    path = tmp_path / "big.h5"
    data = np.random.default_rng(0).integers(0, 255, size=(4, 1024, 1024), dtype=np.uint8)
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=data, chunks=(1, 1024, 1024), compression="gzip", compression_opts=1)
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
    done: list[int] = []
    runner.submit(job("heavy_read"), str(path), "/x", 1.0, on_result=done.append, on_error=pytest.fail)
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    timer.stop()
    assert done[0] > 2, "the read should take a while for this test to mean something"
    assert max(gaps[1:]) < 0.1, f"the GUI thread stalled {max(gaps[1:]) * 1000:.0f} ms while the reader read"


def test_shutdown_cancels_and_stops_the_reader(qtbot) -> None:
    r = JobRunner(supervisor=Supervisor(name="test-shutdown"))
    seen: list[Progress] = []
    r.submit(job("count"), 1000, 0.01, on_error=pytest.fail, on_progress=seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=20000)
    pid = r.supervisor.pid
    t = time.perf_counter()
    r.shutdown()
    assert time.perf_counter() - t < 3
    assert not r.has_pending() and r.supervisor.pid is None
    assert pid is not None and not Path(f"/proc/{pid}").exists() or _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def test_reader_options_come_from_the_settings(tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    s = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert reader_options(s) == {"deadline": 15.0, "memory_fraction": 0.5}
    s.setValue("reader/deadline", "3.5")
    s.setValue("reader/memory_fraction", "bad")
    assert reader_options(s) == {"deadline": 3.5, "memory_fraction": 0.5}


def test_job_has_no_signals_to_connect_late() -> None:
    assert not hasattr(Job, "signals")
    assert sys.modules.get("h5gui.gui.workers") is not None

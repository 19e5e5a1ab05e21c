"""Corrupted files in the window (issue 16): a file that makes libhdf5 crash or hang ends one job with
one line, marks the object in the tree, is not read again until the user says "Try again", and the
window and every other object keep working. Real files, real I/O processes, a short deadline."""

from __future__ import annotations

import random
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from corpus import DEMO_CRASH, DEMO_HANG, metadata_positions, mutate, patched
from PySide6.QtCore import QSettings, Qt

from h5gui.core import demo
from h5gui.core.ioproc import FuncRef
from h5gui.gui.main_window import MainWindow
from h5gui.gui.workers import JobRunner

DEADLINE = 1.5
SLACK = 2.0  # restart (tens of ms from the fork server) and a loaded machine
MUTANTS = 20
TEST_JOBS = "h5gui.core.ioproc._testjobs"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    return demo.make_demo(tmp_path_factory.mktemp("demo") / "demo.h5")


@pytest.fixture(scope="module")
def demo_paths(demo_file: Path) -> list[str]:
    paths: list[str] = []
    with h5py.File(demo_file, "r") as f:
        f.visit_links(lambda name: paths.append("/" + name))
    return paths


@pytest.fixture
def jobs_seconds(monkeypatch) -> list[tuple[str, float]]:
    """(job, seconds from sending it to the I/O process to its end on the GUI thread) of every job."""
    out: list[tuple[str, float]] = []
    forget = JobRunner._forget

    def timed(self: JobRunner, job) -> None:  # noqa: ANN001
        if job.handle is not None and job.handle.sent_at:
            out.append((job.description, time.monotonic() - job.handle.sent_at))
        forget(self, job)

    monkeypatch.setattr(JobRunner, "_forget", timed)
    return out


@pytest.fixture
def settings(settings: QSettings) -> QSettings:
    """The window's settings (tests/gui/conftest.py) with a short reader deadline."""
    settings.setValue("reader/deadline", DEADLINE)
    return settings


def idle(qtbot, window: MainWindow, timeout: float = 4 * (DEADLINE + SLACK)) -> None:
    qtbot.waitUntil(window.is_idle, timeout=int(timeout * 1000))


def select(qtbot, window: MainWindow, file: Path, path: str) -> None:
    window.select_path(str(file), path)
    idle(qtbot, window)


def node_of(window: MainWindow, file: Path, path: str):  # noqa: ANN201
    idx = window.model.find(str(file), path)
    assert idx.isValid(), f"{path} is not in the tree"
    return window.model.node(idx)


def one_line_everywhere(window: MainWindow) -> None:
    for text in (window.status_text(), window.info_panel.banner.text(), window.preview.banner.text()):
        assert "\n" not in text and "Traceback" not in text, text


def test_a_crashing_object_is_marked_not_reread_and_can_be_tried_again(qtbot, window: MainWindow, demo_file: Path,
                                                                        tmp_path: Path, jobs_seconds) -> None:
    bad = tmp_path / "crash.h5"
    bad.write_bytes(patched(demo_file.read_bytes(), [DEMO_CRASH[0]]))
    window.open_files([str(bad)])
    idle(qtbot, window)
    pid = window.runner.supervisor.pid
    select(qtbot, window, bad, "/images/rgb")
    assert "libhdf5 crashed reading /images/rgb in crash.h5 (signal 11)" in window.status_text()
    node = node_of(window, bad, "/images/rgb")
    assert "crashed" in window.model.failed_reason(node)
    assert "crashed" in window.model.data(window.model.index_of(node), Qt.ItemDataRole.ToolTipRole)
    assert window.info_panel.banner.button.text() == "Try again"
    assert window.runner.supervisor.pid != pid, "a new reader took over"
    one_line_everywhere(window)

    select(qtbot, window, bad, "/images/gray")  # the rest of the file works
    assert window.info_panel.info is not None and window.info_panel.info.path == "/images/gray"
    assert window.preview.view == "image"

    restarts = len(window.runner.supervisor.restart_seconds)
    n = len(jobs_seconds)
    select(qtbot, window, bad, "/images/rgb")  # not read again automatically
    assert len(window.runner.supervisor.restart_seconds) == restarts
    assert not [j for j, _ in jobs_seconds[n:] if "/images/rgb" in j], "no job read the object again"
    assert "Not read again" in window.preview.message.text()
    assert window.info_panel.banner.button.isVisible()

    window.info_panel.banner.button.click()  # Try again: forced past the quarantine, and it crashes again
    idle(qtbot, window)
    assert len(window.runner.supervisor.restart_seconds) > restarts
    assert "crashed" in window.model.failed_reason(node_of(window, bad, "/images/rgb"))
    assert window.isVisible()
    assert max(s for _, s in jobs_seconds) < DEADLINE + SLACK


def test_a_hang_ends_at_the_deadline(qtbot, window: MainWindow, demo_file: Path, tmp_path: Path,
                                     jobs_seconds) -> None:
    bad = tmp_path / "hang.h5"
    bad.write_bytes(patched(demo_file.read_bytes(), [DEMO_HANG[0]]))
    window.open_files([str(bad)])
    idle(qtbot, window)
    t0 = time.monotonic()
    select(qtbot, window, bad, "/meta/notes")
    assert time.monotonic() - t0 < DEADLINE + SLACK, "one deadline, not one per job of the object"
    assert f"reading /meta/notes in hang.h5 did not finish in {DEADLINE:g} s" in window.status_text()
    assert window.model.failed_reason(node_of(window, bad, "/meta/notes"))
    select(qtbot, window, bad, "/signals/sine")
    assert window.preview.view == "plot"
    assert max(s for _, s in jobs_seconds) < DEADLINE + SLACK
    one_line_everywhere(window)


def test_random_mutants_with_every_object_selected(qtbot, window: MainWindow, demo_file: Path, demo_paths: list[str],
                                                   tmp_path: Path, jobs_seconds) -> None:
    data = demo_file.read_bytes()
    positions = metadata_positions(demo_file)
    selected = 0
    for k in range(MUTANTS):
        mutant, _ = mutate(data, positions, random.Random(f"gui-{k}"))
        path = tmp_path / f"mutant{k}.h5"
        path.write_bytes(mutant)
        window.open_files([str(path)])
        idle(qtbot, window)
        if str(path) not in window.session.files:
            one_line_everywhere(window)  # it did not open: one line says why
            continue
        for obj in demo_paths:
            select(qtbot, window, path, obj)
            selected += 1
            one_line_everywhere(window)
        window.close_file(str(path))
        idle(qtbot, window)
    assert window.isVisible() and selected > 100
    slowest = max(jobs_seconds, key=lambda js: js[1])
    assert slowest[1] < DEADLINE + SLACK, f"{slowest[0]} waited {slowest[1]:.1f} s"
    window.open_files([str(demo_file)], select="/images/gray")  # the reader still works
    idle(qtbot, window)
    assert window.preview.view == "image"


def test_editing_mode_survives_a_new_reader(qtbot, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "edit.h5"
    with h5py.File(path, "w") as f:
        f["data"] = [1, 2, 3]
        f["data"].attrs["units"] = "m"
    window.open_files([str(path)], select="/data")
    idle(qtbot, window)
    window.actions_.enable_editing.trigger()
    idle(qtbot, window)
    assert str(path) in window.session.writable
    pid = window.runner.supervisor.pid
    window.runner.submit(FuncRef(TEST_JOBS, "segfault"), on_error=lambda _e: None)  # the reader dies
    qtbot.waitUntil(lambda: window.runner.supervisor.pid not in (None, pid), timeout=10000)
    idle(qtbot, window)
    window.attributes.set_value("units", "km")  # the new reader has the file open for writing already
    idle(qtbot, window)
    with h5py.File(path, "r", locking=False) as f:
        assert f["data"].attrs["units"] == "km"


def test_stop_button_ends_a_stuck_job(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.runner.supervisor.deadline = 60.0  # not the deadline: the user stops it
    got: list[object] = []
    stuck = str(tmp_path / "stuck.h5")
    window.runner.submit(FuncRef(TEST_JOBS, "hold_gil"), subject=(stuck, "/x"), on_error=got.append,
                         on_aborted=lambda: got.append("aborted"))
    qtbot.waitUntil(window.stop_button.isVisible, timeout=10000)
    t0 = time.monotonic()
    window.stop_button.click()
    qtbot.waitUntil(lambda: got == ["aborted"] and window.is_idle(), timeout=10000)
    assert time.monotonic() - t0 < 5 and not window.stop_button.isVisible()
    assert window.runner.quarantined(stuck, "/x")
    assert "Stopped" in window.status_text()


def test_a_damaged_chunk_index_keeps_the_info_and_says_why_there_is_no_picture(
        qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    # the chunk index's size could not be read: the whole preview failed ("Unexpected error: Unable to get
    # storage size (wrong B-tree signature)"); now the image view opens and says why it has no picture
    path = tmp_path / "tree.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("gz", data=np.arange(4096.0).reshape(64, 64), chunks=(16, 16), compression="gzip")
    data = bytearray(path.read_bytes())
    at = data.index(b"TREE\x01")  # the chunk index's B-tree node (type 1: raw data chunks)
    data[at : at + 4] = b"XREE"
    path.write_bytes(bytes(data))
    window.open_files([str(path)], select="/gz")
    wait_idle(window)
    p = window.preview
    qtbot.waitUntil(lambda: p.banner.isVisible(), timeout=10000)
    assert p.stack.currentWidget() is p._views["image"]
    assert "cannot read the chunk index of /gz: wrong B-tree signature" in p.banner.text()

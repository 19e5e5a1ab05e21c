"""What h5gui says about a file beyond its contents (issue 10): leftovers of interrupted writes get a
notice with Clean up; a file a crashed writer left marked "open for writing" gets Read anyway; Live
refresh shows a file being appended by a SWMR writer grow."""

from __future__ import annotations

import hashlib
from pathlib import Path

import h5py
import numpy as np
from writers import STALLED_WRITER, SWMR_WRITER, start, stop

from h5gui.gui.main_window import MainWindow


def test_leftovers_get_a_notice_and_clean_up_removes_them(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    p = tmp_path / "f.h5"
    with h5py.File(p, "w") as f:
        f["keep"] = np.arange(3)
        f.create_group(".h5gui-import-1-ab")["images"] = np.zeros((10, 10), dtype="u1")
    window.open_files([str(p)])
    wait_idle(window)
    key = ("leftovers", str(p))
    qtbot.waitUntil(lambda: key in window.notices.notices, timeout=10000)
    notice = window.notices.notices[key]
    assert "/.h5gui-import-1-ab" in notice.label.text() and "leftover" in notice.label.text()
    assert not window.session.is_writable(str(p))
    notice.buttons["Clean up"].click()  # enables editing first, then removes them
    qtbot.waitUntil(lambda: key not in window.notices.notices, timeout=10000)
    wait_idle(window)
    with h5py.File(p, "r", locking=False) as f:
        assert list(f) == ["keep"]
    assert "Removed 1 leftover" in window.status_text()


def test_a_file_marked_by_a_crashed_writer_can_be_read_anyway(qtbot, wait_idle, window: MainWindow,
                                                                tmp_path: Path) -> None:
    p = tmp_path / "marked.h5"
    with h5py.File(p, "w", libver="latest") as f:
        f["x"] = np.arange(5)
    stop(start(STALLED_WRITER, p))
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    window.open_files([str(p)])
    wait_idle(window)
    assert not window.session.is_open(str(p))
    notice = window.notices.notices[("open", str(p))]
    assert "not closed properly" in notice.label.text()
    notice.buttons["Read anyway"].click()
    qtbot.waitUntil(lambda: window.session.is_open(str(p)), timeout=10000)
    wait_idle(window)
    assert window.model.loaded_names(str(p), "/") == {"x"}
    assert ("open", str(p)) not in window.notices.notices
    assert hashlib.sha256(p.read_bytes()).hexdigest() == digest, "reading past the mark changes nothing"


def test_live_refresh_shows_a_swmr_file_grow(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    p = tmp_path / "live.h5"
    with h5py.File(p, "w", libver="latest") as f:
        f.create_dataset("x", shape=(0,), maxshape=(None,), dtype="i8", chunks=(64,))
    w = start(SWMR_WRITER, p)
    try:
        window.open_files([str(p)], select="/x")
        wait_idle(window)
        action = window.actions_.live_refresh
        assert action.isCheckable() and not action.isChecked()  # off by default

        def shape() -> tuple[int, ...]:
            node = window.model.node(window.model.find(str(p), "/x"))
            assert node.name == "x" and node.info is not None
            return tuple(node.info.shape or ())

        assert window.files.checks is not None
        window.files.checks.live.setInterval(250)  # a tick every 250 ms instead of 2 s: the wait below is shorter
        first = shape()
        qtbot.wait(800)
        assert shape() == first  # nothing re-read while it is off (three ticks' time)
        action.setChecked(True)
        qtbot.waitUntil(lambda: shape()[0] > first[0], timeout=10000)
        action.setChecked(False)
    finally:
        stop(w)

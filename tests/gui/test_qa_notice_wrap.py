"""A notice about a file that failed to open wraps onto a second line in a narrow window; the strip
kept the height of one line and cut the second one in half (seen at 640 x 480)."""

from __future__ import annotations

from pathlib import Path

from h5gui.gui.main_window import MainWindow


def test_wrapped_notice_text_is_not_cut(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    bad = tmp_path / "not_hdf5.h5"
    bad.write_bytes(b"not hdf5 at all")
    window.resize(1280, 800)
    window.open_files([str(bad)])
    wait_idle(window)
    notice = next(iter(window.notices.notices.values()))
    window.resize(640, 480)
    qtbot.wait(50)
    label = notice.label
    needed = label.heightForWidth(label.width())
    assert needed > label.fontMetrics().height() * 1.5  # it does wrap at this width
    qtbot.waitUntil(lambda: label.height() >= needed, timeout=10000)
    window.resize(1280, 800)
    # and shrinks back to one line when there is room
    qtbot.waitUntil(lambda: label.height() < label.fontMetrics().height() * 2 + 8, timeout=10000)

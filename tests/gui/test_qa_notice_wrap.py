"""A notice about a file that failed to open wraps onto a second line in a narrow window; the strip
kept the height of one line and cut the second one in half (seen at 640 x 480). Widened again, the
strip kept the lines it had needed when narrow (QLabel's height for a width is never less than its
minimum height, which the strip had raised): a three-line wrap, as with a longer path, stayed three
lines high at any width."""

from __future__ import annotations

from pathlib import Path

from h5gui.gui.main_window import MainWindow


def _notice_when_wide(qtbot, wait_idle, window: MainWindow, bad: Path, width: int, height: int):  # noqa: ANN202
    """``(notice, its label, its height)`` after opening ``bad`` (not HDF5) in a window ``width`` wide."""
    bad.write_bytes(b"not hdf5 at all")
    window.resize(width, height)
    window.open_files([str(bad)])
    wait_idle(window)
    notice = next(iter(window.notices.notices.values()))
    label = notice.label
    qtbot.waitUntil(lambda: label.width() > width * 3 // 4, timeout=10000)
    return notice, label, notice.height()


def test_wrapped_notice_text_is_not_cut(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    notice, label, wide = _notice_when_wide(qtbot, wait_idle, window, tmp_path / "not_hdf5.h5", 1280, 800)
    window.resize(640, 480)
    qtbot.waitUntil(lambda: label.width() < 640, timeout=10000)
    needed = label.heightForWidth(label.width())
    assert needed > label.fontMetrics().height() * 1.5  # it does wrap at this width
    qtbot.waitUntil(lambda: label.height() >= needed, timeout=10000)
    qtbot.waitUntil(lambda: notice.height() > wide, timeout=10000)  # the strip grows with it
    window.resize(1280, 800)
    # and shrinks back to the height it had in the wide window
    qtbot.waitUntil(lambda: notice.height() == wide, timeout=10000)


def test_notice_of_three_lines_shrinks_back(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """A file name long enough to wrap onto three lines at 640 x 480 (the path is a single word)."""
    bad = tmp_path / ("x" * 40) / "not_hdf5.h5"
    bad.parent.mkdir()
    notice, label, wide = _notice_when_wide(qtbot, wait_idle, window, bad, 1600, 900)
    window.resize(640, 480)
    line = label.fontMetrics().height()
    qtbot.waitUntil(lambda: label.height() >= line * 3 and notice.height() > line * 3, timeout=10000)
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: label.height() < line * 2 and notice.height() == wide, timeout=10000)  # one line again

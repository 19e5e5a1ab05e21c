"""Closing a file right after selecting one of its datasets: Info and the preview went on showing the
dataset of the closed file (its description arrived after the close)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow


def test_close_right_after_selecting_leaves_nothing_of_the_file(qtbot, wait_idle, window: MainWindow,
                                                                tmp_path: Path) -> None:
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    for p in (a, b):
        with h5py.File(p, "w") as f:
            f["x"] = np.array([b"\xff\xfe", b"ok"], dtype="S2")
            f["y"] = np.arange(5)
    window.open_files([str(a), str(b)])
    wait_idle(window)
    window.select_path(str(a), "/y")
    wait_idle(window)
    window.select_path(str(a), "/x")
    qtbot.waitUntil(lambda: window.session.shown == (str(a), "/x"), timeout=5000)
    window.close_file(str(a))  # at once: the jobs for /x are still running
    wait_idle(window)
    qtbot.wait(200)
    shown = window.session.shown
    assert shown is None or shown[0] != str(a), shown
    assert str(a) not in window.info_panel.field_texts().get("File", "")

"""After a delete the status line gives the compact hint once: it said "compact it to reclaim the space
(Ctrl+Z to undo)  (File > Compact file... gives the space back)"."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from h5gui.gui.main_window import MainWindow


def answer_yes() -> None:
    """Answer Yes in the confirmation that is about to open."""

    def answer() -> None:
        w = QApplication.activeModalWidget()
        if isinstance(w, QMessageBox):
            w.button(QMessageBox.StandardButton.Yes).click()
        else:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(20, answer)


def test_delete_says_how_to_reclaim_the_space_once(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "d.h5"
    with h5py.File(path, "w") as f:
        f["big"] = np.zeros(50_000)
    window.open_files([str(path)], select="/big")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    answer_yes()
    window.actions_.delete.trigger()
    wait_idle(window)
    qtbot.waitUntil(lambda: window.status_text().startswith("Deleted"), timeout=5000)
    text = window.status_text()
    assert text.count("ompact") == 1, text
    assert "File > Compact file..." in text and text.endswith("(Ctrl+Z to undo)"), text

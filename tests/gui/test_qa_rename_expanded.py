"""Renaming an expanded group keeps it expanded, with its members in sight; it collapsed, so the user had
to open it again to see what they had just renamed."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from h5gui.gui.main_window import MainWindow


def answer_name(text: str) -> None:
    def answer() -> None:
        w = QApplication.activeModalWidget()
        if isinstance(w, QInputDialog):
            w.setTextValue(text)
            w.accept()
        else:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(20, answer)


def test_renamed_group_stays_expanded(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "r.h5"
    with h5py.File(path, "w") as f:
        f["grp/a"] = np.arange(3)
        f["grp/b"] = np.arange(4)
        f["other"] = 1
    window.open_files([str(path)], select="/grp/a")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    window.select_path(str(path), "/grp")
    wait_idle(window)
    tree = window.tree
    assert tree.isExpanded(tree.currentIndex())
    answer_name("renamed")
    window.actions_.rename.trigger()
    wait_idle(window)
    node = window.current_node()
    assert node is not None and node.path == "/renamed"
    qtbot.waitUntil(lambda: tree.isExpanded(tree.currentIndex()), timeout=5000)
    assert sorted(c.name for c in node.children if c.is_real) == ["a", "b"]

"""The tree's Shape column shows a writable file's row whole: "619.0 KiB, editable" is drawn in bold."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

from h5gui.gui.main_window import MainWindow


def test_the_bold_row_of_an_editable_file_is_not_cut(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    from h5gui.core.demo import make_demo

    demo = make_demo(tmp_path / "demo.h5")
    window.open_files([str(demo)])
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    model = window.tree.model()
    index = model.index(0, 1)
    text = model.data(index, Qt.ItemDataRole.DisplayRole)
    font = model.data(index, Qt.ItemDataRole.FontRole)
    assert "editable" in text and isinstance(font, QFont) and font.bold()
    needed = QFontMetrics(font).horizontalAdvance(text)
    assert window.tree.header().sectionSize(1) >= needed + 12  # the cell's margins: narrower is elided

"""Clicking every object of files full of odd and broken things never takes the app down, and never
shows data from outside the file's folder."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from h5gui.gui.main_window import MainWindow
from h5gui.gui.models.tree_model import NODE_ROLE


def visible_text(widget: QWidget) -> str:
    parts = []
    for w in widget.findChildren(QWidget):
        if isinstance(w, QLabel | QLineEdit):
            parts.append(w.text())
        elif isinstance(w, QPlainTextEdit):
            parts.append(w.toPlainText())
    return "\n".join(parts)


def test_click_every_row(qtbot, wait_idle, window: MainWindow, sample) -> None:
    secret = sample.secret.read_text()
    far_secret = "FAR-AWAY-SECRET"  # stored in a dataset of a file outside the folder (tests/conftest.py)
    window.open_files([str(sample.h5), str(sample.filters)])
    wait_idle(window)
    proxy = window.proxy
    seen = 0
    # persistent indexes: loading a batch of a big group slides its window of rows (earlier rows go)
    queue = [QPersistentModelIndex(proxy.index(r, 0)) for r in range(proxy.rowCount())]
    while queue and seen < 500:
        persistent = queue.pop(0)
        if not persistent.isValid():
            continue
        idx = QModelIndex(persistent)
        node = proxy.data(idx, NODE_ROLE)
        if node is None or not node.is_real:
            continue
        window.tree.setCurrentIndex(idx)
        window.tree.expand(idx)
        wait_idle(window)
        seen += 1
        text = visible_text(window)
        assert secret not in text and far_secret not in text, node.path
        assert "Traceback" not in text
        assert "\n" not in window.status_text()
        queue.extend(QPersistentModelIndex(proxy.index(r, 0, idx)) for r in range(min(proxy.rowCount(idx), 50)))
    assert seen > 20
    # still usable afterwards
    window.select_path(str(sample.h5), "/")
    wait_idle(window)
    assert window.current_node() is not None


def test_filter_error_is_shown_in_the_info_panel(qtbot, wait_idle, window: MainWindow, sample) -> None:
    window.open_files([str(sample.filters)], select="/unknown_filter")
    wait_idle(window)
    assert "not available" in window.info_panel.field_texts().get("Filters", "")
    assert "not available" in window.info_panel.banner.text() or "decompress" in window.info_panel.banner.text()

"""Help > About lists the versions a bug report needs (the HDF5 side asked of the I/O process), with Copy."""

from __future__ import annotations

import h5py
from PySide6.QtGui import QGuiApplication

from h5gui.gui.main_window import MainWindow


def test_about_lists_versions_and_copies_them(qtbot, wait_idle, window: MainWindow) -> None:
    window.actions_.about.trigger()
    dialog = window.about_dialog
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: "HDF5:" in dialog.text.toPlainText(), timeout=10000)
    text = dialog.text.toPlainText()
    for name in ("h5gui", "Qt", "PySide6", "h5py", "HDF5", "numpy", "Pillow", "pyqtgraph", "hdf5plugin"):
        assert any(line.startswith(name + ":") for line in text.splitlines()), (name, text)
    assert h5py.version.hdf5_version in text and "asking" not in text
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == text
    dialog.close()

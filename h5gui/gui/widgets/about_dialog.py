"""Help > About: h5gui's version and those of the libraries it uses, with Copy (for a bug report).

Qt, PySide6 and pyqtgraph are known here; h5py, HDF5, Pillow and hdf5plugin are asked of the I/O
process (this process never loads them)."""

from __future__ import annotations

from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from h5gui import __version__
from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.gui.workers import JobRunner


def gui_versions() -> dict[str, str]:
    """What this (GUI) process knows without loading anything."""
    try:
        pyqtgraph = metadata.version("pyqtgraph")
    except metadata.PackageNotFoundError:
        pyqtgraph = "not installed"
    return {"Qt": qVersion(), "PySide6": pyside_version, "pyqtgraph": pyqtgraph}


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget, runner: JobRunner) -> None:
        super().__init__(parent)
        self.setObjectName("about")
        self.setWindowTitle("About h5gui")
        self.resize(520, 380)
        layout = QVBoxLayout(self)
        title = QLabel(f"<h3>h5gui {__version__}</h3><p>A desktop workbench for HDF5 files.</p>", self)
        layout.addWidget(title)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy these versions, to paste into a bug report")
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.found: dict[str, str] = {"h5gui": __version__, **gui_versions(), "h5py, HDF5, Pillow": "asking..."}
        self._show()
        runner.submit(api.about.versions, on_result=self._on_versions, on_error=self._on_error)

    def _show(self) -> None:
        width = max(len(k) for k in self.found) + 1
        self.text.setPlainText("\n".join(f"{k + ':':{width}} {v}" for k, v in self.found.items()))

    def _on_versions(self, found: dict[str, str]) -> None:
        gui = gui_versions()
        merged = dict(found)
        merged.update(gui)
        self.found = merged
        self._show()

    def _on_error(self, err: H5GuiError) -> None:
        self.found["h5py, HDF5, Pillow"] = f"unknown ({err})"
        self._show()

"""A small dialog that shows the progress of one long job, with Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from h5gui.gui.widgets.progress_panel import ProgressPanel


class JobDialog(QDialog):
    """A small dialog showing the progress of one long job, with Cancel."""

    def __init__(self, parent: QWidget, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.progress = ProgressPanel(self)
        layout.addWidget(self.progress)
        self.progress.done.connect(self.accept)
        self.resize(480, 100)

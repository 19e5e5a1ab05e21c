"""Wizards (image folder import, dataset transform): each page produces part of a core Spec; the
long work runs in the I/O process with progress and cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout, QWizardPage

from h5gui.gui.widgets.progress_panel import ProgressPanel


class RunPageBase(QWizardPage):
    """The last page of a wizard: progress with Cancel, then the outcome as text."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setTitle(title)
        layout = QVBoxLayout(self)
        self.progress = ProgressPanel(self)
        self.progress.done.connect(self.completeChanged)
        self.progress.done.connect(self.progress.cancel_button.hide)  # at the end only Close (issue 12 defect 16)
        layout.addWidget(self.progress)
        self.result = QPlainTextEdit(self)
        self.result.setReadOnly(True)
        layout.addWidget(self.result, 1)
        self.setFinalPage(True)

    def initializePage(self) -> None:  # noqa: N802
        self.progress.cancel_button.show()

    def isComplete(self) -> bool:  # noqa: N802
        return not self.progress.running()

"""Progress of a long job: bar (done/total), rate, MB/s, time left, and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from h5gui.core.progress import Progress, RateMeter
from h5gui.gui.workers import Job


class ProgressPanel(QWidget):
    cancelled = Signal()
    done = Signal()  # the job finished (result, error or cancel delivered)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop: what was written so far is removed and the file stays as it was")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.label = QLabel("", self)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.job: Job | None = None
        self.meter = RateMeter()
        self.last: Progress | None = None

    def attach(self, job: Job, text: str = "Working...") -> None:
        self.job = job
        self.meter = RateMeter()
        self.last = None
        self.bar.setRange(0, 0)  # busy until the first progress arrives
        self.label.setText(text)
        self.cancel_button.setEnabled(True)
        job.signals.progress.connect(self.update_progress)
        job.signals.finished.connect(self._finished)

    def update_progress(self, p: Progress) -> None:
        self.last = p
        self.meter.update(p)
        if p.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * (p.fraction or 0.0)))
        self.label.setText(self.meter.describe(p))

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText("Cancelling...")
            self.cancelled.emit()

    def _finished(self) -> None:
        self.cancel_button.setEnabled(False)
        self.bar.setRange(0, 1000)
        self.job = None
        self.done.emit()

    def running(self) -> bool:
        return self.job is not None

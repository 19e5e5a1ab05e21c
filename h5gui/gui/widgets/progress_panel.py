"""Progress of a long job: bar (done/total), rate, MB/s, time left, and Cancel (then "Stop now").

The panel starts the job itself (:meth:`ProgressPanel.run`), so that its progress and finished
callbacks are in place before the job can report anything: a fast job is never missed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from h5gui.core.errors import H5GuiError
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.core.progress import Progress, RateMeter
from h5gui.gui.workers import Job, JobRunner

STUCK_AFTER_MS = 2000  # a cancelled job still running after this long is offered "Stop now"
CANCEL_TIP = "Stop: what was written so far is removed and the file stays as it was"
STOP_TIP = "The job does not respond: stop h5gui's reader now (it restarts at once)"


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
        self.cancel_button.setToolTip(CANCEL_TIP)
        self.cancel_button.clicked.connect(self._on_button)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.label = QLabel("", self)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.job: Job | None = None
        self.runner: JobRunner | None = None
        self.meter = RateMeter()
        self.last: Progress | None = None
        self.finished_count = 0  # jobs seen to the end (tests)
        self._stuck_timer = QTimer(self)
        self._stuck_timer.setSingleShot(True)
        self._stuck_timer.setInterval(STUCK_AFTER_MS)
        self._stuck_timer.timeout.connect(self._offer_stop)

    def run(self, runner: JobRunner, fn: FuncRef, *args: Any, text: str = "Working...",
            on_error: Callable[[H5GuiError], None], on_finished: Callable[[], None] | None = None,
            on_progress: Callable[[Progress], None] | None = None, **kwargs: Any) -> Job:
        """Submit ``fn(*args, **kwargs)`` to ``runner`` and follow it here; ``on_progress`` and
        ``on_finished`` are called after the panel's own, ``on_result``, ``on_aborted`` and the other
        arguments of :meth:`JobRunner.submit` pass through."""
        self.runner = runner
        self.meter = RateMeter()
        self.last = None
        self.bar.setRange(0, 0)  # busy until the first progress arrives
        self.label.setText(text)
        self._set_button("Cancel", CANCEL_TIP, True)

        def finished() -> None:
            try:
                if on_finished is not None:
                    on_finished()
            finally:
                self._finished(job)

        def progress(p: Progress) -> None:
            if job is self.job:
                self.update_progress(p)
            if on_progress is not None:
                on_progress(p)

        job = runner.submit(fn, *args, on_error=on_error, on_progress=progress, on_finished=finished, **kwargs)
        self.job = job
        return job

    def update_progress(self, p: Progress) -> None:
        self.last = p
        self.meter.update(p)
        if p.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * (p.fraction or 0.0)))
        self.label.setText(self.meter.describe(p))

    def _on_button(self) -> None:
        if self.cancel_button.text() == "Stop now":
            self.stop_now()
        else:
            self.cancel()

    def cancel(self) -> None:
        """Ask the job to stop at its next step; offer "Stop now" if it has not after a moment."""
        if self.job is not None:
            self.job.cancel()
            self._set_button("Cancel", CANCEL_TIP, False)
            self.label.setText("Cancelling...")
            self._stuck_timer.start()
            self.cancelled.emit()

    def stop_now(self) -> None:
        """Kill the reader that runs the stuck job (it restarts; files reopen in their modes)."""
        if self.job is not None and self.runner is not None:
            self.runner.kill_running(self.job)
            self._set_button("Stop now", STOP_TIP, False)
            self.label.setText("Stopping the reader...")

    def _offer_stop(self) -> None:
        if self.job is not None and not self.job.finished:
            self._set_button("Stop now", STOP_TIP, True)
            self.label.setText("The job does not respond to Cancel.")

    def _set_button(self, text: str, tip: str, enabled: bool) -> None:
        self.cancel_button.setText(text)
        self.cancel_button.setToolTip(tip)
        self.cancel_button.setEnabled(enabled)

    def _finished(self, job: Job) -> None:
        self.finished_count += 1
        if job is not self.job:  # an earlier job of this panel: a later one runs now
            return
        self._stuck_timer.stop()
        self._set_button("Cancel", CANCEL_TIP, False)
        self.bar.setRange(0, 1000)
        self.job = None
        self.done.emit()

    def running(self) -> bool:
        return self.job is not None

"""Find (Ctrl+F): names (substring, glob, regex) and attributes across a whole file, results streaming
in as they are found; activating one selects it in the tree."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.progress import Progress
from h5gui.core.search.records import SearchBatch, SearchHit, SearchReport
from h5gui.gui.session import Session
from h5gui.gui.widgets.progress_panel import ProgressPanel
from h5gui.gui.workers import JobRunner


class FindDialog(QDialog):
    """Find (Ctrl+F): names (substring, glob, regex) and attributes across the whole file, results
    streaming in as they are found; activating one selects it in the tree."""

    hit_activated = Signal(str, str)  # file, path

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.setWindowTitle("Find")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.pattern = QLineEdit(self)
        self.pattern.setPlaceholderText("name, glob (img_*), or regular expression")
        # the hint is read in full: the field is at least as wide as it (and takes the row's room)
        self.pattern.setMinimumWidth(self.pattern.fontMetrics().horizontalAdvance(self.pattern.placeholderText()) + 24)
        self.mode = QComboBox(self)
        self.mode.addItems(["substring", "glob", "regex"])
        self.where = QComboBox(self)
        self.where.addItem("names", False)
        self.where.addItem("names and attributes", True)
        self.go = QPushButton("Find", self)
        # no default button: Enter in the pattern searches (returnPressed), Enter on a result goes there
        self.go.setAutoDefault(False)
        self.go.setDefault(False)
        row.addWidget(self.pattern, 1)
        for w in (self.mode, self.where, self.go):
            row.addWidget(w)
        layout.addLayout(row)
        self.files = QComboBox(self)
        layout.addWidget(self.files)
        self.results = QListWidget(self)
        layout.addWidget(self.results, 1)
        self.progress = ProgressPanel(self)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel("", self)
        # one line that is never cut: the dialog is at least as wide as it, and it keeps a line's height
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() + 4)
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.status)
        self.go.clicked.connect(self.start)
        self.pattern.returnPressed.connect(self.start)
        self.results.itemActivated.connect(self._activate)
        self.resize(620, 480)
        self._gen = 0

    def show(self) -> None:
        """Ctrl+F (also when the dialog is open already): search the file of the selection."""
        self.refresh_files()
        super().show()

    def refresh_files(self) -> None:
        """The open files, the selection's one chosen (else the one chosen before)."""
        current = self.files.currentData()
        self.files.clear()
        for f in self.session.files:
            self.files.addItem(os.path.basename(f), f)
        i = self.files.findData(self.session.top_file() or current)
        self.files.setCurrentIndex(max(0, i))

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        """Enter never reaches QDialog (which would press a button): the pattern and the list handle it."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def start(self) -> None:
        file = self.files.currentData()
        text = self.pattern.text()
        if not file or not text:
            return
        job = self.progress.job
        if job is not None:
            job.cancel()  # the search before: its results are dropped (the new run follows the panel)
        self._gen += 1
        gen = self._gen
        self.results.clear()
        self.status.setText("0 found so far")
        self.progress.show()
        self.progress.run(
            self.runner, api.search.search, file, text, mode=self.mode.currentText(), attrs=self.where.currentData(),
            text=f"Searching {os.path.basename(file)}...", key="find", on_progress=partial(self._found, gen),
            on_result=partial(self._done, gen), on_error=self._error,
        )

    def _found(self, gen: int, batch: Progress) -> None:
        """Hits streaming in. Progress is rate-limited on its way from the I/O process, so a batch may be
        skipped: the list is made complete from the report at the end."""
        if gen == self._gen and isinstance(batch, SearchBatch):
            self._add_hits(batch.hits)
            self.status.setText(f"{self.results.count():,} found so far, {batch.done:,.0f} objects searched")

    def _add_hits(self, hits: Sequence[SearchHit]) -> None:
        for h in hits:
            item = QListWidgetItem(h.text)
            item.setData(Qt.ItemDataRole.UserRole, (h.file, h.path))
            self.results.addItem(item)

    def _done(self, gen: int, report: SearchReport) -> None:
        if gen != self._gen:
            return
        if self.results.count() != len(report.hits):  # a batch was skipped on the way: show them all
            self.results.clear()
            self._add_hits(report.hits)
        self.progress.hide()
        more = " (stopped at the limit)" if report.truncated else ""
        self.status.setText(f"{self.results.count():,} found among {report.visited:,} objects{more}")

    def _error(self, err: H5GuiError) -> None:
        self.progress.hide()
        self.status.setText(str(err))

    def _activate(self, item: QListWidgetItem) -> None:
        file, path = item.data(Qt.ItemDataRole.UserRole)
        self.hit_activated.emit(file, path)

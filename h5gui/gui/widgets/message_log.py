"""Every message of the session with its time (View > Messages): the status bar shows only the last
one; errors that matter stay here, with Copy for a bug report."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

MAX_ENTRIES = 5000


@dataclass(frozen=True)
class Entry:
    when: float
    level: str  # "info" or "error"
    text: str

    def line(self) -> str:
        return f"{time.strftime('%H:%M:%S', time.localtime(self.when))}  {self.level:5}  {self.text}"


class MessageLog(QObject):
    """The session's messages, oldest first (at most MAX_ENTRIES)."""

    added = Signal(object)  # Entry

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[Entry] = []

    def add(self, text: str, level: str = "info") -> None:
        if not text:
            return
        entry = Entry(time.time(), level, text)
        self.entries.append(entry)
        if len(self.entries) > MAX_ENTRIES:
            del self.entries[: len(self.entries) - MAX_ENTRIES]
        self.added.emit(entry)

    def errors(self) -> list[Entry]:
        return [e for e in self.entries if e.level == "error"]

    def text(self) -> str:
        return "\n".join(e.line() for e in self.entries)


class MessageLogDialog(QDialog):
    """The log as a table (time, level, message), newest at the bottom, with Copy and Clear."""

    def __init__(self, log: MessageLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message_log")
        self.setWindowTitle("Messages \u2014 h5gui")
        self.resize(820, 360)
        self.log = log
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["Time", "", "Message"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)  # one line a row
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("Copy", self)
        copy.setToolTip("Copy every message, with its time, to the clipboard")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.log.text()))
        clear = QPushButton("Clear", self)
        clear.clicked.connect(self.clear)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(clear, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        for entry in log.entries:
            self._append(entry)
        log.added.connect(self._append)

    def _append(self, entry: Entry) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        items = (time.strftime("%H:%M:%S", time.localtime(entry.when)), "error" if entry.level == "error" else "",
                 entry.text)
        for col, text in enumerate(items):
            item = QTableWidgetItem(text)
            item.setToolTip(entry.text)
            if entry.level == "error":
                item.setForeground(QColor("#c62828"))
            self.table.setItem(row, col, item)
        self.table.scrollToBottom()

    def clear(self) -> None:
        self.log.entries.clear()
        self.table.setRowCount(0)

    def rows(self) -> list[str]:
        return [(self.table.item(r, 2) or QTableWidgetItem()).text() for r in range(self.table.rowCount())]



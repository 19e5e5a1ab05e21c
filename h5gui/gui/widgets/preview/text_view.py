"""Text view for scalars and strings; JSON pretty-printed by the engine; a copy button."""

from __future__ import annotations

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class TextView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel("", self)  # which element of an array is shown
        self.note.setStyleSheet("color: #666;")
        self.note.setContentsMargins(4, 0, 4, 0)
        self.note.setWordWrap(True)
        self.note.hide()
        layout.addWidget(self.note)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(font)
        layout.addWidget(self.text, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy the whole text to the clipboard")
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        row.addWidget(self.copy_button)
        layout.addLayout(row)

    def show_text(self, text: str, note: str = "") -> None:
        self.text.setPlainText(text)
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def plain_text(self) -> str:
        return self.text.toPlainText()

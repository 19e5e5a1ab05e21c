"""Preview area. The image/table/plot views come with the previews work; for now it shows what it can
from the info snapshot (small values) and a hint."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

from h5gui.core.nodes import NodeInfo


class PreviewArea(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget(self)
        self.hint = QLabel("Select a dataset to preview it", self)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("color: #808080;")
        self.hint.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(font)
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.text)
        layout.addWidget(self.stack)

    def show_info(self, info: NodeInfo) -> None:
        if info.value is not None:
            self.text.setPlainText(info.value)
            self.stack.setCurrentWidget(self.text)
            return
        kind = info.object_kind or info.kind
        if kind == "dataset":
            if info.needs_confirmation:
                msg = "Data not read: it lives outside the file's folder"
            elif info.error:
                msg = info.error
            else:
                msg = f"{info.dtype_short} dataset, {info.size:,} elements: image, table and plot views are not available yet"
        elif kind == "group":
            msg = f"Group with {info.members or 0:,} members"
        else:
            msg = "Nothing to preview"
        self.show_message(msg)

    def show_message(self, text: str) -> None:
        self.hint.setText(text)
        self.stack.setCurrentWidget(self.hint)

    def current_text(self) -> str:
        w = self.stack.currentWidget()
        return self.text.toPlainText() if w is self.text else self.hint.text()

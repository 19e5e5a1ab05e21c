"""An inline one-line message strip (error, warning or info) with an optional action button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

STYLES = {
    "error": ("#fdecea", "#8a1c1c", "#e0a3a3"),
    "warning": ("#fff4d6", "#6b4e00", "#e6cf8a"),
    "info": ("#e8f1fc", "#1c3f6e", "#a9c4e8"),
}


class Banner(QWidget):
    action_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.button = QPushButton(self)
        self.button.clicked.connect(self.action_clicked)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        self.hide()

    def show_message(self, text: str, level: str = "error", action: str = "") -> None:
        bg, fg, border = STYLES.get(level, STYLES["info"])
        self.setStyleSheet(
            f"#banner {{ background: {bg}; border: 1px solid {border}; border-radius: 4px; }}"
            f" QLabel {{ color: {fg}; }}"
        )
        self.label.setText(text)
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """A message that wraps at this width gets the lines it needs, not the height of one line."""
        super().resizeEvent(event)
        needed = self.label.heightForWidth(self.label.width())
        if needed > 0 and needed != self.label.minimumHeight():
            self.label.setMinimumHeight(needed)

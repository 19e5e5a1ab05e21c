"""Notices that stay until the user dismisses them: one strip per file that failed to open, was left
with the traces of interrupted writes, or is marked open for writing. Each strip says what and where
in one line and offers its actions (Try again, Clean up, Read anyway) and a close button."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from h5gui.gui.widgets.banner import STYLES

MAX_SHOWN = 8  # strips shown at once; older ones stay in the Messages log


class Notice(QWidget):
    """One strip: text, action buttons, close."""

    def __init__(self, parent: QWidget, text: str, level: str,
                 actions: list[tuple[str, Callable[[], None]]], on_close: Callable[[], None]) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        bg, fg, border = STYLES.get(level, STYLES["info"])
        self.setStyleSheet(f"#notice {{ background: {bg}; border: 1px solid {border}; border-radius: 4px; }}"
                           f" QLabel {{ color: {fg}; }}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 2, 2)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.label)
        self.buttons: dict[str, QPushButton] = {}
        for label, fn in actions:
            button = QPushButton(label, self)
            button.clicked.connect(fn)
            layout.addWidget(button)
            self.buttons[label] = button
        close = QToolButton(self)
        close.setText("\u00d7")
        close.setToolTip("Dismiss (the message stays in View > Messages)")
        close.setAutoRaise(True)
        close.clicked.connect(on_close)
        layout.addWidget(close)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """A text that wraps at this width gets the lines it needs (the window's layout gives a strip
        the height of one line otherwise, and the second line is cut)."""
        super().resizeEvent(event)
        label = self.label
        shown = label.minimumHeight()
        needed = label.heightForWidth(label.width())
        if needed == shown > 0:
            # QLabel never answers less than its minimum height: ask again without it, else a strip
            # that wrapped in a narrow window keeps its extra lines when the window widens again
            label.setMinimumHeight(0)
            needed = label.heightForWidth(label.width())
        if needed > 0 and needed != label.minimumHeight():
            label.setMinimumHeight(needed)
        elif needed <= 0 and shown > 0:
            label.setMinimumHeight(shown)


class NoticeArea(QWidget):
    """A column of :class:`Notice` strips, each under a key (e.g. ``("open", path)``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 0)
        self._layout.setSpacing(2)
        self.notices: dict[Hashable, Notice] = {}
        self.hide()

    def add(self, key: Hashable, text: str, level: str = "error",
            actions: list[tuple[str, Callable[[], None]]] | None = None) -> Notice:
        """Show ``text`` under ``key`` (replacing what that key showed)."""
        self.remove(key)
        notice = Notice(self, text, level, actions or [], lambda: self.remove(key))
        self.notices[key] = notice
        self._layout.addWidget(notice)
        while len(self.notices) > MAX_SHOWN:
            self.remove(next(iter(self.notices)))
        self.show()
        return notice

    def remove(self, key: Hashable) -> None:
        notice = self.notices.pop(key, None)
        if notice is not None:
            notice.hide()
            notice.deleteLater()
        self.setVisible(bool(self.notices))

    def texts(self) -> list[str]:
        return [n.label.text() for n in self.notices.values()]

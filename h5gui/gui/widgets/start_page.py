"""Shown when no file is open: Open, the demo file, recent files, and a drop hint."""

from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from h5gui import __version__
from h5gui.gui.icons import icon


class StartPage(QWidget):
    open_requested = Signal()
    demo_requested = Signal()
    recent_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        col = QVBoxLayout()
        col.addStretch(1)
        logo = QLabel(self)
        logo.setPixmap(icon("h5gui").pixmap(QSize(64, 64)))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        col.addWidget(logo)
        title = QLabel(f"<h2>h5gui</h2><p style='color:#666'>HDF5 workbench {__version__}</p>", self)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        col.addWidget(title)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open file...", self)
        self.open_button.setToolTip("Open an HDF5 file (Ctrl+O)")
        self.open_button.clicked.connect(self.open_requested)
        self.demo_button = QPushButton("Open demo file", self)
        self.demo_button.setToolTip("Write a small demo file with images, a stack, a signal and links, and open it")
        self.demo_button.clicked.connect(self.demo_requested)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.demo_button)
        col.addLayout(buttons)
        self.recent_label = QLabel("<b>Recent files</b> (click to open)", self)
        col.addWidget(self.recent_label)
        self.recent = QListWidget(self)
        self.recent.setMinimumWidth(460)
        self.recent.setMaximumHeight(220)
        # one click opens (as on most start pages); Enter too. A double-click's second request is ignored
        # by the file controller while that file is opening.
        for signal in (self.recent.itemClicked, self.recent.itemActivated):
            signal.connect(lambda item: self.recent_requested.emit(item.data(Qt.ItemDataRole.UserRole)))
        col.addWidget(self.recent)
        hint = QLabel("or drop HDF5 files anywhere on this window", self)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color: #808080;")
        col.addWidget(hint)
        col.addStretch(2)
        outer.addLayout(col)
        outer.addStretch(1)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(icon("file"), f"{os.path.basename(p)}    \u2014  {os.path.dirname(p)}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            item.setToolTip(p)
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.recent_label.setVisible(bool(paths))

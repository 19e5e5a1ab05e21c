"""Columns sized to what they hold, without reading every row.

* :class:`ColumnFitter` widens a column of a tree or table to the widest text of the rows the model
  adds or changes (a batch at a time: a group of 100,000 members is never scanned whole), up to a
  limit; it never narrows a column, and once the user resizes it by hand it leaves it alone.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView

MAX_SCAN_ROWS = 500  # rows looked at per batch of inserted or changed rows
PADDING = 18  # cell margins and the sort indicator

class ColumnFitter(QObject):
    """Widens ``column`` of ``view`` (at most ``max_width`` pixels) as rows come in."""

    def __init__(self, view: QAbstractItemView, column: int, max_width: int = 360) -> None:
        super().__init__(view)
        self.view = view
        self.column = column
        self.max_width = max_width
        self._set_by_us = False
        self._user_sized = False
        model = view.model()
        model.rowsInserted.connect(self._on_rows)
        model.dataChanged.connect(self._on_changed)
        model.modelReset.connect(lambda: self._fit(QModelIndex(), 0, model.rowCount() - 1))
        self._header().sectionResized.connect(self._on_resized)

    def _header(self) -> QHeaderView:
        header = getattr(self.view, "header", None)
        return header() if header is not None else self.view.horizontalHeader()  # type: ignore[attr-defined]

    def _on_resized(self, section: int, _old: int, _new: int) -> None:
        if section == self.column and not self._set_by_us:
            self._user_sized = True

    def _on_rows(self, parent: QModelIndex | QPersistentModelIndex, first: int, last: int) -> None:
        self._fit(parent, first, last)

    def _on_changed(self, top_left: QModelIndex | QPersistentModelIndex,
                    bottom_right: QModelIndex | QPersistentModelIndex, _roles: object = None) -> None:
        if top_left.column() <= self.column <= bottom_right.column():
            self._fit(top_left.parent(), top_left.row(), bottom_right.row())

    def _fit(self, parent: QModelIndex | QPersistentModelIndex, first: int, last: int) -> None:
        if self._user_sized or last < first:
            return
        model = self.view.model()
        fm = self.view.fontMetrics()
        widest = 0
        for row in range(first, min(last, first + MAX_SCAN_ROWS - 1) + 1):
            index = model.index(row, self.column, parent)
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            if text:
                font = model.data(index, Qt.ItemDataRole.FontRole)  # a file's row is bold, for one
                metrics = QFontMetrics(font) if isinstance(font, QFont) else fm
                widest = max(widest, metrics.horizontalAdvance(str(text)))
        header = self._header()
        wanted = min(self.max_width, widest + PADDING)
        if wanted > header.sectionSize(self.column):
            self._set_by_us = True
            try:
                header.resizeSection(self.column, wanted)
            finally:
                self._set_by_us = False

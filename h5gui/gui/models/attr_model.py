"""Read-only table of a node's attributes (name, value, type, shape)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from h5gui.core.attrs import AttrInfo

COLUMNS = ("Name", "Value", "Type", "Shape")
ATTR_ROLE = Qt.ItemDataRole.UserRole + 1


class AttrTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._attrs: list[AttrInfo] = []

    def set_attrs(self, attrs: list[AttrInfo]) -> None:
        self.beginResetModel()
        self._attrs = list(attrs)
        self.endResetModel()

    def attrs(self) -> list[AttrInfo]:
        return list(self._attrs)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._attrs)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        a = self._attrs[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == 0:
                return a.name
            if col == 1:
                return a.error or a.value
            if col == 2:
                return a.dtype
            return a.shape_text
        if role == Qt.ItemDataRole.ToolTipRole:
            text = a.error or a.full_text or a.value
            return text[:2000]
        if role == Qt.ItemDataRole.ForegroundRole and col == 1 and a.error:
            return QBrush(QColor("#c62828"))
        if role == ATTR_ROLE:
            return a
        return None

"""Table of a node's attributes (name, value, type, shape); names and values editable in edit mode.

The model never writes: ``setData`` emits ``rename_requested`` / ``value_requested`` and the window
runs the edit in the I/O process, then refreshes the table from the file.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from h5gui.core.attrs.records import AttrInfo
from h5gui.core.formatting import visible_text

COLUMNS = ("Name", "Value", "Type", "Shape")
ATTR_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_COL, VALUE_COL, TYPE_COL, SHAPE_COL = range(4)

Index = QModelIndex | QPersistentModelIndex


class AttrTableModel(QAbstractTableModel):
    rename_requested = Signal(str, str)  # old, new
    value_requested = Signal(str, str)  # name, text as typed

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._attrs: list[AttrInfo] = []
        self.editable = False

    def set_attrs(self, attrs: list[AttrInfo]) -> None:
        self.beginResetModel()
        self._attrs = list(attrs)
        self.endResetModel()

    def set_editable(self, on: bool) -> None:
        if on != self.editable:
            self.editable = on
            if self._attrs:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._attrs) - 1, len(COLUMNS) - 1))

    def attrs(self) -> list[AttrInfo]:
        return list(self._attrs)

    def attr(self, row: int) -> AttrInfo:
        return self._attrs[row]

    def row_of(self, name: str) -> int:
        for i, a in enumerate(self._attrs):
            if a.name == name:
                return i
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._attrs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        a = self._attrs[index.row()]
        if self.editable and (index.column() == NAME_COL or (index.column() == VALUE_COL and a.editable)):
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        a = self._attrs[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:  # control characters as escapes (\x00, \x1b), not boxes
            if col == NAME_COL:
                return visible_text(a.name)
            if col == VALUE_COL:
                return a.error or visible_text(a.value)
            if col == TYPE_COL:
                return a.dtype
            return a.shape_text
        if role == Qt.ItemDataRole.EditRole:
            if col == NAME_COL:
                return a.name
            if col == VALUE_COL:
                return a.edit_text
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            text = a.error or a.full_text or a.value
            if not a.editable and a.reason:
                text = f"read-only: {a.reason}\n\n{text}"
            return text[:2000]
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == VALUE_COL and a.error:
                return QBrush(QColor("#c62828"))
            if self.editable and not a.editable:
                return QBrush(QColor("#808080"))
            return None
        if role == Qt.ItemDataRole.FontRole and col == VALUE_COL and self.editable and not a.editable:
            f = QFont()
            f.setItalic(True)
            return f
        if role == ATTR_ROLE:
            return a
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or not self.editable:
            return False
        a = self._attrs[index.row()]
        text = str(value)
        if index.column() == NAME_COL:
            if text and text != a.name:
                self.rename_requested.emit(a.name, text)
            return False
        if index.column() == VALUE_COL and a.editable:
            if text != a.edit_text:
                self.value_requested.emit(a.name, text)
            return False
        return False

"""Attribute panel (read-only for now): sortable, filterable table plus a side view for long values."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from h5gui.core.attrs import AttrInfo
from h5gui.gui.models.attr_model import ATTR_ROLE, AttrTableModel


class AttrPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter attributes by name")
        self.filter.setClearButtonEnabled(True)
        layout.addWidget(self.filter)
        self.model = AttrTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.table = QTableView(self.splitter)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 140)
        self.detail = QPlainTextEdit(self.splitter)
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select an attribute to see its whole value")
        self.detail.hide()
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter, 1)
        self.empty = QLabel("No attributes", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #808080;")
        layout.addWidget(self.empty)
        self.empty.hide()
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

    def set_attrs(self, attrs: list[AttrInfo]) -> None:
        self.model.set_attrs(attrs)
        self.empty.setVisible(not attrs)
        self.empty.setText("No attributes")
        self.table.setVisible(bool(attrs))
        self.detail.hide()
        self.table.resizeColumnToContents(2)

    def show_message(self, text: str) -> None:
        self.model.set_attrs([])
        self.table.hide()
        self.detail.hide()
        self.empty.setText(text)
        self.empty.show()

    def clear(self) -> None:
        self.show_message("")

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.detail.hide()
            return
        a: AttrInfo = self.proxy.data(rows[0], ATTR_ROLE)
        text = a.error or a.full_text or a.value
        self.detail.setPlainText(f"{a.name}  ({a.dtype}, {a.shape_text})\n\n{text}")
        self.detail.show()

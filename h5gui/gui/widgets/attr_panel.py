"""Attribute panel: a sortable, filterable table with a side view for long values; in edit mode, values
and names edit in place (checked as typed), and attributes can be added, duplicated, deleted, copied."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from h5gui.core.attrs.records import AttrInfo
from h5gui.gui.models.attr_model import ATTR_ROLE, NAME_COL, AttrTableModel

Index = QModelIndex | QPersistentModelIndex


class ValueDelegate(QStyledItemDelegate):
    """Edits a value as text and refuses, inline, what does not fit the attribute's type."""

    def __init__(self, panel: AttrPanel) -> None:
        super().__init__(panel)
        self.panel = panel

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:  # noqa: N802
        editor = QLineEdit(parent)
        a: AttrInfo = index.data(ATTR_ROLE)
        if a is not None and a.type_name:
            editor.setToolTip(f"{a.dtype}, shape {a.shape_text}: type a value such as "
                              + ("true" if a.type_name == "bool" else "[1, 2, 3]" if a.shape else "3"))
        return editor

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        text = editor.text()
        # a value that does not fit its type is refused by the write itself (in the I/O process), with
        # the reason, before anything is written
        if index.column() == NAME_COL and not text:
            self.panel.show_refusal("an attribute needs a name")
            return
        self.panel.show_refusal("")
        super().setModelData(editor, model, index)


class AttrPanel(QWidget):
    add_requested = Signal()
    delete_requested = Signal(list)  # names
    duplicate_requested = Signal(str)
    copy_requested = Signal(list)  # names ([] = all)
    paste_requested = Signal()
    value_apply_requested = Signal(str, str)  # name, text (from the side editor)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter attributes by name")
        self.filter.setClearButtonEnabled(True)
        top.addWidget(self.filter, 1)
        self.tool_buttons: dict[str, QToolButton] = {}
        for key, text, tip in (
            ("add", "Add", "Add an attribute (Ins)"),
            ("duplicate", "Duplicate", "Duplicate the selected attribute"),
            ("delete", "Delete", "Delete the selected attributes (Del)"),
            ("copy", "Copy", "Copy the selected attributes (all when none is selected), to paste onto other nodes"),
            ("paste", "Paste", "Paste copied attributes onto this node"),
        ):
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            top.addWidget(b)
            self.tool_buttons[key] = b
        self.tool_buttons["add"].clicked.connect(self.add_requested)
        self.tool_buttons["duplicate"].clicked.connect(self._duplicate)
        self.tool_buttons["delete"].clicked.connect(self._delete)
        self.tool_buttons["copy"].clicked.connect(lambda: self.copy_requested.emit(self.selected_names()))
        self.tool_buttons["paste"].clicked.connect(self.paste_requested)
        layout.addLayout(top)
        self.refusal = QLabel("", self)
        self.refusal.setStyleSheet("color: #c62828;")
        self.refusal.setWordWrap(True)
        self.refusal.hide()
        layout.addWidget(self.refusal)
        self.through = ""  # attributes of an external link's target: read-only here, this says why
        self.through_source: tuple[str, str] | None = None  # (file, path) of that target
        self.through_note = QLabel("", self)
        self.through_note.setStyleSheet("color: #616161;")
        self.through_note.setWordWrap(True)
        self.through_note.hide()
        layout.addWidget(self.through_note)

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
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.setItemDelegate(ValueDelegate(self))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 140)
        detail = QWidget(self.splitter)
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        self.detail_title = QLabel("", detail)
        self.detail = QPlainTextEdit(detail)
        self.detail.setReadOnly(True)
        self.apply_button = QPushButton("Apply", detail)
        self.apply_button.setToolTip("Write this value (Ctrl+Return)")
        self.apply_button.clicked.connect(self._apply_detail)
        dl.addWidget(self.detail_title)
        dl.addWidget(self.detail, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.apply_button)
        dl.addLayout(row)
        self.detail_widget = detail
        detail.hide()
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter, 1)
        self.empty = QLabel("No attributes", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #808080;")
        layout.addWidget(self.empty)
        self.empty.hide()
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        for _key, seq, slot in (
            ("delete", QKeySequence.StandardKey.Delete, self._delete),
            ("add", QKeySequence("Ins"), self._add),
            ("apply", QKeySequence("Ctrl+Return"), self._apply_detail),
        ):
            act = QAction(self)
            act.setShortcut(seq)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
        self._detail_name = ""
        self._select_next = ""
        self.model.rename_requested.connect(lambda _old, new: self.select_next(new))
        self.set_editable(False)

    # ------------------------------------------------------------------ state
    def set_attrs(self, attrs: list[AttrInfo]) -> None:
        selected = self.selected_names()
        if self._select_next and any(a.name == self._select_next for a in attrs):
            selected = [self._select_next]  # the attribute just added, renamed or duplicated
        self._select_next = ""
        self.model.set_attrs(attrs)
        self.empty.setVisible(not attrs)
        self.empty.setText("No attributes" + ("  (Add one with Ins)" if self.model.editable else ""))
        self.table.setVisible(bool(attrs))
        self.detail_widget.hide()
        self.table.resizeColumnToContents(2)
        for name in selected:
            row = self.model.row_of(name)
            if row >= 0:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                self.table.selectRow(index.row())
                self.table.scrollTo(index)
        self._sync_buttons()

    def select_next(self, name: str) -> None:
        """Select ``name`` when the attributes are listed again (after it was added or renamed)."""
        self._select_next = name

    def set_through(self, note: str, source: tuple[str, str] | None = None) -> None:
        """The attributes shown next belong to an external link's target ``source`` (``note`` says
        which, and that they are read-only here); ``""``: to the selected object itself."""
        self.through = note
        self.through_source = source if note else None
        self.through_note.setText(note)
        self.through_note.setVisible(bool(note))
        if note:
            self.set_editable(False)

    def set_editable(self, on: bool) -> None:
        on = on and not self.through
        self.model.set_editable(on)
        self.detail.setReadOnly(not on)
        self.apply_button.setVisible(on)
        self.refusal.hide()
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        """Each button is enabled when it can act: Duplicate on one selected attribute, Delete on a
        selection, Copy when there is something to copy, Add and Paste in edit mode."""
        on = self.model.editable
        n = len(self.selected_names())
        for key, enabled in (("add", on), ("paste", on), ("duplicate", on and n == 1), ("delete", on and n > 0),
                             ("copy", self.model.rowCount() > 0)):
            self.tool_buttons[key].setEnabled(enabled)

    def show_message(self, text: str) -> None:
        self.set_through("")
        self.model.set_attrs([])
        self.table.hide()
        self.detail_widget.hide()
        self.empty.setText(text)
        self.empty.show()
        self._sync_buttons()

    def clear(self) -> None:
        self.show_message("")

    def show_refusal(self, text: str) -> None:
        self.refusal.setText(text)
        self.refusal.setVisible(bool(text))

    def selected_names(self) -> list[str]:
        sm = self.table.selectionModel()
        names = []
        for idx in sm.selectedRows() if sm is not None else []:
            a = self.proxy.data(idx, ATTR_ROLE)
            if a is not None:
                names.append(a.name)
        return names

    def start_rename(self, name: str) -> None:
        row = self.model.row_of(name)
        if row >= 0:
            idx = self.proxy.mapFromSource(self.model.index(row, NAME_COL))
            self.table.setCurrentIndex(idx)
            self.table.edit(idx)

    # ------------------------------------------------------------------ actions
    def _add(self) -> None:
        if self.through:
            self.show_refusal(self.through)
        else:
            self.add_requested.emit()

    def _delete(self) -> None:
        names = self.selected_names()
        if names and self.model.editable:
            self.delete_requested.emit(names)

    def _duplicate(self) -> None:
        names = self.selected_names()
        if len(names) == 1 and self.model.editable:
            self.duplicate_requested.emit(names[0])

    def _apply_detail(self) -> None:
        if self.model.editable and self._detail_name and not self.detail.isReadOnly():
            row = self.model.row_of(self._detail_name)
            if row < 0:
                return
            a = self.model.attr(row)
            text = self.detail.toPlainText()
            self.show_refusal("")
            self.value_apply_requested.emit(a.name, text)

    def _menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        names = self.selected_names()
        editable = self.model.editable
        act = menu.addAction("Add attribute...", self.add_requested.emit)
        act.setEnabled(editable)
        if names:
            act = menu.addAction("Rename", lambda: self.start_rename(names[0]))
            act.setEnabled(editable and len(names) == 1)
            act = menu.addAction("Duplicate", self._duplicate)
            act.setEnabled(editable and len(names) == 1)
            act = menu.addAction(f"Delete {len(names)} attribute{'s' if len(names) > 1 else ''}", self._delete)
            act.setEnabled(editable)
        menu.addSeparator()
        menu.addAction("Copy selected" if names else "Copy all", lambda: self.copy_requested.emit(names))
        act = menu.addAction("Paste", self.paste_requested.emit)
        act.setEnabled(editable)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._sync_buttons()
        rows = self.table.selectionModel().selectedRows()
        if len(rows) != 1:
            self.detail_widget.hide()
            self._detail_name = ""
            return
        a: AttrInfo = self.proxy.data(rows[0], ATTR_ROLE)
        self._detail_name = a.name
        editable = self.model.editable and a.editable
        self.detail_title.setText(f"<b>{a.name}</b>  ({a.dtype}, {a.shape_text})"
                                  + ("" if a.editable else f"  <i>read-only: {a.reason}</i>"))
        if editable:
            self.detail.setPlainText(a.edit_text)
        else:
            self.detail.setPlainText(a.error or a.full_text or a.value)
        self.detail.setReadOnly(not editable)
        self.apply_button.setVisible(editable)
        self.detail_widget.show()

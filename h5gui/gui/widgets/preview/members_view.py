"""A group's preview: its members as a sortable table (name, kind, shape, type, size on disk), read by
one job in the I/O process; double-click (or Enter) on a member selects it in the tree."""

from __future__ import annotations

import posixpath

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.kinds import label
from h5gui.core.nodes.member_records import MemberTable
from h5gui.core.text import format_bytes
from h5gui.gui.workers import JobRunner

COLUMNS = ("Name", "Kind", "Shape", "Type", "On disk")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2
NAME_COL = 0
MAX_FITTED = 320  # pixels: a column sized to its texts (a long external link's kind) is not wider


def _item(text: str, sort_key: object, right: bool = False) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(sort_key, SORT_ROLE)
    item.setToolTip(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class MembersView(QWidget):
    """``load(file, path)`` shows the members of that group."""

    member_activated = Signal(str, str)  # file, path

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.loading = False
        self.file = ""
        self._gen = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.model.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._user_sized: set[int] = set()  # columns the user resized by hand: their widths are kept
        self._fitting = False
        self._name_width = 0  # what the names need; the Name column takes the room the others leave
        self.table.horizontalHeader().sectionResized.connect(self._on_section_resized)
        self.table.viewport().installEventFilter(self)
        self.table.setToolTip("Double-click a member (or press Enter) to select it in the tree")
        self.table.doubleClicked.connect(self._activate)
        enter = QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, lambda: self._activate(self.table.currentIndex()))
        enter.setContext(Qt.ShortcutContext.WidgetShortcut)  # Enter elsewhere in the window is not ours
        layout.addWidget(self.table, 1)
        self.note = QLabel("", self)
        self.note.setStyleSheet("color: #666;")
        self.note.setContentsMargins(4, 0, 4, 2)
        layout.addWidget(self.note)

    def load(self, file: str, path: str) -> None:
        self._gen += 1
        gen = self._gen
        self.file = file
        self.model.removeRows(0, self.model.rowCount())
        self.note.setText(f"Reading the members of {path}...")
        self.loading = True

        def finished() -> None:
            if gen == self._gen:
                self.loading = False

        self.runner.submit(api.nodes.member_table, file, path, key="preview-members",
                           on_result=lambda t: self._show(gen, t), on_error=lambda e: self._error(gen, e),
                           on_finished=finished)

    def _error(self, gen: int, err: H5GuiError) -> None:
        if gen == self._gen:
            self.note.setText(str(err))

    def _show(self, gen: int, table: MemberTable) -> None:
        if gen != self._gen:
            return
        self.table.setSortingEnabled(False)
        for order, m in enumerate(table.rows):
            info = m.info
            kind = label(info.kind)
            if info.link_file:
                kind += f" \u2192 {info.link_file}:{info.link_target}"
            elif info.link_target:
                kind += f" \u2192 {info.link_target}"
            size = 1
            for n in info.shape or ():
                size *= n
            shape_key = (-1, info.members or 0) if info.is_group_like else (size if info.shape is not None else -1, 0)
            name = _item(info.name, order)  # natural order, as in the tree
            name.setData(info.path, PATH_ROLE)
            # a float key: element counts of big datasets times 10**12 overflow the 64-bit integers Qt stores
            row = [name, _item(kind, kind), _item(info.shape_text, float(shape_key[0]) * 1e12 + shape_key[1], True),
                   _item(info.dtype, info.dtype),
                   _item("" if m.storage is None else format_bytes(m.storage), -1 if m.storage is None else m.storage,
                         True)]
            self.model.appendRow(row)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # by name: the tree's natural order
        self._fit_columns()
        n = len(table.rows)
        where = posixpath.basename(table.path) or "the root group"
        text = f"{table.total:,} member{'s' if table.total != 1 else ''} in {where}"
        if table.truncated:
            text += f": the first {n:,} are listed (the tree lists them all)"
        if table.total == 0:
            self.note.setText(f"{where} is empty: no members yet")
            return
        self.note.setText(text + "; double-click one to select it")

    # ------------------------------------------------------------------ column widths
    def _fit_columns(self) -> None:
        """Each column not sized by the user fits its texts (up to :data:`MAX_FITTED`); then the Name
        column takes the width left over."""
        header = self.table.horizontalHeader()
        self._fitting = True
        try:
            for c in range(len(COLUMNS)):
                if c not in self._user_sized:
                    self.table.resizeColumnToContents(c)
                    if c != NAME_COL and header.sectionSize(c) > MAX_FITTED:
                        header.resizeSection(c, MAX_FITTED)
            self._name_width = header.sectionSize(NAME_COL)
        finally:
            self._fitting = False
        self._fill_name()

    def _fill_name(self) -> None:
        """Widen (or narrow back to what the names need) the Name column to the table's free width,
        unless the user sized it."""
        if NAME_COL in self._user_sized:
            return
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(len(COLUMNS)) if c != NAME_COL)
        width = max(self._name_width, self.table.viewport().width() - others)
        if width != header.sectionSize(NAME_COL):
            self._fitting = True
            try:
                header.resizeSection(NAME_COL, width)
            finally:
                self._fitting = False

    def _on_section_resized(self, section: int, _old: int, _new: int) -> None:
        if self._fitting:
            return
        self._user_sized.add(section)  # dragged by the user: kept, for this group and the next ones
        if section != NAME_COL:
            self._fill_name()  # the Name column gives or takes the difference

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fill_name()
        return super().eventFilter(watched, event)

    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            path = self.model.item(index.row(), 0).data(PATH_ROLE)
            if path:
                self.member_activated.emit(self.file, path)

    def rows(self) -> list[list[str]]:
        """The texts of the table as shown (tests)."""
        return [[self.model.item(r, c).text() for c in range(self.model.columnCount())]
                for r in range(self.model.rowCount())]

"""Table view over :class:`ArrayTableModel`: smooth scrolling through any number of rows, copy as TSV."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from h5gui.gui.models.array_model import BLOCK_COLS, MAX_VIEW_ROWS, ArrayTableModel
from h5gui.gui.workers import JobRunner

MAX_COPY_CELLS = 1_000_000
MAX_COLUMN_WIDTH = 420  # a long string is cut here (its tooltip shows it whole)


class TableView(QWidget):
    write_requested = Signal(int, int, list)  # dataset row, column, rows of cell texts (edit mode)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.model = ArrayTableModel(runner, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.table.fontMetrics().height() + 4)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setDefaultSectionSize(96)
        hh.setResizeContentsPrecision(0)  # fit to the rows in sight only: never read the whole table
        self._fitted = False  # columns fitted to the first block of cells read
        self.model.dataChanged.connect(self._fit_columns)
        self.model.visible_rows = self._visible_rows
        self.table.verticalScrollBar().valueChanged.connect(lambda _v: self.model.pump())
        layout.addWidget(self.table, 1)
        footer = QHBoxLayout()
        footer.setContentsMargins(4, 0, 4, 2)
        self.status = QLabel("", self)
        self.status.setStyleSheet("color: #666;")
        footer.addWidget(self.status, 1)
        self.offset_label = QLabel("first row:", self)
        self.offset_spin = QSpinBox(self)
        self.offset_spin.setRange(0, 0)
        self.offset_spin.setToolTip(f"The table shows {MAX_VIEW_ROWS:,} rows at a time; choose where they start")
        self.offset_spin.setKeyboardTracking(False)
        self.offset_spin.valueChanged.connect(self.model.set_row_offset)
        footer.addWidget(self.offset_label)
        footer.addWidget(self.offset_spin)
        layout.addLayout(footer)
        QShortcut(QKeySequence.StandardKey.Copy, self.table, self.copy_selection)
        QShortcut(QKeySequence.StandardKey.Paste, self.table, self.paste_block)
        self.model.edit_requested.connect(lambda r, c, text: self.write_requested.emit(r, c, [[text]]))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)

    def _fit_columns(self, top_left: QModelIndex, bottom_right: QModelIndex, _roles: object = None) -> None:
        """Size the columns of the first cells read to their content (text cut at MAX_COLUMN_WIDTH)."""
        if self._fitted:
            return
        self._fitted = True
        for col in range(top_left.column(), bottom_right.column() + 1):
            self.table.resizeColumnToContents(col)
            if self.table.columnWidth(col) > MAX_COLUMN_WIDTH:
                self.table.setColumnWidth(col, MAX_COLUMN_WIDTH)

    def set_editable(self, on: bool) -> None:
        self.model.editable = on
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed if on else QAbstractItemView.EditTrigger.NoEditTriggers)

    def _selected_range(self) -> tuple[int, int, int, int] | None:
        ranges = self.table.selectionModel().selection()
        if ranges.isEmpty():
            idx = self.table.currentIndex()
            return (idx.row(), idx.row(), idx.column(), idx.column()) if idx.isValid() else None
        r = ranges.first()
        return r.top(), r.bottom(), r.left(), r.right()

    def paste_block(self) -> None:
        """Ctrl+V: write tab/newline separated values from the clipboard at the current cell."""
        if not self.model.editable:
            self.status.setText("The file is open read-only: enable editing (Ctrl+E) to change values")
            return
        text = QGuiApplication.clipboard().text().rstrip("\n")
        idx = self.table.currentIndex()
        if not text or not idx.isValid():
            return
        rows = [line.split("\t") for line in text.split("\n")]
        self.write_requested.emit(idx.row() + self.model.row_offset, idx.column(), rows)

    def fill_selection(self, value: str) -> None:
        sel = self._selected_range()
        if sel is None:
            return
        top, bottom, left, right = sel
        rows = [[value] * (right - left + 1) for _ in range(bottom - top + 1)]
        self.write_requested.emit(top + self.model.row_offset, left, rows)

    def _menu(self, pos: QPoint) -> None:
        from PySide6.QtWidgets import QInputDialog, QMenu

        menu = QMenu(self)
        menu.addAction("Copy (TSV)", self.copy_selection)
        act = menu.addAction("Paste", self.paste_block)
        act.setEnabled(self.model.editable)

        def fill() -> None:
            value, ok = QInputDialog.getText(self, "Fill selection", "Value for every selected cell:")
            if ok:
                self.fill_selection(value)

        act = menu.addAction("Fill selection...", fill)
        act.setEnabled(self.model.editable)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def configure(self, file: str, path: str, n_rows: int, n_cols: int, *, axes: tuple[int, int] | None,
                  index: tuple[int, ...], allow_external: bool, columns: tuple[str, ...] = ()) -> None:
        self.model.set_source(file, path, n_rows, n_cols, axes=axes, index=index, allow_external=allow_external,
                              columns=columns)
        self._fitted = False
        hh = self.table.horizontalHeader()
        for col in range(min(n_cols, 2 * BLOCK_COLS)):  # the widths of the table before go
            hh.resizeSection(col, hh.defaultSectionSize())
        big = n_rows > MAX_VIEW_ROWS
        self.offset_label.setVisible(big)
        self.offset_spin.setVisible(big)
        # spin boxes hold 32-bit ints; beyond that the offset moves in steps of MAX_VIEW_ROWS
        self.offset_spin.setRange(0, min(max(0, n_rows - MAX_VIEW_ROWS), 2**31 - 1))
        text = f"{n_rows:,} row{'' if n_rows == 1 else 's'} x {n_cols:,} column{'' if n_cols == 1 else 's'}"
        if big:
            text += f"; {MAX_VIEW_ROWS:,} rows at a time: set the first row to see the others"
        self.status.setText(text)

    def _visible_rows(self) -> tuple[int, int]:
        top = self.table.rowAt(0)
        bottom = self.table.rowAt(self.table.viewport().height() - 1)
        if top < 0:
            top = 0
        if bottom < 0:
            bottom = top + 100
        return top, bottom

    def copy_selection(self) -> None:
        """Copy the selected range as tab-separated values (cells not read yet are read now)."""
        ranges = self.table.selectionModel().selection()
        if ranges.isEmpty():
            return
        r = ranges.first()
        rows = range(r.top(), r.bottom() + 1)
        cols = range(r.left(), r.right() + 1)
        if len(rows) * len(cols) > MAX_COPY_CELLS:
            self.status.setText(f"Selection too large to copy (more than {MAX_COPY_CELLS:,} cells)")
            return
        lines = []
        missing = 0
        for row in rows:
            cells = []
            for col in cols:
                text = self.model.cell(row + self.model.row_offset, col)
                if text is None:
                    missing += 1
                    text = ""
                cells.append(text)
            lines.append("\t".join(cells))
        if missing:
            self.status.setText(f"{missing:,} cells are still loading: scroll through them, then copy again")
            return
        QGuiApplication.clipboard().setText("\n".join(lines))
        self.status.setText(f"Copied {len(rows):,} x {len(cols):,} cells")

    def header_texts(self) -> list[str]:
        return [str(self.model.headerData(c, Qt.Orientation.Horizontal)) for c in range(self.model.columnCount())]

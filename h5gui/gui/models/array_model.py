"""Paged table of a dataset: blocks of formatted cells are read on demand by I/O jobs.

``data()`` never blocks: a missing block shows "..." and is queued; one block is read at a time, the
most recently wanted first, and blocks that scrolled out of sight are dropped from the queue. A small
LRU cache bounds memory however far the user scrolls.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.preview.records import TableBlock
from h5gui.gui.workers import JobRunner

BLOCK_ROWS = 200
BLOCK_COLS = 32
CACHE_BLOCKS = 64
MAX_VIEW_ROWS = 50_000_000  # rows x row height must stay below 2^31 pixels in Qt's views
PLACEHOLDER = "\u2026"

Index = QModelIndex | QPersistentModelIndex

_NUMBER = re.compile(
    r"[-+]?(\d[\d,_]*\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(nan|inf|infinity)|true|false|"
    r"\(?[-+]?[\d.e+-]+[-+][\d.e+-]*j\)?",
    re.IGNORECASE,
)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def looks_numeric(text: str) -> bool:
    """A number as the table writes it (``-1.5e-3``, ``60,000``, ``nan``, ``True``, ``(1+2j)``)."""
    return bool(_NUMBER.fullmatch(text.strip()))


class ArrayTableModel(QAbstractTableModel):
    edit_requested = Signal(int, int, str)  # dataset row, column, text typed (edit mode only)

    def __init__(self, runner: JobRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self.editable = False
        self._runner = runner
        self._source: tuple[str, str] | None = None
        self._axes: tuple[int, int] | None = None
        self._index: tuple[int, ...] = ()
        self._allow_external = False
        self.n_rows = 0
        self.n_cols = 0
        self.row_offset = 0  # first dataset row shown (for tables longer than MAX_VIEW_ROWS)
        self._columns: dict[int, str] = {}
        self._text_columns: set[int] = set()  # columns holding text (strings, enum names): left-aligned
        self._cache: OrderedDict[tuple[int, int], TableBlock] = OrderedDict()
        self._wanted: list[tuple[int, int]] = []
        self._in_flight: tuple[int, int] | None = None
        self._generation = 0
        self.error = ""
        self.visible_rows: Callable[[], tuple[int, int]] | None = None  # set by the view
        self.on_error: Callable[[str], None] | None = None

    # ------------------------------------------------------------------ configuration
    def set_source(self, file: str, path: str, n_rows: int, n_cols: int, *, axes: tuple[int, int] | None = None,
                   index: tuple[int, ...] = (), allow_external: bool = False, columns: tuple[str, ...] = ()) -> None:
        self.beginResetModel()
        self._generation += 1
        self._source = (file, path)
        self._axes = axes
        self._index = tuple(index)
        self._allow_external = allow_external
        self.n_rows, self.n_cols = n_rows, n_cols
        self.row_offset = 0
        self._columns = dict(enumerate(columns))
        self._text_columns = set()
        self._cache.clear()
        self._wanted.clear()
        self._in_flight = None
        self.error = ""
        self.endResetModel()

    def clear(self) -> None:
        self.set_source("", "", 0, 0)
        self._source = None

    def set_row_offset(self, offset: int) -> None:
        offset = max(0, min(offset, max(0, self.n_rows - MAX_VIEW_ROWS)))
        if offset != self.row_offset:
            self.beginResetModel()
            self.row_offset = offset
            self._wanted.clear()
            self.endResetModel()

    # ------------------------------------------------------------------ Qt API
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else min(self.n_rows - self.row_offset, MAX_VIEW_ROWS)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.n_cols

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + self.row_offset)
        return self._columns.get(section, str(section))

    def flags(self, index: Index) -> Qt.ItemFlag:
        f = super().flags(index)
        return f | Qt.ItemFlag.ItemIsEditable if self.editable else f

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not self.editable or role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        text = str(value)
        if text != self.cell(index.row() + self.row_offset, index.column()):
            self.edit_requested.emit(index.row() + self.row_offset, index.column(), text)
        return False  # the table shows the value once it is written and read back

    def refresh(self) -> None:
        """Forget the cached blocks (after a write) and read what is in view again."""
        self._generation += 1
        self._cache.clear()
        self._wanted.clear()
        self._in_flight = None
        if self.rowCount() and self.n_cols:
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.n_cols - 1))

    def source(self) -> tuple[str, str, tuple[int, int] | None, tuple[int, ...]] | None:
        if self._source is None:
            return None
        return self._source[0], self._source[1], self._axes, self._index

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.EditRole and index.isValid():
            return self.cell(index.row() + self.row_offset, index.column()) or ""
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return LEFT if index.column() in self._text_columns else RIGHT
            return None
        text = self.cell(index.row() + self.row_offset, index.column())
        if text is None:
            return PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole else None
        return text

    def cell(self, row: int, col: int) -> str | None:
        """The text of a cell (dataset row numbering), or None while its block is being read."""
        key = (row // BLOCK_ROWS, col // BLOCK_COLS)
        block = self._cache.get(key)
        if block is None:
            self._want(key)
            return None
        self._cache.move_to_end(key)
        r, c = row - block.row0, col - block.col0
        if r < len(block.cells) and c < len(block.cells[r]):
            return block.cells[r][c]
        return ""

    # ------------------------------------------------------------------ fetching
    def _want(self, key: tuple[int, int]) -> None:
        if key == self._in_flight:
            return
        if key in self._wanted:
            self._wanted.remove(key)
        self._wanted.append(key)
        self.pump()

    def pump(self) -> None:
        """Read the next wanted block that is still in sight (after a scroll, or when a block arrived)."""
        if self._in_flight is not None or self._source is None or not self._wanted:
            return
        lo, hi = self.visible_rows() if self.visible_rows is not None else (0, self.n_rows)
        lo += self.row_offset
        hi += self.row_offset
        while self._wanted:
            key = self._wanted.pop()
            row0 = key[0] * BLOCK_ROWS
            if row0 + BLOCK_ROWS >= lo and row0 <= hi and key not in self._cache:
                break
        else:
            return
        file, path = self._source
        row0, col0 = key[0] * BLOCK_ROWS, key[1] * BLOCK_COLS
        self._in_flight = key
        gen = self._generation
        self._runner.submit(
            api.preview.read_table, file, path, row0, min(BLOCK_ROWS, self.n_rows - row0), col0,
            min(BLOCK_COLS, self.n_cols - col0), axes=self._axes, index=self._index,
            allow_external=self._allow_external,
            on_result=partial(self._on_block, gen, key),
            on_error=partial(self._on_error, gen),
        )

    def _on_block(self, gen: int, key: tuple[int, int], block: TableBlock) -> None:
        if gen != self._generation:
            return
        self._in_flight = None
        self._cache[key] = block
        for i, name in enumerate(block.columns):
            self._columns.setdefault(block.col0 + i, name)
        for row in block.cells:
            for i, text in enumerate(row):
                if text and not looks_numeric(text):
                    self._text_columns.add(block.col0 + i)
        while len(self._cache) > CACHE_BLOCKS:
            self._cache.popitem(last=False)
        top = max(0, block.row0 - self.row_offset)
        bottom = min(self.rowCount() - 1, block.row0 + len(block.cells) - 1 - self.row_offset)
        right = min(self.n_cols - 1, block.col0 + BLOCK_COLS - 1)
        if bottom >= top:
            self.dataChanged.emit(self.index(top, block.col0), self.index(bottom, right))
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, block.col0, right)
        self.pump()

    def _on_error(self, gen: int, err: H5GuiError) -> None:
        if gen != self._generation:
            return
        self._in_flight = None
        self._wanted.clear()
        self.error = str(err)
        if self.on_error is not None:
            self.on_error(self.error)

    def is_loading(self) -> bool:
        return self._in_flight is not None or bool(self._wanted)

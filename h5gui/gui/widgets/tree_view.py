"""The file tree as the user sees it: loads the next batch when a "N more..." or "N earlier..." row
comes into sight, keeps the same rows in sight when a group's window of rows moves, hides loaded rows
by name, expands a bounded subtree, and goes to a path (loading the groups on the way).

It is also the session's :class:`~h5gui.gui.session.Selection`: the current and selected rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from h5gui.gui.models.tree_model import NODE_ROLE, H5TreeModel
from h5gui.gui.models.tree_nodes import Node

EXPAND_ALL_LIMIT = 2000  # rows expanded at most by "Expand all below"


class TreeView(QTreeView):
    """A tree view over :class:`H5TreeModel` (given directly: a proxy doubles the cost of every relayout)."""

    error = Signal(str)  # a path to go to is not there
    message = Signal(str)  # something the status bar should say

    def __init__(self, model: H5TreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.h5model = model
        self.setModel(model)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setAlternatingRowColors(True)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 190)
        header.resizeSection(1, 110)
        self.activated.connect(self._on_activated)
        # load the next batch of a big group when its "N more..." row comes into sight
        self._more_timer = QTimer(self)
        self._more_timer.setSingleShot(True)
        self._more_timer.setInterval(30)
        self._more_timer.timeout.connect(self._load_visible_more)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._more_timer.start())
        self.expanded.connect(lambda _i: self._more_timer.start())
        model.rowsInserted.connect(lambda *_a: self._more_timer.start())
        # the current row, in sight below a "N more..." row that came into sight, stays where it is on
        # screen while that batch comes in above it (a file just opened was pushed out of sight)
        self._kept: tuple[QPersistentModelIndex, int] | None = None
        model.rowsInserted.connect(self._keep_current_in_place)
        self.viewport().installEventFilter(self)
        self.verticalScrollBar().installEventFilter(self)
        model.shifted.connect(self._on_window_shifted)
        self._filter_text = ""
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(60)
        self._filter_timer.timeout.connect(self._apply_filter)
        model.rowsInserted.connect(self._refilter_soon)
        self._reveals: list[tuple[str, str, bool]] = []  # (file, tree path, expand?) to go to, in order
        self._scroll_back: int | None = None  # where to scroll once the reveals are done (refresh)
        model.revealed.connect(self._on_revealed)
        model.reveal_failed.connect(self._on_reveal_failed)

    # ------------------------------------------------------------------ selection (session.Selection)
    def current_node(self) -> Node | None:
        idx = self.currentIndex()
        return self.h5model.node(idx) if idx.isValid() else None

    def selected_nodes(self) -> list[Node]:
        rows = (self.h5model.data(idx, NODE_ROLE) for idx in self.selectionModel().selectedRows())
        return [n for n in rows if n is not None]

    def top_file(self) -> str:
        idx = self.currentIndex()
        if idx.isValid():
            return self.h5model.top_file_of(idx)
        files = self.h5model.files()
        return files[0] if len(files) == 1 else ""

    def loaded_names(self, file: str, group: str) -> set[str]:
        return self.h5model.loaded_names(file, group)

    def select_index(self, index: QModelIndex) -> None:
        """Make ``index`` current and scroll to it."""
        if index.isValid():
            self.setCurrentIndex(index)
            self.executeDelayedItemsLayout()  # rows just inserted: place them before scrolling
            self.scrollTo(index)

    # ------------------------------------------------------------------ going to a path
    def select_path(self, file: str, path: str) -> None:
        """Expand the tree down to ``path`` of ``file`` (loading groups as needed) and select it."""
        self._reveals.append((file if "://" in file else str(Path(file).absolute()), path, False))  # URLs as given
        if len(self._reveals) == 1:
            self.continue_reveals()

    def expand_path(self, file: str, path: str) -> None:
        """Expand the group ``path`` of ``file`` once it is in the tree (after the reveals asked before)."""
        self._reveals.append((str(Path(file).absolute()), path, True))
        if len(self._reveals) == 1:
            self.continue_reveals()

    def current_is_expanded(self) -> bool:
        index = self.currentIndex()
        return index.isValid() and self.isExpanded(index)

    def restore(self, expanded: list[tuple[str, str]], selected: tuple[str, str] | None,
                scroll: int | None = None) -> None:
        """After the files are reopened: expand these groups again, select ``selected`` and scroll back
        to ``scroll`` (call :meth:`continue_reveals` once the files are in the tree)."""
        self._reveals = [(f, p, True) for f, p in expanded]
        if selected:
            self._reveals.append((selected[0], selected[1], False))
        self._scroll_back = scroll

    def has_pending_reveals(self) -> bool:
        return bool(self._reveals)

    def continue_reveals(self) -> None:
        while self._reveals:
            file, path, _expand = self._reveals[0]
            if file in self.h5model.files():
                self.h5model.reveal(file, path)
                return
            self._reveals.pop(0)
        if self._scroll_back is not None:  # every group is back: the rows in sight too
            self.executeDelayedItemsLayout()
            self.verticalScrollBar().setValue(self._scroll_back)
            self._scroll_back = None

    def _on_revealed(self, index: QModelIndex) -> None:
        if self._reveals:
            _file, _path, expand = self._reveals.pop(0)
            if expand:  # a group expanded before a refresh: its parents keep their own state
                self.expand(index)
            else:
                parent = index.parent()
                while parent.isValid():
                    self.expand(parent)
                    parent = parent.parent()
                self.select_index(index)
            self.continue_reveals()

    def _on_reveal_failed(self, message: str) -> None:
        if self._reveals:
            self._reveals.pop(0)
        self.error.emit(message)
        self.continue_reveals()

    # ------------------------------------------------------------------ batches and the sliding window
    def _load_visible_more(self) -> None:
        """Request the next batch for every "N more..." row inside the viewport."""
        idx = self.indexAt(QPoint(4, 2))
        bottom = self.viewport().height()
        current = self.currentIndex()
        at = self.visualRect(current).top() if current.isValid() else -1
        steps = 0
        while idx.isValid() and steps < 400:
            if self.visualRect(idx).top() > bottom:
                break
            if 0 <= self.visualRect(idx).top() < at <= bottom and self._kept is None:
                self._kept = (QPersistentModelIndex(current), at)
            self._load_status_row(idx)
            idx = self.indexBelow(idx)
            steps += 1

    def _keep_current_in_place(self, *_args: object) -> None:
        if self._kept is None:
            return
        kept, at = self._kept
        index = self.h5model.index(kept.row(), kept.column(), kept.parent()) if kept.isValid() else QModelIndex()
        if not index.isValid() or index != self.currentIndex():
            self._kept = None
            return
        self.executeDelayedItemsLayout()
        rect = self.visualRect(index)
        if rect.height() > 0 and rect.top() > at:
            sb = self.verticalScrollBar()  # ScrollPerItem: a step is a row
            sb.setValue(sb.value() + (rect.top() - at) // rect.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """The user scrolls or clicks: rows may move again as they come in."""
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.Wheel):
            self._kept = None
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        self._kept = None
        super().keyPressEvent(event)

    def _on_activated(self, index: QModelIndex) -> None:
        self._load_status_row(index)

    def _load_status_row(self, index: QModelIndex) -> None:
        node = self.h5model.data(index, NODE_ROLE)
        if node is not None and node.kind == "more":
            self.h5model.request_more(index)
        elif node is not None and node.kind == "earlier":
            self.h5model.request_earlier(index)

    def _on_window_shifted(self, parent: QModelIndex, delta: int) -> None:
        """Rows were added or removed above a group's rows: keep the same rows in sight."""
        if parent.isValid() and not self.isExpanded(parent):
            return
        self.executeDelayedItemsLayout()
        sb = self.verticalScrollBar()
        sb.setValue(sb.value() + delta)

    # ------------------------------------------------------------------ name filter
    def set_filter_text(self, text: str) -> None:
        self._filter_text = text
        self._filter_timer.start()

    def _refilter_soon(self, *_args: object) -> None:
        if self._filter_text:
            self._filter_timer.start()

    def _apply_filter(self) -> None:
        """Hide loaded rows whose name does not contain the filter text (keeping parents of matches)."""
        text = self._filter_text.casefold()
        model = self.h5model

        def visit(node: Node, parent_index: QModelIndex) -> bool:
            any_match = False
            for child in node.children:
                cidx = model.index_of(child)
                below = visit(child, cidx) if child.children else False
                match = not text or child.kind == "file" or below or text in child.name.casefold()
                row = node.row_of(child)
                if self.isRowHidden(row, parent_index) == match:
                    self.setRowHidden(row, parent_index, not match)
                any_match = any_match or match
            return any_match

        visit(model.root, QModelIndex())

    # ------------------------------------------------------------------ expand all
    def expand_all_below(self) -> None:
        """Expand the current group and its loaded subgroups, at most EXPAND_ALL_LIMIT rows."""
        start = self.currentIndex()
        if not start.isValid():
            return
        budget = [EXPAND_ALL_LIMIT]
        model = self.h5model

        def expand(idx: QModelIndex) -> None:
            if budget[0] <= 0:
                return
            self.expand(idx)
            rows = model.rowCount(idx)
            budget[0] -= rows
            for r in range(min(rows, max(budget[0], 0))):
                child = model.index(r, 0, idx)
                if model.hasChildren(child):
                    expand(child)

        expand(start)
        if budget[0] <= 0:
            self.message.emit(f"Expanded the first {EXPAND_ALL_LIMIT:,} rows below {model.node(start).path}")

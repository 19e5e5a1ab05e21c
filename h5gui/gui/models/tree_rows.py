"""The Qt model over the tree's :class:`Node` rows: indexes, what each row shows, flags, drag and drop,
the files as top-level rows, and the primitives that insert and remove rows and status rows.

How rows are loaded (jobs, batches, the sliding window, reveal) is :mod:`h5gui.gui.models.tree_model`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractItemModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from h5gui.core.kinds import Kind
from h5gui.core.text import format_bytes
from h5gui.gui.icons import icon, kind_icon_name
from h5gui.gui.models.tree_mime import MIME_NODES, MIME_TYPES, decode_nodes, dropped_files, encode_nodes
from h5gui.gui.models.tree_nodes import COLUMNS, READY, STATUS_KINDS, Node, display_text, tooltip_text

if TYPE_CHECKING:
    from h5gui.core.nodes import ChildInfo, NodeInfo
    from h5gui.gui.session import Session

NODE_ROLE = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex

_GREY = QBrush(QColor("#808080"))
_RED = QBrush(QColor("#c62828"))
_DARK = QBrush(QColor("#555555"))
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_DRAGGABLE = _SELECTABLE | Qt.ItemFlag.ItemIsDragEnabled
_GROUP_FLAGS = _DRAGGABLE | Qt.ItemFlag.ItemIsDropEnabled
_FILE_FLAGS = _SELECTABLE | Qt.ItemFlag.ItemIsDropEnabled
_STATUS_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren


class TreeRows(QAbstractItemModel):
    """Tree of every open file. Top-level rows are files (kept in step with ``session.files``); a
    file row is bold and says "editable" when ``session.writable`` holds it."""

    shifted = Signal(QModelIndex, int)  # a group's window moved: rows added (+) or removed (-) above its rows
    drop_requested = Signal(str, str, str, str)  # source file, source path, target file, target group
    files_dropped = Signal(list)  # local files dropped onto the tree

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self._root = Node(None, "", "", "", "root")
        self._failed: dict[tuple[str, str], str] = {}  # (file, path) that crashed or hung the reader: why

    # ------------------------------------------------------------------ objects that broke the reader
    def mark_failed(self, file: str, path: str, reason: str) -> None:
        """``path`` of ``file`` crashed or hung the reader: its row gets a warning icon and the reason."""
        self._failed[(file, path)] = reason
        self._changed_rows(file, path)

    def clear_failed(self, file: str, path: str) -> None:
        if self._failed.pop((file, path), None) is not None:
            self._changed_rows(file, path)

    def failed_reason(self, node: Node) -> str:
        """Why the object of ``node`` broke the reader ("" when it did not)."""
        if not self._failed:
            return ""
        return self._failed.get((node.file, node.path)) or self._failed.get((node.child_file, node.child_path)) or ""

    def _changed_rows(self, file: str, path: str) -> None:
        for n in self._root.walk():
            if (n.file, n.path) == (file, path) or (n.child_file, n.child_path) == (file, path):
                idx = self.index_of(n)
                if idx.isValid():
                    self.dataChanged.emit(idx, idx.siblingAtColumn(len(COLUMNS) - 1))

    @property
    def root(self) -> Node:
        """The invisible root: its children are the file rows."""
        return self._root

    # ------------------------------------------------------------------ files
    def files(self) -> list[str]:
        return [n.file for n in self._root.children]

    def add_file(self, file: str, info: NodeInfo | None = None) -> QModelIndex:
        """Add a file as a top-level row (after the caller checked that it opens)."""
        for node in self._root.children:
            if node.file == file:
                return self.index_of(node)
        row = len(self._root.children)
        self.beginInsertRows(QModelIndex(), row, row)
        node = Node(self._root, file, "/", posixpath.basename(file) or file, "file")
        node.idx = row
        if info is not None and info.file_size is not None:
            node.error = format_bytes(info.file_size)  # shown in the Shape column of the file row
        self._root.children.append(node)
        self.session.add_file(file)
        self.endInsertRows()
        return self.index_of(node)

    def remove_file(self, file: str) -> None:
        for node in self._root.children:
            if node.file == file:
                self.beginRemoveRows(QModelIndex(), node.idx, node.idx)
                self._root.children.remove(node)
                self.session.remove_file(file)
                node.kill()
                self._root.renumber()
                self.endRemoveRows()
                return

    def file_index(self, file: str) -> QModelIndex:
        for node in self._root.children:
            if node.file == file:
                return self.index_of(node)
        return QModelIndex()

    # ------------------------------------------------------------------ Qt model API
    def node(self, index: Index) -> Node:
        if index.isValid():
            return index.internalPointer()
        return self._root

    def index_of(self, node: Node) -> QModelIndex:
        """The index of a row (invalid for the root)."""
        if node is self._root or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row_of(node), 0, node)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if column < 0 or column >= len(COLUMNS) or row < 0:
            return QModelIndex()
        child = self.node(parent).child_at(row)
        if child is None:
            return QModelIndex()
        return self.createIndex(row, column, child)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        p = node.parent
        if p is None or p is self._root:
            return QModelIndex()
        return self.index_of(p)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        if parent.isValid() and parent.column() != 0:
            return 0
        return self.node(parent).row_count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802
        node = self.node(parent)
        if node is self._root:
            return bool(node.children)
        if parent.column() > 0:
            return False
        if node.row_count:
            return True
        if node.state == READY:
            return False
        return node.can_have_children

    def mapFromSource(self, index: Index) -> QModelIndex:  # noqa: N802 - the view is given this model directly
        return QModelIndex(index)  # type: ignore[arg-type]

    def mapToSource(self, index: Index) -> QModelIndex:  # noqa: N802
        return QModelIndex(index)  # type: ignore[arg-type]

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return _NO_FLAGS
        node: Node = index.internalPointer()
        if node.kind in STATUS_KINDS:
            return _STATUS_FLAGS
        if node.kind == "file":
            return _FILE_FLAGS
        info = node.info
        if info is not None and info.is_group_like and info.kind != Kind.EXTERNAL_LINK:
            return _GROUP_FLAGS
        return _DRAGGABLE

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(node, col, self.session.is_writable)
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return icon("warning" if self.failed_reason(node) else self._icon_name(node))
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = tooltip_text(node, self.session.is_writable)
            failed = self.failed_reason(node)
            return f"{tip}\n{failed}" if failed else tip
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.failed_reason(node):
                return _RED
            if node.kind in ("loading", "more", "earlier"):
                return _GREY
            if node.kind == "message" or (node.info is not None and node.info.kind in (Kind.DANGLING_LINK, Kind.UNREADABLE)):
                return _RED
            if col > 0:
                return _DARK
            return None
        if role == Qt.ItemDataRole.FontRole:
            if node.kind in ("loading", "more", "earlier") or (node.info is not None and node.info.kind in (Kind.SOFT_LINK, Kind.EXTERNAL_LINK)):
                f = QFont()
                f.setItalic(True)
                return f
            if node.kind == "file" and self.session.is_writable(node.file):
                f = QFont()
                f.setBold(True)
                return f
            return None
        if role == NODE_ROLE:
            return node
        if role == PATH_ROLE:
            return node.path
        return None

    def _icon_name(self, node: Node) -> str:
        if node.kind == "file":
            return "file_rw" if self.session.is_writable(node.file) else "file"
        info = node.info
        if info is None:
            return kind_icon_name(node.kind)
        return kind_icon_name(info.effective_kind, info.shape, virtual=info.virtual,
                              external_storage=info.external_storage,
                              link_kind=info.kind if info.kind != Kind.UNREADABLE else "")

    # ------------------------------------------------------------------ drag and drop
    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return list(MIME_TYPES)

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        return encode_nodes(idx.internalPointer() for idx in indexes if idx.isValid() and idx.column() == 0)

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                        parent: Index) -> bool:
        if data.hasUrls():
            return True
        if not data.hasFormat(MIME_NODES) or not parent.isValid():
            return False
        return bool(self.flags(parent) & Qt.ItemFlag.ItemIsDropEnabled)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                     parent: Index) -> bool:
        if data.hasUrls():
            self.files_dropped.emit(dropped_files(data))
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        target = self.node(parent)
        group = "/" if target.kind == "file" else target.child_path
        dest_file = target.child_file if target.kind != "file" else target.file
        for file, path in decode_nodes(data):
            self.drop_requested.emit(file, path, dest_file, group)
        return False  # the move runs in the I/O process; the groups are re-listed when it is done

    # ------------------------------------------------------------------ inserting and removing rows
    def set_bottom(self, node: Node, kind: str | None, text: str = "") -> None:
        """Show (or update in place, or remove) the status row under a group's rows."""
        parent = self.index_of(node)
        current = node.bottom
        if kind is None:
            if current is not None:
                row = node.row_of(current)
                self.beginRemoveRows(parent, row, row)
                node.bottom = None
                self.endRemoveRows()
            return
        if current is not None:
            current.kind, current.error = kind, text
            idx = self.createIndex(node.row_of(current), 0, current)
            self.dataChanged.emit(idx, idx.siblingAtColumn(len(COLUMNS) - 1))
            return
        row = node.row_count
        self.beginInsertRows(parent, row, row)
        status = Node(node, node.file, node.path, "", kind)
        status.error = text
        node.bottom = status
        self.endInsertRows()

    def set_top(self, node: Node, kind: str | None, text: str = "") -> None:
        """Show (or update in place, or remove) the status row above a group's rows."""
        parent = self.index_of(node)
        current = node.top
        if kind is None:
            if current is not None:
                self.beginRemoveRows(parent, 0, 0)
                node.top = None
                self.endRemoveRows()
                self.shifted.emit(parent, -1)
            return
        if current is not None:
            current.kind, current.error = kind, text
            idx = self.createIndex(0, 0, current)
            self.dataChanged.emit(idx, idx.siblingAtColumn(len(COLUMNS) - 1))
            return
        self.beginInsertRows(parent, 0, 0)
        status = Node(node, node.file, node.path, "", kind)
        status.error = text
        node.top = status
        self.endInsertRows()
        self.shifted.emit(parent, 1)

    def update_status_rows(self, node: Node) -> None:
        """"N earlier..." above and "N more..." below the window of loaded rows, as needed."""
        if node.offset > 0:
            self.set_top(node, "earlier", f"{node.offset:,} earlier... (scroll up to load)")
        else:
            self.set_top(node, None)
        more = node.more_after
        if more:
            self.set_bottom(node, "more", f"{more:,} more... (scroll to load)")
        else:
            self.set_bottom(node, None)

    def insert_rows(self, node: Node, at: int, rows: Sequence[ChildInfo]) -> None:
        """Insert rows for ``rows`` at position ``at`` among the real children of ``node``."""
        if not rows:
            return
        top = node.top is not None
        self.beginInsertRows(self.index_of(node), top + at, top + at + len(rows) - 1)
        node.children[at:at] = [Node(node, info.file, info.path, info.name, info.kind, info) for info in rows]
        node.renumber()
        self.endInsertRows()

    def remove_rows(self, node: Node, at: int, count: int) -> None:
        """Remove ``count`` real children of ``node`` from position ``at``."""
        if count <= 0:
            return
        top = node.top is not None
        self.beginRemoveRows(self.index_of(node), top + at, top + at + count - 1)
        for c in node.children[at:at + count]:
            c.kill()
        del node.children[at:at + count]
        node.renumber()
        self.endRemoveRows()

    def clear_rows(self, node: Node) -> None:
        """Remove every row under ``node``, status rows included."""
        n = node.row_count
        if n:
            self.beginRemoveRows(self.index_of(node), 0, n - 1)
            for c in node.children:
                c.kill()
            node.children, node.top, node.bottom = [], None, None
            self.endRemoveRows()

"""Lazy, batched tree of open files: groups list their members through I/O jobs, never eagerly.

Expanding a group submits one job that fetches its member names (naturally sorted) and the rows of
the first batch; scrolling to the end asks for the next batch (``canFetchMore``/``fetchMore``).
While a job runs the group shows a "loading..." row. Each row holds an immutable ``ChildInfo``.
"""

from __future__ import annotations

import json
import logging
import posixpath
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from h5gui.core import nodes
from h5gui.core.errors import H5GuiError
from h5gui.core.paths import normalize_path
from h5gui.core.text import format_bytes
from h5gui.gui.icons import icon, kind_icon_name
from h5gui.gui.workers import JobRunner

log = logging.getLogger(__name__)

FIRST_BATCH = 64
BATCH = 500
WINDOW = 2000  # real rows loaded at most per group: QTreeView relays out every expanded row on each change
STATUS_KINDS = ("loading", "more", "earlier", "message")

NODE_ROLE = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = ("Name", "Shape", "Type")

# list states of a node
UNLISTED, LISTING, READY, FAILED = range(4)

Index = QModelIndex | QPersistentModelIndex

_GREY = QBrush(QColor("#808080"))
_RED = QBrush(QColor("#c62828"))
_DARK = QBrush(QColor("#555555"))
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_DRAGGABLE = _SELECTABLE | Qt.ItemFlag.ItemIsDragEnabled
_GROUP_FLAGS = _DRAGGABLE | Qt.ItemFlag.ItemIsDropEnabled
_FILE_FLAGS = _SELECTABLE | Qt.ItemFlag.ItemIsDropEnabled
MIME_NODES = "application/x-h5gui-nodes"
_STATUS_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren


class Node:
    """One row of the tree (a file root, an object, or a status row: loading / more / earlier / message).

    ``children`` holds the real rows only; a group may also have a status row above them (``top``:
    "N earlier...") and one below (``bottom``: "loading...", "N more...", or an error message).
    """

    __slots__ = (
        "parent", "idx", "children", "info", "file", "path", "name", "kind", "names", "offset", "top",
        "bottom", "state", "pending", "error", "child_file", "child_path", "allow_external", "alive",
    )

    def __init__(self, parent: Node | None, file: str, path: str, name: str, kind: str,
                 info: nodes.ChildInfo | None = None) -> None:
        self.parent = parent
        self.idx = 0  # position among the parent's real children
        self.children: list[Node] = []
        self.info = info
        self.file = file  # the file this object lives in
        self.path = path  # its path inside that file
        self.name = name
        self.kind = kind  # "file", a nodes kind, or a status kind: "loading", "more", "earlier", "message"
        self.names: tuple[str, ...] | None = None  # every member name, in display order
        self.offset = 0  # index in ``names`` of the first loaded child (the window's start)
        self.top: Node | None = None
        self.bottom: Node | None = None
        self.state = UNLISTED
        self.pending = False
        self.error = ""
        # where the children are listed: differs from (file, path) for external links
        self.child_file = file
        self.child_path = path
        self.allow_external = False
        self.alive = True

    # -- what kind of row this is
    @property
    def is_real(self) -> bool:
        return self.kind not in STATUS_KINDS

    @property
    def loaded(self) -> int:
        return len(self.children)

    @property
    def row_count(self) -> int:
        return (self.top is not None) + len(self.children) + (self.bottom is not None)

    def child_at(self, row: int) -> Node | None:
        if self.top is not None:
            if row == 0:
                return self.top
            row -= 1
        if 0 <= row < len(self.children):
            return self.children[row]
        if row == len(self.children) and self.bottom is not None:
            return self.bottom
        return None

    def row_of(self, child: Node) -> int:
        top = self.top is not None
        if child is self.top:
            return 0
        if child is self.bottom:
            return top + len(self.children)
        return top + child.idx

    @property
    def can_have_children(self) -> bool:
        if self.kind == "file":
            return True
        info = self.info
        if info is None:
            return False
        if info.kind == nodes.EXTERNAL_LINK:
            return True
        if info.is_group_like:
            return info.members is None or info.members > 0
        return False

    @property
    def more_after(self) -> int:
        return 0 if self.names is None else max(0, len(self.names) - self.offset - len(self.children))


class H5TreeModel(QAbstractItemModel):
    """Tree of every open file. Top-level rows are files. The view is given this model directly (a
    proxy doubles the per-row cost of every relayout); the name filter hides rows in the view."""

    error = Signal(str)  # a listing failed: one-line message for the status bar
    revealed = Signal(QModelIndex)  # reveal() found its target
    reveal_failed = Signal(str)
    shifted = Signal(QModelIndex, int)  # a group's window moved: rows added (+) or removed (-) above its rows
    drop_requested = Signal(str, str, str, str)  # source file, source path, target file, target group
    files_dropped = Signal(list)  # local files dropped onto the tree

    def __init__(self, runner: JobRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._root = Node(None, "", "", "", "root")
        self._reveal: tuple[str, str] | None = None
        self._warming = False
        self.writable_files: set[str] = set()

    # ------------------------------------------------------------------ files
    def files(self) -> list[str]:
        return [n.file for n in self._root.children]

    def add_file(self, file: str, info: nodes.NodeInfo | None = None) -> QModelIndex:
        """Add a file as a top-level row (after the caller checked that it opens)."""
        for node in self._root.children:
            if node.file == file:
                return self._index_of(node)
        row = len(self._root.children)
        self.beginInsertRows(QModelIndex(), row, row)
        node = Node(self._root, file, "/", posixpath.basename(file) or file, "file")
        node.idx = row
        if info is not None and info.file_size is not None:
            node.error = format_bytes(info.file_size)  # shown in the Shape column of the file row
        self._root.children.append(node)
        self.endInsertRows()
        return self._index_of(node)

    def remove_file(self, file: str) -> None:
        for node in self._root.children:
            if node.file == file:
                self.beginRemoveRows(QModelIndex(), node.idx, node.idx)
                self._root.children.remove(node)
                self._kill(node)
                self._renumber(self._root)
                self.endRemoveRows()
                return

    def _kill(self, node: Node) -> None:
        node.alive = False
        for c in node.children:
            self._kill(c)

    def file_index(self, file: str) -> QModelIndex:
        for node in self._root.children:
            if node.file == file:
                return self._index_of(node)
        return QModelIndex()

    # ------------------------------------------------------------------ Qt model API
    def node(self, index: Index) -> Node:
        if index.isValid():
            return index.internalPointer()  # type: ignore[no-any-return]
        return self._root

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
        return self._index_of(p)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return self.node(parent).row_count

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
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

    def canFetchMore(self, parent: Index) -> bool:
        node = self.node(parent)
        if node is self._root or not node.can_have_children or node.pending or not node.alive:
            return False
        # Only the first listing: QTreeView re-fetches expanded items on every layout, which would
        # load a 100,000-member group whole. Later batches come from request_more()/request_earlier(),
        # called by the view when a "N more..." / "N earlier..." row scrolls into sight.
        return node.state == UNLISTED

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent):
            return
        self._list(self.node(parent))

    def mapFromSource(self, index: Index) -> QModelIndex:  # noqa: N802 - the view is given this model directly
        return QModelIndex(index)

    def mapToSource(self, index: Index) -> QModelIndex:  # noqa: N802
        return QModelIndex(index)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return _NO_FLAGS
        node: Node = index.internalPointer()
        if node.kind in STATUS_KINDS:
            return _STATUS_FLAGS
        if node.kind == "file":
            return _FILE_FLAGS
        info = node.info
        if info is not None and info.is_group_like and info.kind != nodes.EXTERNAL_LINK:
            return _GROUP_FLAGS
        return _DRAGGABLE

    # ------------------------------------------------------------------ drag and drop
    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MIME_NODES, "text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # noqa: N802
        data = QMimeData()
        items = []
        for idx in indexes:
            if idx.isValid() and idx.column() == 0:
                node: Node = idx.internalPointer()
                if node.is_real and node.kind != "file":
                    items.append({"file": node.file, "path": node.path})
        data.setData(MIME_NODES, QByteArray(json.dumps(items).encode()))
        data.setText("\n".join(i["path"] for i in items))
        return data

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
            self.files_dropped.emit([u.toLocalFile() for u in data.urls() if u.isLocalFile()])
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        target = self.node(parent)
        group = "/" if target.kind == "file" else target.child_path
        for item in json.loads(bytes(data.data(MIME_NODES).data()).decode() or "[]"):
            self.drop_requested.emit(item["file"], item["path"], target.child_file if target.kind != "file"
                                     else target.file, group)
        return False  # the move runs on the I/O thread; the groups are re-listed when it is done

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node, col)
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return icon(self._icon_name(node))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node)
        if role == Qt.ItemDataRole.ForegroundRole:
            if node.kind in ("loading", "more", "earlier"):
                return _GREY
            if node.kind == "message" or (node.info is not None and node.info.kind in (nodes.DANGLING_LINK, nodes.UNREADABLE)):
                return _RED
            if col > 0:
                return _DARK
            return None
        if role == Qt.ItemDataRole.FontRole:
            if node.kind in ("loading", "more", "earlier") or (node.info is not None and node.info.kind in (nodes.SOFT_LINK, nodes.EXTERNAL_LINK)):
                f = QFont()
                f.setItalic(True)
                return f
            if node.kind == "file" and node.file in self.writable_files:
                f = QFont()
                f.setBold(True)
                return f
            return None
        if role == NODE_ROLE:
            return node
        if role == PATH_ROLE:
            return node.path
        return None

    # ------------------------------------------------------------------ presentation
    def _display(self, node: Node, col: int) -> str:
        if node.kind == "loading":
            return "loading..." if col == 0 else ""
        if node.kind == "message":
            return node.error if col == 0 else ""
        if node.kind in ("more", "earlier"):
            return node.error if col == 0 else ""
        if node.kind == "file":
            if col == 0:
                return node.name
            if col == 1:
                size = node.error or "file"
                return f"{size}, editable" if node.file in self.writable_files else size
            return ""
        info = node.info
        if info is None:
            return node.name if col == 0 else ""
        if col == 0:
            return node.name
        if col == 1:
            if info.kind == nodes.EXTERNAL_LINK:
                return f"\u2192 {info.link_file}:{info.link_target}"
            if info.kind == nodes.DANGLING_LINK:
                target = f"{info.link_file}:{info.link_target}" if info.link_file else info.link_target
                return f"\u2192 {target} (missing)"
            if info.kind == nodes.UNREADABLE:
                return "unreadable"
            if info.effective_kind == nodes.DATATYPE:
                return "datatype"
            return info.shape_text
        if col == 2:
            if info.kind == nodes.SOFT_LINK:
                return f"{info.dtype or nodes.KIND_LABELS.get(info.target_kind, '')} \u2192 {info.link_target}"
            return info.dtype
        return ""

    def _icon_name(self, node: Node) -> str:
        if node.kind == "file":
            return "file_rw" if node.file in self.writable_files else "file"
        info = node.info
        if info is None:
            return kind_icon_name(node.kind)
        return kind_icon_name(info.effective_kind, info.shape, virtual=info.virtual,
                              external_storage=info.external_storage,
                              link_kind=info.kind if info.kind != nodes.UNREADABLE else "")

    def _tooltip(self, node: Node) -> str:
        if node.kind == "file":
            mode = "open for editing" if node.file in self.writable_files else "read-only"
            return f"{node.file}\n{mode}"
        if node.kind == "message":
            return node.error
        info = node.info
        if info is None:
            return node.path
        lines = [info.path]
        kind = nodes.KIND_LABELS.get(info.kind, info.kind)
        if info.kind == nodes.SOFT_LINK:
            lines.append(f"soft link \u2192 {info.link_target}")
        elif info.kind == nodes.EXTERNAL_LINK:
            lines.append(f"external link \u2192 {info.link_file}:{info.link_target}")
        elif info.kind == nodes.DANGLING_LINK:
            lines.append(info.error or "dangling link")
        elif info.kind == nodes.UNREADABLE:
            lines.append(f"unreadable: {info.error}")
        else:
            lines.append(kind)
        if info.virtual:
            lines.append("virtual dataset (data in source files)")
        if info.external_storage:
            lines.append("data stored in external raw files")
        return "\n".join(lines)

    # ------------------------------------------------------------------ loading

    def _index_of(self, node: Node) -> QModelIndex:
        if node is self._root or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row_of(node), 0, node)

    @staticmethod
    def _renumber(node: Node) -> None:
        for i, c in enumerate(node.children):
            c.idx = i

    def _set_bottom(self, node: Node, kind: str | None, text: str = "") -> None:
        """Show (or update in place, or remove) the status row under a group's rows."""
        parent = self._index_of(node)
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

    def _set_top(self, node: Node, kind: str | None, text: str = "") -> None:
        parent = self._index_of(node)
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

    def _update_status_rows(self, node: Node) -> None:
        if node.offset > 0:
            self._set_top(node, "earlier", f"{node.offset:,} earlier... (scroll up to load)")
        else:
            self._set_top(node, None)
        more = node.more_after
        if more:
            self._set_bottom(node, "more", f"{more:,} more... (scroll to load)")
        else:
            self._set_bottom(node, None)

    def _on_error_for(self, node: Node) -> Callable[[H5GuiError], None]:
        def on_error(err: H5GuiError) -> None:
            if not node.alive:
                return
            node.pending = False
            if node.state != READY:
                node.state = FAILED
            self._set_bottom(node, "message", str(err))
            self.error.emit(str(err))
            self._dispatch_reveal_failure(node, str(err))
        return on_error

    def _list(self, node: Node) -> None:
        node.state = LISTING
        node.pending = True
        self._set_bottom(node, "loading", "loading...")
        if node.info is not None and node.info.kind == nodes.EXTERNAL_LINK:
            self._runner.submit(
                nodes.external_link_target, node.file, node.path, allow_external=node.allow_external,
                on_result=lambda target, n=node: self._on_external_target(n, target),
                on_error=self._on_error_for(node),
            )
            return
        big = node.info is not None and (node.info.members or 0) > nodes.QUICK_OVER
        self._runner.submit(
            nodes.open_group_listing_isolated if big and nodes.names_worker_ready() else nodes.open_group_listing,
            node.child_file, node.child_path, FIRST_BATCH,
            on_result=lambda listing, n=node: self._on_listing(n, listing),
            on_error=self._on_error_for(node),
        )

    def _warm_helper(self) -> None:
        """A big group is in sight: start the helper process now, before the user expands it."""
        if self._warming or nodes.names_worker_ready():
            return
        self._warming = True

        def warm() -> None:
            try:
                nodes.warm_names_worker()
            except Exception:  # pragma: no cover - listing falls back to this process
                log.warning("the helper process for big groups did not start", exc_info=True)
            finally:
                self._warming = False

        threading.Thread(target=warm, name="h5gui-helper-start", daemon=True).start()

    def _on_external_target(self, node: Node, target: tuple[str, str]) -> None:
        if not node.alive:
            return
        node.child_file, node.child_path = target
        self._runner.submit(
            nodes.open_group_listing, node.child_file, node.child_path, FIRST_BATCH,
            on_result=lambda listing, n=node: self._on_listing(n, listing),
            on_error=self._on_error_for(node),
        )

    def _on_listing(self, node: Node, listing: nodes.GroupListing) -> None:
        if not node.alive:
            return
        node.names = listing.names
        node.offset = 0
        node.state = READY
        self._insert_rows(node, len(node.children), listing.first)
        if not listing.complete:
            # a big group: its first rows are shown in native order while every name is sorted
            self._set_bottom(node, "loading", "sorting the names...")
            self._runner.submit(
                nodes.list_names_isolated, node.child_file, node.child_path,
                on_result=lambda names, n=node: self._on_sorted(n, names),
                on_error=self._on_error_for(node),
            )
            return
        self._update_status_rows(node)
        node.pending = False  # only after the rows are in (a view may fetch again at once)
        if not listing.names:
            idx = self._index_of(node)  # let views drop the expander of an empty group
            self.dataChanged.emit(idx, idx)
        self._continue_reveal()

    def _on_sorted(self, node: Node, names: list[str]) -> None:
        if not node.alive:
            return
        node.names = tuple(names)
        shown = [c.name for c in node.children]
        if list(node.names[:len(shown)]) == shown:
            self._update_status_rows(node)
            node.pending = False
            self._continue_reveal()
            return
        node.pending = False
        self._load(node, 0, FIRST_BATCH)  # the sorted first rows replace the native-order ones

    def _load(self, node: Node, start: int, count: int) -> None:
        """Read rows ``names[start:start+count]`` and place them in the window (append, prepend or jump)."""
        assert node.names is not None
        start = max(0, min(start, len(node.names)))
        names = node.names[start:start + count]
        if not names:
            return
        node.pending = True
        self._set_bottom(node, "loading", "loading...")
        big = len(node.names) > nodes.QUICK_OVER  # its names were sorted in the helper process: rows too
        self._runner.submit(
            nodes.describe_children_isolated if big else nodes.describe_children, node.child_file,
            node.child_path, names,
            on_result=lambda rows, n=node, s=start: self._on_rows(n, s, rows),
            on_error=self._on_error_for(node),
        )

    def _on_rows(self, node: Node, start: int, rows: list[nodes.ChildInfo]) -> None:
        if not node.alive:
            return
        end = node.offset + len(node.children)
        if start == end:  # append; drop rows from the front past WINDOW
            self._insert_rows(node, len(node.children), rows)
            excess = len(node.children) - WINDOW
            if excess > 0:
                self._remove_rows(node, 0, excess)
                node.offset += excess
                self.shifted.emit(self._index_of(node), -excess)
        elif start + len(rows) == node.offset:  # prepend; drop rows from the end past WINDOW
            self._insert_rows(node, 0, rows)
            node.offset = start
            self.shifted.emit(self._index_of(node), len(rows))
            excess = len(node.children) - WINDOW
            if excess > 0:
                self._remove_rows(node, len(node.children) - excess, excess)
        else:  # a jump (reveal far away): the window starts here
            if node.children:
                self._remove_rows(node, 0, len(node.children))
            node.offset = start
            self._insert_rows(node, 0, rows)
        self._update_status_rows(node)
        node.pending = False
        self._continue_reveal()

    def _insert_rows(self, node: Node, at: int, rows: tuple[nodes.ChildInfo, ...] | list[nodes.ChildInfo]) -> None:
        if not rows:
            return
        top = node.top is not None
        self.beginInsertRows(self._index_of(node), top + at, top + at + len(rows) - 1)
        new = []
        for info in rows:
            child = Node(node, info.file, info.path, info.name, info.kind, info)
            new.append(child)
        node.children[at:at] = new
        self._renumber(node)
        self.endInsertRows()
        if any((info.members or 0) > nodes.QUICK_OVER for info in rows):
            self._warm_helper()

    def _remove_rows(self, node: Node, at: int, count: int) -> None:
        if count <= 0:
            return
        top = node.top is not None
        self.beginRemoveRows(self._index_of(node), top + at, top + at + count - 1)
        for c in node.children[at:at + count]:
            self._kill(c)
        del node.children[at:at + count]
        self._renumber(node)
        self.endRemoveRows()

    def request_more(self, index: Index) -> bool:
        """Load the next batch of a partly loaded group (``index``: the group or its "more" row)."""
        node = self.node(index)
        if node.kind in ("more", "loading") and node.parent is not None:
            node = node.parent
        if node.pending or not node.alive or node.state != READY or not node.more_after:
            return False
        self._load(node, node.offset + len(node.children), BATCH)
        return True

    def request_earlier(self, index: Index) -> bool:
        """Load the batch before the window (``index``: the group or its "earlier" row)."""
        node = self.node(index)
        if node.kind == "earlier" and node.parent is not None:
            node = node.parent
        if node.pending or not node.alive or node.state != READY or node.offset <= 0:
            return False
        start = max(0, node.offset - BATCH)
        self._load(node, start, node.offset - start)
        return True

    def reload(self, index: Index) -> None:
        """List a group (or a file's root) again, e.g. after an object was created, renamed or deleted
        in it; the rest of the tree stays as it is."""
        node = self.node(index)
        if node is self._root or not node.can_have_children:
            return
        n = node.row_count
        if n:
            self.beginRemoveRows(self._index_of(node), 0, n - 1)
            for c in node.children:
                self._kill(c)
            node.children, node.top, node.bottom = [], None, None
            self.endRemoveRows()
        node.state, node.names, node.offset, node.pending = UNLISTED, None, 0, False
        self._list(node)

    def group_index(self, file: str, path: str) -> QModelIndex:
        """Index of the loaded group that lists ``path`` of ``file`` (its parent), or invalid."""
        for n in self.loaded_nodes():
            if n.child_file == file and n.child_path == path and n.can_have_children:
                return self._index_of(n)
        return QModelIndex()

    def allow_external(self, index: Index) -> None:
        """The user confirmed: list this external link's target even though it leaves the folder."""
        node = self.node(index)
        node.allow_external = True
        if node.state == FAILED:
            node.state = UNLISTED
            self._set_bottom(node, None)
            self.fetchMore(self._index_of(node))

    def has_pending_operations(self) -> bool:
        return self._any_pending(self._root)

    def _any_pending(self, node: Node) -> bool:
        if node.pending:
            return True
        return any(self._any_pending(c) for c in node.children if c.children or c.pending)

    def loaded_nodes(self) -> list[Node]:
        """Every loaded real node (for the name filter)."""
        out: list[Node] = []
        stack = list(self._root.children)
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(n.children)
        return out

    # ------------------------------------------------------------------ finding nodes
    def find(self, file: str, path: str) -> QModelIndex:
        """Index of an already loaded node, or an invalid index."""
        node = self._find_loaded(file, path)[0]
        return self._index_of(node) if node is not None and node is not self._root else QModelIndex()

    def _find_loaded(self, file: str, path: str) -> tuple[Node | None, list[str]]:
        """Deepest loaded node on the way to ``path`` and the components still missing."""
        top = next((n for n in self._root.children if n.file == file), None)
        if top is None:
            return None, []
        parts = [p for p in path.split("/") if p]
        node = top
        for i, part in enumerate(parts):
            child = next((c for c in node.children if c.is_real and c.name == part), None)
            if child is None:
                return node, parts[i:]
            node = child
        return node, []

    def reveal(self, file: str, path: str) -> None:
        """Load the groups on the way to ``path`` and emit ``revealed`` with its index when there."""
        self._reveal = (file, normalize_path(path))
        self._continue_reveal()

    def _continue_reveal(self) -> None:
        if self._reveal is None:
            return
        file, path = self._reveal
        node, missing = self._find_loaded(file, path)
        if node is None:
            return
        if not missing:
            self._reveal = None
            self.revealed.emit(self._index_of(node))
            return
        if node.pending:
            return  # wait for the job
        if node.state in (UNLISTED,):
            if not node.can_have_children:
                self._reveal = None
                self.reveal_failed.emit(f"No object {path} in {file}")
                return
            self._list(node)
            return
        if node.state == READY and node.names is not None:
            name = missing[0]
            if name in node.names:
                i = node.names.index(name)
                end = node.offset + len(node.children)
                if end <= i < end + BATCH:
                    self._load(node, end, BATCH)  # just after the window: extend it
                else:
                    self._load(node, max(0, i - BATCH // 2), BATCH)  # far away: move the window there
                return
        self._reveal = None
        self.reveal_failed.emit(f"No object {path} in {file}")

    def _dispatch_reveal_failure(self, node: Node, message: str) -> None:
        if self._reveal is not None and self._reveal[0] == node.file:
            self._reveal = None
            self.reveal_failed.emit(message)

    def expanded_paths_under(self, is_expanded: Callable[[QModelIndex], bool]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []

        def visit(node: Node) -> None:
            for c in node.children:
                if c.children and is_expanded(self._index_of(c)):
                    out.append((self._top_file(c), self.tree_path(c)))
                    visit(c)

        visit(self._root)
        return out

    def tree_path(self, node: Node) -> str:
        """The node's path as seen from its top-level file (through external links, by name)."""
        names: list[str] = []
        while node.parent is not None and node.parent is not self._root and node.kind != "file":
            names.append(node.name)
            node = node.parent
        return "/" + "/".join(reversed(names))

    def _top_file(self, node: Node) -> str:
        while node.parent is not None and node.parent is not self._root:
            node = node.parent
        return node.file if node is not self._root else ""

    def top_file_of(self, index: Index) -> str:
        node = self.node(index)
        return self._top_file(node) if node is not self._root else ""

"""Lazy, batched tree of open files: groups list their members through I/O jobs, never eagerly.

Expanding a group submits one job that fetches its member names (naturally sorted) and the rows of
the first batch; scrolling to the end asks for the next batch (``canFetchMore``/``fetchMore``).
While a job runs the group shows a "loading..." row. Each row holds an immutable ``ChildInfo``.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from h5gui.core import nodes
from h5gui.core.dtypes import format_bytes
from h5gui.core.errors import H5GuiError, UnsafeAccessError
from h5gui.gui.icons import icon, kind_icon_name
from h5gui.gui.workers import JobRunner

log = logging.getLogger(__name__)

FIRST_BATCH = 256
BATCH = 500

NODE_ROLE = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = ("Name", "Shape", "Type")

# list states of a node
UNLISTED, LISTING, READY, FAILED = range(4)

Index = QModelIndex | QPersistentModelIndex


class Node:
    """One row of the tree (a file root, an object, or a "loading..."/message row)."""

    __slots__ = (
        "parent", "row", "children", "info", "file", "path", "name", "kind",
        "names", "state", "pending", "error", "child_file", "child_path", "allow_external", "alive",
    )

    def __init__(self, parent: Node | None, row: int, file: str, path: str, name: str, kind: str,
                 info: nodes.ChildInfo | None = None) -> None:
        self.parent = parent
        self.row = row
        self.children: list[Node] = []
        self.info = info
        self.file = file  # the file this object lives in
        self.path = path  # its path inside that file
        self.name = name
        self.kind = kind  # "file", a nodes kind, "loading" or "message"
        self.names: tuple[str, ...] | None = None
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
        return self.kind not in ("loading", "message", "more")

    @property
    def loaded(self) -> int:
        n = len(self.children)
        if n and not self.children[-1].is_real:
            n -= 1
        return n

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

    def display_path(self) -> str:
        return self.path


class H5TreeModel(QAbstractItemModel):
    """Tree of every open file. Top-level rows are files."""

    error = Signal(str)  # a listing failed: one-line message for the status bar
    revealed = Signal(QModelIndex)  # reveal() found its target
    reveal_failed = Signal(str)

    def __init__(self, runner: JobRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._root = Node(None, 0, "", "", "", "root")
        self._reveal: tuple[str, str] | None = None
        self.writable_files: set[str] = set()

    # ------------------------------------------------------------------ files
    def files(self) -> list[str]:
        return [n.file for n in self._root.children]

    def add_file(self, file: str, info: nodes.NodeInfo | None = None) -> QModelIndex:
        """Add a file as a top-level row (after the caller checked that it opens)."""
        for node in self._root.children:
            if node.file == file:
                return self.createIndex(node.row, 0, node)
        row = len(self._root.children)
        self.beginInsertRows(QModelIndex(), row, row)
        node = Node(self._root, row, file, "/", posixpath.basename(file) or file, "file")
        if info is not None and info.file_size is not None:
            node.error = format_bytes(info.file_size)  # shown in the Shape column of the file row
        self._root.children.append(node)
        self.endInsertRows()
        return self.createIndex(row, 0, node)

    def remove_file(self, file: str) -> None:
        for node in self._root.children:
            if node.file == file:
                self.beginRemoveRows(QModelIndex(), node.row, node.row)
                self._root.children.remove(node)
                self._kill(node)
                for i, n in enumerate(self._root.children):
                    n.row = i
                self.endRemoveRows()
                return

    def _kill(self, node: Node) -> None:
        node.alive = False
        for c in node.children:
            self._kill(c)

    def file_index(self, file: str) -> QModelIndex:
        for node in self._root.children:
            if node.file == file:
                return self.createIndex(node.row, 0, node)
        return QModelIndex()

    # ------------------------------------------------------------------ Qt model API
    def node(self, index: Index) -> Node:
        if index.isValid():
            return index.internalPointer()  # type: ignore[no-any-return]
        return self._root

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if column < 0 or column >= len(COLUMNS) or row < 0:
            return QModelIndex()
        p = self.node(parent)
        if row >= len(p.children):
            return QModelIndex()
        return self.createIndex(row, column, p.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        p = node.parent
        if p is None or p is self._root:
            return QModelIndex()
        return self.createIndex(p.row, 0, p)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        node = self.node(parent)
        if node is self._root:
            return bool(node.children)
        if parent.column() > 0:
            return False
        if node.children:
            return True
        if node.state == READY:
            return False
        return node.can_have_children

    def canFetchMore(self, parent: Index) -> bool:
        node = self.node(parent)
        if node is self._root or not node.can_have_children or node.pending or not node.alive:
            return False
        # Only the first listing: QTreeView re-fetches expanded items on every layout, which would
        # load a 100,000-member group whole. Later batches come from request_more(), called by the
        # view when the "N more..." row scrolls into sight.
        return node.state == UNLISTED

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent):
            return
        self._list(self.node(parent))

    def has_more(self, index: Index) -> bool:
        node = self.node(index)
        return node.state == READY and node.names is not None and node.loaded < len(node.names)

    def request_more(self, index: Index) -> bool:
        """Load the next batch of a partly loaded group (``index`` is the group or its "more" row)."""
        node = self.node(index)
        if node.kind == "more" and node.parent is not None:
            node = node.parent
        if node.pending or not node.alive or not self.has_more(self._index_of(node)):
            return False
        self._load_batch(node, BATCH)
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        node = self.node(index)
        if not node.is_real:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

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
            if node.kind in ("loading", "more"):
                return QBrush(QColor("#808080"))
            if node.kind == "message" or (node.info is not None and node.info.kind in (nodes.DANGLING_LINK, nodes.UNREADABLE)):
                return QBrush(QColor("#c62828"))
            if col > 0:
                return QBrush(QColor("#555555"))
            return None
        if role == Qt.ItemDataRole.FontRole:
            if node.kind in ("loading", "more") or (node.info is not None and node.info.kind in (nodes.SOFT_LINK, nodes.EXTERNAL_LINK)):
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
        if node.kind == "more":
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
    def _set_status_row(self, node: Node, kind: str | None, text: str = "") -> None:
        """Replace the trailing "loading..." / message row of ``node`` (or remove it: kind None)."""
        parent_index = self._index_of(node)
        if node.children and not node.children[-1].is_real:
            last = len(node.children) - 1
            self.beginRemoveRows(parent_index, last, last)
            node.children.pop()
            self.endRemoveRows()
        if kind is not None:
            row = len(node.children)
            self.beginInsertRows(parent_index, row, row)
            status = Node(node, row, node.file, node.path, "", kind)
            status.error = text
            node.children.append(status)
            self.endInsertRows()

    def _index_of(self, node: Node) -> QModelIndex:
        if node is self._root or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    def _on_error_for(self, node: Node) -> Callable[[H5GuiError], None]:
        def on_error(err: H5GuiError) -> None:
            if not node.alive:
                return
            node.pending = False
            node.state = FAILED
            self._set_status_row(node, "message", str(err))
            if isinstance(err, UnsafeAccessError):
                self.error.emit(str(err))
            else:
                self.error.emit(str(err))
            self._dispatch_reveal_failure(node, str(err))
        return on_error

    def _list(self, node: Node) -> None:
        node.state = LISTING
        node.pending = True
        self._set_status_row(node, "loading")
        if node.info is not None and node.info.kind == nodes.EXTERNAL_LINK:
            self._runner.submit(
                nodes.external_link_target, node.file, node.path, allow_external=node.allow_external,
                on_result=lambda target, n=node: self._on_external_target(n, target),
                on_error=self._on_error_for(node),
            )
            return
        self._runner.submit(
            nodes.open_group_listing, node.child_file, node.child_path, FIRST_BATCH,
            on_result=lambda listing, n=node: self._on_listing(n, listing),
            on_error=self._on_error_for(node),
        )

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
        self._set_status_row(node, None)
        self._append_rows(node, listing.first)
        node.state = READY
        self._set_more_row(node)
        node.pending = False  # only after endInsertRows (a view may fetch again at once)
        if not listing.names:
            # let views drop the expander of an empty group
            idx = self._index_of(node)
            self.dataChanged.emit(idx, idx)
        self._continue_reveal()

    def _load_batch(self, node: Node, count: int) -> None:
        assert node.names is not None
        start = node.loaded
        names = node.names[start:start + count]
        node.pending = True
        self._set_status_row(node, "loading")
        self._runner.submit(
            nodes.describe_children, node.child_file, node.child_path, names,
            on_result=lambda rows, n=node: self._on_batch(n, rows),
            on_error=self._on_error_for(node),
        )

    def _on_batch(self, node: Node, rows: list[nodes.ChildInfo]) -> None:
        if not node.alive:
            return
        self._set_status_row(node, None)
        self._append_rows(node, rows)
        self._set_more_row(node)
        node.pending = False
        self._continue_reveal()

    def _set_more_row(self, node: Node) -> None:
        if node.names is not None and node.loaded < len(node.names):
            left = len(node.names) - node.loaded
            self._set_status_row(node, "more", f"{left:,} more... (scroll to load)")

    def _append_rows(self, node: Node, rows: tuple[nodes.ChildInfo, ...] | list[nodes.ChildInfo]) -> None:
        if not rows:
            return
        start = len(node.children)
        self.beginInsertRows(self._index_of(node), start, start + len(rows) - 1)
        for i, info in enumerate(rows):
            child = Node(node, start + i, info.file, info.path, info.name, info.kind, info)
            if info.kind == nodes.SOFT_LINK:
                child.child_path = info.path
            node.children.append(child)
        self.endInsertRows()

    def allow_external(self, index: Index) -> None:
        """The user confirmed: list this external link's target even though it leaves the folder."""
        node = self.node(index)
        node.allow_external = True
        if node.state == FAILED:
            node.state = UNLISTED
            self._set_status_row(node, None)
            self.fetchMore(self._index_of(node))

    def retry(self, index: Index) -> None:
        node = self.node(index)
        if node.state == FAILED:
            node.state = UNLISTED
            self._set_status_row(node, None)

    def has_pending_operations(self) -> bool:
        return self._any_pending(self._root)

    def _any_pending(self, node: Node) -> bool:
        if node.pending:
            return True
        return any(self._any_pending(c) for c in node.children if c.children or c.pending)

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
        self._reveal = (file, nodes.normalize_path(path))
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
                needed = node.names.index(name) + 1 - node.loaded
                self._load_batch(node, max(needed, BATCH))
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
                if c.children and c.is_real and is_expanded(self._index_of(c)):
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

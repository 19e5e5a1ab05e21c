"""Lazy, batched tree of open files: groups list their members through I/O jobs, never eagerly.

Expanding a group submits one job that fetches its member names (naturally sorted) and the rows of
the first batch; scrolling to the end asks for the next batch (``request_more``), scrolling to the top
of a moved window for the one before (``request_earlier``). While a job runs the group shows a
"loading..." row. Each row holds an immutable ``ChildInfo``; a group keeps at most ``WINDOW`` rows.

The rows themselves and the Qt model API are :mod:`h5gui.gui.models.tree_rows`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, Signal

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.kinds import Kind
from h5gui.core.nodes.records import ChildInfo, GroupListing, NodeInfo
from h5gui.core.paths import normalize_path
from h5gui.gui.models.tree_nodes import (
    BATCH,
    FAILED,
    FIRST_BATCH,
    LISTING,
    READY,
    UNLISTED,
    WINDOW,
    Node,
)
from h5gui.gui.models.tree_rows import NODE_ROLE, PATH_ROLE, Index, TreeRows
from h5gui.gui.session import Session
from h5gui.gui.workers import JobRunner

log = logging.getLogger(__name__)

EXTERNAL_LOOKUPS = 100  # external links per batch whose target kind is looked up (each opens the target)

__all__ = ["NODE_ROLE", "PATH_ROLE", "WINDOW", "H5TreeModel", "Node"]


class H5TreeModel(TreeRows):
    """Tree of every open file. The view is given this model directly (a proxy doubles the per-row cost
    of every relayout); the name filter hides rows in the view."""

    error = Signal(str)  # a listing failed: one-line message for the status bar
    revealed = Signal(QModelIndex)  # reveal() found its target
    reveal_failed = Signal(str)

    def __init__(self, runner: JobRunner, session: Session, parent: Any = None) -> None:
        super().__init__(session, parent)
        self._runner = runner
        self._reveal: tuple[str, str] | None = None

    # ------------------------------------------------------------------ fetching
    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        node = self.node(parent)
        if node is self._root or not node.can_have_children or node.pending or not node.alive:
            return False
        # Only the first listing: QTreeView re-fetches expanded items on every layout, which would
        # load a 100,000-member group whole. Later batches come from request_more()/request_earlier(),
        # called by the view when a "N more..." / "N earlier..." row scrolls into sight.
        return node.state == UNLISTED

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        if not self.canFetchMore(parent):
            return
        self._list(self.node(parent))

    # ------------------------------------------------------------------ loading
    def _on_error_for(self, node: Node) -> Callable[[H5GuiError], None]:
        def on_error(err: H5GuiError) -> None:
            if not node.alive:
                return
            node.pending = False
            if node.state != READY:
                node.state = FAILED
            self.set_bottom(node, "message", str(err))
            self.error.emit(str(err))
            self._dispatch_reveal_failure(node, str(err))
        return on_error

    def _list(self, node: Node, force: bool = False) -> None:
        node.state = LISTING
        node.pending = True
        self.set_bottom(node, "loading", "loading...")
        if node.info is not None and node.info.kind == Kind.EXTERNAL_LINK:
            self._runner.submit(
                api.nodes.external_link_target, node.file, node.path, allow_external=node.allow_external,
                force=force, on_result=partial(self._on_external_target, node),
                on_error=self._on_error_for(node),
            )
            return
        self._runner.submit(
            api.nodes.open_group_listing, node.child_file, node.child_path, FIRST_BATCH, force=force,
            on_result=partial(self._on_listing, node),
            on_error=self._on_error_for(node),
        )

    def _on_external_target(self, node: Node, target: tuple[str, str]) -> None:
        if not node.alive:
            return
        if not node.can_have_children:  # it turned out to lead to a dataset meanwhile
            node.pending = False
            return
        node.child_file, node.child_path = target
        self._runner.submit(
            api.nodes.open_group_listing, node.child_file, node.child_path, FIRST_BATCH,
            on_result=partial(self._on_listing, node),
            on_error=self._on_error_for(node),
        )

    def _on_listing(self, node: Node, listing: GroupListing) -> None:
        if not node.alive:
            return
        node.names = listing.names
        node.offset = 0
        node.state = READY
        self._insert_rows(node, len(node.children), listing.first)
        if not listing.complete:
            # a big group: its first rows are shown in native order while every name is sorted
            self.set_bottom(node, "loading", "sorting the names...")
            self._runner.submit(
                api.nodes.list_names, node.child_file, node.child_path,
                on_result=partial(self._on_sorted, node),
                on_error=self._on_error_for(node),
            )
            return
        self.update_status_rows(node)
        node.pending = False  # only after the rows are in (a view may fetch again at once)
        if not listing.names:
            idx = self.index_of(node)  # let views drop the expander of an empty group
            self.dataChanged.emit(idx, idx)
        self._continue_reveal()

    def _on_sorted(self, node: Node, names: list[str]) -> None:
        if not node.alive:
            return
        node.names = tuple(names)
        shown = [c.name for c in node.children]
        if list(node.names[:len(shown)]) == shown:
            self.update_status_rows(node)
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
        self.set_bottom(node, "loading", "loading...")
        self._runner.submit(
            api.nodes.describe_children, node.child_file, node.child_path, names,
            on_result=partial(self._on_rows, node, start),
            on_error=self._on_error_for(node),
        )

    def _on_rows(self, node: Node, start: int, rows: list[ChildInfo]) -> None:
        if not node.alive:
            return
        end = node.offset + len(node.children)
        if start == end:  # append; drop rows from the front past WINDOW
            self._insert_rows(node, len(node.children), rows)
            excess = len(node.children) - WINDOW
            if excess > 0:
                self.remove_rows(node, 0, excess)
                node.offset += excess
                self.shifted.emit(self.index_of(node), -excess)
        elif start + len(rows) == node.offset:  # prepend; drop rows from the end past WINDOW
            self._insert_rows(node, 0, rows)
            node.offset = start
            self.shifted.emit(self.index_of(node), len(rows))
            excess = len(node.children) - WINDOW
            if excess > 0:
                self.remove_rows(node, len(node.children) - excess, excess)
        else:  # a jump (reveal far away): the window starts here
            if node.children:
                self.remove_rows(node, 0, len(node.children))
            node.offset = start
            self._insert_rows(node, 0, rows)
        self.update_status_rows(node)
        node.pending = False
        self._continue_reveal()

    def _insert_rows(self, node: Node, at: int, rows: Sequence[ChildInfo]) -> None:
        self.insert_rows(node, at, rows)
        # what external links lead to (a dataset gets no expander), for the first few of each batch
        links = [c for c in node.children[at:at + len(rows)] if c.info is not None and c.info.kind == Kind.EXTERNAL_LINK]
        for child in links[:EXTERNAL_LOOKUPS]:
            self._runner.submit(api.nodes.describe, child.file, child.path, on_result=partial(self._on_link_kind, child),
                                on_error=lambda err: log.debug("external link target: %s", err))

    def _on_link_kind(self, node: Node, info: NodeInfo) -> None:
        """An external link's target is known: a link to anything but a group loses its expander."""
        if not node.alive or info.kind != Kind.EXTERNAL_LINK or not info.object_kind:
            return
        node.link_kind = info.object_kind
        if not node.can_have_children:
            self.clear_rows(node)
            node.state, node.pending = READY, False
            idx = self.index_of(node)
            self.dataChanged.emit(idx, idx.siblingAtColumn(2))

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
        self.clear_rows(node)
        node.state, node.names, node.offset, node.pending = UNLISTED, None, 0, False
        self._list(node)

    def refresh_group(self, file: str, group: str) -> bool:
        """``group`` of ``file`` changed (members added, removed, moved): describe its row again (its
        member count and whether it has an expander) and list it again; the rest of the tree stays.
        False when no loaded row shows that group."""
        found = False
        for n in self._root.walk():
            if (n.child_file, n.child_path) != (file, group) or not n.is_real:
                continue
            if n.kind != "file" and (n.info is None or not n.info.is_group_like or n.info.kind == Kind.EXTERNAL_LINK):
                continue
            found = True
            parent = n.parent
            if n.kind == "file" or parent is None or parent is self._root:
                self.reload(self.index_of(n))
                continue
            n.pending = True  # a reveal waits for the new description
            self._runner.submit(api.nodes.describe_children, parent.child_file, parent.child_path, [n.name],
                                on_result=partial(self._on_redescribed, n), on_error=self._on_error_for(n))
        return found

    def _on_redescribed(self, node: Node, rows: list[ChildInfo]) -> None:
        if not node.alive:
            return
        node.pending = False
        if rows:
            node.info = rows[0]
            idx = self.index_of(node)
            self.dataChanged.emit(idx, idx.siblingAtColumn(2))
        if node.can_have_children:
            self.reload(self.index_of(node))
        else:
            self.clear_rows(node)
            node.state, node.names, node.offset = UNLISTED, None, 0
            idx = self.index_of(node)
            self.dataChanged.emit(idx, idx)
            self._continue_reveal()

    def retry(self, file: str, path: str) -> None:
        """The user asked to try ``path`` of ``file`` again although it broke the reader: forget the mark
        and list it again (forced past the quarantine) if its listing failed."""
        self.clear_failed(file, path)
        for n in self._root.walk():
            if n.state == FAILED and ((n.file, n.path) == (file, path) or (n.child_file, n.child_path) == (file, path)):
                self.clear_rows(n)
                n.state, n.names, n.offset, n.pending = UNLISTED, None, 0, False
                self._list(n, force=True)

    def group_index(self, file: str, path: str) -> QModelIndex:
        """Index of the loaded group that lists ``path`` of ``file`` (its parent), or invalid."""
        for n in self._root.walk():
            if n.child_file == file and n.child_path == path and n.can_have_children:
                return self.index_of(n)
        return QModelIndex()

    def allow_external(self, index: Index) -> None:
        """The user confirmed: list this external link's target even though it leaves the folder."""
        node = self.node(index)
        node.allow_external = True
        if node.state == FAILED:
            node.state = UNLISTED
            self.set_bottom(node, None)
            self.fetchMore(self.index_of(node))

    def has_pending_operations(self) -> bool:
        return self._root.any_pending()

    def loaded_names(self, file: str, group: str) -> set[str]:
        """Names of the rows loaded under ``group`` of ``file``."""
        idx = self.group_index(file, group)
        return {c.name for c in self.node(idx).children} if idx.isValid() else set()

    # ------------------------------------------------------------------ finding nodes
    def find(self, file: str, path: str) -> QModelIndex:
        """Index of an already loaded node, or an invalid index."""
        node = self._find_loaded(file, path)[0]
        return self.index_of(node) if node is not None and node is not self._root else QModelIndex()

    def _find_loaded(self, file: str, path: str) -> tuple[Node | None, list[str]]:
        """Deepest loaded node on the way to ``path`` and the components still missing."""
        top = next((n for n in self._root.children if n.file == file), None)
        return top.find_loaded(path) if top is not None else (None, [])

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
            self.revealed.emit(self.index_of(node))
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

        def visit(node: Node) -> None:  # also below collapsed rows: the view keeps those expanded too
            for c in node.children:
                if c.children:
                    if is_expanded(self.index_of(c)):
                        out.append((c.top_file(), c.tree_path()))
                    visit(c)

        visit(self._root)
        return out

    def top_file_of(self, index: Index) -> str:
        return self.node(index).top_file()

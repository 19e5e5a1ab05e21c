"""The rows of the file tree as plain Python (Qt-free): one :class:`Node` per row, the sliding window
of loaded members of a group, and the words each row shows.

A group's ``children`` are its loaded real rows, ``names[offset:offset + len(children)]`` of every
member name; a status row may sit above them (``top``: "N earlier...") and one below (``bottom``:
"loading...", "N more..." or an error message). The Qt model over these rows is
:mod:`h5gui.gui.models.tree_rows`; how rows are loaded is :mod:`h5gui.gui.models.tree_model`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING

from h5gui.core.kinds import LABELS, Kind

if TYPE_CHECKING:
    from h5gui.core.nodes import ChildInfo

FIRST_BATCH = 64
BATCH = 250
WINDOW = 1000  # real rows loaded at most per group: QTreeView relays out every expanded row on each change
STATUS_KINDS = ("loading", "more", "earlier", "message")
COLUMNS = ("Name", "Shape", "Type")

# list states of a node
UNLISTED, LISTING, READY, FAILED = range(4)

#: kinds of rows that cannot be the target of an attribute edit
NOT_EDITABLE_KINDS = (Kind.DANGLING_LINK, Kind.EXTERNAL_LINK, Kind.UNREADABLE)


class Node:
    """One row of the tree (a file root, an object, or a status row: loading / more / earlier / message).

    ``children`` holds the real rows only; a group may also have a status row above them (``top``:
    "N earlier...") and one below (``bottom``: "loading...", "N more...", or an error message).
    """

    __slots__ = (
        "parent", "idx", "children", "info", "file", "path", "name", "kind", "names", "offset", "top",
        "bottom", "state", "pending", "error", "child_file", "child_path", "allow_external", "alive",
        "link_kind",
    )

    def __init__(self, parent: Node | None, file: str, path: str, name: str, kind: str,
                 info: ChildInfo | None = None) -> None:
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
        self.link_kind = ""  # what an external link leads to, once looked up ("" while unknown)

    # -- what kind of row this is
    @property
    def is_real(self) -> bool:
        return self.kind not in STATUS_KINDS

    @property
    def is_editable_object(self) -> bool:
        """A real object whose attributes can be edited (not a file row's status, link or unreadable row)."""
        return self.is_real and (self.info is None or self.info.kind not in NOT_EDITABLE_KINDS)

    @property
    def is_dataset(self) -> bool:
        return self.info is not None and self.info.effective_kind == Kind.DATASET

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
        if info.kind == Kind.EXTERNAL_LINK:
            return self.link_kind in ("", Kind.GROUP)  # no expander on a link to a dataset
        if info.is_group_like:
            return info.members is None or info.members > 0
        return False

    @property
    def more_after(self) -> int:
        return 0 if self.names is None else max(0, len(self.names) - self.offset - len(self.children))

    def renumber(self) -> None:
        """Set ``idx`` of every real child after rows were inserted or removed."""
        for i, c in enumerate(self.children):
            c.idx = i

    def kill(self) -> None:
        """Mark this row and every row below it as gone (jobs still running for them are ignored)."""
        self.alive = False
        for c in self.children:
            c.kill()

    # -- where it is
    def top_file(self) -> str:
        """The file of the top-level row this node is under ("" for the invisible root)."""
        node = self
        while node.parent is not None and node.parent.parent is not None:
            node = node.parent
        return node.file if node.parent is not None else ""

    def tree_path(self) -> str:
        """The node's path as seen from its top-level file (through external links, by name)."""
        names: list[str] = []
        node = self
        while node.parent is not None and node.parent.parent is not None and node.kind != "file":
            names.append(node.name)
            node = node.parent
        return "/" + "/".join(reversed(names))

    def new_object_group(self) -> tuple[str, str]:
        """(file, group path) where new objects go when this node is selected."""
        if self.kind == "file":
            return self.file, "/"
        if self.info is not None and self.info.is_group_like and self.info.kind != Kind.EXTERNAL_LINK:
            return self.file, self.path
        return self.file, posixpath.dirname(self.path) or "/"

    def find_loaded(self, path: str) -> tuple[Node, list[str]]:
        """Deepest loaded node under this one on the way to ``path`` and the components still missing."""
        parts = [p for p in path.split("/") if p]
        node = self
        for i, part in enumerate(parts):
            child = next((c for c in node.children if c.is_real and c.name == part), None)
            if child is None:
                return node, parts[i:]
            node = child
        return node, []

    def walk(self) -> list[Node]:
        """Every loaded real node below this one."""
        out: list[Node] = []
        stack = list(self.children)
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(n.children)
        return out

    def any_pending(self) -> bool:
        """True while a job lists rows for this node or one below it."""
        if self.pending:
            return True
        return any(c.any_pending() for c in self.children if c.children or c.pending)


# ---------------------------------------------------------------------------------------------- words
def display_text(node: Node, col: int, writable: Callable[[str], bool]) -> str:
    """What column ``col`` of the row shows."""
    if node.kind == "loading":
        return "loading..." if col == 0 else ""
    if node.kind in ("message", "more", "earlier"):
        return node.error if col == 0 else ""
    if node.kind == "file":
        if col == 0:
            return node.name
        if col == 1:
            size = node.error or "file"
            return f"{size}, editable" if writable(node.file) else size
        return ""
    info = node.info
    if info is None:
        return node.name if col == 0 else ""
    if col == 0:
        return node.name
    if col == 1:
        if info.kind == Kind.EXTERNAL_LINK:
            return f"\u2192 {info.link_file}:{info.link_target}"
        if info.kind == Kind.DANGLING_LINK:
            target = f"{info.link_file}:{info.link_target}" if info.link_file else info.link_target
            return f"\u2192 {target} (missing)"
        if info.kind == Kind.UNREADABLE:
            return "unreadable"
        if info.effective_kind == Kind.DATATYPE:
            return "datatype"
        return info.shape_text
    if col == 2:
        if info.kind == Kind.SOFT_LINK:
            return f"{info.dtype or LABELS.get(info.target_kind, '')} \u2192 {info.link_target}"
        return info.dtype
    return ""


def tooltip_text(node: Node, writable: Callable[[str], bool]) -> str:
    """The row's tooltip: path, kind or link target, and where its data lives."""
    if node.kind == "file":
        mode = "open for editing" if writable(node.file) else "read-only"
        return f"{node.file}\n{mode}"
    if node.kind == "message":
        return node.error
    info = node.info
    if info is None:
        return node.path
    lines = [info.path]
    if info.kind == Kind.SOFT_LINK:
        lines.append(f"soft link \u2192 {info.link_target}")
    elif info.kind == Kind.EXTERNAL_LINK:
        lines.append(f"external link \u2192 {info.link_file}:{info.link_target}")
    elif info.kind == Kind.DANGLING_LINK:
        lines.append(info.error or "dangling link")
    elif info.kind == Kind.UNREADABLE:
        lines.append(f"unreadable: {info.error}")
    else:
        lines.append(LABELS.get(info.kind, info.kind))
    if info.virtual:
        lines.append("virtual dataset (data in source files)")
    if info.external_storage:
        lines.append("data stored in external raw files")
    return "\n".join(lines)

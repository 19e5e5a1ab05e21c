"""The state of one h5gui session, Qt-free: what controllers, wizards and dialogs read and change
instead of reaching into the main window.

* the open files (in tree order), the files being opened, and which of them are writable;
* the selection (read through :class:`Selection`, which the tree view implements) and the object the
  panels show;
* trust decisions: objects whose data outside the file's folder the user allowed to read;
* the clipboards: an object copied or cut in the tree, attributes copied in the Attributes tab.

Controllers report back through a :class:`Notifier` (status, errors, "this group changed"), which the
main window implements. This module imports neither Qt nor h5py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from h5gui.core.attrs import AttrValue
    from h5gui.core.errors import H5GuiError
    from h5gui.gui.models.tree_nodes import Node

Target = tuple[str, str]  # (file, path of an object inside it)

READ_ONLY_HINT = "The file is open read-only: enable editing (Ctrl+E) to change it"


class Notifier(Protocol):
    """What controllers tell the window: status and errors, and what changed in the files."""

    def show_status(self, text: str) -> None:
        """One line in the status bar."""

    def show_error(self, message: str | H5GuiError) -> None:
        """One line in the status bar, in red."""

    def group_changed(self, file: str, group: str, select: str | None = None) -> None:
        """A group of an open file changed: list it again (nothing else reloads) and select ``select``."""

    def object_removed(self, file: str, path: str) -> None:
        """``path`` of ``file`` is gone (deleted, renamed, moved): stop showing it and what was below it."""

    def object_written(self, file: str, path: str) -> None:
        """A wizard wrote ``path``: show it (list its group again, or open its file)."""

    def files_changed(self, message: str = "Refreshed") -> None:
        """Files were rewritten on disk: reopen every file, keeping expanded groups and the selection, and
        say ``message`` when done."""

    def state_changed(self) -> None:
        """Files, modes, the shown object or a clipboard changed: update the title and what is enabled."""


class Selection(Protocol):
    """The tree's current row and selected rows (the tree view implements it)."""

    def current_node(self) -> Node | None:
        """The current row (possibly a status row), or None."""

    def selected_nodes(self) -> list[Node]:
        """Every selected row."""

    def top_file(self) -> str:
        """The file of the current row's top-level row, or the only open file, or ""."""

    def loaded_names(self, file: str, group: str) -> set[str]:
        """Names of the rows loaded under ``group`` of ``file`` (empty when it is not loaded)."""


class NoSelection:
    """The selection before a tree exists: nothing is selected."""

    def current_node(self) -> Node | None:
        return None

    def selected_nodes(self) -> list[Node]:
        return []

    def top_file(self) -> str:
        return ""

    def loaded_names(self, file: str, group: str) -> set[str]:
        return set()


@dataclass(frozen=True)
class ObjectClip:
    """An object copied (``cut=False``) or cut in the tree, to paste into a group."""

    file: str
    path: str
    cut: bool = False


class Session:
    """Open files and their modes, the selection, trust decisions and clipboards of one window."""

    def __init__(self) -> None:
        self.files: list[str] = []  # open files, in the order of the tree's top-level rows
        self.opening: set[str] = set()  # files being checked before they are added
        self.writable: set[str] = set()  # files open for editing
        self.selection: Selection = NoSelection()
        self.shown: Target | None = None  # the object shown in the info, attribute and preview panels
        self.trusted: set[Target] = set()  # objects allowed to read data outside their file's folder
        self.object_clip: ObjectClip | None = None
        self.attr_clip: list[AttrValue] = []

    # ------------------------------------------------------------------ files and modes
    def is_open(self, file: str) -> bool:
        return file in self.files

    def is_writable(self, file: str) -> bool:
        return file in self.writable

    def add_file(self, file: str) -> None:
        """``file`` is now a top-level row of the tree."""
        if file not in self.files:
            self.files.append(file)

    def remove_file(self, file: str) -> None:
        """``file`` is no longer a row of the tree (its mode is kept: a refresh reopens it)."""
        if file in self.files:
            self.files.remove(file)

    def set_writable(self, file: str, on: bool) -> None:
        if on:
            self.writable.add(file)
        else:
            self.writable.discard(file)

    def read_only_reason(self, file: str) -> str:
        """Why ``file`` cannot be changed now ("" when it is open for editing)."""
        if self.is_writable(file):
            return ""
        return f"{os.path.basename(file)} is open read-only: enable editing (Ctrl+E) first"

    # ------------------------------------------------------------------ selection
    def current_node(self) -> Node | None:
        return self.selection.current_node()

    def current_object(self) -> Node | None:
        """The current row when it is an object or a file (not a status row)."""
        node = self.selection.current_node()
        return node if node is not None and node.is_real else None

    def top_file(self) -> str:
        return self.selection.top_file()

    def selected_objects(self) -> list[Target]:
        """(file, path) of every selected real object in the tree (the shown one if none)."""
        out = [(n.file, n.path) for n in self.selection.selected_nodes() if n.is_editable_object]
        if not out and self.shown is not None:
            out = [self.shown]
        return list(dict.fromkeys(out))

    def shown_writable(self) -> Target | None:
        """The shown object when its file is open for editing."""
        if self.shown is not None and self.is_writable(self.shown[0]):
            return self.shown
        return None

    # ------------------------------------------------------------------ trust
    def trust(self, file: str, path: str) -> None:
        """The user allowed reading data from outside the file's folder for this one object."""
        self.trusted.add((file, path))

    def is_trusted(self, file: str, path: str) -> bool:
        return (file, path) in self.trusted

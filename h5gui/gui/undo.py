"""The undo stack's commands: every edit (attributes, dataset values) runs first, then is pushed as a
record of what to write to undo it and to redo it; undo and redo re-run those writes in the I/O process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtGui import QUndoCommand

W = TypeVar("W")  # what one undo or redo writes: a tuple of AttrEdit, or a values.BlockWrite


class EditCommand(QUndoCommand, Generic[W]):
    """One edit that already ran. ``apply(writes, message)`` re-runs ``undo`` or ``redo`` and says
    ``message`` when done."""

    def __init__(self, description: str, undo: W, redo: W, apply: Callable[[W, str], None]) -> None:
        super().__init__(description)
        self.description = description
        self.undo_writes = undo
        self.redo_writes = redo
        self.apply = apply
        self._done = True

    def redo(self) -> None:
        if self._done:
            self._done = False  # the first redo is the edit that was just made
            return
        self.apply(self.redo_writes, f"Redid: {self.description}")

    def undo(self) -> None:
        self.apply(self.undo_writes, f"Undid: {self.description}")


def done_message(description: str) -> str:
    """"Set units on /data (Ctrl+Z to undo)": the status line after an edit."""
    return f"{description[:1].upper()}{description[1:]} (Ctrl+Z to undo)"

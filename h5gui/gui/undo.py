"""Undo and redo, one stack per open file.

Every edit (attributes, dataset values, structure) runs first, then is pushed as a record of what to
write to undo it and to redo it; undo and redo re-run those writes in the I/O process.

:class:`FileUndo` keeps one ``QUndoStack`` per file in a ``QUndoGroup``; the active stack follows the
file of the selection, so Ctrl+Z never undoes something in a file the user is not looking at. Its Undo
and Redo actions refuse (and leave the stack where it is) when the file is read-only, and a write that
fails in the I/O process puts the stack back where it was."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoGroup, QUndoStack

from h5gui.gui.icons import icon
from h5gui.gui.session import Notifier, Session

log = logging.getLogger(__name__)

W = TypeVar("W")  # what one undo or redo writes: a tuple of AttrEdit, a values.BlockWrite, ...

#: ``apply(writes, message, failed)``: run ``writes`` in the I/O process, say ``message`` when done and
#: call ``failed()`` when the write did not happen (the stack then goes back to where it was)
Apply = Callable[[Any, str, Callable[[], None]], None]


class EditCommand(QUndoCommand, Generic[W]):
    """One edit of ``file`` that already ran. ``apply(writes, message, failed)`` re-runs ``undo`` or
    ``redo`` and says ``message`` when done."""

    def __init__(self, description: str, undo: W, redo: W, apply: Apply, file: str = "") -> None:
        super().__init__(description)
        self.description = description
        self.undo_writes = undo
        self.redo_writes = redo
        self.apply = apply
        self.file = file
        self.stack: QUndoStack | None = None  # set when pushed
        self._skip = True  # the first redo (on push) is the edit that was just made

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self.apply(self.redo_writes, f"Redid: {self.description}", lambda: self._roll_back(undone=False))

    def undo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self.apply(self.undo_writes, f"Undid: {self.description}", lambda: self._roll_back(undone=True))

    def _roll_back(self, undone: bool) -> None:
        """The write of an undo (``undone``) or a redo failed: move the stack back without writing."""
        stack = self.stack
        if stack is None:
            return
        if undone and stack.index() < stack.count() and stack.command(stack.index()) is self:
            self._skip = True
            stack.redo()
        elif not undone and stack.index() > 0 and stack.command(stack.index() - 1) is self:
            self._skip = True
            stack.undo()


#: the status line says what was done: "add units on /data" (the Edit menu's "Undo add units on /data")
#: is "Added units on /data" there
_DONE = {"add": "Added", "delete": "Deleted", "rename": "Renamed", "duplicate": "Duplicated", "paste": "Pasted",
         "write": "Wrote", "fill": "Filled", "store": "Stored", "set": "Set"}


def done_message(description: str) -> str:
    """"Set units on /data (Ctrl+Z to undo)", "Added gain on /data (Ctrl+Z to undo)": the status line
    after an edit, in the past tense."""
    verb, _, rest = description.partition(" ")
    done = _DONE.get(verb.lower(), verb[:1].upper() + verb[1:])
    return f"{done}{' ' + rest if rest else ''} (Ctrl+Z to undo)"


def redo_shortcuts(platform: list[QKeySequence]) -> list[QKeySequence]:
    """Ctrl+Shift+Z and Ctrl+Y, then the platform's other Redo keys, each once: a key sequence given
    twice to one action makes Qt call it ambiguous and do nothing (Ctrl+Shift+Z on X11)."""
    out: list[QKeySequence] = []
    seen: set[str] = set()
    for seq in [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"), *platform]:
        text = seq.toString()
        if text and text not in seen:
            seen.add(text)
            out.append(seq)
    return out


class FileUndo(QObject):
    """One undo stack per file; Undo and Redo act on the stack of the selected file."""

    def __init__(self, parent: QObject, session: Session, notifier: Notifier) -> None:
        super().__init__(parent)
        self.session = session
        self.notifier = notifier
        self.group = QUndoGroup(self)
        self.stacks: dict[str, QUndoStack] = {}
        self.undo_action = QAction(icon("undo"), "&Undo", parent)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setIconText("Undo")  # the toolbar button keeps its width; the text is the tooltip
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction(icon("redo"), "&Redo", parent)
        self.redo_action.setShortcuts(redo_shortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)))
        self.redo_action.setIconText("Redo")
        self.redo_action.triggered.connect(self.redo)
        self.group.indexChanged.connect(lambda _i: self.update_actions())
        self.group.activeStackChanged.connect(lambda _s: self.update_actions())
        self.update_actions()

    # ------------------------------------------------------------------ stacks
    def stack(self, file: str) -> QUndoStack:
        """The stack of ``file`` (made on first use)."""
        stack = self.stacks.get(file)
        if stack is None:
            stack = QUndoStack(self.group)
            self.stacks[file] = stack
        return stack

    def active_file(self) -> str:
        active = self.group.activeStack()
        return next((f for f, s in self.stacks.items() if s is active), "")

    def follow(self, file: str) -> None:
        """The selection is in ``file`` now: Undo and Redo act on its stack."""
        stack = self.stacks.get(file)  # a file without edits has no history yet
        if stack is not None:
            self.group.setActiveStack(stack)
        else:
            self.group.setActiveStack(None)  # type: ignore[arg-type]
        self.update_actions()

    def forget(self, file: str) -> None:
        """``file`` was closed: its history goes with it."""
        stack = self.stacks.pop(file, None)
        if stack is not None:
            self.group.removeStack(stack)
            stack.deleteLater()
        self.update_actions()

    def push(self, command: EditCommand[Any]) -> None:
        """An edit of ``command.file`` ran: put it on that file's stack."""
        stack = self.stack(command.file)
        command.stack = stack
        stack.push(command)
        shown = self.session.shown
        if self.group.activeStack() is None or command.file == (shown[0] if shown else self.session.top_file()):
            self.group.setActiveStack(stack)
        self.update_actions()

    # ------------------------------------------------------------------ the actions
    def _next(self, redo: bool) -> tuple[QUndoStack, EditCommand[Any]] | None:
        stack = self.group.activeStack()
        if stack is None or not (stack.canRedo() if redo else stack.canUndo()):
            return None
        cmd = stack.command(stack.index() if redo else stack.index() - 1)
        return (stack, cmd) if isinstance(cmd, EditCommand) else None

    def undo(self) -> None:
        self._step(redo=False)

    def redo(self) -> None:
        self._step(redo=True)

    def _step(self, redo: bool) -> None:
        found = self._next(redo)
        if found is None:
            self.notifier.show_status(f"Nothing to {'redo' if redo else 'undo'} in this file")
            return
        stack, cmd = found
        reason = self.session.read_only_reason(cmd.file)
        if reason:  # refused: the stack stays where it is
            self.notifier.show_error(reason)
            return
        if redo:
            stack.redo()
        else:
            stack.undo()

    def update_actions(self) -> None:
        for action, redo, verb in ((self.undo_action, False, "Undo"), (self.redo_action, True, "Redo")):
            found = self._next(redo)
            text = f"{verb} {found[1].description}" if found else verb
            action.setText(f"&{text}")
            action.setIconText(verb)
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if found is not None and not self.session.is_writable(found[1].file):
                action.setToolTip(f"{text}: {self.session.read_only_reason(found[1].file)}")
            else:
                action.setToolTip(f"{text} ({keys})" if found else f"Nothing to {verb.lower()} in this file")
            action.setEnabled(found is not None and self.session.is_writable(found[1].file))

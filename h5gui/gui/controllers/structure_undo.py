"""Undo and redo of structure edits (new group, dataset and link, rename, move, copy): each edit is
recorded, once it ran, as the I/O jobs that undo it and those that make it again, on the undo stack of
the file it changed. Deleting is not undone (nothing keeps a copy of what was deleted)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.gui.session import Notifier
from h5gui.gui.undo import EditCommand, FileUndo
from h5gui.gui.workers import JobRunner

Op = tuple[FuncRef, tuple[Any, ...], dict[str, Any]]  # one job: function, arguments, keyword arguments
Change = tuple[str, str, str | None]  # (file, group that changed, path to select or None)


def op(fn: FuncRef, *args: Any, **kwargs: Any) -> Op:
    return (fn, args, kwargs)


@dataclass(frozen=True)
class Steps:
    """What one undo or redo runs, in order, and the groups it changes."""

    ops: tuple[Op, ...]
    changes: tuple[Change, ...]


#: jobs after which the object at ``args[1]`` is gone from its place
_REMOVING = (api.structure.delete, api.structure.rename, api.structure.move)


class StructureUndo:
    """Records structure edits on the file's undo stack and replays them."""

    def __init__(self, runner: JobRunner, notifier: Notifier, undo: FileUndo | None) -> None:
        self.runner = runner
        self.notifier = notifier
        self.undo = undo

    def record(self, description: str, file: str, undo: Steps, redo: Steps) -> None:
        if self.undo is not None:
            self.undo.push(EditCommand(description, undo, redo, self.apply, file=file))

    def apply(self, steps: Steps, message: str, failed: Callable[[], None]) -> None:
        """Run ``steps`` one job after the other; ``failed()`` (the stack goes back) when one fails."""
        ops = list(steps.ops)

        def changed() -> None:
            for file, group, select in steps.changes:
                self.notifier.group_changed(file, group, select)

        def run_next(_result: object = None) -> None:
            if not ops:
                self.notifier.show_status(message)
                changed()
                return
            fn, args, kwargs = ops.pop(0)
            if fn in _REMOVING:
                self.notifier.object_removed(args[0], args[1])
            self.runner.submit(fn, *args, on_result=run_next, on_error=refused, **kwargs)

        def refused(err: H5GuiError) -> None:
            failed()
            self.notifier.show_error(f"{message.split(':', 1)[0]} failed: {err}")
            changed()

        run_next()

"""Undo and redo of structure edits (new group, dataset and link, rename, move, copy, delete): each edit
is recorded, once it ran, as the I/O jobs that undo it and those that make it again, on the undo stack of
the file it changed.

Before a delete, an object of at most KEEP_BYTES is exported to a scratch file of the session (a
temporary folder removed when the window closes); undoing copies it back. A link is made again from its target. A
larger object, or one that other hard links keep, is deleted without undo (the status line says so). On an
HSDS domain the object outlives its link: undo links the same object id again (:mod:`h5gui.core.hsds.structure`)."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.core.routes import is_hsds
from h5gui.gui.session import Notifier
from h5gui.gui.undo import EditCommand, FileUndo
from h5gui.gui.workers import JobRunner

if TYPE_CHECKING:
    from h5gui.core.nodes.records import ChildInfo
    from h5gui.core.structure.records import CopyReport, DeleteInfo

KEEP_BYTES = 64 * 2**20  # objects up to this size are kept (in a scratch file) so that a delete can be undone

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
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._numbers = itertools.count(1)

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

    # ------------------------------------------------------------------ delete
    def before_delete(self, info: DeleteInfo, row: ChildInfo | None, then: Callable[[Steps | None, str], None]) -> None:
        """Prepare the undo of deleting ``info.path`` and call ``then(undo steps or None, why not)``: a
        link is made again from its target; an object of at most KEEP_BYTES is first exported to a scratch
        file, which undo copies back."""
        file, path = info.file, info.path
        parent = os.path.dirname(path) or "/"
        back = ((file, parent, path),)
        links = ("soft_link", "external_link", "dangling_link")
        if row is not None and row.kind in links and row.link_target:  # a link is made again from its target
            make = (op(api.structure.create_external_link, file, path, row.link_file, row.link_target) if row.link_file
                    else op(api.structure.create_soft_link, file, path, row.link_target))
            then(Steps((make,), back), "")
            return
        if is_hsds(file) and self.undo is not None:
            self._before_domain_delete(file, path, back, then)
            return
        if info.kind not in ("group", "dataset") or self.undo is None:
            then(None, "")
            return
        if info.other_links:
            then(None, "other links keep the object: it cannot be undone")
            return
        if info.nbytes > KEEP_BYTES:
            then(None, "too large to keep a copy: it cannot be undone")
            return
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="h5gui-undo-")
        copy = os.path.join(self._scratch.name, f"deleted-{next(self._numbers)}.h5")

        def kept(report: CopyReport) -> None:
            then(Steps((op(api.structure.copy, copy, report.dest_path, file, path),), back), "")

        def not_kept(err: H5GuiError) -> None:
            then(None, f"no copy could be kept ({err}): it cannot be undone")

        self.runner.submit(api.structure.export_hdf5, file, path, copy, on_result=kept, on_error=not_kept)

    def _before_domain_delete(self, file: str, path: str, back: tuple[Change, ...],
                              then: Callable[[Steps | None, str], None]) -> None:
        """On an HSDS domain the object outlives its link: undo links the same object id again."""

        def got(oid: str) -> None:
            if oid:
                then(Steps((op(api.remote.hsds_relink, file, path, oid),), back), "")
            else:
                then(None, "it cannot be undone")

        def no_id(err: H5GuiError) -> None:
            then(None, f"it cannot be undone ({err})")

        self.runner.submit(api.remote.hsds_link_id, file, path, on_result=got, on_error=no_id)

    def close(self) -> None:
        """Remove the copies kept for undoing deletes."""
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

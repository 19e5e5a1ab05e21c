"""Dataset values edited in the preview's table (typed or pasted): written in the I/O process through
``h5gui.core.values``, pushed onto the undo stack, refused with the reason when they do not fit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.gui.controllers.base import Controller
from h5gui.gui.session import READ_ONLY_HINT, Notifier, Session
from h5gui.gui.undo import EditCommand, FileUndo, done_message
from h5gui.gui.widgets.preview.panel import PreviewPanel
from h5gui.gui.workers import JobRunner

if TYPE_CHECKING:
    from h5gui.core.values.records import BlockWrite, ValueEdit


class ValueActions(Controller):
    """Writes the blocks of values the preview's table asks for (``PreviewPanel.write_requested``)."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier,
                 preview: PreviewPanel, undo: FileUndo) -> None:
        super().__init__(parent, session, runner, notifier)
        self.preview = preview
        self.undo = undo

    def write(self, file: str, path: str, row0: int, col0: int, rows: list[list[str]], axes: tuple[int, int] | None,
              index: tuple[int, ...]) -> None:
        if not self.session.is_writable(file):
            self.notifier.show_error(READ_ONLY_HINT)
            return
        self.runner.submit(api.values.write_block, file, path, row0, col0, rows, axes=axes, index=index,
                           on_result=self._written, on_error=self._failed)

    def _written(self, edit: ValueEdit) -> None:
        self.undo.push(EditCommand(edit.description, edit.undo, edit.redo, self.apply, file=edit.redo.file))
        self.notifier.show_status(done_message(edit.description))
        self.preview.refresh_table()

    def _failed(self, err: H5GuiError) -> None:
        self.notifier.show_error(err)
        self.preview.banner.show_message(str(err), "error")

    def apply(self, write: BlockWrite, message: str, failed: Callable[[], None]) -> None:
        """Undo/redo: write the recorded block again in the I/O process (``failed()`` when it did not)."""
        def applied(_old: object) -> None:
            self.notifier.show_status(message)
            self.preview.refresh_table()

        def refused(err: H5GuiError) -> None:
            failed()
            self._failed(err)

        self.runner.submit(api.values.apply, write, on_error=refused, on_result=applied)

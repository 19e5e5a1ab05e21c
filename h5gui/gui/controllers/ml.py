"""The machine-learning views of a dataset (issue 14): Statistics..., Samples... and Copy loader
code..., each a non-modal dialog whose work runs in the I/O process."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from h5gui.core import api
from h5gui.core.attrs.records import AttrEdit, AttrValue
from h5gui.core.errors import H5GuiError
from h5gui.core.stats.records import STORED_ATTRS
from h5gui.gui.controllers.base import Controller
from h5gui.gui.controllers.files import FileActions
from h5gui.gui.models.tree_nodes import Node
from h5gui.gui.session import Notifier, Session
from h5gui.gui.undo import EditCommand, FileUndo, done_message
from h5gui.gui.workers import JobRunner

log = logging.getLogger(__name__)


class MLActions(Controller):
    """Dataset > Statistics..., Samples..., Copy loader code...; ``current`` is the last dialog opened."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier,
                 files: FileActions) -> None:
        super().__init__(parent, session, runner, notifier)
        self.files = files
        self.current: QDialog | None = None
        self._before: dict[tuple[str, str], list[AttrValue]] = {}  # statistics attributes before a store

    def _dataset(self, what: str) -> Node | None:
        node = self.session.current_object()
        if node is None or not node.is_dataset or node.info is None:
            self.notifier.show_error(f"Select a dataset to {what}")
            return None
        return node

    def _show(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.current = dialog
        dialog.show()

    def ensure_writable(self, file: str, then: Callable[[], None]) -> None:
        """Call ``then`` now if ``file`` is open for editing, else ask to enable editing first."""
        if self.session.is_writable(file):
            then()
            return
        answer = QMessageBox.question(
            self.parent, "Enable editing?",
            f"Storing the statistics writes attributes into {os.path.basename(file)}, which is open read-only.\n"
            "Enable editing for it?")
        if answer == QMessageBox.StandardButton.Yes:
            self.files.enable_editing_then(file, then)

    def open_stats(self) -> None:
        from h5gui.gui.widgets.stats_view import StatsDialog

        node = self._dataset("see its statistics")
        if node is None:
            return
        assert node.info is not None
        path = node.path
        dialog = StatsDialog(self.parent, self.runner, node.file, node.path, node.info.shape or (),
                             lambda file, then: self.ensure_writable(file, lambda: self._before_store(file, path, then)))
        dialog.stored.connect(self._stored)
        self._show(dialog)
        dialog.compute()

    # ------------------------------------------------------------------ storing is undoable
    def _before_store(self, file: str, path: str, store: Callable[[], None]) -> None:
        """Keep the statistics attributes the dataset has now (for Undo), then store."""

        def kept(values: list[AttrValue]) -> None:
            self._before[(file, path)] = values
            store()

        def unreadable(err: H5GuiError) -> None:  # stored anyway, without an undo step
            log.warning("cannot keep the attributes of %s in %s for undo: %s", path, file, err)
            self._before.pop((file, path), None)
            store()

        self.runner.submit(api.attrs.get_attr_values, file, path, list(STORED_ATTRS), missing_ok=True,
                           on_result=kept, on_error=unreadable)

    def _stored(self, file: str, path: str) -> None:
        self.notifier.object_written(file, path)
        before = self._before.pop((file, path), None)
        if before is None:
            self.notifier.show_status(f"Stored the statistics of {path} as its attributes")
            return

        def pushed(after: list[AttrValue]) -> None:
            names = tuple(dict.fromkeys([v.name for v in before] + [v.name for v in after]))
            undo = AttrEdit(file, path, removed=names, values=tuple(before))
            redo = AttrEdit(file, path, removed=names, values=tuple(after))
            description = f"store the statistics of {path}"
            attributes = getattr(self.parent, "attributes", None)
            if self.undo is not None and attributes is not None:
                self.undo.push(EditCommand(description, (undo,), (redo,), attributes.apply, file=file))
            self.notifier.show_status(done_message(f"stored the statistics of {path} as its attributes"))

        self.runner.submit(api.attrs.get_attr_values, file, path, list(STORED_ATTRS), missing_ok=True,
                           on_result=pushed, on_error=self.notifier.show_error)

    @property
    def undo(self) -> FileUndo | None:
        undo = getattr(self.parent, "undo", None)
        return undo if isinstance(undo, FileUndo) else None

    def open_samples(self) -> None:
        from h5gui.gui.widgets.sample_grid import SampleGridDialog

        node = self.session.current_object()
        if node is not None and not node.is_dataset and (
                node.kind == "file" or (node.info is not None and node.info.is_group_like)):
            # a group of an import (a class folder, a split, encoded images): its 'images'
            path = node.path.rstrip("/") + "/images"
        else:
            node = self._dataset("see its samples (or a group with an 'images' dataset)")
            if node is None:
                return
            path = node.path
        file = node.file
        dialog = SampleGridDialog(self.parent, self.runner, file, path)
        dialog.open_index.connect(lambda i: self._open_sample(file, path, i))
        self._show(dialog)
        dialog.load()

    def _open_sample(self, file: str, path: str, index: int) -> None:
        """Select the dataset and, once the preview shows it, move its first-axis slider to ``index``."""
        self.notifier.show_status(f"{path}: sample #{index}")
        select = getattr(self.parent, "select_path", None)
        if callable(select):
            select(file, path)
        preview = getattr(self.parent, "preview", None)
        if preview is None:
            return
        tries = [50]  # 5 s at most: the preview reads the dataset's facts in the I/O process first

        def poll() -> None:
            info = preview.info
            if info is not None and info.file == file and info.path == path and 0 in preview.axes_bar.sliders:
                preview.axes_bar.set_position(0, index)
                return
            tries[0] -= 1
            if tries[0] > 0:
                QTimer.singleShot(100, poll)

        poll()

    def open_loader(self, kind: str = "torch") -> None:
        from h5gui.gui.widgets.loader_dialog import LoaderDialog

        node = self._dataset("write a loader for it")
        if node is None:
            return
        self._show(LoaderDialog(self.parent, self.runner, node.file, node.path, kind))

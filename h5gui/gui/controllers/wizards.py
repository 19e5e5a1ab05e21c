"""Opening the wizards (import an image folder, transform a dataset) and showing what they wrote."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from h5gui.gui.controllers.base import Controller
from h5gui.gui.controllers.files import FileActions
from h5gui.gui.dataset_kinds import holds_numbers, is_number_dtype
from h5gui.gui.session import Notifier, Session
from h5gui.gui.workers import JobRunner

if TYPE_CHECKING:  # imported with the wizards, when first opened
    from h5gui.core import importer, transform


class WizardActions(Controller):
    """File > Import image folder... and Transform dataset...; ``current`` is the last wizard opened."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier,
                 files: FileActions) -> None:
        super().__init__(parent, session, runner, notifier)
        self.files = files
        self.current: QWizard | None = None

    def _show(self, wizard: QWizard) -> None:
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.current = wizard
        wizard.show()

    def open_import(self, source: str = "") -> None:
        from h5gui.gui.wizards.import_folder import ImportWizard

        wizard = ImportWizard(self.parent, self.session, self.runner, source)
        wizard.imported.connect(self._imported)
        self._show(wizard)

    def _imported(self, report: importer.ImportReport) -> None:
        self.notifier.show_status(f"Imported {report.n_imported:,} images into {report.target}:{report.group}"
                                  + (f", {report.n_skipped:,} skipped" if report.n_skipped else ""))
        self.notifier.object_written(report.target, report.group)

    def open_transform(self) -> None:
        node = self.session.current_node()
        if node is None or node.info is None or not node.is_dataset:
            self.notifier.show_error("Select a dataset to transform")
            return
        if not holds_numbers(node.info):  # said before asking to enable editing for nothing
            self.notifier.show_error(f"{node.path} is empty: nothing to transform" if is_number_dtype(node.info.dtype)
                                     else f"{node.path} holds {node.info.dtype} values: transform works on numbers")
            return
        if not self.session.is_writable(node.file):
            answer = QMessageBox.question(
                self.parent, "Enable editing?",
                f"The transform writes a new dataset into {os.path.basename(node.file)}, which is open read-only.\n"
                "Enable editing for it?")
            if answer == QMessageBox.StandardButton.Yes:
                self.files.enable_editing_then(node.file, self.open_transform)
            return
        from h5gui.gui.wizards.transform import TransformWizard

        info = node.info
        others = [n.path for n in self.session.selection.selected_nodes()  # a multi-selection: the same operations
                  if n.is_dataset and n.file == node.file and n.path != node.path]
        wizard = TransformWizard(self.parent, self.runner, node.file, node.path, info.shape or (), info.dtype, others)
        wizard.transformed.connect(self._transformed)
        self._show(wizard)

    def _transformed(self, report: transform.TransformReport) -> None:
        self.notifier.show_status(f"Wrote {report.dest} in {report.seconds:.1f} s")
        self.notifier.object_written(report.file, report.dest)

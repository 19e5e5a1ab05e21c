"""Getting data out: export a dataset or the frame shown (.npy, .csv, .png, .tif), a group to a new HDF5
file, a stack as image files, the image as drawn, and Python code that reads a dataset."""

from __future__ import annotations

import os
from typing import Protocol

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from h5gui.core import api
from h5gui.gui.controllers.base import Controller
from h5gui.gui.models.tree_nodes import Node
from h5gui.gui.session import Notifier, Session
from h5gui.gui.workers import JobRunner

PICTURE_EXTENSIONS = (".png", ".tif", ".tiff")


class ShownFrame(Protocol):
    """What the preview shows (the preview panel implements it)."""

    def frame_index(self) -> tuple[int, ...]:
        """The index on the axes before the image axes of the frame shown (() unless a stack is shown)."""

    def shown_image_style(self) -> tuple[tuple[float, float], str | None] | None:
        """(levels, colormap; None for colour) of the image on screen, or None when none is shown."""

    def shown_plane(self) -> tuple[str, str, tuple[int, int, int | None], tuple[int, ...]] | None:
        """(file, path, image axes, index on every axis) of the image on screen, or None when none is."""

    def shown_image_log(self) -> bool:
        """Whether the image on screen is drawn on a log scale."""

    def shown_complex_part(self) -> str:
        """What the image view shows of complex values (abs, phase, real, imag)."""


class ExportActions(Controller):
    """File > Export..., Export stack as images, Export shown image; Copy as h5py / PyTorch code."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier,
                 settings: QSettings, frame: ShownFrame) -> None:
        super().__init__(parent, session, runner, notifier)
        self.settings = settings
        self.frame = frame

    def _dataset(self, message: str) -> Node | None:
        """The current object when it is a dataset; otherwise say ``message``."""
        node = self.session.current_object()
        if node is None or not node.is_dataset:
            self.notifier.show_error(message)
            return None
        return node

    def export(self) -> None:
        node = self.session.current_object()
        if node is not None and (node.kind == "file" or (node.info is not None and node.info.is_group_like)):
            self.export_group(node)
            return
        node = self._dataset("Select a dataset or a group to export")
        if node is None:
            return
        start = os.path.join(self._start_dir(node), node.name)
        out, _ = QFileDialog.getSaveFileName(
            self.parent, f"Export {node.path}", start + ".npy",
            "NumPy (*.npy);;CSV (*.csv);;TSV (*.tsv);;PNG image (*.png);;TIFF image (*.tif)")
        if not self._chosen(out):
            return
        path = node.path
        where: dict[str, object] = {"index": self.frame.frame_index()}
        plane = self._plane(node)
        if plane is not None and os.path.splitext(out)[1].lower() in PICTURE_EXTENSIONS:
            where = {"axes": plane[2], "index": plane[3]}  # the picture on screen, channels last
        self.run_with_dialog(f"Exporting {path}", api.export.export, node.file, path, out, overwrite=True,
                             on_result=lambda r: self.notifier.show_status(f"Exported {path} to {r.out}"), **where)

    def _start_dir(self, node: Node) -> str:
        """Where a save dialog opens: the folder of the last export, else the folder of ``node``'s file
        (not the folder h5gui was started from), else the home folder."""
        last = str(self.settings.value("last_export_dir", "") or "")
        if last and os.path.isdir(last):
            return last
        folder = os.path.dirname(os.path.abspath(node.file)) if "://" not in node.file else ""
        return folder if folder and os.path.isdir(folder) else os.path.expanduser("~")

    def _chosen(self, out: str) -> str:
        """Remember the folder of a chosen output for the next export."""
        if out:
            self.settings.setValue("last_export_dir", os.path.dirname(out) if not os.path.isdir(out) else out)
        return out

    def _plane(self, node: Node) -> tuple[str, str, tuple[int, int, int | None], tuple[int, ...]] | None:
        """What the image view shows, when it shows ``node``."""
        plane = self.frame.shown_plane()
        return plane if plane is not None and plane[:2] == (node.file, node.path) else None

    def export_group(self, node: Node) -> None:
        out, _ = QFileDialog.getSaveFileName(self.parent, f"Export {node.path} to a new HDF5 file",
                                             os.path.join(self._start_dir(node), (node.name or "root") + ".h5"),
                                             "HDF5 (*.h5 *.hdf5)")
        if self._chosen(out):
            self.run_with_dialog(f"Exporting {node.path}", api.structure.export_hdf5, node.file, node.path, out,
                                 on_result=self.done(f"Exported {node.path} to {out}"))

    def export_stack(self) -> None:
        node = self._dataset("Select a stack of images to export")
        if node is None:
            return
        folder = QFileDialog.getExistingDirectory(self.parent, f"Empty folder for the images of {node.path}",
                                                  self._start_dir(node))
        if self._chosen(folder):
            self.run_with_dialog(f"Exporting {node.path} as images", api.export.export_stack, node.file, node.path,
                                 folder, on_result=lambda r: self.notifier.show_status(
                                     f"Wrote {r.count:,} images to {folder}"))

    def export_shown_image(self) -> None:
        """The frame as the image view shows it: current levels and colormap, 8-bit PNG."""
        node = self.session.current_object()
        style = self.frame.shown_image_style()
        plane = self._plane(node) if node is not None else None
        if node is None or style is None or plane is None:
            self.notifier.show_error("Show a dataset as an image first")
            return
        out, _ = QFileDialog.getSaveFileName(self.parent, "Export the shown image",
                                             os.path.join(self._start_dir(node), node.name + ".png"),
                                             "PNG image (*.png);;TIFF image (*.tif)")
        if not self._chosen(out):
            return
        levels, cmap = style
        self.run_with_dialog(f"Exporting {node.path}", api.export.export, node.file, node.path, out,
                             axes=plane[2], index=plane[3], levels=levels, colormap=cmap, overwrite=True,
                             log=self.frame.shown_image_log(), complex_part=self.frame.shown_complex_part(),
                             on_result=lambda r: self.notifier.show_status(f"Exported the shown image to {r.out}"))

    def copy_as_code(self, torch: bool = False) -> None:
        node = self._dataset("Select a dataset first")
        if node is None:
            return
        path = node.path

        def copied(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self.notifier.show_status(f"Copied code that reads {path} to the clipboard")

        self.runner.submit(api.export.snippet, node.file, path, torch=torch, on_error=self.notifier.show_error,
                           on_result=copied)

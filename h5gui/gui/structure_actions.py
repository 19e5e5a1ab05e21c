"""Structure editing from the tree: new group, rename (F2), delete (Del) with a confirmation that says
what goes, copy/paste objects between open files, export, compact, copy as code, and Find.

Every change runs on the I/O thread through ``h5gui.core.structure`` / ``export`` / ``search``; the tree
re-lists only the group that changed, so expansion and selection elsewhere stay as they were."""

from __future__ import annotations

import os
import posixpath
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from h5gui.core import codecs, nodes, search, snippets, structure
from h5gui.core import export as core_export
from h5gui.core.errors import H5GuiError
from h5gui.core.parsing import parse_ints
from h5gui.core.paths import join
from h5gui.core.text import format_bytes
from h5gui.gui.widgets.progress_panel import ProgressPanel
from h5gui.gui.workers import Box

if TYPE_CHECKING:
    from h5gui.gui.main_window import MainWindow
    from h5gui.gui.models.tree_model import Node


class JobDialog(QDialog):
    """A small dialog showing the progress of one long job, with Cancel."""

    def __init__(self, parent: QWidget, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.progress = ProgressPanel(self)
        layout.addWidget(self.progress)
        self.progress.done.connect(self.accept)
        self.resize(480, 100)


class FindDialog(QDialog):
    """Find (Ctrl+F): names (substring, glob, regex) and attributes across the whole file, results
    streaming in as they are found; activating one selects it in the tree."""

    hit_activated = Signal(str, str)  # file, path
    hits_found = Signal(object)  # tuple of SearchHit, from the I/O thread

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Find")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.pattern = QLineEdit(self)
        self.pattern.setPlaceholderText("name, glob (img_*), or regular expression")
        self.mode = QComboBox(self)
        self.mode.addItems(["substring", "glob", "regex"])
        self.where = QComboBox(self)
        self.where.addItem("names", False)
        self.where.addItem("names and attributes", True)
        self.go = QPushButton("Find", self)
        self.go.setDefault(True)
        for w in (self.pattern, self.mode, self.where, self.go):
            row.addWidget(w)
        layout.addLayout(row)
        self.files = QComboBox(self)
        layout.addWidget(self.files)
        self.results = QListWidget(self)
        layout.addWidget(self.results, 1)
        self.progress = ProgressPanel(self)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel("", self)
        layout.addWidget(self.status)
        self.go.clicked.connect(self.start)
        self.pattern.returnPressed.connect(self.start)
        self.results.itemActivated.connect(self._activate)
        self.hits_found.connect(self._add_hits, Qt.ConnectionType.QueuedConnection)
        self.resize(620, 480)
        self._gen = 0

    def showEvent(self, event: Any) -> None:  # noqa: N802
        current = self.files.currentData()
        self.files.clear()
        for f in self.window.model.files():
            self.files.addItem(os.path.basename(f), f)
        i = self.files.findData(current or self.window._current_top_file())
        self.files.setCurrentIndex(max(0, i))
        super().showEvent(event)

    def start(self) -> None:
        file = self.files.currentData()
        text = self.pattern.text()
        if not file or not text:
            return
        if self.progress.running():
            self.progress.cancel()
        self._gen += 1
        gen = self._gen
        self.results.clear()
        self.status.setText("")
        self.progress.show()
        job = self.window.runner.submit(
            search.search, file, text, mode=self.mode.currentText(), attrs=self.where.currentData(),
            on_hits=lambda hits, g=gen: self.hits_found.emit(Box((g, tuple(hits)))),
            on_result=lambda report, g=gen: self._done(g, report), on_error=self._error, key="find",
        )
        self.progress.attach(job, f"Searching {os.path.basename(file)}...")

    def _add_hits(self, box: Box) -> None:
        gen, hits = box.value
        if gen != self._gen:
            return
        for h in hits:
            item = QListWidgetItem(h.text)
            item.setData(Qt.ItemDataRole.UserRole, (h.file, h.path))
            self.results.addItem(item)
        self.status.setText(f"{self.results.count():,} found so far")

    def _done(self, gen: int, report: Any) -> None:
        if gen != self._gen:
            return
        self.progress.hide()
        more = " (stopped at the limit)" if report.truncated else ""
        self.status.setText(f"{self.results.count():,} found among {report.visited:,} objects{more}")

    def _error(self, err: H5GuiError) -> None:
        self.progress.hide()
        self.status.setText(str(err))

    def _activate(self, item: QListWidgetItem) -> None:
        file, path = item.data(Qt.ItemDataRole.UserRole)
        self.hit_activated.emit(file, path)


class NewDatasetDialog(QDialog):
    """Name, shape, dtype, chunks, compression and fill value of a new dataset."""

    def __init__(self, parent: QWidget, group: str) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QDialogButtonBox, QFormLayout

        self.setWindowTitle(f"New dataset in {group}")
        form = QFormLayout(self)
        self.name = QLineEdit(self)
        self.shape = QLineEdit(self)
        self.shape.setPlaceholderText("e.g. 100, 28, 28 (empty: scalar)")
        self.dtype = QComboBox(self)
        self.dtype.addItems(["float32", "float64", "uint8", "uint16", "int32", "int64", "int16", "int8", "bool",
                             "float16", "complex64", "string"])
        self.chunks = QLineEdit(self)
        self.chunks.setPlaceholderText("automatic when compressed; e.g. 1, 28, 28")
        self.compression = QComboBox(self)
        self.compression.addItems(["none", *codecs.MENU])
        self.fill = QLineEdit(self)
        self.fill.setPlaceholderText("0")
        for label, w in (("Name", self.name), ("Shape", self.shape), ("Datatype", self.dtype), ("Chunks", self.chunks),
                         ("Compression", self.compression), ("Fill value", self.fill)):
            form.addRow(label, w)
        self.reason = QLabel("", self)
        self.reason.setStyleSheet("color: #c62828;")
        form.addRow(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def values(self) -> dict[str, Any]:
        shape = parse_ints(self.shape.text(), "the shape")
        chunks = parse_ints(self.chunks.text(), "the chunk shape") or None
        comp = self.compression.currentText()
        out: dict[str, Any] = {"shape": shape, "dtype": self.dtype.currentText(), "chunks": chunks,
                               "compression": None if comp == "none" else comp}
        if self.fill.text().strip():
            out["fillvalue"] = float(self.fill.text()) if self.dtype.currentText() != "string" else self.fill.text()
        return out

    def _check(self) -> None:
        try:
            if not self.name.text():
                raise H5GuiError("the dataset needs a name")
            self.values()
        except H5GuiError as exc:
            self.reason.setText(str(exc))
            return
        except ValueError as exc:  # the fill value
            self.reason.setText(f"not a valid number: {exc}")
            return
        self.accept()


class StructureActions:
    """Tree edits and exports for the main window (the window owns the actions and menus)."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self._clipboard: tuple[str, str] | None = None  # (file, path) of a copied object
        self._cut = False  # the clipboard object moves (same file) instead of being copied
        self.find_dialog: FindDialog | None = None

    # ------------------------------------------------------------------ helpers
    def _node(self) -> Node | None:
        node = self.w.current_node()
        return node if node is not None and node.is_real else None

    def _group_of(self, node: Node) -> tuple[str, str]:
        """(file, group path) where new objects go for the selected node."""
        if node.kind == "file":
            return node.file, "/"
        if node.info is not None and node.info.is_group_like and node.info.kind != nodes.EXTERNAL_LINK:
            return node.file, node.path
        return node.file, posixpath.dirname(node.path) or "/"

    def _run(self, title: str, fn: Any, *args: Any, on_result: Any, **kwargs: Any) -> None:
        dialog = JobDialog(self.w, title)
        job = self.w.runner.submit(fn, *args, on_result=on_result, on_error=self.w.show_error, **kwargs)
        dialog.progress.attach(job, title + "...")
        dialog.show()

    def _target_group(self) -> tuple[str, str] | None:
        """(file, group) where a new object goes, when that file is writable."""
        node = self._node()
        if node is None:
            return None
        file, group = self._group_of(node)
        return (file, group) if self.w.require_writable(file) else None

    def _ask_new_path(self, what: str) -> tuple[str, str, str] | None:
        """(file, group, path) of a new object named by the user."""
        target = self._target_group()
        if target is None:
            return None
        file, group = target
        name, ok = QInputDialog.getText(self.w, f"New {what}", f"Name of the new {what} in {group}:")
        if not ok or not name:
            return None
        return file, group, join(group, name)

    # ------------------------------------------------------------------ actions
    def new_group(self) -> None:
        asked = self._ask_new_path("group")
        if asked is None:
            return
        file, group, path = asked
        self.w.runner.submit(structure.create_group, file, path, on_error=self.w.show_error,
                             on_result=lambda _row: (self.w.show_status(f"Created group {path}"),
                                                     self.w.show_changed(file, group, path)))

    def rename(self) -> None:
        node = self._node()
        if node is None or node.kind == "file":
            return
        if not self.w.require_writable(node.file):
            return
        name, ok = QInputDialog.getText(self.w, "Rename", f"New name for {node.path}:", text=node.name)
        if not ok or not name or name == node.name:
            return
        parent = posixpath.dirname(node.path) or "/"
        file, old = node.file, node.path
        new = join(parent, name)
        self.w.runner.submit(structure.rename, file, old, name, on_error=self.w.show_error,
                             on_result=lambda _row: (self.w.show_status(f"Renamed {old} to {new}"),
                                                     self.w.show_changed(file, parent, new)))

    def delete(self) -> None:
        node = self._node()
        if node is None or node.kind == "file":
            return
        if not self.w.require_writable(node.file):
            return
        file, path = node.file, node.path
        self.w.runner.submit(structure.delete_info, file, path, on_error=self.w.show_error,
                             on_result=lambda info: self._confirm_delete(file, path, info))

    def _confirm_delete(self, file: str, path: str, info: structure.DeleteInfo) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete", info.text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self.w)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("confirm_delete")
        self.w._last_confirmation = box  # tests answer it
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        parent = posixpath.dirname(path) or "/"
        self.w.runner.submit(structure.delete, file, path, on_error=self.w.show_error,
                             on_result=lambda report: (self.w.show_status(report.text + "  (File > Compact file... "
                                                                          "gives the space back)"),
                                                       self.w.show_changed(file, parent)))

    def copy(self) -> None:
        node = self._node()
        if node is None or node.kind == "file":
            return
        self._clipboard = (node.file, node.path)
        self._cut = False
        QGuiApplication.clipboard().setText(node.path)
        self.w.show_status(f"Copied {node.path}: select a group (in any writable file) and Paste object")

    def drop(self, src_file: str, src_path: str, file: str, group: str) -> None:
        """Drag and drop in the tree: move within a file, copy into another file."""
        if not self.w.require_writable(file):
            return
        dest = join(group, posixpath.basename(src_path))
        if dest == src_path or (src_file == file and (group + "/").startswith(src_path + "/")):
            return
        if src_file == file:
            old_parent = posixpath.dirname(src_path) or "/"
            self.w.runner.submit(structure.move, file, src_path, dest, on_error=self.w.show_error,
                                 on_result=lambda _row: (self.w.show_status(f"Moved {src_path} to {dest}"),
                                                         self.w.show_changed(file, old_parent),
                                                         self.w.show_changed(file, group, dest)))
        else:
            self._run(f"Copying {src_path}", structure.copy, src_file, src_path, file, dest,
                      on_result=lambda _r: (self.w.show_status(f"Copied {src_path} to {os.path.basename(file)}:{dest}"),
                                            self.w.show_changed(file, group, dest)))

    def cut(self) -> None:
        node = self._node()
        if node is None or node.kind == "file" or not self.w.require_writable(node.file):
            return
        self._clipboard = (node.file, node.path)
        self._cut = True
        self.w.show_status(f"Cut {node.path}: select a group of the same file and Paste object to move it there")

    def paste(self) -> None:
        node = self._node()
        if node is None or self._clipboard is None:
            self.w.show_error("Copy an object first (right-click > Copy object)")
            return
        file, group = self._group_of(node)
        if not self.w.require_writable(file):
            return
        src_file, src_path = self._clipboard
        if self._cut:
            if src_file != file:
                self.w.show_error("Cut objects move within their file: use Copy object to copy into another file")
                return
            old_parent = posixpath.dirname(src_path) or "/"
            dest = join(group, posixpath.basename(src_path))
            self._cut = False
            self._clipboard = None
            self.w.runner.submit(structure.move, file, src_path, dest, on_error=self.w.show_error,
                                 on_result=lambda _row: (self.w.show_status(f"Moved {src_path} to {dest}"),
                                                         self.w.show_changed(file, old_parent),
                                                         self.w.show_changed(file, group, dest)))
            return
        name = posixpath.basename(src_path)
        dest = join(group, name)
        existing = set()
        idx = self.w.model.group_index(file, group)
        if idx.isValid():
            existing = {c.name for c in self.w.model.node(idx).children}
        i = 2
        while posixpath.basename(dest) in existing:
            dest, i = join(group, f"{name}_{i}"), i + 1
        self._run(f"Copying {src_path}", structure.copy, src_file, src_path, file, dest,
                  on_result=lambda report: (self.w.show_status(
                      f"Copied {report.objects:,} object(s), {format_bytes(report.nbytes)} to {dest}"),
                      self.w.show_changed(file, group, dest)))

    def export(self) -> None:
        node = self._node()
        if node is not None and (node.kind == "file" or (node.info is not None and node.info.is_group_like)):
            self.export_group(node)
            return
        if node is None or node.info is None or node.info.effective_kind != nodes.DATASET:
            self.w.show_error("Select a dataset or a group to export")
            return
        start = os.path.join(str(self.w.settings.value("last_export_dir", "") or os.getcwd()), node.name)
        out, _ = QFileDialog.getSaveFileName(
            self.w, f"Export {node.path}", start + ".npy",
            "NumPy (*.npy);;CSV (*.csv);;TSV (*.tsv);;PNG image (*.png);;TIFF image (*.tif)")
        if not out:
            return
        self.w.settings.setValue("last_export_dir", os.path.dirname(out))
        index = self._current_frame_index()
        self._run(f"Exporting {node.path}", core_export.export, node.file, node.path, out, index=index,
                  overwrite=True, on_result=lambda r: self.w.show_status(f"Exported {node.path} to {r.out}"))

    def export_group(self, node: Node) -> None:
        out, _ = QFileDialog.getSaveFileName(self.w, f"Export {node.path} to a new HDF5 file",
                                             os.path.join(os.getcwd(), (node.name or "root") + ".h5"),
                                             "HDF5 (*.h5 *.hdf5)")
        if out:
            self._run(f"Exporting {node.path}", structure.export_hdf5, node.file, node.path, out,
                      on_result=lambda _r: self.w.show_status(f"Exported {node.path} to {out}"))

    def export_stack(self) -> None:
        node = self._node()
        if node is None or node.info is None or node.info.effective_kind != nodes.DATASET:
            self.w.show_error("Select a stack of images to export")
            return
        folder = QFileDialog.getExistingDirectory(self.w, f"Empty folder for the images of {node.path}", os.getcwd())
        if folder:
            self._run(f"Exporting {node.path} as images", core_export.export_stack, node.file, node.path, folder,
                      on_result=lambda r: self.w.show_status(f"Wrote {r.count:,} images to {folder}"))

    def new_dataset(self) -> None:
        target = self._target_group()
        if target is None:
            return
        file, group = target
        dialog = NewDatasetDialog(self.w, group)
        if not dialog.exec():
            return
        path = join(group, dialog.name.text())
        self.w.runner.submit(structure.create_dataset, file, path, **dialog.values(), on_error=self.w.show_error,
                             on_result=lambda _row: (self.w.show_status(f"Created {path}"),
                                                     self.w.show_changed(file, group, path)))

    def export_shown_image(self) -> None:
        """The frame as the image view shows it: current levels and colormap, 8-bit PNG."""
        node = self._node()
        iv = self.w.preview.views_for.get("image") if self.w.preview.view == "image" else None
        if node is None or iv is None or iv.slice is None:  # type: ignore[attr-defined]
            self.w.show_error("Show a dataset as an image first")
            return
        out, _ = QFileDialog.getSaveFileName(self.w, "Export the shown image", os.path.join(os.getcwd(), node.name + ".png"),
                                             "PNG image (*.png);;TIFF image (*.tif)")
        if not out:
            return
        levels = iv._display_levels  # type: ignore[attr-defined]
        cmap = None if iv.slice.rgb else iv.colormap_name  # type: ignore[attr-defined]
        self._run(f"Exporting {node.path}", core_export.export, node.file, node.path, out,
                  index=self._current_frame_index(), levels=levels, colormap=cmap, overwrite=True,
                  on_result=lambda r: self.w.show_status(f"Exported the shown image to {r.out}"))

    def new_dataset_from_file(self) -> None:
        target = self._target_group()
        if target is None:
            return
        file, group = target
        source, _ = QFileDialog.getOpenFileName(self.w, "Array to store", os.getcwd(),
                                                "Arrays (*.npy *.npz *.csv *.tsv *.txt);;All files (*)")
        if not source:
            return
        name, ok = QInputDialog.getText(self.w, "New dataset", f"Name of the new dataset in {group}:",
                                        text=os.path.splitext(os.path.basename(source))[0])
        if not ok or not name:
            return
        path = join(group, name)
        self._run(f"Creating {path}", structure.create_dataset_from_file, file, path, source,
                  on_result=lambda _row: (self.w.show_status(f"Created {path}"), self.w.show_changed(file, group, path)))

    def new_link(self, external: bool = False) -> None:
        node = self._node()
        asked = self._ask_new_path("link")
        if node is None or asked is None:
            return
        file, group, path = asked
        if external:
            target_file, _ = QFileDialog.getOpenFileName(self.w, "File the link points into",
                                                         os.path.dirname(file), "HDF5 (*.h5 *.hdf5);;All files (*)")
            if not target_file:
                return
            rel = os.path.relpath(target_file, os.path.dirname(file))
            target, ok = QInputDialog.getText(self.w, "New external link", f"Path inside {rel}:", text="/")
            if not ok:
                return
            fn, args = structure.create_external_link, (file, path, rel, target or "/")
        else:
            target, ok = QInputDialog.getText(self.w, "New soft link", "Path the link points to:",
                                              text=node.path if node.kind != "file" else "/")
            if not ok or not target:
                return
            fn, args = structure.create_soft_link, (file, path, target)
        self.w.runner.submit(fn, *args, on_error=self.w.show_error,
                             on_result=lambda _row: (self.w.show_status(f"Created link {path}"),
                                                     self.w.show_changed(file, group, path)))

    def _current_frame_index(self) -> tuple[int, ...]:
        bar = self.w.preview.axes_bar
        if self.w.preview.view in ("image", "encoded") and bar.mode == "image" and bar.sliders:
            axes = [a for a in bar.axes() if a is not None]
            idx = bar.index()
            lead = []
            for ax in range(min(axes) if axes else 0):
                lead.append(idx[ax])
            return tuple(lead)
        return ()

    def compact(self) -> None:
        file = self.w._current_top_file()
        if not file or not self.w.require_writable(file):
            return
        answer = QMessageBox.question(
            self.w, "Compact file",
            f"Rewrite {os.path.basename(file)} without its unused space? The new file replaces it only when "
            "complete.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._run(f"Compacting {os.path.basename(file)}", structure.compact, file,
                  on_result=lambda r: (self.w.show_status(
                      f"Compacted {os.path.basename(file)}: {format_bytes(r.size_before)} -> "
                      f"{format_bytes(r.size_after)}"), self.w.refresh()))

    def copy_as_code(self, torch: bool = False) -> None:
        node = self._node()
        if node is None or node.info is None or node.info.effective_kind != nodes.DATASET:
            self.w.show_error("Select a dataset first")
            return
        self.w.runner.submit(snippets.snippet, node.file, node.path, torch=torch, on_error=self.w.show_error,
                             on_result=lambda text: (QGuiApplication.clipboard().setText(text),
                                                     self.w.show_status("Copied code that reads "
                                                                        f"{node.path} to the clipboard")))

    def find(self) -> None:
        if self.find_dialog is None:
            self.find_dialog = FindDialog(self.w)
            self.find_dialog.hit_activated.connect(self.w.select_path)
        self.find_dialog.show()
        self.find_dialog.raise_()
        self.find_dialog.pattern.setFocus()

"""Structure editing from the tree: new group, dataset and link, rename (F2), delete (Del) with a
confirmation that says what goes, copy/cut/paste and drag and drop of objects (also between open
files), and compacting a file.

Every change runs in the I/O process through ``h5gui.core.structure``; the tree re-lists only the group
that changed (``Notifier.group_changed``), so expansion and selection elsewhere stay as they were."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from h5gui.core import api
from h5gui.core.nodes.records import ChildInfo
from h5gui.core.paths import join
from h5gui.core.structure.records import CompactReport, CopyReport, DeleteInfo, DeleteReport
from h5gui.core.text import format_bytes
from h5gui.gui.controllers.base import Controller
from h5gui.gui.controllers.structure_undo import Op, Steps, StructureUndo, op
from h5gui.gui.models.tree_nodes import Node
from h5gui.gui.session import Notifier, ObjectClip, Session
from h5gui.gui.undo import FileUndo, done_message
from h5gui.gui.widgets.new_dataset_dialog import NewDatasetDialog
from h5gui.gui.workers import JobRunner


class StructureActions(Controller):
    """Tree edits (the window owns the actions and menus and connects them here); ``undo``: the undo
    stacks that new groups, datasets, links, renames, moves and copies go onto."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier,
                 undo: FileUndo | None = None) -> None:
        super().__init__(parent, session, runner, notifier)
        self.history = StructureUndo(runner, notifier, undo)

    def done_undoable(self, text: str, file: str, undo: Steps, redo: Steps) -> Callable[[object], None]:
        """A result callback like :meth:`done` that also puts the edit on ``file``'s undo stack."""

        def on_result(_result: object) -> None:
            self.history.record(text, file, undo, redo)
            self.notifier.show_status(done_message(text))
            for change in redo.changes:
                self.notifier.group_changed(*change)

        return on_result

    def _created(self, text: str, file: str, group: str, path: str, make: Op) -> Callable[[object], None]:
        """Undo of a new object: delete it; redo: ``make`` again."""
        return self.done_undoable(text, file, Steps((op(api.structure.delete, file, path),), ((file, group, None),)),
                                  Steps((make,), ((file, group, path),)))

    # ------------------------------------------------------------------ helpers
    def _object(self) -> Node | None:
        """The current object, when it is not a file row."""
        node = self.session.current_object()
        return node if node is not None and node.kind != "file" else None

    def _target_group(self) -> tuple[str, str] | None:
        """(file, group) where a new object goes, when that file is writable."""
        node = self.session.current_object()
        if node is None:
            return None
        file, group = node.new_object_group()
        return (file, group) if self.require_writable(file) else None

    def _ask_new_path(self, what: str) -> tuple[str, str, str] | None:
        """(file, group, path) of a new object named by the user."""
        target = self._target_group()
        if target is None:
            return None
        file, group = target
        name, ok = QInputDialog.getText(self.parent, f"New {what}", f"Name of the new {what} in {group}:")
        if not ok or not name:
            return None
        return file, group, join(group, name)

    # ------------------------------------------------------------------ new objects
    def new_group(self) -> None:
        asked = self._ask_new_path("group")
        if asked is None:
            return
        file, group, path = asked
        self.runner.submit(api.structure.create_group, file, path, on_error=self.notifier.show_error,
                           on_result=self._created(f"Created group {path}", file, group, path,
                                                   op(api.structure.create_group, file, path)))

    def new_dataset(self) -> None:
        target = self._target_group()
        if target is None:
            return
        file, group = target
        dialog = NewDatasetDialog(self.parent, group)
        if not dialog.exec():
            return
        path = join(group, dialog.name.text())
        values = dialog.values()
        self.runner.submit(api.structure.create_dataset, file, path, **values, on_error=self.notifier.show_error,
                           on_result=self._created(f"Created {path}", file, group, path,
                                                   op(api.structure.create_dataset, file, path, **values)))

    def new_dataset_from_file(self) -> None:
        target = self._target_group()
        if target is None:
            return
        file, group = target
        start = os.path.dirname(os.path.abspath(file))  # beside the file, not where h5gui was started
        source, _ = QFileDialog.getOpenFileName(self.parent, "Array to store",
                                                start if os.path.isdir(start) else os.path.expanduser("~"),
                                                "Arrays (*.npy *.npz *.csv *.tsv *.txt);;All files (*)")
        if not source:
            return
        name, ok = QInputDialog.getText(self.parent, "New dataset", f"Name of the new dataset in {group}:",
                                        text=os.path.splitext(os.path.basename(source))[0])
        if not ok or not name:
            return
        path = join(group, name)
        self.run_with_dialog(f"Creating {path}", api.structure.create_dataset_from_file, file, path, source,
                             on_result=self._created(f"Created {path}", file, group, path,
                                                     op(api.structure.create_dataset_from_file, file, path, source)))

    def new_link(self, external: bool = False) -> None:
        node = self.session.current_object()
        asked = self._ask_new_path("link")
        if node is None or asked is None:
            return
        file, group, path = asked
        text = f"Created link {path}"
        if external:
            target_file, _ = QFileDialog.getOpenFileName(self.parent, "File the link points into",
                                                         os.path.dirname(file), "HDF5 (*.h5 *.hdf5);;All files (*)")
            if not target_file:
                return
            rel = os.path.relpath(target_file, os.path.dirname(file))
            target, ok = QInputDialog.getText(self.parent, "New external link", f"Path inside {rel}:", text="/")
            if not ok:
                return
            make = op(api.structure.create_external_link, file, path, rel, target or "/")
            self.runner.submit(api.structure.create_external_link, file, path, rel, target or "/",
                               on_error=self.notifier.show_error, on_result=self._created(text, file, group, path, make))
            return
        target, ok = QInputDialog.getText(self.parent, "New soft link", "Path the link points to:",
                                          text=node.path if node.kind != "file" else "/")
        if not ok or not target:
            return
        self.runner.submit(api.structure.create_soft_link, file, path, target, on_error=self.notifier.show_error,
                           on_result=self._created(text, file, group, path,
                                                   op(api.structure.create_soft_link, file, path, target)))

    # ------------------------------------------------------------------ rename, delete
    def rename(self) -> None:
        node = self._object()
        if node is None or not self.require_writable(node.file):
            return
        name, ok = QInputDialog.getText(self.parent, "Rename", f"New name for {node.path}:", text=node.name)
        if not ok or not name or name == node.name:
            return
        parent = posixpath.dirname(node.path) or "/"
        file, old = node.file, node.path
        new = join(parent, name)
        tree = self.session.selection
        was_open = bool(getattr(tree, "current_is_expanded", lambda: False)())  # an expanded group stays so
        done = self.done_undoable(
            f"Renamed {old} to {new}", file,
            Steps((op(api.structure.rename, file, new, posixpath.basename(old)),), ((file, parent, old),)),
            Steps((op(api.structure.rename, file, old, name),), ((file, parent, new),)))

        def renamed(result: object) -> None:
            self.notifier.object_removed(file, old)
            done(result)
            expand = getattr(tree, "expand_path", None)
            if was_open and callable(expand):
                expand(file, new)

        self.runner.submit(api.structure.rename, file, old, name, on_error=self.notifier.show_error, on_result=renamed)

    def delete(self) -> None:
        node = self._object()
        if node is None or not self.require_writable(node.file):
            return
        file, path, row = node.file, node.path, node.info
        self.runner.submit(api.structure.delete_info, file, path, on_error=self.notifier.show_error,
                           on_result=lambda info: self._confirm_delete(file, path, info, row))

    def _confirm_delete(self, file: str, path: str, info: DeleteInfo, row: ChildInfo | None = None) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete", info.text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self.parent)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("confirm_delete")
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        parent = posixpath.dirname(path) or "/"

        def delete(undo: Steps | None, why_not: str) -> None:
            def deleted(report: DeleteReport) -> None:
                if undo is not None:
                    redo = Steps((op(api.structure.delete, file, path),), ((file, parent, parent),))
                    self.history.record(f"Deleted {path}", file, undo, redo)
                tail = " (Ctrl+Z to undo)" if undo is not None else f" ({why_not})" if why_not else ""
                # one hint, in the GUI's words: the core's "compact it" is File > Compact file... here
                text = report.text.replace("compact it to reclaim the space", "File > Compact file... reclaims it")
                self.notifier.show_status(text + tail)
                self.notifier.object_removed(file, path)
                self.notifier.group_changed(file, parent, parent)

            self.runner.submit(api.structure.delete, file, path, on_error=self.notifier.show_error, on_result=deleted)

        self.history.before_delete(info, row, delete)

    # ------------------------------------------------------------------ copy, cut, paste, drag and drop
    def copy(self) -> None:
        node = self._object()
        if node is None:
            return
        self.session.object_clip = ObjectClip(node.file, node.path)
        self.notifier.state_changed()  # Paste object can act now
        QGuiApplication.clipboard().setText(node.path)
        self.notifier.show_status(f"Copied {node.path}: select a group (in any writable file) and Paste object")

    def cut(self) -> None:
        node = self._object()
        if node is None or not self.require_writable(node.file):
            return
        self.session.object_clip = ObjectClip(node.file, node.path, cut=True)
        self.notifier.state_changed()
        self.notifier.show_status(f"Cut {node.path}: select a group of the same file and Paste object to move it there")

    def paste(self) -> None:
        node = self.session.current_object()
        clip = self.session.object_clip
        if node is None or clip is None:
            self.notifier.show_error("Copy an object first (right-click > Copy object)")
            return
        file, group = node.new_object_group()
        if not self.require_writable(file):
            return
        if clip.cut:
            if clip.file != file:
                self.notifier.show_error("Cut objects move within their file: use Copy object to copy into another file")
                return
            self.session.object_clip = None
            self._move(file, clip.path, group)
            return
        name = posixpath.basename(clip.path)
        dest = join(group, name)
        existing = self.session.selection.loaded_names(file, group)
        i = 2
        while posixpath.basename(dest) in existing:
            dest, i = join(group, f"{name}_{i}"), i + 1

        undo = Steps((op(api.structure.delete, file, dest),), ((file, group, None),))
        redo = Steps((op(api.structure.copy, clip.file, clip.path, file, dest),), ((file, group, dest),))

        def copied(report: CopyReport) -> None:
            self.history.record(f"Copied {clip.path} to {dest}", file, undo, redo)
            self.notifier.show_status(f"Copied {report.objects:,} object(s), {format_bytes(report.nbytes)} to {dest}"
                                      " (Ctrl+Z to undo)")
            self.notifier.group_changed(file, group, dest)

        self.run_with_dialog(f"Copying {clip.path}", api.structure.copy, clip.file, clip.path, file, dest,
                             on_result=copied)

    def drop(self, src_file: str, src_path: str, file: str, group: str) -> None:
        """Drag and drop in the tree: move within a file, copy into another file."""
        if not self.require_writable(file):
            return
        dest = join(group, posixpath.basename(src_path))
        if dest == src_path or (src_file == file and (group + "/").startswith(src_path + "/")):
            return
        if src_file == file:
            self._move(file, src_path, group)
        else:
            self.run_with_dialog(f"Copying {src_path}", api.structure.copy, src_file, src_path, file, dest,
                                 on_result=self._created(f"Copied {src_path} to {os.path.basename(file)}:{dest}",
                                                         file, group, dest,
                                                         op(api.structure.copy, src_file, src_path, file, dest)))

    def _move(self, file: str, src_path: str, group: str) -> None:
        """Move ``src_path`` into ``group`` of the same file; both groups are listed again."""
        old_parent = posixpath.dirname(src_path) or "/"
        dest = join(group, posixpath.basename(src_path))
        done = self.done_undoable(
            f"Moved {src_path} to {dest}", file,
            Steps((op(api.structure.move, file, dest, src_path),), ((file, group, None), (file, old_parent, src_path))),
            Steps((op(api.structure.move, file, src_path, dest),), ((file, old_parent, None), (file, group, dest))))

        def moved(result: object) -> None:
            self.notifier.object_removed(file, src_path)
            done(result)

        self.runner.submit(api.structure.move, file, src_path, dest, on_error=self.notifier.show_error, on_result=moved)

    # ------------------------------------------------------------------ whole file
    def compact(self) -> None:
        file = self.session.top_file()
        if not file or not self.require_writable(file):
            return
        answer = QMessageBox.question(
            self.parent, "Compact file",
            f"Rewrite {os.path.basename(file)} without its unused space? The new file replaces it only when "
            "complete.")
        if answer != QMessageBox.StandardButton.Yes:
            return

        def compacted(r: CompactReport) -> None:
            text = (f"Compacted {os.path.basename(file)}: {format_bytes(r.size_before)} -> "
                    f"{format_bytes(r.size_after)}")
            self.notifier.show_status(text)
            self.notifier.files_changed(text)  # said again once the files are reopened

        self.run_with_dialog(f"Compacting {os.path.basename(file)}", api.structure.compact, file, on_result=compacted)

"""Open files and their modes: open (dialog, drop, recent, demo), close, refresh (reopen keeping the
expanded groups and the selection), and editing mode (reopen a file read-write in the I/O process, and
again in every new one after a crash: per-file state the supervisor replays)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QFileDialog, QWidget

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.nodes.records import NodeInfo
from h5gui.core.sources import Source
from h5gui.gui.controllers.base import Controller
from h5gui.gui.controllers.file_checks import FileChecks
from h5gui.gui.controllers.inspector import Inspector
from h5gui.gui.models.tree_model import H5TreeModel
from h5gui.gui.session import Notifier, Session
from h5gui.gui.undo import FileUndo
from h5gui.gui.widgets.notices import NoticeArea
from h5gui.gui.widgets.recent_menu import RecentFiles
from h5gui.gui.widgets.tree_view import TreeView
from h5gui.gui.workers import JobRunner

OPEN_FILTER = "HDF5 files (*.h5 *.hdf5 *.hdf *.he5 *.nc *.nc4 *.mat *.nxs *.cxi *.keras *.h5ad);;All files (*)"


class FileActions(Controller):
    """Opening, closing and refreshing files, and switching a file between read-only and editable."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier, *,
                 model: H5TreeModel, tree: TreeView, inspector: Inspector, recent: RecentFiles,
                 settings: QSettings, data_dir: str | None, undo: FileUndo | None = None,
                 notices: NoticeArea | None = None) -> None:
        super().__init__(parent, session, runner, notifier)
        self.model = model
        self.tree = tree
        self.inspector = inspector
        self.recent = recent
        self.settings = settings
        self.data_dir = data_dir
        self.undo = undo
        self.notices = notices
        self.checks: FileChecks | None = None  # leftovers, a crashed writer's mark, live refresh
        if notices is not None:
            self.checks = FileChecks(parent, session, runner, notifier, notices=notices, model=model,
                                     open_files=self.open_files, enable_editing_then=self.enable_editing_then,
                                     reshow=inspector.show_node)
        self._reenable: set[str] = set()  # files to make writable again after a refresh
        self._expanded_files: set[str] = set()  # files whose row was expanded before a refresh
        self._quiet: set[str] = set()  # files made writable again by a refresh, without a message
        self._refreshed_message = "Refreshed"  # what the status bar says once a refresh is done
        self._after_editing: Callable[[], None] | None = None  # what to do once editing is enabled
        self.before_editing: Callable[[str], bool] | None = None  # False: editing refused (remote files)

    # ------------------------------------------------------------------ opening
    def open_dialog(self) -> None:
        start = str(self.settings.value("last_dir", "") or os.getcwd())
        paths, _ = QFileDialog.getOpenFileNames(self.parent, "Open HDF5 file", start, OPEN_FILTER)
        if paths:
            self.settings.setValue("last_dir", os.path.dirname(paths[0]))
            self.open_files(paths)

    def open_files(self, paths: list[str], select: str | None = None) -> None:
        """Check each file in the I/O process and add it to the tree (errors go to the status bar)."""
        for p in paths:
            try:  # a path, or an s3://, http(s):// or hdf5:// address as the core names it
                path = Source.parse(p).url
            except H5GuiError as exc:
                self.notifier.show_error(exc)
                continue
            if self.session.is_open(path):
                self.tree.select_index(self.model.file_index(path))
                continue
            if path in self.session.opening:  # asked twice (a double-click): it is on its way
                continue
            self.session.opening.add(path)
            self.notifier.show_status(f"Opening {path}...")
            self.runner.submit(api.nodes.describe, path, "/", on_result=partial(self._on_opened, path, select),
                               on_error=partial(self._on_open_failed, path))
        self.notifier.state_changed()

    def _on_opened(self, path: str, select: str | None, info: NodeInfo) -> None:
        self.session.opening.discard(path)
        if self.notices is not None:
            self.notices.remove(("open", path))
        if self.checks is not None:
            self.checks.opened(path)
        idx = self.model.add_file(path, info)
        self.recent.add(path)
        self.notifier.state_changed()
        self.notifier.show_status(f"Opened {path} read-only ({info.members or 0} members at the root)")
        self.tree.expand(idx)
        self.tree.setFocus()
        if select:
            self.tree.select_path(path, select)
        else:  # the file just opened is selected and scrolled to
            self.tree.select_index(idx)

    def _on_open_failed(self, path: str, err: H5GuiError) -> None:
        self.session.opening.discard(path)
        self._quiet.discard(path)
        self.notifier.state_changed()
        self.notifier.show_error(err)
        if self.checks is not None and self.checks.open_failed(path, err):
            return
        if self.notices is not None:  # every file that failed keeps its line until dismissed
            text = f"Could not open: {err}" if path in str(err) else f"Could not open {path}: {err}"
            self.notices.add(("open", path), text, "error",
                             [("Try again", partial(self.open_files, [path]))])
        if not self.session.files:
            self.recent.show_on_start_page()

    def open_demo(self) -> None:
        self.notifier.show_status("Writing the demo file...")
        self.runner.submit(api.demo.ensure_demo, self.data_dir, on_result=lambda p: self.open_files([p]),
                           on_error=self.notifier.show_error)

    # ------------------------------------------------------------------ closing
    def close_current(self) -> None:
        file = self.session.top_file()
        if file:
            self.close(file)

    def close(self, file: str) -> None:
        current = self.session.current_node()
        if self.session.shown and ((current is not None and current.top_file() == file) or self.session.shown[0] == file):
            self.inspector.clear()
        self.inspector.closing = file  # its rows go: the selection moving off them does not show them again
        try:
            self.model.remove_file(file)
        finally:
            self.inspector.closing = None
        self.session.set_writable(file, False)
        self.runner.release_file(file, on_error=self.notifier.show_error)
        if self.undo is not None:
            self.undo.forget(file)
        self.notifier.state_changed()
        self.notifier.show_status(f"Closed {file}")

    def close_all(self) -> None:
        for f in list(self.session.files):
            self.close(f)

    # ------------------------------------------------------------------ refresh
    def refresh(self, message: str = "Refreshed") -> None:
        """Reopen every file, keeping expanded groups and the selection; say ``message`` when done."""
        files = list(self.session.files)
        if not files:
            return
        self._refreshed_message = message
        expanded = self.model.expanded_paths_under(self.tree.isExpanded)
        current = self.tree.currentIndex()
        selected = None
        if current.isValid():
            selected = (self.model.top_file_of(current), self.model.node(current).tree_path())
        self.inspector.clear()
        self._expanded_files = {f for f, p in expanded if p == "/"}
        self._reenable = {f for f in files if self.session.is_writable(f)}
        for f in files:
            self.model.remove_file(f)
            self.runner.release_file(f, on_error=self.notifier.show_error)
        self.tree.restore(expanded, selected, self.tree.verticalScrollBar().value())
        for f in files:
            self.session.opening.add(f)
            self.runner.submit(api.nodes.describe, f, "/", on_result=partial(self._on_reopened, f),
                               on_error=partial(self._on_open_failed, f))
        self.notifier.show_status("Refreshing...")

    def _on_reopened(self, path: str, info: NodeInfo) -> None:
        self.session.opening.discard(path)
        idx = self.model.add_file(path, info)
        if path in self._reenable:
            self._quiet.add(path)  # the refresh's own message stays in the status bar
            self.set_editing(path, True)
        if path in self._expanded_files:  # a file the user had collapsed stays collapsed
            self.tree.expand(idx)
        self.notifier.state_changed()
        if not self.session.opening:
            self.notifier.show_status(self._refreshed_message)
            self.tree.continue_reveals()

    # ------------------------------------------------------------------ editing mode
    def toggle_editing(self) -> None:
        file = self.session.top_file()
        if not file:
            self.notifier.show_error("Select a file first")
            self.notifier.state_changed()
            return
        self.set_editing(file, not self.session.is_writable(file))

    def enable_editing_then(self, file: str, then: Callable[[], None]) -> None:
        """Reopen ``file`` read-write, then call ``then`` (when that worked)."""
        self._after_editing = then
        self.set_editing(file, True)

    def set_editing(self, file: str, on: bool) -> None:
        """Reopen ``file`` read-write (or read-only again) in the I/O process. The mode is also per-file
        state of the supervisor, set first: an I/O process that starts after a crash, even while this job
        waits, opens the file in the mode the user chose."""
        if on and self.before_editing is not None and not self.before_editing(file):
            self._after_editing = None
            self.notifier.state_changed()
            return
        fn = api.files.enable_editing if on else api.files.disable_editing
        self.notifier.show_status(("Enabling editing of " if on else "Closing editing of ") + file + "...")
        self.runner.set_file_state(file, writable=True if on else None)
        self.runner.submit(fn, file, on_result=lambda _r: self._on_editing_set(file, on),
                           on_error=partial(self._on_editing_failed, file))

    def _on_editing_set(self, file: str, on: bool) -> None:
        then = self._after_editing
        self._after_editing = None
        if then is not None and on:
            QTimer.singleShot(0, then)
        self.session.set_writable(file, on)
        if file in self._quiet:
            self._quiet.discard(file)
        elif on:
            self.notifier.show_status(f"{file} is open for editing: changes are written at once; Ctrl+Z undoes them")
        else:
            self.notifier.show_status(f"{file} is read-only again")
        idx = self.model.file_index(file)
        if idx.isValid():
            self.model.dataChanged.emit(idx, idx.siblingAtColumn(2))
        self.notifier.state_changed()

    def _on_editing_failed(self, file: str, err: H5GuiError) -> None:
        self._quiet.discard(file)
        self.runner.set_file_state(file, writable=None)
        self.session.set_writable(file, False)
        self.notifier.show_error(err)
        self.notifier.state_changed()

"""The main window: tree on the left; info, attributes and preview on the right; status bar.

Layout and wiring only. What the commands do lives in the controllers (``h5gui.gui.controllers``),
which share the Qt-free :class:`~h5gui.gui.session.Session` and report back through the window's
notifier methods (``show_status``, ``show_error``, ``group_changed``, ``object_written``,
``files_changed``, ``state_changed``)."""

from __future__ import annotations

import gc
import logging
import os
import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from h5gui.core.errors import H5GuiError, ReaderCrashedError
from h5gui.gui.actions import build_menus, create_actions, tree_menu, update_enabled
from h5gui.gui.controllers.attributes import AttributeActions
from h5gui.gui.controllers.files import FileActions
from h5gui.gui.controllers.inspector import Inspector
from h5gui.gui.controllers.values import ValueActions
from h5gui.gui.controllers.wizards import WizardActions
from h5gui.gui.icons import icon
from h5gui.gui.models.tree_mime import dropped_files
from h5gui.gui.models.tree_model import H5TreeModel
from h5gui.gui.models.tree_nodes import Node
from h5gui.gui.session import Session
from h5gui.gui.undo import FileUndo
from h5gui.gui.widgets.attr_panel import AttrPanel
from h5gui.gui.widgets.banner import Banner
from h5gui.gui.widgets.info_panel import InfoPanel
from h5gui.gui.widgets.message_log import MessageLog, MessageLogDialog
from h5gui.gui.widgets.notices import NoticeArea
from h5gui.gui.widgets.preview.panel import PreviewPanel
from h5gui.gui.widgets.recent_menu import RecentFiles
from h5gui.gui.widgets.start_page import StartPage
from h5gui.gui.widgets.tree_view import TreeView
from h5gui.gui.workers import JobRunner

if TYPE_CHECKING:
    from h5gui.core.ioproc.jobs import RestartInfo
    from h5gui.core.ioproc.supervisor import Supervisor
    from h5gui.gui.widgets.find_dialog import FindDialog

log = logging.getLogger(__name__)

STUCK_SECONDS = 1.0  # a job running this long gets a Stop button in the status bar


class AfterFirstPaint(QObject):
    """Calls ``fn`` once, right after ``widget`` has painted for the first time."""

    def __init__(self, widget: QWidget, fn: Callable[[], None]) -> None:
        super().__init__(widget)
        self.fn = fn
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self.fn)
        return False


class MainWindow(QMainWindow):
    """The window: builds the widgets and controllers, connects them, and is their notifier."""

    def __init__(self, settings: QSettings | None = None, data_dir: str | None = None,
                 supervisor: Supervisor | None = None) -> None:
        """``supervisor``: an I/O process already starting (``h5gui.app`` starts it before building the
        window); None starts one with the reader settings of ``settings``."""
        super().__init__()
        self.setWindowTitle("h5gui")
        self.setWindowIcon(icon("h5gui"))
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else QSettings()
        self.runner = JobRunner(self, supervisor=supervisor, settings=self.settings)
        self.session = Session()
        self.model = H5TreeModel(self.runner, self.session, self)
        self.undo = FileUndo(self, self.session, self)  # one undo stack per file
        self.find_dialog: FindDialog | None = None
        self.messages = MessageLog(self)  # every message of the session (View > Messages)
        self.message_dialog: MessageLogDialog | None = None
        self._build_ui()
        self._build_menus()
        self.recent = RecentFiles(self.settings, self.recent_menu, self.start_page, lambda p: self.open_files([p]))
        self._build_controllers(data_dir)
        self._connect()
        if self.runner.has_pending():  # jobs submitted while the controllers were built (remote settings)
            self._on_busy_changed(True)
        self._restore_settings()
        self.state_changed()
        # pyqtgraph takes 0.2-0.4 s to import: import it on a background thread as soon as the window has
        # painted, so that the first image or plot does not wait for it (h5py is not in this process: no
        # other thread holds the GIL for long). The views are built when first shown (~35 ms).
        self._after_paint = AfterFirstPaint(self, self.preview.warm_up)
        # the objects made at start-up (modules, Qt wrappers) live as long as the app: keep them out
        # of the cyclic collector's full passes, which otherwise pause the GUI thread
        QTimer.singleShot(1000, gc.freeze)

    # ================================================================== layout
    def _build_ui(self) -> None:
        self.actions_ = create_actions(self)
        self.stack = QStackedWidget(self)
        self.start_page = StartPage(self)
        self.stack.addWidget(self.start_page)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(self.splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 0, 4)
        self.filter_edit = QLineEdit(left)
        self.filter_edit.setPlaceholderText("Filter loaded rows by name (Ctrl+L); Ctrl+F finds in the whole file")
        self.filter_edit.setClearButtonEnabled(True)
        left_layout.addWidget(self.filter_edit)
        self.tree = TreeView(self.model, left)
        # The view is given the model directly: a proxy doubles the cost of every relayout. The name
        # filter hides rows in the view instead. ``proxy`` stays as the name of what the view shows.
        self.proxy = self.model
        self.session.selection = self.tree
        left_layout.addWidget(self.tree, 1)
        from h5gui.gui.widgets.column_fit import ColumnFitter

        self.shape_column_fitter = ColumnFitter(self.tree, 1)  # shapes such as 2000 x 512 x 512 are not cut

        right = QSplitter(Qt.Orientation.Vertical, self.splitter)
        self.right_splitter = right
        top = QWidget(right)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 4, 4, 0)
        self.banner = Banner(top)
        top_layout.addWidget(self.banner)
        self.tabs = QTabWidget(top)
        self.info_panel = InfoPanel(self.tabs)
        self.attr_panel = AttrPanel(self.tabs)
        self.tabs.addTab(self.info_panel, "Info")
        self.tabs.addTab(self.attr_panel, "Attributes")
        top_layout.addWidget(self.tabs, 1)
        self.preview = PreviewPanel(self.runner, right)
        right.addWidget(top)
        right.addWidget(self.preview)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 1)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.stack.addWidget(self.splitter)
        central = QWidget(self)  # notices per file (failed to open, leftovers) above the start page or the tree
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        self.notices = NoticeArea(central)
        central_layout.addWidget(self.notices)
        central_layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        sb = self.statusBar()
        self.status_label = QLabel(self)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sb.addWidget(self.status_label, 1)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(14)
        self.busy.setTextVisible(False)
        self.busy.hide()
        sb.addPermanentWidget(self.busy)
        self.stop_button = QToolButton(self)
        self.stop_button.setText("Stop")
        self.stop_button.setToolTip("Stop the job that does not finish: h5gui's reader restarts at once, and the "
                                    "object is not read again automatically")
        self.stop_button.clicked.connect(self.stop_stuck_job)
        self.stop_button.hide()
        sb.addPermanentWidget(self.stop_button)
        self._busy_timer = QTimer(self)
        self._busy_timer.setInterval(300)  # only show the busy bar (and Stop) for jobs that take a while
        self._busy_timer.timeout.connect(self._show_busy)

    def _build_menus(self) -> None:
        a = self.actions_
        a.enable_editing.setCheckable(True)
        # Del and F2 act on the tree only (the attribute table has its own)
        for act in (a.delete, a.rename):
            self.removeAction(act)
            self.tree.addAction(act)
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        a.delete.setShortcut(QKeySequence.StandardKey.Delete)
        self.undo_action = self.undo.undo_action
        self.redo_action = self.undo.redo_action
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        self.recent_menu, self.toolbar = build_menus(self, a, self.undo_action, self.redo_action)

    # ================================================================== controllers
    def _build_controllers(self, data_dir: str | None) -> None:
        # these load core.structure, export and snippets (~0.1 s): when the window is built, as before,
        # not when this module is imported
        from h5gui.gui.controllers.export import ExportActions
        from h5gui.gui.controllers.structure import StructureActions

        s, r = self.session, self.runner
        self.inspector = Inspector(self, s, r, self, self.model, self.tabs, self.info_panel, self.attr_panel,
                                   self.preview)
        self.files = FileActions(self, s, r, self, model=self.model, tree=self.tree, inspector=self.inspector,
                                 recent=self.recent, settings=self.settings, data_dir=data_dir,
                                 undo=self.undo, notices=self.notices)
        self.structure = StructureActions(self, s, r, self, undo=self.undo)
        self.exports = ExportActions(self, s, r, self, self.settings, self.preview)
        self.attributes = AttributeActions(self, s, r, self, self.attr_panel, self.undo,
                                           self.inspector.show_node)
        self.values = ValueActions(self, s, r, self, self.preview, self.undo)
        self.wizards = WizardActions(self, s, r, self, self.files)
        from h5gui.gui.controllers.ml import MLActions

        self.ml = MLActions(self, s, r, self, self.files)  # issue 14: statistics, samples, loader code
        from h5gui.gui.controllers.remote import RemoteActions  # Open URL, HSDS, remote files read-only

        self.remote = RemoteActions(self, s, r, self, files=self.files, settings=self.settings,
                                    status_bar=self.statusBar())
        self.remote.install(self.recent_menu, self.tree)

    def _connect(self) -> None:
        a, f, st, ex, at = self.actions_, self.files, self.structure, self.exports, self.attributes
        self.start_page.open_requested.connect(f.open_dialog)
        self.start_page.demo_requested.connect(f.open_demo)
        self.start_page.recent_requested.connect(lambda p: f.open_files([p]))
        self.filter_edit.textChanged.connect(self.tree.set_filter_text)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.tree.selectionModel().selectionChanged.connect(lambda *_a: self.inspector.show_current())
        self.tree.selectionModel().currentChanged.connect(lambda *_a: self.state_changed())
        self.tree.error.connect(self.show_error)
        self.tree.message.connect(self.show_status)
        self.model.error.connect(self.show_error)
        self.model.files_dropped.connect(f.open_files)
        self.model.drop_requested.connect(st.drop)
        self.info_panel.confirm_external.connect(self.inspector.confirm_external)
        self.preview.confirm_external.connect(self.inspector.confirm_external)
        self.preview.write_requested.connect(self.values.write)
        self.preview.member_activated.connect(self.select_path)  # the group's member table: double-click
        ap = self.attr_panel
        ap.model.value_requested.connect(at.set_value)
        ap.value_apply_requested.connect(at.set_value)
        ap.model.rename_requested.connect(at.rename)
        ap.delete_requested.connect(at.delete)
        ap.duplicate_requested.connect(at.duplicate)
        ap.add_requested.connect(at.add)
        ap.copy_requested.connect(at.copy)
        ap.paste_requested.connect(at.paste)
        self.runner.busy_changed.connect(self._on_busy_changed)
        self.runner.crashed.connect(self._on_reader_failed)
        self.runner.restarted.connect(self._on_reader_restarted)
        self.runner.setup_failed.connect(self._on_setup_failed)
        self.info_panel.retry_requested.connect(self.inspector.retry)
        self.preview.retry_requested.connect(self.inspector.retry)
        for action, slot in (
            (a.open, f.open_dialog), (a.open_demo, f.open_demo), (a.close, f.close_current),
            (a.close_all, f.close_all), (a.refresh, lambda: f.refresh()), (a.quit, self.close), (a.copy_path, lambda: self.copy_path()),
            (a.copy_name, lambda: self.copy_path(True)), (a.expand_below, self.tree.expand_all_below),
            (a.collapse_all, self.tree.collapseAll), (a.find, self._focus_filter), (a.about, self.about),
            (a.enable_editing, f.toggle_editing), (a.set_attr_selected, at.set_on_selected),
            (a.paste_attrs, at.paste), (a.import_images, lambda: self.wizards.open_import()),
            (a.transform, self.wizards.open_transform), (a.new_group, st.new_group), (a.rename, st.rename),
            (a.delete, st.delete), (a.copy_object, st.copy), (a.cut_object, st.cut), (a.paste_object, st.paste),
            (a.new_dataset, st.new_dataset_from_file), (a.new_empty_dataset, st.new_dataset),
            (a.new_soft_link, lambda: st.new_link(False)), (a.new_external_link, lambda: st.new_link(True)),
            (a.compact, st.compact), (a.export, ex.export), (a.export_stack, ex.export_stack),
            (a.export_shown, ex.export_shown_image), (a.copy_code, lambda: ex.copy_as_code(False)),
            (a.copy_torch, lambda: ex.copy_as_code(True)), (a.find_all, self.open_find),
            (a.messages, self.open_messages),
        ):
            action.triggered.connect(slot)
        a.stats.triggered.connect(self.ml.open_stats)
        a.samples.triggered.connect(self.ml.open_samples)
        a.copy_loader.triggered.connect(lambda: self.ml.open_loader())
        a.live_refresh.setCheckable(True)  # off by default
        if f.checks is not None:
            a.live_refresh.toggled.connect(f.checks.set_live)

    # ================================================================== settings
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        for key, splitter in (("window/splitter", self.splitter), ("window/right_splitter", self.right_splitter)):
            state = self.settings.value(key)
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)
            else:
                splitter.setSizes([470, 810] if splitter is self.splitter else [230, 570])  # the preview gets the room

    def _save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/right_splitter", self.right_splitter.saveState())
        self.settings.sync()

    # ================================================================== notifier (session.Notifier)
    def show_error(self, message: str | H5GuiError) -> None:
        text = str(message)
        self.messages.add(text, "error")
        self.status_label.setStyleSheet("color: #c62828;")
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def show_status(self, text: str) -> None:
        self.messages.add(text)
        self.status_label.setStyleSheet("")
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def group_changed(self, file: str, group: str, select: str | None = None) -> None:
        self.model.refresh_group(file, group)  # its rows, and its own row's member count
        if select:
            self.tree.select_path(file, select)

    def object_removed(self, file: str, path: str) -> None:
        shown = self.session.shown
        if shown is not None and shown[0] == file and (shown[1] == path or shown[1].startswith(path.rstrip("/") + "/")):
            self.inspector.clear()
            self.state_changed()

    def object_written(self, file: str, path: str) -> None:
        if self.session.is_open(file):
            self.group_changed(file, posixpath.dirname(path) or "/", path)
        else:
            self.files.open_files([file], select=path)

    def files_changed(self, message: str = "Refreshed") -> None:
        self.files.refresh(message)

    def state_changed(self) -> None:
        """Title and start page for the open files; editing controls for the file of the shown object."""
        s = self.session
        self.stack.setCurrentWidget(self.splitter if s.files or s.opening else self.start_page)
        if len(s.files) == 1:
            mark = " [editable]" if s.is_writable(s.files[0]) else " [read-only]"
            self.setWindowTitle(f"{os.path.basename(s.files[0])}{mark} \u2014 h5gui")
        elif s.files:
            self.setWindowTitle(f"{len(s.files)} files \u2014 h5gui")
        else:
            self.setWindowTitle("h5gui")
        top = s.top_file()
        file = s.shown[0] if s.shown else top
        writable = bool(file) and s.is_writable(file)
        self.attr_panel.set_editable(writable)
        self.preview.set_editable(writable)
        a = self.actions_
        a.enable_editing.blockSignals(True)
        a.enable_editing.setChecked(bool(top) and s.is_writable(top))
        a.enable_editing.blockSignals(False)
        a.enable_editing.setEnabled(bool(top))
        a.set_attr_selected.setEnabled(writable)
        a.paste_attrs.setEnabled(writable and bool(s.attr_clip))
        update_enabled(a, s)
        self.undo.follow(file)

    def status_text(self) -> str:
        return self.status_label.text()

    def _on_busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy.hide()
            self.stop_button.hide()

    def _show_busy(self) -> None:
        self.busy.setVisible(self.runner.has_pending())
        job = self.runner.running_job()
        self.stop_button.setVisible(job is not None and job.seconds_running() > STUCK_SECONDS)

    def stop_stuck_job(self) -> None:
        """The user stops the running job: the reader is killed and restarts; its object is quarantined."""
        job = self.runner.running_job()
        if job is not None:
            self.runner.kill_running(job, quarantine=True)
            self.show_error(f"Stopped {job.description}; h5gui restarts its reader")
        self.stop_button.hide()

    # ================================================================== the reader (I/O process)
    def _on_reader_failed(self, err: ReaderCrashedError) -> None:
        """An object crashed or hung the reader: mark it in the tree and say so where the user looks."""
        if err.file:
            self.model.mark_failed(err.file, err.path or "/", str(err))
        self.show_error(err)

    def _on_reader_restarted(self, info: RestartInfo) -> None:
        if not info.message and info.reason not in ("killed", "close"):
            self.show_error(f"h5gui's reader stopped ({info.reason}) and was restarted")

    def _on_setup_failed(self, key: object, err: H5GuiError) -> None:
        """A file could not be made writable again in a new reader: it is read-only now."""
        if isinstance(key, tuple) and len(key) == 3 and key[0] == "file-state":
            self.session.set_writable(str(key[1]), False)
            self.state_changed()
        self.show_error(err)

    # ================================================================== entry points (app, tests, benchmarks)
    def open_files(self, paths: list[str], select: str | None = None) -> None:
        self.files.open_files(paths, select)

    def open_demo(self) -> None:
        self.files.open_demo()

    def close_file(self, file: str) -> None:
        self.files.close(file)

    def select_path(self, file: str, path: str) -> None:
        self.tree.select_path(file, path)

    def current_node(self) -> Node | None:
        return self.tree.current_node()

    # ================================================================== small commands
    def _tree_menu(self, pos: QPoint) -> None:
        idx = self.tree.indexAt(pos)
        node = self.model.node(idx) if idx.isValid() else None
        tree_menu(self, self.actions_, node).exec(self.tree.viewport().mapToGlobal(pos))

    def _focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def copy_path(self, name_only: bool = False) -> None:
        """Copy the selected item's HDF5 path (a file's own path for a file), or its name."""
        node = self.current_node()
        if node is not None:
            text = node.name if name_only else node.path if node.kind != "file" else node.file
            QGuiApplication.clipboard().setText(text)
            self.show_status(f"Copied {text}")

    def open_find(self) -> None:
        if self.find_dialog is None:
            from h5gui.gui.widgets.find_dialog import FindDialog

            self.find_dialog = FindDialog(self, self.session, self.runner)
            self.find_dialog.hit_activated.connect(self.select_path)
        self.find_dialog.show()
        self.find_dialog.raise_()
        self.find_dialog.pattern.setFocus()

    def open_messages(self) -> None:
        if self.message_dialog is None:
            self.message_dialog = MessageLogDialog(self.messages, self)
        self.message_dialog.show()
        self.message_dialog.raise_()

    def about(self) -> None:
        from h5gui.gui.widgets.about_dialog import AboutDialog

        self.about_dialog = AboutDialog(self, self.runner)  # versions of the I/O process's libraries too
        self.about_dialog.open()

    # ================================================================== drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = dropped_files(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.open_files(paths)

    # ================================================================== idle / shutdown
    def is_idle(self) -> bool:
        return not self.runner.has_pending() and not self.model.has_pending_operations() \
            and not self.tree.has_pending_reveals() and not self.session.opening and not self.preview.is_busy()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._save_settings()
        self.runner.shutdown()
        self.structure.history.close()  # the copies kept for undoing deletes
        self.preview.wait_warm_up()
        super().closeEvent(event)

"""The main window: tree on the left; info, attributes and preview on the right; status bar."""

from __future__ import annotations

import gc
import logging
import os
import posixpath
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QItemSelection,
    QModelIndex,
    QPoint,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from h5gui import __version__
from h5gui.core import attr_edits, nodes
from h5gui.core import attrs as core_attrs
from h5gui.core import demo as core_demo
from h5gui.core.errors import H5GuiError
from h5gui.core.h5 import files as core_files
from h5gui.gui.actions import create_actions
from h5gui.gui.icons import icon
from h5gui.gui.models.tree_model import NODE_ROLE, H5TreeModel, Node
from h5gui.gui.session import Session
from h5gui.gui.widgets.attr_dialog import AttrDialog
from h5gui.gui.widgets.attr_panel import AttrPanel
from h5gui.gui.widgets.banner import Banner
from h5gui.gui.widgets.info_panel import InfoPanel
from h5gui.gui.widgets.preview.panel import PreviewPanel
from h5gui.gui.widgets.start_page import StartPage
from h5gui.gui.workers import JobRunner

log = logging.getLogger(__name__)

MAX_RECENT = 10
READ_ONLY_HINT = "The file is open read-only: enable editing (Ctrl+E) to change it"


class AttrCommand(QUndoCommand):
    """One attribute edit in the undo stack. The edit itself already ran; redo/undo re-run it on the
    I/O thread from the recorded values."""

    def __init__(self, window: MainWindow, result: attr_edits.EditResult) -> None:
        super().__init__(result.description)
        self.window = window
        self.result = result
        self._done = True

    def redo(self) -> None:
        if self._done:
            self._done = False  # the first redo is the edit that was just made
            return
        self.window.apply_attr_edits(self.result.redo, f"Redid: {self.result.description}")

    def undo(self) -> None:
        self.window.apply_attr_edits(self.result.undo, f"Undid: {self.result.description}")
EXPAND_ALL_LIMIT = 2000  # rows expanded at most by "Expand all below"


class ValueCommand(QUndoCommand):
    """Edited dataset values in the undo stack (the write already ran)."""

    def __init__(self, window: MainWindow, edit: object) -> None:
        super().__init__(edit.description)  # type: ignore[attr-defined]
        self.window, self.edit, self._done = window, edit, True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.window.apply_value_write(self.edit.redo, f"Redid: {self.edit.description}")  # type: ignore[attr-defined]

    def undo(self) -> None:
        self.window.apply_value_write(self.edit.undo, f"Undid: {self.edit.description}")  # type: ignore[attr-defined]


class MainWindow(QMainWindow):
    node_shown = Signal(object)  # NodeInfo displayed in the info panel

    def __init__(self, settings: QSettings | None = None, data_dir: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("h5gui")
        self.setWindowIcon(icon("h5gui"))
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else QSettings()
        self.data_dir = data_dir
        self.runner = JobRunner(self)
        self.session = Session()
        self.model = H5TreeModel(self.runner, self.session, self)
        self.model.error.connect(self.show_error)
        self.model.revealed.connect(self._on_revealed)
        self.model.reveal_failed.connect(self._on_reveal_failed)
        self._trusted: set[tuple[str, str]] = set()
        self._restore_queue: list[tuple[str, str, bool]] = []  # (file, tree path, expand?)
        self._current: tuple[str, str] | None = None
        self._opening: set[str] = set()
        self.undo_stack = QUndoStack(self)
        self._reenable: set[str] = set()  # files to make writable again after a refresh
        self._after_editing: Callable[[], None] | None = None  # what to do once editing is enabled
        self._attr_clipboard: list[core_attrs.AttrValue] = []
        self._build_ui()
        from h5gui.gui.structure_actions import StructureActions

        self.structure = StructureActions(self)
        self.model.drop_requested.connect(self.structure.drop)
        self._build_menus()
        self._restore_settings()
        self._update_stack()
        # pyqtgraph takes ~0.2 s to import and the views ~0.05 s to build: do it once the window is up,
        # not at the moment the user selects the first dataset
        # pyqtgraph takes ~0.2 s to import, and even in a background thread the import holds the GIL
        # long enough to stall the GUI: do it when nothing has happened for a moment
        self._idle_ticks = 0
        self._warm_timer = QTimer(self)
        self._warm_timer.setInterval(250)
        self._warm_timer.timeout.connect(self._warm_up_when_idle)
        self._warm_timer.start()
        # the objects made at start-up (modules, Qt wrappers) live as long as the app: keep them out
        # of the cyclic collector's full passes, which otherwise pause the GUI thread
        QTimer.singleShot(1000, gc.freeze)

    # ================================================================== UI
    def _build_ui(self) -> None:
        self.actions_ = create_actions(self)
        self.stack = QStackedWidget(self)
        self.start_page = StartPage(self)
        self.start_page.open_requested.connect(self.open_dialog)
        self.start_page.demo_requested.connect(self.open_demo)
        self.start_page.recent_requested.connect(lambda p: self.open_files([p]))
        self.stack.addWidget(self.start_page)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(self.splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 0, 4)
        self.filter_edit = QLineEdit(left)
        self.filter_edit.setPlaceholderText("Filter loaded rows by name (Ctrl+L); Ctrl+F finds in the whole file")
        self.filter_edit.setClearButtonEnabled(True)
        left_layout.addWidget(self.filter_edit)
        # The view is given the model directly: a proxy doubles the cost of every relayout. The name
        # filter hides rows in the view instead. ``proxy`` stays as the name of what the view shows.
        self.proxy = self.model
        self._filter_text = ""
        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.tree = QTreeView(left)
        self.tree.setModel(self.model)
        self.tree.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.tree.setDragEnabled(True)
        self.tree.setAcceptDrops(True)
        self.tree.setDropIndicatorShown(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.model.files_dropped.connect(self.open_files)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 190)
        header.resizeSection(1, 110)
        self.tree.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.tree.activated.connect(self._on_activated)
        # load the next batch of a big group when its "N more..." row comes into sight
        self._more_timer = QTimer(self)
        self._more_timer.setSingleShot(True)
        self._more_timer.setInterval(30)
        self._more_timer.timeout.connect(self._load_visible_more)
        self.tree.verticalScrollBar().valueChanged.connect(lambda _v: self._more_timer.start())
        self.tree.expanded.connect(lambda _i: self._more_timer.start())
        self.model.rowsInserted.connect(lambda *_a: self._more_timer.start())
        self.model.shifted.connect(self._on_window_shifted)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(60)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.model.rowsInserted.connect(lambda *_a: self._filter_text and self._filter_timer.start())
        left_layout.addWidget(self.tree, 1)

        right = QSplitter(Qt.Orientation.Vertical, self.splitter)
        self.right_splitter = right
        top = QWidget(right)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 4, 4, 0)
        self.banner = Banner(top)
        top_layout.addWidget(self.banner)
        self.tabs = QTabWidget(top)
        self.info_panel = InfoPanel(self.tabs)
        self.info_panel.confirm_external.connect(self.confirm_external)
        self.attr_panel = AttrPanel(self.tabs)
        ap = self.attr_panel
        ap.model.value_requested.connect(lambda name, text: self._attr_edit(attr_edits.set_value, name, text))
        ap.value_apply_requested.connect(lambda name, text: self._attr_edit(attr_edits.set_value, name, text))
        ap.model.rename_requested.connect(lambda old, new: self._attr_edit(attr_edits.rename, old, new))
        ap.delete_requested.connect(lambda names: self._attr_edit(attr_edits.delete, names))
        ap.duplicate_requested.connect(self._duplicate_attr)
        ap.add_requested.connect(self.add_attr)
        ap.copy_requested.connect(self.copy_attrs)
        ap.paste_requested.connect(self.paste_attrs)
        self.tabs.addTab(self.info_panel, "Info")
        self.tabs.addTab(self.attr_panel, "Attributes")
        top_layout.addWidget(self.tabs, 1)
        self.preview = PreviewPanel(self.runner, right)
        self.preview.confirm_external.connect(self.confirm_external)
        self.preview.write_requested.connect(self.write_values)
        right.addWidget(top)
        right.addWidget(self.preview)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 1)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

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
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(300)  # only show the busy bar for jobs that take a while
        self._busy_timer.timeout.connect(lambda: self.busy.setVisible(self.runner.has_pending()))
        self.runner.busy_changed.connect(self._on_busy_changed)

    def _build_menus(self) -> None:
        a = self.actions_
        a.open.triggered.connect(self.open_dialog)
        a.open_demo.triggered.connect(self.open_demo)
        a.close.triggered.connect(self.close_current_file)
        a.close_all.triggered.connect(self.close_all_files)
        a.refresh.triggered.connect(self.refresh)
        a.quit.triggered.connect(self.close)
        a.copy_path.triggered.connect(self.copy_path)
        a.copy_name.triggered.connect(self.copy_name)
        a.expand_below.triggered.connect(self.expand_all_below)
        a.collapse_all.triggered.connect(self.tree.collapseAll)
        a.find.triggered.connect(lambda: (self.filter_edit.setFocus(), self.filter_edit.selectAll()))
        a.about.triggered.connect(self.about)
        a.enable_editing.setCheckable(True)
        a.enable_editing.triggered.connect(self.toggle_editing)
        a.set_attr_selected.triggered.connect(self.set_attr_on_selected)
        a.import_images.triggered.connect(lambda: self.open_import_wizard())
        st = self.structure
        a.new_group.triggered.connect(st.new_group)
        a.rename.triggered.connect(st.rename)
        a.delete.triggered.connect(st.delete)
        a.copy_object.triggered.connect(st.copy)
        a.cut_object.triggered.connect(st.cut)
        a.export_stack.triggered.connect(st.export_stack)
        a.new_dataset.triggered.connect(st.new_dataset_from_file)
        a.new_empty_dataset.triggered.connect(st.new_dataset)
        a.export_shown.triggered.connect(st.export_shown_image)
        a.new_soft_link.triggered.connect(lambda: st.new_link(False))
        a.new_external_link.triggered.connect(lambda: st.new_link(True))
        a.paste_object.triggered.connect(st.paste)
        a.export.triggered.connect(st.export)
        a.compact.triggered.connect(st.compact)
        a.copy_code.triggered.connect(lambda: st.copy_as_code(False))
        a.copy_torch.triggered.connect(lambda: st.copy_as_code(True))
        a.find_all.triggered.connect(st.find)
        # Del and F2 act on the tree only (the attribute table has its own)
        for act in (a.delete, a.rename):
            self.removeAction(act)
            self.tree.addAction(act)
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        a.delete.setShortcut(QKeySequence.StandardKey.Delete)
        a.transform.triggered.connect(self.open_transform_wizard)
        a.paste_attrs.triggered.connect(self.paste_attrs)
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addAction(a.open)
        self.recent_menu = m.addMenu("Open &Recent")
        m.addAction(a.open_demo)
        m.addAction(a.import_images)
        m.addAction(a.export)
        m.addAction(a.export_stack)
        m.addAction(a.export_shown)
        m.addAction(a.compact)
        m.addSeparator()
        m.addAction(a.enable_editing)
        m.addAction(a.refresh)
        m.addAction(a.close)
        m.addAction(a.close_all)
        m.addSeparator()
        m.addAction(a.quit)
        _add(mb.addMenu("&Edit"), [
            self.undo_action, self.redo_action, None, a.set_attr_selected, a.paste_attrs, a.transform, None,
            a.new_group, a.new_empty_dataset, a.new_dataset, a.new_soft_link, a.new_external_link, a.rename,
            a.delete, *self._object_actions(), None, a.copy_path, a.copy_name, a.copy_code, a.copy_torch, None,
            a.find_all, a.find,
        ])
        m = mb.addMenu("&View")
        m.addAction(a.expand_below)
        m.addAction(a.collapse_all)
        m = mb.addMenu("&Help")
        m.addAction(a.about)
        tb = QToolBar("Main", self)
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for act in (a.open, a.refresh, a.enable_editing, self.undo_action, self.redo_action, a.import_images,
                    a.transform):
            tb.addAction(act)
        self.addToolBar(tb)
        self.toolbar = tb
        self._update_recent_menu()

    def _object_actions(self) -> list[QAction]:
        a = self.actions_
        return [a.copy_object, a.cut_object, a.paste_object]

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
                splitter.setSizes([470, 810] if splitter is self.splitter else [330, 470])

    def _save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/right_splitter", self.right_splitter.saveState())
        self.settings.sync()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self.recent_files() if p != path]
        recent.insert(0, path)
        self.settings.setValue("recent_files", recent[:MAX_RECENT])
        self._update_recent_menu()

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for i, p in enumerate(recent):
            act = self.recent_menu.addAction(f"&{(i + 1) % 10}  {os.path.basename(p)}")
            act.setToolTip(p)
            act.setStatusTip(p)
            act.triggered.connect(lambda _=False, path=p: self.open_files([path]))
        if recent:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear list")
            clear.triggered.connect(self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))
        self.start_page.set_recent(recent)

    def _clear_recent(self) -> None:
        self.settings.setValue("recent_files", [])
        self._update_recent_menu()

    # ================================================================== status
    def show_error(self, message: str | H5GuiError) -> None:
        text = str(message)
        self.status_label.setStyleSheet("color: #c62828;")
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def show_status(self, text: str) -> None:
        self.status_label.setStyleSheet("")
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def status_text(self) -> str:
        return self.status_label.text()

    def _on_busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy.hide()

    def _update_stack(self) -> None:
        self.stack.setCurrentWidget(self.splitter if self.model.files() or self._opening else self.start_page)
        files = self.model.files()
        if len(files) == 1:
            mark = " [editable]" if files[0] in self.session.writable else " [read-only]"
            self.setWindowTitle(f"{os.path.basename(files[0])}{mark} \u2014 h5gui")
        elif files:
            self.setWindowTitle(f"{len(files)} files \u2014 h5gui")
        else:
            self.setWindowTitle("h5gui")

    # ================================================================== opening and closing
    def open_dialog(self) -> None:
        start = str(self.settings.value("last_dir", "") or os.getcwd())
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open HDF5 file", start,
            "HDF5 files (*.h5 *.hdf5 *.hdf *.he5 *.nc *.nc4 *.mat *.nxs *.cxi *.keras *.h5ad);;All files (*)",
        )
        if paths:
            self.settings.setValue("last_dir", os.path.dirname(paths[0]))
            self.open_files(paths)

    def open_files(self, paths: list[str], select: str | None = None) -> None:
        """Check each file on the I/O thread and add it to the tree (errors go to the status bar)."""
        for p in paths:
            path = str(Path(p).expanduser().absolute())
            if path in self.model.files():
                idx = self.model.file_index(path)
                self._select_source_index(idx)
                continue
            self._opening.add(path)
            self.show_status(f"Opening {path}...")
            self.runner.submit(
                nodes.describe, path, "/",
                on_result=lambda info, p=path, s=select: self._on_opened(p, info, s),
                on_error=lambda err, p=path: self._on_open_failed(p, err),
            )
        self._update_stack()

    def _on_opened(self, path: str, info: nodes.NodeInfo, select: str | None) -> None:
        self._opening.discard(path)
        idx = self.model.add_file(path, info)
        self._add_recent(path)
        self._update_stack()
        self.show_status(f"Opened {path} read-only ({info.members or 0} members at the root)")
        self.tree.expand(self.proxy.mapFromSource(idx))
        self.tree.setFocus()
        if select:
            self.select_path(path, select)
        elif len(self.model.files()) == 1 or not self.tree.currentIndex().isValid():
            self._select_source_index(idx)

    def _on_open_failed(self, path: str, err: H5GuiError) -> None:
        self._opening.discard(path)
        self._update_stack()
        self.show_error(err)
        if not self.model.files():
            self.start_page.set_recent(self.recent_files())

    def open_demo(self) -> None:
        self.show_status("Writing the demo file...")
        self.runner.submit(
            core_demo.ensure_demo, self.data_dir,
            on_result=lambda p: self.open_files([p]),
            on_error=self.show_error,
        )

    def close_current_file(self) -> None:
        file = self._current_top_file()
        if file:
            self.close_file(file)

    def close_file(self, file: str) -> None:
        if self._current and self.model.top_file_of(self._source_current()) == file:
            self._clear_panels()
        self.model.remove_file(file)
        self.session.writable.discard(file)
        self.runner.release_file(file, on_error=self.show_error)
        self._update_stack()
        self._sync_edit_state()
        self.show_status(f"Closed {file}")

    def close_all_files(self) -> None:
        for f in list(self.model.files()):
            self.close_file(f)

    def refresh(self) -> None:
        """Reopen every file, keeping expanded groups and the selection."""
        files = self.model.files()
        if not files:
            return
        expanded = self.model.expanded_paths_under(lambda idx: self.tree.isExpanded(self.proxy.mapFromSource(idx)))
        current = self._source_current()
        selected = None
        if current.isValid():
            node = self.model.node(current)
            selected = (self.model.top_file_of(current), node.tree_path())
        self._clear_panels()
        self._reenable = {f for f in files if f in self.session.writable}
        for f in files:
            self.model.remove_file(f)
            self.runner.release_file(f, on_error=self.show_error)
        self._restore_queue = [(f, p, True) for f, p in expanded]
        if selected:
            self._restore_queue.append((selected[0], selected[1], False))
        for f in files:
            self._opening.add(f)
            self.runner.submit(
                nodes.describe, f, "/",
                on_result=lambda info, p=f: self._on_reopened(p, info),
                on_error=lambda err, p=f: self._on_open_failed(p, err),
            )
        self.show_status("Refreshing...")

    def _on_reopened(self, path: str, info: nodes.NodeInfo) -> None:
        self._opening.discard(path)
        idx = self.model.add_file(path, info)
        if path in self._reenable:
            self._set_editing(path, True)
        self.tree.expand(self.proxy.mapFromSource(idx))
        self._update_stack()
        if not self._opening:
            self.show_status("Refreshed")
            self._next_restore()

    def _next_restore(self) -> None:
        while self._restore_queue:
            file, path, _expand = self._restore_queue[0]
            if file in self.model.files():
                self.model.reveal(file, path)
                return
            self._restore_queue.pop(0)

    # ================================================================== selection
    def select_path(self, file: str, path: str) -> None:
        """Expand the tree down to ``path`` of ``file`` (loading groups as needed) and select it."""
        self._restore_queue.append((str(Path(file).absolute()), path, False))
        if len(self._restore_queue) == 1:
            self._next_restore()

    def _on_revealed(self, index: QModelIndex) -> None:
        if self._restore_queue:
            _file, _path, expand = self._restore_queue.pop(0)
            pidx = self.proxy.mapFromSource(index)
            parent = pidx.parent()
            while parent.isValid():
                self.tree.expand(parent)
                parent = parent.parent()
            if expand:
                self.tree.expand(pidx)
            else:
                self._select_source_index(index)
            self._next_restore()

    def _on_reveal_failed(self, message: str) -> None:
        if self._restore_queue:
            self._restore_queue.pop(0)
        self.show_error(message)
        self._next_restore()

    def _select_source_index(self, index: QModelIndex) -> None:
        pidx = self.proxy.mapFromSource(index)
        if pidx.isValid():
            self.tree.setCurrentIndex(pidx)
            self.tree.scrollTo(pidx)

    def _source_current(self) -> QModelIndex:
        return self.proxy.mapToSource(self.tree.currentIndex())

    def _current_top_file(self) -> str:
        idx = self._source_current()
        if idx.isValid():
            return self.model.top_file_of(idx)
        files = self.model.files()
        return files[0] if len(files) == 1 else ""

    def current_node(self) -> Node | None:
        idx = self._source_current()
        return self.model.node(idx) if idx.isValid() else None

    def _on_selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        node = self.current_node()
        if node is None or not node.is_real:
            return
        self.show_node(node.file, node.path)

    def show_node(self, file: str, path: str) -> None:
        self._current = (file, path)
        self._sync_edit_state()
        allow = (file, path) in self._trusted
        self.info_panel.show_loading(file, path)
        node = self.current_node()
        info = node.info if node is not None and node.file == file and node.path == path else None
        if info is not None and info.kind in (nodes.DATASET, nodes.SOFT_LINK) and info.effective_kind == nodes.DATASET:
            self.preview.show_node(file, path, allow)  # at once, in parallel with the info
        elif info is not None and info.kind == nodes.EXTERNAL_LINK:
            pass  # decided when the info says where the link leads
        elif node is not None and node.kind == "file":
            self.preview.show_message(f"Root group of {node.name}")
        else:
            self._preview_message_for(info)
        self.runner.submit(
            nodes.describe, file, path, allow_external=allow, key="info",
            on_result=self._on_info, on_error=lambda err, f=file, p=path: self._on_info_error(f, p, err),
        )
        self.runner.submit(
            core_attrs.list_attrs, file, path, key="attrs",
            on_result=self._on_attrs, on_error=lambda err: self.attr_panel.show_message(str(err)),
        )

    def _on_info(self, info: nodes.NodeInfo) -> None:
        if self._current != (info.file, info.path):
            return
        self.info_panel.show_info(info)
        if info.kind == nodes.EXTERNAL_LINK:
            if info.object_kind == nodes.DATASET and not info.needs_confirmation and info.link_file_resolved:
                self.preview.show_node(info.link_file_resolved, info.link_target,
                                       (info.file, info.path) in self._trusted)
            elif info.needs_confirmation:
                self.preview.show_message("External link outside the file's folder: allow it in the Info tab")
            else:
                self.preview.show_message(f"External link to {info.link_file}:{info.link_target}")
        self.node_shown.emit(info)

    def _on_info_error(self, file: str, path: str, err: H5GuiError) -> None:
        if self._current != (file, path):
            return
        self.info_panel.show_error(file, path, str(err))
        self.show_error(err)

    def _on_attrs(self, attrs: list[core_attrs.AttrInfo]) -> None:
        self._sync_edit_state()
        self.attr_panel.set_attrs(attrs)
        n = len(attrs)
        self.tabs.setTabText(1, f"Attributes ({n})" if n else "Attributes")

    def _clear_panels(self) -> None:
        self._current = None
        self.info_panel.clear()
        self.attr_panel.clear()
        self.preview.show_message("Select a dataset to preview it")
        self.tabs.setTabText(1, "Attributes")

    def _preview_message_for(self, info: nodes.ChildInfo | None) -> None:
        if info is None:
            self.preview.show_message("Select a dataset to preview it")
        elif info.kind == nodes.DANGLING_LINK:
            self.preview.show_message(info.error or "Dangling link: nothing to show")
        elif info.kind == nodes.UNREADABLE:
            self.preview.show_message(f"Unreadable: {info.error}")
        elif info.is_group_like:
            n = info.members
            self.preview.show_message(f"Group with {n:,} member{'s' if n != 1 else ''}" if n is not None else "Group")
        elif info.effective_kind == nodes.DATATYPE:
            self.preview.show_message(f"Committed datatype: {info.dtype}")
        else:
            self.preview.show_message("Nothing to preview")

    def confirm_external(self, file: str, path: str) -> None:
        """The user allowed reading data from outside the file's folder for this one object."""
        self._trusted.add((file, path))
        idx = self._source_current()
        if idx.isValid():
            node = self.model.node(idx)
            if node.file == file and node.path == path and node.info is not None \
                    and node.info.kind == nodes.EXTERNAL_LINK:
                self.model.allow_external(idx)
        self.show_node(file, path)

    # ================================================================== edit mode
    def _sync_edit_state(self) -> None:
        """Enable the editing controls for the file of the current object."""
        file = self._current[0] if self._current else self._current_top_file()
        top = self._current_top_file()
        writable = bool(file) and file in self.session.writable
        self.attr_panel.set_editable(writable)
        self.preview.set_editable(writable)
        a = self.actions_
        a.enable_editing.blockSignals(True)
        a.enable_editing.setChecked(bool(top) and top in self.session.writable)
        a.enable_editing.blockSignals(False)
        a.enable_editing.setEnabled(bool(top))
        a.set_attr_selected.setEnabled(writable)
        a.paste_attrs.setEnabled(writable and bool(self._attr_clipboard))

    def toggle_editing(self) -> None:
        file = self._current_top_file()
        if not file:
            self.show_error("Select a file first")
            self._sync_edit_state()
            return
        self._set_editing(file, file not in self.session.writable)

    def _set_editing(self, file: str, on: bool) -> None:
        fn = core_files.enable_editing if on else core_files.disable_editing
        self.show_status(("Enabling editing of " if on else "Closing editing of ") + file + "...")
        self.runner.submit(fn, file, on_result=lambda _r, f=file, o=on: self._on_editing_set(f, o),
                           on_error=lambda err, f=file: self._on_editing_failed(f, err))

    def _on_editing_set(self, file: str, on: bool) -> None:
        then = self._after_editing
        self._after_editing = None
        if then is not None and on:
            QTimer.singleShot(0, then)
        if on:
            self.session.writable.add(file)
            self.show_status(f"{file} is open for editing: changes are written at once; Ctrl+Z undoes them")
        else:
            self.session.writable.discard(file)
            self.show_status(f"{file} is read-only again")
        idx = self.model.file_index(file)
        if idx.isValid():
            self.model.dataChanged.emit(idx, idx.siblingAtColumn(2))
        self._update_stack()
        self._sync_edit_state()

    def _on_editing_failed(self, file: str, err: H5GuiError) -> None:
        self.session.writable.discard(file)
        self.show_error(err)
        self._sync_edit_state()

    # ================================================================== attribute edits
    def _require_writable(self) -> tuple[str, str] | None:
        if self._current is None:
            return None
        if self._current[0] not in self.session.writable:
            self.attr_panel.show_refusal(READ_ONLY_HINT)
            self.show_error(READ_ONLY_HINT)
            return None
        return self._current

    def _attr_edit(self, fn: object, *args: object, **kwargs: object) -> None:
        target = self._require_writable()
        if target is None:
            return
        file, path = target
        self.runner.submit(fn, file, path, *args, on_result=self._on_attr_edit_done,  # type: ignore[arg-type]
                           on_error=self._on_attr_edit_failed, **kwargs)

    def _on_attr_edit_done(self, result: attr_edits.EditResult) -> None:
        self.undo_stack.push(AttrCommand(self, result))
        self.show_status(f"{result.description[:1].upper()}{result.description[1:]} (Ctrl+Z to undo)")
        self.attr_panel.show_refusal("")
        self._refresh_attrs_if_shown(result.redo)

    def _on_attr_edit_failed(self, err: H5GuiError) -> None:
        self.attr_panel.show_refusal(str(err))
        self.show_error(err)

    def apply_attr_edits(self, edits: tuple[attr_edits.AttrEdit, ...], message: str) -> None:
        """Undo/redo: re-run recorded edits on the I/O thread."""
        self.runner.submit(attr_edits.apply, edits,
                           on_result=lambda _a, e=edits, m=message: (self.show_status(m), self._refresh_attrs_if_shown(e)),
                           on_error=self._on_attr_edit_failed)

    # ------------------------------------------------------------------ dataset values
    def write_values(self, file: str, path: str, row0: int, col0: int, rows: list, axes: object,
                     index: object) -> None:
        from h5gui.core import values

        if file not in self.session.writable:
            self.show_error(READ_ONLY_HINT)
            return
        self.runner.submit(values.write_block, file, path, row0, col0, rows, axes=axes, index=index,
                           on_result=self._on_values_written, on_error=self._on_values_failed)

    def _on_values_written(self, edit: object) -> None:
        self.undo_stack.push(ValueCommand(self, edit))
        self.show_status(f"{edit.description[:1].upper()}{edit.description[1:]} (Ctrl+Z to undo)")  # type: ignore[attr-defined]
        self.preview.refresh_table()

    def _on_values_failed(self, err: H5GuiError) -> None:
        self.show_error(err)
        self.preview.banner.show_message(str(err), "error")

    def apply_value_write(self, write: object, message: str) -> None:
        from h5gui.core import values

        self.runner.submit(values.apply, write, on_error=self._on_values_failed,
                           on_result=lambda _old, m=message: (self.show_status(m), self.preview.refresh_table()))

    def _refresh_attrs_if_shown(self, edits: tuple[attr_edits.AttrEdit, ...]) -> None:
        if self._current is not None and any((e.file, e.path) == self._current for e in edits):
            self.show_node(*self._current)

    def _duplicate_attr(self, name: str) -> None:
        existing = {a.name for a in self.attr_panel.model.attrs()}
        new = f"{name}_copy"
        i = 2
        while new in existing:
            new, i = f"{name}_copy{i}", i + 1
        self._attr_edit(attr_edits.duplicate, name, new)

    def add_attr(self) -> None:
        target = self._require_writable()
        if target is None:
            return
        existing = {a.name for a in self.attr_panel.model.attrs()}
        dialog = AttrDialog(self, title="New attribute", existing=existing, target=f"on {target[1]}")
        if dialog.exec():
            name, text, type_name, shape, fixed = dialog.values()
            self._attr_edit(attr_edits.set_value, name, text, type_name, shape=shape, fixed_length=fixed)

    def selected_objects(self) -> list[tuple[str, str]]:
        """(file, path) of every selected real object in the tree (the current one if none)."""
        out = []
        for idx in self.tree.selectionModel().selectedRows():
            node = self.proxy.data(idx, NODE_ROLE)
            if node is not None and node.is_real and (node.info is None or node.info.kind not in (
                    nodes.DANGLING_LINK, nodes.EXTERNAL_LINK, nodes.UNREADABLE)):
                out.append((node.file, node.path))
        if not out and self._current is not None:
            out = [self._current]
        return list(dict.fromkeys(out))

    def require_writable(self, file: str) -> bool:
        """True when ``file`` is open for editing; otherwise say so in the status bar."""
        if file in self.session.writable:
            return True
        self.show_error(f"{os.path.basename(file)} is open read-only: enable editing (Ctrl+E) first")
        return False

    def _writable_targets(self) -> list[tuple[str, str]] | None:
        targets = self.selected_objects()
        if not targets:
            self.show_error("Select the objects first")
            return None
        if not all(self.require_writable(f) for f in sorted({f for f, _ in targets})):
            return None
        return targets

    def show_changed(self, file: str, group: str, select: str | None = None) -> None:
        """A group of an open file changed: list it again (nothing else reloads) and select ``select``."""
        idx = self.model.group_index(file, group)
        if idx.isValid():
            self.model.reload(idx)
        if select:
            self.select_path(file, select)

    def set_attr_on_selected(self) -> None:
        targets = self._writable_targets()
        if targets is None:
            return
        dialog = AttrDialog(self, title="Set attribute on selected objects",
                            target=f"on {len(targets)} object{'s' if len(targets) > 1 else ''}: "
                                   + ", ".join(p for _f, p in targets[:5]) + (" ..." if len(targets) > 5 else ""))
        if dialog.exec():
            name, text, type_name, shape, fixed = dialog.values()
            self.runner.submit(attr_edits.set_on_many, targets, name, text, type_name, shape=shape,
                               fixed_length=fixed, on_result=self._on_attr_edit_done,
                               on_error=self._on_attr_edit_failed)

    def copy_attrs(self, names: list[str]) -> None:
        if self._current is None:
            return
        file, path = self._current
        self.runner.submit(core_attrs.get_attr_values, file, path, names or None,
                           on_result=self._on_attrs_copied, on_error=self.show_error)

    def _on_attrs_copied(self, values: list[core_attrs.AttrValue]) -> None:
        self._attr_clipboard = list(values)
        shown = {a.name: a for a in self.attr_panel.model.attrs()}
        QGuiApplication.clipboard().setText(
            "\n".join(f"{v.name} = {shown[v.name].edit_text if v.name in shown else ''}" for v in values))
        self.show_status(f"Copied {len(values)} attribute{'s' if len(values) != 1 else ''}: "
                         "select objects and paste (Ctrl+Shift+V)")
        self._sync_edit_state()

    def paste_attrs(self) -> None:
        if not self._attr_clipboard:
            self.show_error("No attributes copied yet: use Copy in the Attributes tab")
            return
        targets = self._writable_targets()
        if targets is None:
            if self._current is not None and self._current[0] not in self.session.writable:
                self.attr_panel.show_refusal(READ_ONLY_HINT)
            return
        self.runner.submit(attr_edits.paste, targets, list(self._attr_clipboard),
                           on_result=self._on_attr_edit_done, on_error=self._on_attr_edit_failed)

    # ================================================================== wizards
    def open_import_wizard(self, source: str = "") -> None:
        from h5gui.gui.wizards.import_folder import ImportWizard

        wizard = ImportWizard(self, source)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._wizard = wizard
        wizard.show()

    def import_finished(self, report: object) -> None:
        target, group = report.target, report.group  # type: ignore[attr-defined]
        self.show_status(f"Imported {report.n_imported:,} images into {target}:{group}"  # type: ignore[attr-defined]
                         + (f", {report.n_skipped:,} skipped" if report.n_skipped else ""))  # type: ignore[attr-defined]
        self._show_written(target, group)

    def _show_written(self, file: str, path: str) -> None:
        if file in self.model.files():
            self.show_changed(file, posixpath.dirname(path) or "/", path)
        else:
            self.open_files([file], select=path)

    def open_transform_wizard(self) -> None:
        node = self.current_node()
        if node is None or node.info is None or node.info.effective_kind != nodes.DATASET:
            self.show_error("Select a dataset to transform")
            return
        if node.file not in self.session.writable:
            answer = QMessageBox.question(
                self, "Enable editing?",
                f"The transform writes a new dataset into {os.path.basename(node.file)}, which is open read-only.\n"
                "Enable editing for it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
            self._after_editing = lambda: self.open_transform_wizard()
            self._set_editing(node.file, True)
            return
        from h5gui.gui.wizards.transform import TransformWizard

        info = node.info
        wizard = TransformWizard(self, node.file, node.path, info.shape or (), info.dtype, info.dtype[:1])
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._wizard = wizard
        wizard.show()

    def transform_finished(self, report: object) -> None:
        self.show_status(f"Wrote {report.dest} in {report.seconds:.1f} s")  # type: ignore[attr-defined]
        self._show_written(report.file, report.dest)  # type: ignore[attr-defined]

    # ================================================================== tree actions
    def _load_visible_more(self) -> None:
        """Request the next batch for every "N more..." row inside the viewport."""
        viewport = self.tree.viewport()
        idx = self.tree.indexAt(QPoint(4, 2))
        bottom = viewport.height()
        steps = 0
        while idx.isValid() and steps < 400:
            rect = self.tree.visualRect(idx)
            if rect.top() > bottom:
                break
            node = self.model.data(idx, NODE_ROLE)
            if node is not None and node.kind == "more":
                self.model.request_more(idx)
            elif node is not None and node.kind == "earlier":
                self.model.request_earlier(idx)
            idx = self.tree.indexBelow(idx)
            steps += 1

    def _on_activated(self, index: QModelIndex) -> None:
        node = self.model.data(index, NODE_ROLE)
        if node is not None and node.kind == "more":
            self.model.request_more(index)
        elif node is not None and node.kind == "earlier":
            self.model.request_earlier(index)

    def _on_window_shifted(self, parent: QModelIndex, delta: int) -> None:
        """Rows were added or removed above a group's rows: keep the same rows in sight."""
        if parent.isValid() and not self.tree.isExpanded(parent):
            return
        self.tree.executeDelayedItemsLayout()
        sb = self.tree.verticalScrollBar()
        sb.setValue(sb.value() + delta)

    def _apply_filter(self) -> None:
        """Hide loaded rows whose name does not contain the filter text (keeping parents of matches)."""
        text = self._filter_text.casefold()
        tree, model = self.tree, self.model

        def visit(node: Node, parent_index: QModelIndex) -> bool:
            any_match = False
            for child in node.children:
                cidx = model.index_of(child)
                below = visit(child, cidx) if child.children else False
                match = not text or child.kind == "file" or below or text in child.name.casefold()
                row = node.row_of(child)
                if tree.isRowHidden(row, parent_index) == match:
                    tree.setRowHidden(row, parent_index, not match)
                any_match = any_match or match
            return any_match

        visit(model.root, QModelIndex())

    def _on_filter_changed(self, text: str) -> None:
        self._filter_text = text
        self._filter_timer.start()

    def _tree_menu(self, pos: QPoint) -> None:
        idx = self.tree.indexAt(pos)
        menu = QMenu(self)
        a = self.actions_
        if idx.isValid():
            menu.addAction(a.copy_path)
            menu.addAction(a.copy_name)
            menu.addSeparator()
            node = self.model.data(idx, NODE_ROLE)
            is_dataset = node is not None and node.info is not None and node.info.effective_kind == nodes.DATASET
            if is_dataset:
                menu.addAction(a.transform)
                menu.addAction(a.export)
                menu.addAction(a.export_stack)
                menu.addAction(a.export_shown)
                menu.addAction(a.copy_code)
                menu.addAction(a.copy_torch)
            else:
                menu.addAction(a.export)
            menu.addSeparator()
            new = menu.addMenu("New")
            for act in (a.new_group, a.new_empty_dataset, a.new_dataset, a.new_soft_link, a.new_external_link):
                new.addAction(act)
            _add(menu, [a.rename, a.delete, *self._object_actions(), None, a.set_attr_selected, a.paste_attrs, None])
            menu.addAction(a.expand_below)
            menu.addAction(a.collapse_all)
            menu.addSeparator()
        menu.addAction(a.refresh)
        if idx.isValid():
            menu.addAction(a.close)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def copy_path(self) -> None:
        node = self.current_node()
        if node is not None:
            text = node.path if node.kind != "file" else node.file
            QGuiApplication.clipboard().setText(text)
            self.show_status(f"Copied {text}")

    def copy_name(self) -> None:
        node = self.current_node()
        if node is not None:
            QGuiApplication.clipboard().setText(node.name)
            self.show_status(f"Copied {node.name}")

    def expand_all_below(self) -> None:
        """Expand the selected group and its loaded subgroups, at most EXPAND_ALL_LIMIT rows."""
        start = self.tree.currentIndex()
        if not start.isValid():
            return
        budget = [EXPAND_ALL_LIMIT]

        def expand(idx: QModelIndex) -> None:
            if budget[0] <= 0:
                return
            self.tree.expand(idx)
            rows = self.proxy.rowCount(idx)
            budget[0] -= rows
            for r in range(min(rows, max(budget[0], 0))):
                child = self.proxy.index(r, 0, idx)
                if self.proxy.hasChildren(child):
                    expand(child)

        expand(start)
        if budget[0] <= 0:
            self.show_status(f"Expanded the first {EXPAND_ALL_LIMIT:,} rows below {self.current_node().path}")

    def about(self) -> None:
        from PySide6 import __version__ as pyside_version

        QMessageBox.about(
            self, "About h5gui",
            f"<h3>h5gui {__version__}</h3><p>A desktop workbench for HDF5 files.</p>"
            f"<p>PySide6 {pyside_version}</p>",
        )

    # ================================================================== drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_files(paths)

    # ================================================================== idle / shutdown
    def _warm_up_when_idle(self) -> None:
        self._idle_ticks = self._idle_ticks + 1 if not self.runner.has_pending() else 0
        if self._idle_ticks >= 6:  # 1.5 s without I/O work
            self._warm_timer.stop()
            self.preview.warm_up()

    def is_idle(self) -> bool:
        return not self.runner.has_pending() and not self.model.has_pending_operations() \
            and not self._restore_queue and not self._opening and not self.preview.is_busy()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._save_settings()
        self.runner.shutdown()
        self.preview.wait_warm_up()
        super().closeEvent(event)


def _add(menu: QMenu, actions: list[QAction | None]) -> None:
    """Add actions to a menu; None is a separator."""
    for act in actions:
        if act is None:
            menu.addSeparator()
        else:
            menu.addAction(act)

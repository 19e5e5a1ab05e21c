"""Every QAction of the main window in one place (text, shortcut, tooltip), and where each one
appears: the menu bar, the toolbar and the tree's context menu."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QWidget

from h5gui.gui.dataset_kinds import holds_numbers, is_image_stack
from h5gui.gui.icons import icon
from h5gui.gui.models.tree_nodes import Node
from h5gui.gui.session import Session


@dataclass
class Actions:
    open: QAction
    open_demo: QAction
    close: QAction
    close_all: QAction
    refresh: QAction
    quit: QAction
    copy_path: QAction
    copy_name: QAction
    expand_below: QAction
    collapse_all: QAction
    find: QAction
    about: QAction
    enable_editing: QAction
    set_attr_selected: QAction
    paste_attrs: QAction
    import_images: QAction
    transform: QAction
    new_group: QAction
    rename: QAction
    delete: QAction
    copy_object: QAction
    cut_object: QAction
    export_stack: QAction
    new_dataset: QAction
    new_empty_dataset: QAction
    export_shown: QAction
    new_soft_link: QAction
    new_external_link: QAction
    paste_object: QAction
    export: QAction
    compact: QAction
    copy_code: QAction
    copy_torch: QAction
    find_all: QAction
    stats: QAction  # issue 14: the ML views of a dataset (h5gui/gui/controllers/ml.py)
    samples: QAction
    copy_loader: QAction
    messages: QAction
    live_refresh: QAction


def _make(parent: QWidget, text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str | None, tip: str) -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setToolTip(tip + (f" ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})" if shortcut else ""))
    action.setStatusTip(tip)
    parent.addAction(action)
    return action


def create_actions(parent: QWidget) -> Actions:
    K = QKeySequence.StandardKey
    return Actions(
        open=_make(parent, "&Open...", K.Open, "Open an HDF5 file read-only"),
        open_demo=_make(parent, "Open &demo file", None, "Write a small demo file and open it"),
        close=_make(parent, "&Close file", K.Close, "Close the file of the selected item"),
        close_all=_make(parent, "Close a&ll", "Ctrl+Shift+W", "Close every open file"),
        refresh=_make(parent, "&Refresh", "F5", "Reopen the files, keeping expanded groups and the selection"),
        quit=_make(parent, "&Quit", "Ctrl+Q", "Quit h5gui"),
        copy_path=_make(parent, "Copy &path", "Ctrl+Shift+C", "Copy the HDF5 path of the selected item"),
        copy_name=_make(parent, "Copy &name", None, "Copy the name of the selected item"),
        expand_below=_make(parent, "&Expand all below", "Ctrl+Shift+E", "Expand the selected group and its subgroups (bounded)"),
        collapse_all=_make(parent, "C&ollapse all", "Ctrl+Shift+K", "Collapse every group"),
        find=_make(parent, "&Filter tree", "Ctrl+L", "Narrow the loaded rows by name"),
        about=_make(parent, "&About h5gui", None, "Version and libraries"),
        enable_editing=_make(parent, "&Enable editing", "Ctrl+E",
                             "Reopen the selected file read-write so that its attributes can be changed"),
        set_attr_selected=_make(parent, "Set attribute on selected...", "Ctrl+Shift+A",
                                "Set one attribute on every selected object"),
        paste_attrs=_make(parent, "Paste attributes onto selected", "Ctrl+Shift+V",
                          "Paste the copied attributes onto every selected object"),
        import_images=_make(parent, "&Import image folder...", "Ctrl+I",
                            "Pack a folder tree of images into an HDF5 file, one group per folder"),
        transform=_make(parent, "&Transform dataset...", "Ctrl+T",
                        "Reshape, cast, normalize or rechunk the selected dataset (out of core)"),
        new_group=_make(parent, "New &group...", "Ctrl+Shift+N", "Create a group in the selected group"),
        rename=_make(parent, "Re&name...", "F2", "Rename the selected object"),
        delete=_make(parent, "&Delete...", None, "Delete the selected object (asks first, says what goes)"),
        copy_object=_make(parent, "Copy &object", None, "Copy the selected object, to paste into a group"),
        cut_object=_make(parent, "Cu&t object", None, "Cut the selected object, to paste (move) it into a group"),
        export_stack=_make(parent, "Export stack as images...", None,
                           "Write every image of the stack to a folder (the inverse of the image import)"),
        new_dataset=_make(parent, "New dataset from file...", None, "Store a .npy, .npz or CSV array as a dataset"),
        new_empty_dataset=_make(parent, "New &dataset...", None,
                                "Create a dataset: shape, datatype, chunks, compression, fill value"),
        export_shown=_make(parent, "Export shown image...", None,
                           "Save the frame as displayed (levels and colormap) as an 8-bit PNG or TIFF"),
        new_soft_link=_make(parent, "New soft link...", None, "Create a link to another object of this file"),
        new_external_link=_make(parent, "New external link...", None, "Create a link into another HDF5 file"),
        paste_object=_make(parent, "&Paste object", None,
                           "Paste the copied object into the selected group (also into another open file)"),
        export=_make(parent, "E&xport...", "Ctrl+Shift+S", "Export the dataset or the shown frame (.npy, .csv, .png, .tif)"),
        compact=_make(parent, "Co&mpact file...", None, "Rewrite the file without the space freed by deletions"),
        copy_code=_make(parent, "Copy as h5py code", None, "Copy Python that opens the file and reads this dataset"),
        copy_torch=_make(parent, "Copy as PyTorch Dataset", None,
                         "Copy a PyTorch Dataset class over this dataset (lazy open per worker)"),
        find_all=_make(parent, "&Find...", K.Find, "Search names and attributes across the whole file"),
        stats=_make(parent, "Stat&istics...", None,
                    "Min, max, mean, std per channel, NaN/inf counts, histogram, class counts of the dataset"),
        samples=_make(parent, "Sa&mples...", None, "A page of thumbnails of the stack with their labels"),
        copy_loader=_make(parent, "Copy loader code...", None,
                          "A PyTorch Dataset or a tf.data pipeline over this dataset, with its labels"),
        messages=_make(parent, "&Messages...", "Ctrl+Shift+M", "Every message of this session, with its time"),
        live_refresh=_make(parent, "&Live refresh", None,
                           "Read the shapes of loaded datasets again every 2 s (files being written, SWMR)"),
    )


def _add(menu: QMenu, actions: list[QAction | None]) -> None:
    """Add actions to a menu; None is a separator."""
    for act in actions:
        if act is None:
            menu.addSeparator()
        else:
            menu.addAction(act)


def build_menus(window: QMainWindow, a: Actions, undo: QAction, redo: QAction) -> tuple[QMenu, QToolBar]:
    """The menu bar and the toolbar of ``window``; returns the (empty) Open Recent menu and the toolbar."""
    mb = window.menuBar()
    m = mb.addMenu("&File")
    m.addAction(a.open)
    recent = m.addMenu("Open &Recent")
    _add(m, [a.open_demo, a.import_images, a.export, a.export_stack, a.export_shown, a.compact, None,
             a.enable_editing, a.refresh, a.close, a.close_all, None, a.quit])
    _add(mb.addMenu("&Edit"), [
        undo, redo, None, a.set_attr_selected, a.paste_attrs, a.transform, None,
        a.new_group, a.new_empty_dataset, a.new_dataset, a.new_soft_link, a.new_external_link, a.rename,
        a.delete, a.copy_object, a.cut_object, a.paste_object, None, a.copy_path, a.copy_name, a.copy_code,
        a.copy_torch, a.copy_loader, None, a.stats, a.samples, None, a.find_all, a.find,
    ])
    _add(mb.addMenu("&View"), [a.expand_below, a.collapse_all, None, a.live_refresh, a.messages])
    _add(mb.addMenu("&Help"), [a.about])
    # Quit from any window of the app (a Find or Messages window in front took Ctrl+Q for nothing)
    a.quit.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    tb = QToolBar("Main", window)
    tb.setObjectName("main_toolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    apply_icons(a)
    for act in (a.open, a.refresh, a.enable_editing, undo, redo, a.import_images, a.transform):
        tb.addAction(act)
    window.addToolBar(tb)
    return recent, tb


def tree_menu(parent: QWidget, a: Actions, node: Node | None) -> QMenu:
    """The tree's context menu for the row ``node`` (None: below the rows)."""
    menu = QMenu(parent)
    if node is not None:
        _add(menu, [a.copy_path, a.copy_name, None])
        if node.is_dataset:
            _add(menu, [a.transform, a.export, a.export_stack, a.export_shown, a.copy_code, a.copy_torch])
            _add(menu, [a.copy_loader, a.stats, a.samples])
        else:
            _add(menu, [a.export, a.samples])  # a group's samples: its 'images' (an import's group)
        menu.addSeparator()
        new = menu.addMenu("New")
        _add(new, [a.new_group, a.new_empty_dataset, a.new_dataset, a.new_soft_link, a.new_external_link])
        new.setEnabled(any(act.isEnabled() for act in new.actions()))  # a read-only file: nothing to create
        _add(menu, [a.rename, a.delete, a.copy_object, a.cut_object, a.paste_object, None, a.set_attr_selected,
                    a.paste_attrs, None, a.expand_below, a.collapse_all, None])
    menu.addAction(a.refresh)
    if node is not None:
        menu.addAction(a.close)
    return menu



def update_enabled(a: Actions, session: Session) -> None:
    """Enable only what can act on the selection and its file's mode: no New/Rename/Delete on read-only
    files, no Rename/Delete/Cut on a file's root, nothing that needs a file while none is open."""
    node = session.current_object()
    has_files = bool(session.files)
    target = node.new_object_group()[0] if node is not None else ""
    can_add = bool(target) and session.is_writable(target)
    obj = node is not None and node.kind != "file"  # an object, not a file's root
    can_change = obj and node is not None and session.is_writable(node.file)
    dataset = node is not None and node.is_dataset
    numbers = node is not None and holds_numbers(node.info)  # what transform and statistics accept
    group_like = node is not None and (node.kind == "file" or (node.info is not None and node.info.is_group_like))
    top = session.top_file()
    for action, on in (
        (a.refresh, has_files), (a.close, has_files), (a.close_all, has_files), (a.find, has_files),
        (a.find_all, has_files), (a.collapse_all, has_files), (a.copy_path, node is not None),
        (a.copy_name, node is not None), (a.expand_below, node is not None and node.can_have_children),
        (a.transform, numbers), (a.stats, numbers), (a.samples, dataset or group_like), (a.copy_loader, dataset),
        (a.export, node is not None), (a.export_stack, node is not None and is_image_stack(node.info)), (a.export_shown, dataset),
        (a.copy_code, dataset), (a.copy_torch, dataset), (a.compact, bool(top) and session.is_writable(top)),
        (a.new_group, can_add), (a.new_empty_dataset, can_add), (a.new_dataset, can_add),
        (a.new_soft_link, can_add), (a.new_external_link, can_add),
        (a.rename, can_change), (a.delete, can_change), (a.cut_object, can_change),
        (a.copy_object, obj), (a.paste_object, session.object_clip is not None and can_add),
    ):
        action.setEnabled(bool(on))


#: the icon of each action (files in h5gui/gui/icons), in menus and on the toolbar
ICONS = {
    "open": "open", "refresh": "refresh", "enable_editing": "edit", "import_images": "import",
    "transform": "transform", "new_group": "new_group", "delete": "delete", "rename": "rename",
    "find_all": "find", "export": "export", "close": "close", "about": "about", "messages": "messages",
    "copy_path": "copy", "copy_object": "copy", "paste_object": "paste", "paste_attrs": "paste",
    "new_empty_dataset": "new_dataset", "new_dataset": "new_dataset", "new_soft_link": "link",
    "new_external_link": "external_link", "copy_code": "code", "copy_torch": "code", "compact": "compact",
    "export_stack": "export", "export_shown": "export", "open_demo": "file", "live_refresh": "refresh",
}


def apply_icons(a: Actions) -> None:
    for name, icon_name in ICONS.items():
        action = getattr(a, name, None)
        if isinstance(action, QAction) and action.icon().isNull():
            action.setIcon(icon(icon_name))

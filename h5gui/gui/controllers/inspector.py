"""Showing the selected object: its description in the Info tab, its attributes in the Attributes tab
and the best view of its data in the preview, each read by a latest-wins job in the I/O process; the
user's permission to read data stored outside the file's folder; and objects that crashed or hung the
reader, which are not read again until the user says "Try again"."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QTabWidget, QWidget

from h5gui.core import api
from h5gui.core.attrs.records import AttrInfo
from h5gui.core.errors import H5GuiError, ReaderCrashedError
from h5gui.core.kinds import Kind
from h5gui.core.nodes.records import ChildInfo, NodeInfo
from h5gui.gui.controllers.base import Controller
from h5gui.gui.models.tree_model import H5TreeModel
from h5gui.gui.session import Notifier, Session
from h5gui.gui.widgets.attr_panel import AttrPanel
from h5gui.gui.widgets.info_panel import InfoPanel
from h5gui.gui.widgets.preview.panel import PreviewPanel
from h5gui.gui.workers import JobRunner

NO_SELECTION = "Select a dataset to preview it"


class Inspector(Controller):
    """Fills the info, attribute and preview panels for ``session.shown``."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier, model: H5TreeModel,
                 tabs: QTabWidget, info_panel: InfoPanel, attr_panel: AttrPanel, preview: PreviewPanel) -> None:
        super().__init__(parent, session, runner, notifier)
        self.model = model
        self.tabs = tabs
        self.info_panel = info_panel
        self.attr_panel = attr_panel
        self.preview = preview
        self.closing: str | None = None  # the file whose rows are being removed

    def show_current(self) -> None:
        """The tree's current row changed: show it (status rows and rows of a file being closed are
        ignored)."""
        node = self.session.current_object()
        if node is not None and (self.closing is None or node.top_file() != self.closing):
            self.show_node(node.file, node.path)

    def show_node(self, file: str, path: str, force: bool = False) -> None:
        """Show ``path`` of ``file``; ``force``: read it even though it crashed or hung the reader before."""
        self.session.shown = (file, path)
        self.notifier.state_changed()
        failed = None if force else self.runner.quarantined(file, path)
        if failed is not None:
            self._show_failed(file, path, failed)
            return
        allow = self.session.is_trusted(file, path)
        self.info_panel.show_loading(file, path)
        node = self.session.current_node()
        info = node.info if node is not None and node.file == file and node.path == path else None
        if info is not None and info.kind in (Kind.DATASET, Kind.SOFT_LINK) and info.effective_kind == Kind.DATASET:
            self.preview.show_node(file, path, allow, force)  # at once, in parallel with the info
        elif info is not None and info.kind == Kind.EXTERNAL_LINK:
            pass  # decided when the info says where the link leads
        elif node is not None and node.kind == "file":
            self.preview.show_group(file, "/")
        elif info is not None and info.is_group_like and info.kind != Kind.EXTERNAL_LINK:
            self.preview.show_group(file, path)
        else:
            self._preview_message_for(info)
        self.runner.submit(
            api.nodes.describe, file, path, allow_external=allow, key="info", force=force,
            on_result=self._on_info, on_error=partial(self._on_info_error, file, path),
        )
        if info is not None and info.kind == Kind.EXTERNAL_LINK:
            self.attr_panel.show_message("Reading the attributes of the link's target...")
            return  # read from the target once the info says where the link leads (_on_info)
        self._list_attrs(file, path, force=force)

    def _list_attrs(self, file: str, path: str, note: str = "", force: bool = False) -> None:
        """List the attributes of ``path`` in ``file`` in the Attributes tab (``note``: they are an
        external link's target's, read-only here)."""
        self.runner.submit(
            api.attrs.list_attrs, file, path, key="attrs", force=force,
            on_result=partial(self._on_attrs, note=note, source=(file, path)), on_error=self._on_attrs_error,
        )

    def _show_failed(self, file: str, path: str, reason: str) -> None:
        """The object crashed or hung the reader before: say so, read nothing, offer "Try again"."""
        for key in ("info", "attrs"):
            self.runner.cancel(key)
        self.info_panel.show_error(file, path, reason, retry=True)
        self.attr_panel.show_message("Not read again automatically: use Try again in the Info tab")
        self.preview.show_failed(file, path, reason)

    def retry(self, file: str, path: str) -> None:
        """The user's "Try again" on an object that broke the reader: read it once more, forced."""
        self.model.retry(file, path)
        self.notifier.show_status(f"Trying {path} again...")
        self.show_node(file, path, force=True)

    def clear(self) -> None:
        """Nothing is shown (the file of the shown object was closed, or every file is reopened)."""
        self.session.shown = None
        self.info_panel.clear()
        self.attr_panel.clear()
        self.preview.show_message(NO_SELECTION)
        self.tabs.setTabText(self.tabs.indexOf(self.attr_panel), "Attributes")

    def confirm_external(self, file: str, path: str) -> None:
        """The user allowed reading data from outside the file's folder for this one object."""
        self.session.trust(file, path)
        node = self.session.current_node()
        if node is not None and node.file == file and node.path == path and node.info is not None \
                and node.info.kind == Kind.EXTERNAL_LINK:
            self.model.allow_external(self.model.index_of(node))
        self.show_node(file, path)

    # ------------------------------------------------------------------ results
    def _on_info(self, info: NodeInfo) -> None:
        if self.session.shown != (info.file, info.path):
            return
        self.info_panel.show_info(info)
        if info.kind == Kind.EXTERNAL_LINK:
            self._external_attrs(info)
            if info.object_kind == Kind.DATASET and not info.needs_confirmation and info.link_file_resolved:
                self.preview.show_node(info.link_file_resolved, info.link_target,
                                       self.session.is_trusted(info.file, info.path))
            elif info.needs_confirmation:
                self.preview.show_message("External link outside the file's folder: allow it in the Info tab")
            else:
                self.preview.show_message(f"External link to {info.link_file}:{info.link_target}")

    def _external_attrs(self, info: NodeInfo) -> None:
        """The Attributes tab of an external link: its target's attributes, read-only (edits go to the
        target's own file, opened by itself)."""
        where = f"{info.link_file}:{info.link_target}"
        if info.needs_confirmation:
            self._on_attrs_error(f"External link to {where}, outside the file's folder: allow it in the Info tab")
        elif info.link_file_resolved and info.object_kind:
            note = (f"Attributes of {where}, reached through an external link: read-only here "
                    f"(open {info.link_file} to edit them)")
            self._list_attrs(info.link_file_resolved, info.link_target, note)
        else:
            self._on_attrs_error(info.error or f"External link to {where}: its target is not there")

    def _on_info_error(self, file: str, path: str, err: H5GuiError) -> None:
        if self.session.shown != (file, path):
            return
        node = self.session.current_node()
        if node is not None and node.info is not None and node.info.kind == Kind.EXTERNAL_LINK:
            self._on_attrs_error(err)  # its attributes waited for the info
        self.info_panel.show_error(file, path, str(err), retry=isinstance(err, ReaderCrashedError))
        self.notifier.show_error(err)

    def _on_attrs(self, attrs: list[AttrInfo], note: str = "", source: tuple[str, str] | None = None) -> None:
        self.attr_panel.set_through(note, source)
        self.notifier.state_changed()
        self.attr_panel.set_attrs(attrs)
        n = len(attrs)
        self.tabs.setTabText(self.tabs.indexOf(self.attr_panel), f"Attributes ({n})" if n else "Attributes")

    def _on_attrs_error(self, err: H5GuiError | str) -> None:
        """No attributes to list (an external link, an unreadable object): the tab does not keep the
        previous object's count."""
        self.attr_panel.show_message(str(err))
        self.tabs.setTabText(self.tabs.indexOf(self.attr_panel), "Attributes")

    def _preview_message_for(self, info: ChildInfo | None) -> None:
        if info is None:
            self.preview.show_message(NO_SELECTION)
        elif info.kind == Kind.DANGLING_LINK:
            self.preview.show_message(info.error or "Dangling link: nothing to show")
        elif info.kind == Kind.UNREADABLE:
            self.preview.show_message(f"Unreadable: {info.error}")
        elif info.is_group_like:
            n = info.members
            self.preview.show_message(f"Group with {n:,} member{'s' if n != 1 else ''}" if n is not None else "Group")
        elif info.effective_kind == Kind.DATATYPE:
            self.preview.show_message(f"Committed datatype: {info.dtype}")
        else:
            self.preview.show_message("Nothing to preview")

"""Attribute editing: set, rename, delete, duplicate and add on the shown object; set one attribute on
every selected object; copy attributes and paste them onto other objects (also in another file).

Each edit runs in the I/O process through ``h5gui.core.attr_edits`` and goes onto the undo stack; a value
that does not fit is refused with the reason in the Attributes tab, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from h5gui.core import api
from h5gui.core.attrs.records import AttrEdit, AttrValue, EditResult
from h5gui.core.errors import H5GuiError
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.gui.controllers.base import Controller
from h5gui.gui.session import READ_ONLY_HINT, Notifier, Session, Target
from h5gui.gui.undo import EditCommand, FileUndo, done_message
from h5gui.gui.widgets.attr_dialog import AttrDialog
from h5gui.gui.widgets.attr_panel import AttrPanel
from h5gui.gui.workers import JobRunner


class AttributeActions(Controller):
    """Edits from the Attributes tab and the Edit menu. ``show_node(file, path)`` shows an object again
    (its attributes changed while it was shown)."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier,
                 panel: AttrPanel, undo: FileUndo, show_node: Callable[[str, str], None]) -> None:
        super().__init__(parent, session, runner, notifier)
        self.panel = panel
        self.undo = undo
        self.show_node = show_node

    # ------------------------------------------------------------------ the shown object
    def _shown_target(self) -> Target | None:
        """The shown object when its file is writable; otherwise refuse in the tab and the status bar."""
        if self.session.shown is None:
            return None
        target = self.session.shown_writable()
        if target is None:
            self.panel.show_refusal(READ_ONLY_HINT)
            self.notifier.show_error(READ_ONLY_HINT)
        return target

    def edit(self, fn: FuncRef, *args: Any, about: str = "", **kwargs: Any) -> None:
        """Run ``fn(file, path, *args, **kwargs)`` (an ``api.attrs`` edit) on the shown object; a refusal
        is shown prefixed with ``about`` (the attribute's name)."""
        target = self._shown_target()
        if target is None:
            return
        file, path = target
        self.runner.submit(fn, file, path, *args, on_result=self._done, on_error=partial(self._failed, about=about),
                           **kwargs)

    def set_value(self, name: str, text: str) -> None:
        """A value typed in the table or the side view: the write refuses what does not fit, with the
        reason, before anything is written."""
        self.edit(api.attrs.set_value, name, text, about=name)

    def stored_names(self, names: list[str]) -> list[str | bytes]:
        """The names as stored: a name that is not UTF-8 is shown escaped, and edited by its bytes."""
        raw = {a.name: a.raw_name for a in self.panel.model.attrs() if a.raw_name}
        return [raw.get(n, n) for n in names]

    def rename(self, old: str, new: str) -> None:
        self.edit(api.attrs.rename, self.stored_names([old])[0], new)

    def delete(self, names: list[str]) -> None:
        self.edit(api.attrs.delete, self.stored_names(names))

    def duplicate(self, name: str) -> None:
        existing = {a.name for a in self.panel.model.attrs()}
        new = f"{name}_copy"
        i = 2
        while new in existing:
            new, i = f"{name}_copy{i}", i + 1
        self.panel.select_next(new)
        self.edit(api.attrs.duplicate, self.stored_names([name])[0], new)

    def add(self) -> None:
        target = self._shown_target()
        if target is None:
            return
        existing = {a.name for a in self.panel.model.attrs()}
        dialog = AttrDialog(self.parent, self.runner, title="New attribute", existing=existing,
                            target=f"on {target[1]}")
        if dialog.exec():
            name, text, type_name, shape, fixed = dialog.values()
            self.panel.select_next(name)
            self.edit(api.attrs.set_value, name, text, type_name, shape=shape, fixed_length=fixed)

    # ------------------------------------------------------------------ results, undo and redo
    def _done(self, result: EditResult) -> None:
        # one command per file: each file has its own undo stack
        for file in dict.fromkeys(e.file for e in result.redo + result.undo):
            undo = tuple(e for e in result.undo if e.file == file)
            redo = tuple(e for e in result.redo if e.file == file)
            self.undo.push(EditCommand(result.description, undo, redo, self.apply, file=file))
        self.notifier.show_status(done_message(result.description))
        self.panel.show_refusal("")
        self._reshow_if_shown(result.redo)

    def _failed(self, err: H5GuiError, about: str = "") -> None:
        text = f"{about}: {err}" if about else str(err)
        self.panel.show_refusal(text)
        self.notifier.show_error(text)

    def apply(self, edits: tuple[AttrEdit, ...], message: str, failed: Callable[[], None]) -> None:
        """Undo/redo: re-run recorded edits in the I/O process (``failed()`` when they did not run)."""

        def applied(_attrs: object) -> None:
            self.notifier.show_status(message)
            self._reshow_if_shown(edits)

        def refused(err: H5GuiError) -> None:
            failed()
            self._failed(err)

        self.runner.submit(api.attrs.apply, edits, on_result=applied, on_error=refused)

    def _reshow_if_shown(self, edits: tuple[AttrEdit, ...]) -> None:
        shown = self.session.shown
        if shown is not None and any((e.file, e.path) == shown for e in edits):
            self.show_node(*shown)

    # ------------------------------------------------------------------ many objects
    def _writable_targets(self) -> list[Target] | None:
        targets = self.session.selected_objects()
        if not targets:
            self.notifier.show_error("Select the objects first")
            return None
        if not all(self.require_writable(f) for f in sorted({f for f, _ in targets})):
            return None
        return targets

    def set_on_selected(self) -> None:
        targets = self._writable_targets()
        if targets is None:
            return
        dialog = AttrDialog(self.parent, self.runner, title="Set attribute on selected objects",
                            target=f"on {len(targets)} object{'s' if len(targets) > 1 else ''}: "
                                   + ", ".join(p for _f, p in targets[:5]) + (" ..." if len(targets) > 5 else ""))
        if dialog.exec():
            name, text, type_name, shape, fixed = dialog.values()
            self.runner.submit(api.attrs.set_on_many, targets, name, text, type_name, shape=shape,
                               fixed_length=fixed, on_result=self._done, on_error=self._failed)

    # ------------------------------------------------------------------ copy and paste
    def copy(self, names: list[str]) -> None:
        """Copy the named attributes of the shown object (all of them for [])."""
        if self.session.shown is None:
            return
        file, path = self.panel.through_source or self.session.shown  # an external link's: its target's
        self.runner.submit(api.attrs.get_attr_values, file, path, self.stored_names(names) or None,
                           on_result=self._copied, on_error=self.notifier.show_error)

    def _copied(self, values: list[AttrValue]) -> None:
        self.session.attr_clip = list(values)
        shown = {a.name: a for a in self.panel.model.attrs()}
        QGuiApplication.clipboard().setText(
            "\n".join(f"{v.name} = {shown[v.name].edit_text if v.name in shown else ''}" for v in values))
        self.notifier.show_status(f"Copied {len(values)} attribute{'s' if len(values) != 1 else ''}: "
                                  "select objects and paste (Ctrl+Shift+V)")
        self.notifier.state_changed()

    def paste(self) -> None:
        if not self.session.attr_clip:
            self.notifier.show_error("No attributes copied yet: use Copy in the Attributes tab")
            return
        targets = self._writable_targets()
        if targets is None:
            shown = self.session.shown
            if shown is not None and not self.session.is_writable(shown[0]):
                self.panel.show_refusal(READ_ONLY_HINT)
            return
        self.runner.submit(api.attrs.paste, targets, list(self.session.attr_clip),
                           on_result=self._done, on_error=self._failed)

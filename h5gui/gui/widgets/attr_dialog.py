"""Dialog for a new attribute (or one to set on many nodes): name, type, shape, value, checked as typed
(the value by a job in the I/O process: its parser needs h5py, which the GUI process never imports)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from h5gui.core import api
from h5gui.core.attrs.records import ATTR_TYPES
from h5gui.core.errors import H5GuiError
from h5gui.core.parsing import parse_shape
from h5gui.gui.workers import JobRunner


class AttrDialog(QDialog):
    def __init__(self, parent: QWidget | None, runner: JobRunner, *, title: str = "New attribute",
                 existing: AbstractSet[str] = frozenset(), target: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.runner = runner
        self._existing = set(existing)
        self._checked: tuple[str, str, tuple[int, ...] | None, bool] | None = None  # the value the last check was for
        layout = QVBoxLayout(self)
        if target:
            where = QLabel(target, self)
            where.setWordWrap(True)
            layout.addWidget(where)
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("e.g. units")
        self.type_combo = QComboBox(self)
        self.type_combo.addItems(ATTR_TYPES)
        self.type_combo.setToolTip("Datatype of the new attribute")
        self.fixed_check = QCheckBox("fixed-length", self)
        self.fixed_check.setToolTip("Fixed-length string (as many tools and MATLAB write); default: variable-length UTF-8")
        self.shape_edit = QLineEdit(self)
        self.shape_edit.setPlaceholderText("from the value (e.g. 3 or 2, 3; 'scalar')")
        self.value_edit = QPlainTextEdit(self)
        self.value_edit.setPlaceholderText('3   0.5   true   [1, 2, 3]   [[1, 2], [3, 4]]   text   ["a", "b"]')
        self.value_edit.setMaximumHeight(90)
        form.addRow("Name", self.name_edit)
        form.addRow("Type", self.type_combo)
        form.addRow("", self.fixed_check)
        form.addRow("Shape", self.shape_edit)
        form.addRow("Value", self.value_edit)
        layout.addLayout(form)
        self.reason = QLabel("", self)
        self.reason.setStyleSheet("color: #c62828;")
        self.reason.setWordWrap(True)
        layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for w in (self.name_edit, self.shape_edit):
            w.textChanged.connect(self._validate)
        self.value_edit.textChanged.connect(self._validate)
        self.type_combo.currentTextChanged.connect(self._validate)
        self.fixed_check.toggled.connect(self._validate)
        self.resize(460, self.sizeHint().height())
        self._validate()

    def values(self) -> tuple[str, str, str, tuple[int, ...] | None, bool]:
        """(name, text, type name, shape, fixed_length)."""
        return (self.name_edit.text(), self.value_edit.toPlainText(), self.type_combo.currentText(),
                parse_shape(self.shape_edit.text()), self.fixed_check.isChecked())

    def _validate(self) -> None:
        self.fixed_check.setVisible(self.type_combo.currentText() == "string")
        name = self.name_edit.text()
        reason = ""
        if not name:
            reason = "the attribute needs a name"
            if not self.name_edit.isModified():  # just opened: OK waits for a name, without a red line yet
                self.reason.setText("")
                self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
                return
        elif name in self._existing:
            reason = f"an attribute {name!r} already exists here"
        else:
            try:
                _, text, type_name, shape, fixed = self.values()
            except H5GuiError as exc:
                reason = str(exc)
            else:
                self._check_value((text, type_name, shape, fixed))
                return
        self._show_reason(reason)

    def _check_value(self, value: tuple[str, str, tuple[int, ...] | None, bool]) -> None:
        """Ask the I/O process whether the value fits its type (latest wins); OK waits for the answer."""
        self._checked = value
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        text, type_name, shape, fixed = value

        def checked(problem: str) -> None:
            if self._checked == value:
                self._show_reason(problem)

        self.runner.submit(api.attrs.value_problem, text, type_name, shape=shape, fixed_length=fixed,
                           key=("attr-check", id(self)), on_result=checked,
                           on_error=lambda err: checked(str(err)))

    def _show_reason(self, reason: str) -> None:
        self.reason.setText(reason)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not reason)

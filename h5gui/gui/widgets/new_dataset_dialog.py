"""New dataset...: name, shape, dtype, chunks, compression and fill value of an empty dataset."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from h5gui.core import codecs
from h5gui.core.errors import H5GuiError
from h5gui.core.parsing import new_dataset_options


class NewDatasetDialog(QDialog):
    """Name, shape, dtype, chunks, compression and fill value of a new dataset."""

    def __init__(self, parent: QWidget, group: str) -> None:
        super().__init__(parent)
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
        return new_dataset_options(self.shape.text(), self.dtype.currentText(), self.chunks.text(),
                                   self.compression.currentText(), self.fill.text())

    def _check(self) -> None:
        try:
            if not self.name.text():
                raise H5GuiError("the dataset needs a name")
            self.values()
        except H5GuiError as exc:  # the shape, chunks or fill value
            self.reason.setText(str(exc))
            return
        self.accept()

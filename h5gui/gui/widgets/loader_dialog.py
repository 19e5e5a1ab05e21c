"""Copy loader code (``h5gui-cli snippet --torch / --tf``): a PyTorch Dataset or a tf.data pipeline over
the selected dataset, with its options (channels-first float, the labels dataset, a resize for encoded
pictures), shown before it is copied. The code is written by :mod:`h5gui.core.snippets` in the I/O
process (it looks at the file: labels by convention, class names, normalization attributes)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.gui.workers import JobRunner

AUTO_LABELS = "found by convention (labels, y_* beside x_*)"
NO_LABELS = "none"


class LoaderDialog(QDialog):
    """Options -> the code (regenerated on every change) -> Copy."""

    def __init__(self, parent: QWidget, runner: JobRunner, file: str, path: str, kind: str = "torch") -> None:
        super().__init__(parent)
        self.runner, self.file, self.path = runner, file, path
        self.code = ""
        self.error = ""
        self.setWindowTitle(f"Loader code for {path}")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.kind = QComboBox(self)
        self.kind.addItem("PyTorch Dataset + DataLoader", "torch")
        self.kind.addItem("tf.data / Keras (generator)", "tf")
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        form.addRow("Loader", self.kind)
        self.chw = QCheckBox("float32 in [0, 1], channels first (CHW), as a conv net takes them", self)
        form.addRow("Samples", self.chw)
        self.labels = QComboBox(self)
        self.labels.setEditable(True)
        self.labels.addItems([AUTO_LABELS, NO_LABELS])
        self.labels.setToolTip("Or type the path of the labels dataset")
        form.addRow("Labels", self.labels)
        resize_row = QHBoxLayout()
        self.resize_check = QCheckBox("resize encoded pictures to", self)
        self.width_spin = QSpinBox(self)
        self.height_spin = QSpinBox(self)
        for s in (self.width_spin, self.height_spin):
            s.setRange(1, 65535)
            s.setValue(224)
        for w in (self.resize_check, self.width_spin, QLabel("x", self), self.height_spin):
            resize_row.addWidget(w)
        resize_row.addStretch(1)
        form.addRow("Encoded", resize_row)
        layout.addLayout(form)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # code keeps its lines, as it is pasted
        layout.addWidget(self.text, 1)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy to clipboard", self)
        self.copy_button.setDefault(True)
        self.copy_button.clicked.connect(self.copy)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.kind.currentIndexChanged.connect(self.refresh)
        self.chw.toggled.connect(self.refresh)
        self.labels.currentTextChanged.connect(self.refresh)
        self.resize_check.toggled.connect(self.refresh)
        for s in (self.width_spin, self.height_spin):
            s.editingFinished.connect(self.refresh)
        self.resize(760, 600)
        self.refresh()

    def options(self) -> dict[str, Any]:
        kind = self.kind.currentData()
        text = self.labels.currentText().strip()
        labels = None if text in ("", AUTO_LABELS) else ("" if text == NO_LABELS else text)
        return {"torch": kind == "torch", "tf": kind == "tf", "labels": labels, "chw": self.chw.isChecked(),
                "resize": (self.width_spin.value(), self.height_spin.value()) if self.resize_check.isChecked() else None}

    def refresh(self) -> None:
        self.copy_button.setEnabled(False)
        self.status.setText("Writing the code...")
        self.runner.submit(api.export.snippet, self.file, self.path, **self.options(), key=f"loader-{id(self)}",
                           on_result=self._show, on_error=self._error)

    def _show(self, code: str) -> None:
        self.code, self.error = code, ""
        self.text.setPlainText(code)
        self.status.setText("")
        self.copy_button.setEnabled(True)

    def _error(self, err: H5GuiError) -> None:
        self.code, self.error = "", str(err)
        self.text.setPlainText("")
        self.status.setText(f"<span style='color:#c62828'>{err}</span>")

    def copy(self) -> None:
        if self.code:
            QGuiApplication.clipboard().setText(self.code)
            self.status.setText(f"Copied the {self.kind.currentText()} code for {self.path} to the clipboard")

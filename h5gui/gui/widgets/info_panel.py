"""The info panel: what a selected object is (kind, shape, dtype, chunks, filters, storage, links)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from h5gui.core.nodes.records import NodeInfo
from h5gui.gui.icons import icon, kind_icon_name
from h5gui.gui.widgets.banner import Banner


class InfoPanel(QWidget):
    """Shows a :class:`NodeInfo` snapshot. Emits ``confirm_external`` when the user allows reading
    data that lives outside the file's folder."""

    confirm_external = Signal(str, str)  # file, path
    retry_requested = Signal(str, str)  # file, path: read it again although it broke the reader

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: NodeInfo | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        header = QHBoxLayout()
        self.icon_label = QLabel(self)
        self.title = QLabel("Nothing selected", self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QToolButton(self)
        self.copy_button.setText("Copy path")
        self.copy_button.setToolTip("Copy the HDF5 path of this object to the clipboard")
        self.copy_button.clicked.connect(self.copy_path)
        self.copy_button.setEnabled(False)
        header.addWidget(self.icon_label)
        header.addWidget(self.title, 1)
        header.addWidget(self.copy_button)
        outer.addLayout(header)
        self.banner = Banner(self)
        self.banner.action_clicked.connect(self._on_banner_action)
        outer.addWidget(self.banner)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.scroll_area.setWidget(self.body)
        outer.addWidget(self.scroll_area, 1)
        self._pending: tuple[str, str] | None = None
        self._retry: tuple[str, str] | None = None

    # -- state changes
    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)

    def show_loading(self, file: str, path: str) -> None:
        self._pending = (file, path)
        self.title.setText(path.rsplit("/", 1)[-1] or "/")
        self.banner.hide()

    def show_error(self, file: str, path: str, message: str, retry: bool = False) -> None:
        """``message`` in red; ``retry``: the object crashed or hung the reader, offer "Try again"."""
        self.info = None
        self._pending = None
        self._retry = (file, path) if retry else None
        self.title.setText(path.rsplit("/", 1)[-1] or "/")
        self._clear_form()
        self.form.addRow("Path", self._value(path))
        self.form.addRow("File", self._value(file))
        self.banner.show_message(message, "error", "Try again" if retry else "")
        self.copy_button.setEnabled(True)
        self._error_path = path

    def show_info(self, info: NodeInfo) -> None:
        self.info = info
        self._pending = None
        self.title.setText(info.name)
        kind = info.object_kind or info.kind
        self.icon_label.setPixmap(
            icon(kind_icon_name(kind, info.shape, virtual=bool(info.virtual_sources),
                                external_storage=bool(info.external_files),
                                link_kind=info.kind if info.kind != kind else "")).pixmap(20, 20)
        )
        self.copy_button.setEnabled(True)
        self._clear_form()
        for label, text in info.rows():
            if label in ("Problem", "Not read"):
                continue
            self.form.addRow(label, self._value(text, red=label == "Filters" and "not available" in text))
        if info.needs_confirmation:
            what = "external link target" if info.kind == "external_link" else "data"
            self.banner.show_message(
                f"This {what} lives outside the file's folder ({', '.join(info.outside_files)}). "
                "It is not read unless you allow it.",
                "warning",
                "Allow and read",
            )
        elif info.error:
            self.banner.show_message(info.error, "error")
        else:
            self.banner.hide()

    def clear(self) -> None:
        self.info = None
        self.title.setText("Nothing selected")
        self.icon_label.clear()
        self._clear_form()
        self.banner.hide()
        self.copy_button.setEnabled(False)

    def _value(self, text: str, red: bool = False) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if red:
            label.setStyleSheet("color: #c62828;")
        return label

    def _on_banner_action(self) -> None:
        if self._retry is not None:
            retry, self._retry = self._retry, None
            self.retry_requested.emit(*retry)
        elif self.info is not None and self.info.needs_confirmation:
            self.confirm_external.emit(self.info.file, self.info.path)

    def copy_path(self) -> None:
        path = self.info.path if self.info is not None else getattr(self, "_error_path", "")
        if path:
            QGuiApplication.clipboard().setText(path)

    def field_texts(self) -> dict[str, str]:
        """Label -> text of every shown row (tests and screenshots)."""
        out = {}
        for row in range(self.form.rowCount()):
            label = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            label_w = label.widget() if label else None
            field_w = field.widget() if field else None
            if isinstance(label_w, QLabel) and isinstance(field_w, QLabel):
                out[label_w.text()] = field_w.text()
        return out

"""File > Open URL... : an ``s3://``, ``https://`` or ``hdf5://`` address with a history, the S3 options
(endpoint URL, profile, anonymous) and the HSDS server (endpoint, user, password).

The history holds addresses as h5gui names them (credentials and signed query parameters dropped by
:class:`~h5gui.core.sources.Source`); the S3 options hold no secret; the HSDS endpoint and user name are
remembered, the password never: it lives in memory for this session only.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from h5gui.core.errors import H5GuiError
from h5gui.core.remote_session import hs_defaults
from h5gui.core.sources import S3Options, Source

HISTORY_KEY = "remote/url_history"
HS_ENDPOINT_KEY = "remote/hs_endpoint"
HS_USERNAME_KEY = "remote/hs_username"
MAX_HISTORY = 20


def url_history(settings: QSettings) -> list[str]:
    value = settings.value(HISTORY_KEY, [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def add_to_history(settings: QSettings, url: str) -> None:
    """Remember ``url`` (already cleaned of credentials by Source) at the top of the history."""
    items = [u for u in url_history(settings) if u != url]
    settings.setValue(HISTORY_KEY, [url, *items][:MAX_HISTORY])


class OpenUrlDialog(QDialog):
    """Asks for an address and how to reach it; :meth:`source` is the choice (after ``accept``).

    ``browse_requested(folder)``: the user wants the domains of an HSDS folder (the controller lists it
    in the I/O process and calls :meth:`show_folder`)."""

    browse_requested = Signal(str)

    def __init__(self, parent: QWidget | None, settings: QSettings, *, hs_password: str = "",
                 hsds: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("open_url_dialog")
        self.setWindowTitle("Open on HSDS" if hsds else "Open URL")
        self.settings = settings
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.url = QComboBox(self)
        self.url.setEditable(True)
        self.url.addItems(url_history(settings))
        self.url.setCurrentText("hdf5://home/" if hsds else "")
        line = self.url.lineEdit()
        assert line is not None  # an editable combo box has one
        line.setPlaceholderText("s3://bucket/key.h5, https://host/file.h5 or hdf5://home/user/file.h5")
        line.textChanged.connect(self._update)
        self.url.setMinimumWidth(460)
        form.addRow("&Address:", self.url)
        layout.addLayout(form)

        self.s3_box = QGroupBox("S3 (credentials come from the environment or ~/.aws, never from h5gui)", self)
        s3 = QFormLayout(self.s3_box)
        self.endpoint = QLineEdit(self.s3_box)
        self.endpoint.setPlaceholderText("AWS (leave empty), or http://host:9000 for MinIO, Ceph, ...")
        self.profile = QLineEdit(self.s3_box)
        self.profile.setPlaceholderText("default credentials chain")
        self.anon = QCheckBox("Anonymous (public bucket)", self.s3_box)
        s3.addRow("Endpoint URL:", self.endpoint)
        s3.addRow("Profile:", self.profile)
        s3.addRow("", self.anon)
        layout.addWidget(self.s3_box)

        self.hs_box = QGroupBox("HSDS server (the password is kept for this session only)", self)
        hs = QFormLayout(self.hs_box)
        found = hs_defaults()
        self.hs_endpoint = QLineEdit(str(settings.value(HS_ENDPOINT_KEY, "") or found["hs_endpoint"]), self.hs_box)
        self.hs_endpoint.setPlaceholderText("http://hsds.example.org (HS_ENDPOINT, ~/.hscfg)")
        self.hs_username = QLineEdit(str(settings.value(HS_USERNAME_KEY, "") or found["hs_username"]), self.hs_box)
        self.hs_password = QLineEdit(hs_password, self.hs_box)
        self.hs_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.hs_password.setPlaceholderText("HS_PASSWORD or ~/.hscfg when empty")
        hs.addRow("Endpoint:", self.hs_endpoint)
        hs.addRow("User:", self.hs_username)
        hs.addRow("Password:", self.hs_password)
        self.browse_button = QPushButton("&Browse folder", self.hs_box)
        self.browse_button.setToolTip("List the domains and folders of the address's folder on the server")
        self.browse_button.clicked.connect(self._browse)
        hs.addRow("", self.browse_button)
        self.folder_list = QListWidget(self.hs_box)
        self.folder_list.setObjectName("hsds_folder")
        self.folder_list.itemActivated.connect(self._choose)
        self.folder_list.hide()
        hs.addRow(self.folder_list)
        layout.addWidget(self.hs_box)

        self.problem = QLabel("", self)
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        self._source: Source | None = None
        self._update()

    def _update(self) -> None:
        text = self.url.currentText().strip().lower()
        self.s3_box.setVisible(not text.startswith(("http://", "https://", "hdf5://")))
        self.hs_box.setVisible(text.startswith("hdf5://"))
        self.problem.setText("")
        self.adjustSize()

    def _browse(self) -> None:
        text = self.url.currentText().strip()
        folder = text if text.endswith("/") else text.rsplit("/", 1)[0] + "/"
        self.problem.setText("")
        self.browse_requested.emit(folder if len(folder) > len("hdf5://") else "hdf5://home/")

    def show_folder(self, folder: str, entries: list[dict[str, object]]) -> None:
        """The listing of ``folder``: folders first (double-click to enter), then domains (to open)."""
        self.folder_list.clear()
        parent = folder.rstrip("/").rsplit("/", 1)[0] + "/"
        if len(parent) > len("hdf5://"):
            item = QListWidgetItem(".. (up)")
            item.setData(256, parent)
            self.folder_list.addItem(item)
        for e in entries:
            item = QListWidgetItem(f"{e['name']}/" if e["folder"] else str(e["name"]))
            item.setData(256, str(e["uri"]))
            item.setToolTip(f"{e['uri']}  (owner {e['owner']})")
            self.folder_list.addItem(item)
        if not entries:
            self.problem.setText(f"{folder}: no domains or folders here")
        self.url.setCurrentText(folder)
        self.folder_list.show()

    def _choose(self, item: QListWidgetItem) -> None:
        uri = str(item.data(256))
        self.url.setCurrentText(uri)
        if uri.endswith("/"):
            self._browse()
        else:
            self.accept()

    def s3_options(self) -> S3Options:
        return S3Options(endpoint_url=self.endpoint.text().strip() or None,
                         profile=self.profile.text().strip() or None, anon=self.anon.isChecked())

    def hs_settings(self) -> dict[str, str | None]:
        """HS_ENDPOINT, HS_USERNAME and HS_PASSWORD for the I/O process (empty fields: not overridden)."""
        return {"HS_ENDPOINT": self.hs_endpoint.text().strip() or None,
                "HS_USERNAME": self.hs_username.text().strip() or None,
                "HS_PASSWORD": self.hs_password.text() or None}

    def accept(self) -> None:
        """Check the address (and the options) before closing; a problem is one line in the dialog."""
        try:
            text = self.url.currentText()
            opts = self.s3_options() if text.strip().lower().startswith("s3://") else None
            src = Source.parse(text, opts)
            if not src.is_remote:
                raise ValueError(f"{src}: a local path; use File > Open... for local files")
        except (H5GuiError, ValueError) as exc:
            self.problem.setText(str(exc))
            return
        self._source = src
        if src.kind == "hsds":  # not secrets: where the server is and who the user is
            self.settings.setValue(HS_ENDPOINT_KEY, self.hs_endpoint.text().strip())
            self.settings.setValue(HS_USERNAME_KEY, self.hs_username.text().strip())
        super().accept()

    def source(self) -> Source | None:
        return self._source

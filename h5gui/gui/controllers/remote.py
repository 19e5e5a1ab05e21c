"""Remote sources in the GUI: File > Open URL... (s3://, https://, hdf5://), what the I/O process must
know to reach them (the AWS_*/HS_* settings, the S3 options chosen per bucket), read-only remote files
("Download a copy..."), HSDS domains (editing attributes and groups, Upload to HSDS..., Download...),
and the bytes and requests transferred for the selected remote file in the status bar.

Files travel as the strings the core names them by (``Source.url``): the local core reads ``s3://`` and
``http(s)://`` through fsspec, and :mod:`h5gui.core.routes` sends ``hdf5://`` jobs to the HSDS backend.
Nothing secret is written to the settings: S3 options are an endpoint, a profile name and a flag; the
HSDS password is held in memory for the session.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from typing import Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QMessageBox, QStatusBar, QTreeView, QWidget

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.remote_session import HSDS_KEY, environment
from h5gui.core.sources import S3Options, Source, remember_options, remembered_options
from h5gui.core.text import format_bytes
from h5gui.gui.controllers.base import Controller
from h5gui.gui.controllers.files import FileActions
from h5gui.gui.session import Notifier, Session
from h5gui.gui.widgets.job_dialog import JobDialog
from h5gui.gui.widgets.open_url_dialog import OpenUrlDialog, add_to_history
from h5gui.gui.workers import JobRunner

log = logging.getLogger(__name__)

S3_OPTIONS_KEY = "remote/s3_options"  # bucket -> {endpoint_url, profile, anon}: no secret
# how remote files are read, tunable in the settings file: key -> (RemoteOptions field, factor, type)
READ_SETTINGS = {"remote/block_size_kib": ("block_size", 1024, int), "remote/max_blocks": ("max_blocks", 1, int),
                 "remote/connect_timeout": ("connect_timeout", 1, float),
                 "remote/read_timeout": ("read_timeout", 1, float)}


def read_settings(settings: QSettings) -> dict[str, Any]:
    """The user's block size (KiB), cache blocks and timeouts (s) for remote files; unset or bad: default."""
    out: dict[str, Any] = {}
    for key, (name, factor, kind) in READ_SETTINGS.items():
        raw = settings.value(key)
        if raw is None or raw == "":
            continue
        try:
            value = kind(float(raw)) * factor
        except (TypeError, ValueError):
            log.warning("setting %s=%r is not a number: the default is used", key, raw)
            continue
        if value > 0:
            out[name] = value
        else:
            log.warning("setting %s=%r must be positive: the default is used", key, raw)
    return out


def source_of(file: str) -> Source | None:
    """The remote source a GUI file string names, or None for a local file."""
    if "://" not in file:
        return None
    try:
        src = Source.parse(file)
    except H5GuiError:
        return None
    return src if src.is_remote else None


class RemoteActions(Controller):
    """Open URL, the I/O process's remote settings, read-only remote files, HSDS transfers, transfer counts."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier, *,
                 files: FileActions, settings: QSettings, status_bar: QStatusBar) -> None:
        super().__init__(parent, session, runner, notifier)
        self.files = files
        self.settings = settings
        self.hs_overrides: dict[str, str] = {}  # endpoint, user and password typed in the dialog (memory only)
        self.transfer_label = QLabel(parent)
        self.transfer_label.setObjectName("transfer_stats")
        self.transfer_label.hide()
        status_bar.addPermanentWidget(self.transfer_label)
        self.stats: dict[str, tuple[int, int]] = {}
        self._just_counted = False
        self.last_dialog: OpenUrlDialog | None = None
        self.last_box: QMessageBox | None = None
        files.before_editing = self.allow_editing
        runner.idle.connect(self._count_transfers)
        self._restore_s3_options()
        self.push_environment()
        self.push_options()
        tuned = read_settings(settings)
        if tuned:  # block size and timeouts of remote reads, from the settings file
            self.runner.supervisor.add_setup_job("remote-read", api.remote.set_options, **tuned)
            self.runner.submit(api.remote.set_options, on_error=self.notifier.show_error, **tuned)

    # ------------------------------------------------------------------ what the I/O process knows
    def push_environment(self) -> None:
        """AWS_*, HS_*, HDF5_* of this process (and the HSDS fields typed in the dialog) into the I/O
        process now and into every new one."""
        env = environment(self.hs_overrides)
        self.runner.supervisor.add_setup_job("environment", api.remote.apply_environment, env)
        self.runner.submit(api.remote.apply_environment, env, on_error=self.notifier.show_error)

    def push_options(self) -> None:
        """The S3 options chosen per bucket (endpoint, profile, anonymous) into the I/O process."""
        chosen = {b: dataclasses.asdict(o) for b, o in remembered_options().items()}
        self.runner.supervisor.add_setup_job("s3-options", api.remote.restore_options, chosen)
        self.runner.submit(api.remote.restore_options, chosen, on_error=self.notifier.show_error)

    def _restore_s3_options(self) -> None:
        try:
            saved = json.loads(str(self.settings.value(S3_OPTIONS_KEY, "") or "{}"))
            for bucket, d in dict(saved).items():
                if bucket not in remembered_options():  # the command line's choice wins
                    remember_options(f"s3://{bucket}/x", S3Options(**d))
        except (ValueError, TypeError, H5GuiError) as exc:
            log.warning("remembered S3 options are unreadable, ignored: %s", exc)

    def _save_s3_options(self) -> None:
        chosen = {b: dataclasses.asdict(o) for b, o in remembered_options().items()}
        self.settings.setValue(S3_OPTIONS_KEY, json.dumps(chosen))

    # ------------------------------------------------------------------ opening
    def open_url_dialog(self, hsds: bool = False) -> OpenUrlDialog:
        """File > Open URL... (also Open on HSDS...): the dialog, shown; opening follows its accept."""
        dialog = OpenUrlDialog(self.parent, self.settings, hs_password=self.hs_overrides.get("HS_PASSWORD", ""),
                               hsds=hsds)
        self.last_dialog = dialog
        dialog.accepted.connect(lambda: self._dialog_accepted(dialog))
        dialog.browse_requested.connect(lambda folder: self._browse(dialog, folder))
        dialog.open()
        return dialog

    def _take_hs_settings(self, dialog: OpenUrlDialog) -> None:
        """The server, user and password typed in the dialog, for the I/O process (in memory only)."""
        typed = {k: v for k, v in dialog.hs_settings().items() if v}
        if typed != self.hs_overrides:
            self.hs_overrides = typed
            self.push_environment()

    def _dialog_accepted(self, dialog: OpenUrlDialog) -> None:
        src = dialog.source()
        if src is None:
            return
        if src.kind == "hsds":
            self._take_hs_settings(dialog)
        self.open_source(src)

    def _browse(self, dialog: OpenUrlDialog, folder: str) -> None:
        """Open on HSDS... > Browse folder: list it in the I/O process, show it in the dialog."""
        self._take_hs_settings(dialog)
        self.runner.submit(api.remote.hsds_folder, folder, key="hsds-folder",
                           on_result=lambda entries: dialog.show_folder(folder, entries),
                           on_error=lambda err: dialog.problem.setText(str(err)))

    def open_source(self, src: Source) -> None:
        """Open a remote source with its options (remembered for its bucket, replayed into the I/O process)."""
        if src.kind == "s3":
            remember_options(src)
            self._save_s3_options()
            self.push_options()
        add_to_history(self.settings, src.url)
        self.files.open_files([src.url])

    # ------------------------------------------------------------------ read-only remote files
    def allow_editing(self, file: str) -> bool:
        """Before editing is enabled: HSDS domains may be edited (each edit is a request, read back); an
        s3:// or http(s):// file cannot: say why and offer "Download a copy..." (returns False)."""
        src = source_of(file)
        if src is None:
            return True
        if src.kind == "hsds":
            self.notifier.show_status(f"Edits of {src.url} go to the HSDS server at once; Ctrl+Z undoes them")
            return True
        box = QMessageBox(QMessageBox.Icon.Information, "Remote file is read-only",
                          f"{src.url} is a remote file: h5gui reads it in place but never writes to it.\n\n"
                          "Download a copy to edit it: the copy opens editable.", QMessageBox.StandardButton.Cancel,
                          self.parent)
        box.setObjectName("remote_read_only")
        download = box.addButton("Download a copy...", QMessageBox.ButtonRole.AcceptRole)
        download.setObjectName("download_copy")
        box.buttonClicked.connect(lambda b: self.choose_download(src.url) if b is download else None)
        self.last_box = box
        box.open()
        return False

    def choose_download(self, file: str) -> None:
        src = source_of(file)
        if src is None:
            return
        start = os.path.join(str(self.settings.value("last_dir", "") or os.getcwd()), src.name or "download.h5")
        out, _ = QFileDialog.getSaveFileName(self.parent, f"Download a copy of {src.name}", start,
                                             "HDF5 files (*.h5 *.hdf5);;All files (*)")
        if out:
            self.settings.setValue("last_dir", os.path.dirname(out))
            self.download_copy(src.url, out)

    def download_copy(self, url: str, out: str) -> JobDialog:
        """Download ``url`` to ``out`` (progress in MB, Cancel), then open the copy editable."""
        src = Source.parse(url)
        kwargs: dict[str, Any] = {"overwrite": os.path.exists(out)}

        def done(report: dict[str, Any]) -> None:
            path = str(report.get("path") or out)
            self.notifier.show_status(f"Downloaded {src.url} to {path}; the copy opens editable")
            self.files.open_files([path])
            self.files.set_editing(path, True)  # runs after the open, in the I/O process's order

        return self._run(f"Downloading {src.name}", api.remote.download, src.url, out, on_result=done, **kwargs)

    def _run(self, title: str, fn: Any, *args: Any, on_result: Any, **kwargs: Any) -> JobDialog:
        dialog = JobDialog(self.parent, title)
        dialog.setObjectName("transfer_dialog")
        dialog.progress.run(self.runner, fn, *args, text=title + "...", on_result=on_result,
                            on_error=self.notifier.show_error,
                            on_aborted=lambda: self.notifier.show_status(f"{title}: cancelled, nothing kept"),
                            **kwargs)
        dialog.show()
        self.last_transfer = dialog
        return dialog

    # ------------------------------------------------------------------ HSDS transfers
    def upload_dialog(self) -> None:
        """File > Upload to HSDS...: a local file (the selected one, or chosen) into a new domain."""
        from PySide6.QtWidgets import QInputDialog

        top = self.session.top_file()
        local = top if top and source_of(top) is None else ""
        if not local:
            local, _ = QFileDialog.getOpenFileName(self.parent, "Upload to HSDS", os.getcwd(),
                                                   "HDF5 files (*.h5 *.hdf5);;All files (*)")
        if not local:
            return
        user = self.hs_overrides.get("HS_USERNAME") or environment().get("HS_USERNAME", "")
        default = f"hdf5://home/{user}/{os.path.basename(local)}" if user else f"hdf5://home/{os.path.basename(local)}"
        text, ok = QInputDialog.getText(self.parent, "Upload to HSDS", f"Domain for {os.path.basename(local)}:",
                                        text=default)
        if ok and text.strip():
            self.upload(local, text.strip())

    def upload(self, local: str, domain: str) -> JobDialog | None:
        """Upload ``local`` to ``domain`` (progress, Cancel, a report); the domain then opens."""
        try:
            src = Source.parse(domain)
        except H5GuiError as exc:
            self.notifier.show_error(exc)
            return None
        if src.kind != "hsds":
            self.notifier.show_error(f"{domain}: an HSDS domain is hdf5://home/user/file.h5")
            return None

        def done(report: dict[str, Any]) -> None:
            self.files.open_files([src.url])
            self.show_report(f"Uploaded {os.path.basename(local)} to {src.url}", report)

        return self._run(f"Uploading {os.path.basename(local)}", api.remote.hsds_upload, local, src.url, on_result=done)

    def show_report(self, title: str, report: dict[str, Any]) -> QMessageBox:
        """What a transfer did, and what it did not carry (object references, external links...)."""
        text = (f"{title}: {report['groups']:,} groups, {report['datasets']:,} datasets, "
                f"{report['attributes']:,} attributes, {format_bytes(report['bytes'])} in {report['requests']:,} "
                f"requests, {report['seconds']:.1f} s.")
        box = QMessageBox(QMessageBox.Icon.Information, "Transfer report", text, QMessageBox.StandardButton.Ok,
                          self.parent)
        box.setObjectName("transfer_report")
        if report["not_carried"]:
            box.setInformativeText(f"Not carried: {len(report['not_carried'])} (see the details)")
            box.setDetailedText("\n".join(report["not_carried"]))
        self.last_box = box
        box.open()
        return box

    def download_dialog(self) -> None:
        """File > Download...: the selected remote file or domain to a local file that opens editable."""
        top = self.session.top_file()
        if not top or source_of(top) is None:
            self.notifier.show_error("Select a remote file or an HSDS domain first")
            return
        self.choose_download(top)

    # ------------------------------------------------------------------ transfer counts
    def _count_transfers(self) -> None:
        if self._just_counted:  # the idle that follows our own count
            self._just_counted = False
            return
        if not any(source_of(f) is not None for f in self.session.files):
            self.transfer_label.hide()
            return
        self.runner.submit(api.remote.transfer_stats, key="transfer-stats", on_result=self._show_transfers,
                           on_error=lambda e: log.debug("transfer counts: %s", e), on_finished=self._counted)

    def _counted(self) -> None:
        self._just_counted = True  # the idle that follows is our own...
        QTimer.singleShot(0, self._after_count)

    def _after_count(self) -> None:
        if self.runner.has_pending():  # ...unless jobs queued behind the count read more: count after them
            self._just_counted = False

    def _show_transfers(self, stats: dict[str, tuple[int, int]]) -> None:
        self.stats = dict(stats)
        self.update_transfer_label()

    def update_transfer_label(self) -> None:
        """Bytes and requests of the selected remote file (or the only one) in the status bar."""
        shown = self.session.shown[0] if self.session.shown else self.session.top_file()
        src = source_of(shown) if shown else None
        if src is None:
            self.transfer_label.hide()
            return
        key = HSDS_KEY if src.kind == "hsds" else src.url
        requests, nbytes = self.stats.get(key, (0, 0))
        where = "HSDS (all domains)" if src.kind == "hsds" else src.name
        self.transfer_label.setText(f"{where}: {format_bytes(nbytes)} in {requests:,} requests")
        self.transfer_label.setToolTip(f"Read from {src.url} since it was opened")
        self.transfer_label.show()

    # ------------------------------------------------------------------ menus
    def install(self, recent_menu: QMenu, tree: QTreeView) -> None:
        """File menu: Open URL... (Ctrl+Shift+O), Open on HSDS..., Upload to HSDS..., Download... after
        Open Recent; the status bar's transfer counts follow the tree's selection."""
        file_menu = recent_menu.parent()
        self.actions: dict[str, QAction] = {}
        specs = (
            ("open_url", "Open &URL...", "Ctrl+Shift+O", "Open an s3://, https:// or hdf5:// file read-only",
             lambda: self.open_url_dialog()),
            ("open_hsds", "Open on &HSDS...", None, "Open a domain of an HSDS server (hdf5://home/user/file.h5)",
             lambda: self.open_url_dialog(hsds=True)),
            ("upload_hsds", "Upload to HSDS...", None, "Copy a local file into a new HSDS domain (progress, Cancel)",
             self.upload_dialog),
            ("download", "Down&load...", None, "Copy the selected remote file or HSDS domain to a local file that "
             "opens editable", self.download_dialog),
        )
        for name, text, keys, tip, slot in specs:
            act = QAction(text, self.parent)
            if keys:
                act.setShortcut(QKeySequence(keys))
            act.setToolTip(tip)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            self.parent.addAction(act)
            self.actions[name] = act
        if isinstance(file_menu, QMenu):
            items = file_menu.actions()
            at = items.index(recent_menu.menuAction()) + 1 if recent_menu.menuAction() in items else len(items)
            before = items[at] if at < len(items) else None
            for act in self.actions.values():
                if before is not None:
                    file_menu.insertAction(before, act)
                else:
                    file_menu.addAction(act)
        tree.selectionModel().selectionChanged.connect(lambda *_a: self.update_transfer_label())

"""The GUI on HSDS domains, against a real HSDS: Open on HSDS... (endpoint, user, password typed; the
password never stored), browse, Info, Attributes, an image; edits of attributes and groups with undo,
read back through a fresh connection; Upload to HSDS... and Download... with progress; one-line errors."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from gui_window import names, run_fresh_window, settings, window  # noqa: F401 (fixtures)
from PySide6.QtWidgets import QInputDialog

from h5gui.gui.main_window import MainWindow


def wait_idle(qtbot, window: MainWindow, timeout: int = 30000) -> None:
    qtbot.waitUntil(window.is_idle, timeout=timeout)


def open_on_hsds(qtbot, window: MainWindow, server, domain: str) -> None:
    dialog = window.remote.open_url_dialog(hsds=True)
    assert dialog.hs_box.isVisible() and not dialog.s3_box.isVisible()
    dialog.url.setCurrentText(domain)
    dialog.hs_endpoint.setText(server.endpoint)
    dialog.hs_username.setText(server.username)
    dialog.hs_password.setText(server.password)
    dialog.accept()
    wait_idle(qtbot, window)


def fresh_attrs(server, domain: str, path: str) -> dict[str, str]:
    from h5gui.core.hsds import attrs, session
    from h5gui.core.hsds.client import HsdsClient, load_config

    c = HsdsClient(load_config(server.endpoint, server.username, server.password))
    try:
        return {a.name: a.value for a in attrs.list_attrs(session.open_domain(domain, c), path)}
    finally:
        c.close()


def test_open_on_hsds_browses_like_a_file(qtbot, window, settings, hsds_server, demo_domain, demo_file) -> None:
    open_on_hsds(qtbot, window, hsds_server, demo_domain)
    assert names(window) == ["demo.h5"], window.status_text()
    assert window.session.files == [demo_domain]
    window.select_path(demo_domain, "/images/gray")
    wait_idle(qtbot, window)
    assert window.info_panel.field_texts()["Shape"] == "128 x 128"
    assert "IMAGE_MINMAXRANGE" in {a.name for a in window.attr_panel.model.attrs()}
    assert window.preview.view == "image"
    with h5py.File(demo_file, "r") as f:
        np.testing.assert_array_equal(window.preview.image_view.displayed_array(), f["images/gray"][()])
    qtbot.waitUntil(window.remote.transfer_label.isVisible, timeout=5000)
    assert "HSDS" in window.remote.transfer_label.text() and "requests" in window.remote.transfer_label.text()
    settings.sync()
    text = Path(settings.fileName()).read_text()
    assert demo_domain in text and hsds_server.endpoint in text  # history and where the server is
    assert "password" not in text.lower()
    holding = [ln for ln in text.splitlines() if ln.endswith(f"={hsds_server.password}")]
    assert all(ln.endswith(f"hs_username={hsds_server.username}") for ln in holding)  # (the test user is admin/admin)


def test_browse_the_server_folders_and_open_a_domain(qtbot, window, hsds_server, demo_domain) -> None:
    dialog = window.remote.open_url_dialog(hsds=True)
    dialog.url.setCurrentText("hdf5://home/")
    dialog.hs_endpoint.setText(hsds_server.endpoint)
    dialog.hs_username.setText(hsds_server.username)
    dialog.hs_password.setText(hsds_server.password)
    dialog.browse_button.click()
    qtbot.waitUntil(lambda: dialog.folder_list.count() > 0, timeout=20000)
    items = {dialog.folder_list.item(i).text(): dialog.folder_list.item(i) for i in range(dialog.folder_list.count())}
    assert "admin/" in items, list(items)
    dialog.folder_list.itemActivated.emit(items["admin/"])  # double-click: into the folder
    qtbot.waitUntil(lambda: any(dialog.folder_list.item(i).text() == "demo.h5"
                                for i in range(dialog.folder_list.count())), timeout=20000)
    assert dialog.url.currentText() == "hdf5://home/admin/"
    demo = next(dialog.folder_list.item(i) for i in range(dialog.folder_list.count())
                if dialog.folder_list.item(i).text() == "demo.h5")
    dialog.folder_list.itemActivated.emit(demo)  # double-click a domain: it opens
    wait_idle(qtbot, window)
    assert window.session.files == [demo_domain] and not dialog.isVisible()


def test_find_by_name_in_a_domain(qtbot, window, hsds_server, demo_domain) -> None:
    open_on_hsds(qtbot, window, hsds_server, demo_domain)
    window.open_find()
    dialog = window.find_dialog
    dialog.pattern.setText("gray")
    dialog.start()
    wait_idle(qtbot, window)
    found = [dialog.results.item(i).text() for i in range(dialog.results.count())]
    assert any("/images/gray" in t for t in found), found
    dialog.where.setCurrentIndex(1)  # names and attributes: attribute names and values found on the domain too
    dialog.pattern.setText("camera")
    dialog.start()
    wait_idle(qtbot, window)
    found = [dialog.results.item(i).text() for i in range(dialog.results.count())]
    assert any("/meta" in t and "instrument" in t and "demo camera" in t for t in found), found
    assert "not available" not in dialog.status.text()
    dialog.close()


def test_edit_attributes_and_groups_with_undo(qtbot, window, hsds_server, hsds_client, demo_file, monkeypatch
                                              ) -> None:
    from h5gui.core.hsds import transfer
    from h5gui.core.progress import run

    domain = "hdf5://home/admin/gui-edits.h5"
    run(transfer.upload(demo_file, domain, overwrite=True))
    open_on_hsds(qtbot, window, hsds_server, domain)
    window.select_path(domain, "/meta")
    wait_idle(qtbot, window)
    window.actions_.enable_editing.trigger()
    wait_idle(qtbot, window)
    assert window.session.is_writable(domain) and window.actions_.enable_editing.isChecked()
    # the I/O process dies and restarts: the domain stays editable, without an error
    import os
    import signal

    setup_errors: list[object] = []
    window.runner.setup_failed.connect(lambda key, err: setup_errors.append(err))
    pid = window.runner.supervisor.pid
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.runner.supervisor.pid not in (None, pid), timeout=30000)
    window.select_path(domain, "/meta")
    wait_idle(qtbot, window)
    qtbot.wait(2000)  # the replayed setup reports after the restart
    assert window.session.is_writable(domain) and not setup_errors, (setup_errors, window.status_text())
    before = fresh_attrs(hsds_server, domain, "/meta")["instrument"]
    window.attributes.set_value("instrument", "new camera")
    wait_idle(qtbot, window)
    assert fresh_attrs(hsds_server, domain, "/meta")["instrument"] == "new camera"
    assert {a.name: a.value for a in window.attr_panel.model.attrs()}["instrument"] == "new camera"
    window.undo.undo()
    wait_idle(qtbot, window)
    assert fresh_attrs(hsds_server, domain, "/meta")["instrument"] == before
    window.attributes.rename("instrument", "camera")
    wait_idle(qtbot, window)
    got = fresh_attrs(hsds_server, domain, "/meta")
    assert "camera" in got and "instrument" not in got
    window.attributes.delete(["camera"])
    wait_idle(qtbot, window)
    assert "camera" not in fresh_attrs(hsds_server, domain, "/meta")
    window.undo.undo()
    wait_idle(qtbot, window)
    assert fresh_attrs(hsds_server, domain, "/meta")["camera"] == before
    # a new group, where the user asked for it
    window.select_path(domain, "/")
    wait_idle(qtbot, window)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("made_in_gui", True)))
    window.actions_.new_group.trigger()
    wait_idle(qtbot, window)
    assert "made_in_gui" in names(window, window.model.index(0, 0))
    from h5gui.core.hsds import browse, session
    from h5gui.core.hsds.client import HsdsClient, load_config

    c = HsdsClient(load_config(hsds_server.endpoint, "admin", "admin"))
    assert "made_in_gui" in browse.list_names(session.open_domain(domain, c), "/")
    c.close()


def test_what_hsds_does_not_offer_yet_is_one_line(qtbot, window, hsds_server, demo_domain, tmp_path) -> None:
    open_on_hsds(qtbot, window, hsds_server, demo_domain)
    window.select_path(demo_domain, "/mnist/images")
    wait_idle(qtbot, window)
    window.actions_.enable_editing.trigger()
    wait_idle(qtbot, window)
    window.actions_.copy_object.trigger()  # copying objects has no HSDS twin yet: refused in one line
    window.select_path(demo_domain, "/mnist")
    wait_idle(qtbot, window)
    window.actions_.paste_object.trigger()
    wait_idle(qtbot, window)
    assert "not available for HSDS domains yet" in window.status_text()
    assert "images" in fresh_names(hsds_server, demo_domain, "/mnist")
    window.actions_.enable_editing.trigger()
    wait_idle(qtbot, window)
    window.open_files(["hdf5://home/admin/no-such-domain.h5"])
    wait_idle(qtbot, window)
    status = window.status_text()
    assert "no-such-domain" in status and "\n" not in status
    assert window.session.files == [demo_domain]


def test_upload_then_download_round_trip(qtbot, window, hsds_server, demo_file, tmp_path) -> None:
    domain = "hdf5://home/admin/gui-upload.h5"
    open_on_hsds(qtbot, window, hsds_server, "hdf5://home/admin/demo.h5")  # the server fields, once
    dialog = window.remote.upload(str(demo_file), domain)
    assert dialog is not None
    wait_idle(qtbot, window, 60000)
    report = window.remote.last_box
    assert report is not None and report.isVisible(), window.status_text()
    assert report.text().startswith(f"Uploaded demo.h5 to {domain}") and "datasets" in report.text()
    report.close()
    assert domain in window.session.files  # the new domain opens
    out = tmp_path / "back.h5"
    window.remote.download_copy(domain, str(out))
    qtbot.waitUntil(lambda: window.session.is_writable(str(out)), timeout=60000)
    with h5py.File(demo_file, "r") as a, h5py.File(out, "r") as b:
        for name in ("images/gray", "images/rgb", "mnist/labels"):
            np.testing.assert_array_equal(a[name][()], b[name][()])


PROCESS_BODY = r"""
local, domain = args
win.remote.upload(local, domain)
wait(lambda: win.is_idle() and domain in win.session.files)
win.select_path(domain, "/images/gray")
wait(lambda: win.is_idle() and win.preview.view == "image")
out = os.path.join(tmp, "copy.h5")
win.remote.download_copy(domain, out)
wait(lambda: win.session.is_writable(out))
"""


def test_the_gui_process_never_loads_h5py_for_hsds_transfers(hsds_server, demo_file, tmp_path) -> None:
    """The transfer reports came back as records of h5gui.core.hsds, whose import loads h5py."""
    env = {"HS_ENDPOINT": hsds_server.endpoint, "HS_USERNAME": hsds_server.username,
           "HS_PASSWORD": hsds_server.password}
    result = run_fresh_window(PROCESS_BODY, str(demo_file), "hdf5://home/admin/proc.h5", tmp=tmp_path, timeout=90.0,
                              env=env)
    assert result["loaded"] == [], result


def _answer_yes() -> None:
    """Press Yes in the confirmation that is about to open."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def answer() -> None:
        w = QApplication.activeModalWidget()
        if not isinstance(w, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        w.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(20, answer)


def fresh_names(server, domain: str, path: str) -> list[str]:
    from h5gui.core.hsds import browse, session
    from h5gui.core.hsds.client import HsdsClient, load_config

    c = HsdsClient(load_config(server.endpoint, server.username, server.password))
    try:
        return browse.list_names(session.open_domain(domain, c), path)
    finally:
        c.close()


def test_rename_move_and_delete_objects_with_undo(qtbot, window, hsds_server, hsds_client, demo_file, monkeypatch
                                                  ) -> None:
    from PySide6.QtCore import Qt

    from h5gui.core.hsds import transfer
    from h5gui.core.progress import run

    domain = "hdf5://home/admin/gui-structure.h5"
    run(transfer.upload(demo_file, domain, overwrite=True))
    open_on_hsds(qtbot, window, hsds_server, domain)
    window.select_path(domain, "/images/gray")
    wait_idle(qtbot, window)
    window.actions_.enable_editing.trigger()
    wait_idle(qtbot, window)
    model = window.model
    # Rename (F2): the server and the tree have the new name; Ctrl+Z gives the old one back
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("grey", True)))
    window.actions_.rename.trigger()
    wait_idle(qtbot, window)
    assert fresh_names(hsds_server, domain, "/images") == ["grey", "rgb"], window.status_text()
    qtbot.waitUntil(lambda: model.loaded_names(domain, "/images") == {"grey", "rgb"}, timeout=10000)
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    assert fresh_names(hsds_server, domain, "/images") == ["gray", "rgb"], window.status_text()
    qtbot.waitUntil(lambda: model.loaded_names(domain, "/images") == {"gray", "rgb"}, timeout=10000)
    # Move by drag and drop into another group of the domain, undone
    window.select_path(domain, "/meta")
    wait_idle(qtbot, window)
    data = model.mimeData([model.find(domain, "/images/gray")])
    model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0, model.find(domain, "/meta"))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: "gray" in fresh_names(hsds_server, domain, "/meta"), timeout=10000)
    wait_idle(qtbot, window)
    assert fresh_names(hsds_server, domain, "/images") == ["rgb"]
    qtbot.waitUntil(lambda: "gray" in model.loaded_names(domain, "/meta"), timeout=10000)
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    assert fresh_names(hsds_server, domain, "/images") == ["gray", "rgb"], window.status_text()
    # Delete: the confirmation counts what goes; Ctrl+Z links the same object (and its members) again
    window.select_path(domain, "/mnist")
    wait_idle(qtbot, window)
    _answer_yes()
    window.actions_.delete.trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: "mnist" not in fresh_names(hsds_server, domain, "/"), timeout=10000)
    wait_idle(qtbot, window)
    assert "Deleted group /mnist (Ctrl+Z to undo)" in window.status_text()
    qtbot.waitUntil(lambda: "mnist" not in model.loaded_names(domain, "/"), timeout=10000)
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    assert fresh_names(hsds_server, domain, "/mnist") == ["images", "labels"], window.status_text()
    qtbot.waitUntil(lambda: "mnist" in model.loaded_names(domain, "/"), timeout=10000)
    window.redo_action.trigger()
    wait_idle(qtbot, window)
    assert "mnist" not in fresh_names(hsds_server, domain, "/")


def test_encoded_pictures_in_a_domain_show_as_pictures(qtbot, window, hsds_server, hsds_client, tmp_path) -> None:
    import io

    from PIL import Image

    from h5gui.core.hsds import transfer
    from h5gui.core.progress import run

    pictures = []
    path = tmp_path / "pictures.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("pngs", (3,), dtype=h5py.vlen_dtype(np.uint8))
        for i in range(3):
            arr = np.zeros((10, 14), np.uint8)
            arr[i] = 200
            out = io.BytesIO()
            Image.fromarray(arr).save(out, "PNG")
            ds[i] = np.frombuffer(out.getvalue(), np.uint8)
            pictures.append(arr)
    domain = "hdf5://home/admin/gui-pictures.h5"
    run(transfer.upload(path, domain, overwrite=True))
    open_on_hsds(qtbot, window, hsds_server, domain)
    window.select_path(domain, "/pngs")
    wait_idle(qtbot, window)
    p = window.preview
    assert p.view == "encoded", window.status_text()
    qtbot.waitUntil(lambda: p.image_view.displayed_array() is not None, timeout=10000)
    np.testing.assert_array_equal(p.image_view.displayed_array(), pictures[0])
    assert "PNG" in p.summary.text() and "14" in p.summary.text()


def test_a_user_who_may_only_read_gets_one_line(qtbot, window, hsds_server, hsds_client, demo_file, monkeypatch
                                                ) -> None:
    from h5gui.core.hsds import session, transfer
    from h5gui.core.progress import run

    domain = "hdf5://home/admin/gui-read-only.h5"
    run(transfer.upload(demo_file, domain, overwrite=True))
    session.open_domain(domain).call("PUT", "/acls/reader", body={
        "create": False, "read": True, "update": False, "delete": False, "readACL": False, "updateACL": False})
    dialog = window.remote.open_url_dialog(hsds=True)
    dialog.url.setCurrentText(domain)
    dialog.hs_endpoint.setText(hsds_server.endpoint)
    dialog.hs_username.setText("reader")
    dialog.hs_password.setText("reader")
    dialog.accept()
    wait_idle(qtbot, window)
    window.select_path(domain, "/meta")
    wait_idle(qtbot, window)
    window.actions_.enable_editing.trigger()
    wait_idle(qtbot, window)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("renamed", True)))
    window.actions_.rename.trigger()
    wait_idle(qtbot, window)
    status = window.status_text()
    assert "no permission to change this domain (403)" in status and "\n" not in status
    assert "meta" in fresh_names(hsds_server, domain, "/") and "renamed" not in fresh_names(hsds_server, domain, "/")
    assert names(window, window.model.index(0, 0)).count("meta") == 1  # the tree still shows it

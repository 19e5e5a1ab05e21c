"""The GUI on remote files, against the real Range server and moto's S3 server: open a URL (command line,
File > Open URL...), browse, Info, Attributes, an image; one-line errors; read-only with "Download a
copy..."; the transfer counts in the status bar."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from gui_window import names, run_fresh_window, settings, window  # noqa: F401 (fixtures)
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from h5gui.gui.main_window import MainWindow


def wait_idle(qtbot, window: MainWindow, timeout: int = 20000) -> None:
    qtbot.waitUntil(window.is_idle, timeout=timeout)


def settings_text(settings: QSettings) -> str:
    settings.sync()
    return Path(settings.fileName()).read_text()


def test_https_url_shows_tree_info_attributes_and_an_image(qtbot, window, http_server, remote_files) -> None:
    url = http_server.url("demo.h5")
    window.open_files([url], select="/images/gray")
    wait_idle(qtbot, window)
    assert names(window) == ["demo.h5"]
    assert "images" in names(window, window.model.index(0, 0))
    node = window.current_node()
    assert node is not None and node.path == "/images/gray" and node.file == url
    assert window.info_panel.field_texts()["Shape"] == "128 x 128"
    attrs = {a.name for a in window.attr_panel.model.attrs()}
    assert "IMAGE_MINMAXRANGE" in attrs
    assert window.preview.view == "image"
    with h5py.File(remote_files.demo, "r") as f:
        np.testing.assert_array_equal(window.preview.image_view.displayed_array(), f["images/gray"][()])
    # the status bar counts what was read from this file, updated after the jobs
    qtbot.waitUntil(lambda: window.remote.transfer_label.isVisible(), timeout=5000)
    text = window.remote.transfer_label.text()
    assert text.startswith("demo.h5:") and "requests" in text
    requests = int(text.split(" in ")[1].split()[0].replace(",", ""))
    assert 1 <= requests <= http_server.requests
    assert url in window.recent.files()


def test_open_url_dialog_s3_with_endpoint_never_stores_a_secret(qtbot, window, settings, s3_server) -> None:
    dialog = window.remote.open_url_dialog()
    url = f"s3://{s3_server.bucket}/data/demo.h5"
    dialog.url.setCurrentText(url)
    assert dialog.s3_box.isVisible() and not dialog.hs_box.isVisible()
    dialog.endpoint.setText(s3_server.endpoint_url)
    dialog.accept()
    wait_idle(qtbot, window)
    assert names(window) == ["demo.h5"], window.status_text()
    assert window.session.files == [url]
    window.select_path(url, "/mnist/labels")
    wait_idle(qtbot, window)
    assert window.info_panel.field_texts()["Shape"] == "100"
    text = settings_text(settings)
    assert url in text and s3_server.endpoint_url in text  # history, recent files, options of the bucket
    assert "testing" not in text and "SECRET" not in text.upper()  # the AWS key and secret of the environment
    # the history offers the URL again next time
    again = window.remote.open_url_dialog()
    assert again.url.findText(url) >= 0
    again.reject()


def test_credentials_typed_in_a_url_are_dropped(qtbot, window, settings, http_server) -> None:
    dialog = window.remote.open_url_dialog()
    dialog.url.setCurrentText(http_server.url("demo.h5").replace("http://", "http://alice:hunter2@"))
    assert not dialog.s3_box.isVisible()
    dialog.accept()
    wait_idle(qtbot, window)
    assert names(window) == ["demo.h5"]
    assert "hunter2" not in settings_text(settings) and "alice" not in settings_text(settings)


def test_a_bad_address_is_one_line_in_the_dialog(qtbot, window) -> None:
    dialog = window.remote.open_url_dialog()
    dialog.url.setCurrentText("ftp://host/f.h5")
    dialog.accept()
    assert dialog.isVisible() and "unsupported scheme" in dialog.problem.text()
    dialog.reject()


def test_errors_are_one_line_and_the_app_goes_on(qtbot, window, http_server, free_port, small_local) -> None:
    window.open_files([http_server.url("missing.h5")])
    wait_idle(qtbot, window)
    assert "not found (404)" in window.status_text() and "\n" not in window.status_text()
    http_server.inject(status=403, times=None)
    window.open_files([http_server.url("demo.h5")])
    wait_idle(qtbot, window)
    assert "access denied (403)" in window.status_text()
    http_server.reset()
    window.open_files([f"http://127.0.0.1:{free_port}/demo.h5"])
    wait_idle(qtbot, window)
    assert "cannot connect" in window.status_text()
    assert window.session.files == []
    window.open_files([str(small_local)])
    wait_idle(qtbot, window)
    assert names(window) == ["small.h5"]  # still usable


def test_server_stopping_mid_session_gives_one_line_per_action(qtbot, window, http_server) -> None:
    url = http_server.url("stack.h5")
    window.open_files([url])
    wait_idle(qtbot, window)
    assert names(window) == ["stack.h5"]
    http_server.stop()
    window.select_path(url, "/stack")  # a frame that is not cached yet
    wait_idle(qtbot, window)
    said = window.preview.banner.text()  # where the user looked: the preview
    assert window.preview.banner.isVisible()
    assert "cannot connect" in said or "connection" in said, said
    assert "\n" not in said and "Traceback" not in said
    http_server.start()
    window.preview.show_node(url, "/stack", False, True)  # the next request tries again
    wait_idle(qtbot, window)
    assert window.preview.view == "image"


def test_enable_editing_explains_and_downloads_an_editable_copy(qtbot, window, http_server, remote_files,
                                                               tmp_path) -> None:
    url = http_server.url("demo.h5")
    window.open_files([url])
    wait_idle(qtbot, window)
    window.actions_.enable_editing.trigger()
    box = window.remote.last_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "never writes" in box.text() and "Download a copy" in box.text()
    assert not window.session.is_writable(url) and not window.actions_.enable_editing.isChecked()
    box.close()
    out = tmp_path / "copy.h5"
    dialog = window.remote.download_copy(url, str(out))
    qtbot.waitUntil(lambda: window.session.is_writable(str(out)), timeout=20000)
    assert out.read_bytes() == remote_files.demo.read_bytes()
    assert dialog.progress.last is not None and dialog.progress.last.unit == "bytes"
    assert "MB" in dialog.progress.label.text() or "kB" in dialog.progress.label.text()
    assert str(out) in window.session.files


def test_download_can_be_cancelled_and_leaves_nothing(qtbot, window, http_server, tmp_path) -> None:
    url = http_server.url("stack.h5")
    http_server.delay = 0.5
    out = tmp_path / "stack-copy.h5"
    dialog = window.remote.download_copy(url, str(out))
    qtbot.waitUntil(lambda: dialog.progress.last is not None, timeout=20000)
    dialog.progress.cancel()
    wait_idle(qtbot, window)
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    assert "cancelled" in window.status_text()


@pytest.fixture
def small_local(tmp_path: Path) -> Path:
    path = tmp_path / "small.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(5)
    return path


def test_command_line_opens_an_s3_url_with_its_endpoint(tmp_path, s3_server) -> None:
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "share"))
    url = f"s3://{s3_server.bucket}/data/demo.h5"
    proc = subprocess.run([sys.executable, "-m", "h5gui", url, "--endpoint-url", s3_server.endpoint_url,
                           "--select", "/images/rgb", "--screenshot", str(out)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    assert "error" not in proc.stderr.lower() and "cannot" not in proc.stderr.lower(), proc.stderr


def test_cli_download_is_the_same_copy(http_server, remote_files, tmp_path, capsys) -> None:
    from h5gui.cli import main

    out = tmp_path / "copy.h5"
    assert main(["download", http_server.url("demo.h5"), str(out), "-q"]) == 0
    assert out.read_bytes() == remote_files.demo.read_bytes()
    assert "downloaded" in capsys.readouterr().out


def test_dropping_a_url_opens_it(qtbot, window, http_server) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    url = http_server.url("demo.h5")
    mime.setUrls([QUrl(url)])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))
    wait_idle(qtbot, window)
    assert window.session.files == [url]


PROCESS_BODY = r"""
url = args[0]
win.open_files([url], select="/images/gray")
wait(lambda: win.is_idle() and url in win.session.files and win.preview.view == "image")
out = os.path.join(tmp, "copy.h5")
win.remote.download_copy(url, out)
wait(lambda: win.session.is_writable(out))
"""


def test_the_gui_process_never_loads_h5py_for_a_url_and_its_copy(http_server, tmp_path) -> None:
    """The download's report came back as a record whose module imports h5py when unpickled."""
    result = run_fresh_window(PROCESS_BODY, http_server.url("demo.h5"), tmp=tmp_path, timeout=60.0)
    assert result["loaded"] == [], result


def test_s3_access_denied_then_anonymous_public_bucket(qtbot, window, s3_server) -> None:
    private = f"s3://{s3_server.bucket}/data/stack.h5"
    s3_server.set_auth(True)
    try:
        dialog = window.remote.open_url_dialog()
        dialog.url.setCurrentText(private)
        dialog.endpoint.setText(s3_server.endpoint_url)
        dialog.accept()
        wait_idle(qtbot, window)
    finally:
        s3_server.set_auth(False)
    assert "access denied (403)" in window.status_text() and private in window.status_text()
    assert window.session.files == []
    public = f"s3://{s3_server.public_bucket}/data/demo.h5"
    dialog = window.remote.open_url_dialog()
    dialog.url.setCurrentText(public)
    dialog.endpoint.setText(s3_server.endpoint_url)
    dialog.anon.setChecked(True)
    dialog.accept()
    wait_idle(qtbot, window)
    assert window.session.files == [public], window.status_text()


def test_block_size_from_the_settings_file(qtbot, settings, tmp_path, http_server) -> None:
    """remote/block_size_kib = 64: the status bar counts the smaller requests (1 MiB blocks: 1-2)."""
    settings.setValue("remote/block_size_kib", 64)
    settings.setValue("remote/read_timeout", "not a number")  # ignored, with a warning in the log
    w = MainWindow(settings, data_dir=str(tmp_path / "data"))
    qtbot.addWidget(w)
    w.show()
    try:
        url = http_server.url("demo.h5")
        w.open_files([url], select="/images/gray")
        wait_idle(qtbot, w)
        qtbot.waitUntil(lambda: w.remote.stats.get(url, (0, 0))[0] > 0, timeout=5000)
        requests, nbytes = w.remote.stats[url]
        assert requests >= 4 and nbytes < 700_000, (requests, nbytes)
        assert w.preview.view == "image"
    finally:
        w.runner.shutdown()
        w.preview.wait_warm_up()


def test_transfer_counts_catch_up_with_jobs_started_during_a_count(qtbot, window, http_server) -> None:
    from h5gui.core import api

    url = http_server.url("stack.h5")
    window.open_files([url])
    wait_idle(qtbot, window)
    from h5gui.core.preview import ImageRequest

    before = dict(window.remote.stats)
    window.remote._count_transfers()  # a count is queued, then a frame is read in the same busy spell
    window.runner.submit(api.preview.read_image, url, "/stack", ImageRequest(axes=(1, 2, None), index=(5,)),
                         on_error=pytest.fail)
    wait_idle(qtbot, window)
    qtbot.wait(300)
    wait_idle(qtbot, window)
    shown = dict(window.remote.stats)  # what the status bar says now
    got: list[dict] = []
    window.runner.submit(api.remote.transfer_stats, on_result=got.append, on_error=pytest.fail)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert shown[url] == got[0][url], (before, shown, got)  # the frame's requests included

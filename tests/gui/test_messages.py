"""Messages that matter stay visible: every file that fails to open keeps a line of its own (with Try
again), View > Messages keeps every message of the session with its time, and Compact says its result."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton
from test_structure_gui import answer_next_dialog

from h5gui.gui.main_window import MainWindow


def test_every_file_that_fails_to_open_stays_visible(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    (tmp_path / "not_hdf5.h5").write_text("hello, not HDF5\n" * 10)
    (tmp_path / "empty.h5").write_bytes(b"")
    good = tmp_path / "good.h5"
    with h5py.File(good, "w") as f:
        f["x"] = np.arange(3)
    (tmp_path / "truncated.h5").write_bytes(good.read_bytes()[:300])
    bad = ["not_hdf5.h5", "empty.h5", "truncated.h5", "missing.h5"]
    window.open_files([str(tmp_path / n) for n in bad] + [str(good)])
    wait_idle(window)
    assert window.session.files == [str(good)]
    texts = window.notices.texts()
    assert window.notices.isVisible() and len(texts) == 4
    for name in bad:
        assert sum(name in t for t in texts) == 1, (name, texts)
    errors = [e.text for e in window.messages.errors()]
    for name in bad:
        assert any(name in e for e in errors)

    window.actions_.messages.trigger()
    dialog = window.message_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dialog.rows()
    assert all(any(name in r for r in rows) for name in bad)
    assert dialog.table.item(0, 0).text().count(":") == 2  # HH:MM:SS
    copy = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Copy")
    copy.click()
    assert "missing.h5" in QGuiApplication.clipboard().text()

    # the file appears meanwhile: Try again opens it and its line goes
    with h5py.File(tmp_path / "missing.h5", "w") as f:
        f["y"] = np.arange(2)
    notice = window.notices.notices[("open", str(tmp_path / "missing.h5"))]
    notice.buttons["Try again"].click()
    wait_idle(window)
    assert str(tmp_path / "missing.h5") in window.session.files
    assert len(window.notices.texts()) == 3


def test_compact_says_its_result(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "c.h5"
    with h5py.File(path, "w") as f:
        f["big"] = np.zeros(200_000)
        f["keep"] = np.arange(3)
    with h5py.File(path, "a") as f:
        del f["big"]
    window.open_files([str(path)], select="/keep")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    answer_next_dialog(yes=True)
    window.actions_.compact.trigger()
    qtbot.waitUntil(lambda: window.status_text().startswith("Compacted c.h5"), timeout=10000)
    wait_idle(window)
    qtbot.wait(200)
    assert window.status_text().startswith("Compacted c.h5") and "->" in window.status_text()
    assert any(e.text.startswith("Compacted c.h5") for e in window.messages.entries)

"""Small texts a user reads: an empty group's member table said "0 members in new; double-click one to
select it"; a one-column table said "3 rows x 1 columns"."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow


def test_empty_group_and_one_column_texts(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f.create_group("new")
        f["names"] = np.array([b"a", b"b", b"c"])
        f["one"] = np.array([b"a"])
    window.open_files([str(path)], select="/new")
    wait_idle(window)
    note = window.preview._views["members"].note.text()
    assert note == "new is empty: no members yet"

    window.select_path(str(path), "/names")
    wait_idle(window)
    status = window.preview.table_view.status
    qtbot.waitUntil(lambda: status.text() == "3 rows x 1 column", timeout=5000)
    window.select_path(str(path), "/one")
    wait_idle(window)
    window.preview.set_view("table")  # one string is shown as text first
    wait_idle(window)
    qtbot.waitUntil(lambda: status.text() == "1 row x 1 column", timeout=5000)


def test_messages_are_one_line_a_row(qtbot, window: MainWindow) -> None:
    """View > Messages showed each message in a row twice the height of its text."""
    for i in range(5):
        window.show_status(f"message {i}")
    window.show_error("something failed")
    window.open_messages()
    dialog = window.message_dialog
    assert dialog is not None and dialog.rows()[-1] == "something failed"
    table = dialog.table
    assert table.rowHeight(0) <= table.fontMetrics().height() + 8


def test_loader_code_keeps_its_lines(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """Copy loader code... showed the code wrapped at the dialog's width (a docstring's last word alone
    on a line), which is not the code that is copied."""
    path = tmp_path / "l.h5"
    with h5py.File(path, "w") as f:
        f["images"] = np.zeros((4, 8, 8), "u1")
    window.open_files([str(path)], select="/images")
    wait_idle(window)
    window.actions_.copy_loader.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.code), timeout=20000)
    view = dialog.text
    assert view.document().blockCount() == dialog.code.count("\n") + 1
    longest = max(dialog.code.splitlines(), key=len)
    dialog.resize(400, 300)
    qtbot.wait(20)
    layout = view.document().findBlockByNumber(dialog.code.splitlines().index(longest)).layout()
    assert layout.lineCount() == 1  # no visual wrap


def test_find_hint_is_not_cut(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """Ctrl+F opened with its hint cut: "name, glob (img_*), or regular expressi..."."""
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["x"] = 1
    window.open_files([str(path)])
    wait_idle(window)
    window.open_find()
    dialog = window.find_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    edit = dialog.pattern
    needed = edit.fontMetrics().horizontalAdvance(edit.placeholderText())
    assert edit.width() >= needed + 12, (edit.width(), needed)
    dialog.close()

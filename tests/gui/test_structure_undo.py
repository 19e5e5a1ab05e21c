"""Ctrl+Z undoes structure edits too: a new group, a rename, a move, a copy; Ctrl+Shift+Z makes them
again. Read back with h5py."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from PySide6.QtCore import Qt
from test_structure_gui import answer_next_dialog, names

from h5gui.gui.main_window import MainWindow


def lab(tmp_path: Path) -> Path:
    path = tmp_path / "lab.h5"
    with h5py.File(path, "w") as f:
        f["images/gray"] = np.zeros((4, 4), "u1")
        f.create_group("experiments")
    return path


def editable(qtbot, wait_idle, window: MainWindow, path: Path, select: str) -> None:
    window.open_files([str(path)], select=select)
    wait_idle(window)
    if not window.session.is_writable(str(path)):
        window.actions_.enable_editing.trigger()
        wait_idle(window)


def step(window: MainWindow, wait_idle, redo: bool = False) -> None:
    (window.redo_action if redo else window.undo_action).trigger()
    wait_idle(window)


def test_new_group_and_rename_undo_and_redo(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = lab(tmp_path)
    editable(qtbot, wait_idle, window, path, "/experiments")
    answer_next_dialog("run1")
    window.actions_.new_group.trigger()
    wait_idle(window)
    assert names(path, "/experiments") == ["run1"]
    assert "Created group /experiments/run1" in window.undo_action.text()
    answer_next_dialog("first")
    window.actions_.rename.trigger()  # /experiments/run1 is selected
    wait_idle(window)
    assert names(path, "/experiments") == ["first"]
    step(window, wait_idle)  # undo the rename
    assert names(path, "/experiments") == ["run1"]
    step(window, wait_idle)  # undo the new group
    assert names(path, "/experiments") == []
    assert window.model.loaded_names(str(path), "/experiments") == set()
    step(window, wait_idle, redo=True)
    step(window, wait_idle, redo=True)
    assert names(path, "/experiments") == ["first"]
    assert window.model.loaded_names(str(path), "/experiments") == {"first"}


def test_move_by_drop_is_undone(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = lab(tmp_path)
    editable(qtbot, wait_idle, window, path, "/images/gray")
    model = window.model
    data = model.mimeData([model.find(str(path), "/images/gray")])
    model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0, model.find(str(path), "/experiments"))
    wait_idle(window)
    qtbot.waitUntil(lambda: window.is_idle() and names(path, "/experiments") == ["gray"], timeout=5000)
    wait_idle(window)
    step(window, wait_idle)
    assert names(path, "/images") == ["gray"] and names(path, "/experiments") == []
    qtbot.waitUntil(lambda: model.loaded_names(str(path), "/images") == {"gray"}, timeout=5000)
    step(window, wait_idle, redo=True)
    assert names(path, "/experiments") == ["gray"]


def test_copy_into_another_file_is_undone_in_that_file(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    src = lab(tmp_path)
    dest = tmp_path / "dest.h5"
    with h5py.File(dest, "w") as f:
        f.create_group("inbox")
    editable(qtbot, wait_idle, window, src, "/images/gray")
    window.actions_.copy_object.trigger()
    editable(qtbot, wait_idle, window, dest, "/inbox")
    window.select_path(str(dest), "/inbox")
    wait_idle(window)
    window.actions_.paste_object.trigger()
    qtbot.waitUntil(lambda: window.is_idle() and names(dest, "/inbox") == ["gray"], timeout=10000)
    wait_idle(window)
    window.select_path(str(src), "/images")  # Ctrl+Z in the source file does not touch dest
    wait_idle(window)
    assert not window.undo_action.isEnabled()
    window.select_path(str(dest), "/inbox")
    wait_idle(window)
    step(window, wait_idle)
    assert names(dest, "/inbox") == [] and names(src, "/images") == ["gray"]


def test_delete_of_a_small_object_or_a_link_is_undone(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "d.h5"
    with h5py.File(path, "w") as f:
        f["grp/data"] = np.arange(12).reshape(3, 4)
        f["grp/data"].attrs["units"] = "m"
        f["grp/sub/x"] = np.ones(3)
        f["shortcut"] = h5py.SoftLink("/grp/data")
    editable(qtbot, wait_idle, window, path, "/grp")
    for target in ("/grp", "/shortcut"):
        window.select_path(str(path), target)
        wait_idle(window)
        answer_next_dialog(yes=True)
        window.actions_.delete.trigger()
        qtbot.waitUntil(lambda t=target: window.is_idle() and t.lstrip("/") not in names(path), timeout=10000)
        wait_idle(window)
        assert "Ctrl+Z to undo" in window.status_text()
    step(window, wait_idle)  # the link comes back
    step(window, wait_idle)  # the group comes back, with its data and attributes
    with h5py.File(path, "r", locking=False) as f:
        assert f.get("shortcut", getlink=True).path == "/grp/data"
        np.testing.assert_array_equal(f["grp/data"][()], np.arange(12).reshape(3, 4))
        assert f["grp/data"].attrs["units"] == "m" and f["grp/sub/x"].shape == (3,)
    assert window.model.loaded_names(str(path), "/") == {"grp", "shortcut"}
    step(window, wait_idle, redo=True)
    assert names(path) == ["shortcut"]

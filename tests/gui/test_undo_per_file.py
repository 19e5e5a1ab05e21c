"""Undo and redo as a user meets them: the Redo keys work, a refused undo leaves the history where it
was, and every file has its own history, so Ctrl+Z never changes a file the user is not looking at."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from h5gui.gui.main_window import MainWindow
from h5gui.gui.undo import redo_shortcuts


def make(path: Path) -> Path:
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=np.arange(10)).attrs["units"] = "m"
    return path


def units(path: Path) -> str:
    with h5py.File(path, "r", locking=False) as f:
        value = f["data"].attrs["units"]
    return value.decode() if isinstance(value, bytes) else str(value)


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    return make(tmp_path / "a.h5"), make(tmp_path / "b.h5")


def edit_units(qtbot, wait_idle, window: MainWindow, path: Path, value: str) -> None:
    """Open ``path`` (if needed) for editing, select /data and set its units."""
    window.open_files([str(path)], select="/data")
    wait_idle(window)
    window.select_path(str(path), "/data")
    wait_idle(window)
    if not window.session.is_writable(str(path)):
        window.actions_.enable_editing.trigger()
        wait_idle(window)
    window.attributes.set_value("units", value)
    wait_idle(window)
    assert units(path) == value


def press(qtbot, window: MainWindow, key: str) -> None:
    window.activateWindow()
    window.tree.setFocus()
    seq = QKeySequence(key)
    combo = seq[0]
    qtbot.keyClick(window.tree, combo.key(), combo.keyboardModifiers())


def test_redo_keys_are_given_once_each() -> None:
    # X11's Redo binding is Ctrl+Shift+Z: listed beside an explicit Ctrl+Shift+Z, Qt called the
    # shortcut ambiguous and did nothing (issue 12 defect 1)
    x11 = [QKeySequence("Ctrl+Shift+Z")]
    keys = [k.toString() for k in redo_shortcuts(x11)]
    assert keys == ["Ctrl+Shift+Z", "Ctrl+Y"]
    windows = [QKeySequence("Ctrl+Y"), QKeySequence("Alt+Shift+Backspace")]
    assert [k.toString() for k in redo_shortcuts(windows)] == ["Ctrl+Shift+Z", "Ctrl+Y", "Alt+Shift+Backspace"]


def test_ctrl_shift_z_and_ctrl_y_redo(qtbot, qtlog, wait_idle, window: MainWindow, two_files) -> None:
    a, _b = two_files
    edit_units(qtbot, wait_idle, window, a, "km")
    keys = [k.toString() for k in window.redo_action.shortcuts()]
    assert len(keys) == len(set(keys)) and {"Ctrl+Shift+Z", "Ctrl+Y"} <= set(keys)
    for redo_key in ("Ctrl+Shift+Z", "Ctrl+Y"):
        press(qtbot, window, "Ctrl+Z")
        wait_idle(window)
        qtbot.waitUntil(lambda: units(a) == "m", timeout=5000)
        press(qtbot, window, redo_key)
        wait_idle(window)
        qtbot.waitUntil(lambda: units(a) == "km", timeout=5000)
    assert not [r for r in qtlog.records if "Ambiguous shortcut" in r.message]


def test_a_refused_undo_leaves_the_history_where_it_was(qtbot, wait_idle, window: MainWindow, two_files) -> None:
    a, _b = two_files
    edit_units(qtbot, wait_idle, window, a, "km")
    stack = window.undo.stack(str(a))
    assert stack.index() == 1
    window.actions_.enable_editing.trigger()  # read-only again
    wait_idle(window)
    assert not window.session.is_writable(str(a))
    assert not window.undo_action.isEnabled()
    assert "read-only" in window.undo_action.toolTip()
    window.undo.undo()  # Ctrl+Z all the same
    wait_idle(window)
    assert stack.index() == 1 and units(a) == "km"
    assert "read-only" in window.status_text()
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    window.undo_action.trigger()  # now it undoes, once
    wait_idle(window)
    assert stack.index() == 0 and units(a) == "m"


def test_an_undo_that_fails_in_the_file_leaves_the_history_where_it_was(qtbot, wait_idle, window: MainWindow,
                                                                       two_files) -> None:
    a, _b = two_files
    edit_units(qtbot, wait_idle, window, a, "km")
    with h5py.File(a, "a", locking=False) as f:  # another program removes the dataset meanwhile
        del f["data"]
    stack = window.undo.stack(str(a))
    window.undo_action.trigger()
    wait_idle(window)
    qtbot.waitUntil(lambda: stack.index() == 1, timeout=5000)
    assert window.undo_action.isEnabled() and not window.redo_action.isEnabled()


def test_each_file_has_its_own_undo(qtbot, wait_idle, window: MainWindow, two_files) -> None:
    a, b = two_files
    edit_units(qtbot, wait_idle, window, a, "km")
    edit_units(qtbot, wait_idle, window, b, "cm")
    # the selection is in b: Ctrl+Z undoes b's edit, never a's
    window.undo_action.trigger()
    wait_idle(window)
    assert units(b) == "m" and units(a) == "km"
    assert not window.undo_action.isEnabled()  # nothing more to undo in b
    press(qtbot, window, "Ctrl+Z")
    wait_idle(window)
    assert units(a) == "km"
    window.select_path(str(a), "/data")  # the history follows the selection
    wait_idle(window)
    assert window.undo_action.isEnabled() and "units" in window.undo_action.text()
    window.undo_action.trigger()
    wait_idle(window)
    assert units(a) == "m" and units(b) == "m"
    window.close_file(str(a))  # closing a file drops its history
    wait_idle(window)
    assert str(a) not in window.undo.stacks
    QApplication.processEvents()

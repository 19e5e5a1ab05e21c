"""Menus that cannot act are not offered (found using the app as a new user, issue 12's bar): with no
file open, Statistics, Samples and Copy loader code were enabled and only answered "Select a dataset";
Transform and Statistics were offered on strings, compounds, references and empty datasets, and
Transform asked to enable editing before saying it cannot transform them."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.dataset_kinds import is_number_dtype
from h5gui.gui.main_window import MainWindow


def state(window: MainWindow) -> dict[str, bool]:
    a = window.actions_
    return {name: getattr(a, name).isEnabled() for name in ("transform", "stats", "samples", "copy_loader")}


def test_dataset_tools_follow_what_the_selection_holds(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    assert not any(state(window).values()), state(window)  # no file open: nothing to act on

    path = tmp_path / "kinds.h5"
    with h5py.File(path, "w") as f:
        f["images"] = np.zeros((4, 8, 8), "u1")
        f["names"] = np.array(["a", "b"], dtype=h5py.string_dtype())
        f["table"] = np.zeros(3, dtype=[("x", "f4"), ("y", "i2")])
        f.create_dataset("empty", shape=(0, 5), dtype="f4")
        f["wave"] = np.exp(1j * np.arange(4.0))
        f.create_group("grp")
    window.open_files([str(path)], select="/images")
    wait_idle(window)
    assert state(window) == {"transform": True, "stats": True, "samples": True, "copy_loader": True}
    assert window.actions_.export_stack.isEnabled()  # (4, 8, 8): a stack of pictures

    for name in ("names", "table", "empty", "wave"):
        window.select_path(str(path), f"/{name}")
        wait_idle(window)
        s = state(window)
        assert not s["transform"] and not s["stats"], (name, s)
        assert s["copy_loader"], name  # still a dataset
        assert not window.actions_.export_stack.isEnabled(), name  # not pictures

    window.select_path(str(path), "/grp")
    wait_idle(window)
    assert state(window) == {"transform": False, "stats": False, "samples": True, "copy_loader": False}

    # called anyway (a script, a stale shortcut): one line, and no "Enable editing?" question first
    window.select_path(str(path), "/names")
    wait_idle(window)
    window.wizards.open_transform()
    assert "transform works on numbers" in window.status_text()
    assert window.wizards.current is None


def test_number_words() -> None:
    for yes in ("uint8", "int64", "float16", "float32", "bool", "enum int8"):
        assert is_number_dtype(yes), yes
    for no in ("string", "S8", "compound", "complex64", "vlen int32", "object reference", "float128", ""):
        assert not is_number_dtype(no), no


def test_new_submenu_is_disabled_when_nothing_can_be_created(qtbot, wait_idle, window: MainWindow,
                                                             tmp_path: Path) -> None:
    from h5gui.gui.actions import tree_menu

    path = tmp_path / "n.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3)
    window.open_files([str(path)], select="/x")
    wait_idle(window)

    def new_enabled() -> bool:
        menu = tree_menu(window, window.actions_, window.current_node())
        return next(act for act in menu.actions() if act.text() == "New").isEnabled()

    assert not new_enabled()  # read-only: every item of New is disabled
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    assert new_enabled()


def test_quit_works_from_the_find_window(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """Ctrl+Q did nothing while the Find (or Messages) window was in front: the app stayed open."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    path = tmp_path / "q.h5"
    with h5py.File(path, "w") as f:
        f["x"] = 1
    window.open_files([str(path)])
    wait_idle(window)
    window.open_find()
    dialog = window.find_dialog
    assert dialog is not None
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    quits: list[bool] = []
    window.actions_.quit.triggered.connect(lambda: quits.append(True))
    qtbot.keyClick(dialog.pattern, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert quits == [True]

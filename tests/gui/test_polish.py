"""Small things users expect: a file just opened is selected and in sight, Open Recent says where each
file is, the Undo and Redo buttons keep their width, the toolbar and menus have icons."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow


def make(path: Path, members: int = 1) -> Path:
    with h5py.File(path, "w") as f:
        for i in range(members):
            f[f"d{i:03d}"] = np.arange(3)
    return path


def test_a_file_just_opened_is_selected_and_scrolled_to(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    first = make(tmp_path / "first.h5", 200)
    second = make(tmp_path / "second.h5")
    window.resize(900, 400)
    window.open_files([str(first)])
    wait_idle(window)
    window.select_path(str(first), "/d005")
    wait_idle(window)
    window.open_files([str(second)])
    wait_idle(window)
    node = window.current_node()
    assert node is not None and node.kind == "file" and node.file == str(second)
    in_sight = lambda: window.tree.viewport().rect().intersects(  # noqa: E731
        window.tree.visualRect(window.model.file_index(str(second))))
    assert in_sight()
    # the first file's "N more..." row, in sight above it, loads its rows: they must not push it away
    first_rows = lambda: window.model.rowCount(window.model.file_index(str(first)))  # noqa: E731
    qtbot.waitUntil(lambda: first_rows() >= 200 and window.is_idle(), timeout=10000)
    assert in_sight() and window.current_node() is node


def test_open_recent_shows_the_folder(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = make(tmp_path / "r.h5")
    window.open_files([str(path)])
    wait_idle(window)
    texts = [a.text() for a in window.recent_menu.actions() if a.text()]
    assert any("r.h5" in t and os.path.basename(str(tmp_path)) in t for t in texts), texts


def test_undo_buttons_keep_their_width_and_actions_have_icons(qtbot, wait_idle, window: MainWindow,
                                                              tmp_path: Path) -> None:
    path = make(tmp_path / "u.h5")
    undo_button = window.toolbar.widgetForAction(window.undo_action)
    width = undo_button.sizeHint().width()
    window.open_files([str(path)], select="/d000")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    window.attributes.set_value("a_rather_long_attribute_name", "1")
    wait_idle(window)
    assert "a_rather_long_attribute_name" in window.undo_action.toolTip()
    assert undo_button.sizeHint().width() == width
    for action in window.toolbar.actions():
        if not action.isSeparator():
            assert not action.icon().isNull(), action.text()
    a = window.actions_
    for action in (a.open, a.refresh, a.new_group, a.delete, a.rename, a.find_all, a.export, a.about, a.messages):
        assert not action.icon().isNull(), action.text()

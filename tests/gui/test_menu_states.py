"""Menus offer only what can act: nothing file-related with no file open, no New/Rename/Delete on a
read-only file, no Rename/Delete on a file's root row."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.actions import tree_menu
from h5gui.gui.main_window import MainWindow


def enabled(window: MainWindow) -> dict[str, bool]:
    a = window.actions_
    return {name: getattr(a, name).isEnabled() for name in (
        "refresh", "transform", "enable_editing", "new_group", "rename", "delete", "cut_object", "paste_object",
        "compact", "close", "copy_code", "copy_object", "new_soft_link")}


def test_menus_follow_the_selection_and_the_file_mode(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as f:
        f["grp/data"] = np.arange(4)
    s = enabled(window)
    assert not any(s[k] for k in ("refresh", "transform", "enable_editing", "new_group", "rename", "delete",
                                  "compact", "close")), s

    window.open_files([str(path)], select="/grp/data")
    wait_idle(window)
    s = enabled(window)
    assert s["refresh"] and s["transform"] and s["enable_editing"] and s["copy_code"] and s["copy_object"]
    assert not s["new_group"] and not s["rename"] and not s["delete"] and not s["cut_object"], s
    assert not s["compact"] and not s["paste_object"]

    window.actions_.enable_editing.trigger()
    wait_idle(window)
    s = enabled(window)
    assert s["new_group"] and s["rename"] and s["delete"] and s["cut_object"] and s["compact"], s
    window.actions_.copy_object.trigger()
    assert window.actions_.paste_object.isEnabled()

    window.select_path(str(path), "/")  # the file's root row
    wait_idle(window)
    assert window.current_node().kind == "file"
    s = enabled(window)
    assert s["new_group"] and not s["rename"] and not s["delete"] and not s["cut_object"] and not s["transform"]
    menu = tree_menu(window, window.actions_, window.current_node())
    shown = {act.text(): act.isEnabled() for act in menu.actions() if act.text()}
    assert shown["Re&name..."] is False and shown["&Delete..."] is False

    window.actions_.enable_editing.trigger()  # read-only again
    wait_idle(window)
    assert not enabled(window)["new_group"]
    window.close_file(str(path))
    wait_idle(window)
    s = enabled(window)
    assert not s["refresh"] and not s["enable_editing"] and not s["transform"]

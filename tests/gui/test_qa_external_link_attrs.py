"""QA: selecting an external link to a dataset showed the target's preview but not its attributes (the
Attributes tab said "open that file to go further"). It now lists the target's attributes, read-only,
and says so; a link that leaves the file's folder waits for the user's permission."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from PySide6.QtCore import Qt

from h5gui.gui.main_window import MainWindow


def names(window: MainWindow) -> set[str]:
    return {a.name for a in window.attr_panel.model.attrs()}


def test_external_link_shows_its_targets_attributes_read_only(qtbot, wait_idle, window: MainWindow,
                                                              tmp_path: Path) -> None:
    with h5py.File(tmp_path / "target.h5", "w") as f:
        ds = f.create_dataset("data", data=np.arange(20.0).reshape(4, 5))
        ds.attrs["units"] = "K"
        ds.attrs["scale"] = 2.5
        f.create_group("grp").attrs["note"] = "a group"
    outside = tmp_path / "away"
    outside.mkdir()
    with h5py.File(outside / "far.h5", "w") as f:
        f.create_dataset("data", data=np.arange(3)).attrs["secret"] = 1
    path = tmp_path / "main.h5"
    with h5py.File(path, "w") as f:
        f["ext"] = h5py.ExternalLink("target.h5", "/data")
        f["extg"] = h5py.ExternalLink("target.h5", "/grp")
        f["mine"] = np.arange(3)
        f["mine"].attrs["own"] = 1
        (tmp_path / "sub").mkdir()
    with h5py.File(tmp_path / "sub" / "main2.h5", "w") as f:
        f["far"] = h5py.ExternalLink("../away/far.h5", "/data")
    tabs, panel = window.tabs, window.attr_panel
    window.open_files([str(path)], select="/ext")
    wait_idle(window)
    assert window.session.shown == (str(path), "/ext")
    qtbot.waitUntil(lambda: names(window) == {"units", "scale"}, timeout=10000)
    assert tabs.tabText(tabs.indexOf(panel)) == "Attributes (2)"
    assert panel.through_note.isVisibleTo(panel) and "target.h5:/data" in panel.through_note.text()
    assert "read-only here" in panel.through_note.text()

    # editing the file does not make the target's attributes editable through the link
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    assert window.session.is_writable(str(path))
    assert not panel.model.editable and not panel.tool_buttons["add"].isEnabled()
    assert not panel.model.flags(panel.model.index(0, 1)) & Qt.ItemFlag.ItemIsEditable
    insert = next(a for a in panel.actions() if a.shortcut().toString() == "Ins")
    insert.trigger()  # the Ins key of the Attributes tab
    assert panel.refusal.isVisibleTo(panel) and "read-only here" in panel.refusal.text()

    # a link to a group too; the file's own objects stay editable
    window.select_path(str(path), "/extg")
    wait_idle(window)
    qtbot.waitUntil(lambda: names(window) == {"note"}, timeout=10000)
    assert "target.h5:/grp" in panel.through_note.text()
    window.select_path(str(path), "/mine")
    wait_idle(window)
    qtbot.waitUntil(lambda: names(window) == {"own"}, timeout=10000)
    assert not panel.through_note.isVisibleTo(panel) and panel.model.editable

    # outside the file's folder: nothing is read before the user allows it
    window.open_files([str(tmp_path / "sub" / "main2.h5")], select="/far")
    wait_idle(window)
    assert window.session.shown == (str(tmp_path / "sub" / "main2.h5"), "/far")
    assert names(window) == set() and "allow it in the Info tab" in panel.empty.text()


def test_copy_through_an_external_link_copies_the_targets_attributes(qtbot, wait_idle, window: MainWindow,
                                                                     tmp_path: Path) -> None:
    with h5py.File(tmp_path / "target.h5", "w") as f:
        f.create_dataset("data", data=np.arange(4)).attrs["units"] = "K"
    path = tmp_path / "main.h5"
    with h5py.File(path, "w") as f:
        f["ext"] = h5py.ExternalLink("target.h5", "/data")
    window.open_files([str(path)], select="/ext")
    wait_idle(window)
    qtbot.waitUntil(lambda: names(window) == {"units"}, timeout=10000)
    window.attr_panel.tool_buttons["copy"].click()
    wait_idle(window)
    assert [v.name for v in window.session.attr_clip] == ["units"], window.status_text()
    assert "Copied 1 attribute" in window.status_text()

"""The Attributes tab's buttons act on what they say: Duplicate and Delete were enabled with nothing
selected (and no attribute at all) and then did nothing; after a rename or a duplicate the edited
attribute was no longer selected, so its value vanished from the side view."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from PySide6.QtCore import Qt

from h5gui.gui.main_window import MainWindow
from h5gui.gui.models.attr_model import NAME_COL


def test_buttons_follow_the_selection_and_edits_stay_selected(qtbot, wait_idle, window: MainWindow,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "a.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(3)
        f["data"].attrs["gain"] = 1.5
        f["empty"] = np.arange(2)
    window.open_files([str(path)], select="/data")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    panel = window.attr_panel
    b = panel.tool_buttons
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5000)
    assert b["add"].isEnabled() and b["copy"].isEnabled()
    assert not b["duplicate"].isEnabled() and not b["delete"].isEnabled()  # nothing selected

    panel.table.selectRow(0)
    assert b["duplicate"].isEnabled() and b["delete"].isEnabled()

    # rename in place: the renamed attribute stays selected, its value in the side view
    index = panel.proxy.mapFromSource(panel.model.index(0, NAME_COL))
    panel.proxy.setData(index, "gain2", Qt.ItemDataRole.EditRole)
    wait_idle(window)
    qtbot.waitUntil(lambda: panel.model.row_of("gain2") >= 0, timeout=5000)
    assert panel.selected_names() == ["gain2"]
    assert panel.detail_widget.isVisibleTo(panel) and panel.detail.toPlainText() == "1.5"

    b["duplicate"].click()
    wait_idle(window)
    qtbot.waitUntil(lambda: panel.model.row_of("gain2_copy") >= 0, timeout=5000)
    assert panel.selected_names() == ["gain2_copy"]

    window.select_path(str(path), "/empty")  # no attributes: nothing to copy, duplicate or delete
    wait_idle(window)
    assert not b["copy"].isEnabled() and not b["duplicate"].isEnabled() and not b["delete"].isEnabled()
    assert b["add"].isEnabled()


def test_new_attribute_dialog_does_not_open_on_an_error(qtbot, window: MainWindow) -> None:
    """The New attribute dialog opened with a red "the attribute needs a name" before anything was typed."""
    from PySide6.QtWidgets import QDialogButtonBox

    from h5gui.gui.widgets.attr_dialog import AttrDialog

    dialog = AttrDialog(window, window.runner, existing={"units"})
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.reason.text() == "" and not ok.isEnabled()
    qtbot.keyClicks(dialog.name_edit, "units")
    assert "already exists" in dialog.reason.text()
    dialog.name_edit.selectAll()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Backspace)  # cleared by the user: now it is said
    assert dialog.reason.text() == "the attribute needs a name" and not ok.isEnabled()


def test_status_says_what_was_done(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """After adding an attribute the status line read "Add gain on /data (Ctrl+Z to undo)", an order
    rather than a report."""
    from h5gui.core import api

    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(3)
    window.open_files([str(path)], select="/data")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    window.attributes.edit(api.attrs.set_value, "gain", "1.5", "float32")
    wait_idle(window)
    qtbot.waitUntil(lambda: "gain" in window.status_text(), timeout=5000)
    assert window.status_text() == "Added gain on /data (Ctrl+Z to undo)"
    assert window.undo_action.text() == "&Undo add gain on /data"
    window.attributes.delete(["gain"])
    wait_idle(window)
    qtbot.waitUntil(lambda: window.status_text().startswith("Deleted gain"), timeout=5000)

"""Statistics > Store as attributes is an edit like any other: Ctrl+Z takes the stored attributes
away again (and puts back earlier statistics attributes), Ctrl+Shift+Z stores them again. Before, the
store wrote ten attributes that no undo could remove, while README promises undo for every attribute
change."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow


def attrs(path: Path) -> dict[str, object]:
    with h5py.File(path, "r", locking=False) as f:
        return {k: f["data"].attrs[k] for k in f["data"].attrs}


def test_storing_statistics_can_be_undone_and_redone(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "s.h5"
    data = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    with h5py.File(path, "w") as f:
        f["data"] = data
        f["data"].attrs["units"] = "K"
        f["data"].attrs["mean"] = -1.0  # an earlier value, replaced by the store and back after undo
    window.open_files([str(path)], select="/data")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    window.actions_.stats.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.stats is not None, timeout=20000)
    dialog.store_button.click()
    qtbot.waitUntil(lambda: dialog.stats is not None and dialog.stats.stored, timeout=20000)
    qtbot.waitUntil(lambda: window.undo_action.isEnabled(), timeout=10000)
    wait_idle(window)
    stored = attrs(path)
    assert float(stored["mean"]) == data.mean() and "count" in stored and stored["units"] == "K"
    assert "Ctrl+Z" in window.status_text()

    window.undo_action.trigger()
    wait_idle(window)
    back = attrs(path)
    assert back == {"units": "K", "mean": -1.0}, back
    assert window.redo_action.isEnabled()

    window.redo_action.trigger()
    wait_idle(window)
    again = attrs(path)
    assert set(again) == set(stored) and float(again["mean"]) == data.mean()

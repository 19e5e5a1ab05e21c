"""The copies that make a delete undoable are removed when the window closes: they stayed in the temporary
folder until the Python process ended, and the folder's late clean-up warned (ResourceWarning) in
whatever code ran when the garbage collector found it."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
from test_structure_gui import answer_next_dialog, editable, names

from h5gui.gui.main_window import MainWindow


def test_closing_the_window_removes_the_copies_kept_for_undo(qtbot, wait_idle, window: MainWindow,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "t.h5"
    with h5py.File(path, "w") as f:
        f["grp/data"] = np.arange(100)
    editable(qtbot, wait_idle, window, path, "/grp/data")
    answer_next_dialog(yes=True)
    window.actions_.delete.trigger()
    qtbot.waitUntil(lambda: window.is_idle() and "data" not in names(path, "/grp"), timeout=10000)
    scratch = window.structure.history._scratch  # noqa: SLF001 - where the copy is kept
    assert scratch is not None
    folder = scratch.name
    assert [n for n in os.listdir(folder) if n.endswith(".h5")]  # the deleted object, kept for undo
    window.close()
    assert not os.path.exists(folder)

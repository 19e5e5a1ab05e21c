"""Closing a wizard while its plan or its before/after sample is still being read: the result arrived
for widgets already deleted and printed a traceback ("Internal C++ object (QLabel) already deleted")
instead of being dropped."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from PIL import Image

from h5gui.gui.main_window import MainWindow


def test_transform_wizard_closed_before_its_preview_arrives(qtbot, wait_idle, window: MainWindow,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "z.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.random.default_rng(1).random((64, 64)).astype(np.float32)
    window.open_files([str(path)], select="/x")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    for _ in range(3):
        window.wizards.open_transform()
        wizard = window.wizards.current  # deleted when closed: not given to qtbot
        qtbot.waitUntil(lambda w=wizard: w.ops_page.defaults_done, timeout=10000)
        wizard.next()
        qtbot.waitUntil(lambda w=wizard: bool(w.storage_page.dest.text()), timeout=10000)
        wizard.next()  # submits the plan and the sample
        wizard.reject()  # at once: both still pending
        wait_idle(window)  # their results come back to nobody, quietly
    assert window.runner.has_pending() is False


def test_import_wizard_closed_before_its_plan_arrives(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    root = tmp_path / "pics"
    root.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8, 3), i * 40, np.uint8)).save(root / f"{i}.png")
    window.wizards.open_import(str(root))
    wizard = window.wizards.current
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.options_page, timeout=20000)
    wizard.next()  # submits the plan
    wizard.reject()
    wait_idle(window)
    assert window.runner.has_pending() is False

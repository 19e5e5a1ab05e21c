"""QA: the transform wizard's plan said "clip values outside float32" for a z-score of float32 data into
float32, which cannot leave float32; a narrowing cast from float64 still says it."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from gui_window import transform_wizard

from h5gui.gui.main_window import MainWindow


def plan_text(qtbot, window: MainWindow, wait_idle, path: Path, name: str, normalize: str, dtype: str) -> str:
    window.select_path(str(path), name)
    wait_idle(window)
    wizard = transform_wizard(qtbot, window, closed_by_test=True)  # rejected below
    ops = wizard.ops_page
    ops.normalize.setCurrentIndex(ops.normalize.findData(normalize))
    ops.dtype.setCurrentText(dtype)
    wizard.next()
    qtbot.waitUntil(lambda: bool(wizard.storage_page.dest.text()), timeout=10000)
    wizard.next()
    qtbot.waitUntil(wizard.preview_page.isComplete, timeout=20000)
    qtbot.waitUntil(lambda: "Before" in wizard.preview_page.values.text(), timeout=20000)
    text = wizard.preview_page.plan_text.toPlainText()
    wizard.reject()
    return text


def test_clip_note_only_when_values_can_be_clipped(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "z.h5"
    rng = np.random.default_rng(1)
    with h5py.File(path, "w") as f:
        f["x32"] = rng.random((6, 5)).astype(np.float32)
        f["x64"] = rng.random((6, 5))
    window.open_files([str(path)], select="/x32")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    text = plan_text(qtbot, window, wait_idle, path, "/x32", "zscore", "float32")
    assert "z-score" in text and "clip values outside" not in text, text
    text = plan_text(qtbot, window, wait_idle, path, "/x64", "none", "float32")
    assert "clip values outside float32" in text, text

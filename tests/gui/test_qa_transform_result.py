"""The transform's last page gives the statistics as a reader wants them (6 significant digits), not as
``scale 0.2893972857516017, ... min 1.1339166121615563e-05``; the exact values are in the attributes."""

from __future__ import annotations

import re
from pathlib import Path

import h5py
import numpy as np
from gui_window import transform_wizard

from h5gui.gui.main_window import MainWindow


def test_result_statistics_are_short(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "z.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.random.default_rng(1).random((6, 5)).astype(np.float32)
    window.open_files([str(path)], select="/x")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    wizard = transform_wizard(qtbot, window)
    ops = wizard.ops_page
    ops.normalize.setCurrentIndex(ops.normalize.findData("zscore"))
    wizard.next()
    qtbot.waitUntil(lambda: bool(wizard.storage_page.dest.text()), timeout=10000)
    wizard.next()
    qtbot.waitUntil(wizard.preview_page.isComplete, timeout=20000)
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.report is not None, timeout=60000)
    text = run.result.toPlainText()
    assert "Statistics:" in text and "mean" in text
    assert not re.search(r"\d{9,}", text), text  # no float printed with 16 digits
    with h5py.File(path, "r", locking=False) as f:
        assert f[run.report.dest].attrs["mean"] == np.float64(run.report.stats["mean"])  # exact in the file

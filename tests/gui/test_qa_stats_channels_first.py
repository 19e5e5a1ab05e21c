"""QA: the statistics of a channels-first picture ((3, H, W) uint8 with CLASS=IMAGE, which the preview
shows in colour) lumped its three colours together: one row "all" instead of one row per channel."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow


def test_channels_first_picture_has_one_row_per_colour(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    pic = np.stack([rng.integers(80 * c, 80 * c + 20, (16, 18), dtype=np.uint8) for c in range(3)])
    path = tmp_path / "chw.h5"
    with h5py.File(path, "w") as f:
        f["picture"] = pic
        f["picture"].attrs["CLASS"] = np.bytes_("IMAGE")
    window.open_files([str(path)], select="/picture")
    wait_idle(window)
    window.actions_.stats.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.stats is not None or bool(dialog.error), timeout=20000)
    assert dialog.stats is not None, dialog.error
    assert dialog.table.rowCount() == 3
    for c in range(3):
        assert dialog.table.item(c, 0).text() == str(c)
        assert float(dialog.table.item(c, 1).text()) == pic[c].min()
        assert float(dialog.table.item(c, 2).text()) == pic[c].max()
    assert "3 channel(s) along axis 0" in dialog.summary.text()
    assert "all 3 channels together" in dialog.histogram.title
    assert sum(dialog.histogram.counts) == pic.size

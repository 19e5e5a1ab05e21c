"""QA: the statistics of a channels-first picture ((3, H, W) uint8 with CLASS=IMAGE, which the preview
shows in colour) lumped its three colours together: one row "all" instead of one row per channel."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow


def statistics_of(qtbot, wait_idle, window: MainWindow, file: Path, path: str):  # noqa: ANN201
    """The Statistics dialog of ``path``, opened as the user does (Edit > Statistics...), once computed."""
    window.open_files([str(file)], select=path)
    wait_idle(window)
    window.actions_.stats.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.stats is not None or bool(dialog.error), timeout=20000)
    assert dialog.stats is not None, dialog.error
    return dialog


def test_channels_first_picture_has_one_row_per_colour(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    pic = np.stack([rng.integers(80 * c, 80 * c + 20, (16, 18), dtype=np.uint8) for c in range(3)])
    path = tmp_path / "chw.h5"
    with h5py.File(path, "w") as f:
        f["picture"] = pic
        f["picture"].attrs["CLASS"] = np.bytes_("IMAGE")
    dialog = statistics_of(qtbot, wait_idle, window, path, "/picture")
    assert dialog.table.rowCount() == 3
    for c in range(3):
        assert dialog.table.item(c, 0).text() == str(c)
        assert float(dialog.table.item(c, 1).text()) == pic[c].min()
        assert float(dialog.table.item(c, 2).text()) == pic[c].max()
    assert "3 channel(s) along axis 0" in dialog.summary.text()
    assert "all 3 channels together" in dialog.histogram.title
    assert sum(dialog.histogram.counts) == pic.size


def test_histogram_of_one_colour(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    # the histogram tab shows every channel together, or one channel picked in its box, on the same bins
    rng = np.random.default_rng(4)
    rgb = np.stack([rng.integers(0, 60, (20, 8, 9)), rng.integers(100, 160, (20, 8, 9)),
                    rng.integers(200, 256, (20, 8, 9))], axis=-1).astype(np.uint8)
    path = tmp_path / "rgb.h5"
    with h5py.File(path, "w") as f:
        f["images"] = rgb
    dialog = statistics_of(qtbot, wait_idle, window, path, "/images")
    box = dialog.hist_channel
    assert box.isEnabled() and box.count() == 4 and "red" in box.itemText(1) and "blue" in box.itemText(3)
    assert sum(dialog.histogram.counts) == rgb.size
    box.setCurrentIndex(3)  # blue: only its values, all in the top bins
    assert "channel 2" in dialog.histogram.title
    counts = dialog.histogram.counts
    assert sum(counts) == rgb[..., 2].size
    edges = dialog.stats.bin_edges
    assert all(n == 0 for n, e in zip(counts, edges[1:], strict=False) if e < 200)
    assert dialog.histogram.color.name() == "#1976d2"
    box.setCurrentIndex(1)
    assert dialog.histogram.color.name() == "#d32f2f" and sum(dialog.histogram.counts) == rgb[..., 0].size

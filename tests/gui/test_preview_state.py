"""What the preview shows when the selection moves: nothing of the previous dataset stays on screen
unless the new one is a sibling of the same shape and dtype (issue 12, defects 11 and 14)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from PySide6.QtCore import QPointF

from h5gui.gui.main_window import MainWindow


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "secret.bin"
    secret.parent.mkdir()
    secret.write_bytes(bytes(range(64)))
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "mixed.h5"
    rng = np.random.default_rng(3)
    with h5py.File(path, "w") as f:
        f.create_dataset("outside", shape=(8, 8), dtype="u1", external=[(str(secret), 0, 64)])
        f["stack"] = rng.integers(0, 255, size=(5, 8, 8), dtype=np.uint8)
        f["half"] = (rng.random((16, 16)) * 0.5).astype(np.float16)
        f["half_twin"] = (rng.random((16, 16)) * 0.5).astype(np.float16)
        f["photo"] = rng.integers(0, 255, size=(16, 16), dtype=np.uint8)
        f["sig"] = np.arange(100.0)
        f["sig2"] = np.arange(50.0) * 2
    return path


def show(window: MainWindow, wait_idle, path: Path, h5path: str) -> None:
    if str(path) not in window.model.files():
        window.open_files([str(path)], select=h5path)
    else:
        window.select_path(str(path), h5path)
    wait_idle(window)
    node = window.current_node()
    assert node is not None and node.path == h5path


def test_data_outside_the_folder_shows_no_controls_of_the_previous_dataset(qtbot, wait_idle, window: MainWindow,
                                                                           mixed: Path) -> None:
    show(window, wait_idle, mixed, "/stack")
    p = window.preview
    assert p.axes_bar.isVisible() and p.axes_bar.sliders  # the stack's frame slider
    show(window, wait_idle, mixed, "/outside")
    assert "Allow and read" in p.banner.button.text() and p.banner.isVisible()
    assert not p.axes_bar.isVisible(), "the stack's slider is not this dataset's"
    assert not any(b.isVisible() for b in p.view_buttons.values())
    p.banner.button.click()
    wait_idle(window)
    assert p.view == "image" and not p.axes_bar.isVisible()
    np.testing.assert_array_equal(p.image_view.displayed_array(), np.arange(64, dtype=np.uint8).reshape(8, 8))


def hover(view, item_view, x: float, y: float) -> None:
    """Move the mouse over view coordinates (x, y) of a pyqtgraph view box."""
    view._on_mouse_moved(item_view.mapViewToScene(QPointF(x, y)))


def test_readouts_tell_only_of_the_data_on_screen(qtbot, wait_idle, window: MainWindow, mixed: Path) -> None:
    show(window, wait_idle, mixed, "/stack")
    iv = window.preview.image_view
    hover(iv, iv.viewbox, 2.5, 1.5)
    assert iv.readout.text().startswith("row 1, col 2:")
    window.preview.axes_bar.set_position(0, 3)  # another frame under a still cursor: its value
    wait_idle(window)
    with h5py.File(mixed, "r", locking=False) as f:
        assert iv.readout.text() == f"row 1, col 2: {int(f['stack'][3, 1, 2])}"
    show(window, wait_idle, mixed, "/photo")
    assert iv.readout.text().strip() == "", "no value of the previous image under the new one"
    show(window, wait_idle, mixed, "/sig")
    pv = window.preview.plot_view

    def pointed() -> bool:  # the curve may still be laid out
        hover(pv, pv.plot.getViewBox(), 10, 10)
        return "sig = 10" in pv.readout.text()

    qtbot.waitUntil(pointed, timeout=3000)
    show(window, wait_idle, mixed, "/sig2")
    assert pv.readout.text().strip() == ""


def test_manual_levels_go_only_to_siblings_of_the_same_shape_and_dtype(qtbot, wait_idle, window: MainWindow,
                                                                        mixed: Path) -> None:
    show(window, wait_idle, mixed, "/half")
    iv = window.preview.image_view
    iv.levels_combo.setCurrentIndex(2)  # manual
    iv.low_spin.setValue(0.0)
    iv.high_spin.setValue(0.5)
    assert iv.drawn_style()[0] == (0.0, 0.5)
    show(window, wait_idle, mixed, "/half_twin")  # a sibling: same levels, to compare them
    assert iv.levels_combo.currentData() == "manual" and iv.drawn_style()[0] == (0.0, 0.5)
    show(window, wait_idle, mixed, "/photo")  # uint8: levels from its own data, not 0-0.5 (all white)
    assert iv.levels_combo.currentData() == "percentile"
    low, high = iv.drawn_style()[0]
    assert high > 100
    assert not iv.low_spin.isVisible()


def test_text_of_a_string_array_says_which_element_and_moves_through_them(qtbot, wait_idle, window: MainWindow,
                                                                          tmp_path: Path) -> None:
    path = tmp_path / "notes.h5"
    with h5py.File(path, "w") as f:
        f["notes"] = np.array(["alpha", "beta", '{"gamma": 3}', "delta"], dtype=h5py.string_dtype())
    show(window, wait_idle, path, "/notes")
    p = window.preview
    p.set_view("text")
    wait_idle(window)
    tv = p.text_view
    assert tv.plain_text() == "alpha"
    assert tv.note.isVisible() and "element [0] of 4" in tv.note.text()
    assert p.axes_bar.isVisible()
    p.axes_bar.set_position(0, 2)
    wait_idle(window)
    assert '"gamma": 3' in tv.plain_text() and "element [2] of 4" in tv.note.text()

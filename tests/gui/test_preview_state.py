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


def test_no_slider_for_axes_of_length_one_and_play_shows_pause(qtbot, wait_idle, window: MainWindow,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "batch.h5"
    with h5py.File(path, "w") as f:
        f["one"] = np.zeros((1, 1, 16, 16), np.uint8)  # a batch of one single-frame sample
        f["movie"] = np.zeros((1, 6, 16, 16), np.uint8)
    show(window, wait_idle, path, "/one")
    p = window.preview
    assert not p.axes_bar.sliders, "nothing to move through along an axis of length 1"
    show(window, wait_idle, path, "/movie")
    assert list(p.axes_bar.sliders) == [1]
    play = p.axes_bar.sliders[1].play
    assert play.text() == "\u25b6"
    play.click()
    assert play.isChecked() and play.text() == "\u23f8" and play.toolTip() == "Pause"
    qtbot.waitUntil(lambda: p.axes_bar.index()[1] > 0, timeout=5000)
    play.click()
    assert play.text() == "\u25b6"


def test_log_scale_histogram_axis_reads_in_the_units_of_the_level_boxes(qtbot, wait_idle, window: MainWindow,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "decades.h5"
    with h5py.File(path, "w") as f:
        f["counts"] = np.logspace(0, 4, 64 * 64).reshape(64, 64).astype(np.float32)
    show(window, wait_idle, path, "/counts")
    iv = window.preview.image_view
    iv.log_check.setChecked(True)
    wait_idle(window)
    # the histogram's axis is labelled in values (10\u00b2 = 100), as the level boxes are, not in log10 units (2)
    assert iv.hist.axis.tickStrings([2.0], 1.0, 1.0) in (["100"], ["10\u00b2"])
    iv.hist.setLevels(1.0, 3.0)  # the user drags the handles to 10 .. 1000
    assert iv.levels_combo.currentData() == "manual"
    assert iv.low_spin.value() == pytest.approx(10.0) and iv.high_spin.value() == pytest.approx(1000.0)
    iv.log_check.setChecked(False)
    assert iv.hist.axis.tickStrings([2.0], 1.0, 1.0) == ["2"]


def test_text_columns_are_left_aligned_and_sized_to_content(qtbot, wait_idle, window: MainWindow,
                                                            tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    path = tmp_path / "weather.h5"
    rows = np.zeros(5, dtype=[("station", h5py.string_dtype()), ("température", "f4"),
                              ("sky", h5py.enum_dtype({"CLEAR": 0, "OVERCAST_WITH_RAIN": 1}, basetype="i1"))])
    rows["station"] = ["Saint-Rémy-de-Provence", "Oslo", "Reykjavík", "Lima", "Perth"]
    rows["température"] = [12.5, -3.0, 1.0, 19.0, 25.5]
    rows["sky"] = [0, 1, 1, 0, 1]
    with h5py.File(path, "w") as f:
        f["weather"] = rows
        f.create_dataset("stack", shape=(60000, 2048, 2048, 3), dtype=np.uint8, chunks=(1, 256, 256, 3))
    show(window, wait_idle, path, "/weather")
    tv = window.preview.table_view
    assert window.preview.view == "table"
    table, model = tv.table, tv.model
    qtbot.waitUntil(lambda: model.cell(0, 0) is not None, timeout=5000)
    wait_idle(window)
    fm = table.fontMetrics()
    for col, text in ((0, "Saint-Rémy-de-Provence"), (2, "OVERCAST_WITH_RAIN")):
        align = model.data(model.index(0, col), Qt.ItemDataRole.TextAlignmentRole)
        assert align & int(Qt.AlignmentFlag.AlignLeft), f"column {col} holds text: left-aligned"
        assert table.columnWidth(col) >= fm.horizontalAdvance(text), f"column {col} cuts {text}"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
    assert table.columnWidth(1) >= fm.horizontalAdvance("température")  # the header is not cut either
    tree = window.tree
    here = window.model.index_of(window.current_node())
    shapes = [here.siblingAtRow(r).siblingAtColumn(1).data() for r in range(window.model.rowCount(here.parent()))]
    shape_text = next(t for t in shapes if "2048" in str(t))
    assert tree.columnWidth(1) >= tree.fontMetrics().horizontalAdvance(shape_text), f"the tree cuts {shape_text}"

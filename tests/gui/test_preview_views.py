"""Previews as a user sees them: the right view for each kind of dataset, showing the file's values."""

from __future__ import annotations

import io
import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication

from h5gui.gui.main_window import MainWindow


def png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f["gray"] = rng.integers(0, 1000, size=(40, 60), dtype=np.uint16)
        f["gray_twin"] = rng.integers(0, 1000, size=(40, 60), dtype=np.uint16)
        f.create_dataset("stack", data=rng.integers(0, 255, size=(12, 20, 30), dtype=np.uint8), chunks=(1, 20, 30))
        f["rgb"] = rng.integers(0, 255, size=(16, 24, 3), dtype=np.uint8)
        f["chw"] = rng.integers(0, 255, size=(3, 16, 24), dtype=np.uint8)
        f["nhwc"] = rng.integers(0, 255, size=(5, 16, 24, 3), dtype=np.uint8)
        nan = rng.random((10, 10)).astype(np.float32)
        nan[2, 3] = np.nan
        nan[4, 4] = np.inf
        f["with_nan"] = nan
        f["half"] = rng.random((8, 8)).astype(np.float16)
        f["mask"] = rng.random((8, 8)) > 0.5
        f["cplx"] = (rng.random((8, 8)) + 1j * rng.random((8, 8))).astype(np.complex64)
        f["signal"] = np.sin(np.arange(5000) / 50.0)
        table = np.zeros(20, dtype=[("x", "f4"), ("y", "f4"), ("name", "S8")])
        table["x"] = np.arange(20)
        table["y"] = np.arange(20) ** 2
        table["name"] = [f"n{i}".encode() for i in range(20)]
        f["table"] = table
        f["config"] = json.dumps({"layers": [{"units": 32}, {"units": 10}], "name": "mlp"})
        f["answer"] = 42
        f["zero"] = np.zeros((0, 5))
        f["nothing"] = h5py.Empty("f4")
        picture = rng.integers(0, 255, size=(12, 14, 3), dtype=np.uint8)
        f["picture_png"] = np.frombuffer(png_bytes(picture), dtype=np.uint8)
        f["picture_truth"] = picture
        bad = png_bytes(picture)[:60]
        f["broken_png"] = np.frombuffer(bad, dtype=np.uint8)
        f["long"] = np.arange(1_000_000, dtype=np.int32)
    return path


def select(window: MainWindow, wait_idle, path: Path, h5path: str) -> None:
    if str(path) not in window.model.files():
        window.open_files([str(path)], select=h5path)
    else:
        window.select_path(str(path), h5path)
    wait_idle(window)
    node = window.current_node()
    assert node is not None and node.path == h5path


def test_2d_dataset_is_an_image_with_the_files_pixels(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/gray")
    p = window.preview
    assert p.view == "image"
    shown = p.image_view.displayed_array()
    with h5py.File(data_file, "r", locking=False) as f:
        np.testing.assert_array_equal(shown, f["gray"][...])
    assert p.image_view.value_text(3, 7).endswith(str(int(shown[3, 7])))


def test_stack_slider_shows_the_chosen_frame(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/stack")
    p = window.preview
    assert p.view == "image"
    assert list(p.axes_bar.sliders) == [0]
    p.axes_bar.set_position(0, 7)
    wait_idle(window)
    with h5py.File(data_file, "r", locking=False) as f:
        np.testing.assert_array_equal(p.image_view.displayed_array(), f["stack"][7])


def test_changing_frames_quickly_cancels_stale_reads(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/stack")
    p = window.preview
    shown: list[str] = []
    p.shown.connect(shown.append)
    for k in range(1, 12):
        p.axes_bar.set_position(0, k)  # each change submits a read with the same key: latest wins
    wait_idle(window)
    assert 1 <= len(shown) < 11, "stale frame reads must be dropped, not all shown in turn"
    with h5py.File(data_file, "r", locking=False) as f:
        np.testing.assert_array_equal(p.image_view.displayed_array(), f["stack"][11])


def test_colour_images(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    with h5py.File(data_file, "r", locking=False) as f:
        rgb, chw, nhwc = f["rgb"][...], f["chw"][...], f["nhwc"][2]
    select(window, wait_idle, data_file, "/rgb")
    np.testing.assert_array_equal(window.preview.image_view.displayed_array(), rgb)
    assert window.preview.image_view.slice.rgb
    select(window, wait_idle, data_file, "/chw")
    np.testing.assert_array_equal(window.preview.image_view.displayed_array(), np.moveaxis(chw, 0, -1))
    select(window, wait_idle, data_file, "/nhwc")
    window.preview.axes_bar.set_position(0, 2)
    wait_idle(window)
    np.testing.assert_array_equal(window.preview.image_view.displayed_array(), nhwc)


def test_nan_inf_half_bool_and_complex(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/with_nan")
    iv = window.preview.image_view
    assert iv.slice.nonfinite == 2
    lo, hi = iv.slice.levels
    assert np.isfinite(lo) and np.isfinite(hi)
    assert "NaN" in iv.note.text()
    assert iv.mask_item.isVisible()
    for name in ("half", "mask", "cplx"):
        select(window, wait_idle, data_file, f"/{name}")
        assert window.preview.view == "image", name
        assert window.preview.image_view.displayed_array().shape == (8, 8)
    assert iv.complex_combo.isVisible()
    iv.complex_combo.setCurrentText("real")
    wait_idle(window)
    with h5py.File(data_file, "r", locking=False) as f:
        np.testing.assert_allclose(iv.displayed_array(), f["cplx"][...].real, rtol=1e-6)


def test_1d_is_a_plot_and_compound_a_table(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/signal")
    p = window.preview
    assert p.view == "plot"
    assert p.plot_view.data.n == 5000
    select(window, wait_idle, data_file, "/table")
    assert p.view == "table"
    tv = p.table_view
    assert tv.header_texts() == ["x", "y", "name"]
    qtbot.waitUntil(lambda: tv.model.data(tv.model.index(3, 1)) == "9.0", timeout=5000)
    assert tv.model.data(tv.model.index(3, 2)) == "n3"
    p.set_view("plot")
    wait_idle(window)
    assert p.plot_view.data.n == 20


def test_table_copy_as_tsv(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/table")
    tv = window.preview.table_view
    tv.table.selectRow(2)
    sel = tv.table.selectionModel()
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    sel.select(QItemSelection(tv.model.index(1, 0), tv.model.index(2, 1)), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.waitUntil(lambda: tv.model.cell(2, 1) is not None, timeout=5000)
    tv.copy_selection()
    assert QApplication.clipboard().text() == "1.0\t1.0\n2.0\t4.0"


def test_long_table_reads_only_what_is_shown(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/long")
    p = window.preview
    p.set_view("table")
    wait_idle(window)
    tv = p.table_view
    assert tv.model.rowCount() == 1_000_000
    tv.table.scrollToBottom()
    qtbot.waitUntil(lambda: tv.model.data(tv.model.index(999_999, 0)) == "999999", timeout=5000)
    assert len(tv.model._cache) <= 64


def test_scalars_and_json_as_text(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/config")
    p = window.preview
    assert p.view == "text"
    text = p.text_view.plain_text()
    assert json.loads(text)["name"] == "mlp"
    assert "\n" in text  # pretty-printed
    select(window, wait_idle, data_file, "/answer")
    assert p.text_view.plain_text().strip() == "42"


def test_encoded_png_bytes_show_as_the_picture(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/picture_png")
    p = window.preview
    assert p.view == "encoded"
    with h5py.File(data_file, "r", locking=False) as f:
        np.testing.assert_array_equal(p.image_view.displayed_array(), f["picture_truth"][...])
    assert "PNG" in p.summary.text() and "14" in p.summary.text()


def test_bad_data_gives_a_message_in_the_preview(qtbot, wait_idle, window: MainWindow, data_file: Path, sample) -> None:
    select(window, wait_idle, data_file, "/broken_png")
    p = window.preview
    assert p.banner.isVisible()
    assert "truncated" in p.banner.text().lower() or "cannot" in p.banner.text().lower()
    for name in ("/zero", "/nothing"):
        select(window, wait_idle, data_file, name)
        assert "Empty" in p.current_text() or "empty" in p.current_text()
    window.open_files([str(sample.filters)], select="/unknown_filter")
    wait_idle(window)
    assert "not available" in p.banner.text()


def test_view_axes_and_colormap_kept_for_siblings_of_the_same_shape(qtbot, wait_idle, window: MainWindow,
                                                                   data_file: Path) -> None:
    select(window, wait_idle, data_file, "/gray")
    p = window.preview
    p.image_view.cmap_combo.setCurrentText("viridis")
    p.set_view("table")
    wait_idle(window)
    select(window, wait_idle, data_file, "/gray_twin")
    assert p.view == "table"
    p.set_view("image")
    wait_idle(window)
    assert p.image_view.colormap_name == "viridis"


def test_group_selection_shows_its_members(qtbot, wait_idle, window: MainWindow, data_file: Path) -> None:
    select(window, wait_idle, data_file, "/gray")
    window.tree.setCurrentIndex(window.proxy.index(0, 0))
    wait_idle(window)
    members = window.preview.stack.currentWidget()
    assert window.preview.view == "" and members is window.preview._views["members"]
    assert "gray" in [row[0] for row in members.rows()]


def test_zooming_into_a_downsampled_image_rereads_at_full_resolution(qtbot, wait_idle, window: MainWindow,
                                                                    tmp_path: Path) -> None:
    path = tmp_path / "big.h5"
    data = (np.arange(3000 * 3000, dtype=np.uint32).reshape(3000, 3000) % 65521).astype(np.uint16)
    with h5py.File(path, "w") as f:
        f.create_dataset("big", data=data, chunks=(256, 256))
    window.open_files([str(path)], select="/big")
    wait_idle(window)
    iv = window.preview.image_view
    assert iv.slice.step != (1, 1)
    assert iv.slice.data.size <= 4_000_000
    from PySide6.QtCore import QRectF

    iv.viewbox.setRange(QRectF(1000, 1000, 200, 150), padding=0)
    qtbot.waitUntil(lambda: iv.detail is not None, timeout=5000)
    wait_idle(window)
    d = iv.detail
    assert d.step == (1, 1)
    r0, r1, c0, c1 = d.region
    np.testing.assert_array_equal(d.data, data[r0:r1, c0:c1])
    assert "nearest" not in iv.value_text(1050, 1100)
    assert iv.value_text(1050, 1100).endswith(str(int(data[1050, 1100])))


def test_external_storage_preview_needs_confirmation(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_bytes(bytes(range(64)))
    folder = tmp_path / "data"
    folder.mkdir()
    crafted = folder / "crafted.h5"
    with h5py.File(crafted, "w") as f:
        f.create_dataset("img", shape=(8, 8), dtype="u1", external=[(str(secret), 0, 64)])
    window.open_files([str(crafted)], select="/img")
    wait_idle(window)
    p = window.preview
    assert p.view != "image" or p.image_view.slice is None
    assert "outside" in p.banner.text()
    p.banner.button.click()
    wait_idle(window)
    assert p.view == "image"
    np.testing.assert_array_equal(p.image_view.displayed_array(), np.arange(64, dtype=np.uint8).reshape(8, 8))


def test_a_frame_of_labelled_samples_shows_its_label(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "labelled.h5"
    with h5py.File(path, "w") as f:
        f["images"] = np.zeros((5, 8, 8), np.uint8)
        f["labels"] = np.array([0, 2, 1, 2, 0])
        f["labels"].attrs["class_names"] = ["cat", "dog", "bird"]
        f["plain"] = np.zeros((6, 8, 8), np.uint8)  # 6 samples: the 5 labels are not theirs
    select(window, wait_idle, path, "/images")
    view = window.preview.image_view
    assert view.sample_label.text() == "label 0 (cat)" and "/labels[0]" in view.sample_label.toolTip()
    window.preview.axes_bar.set_position(0, 3)
    wait_idle(window)
    assert view.sample_label.text() == "label 2 (bird)"
    select(window, wait_idle, path, "/plain")  # a stack the labels do not fit: no caption left over
    assert view.sample_label.text() == ""

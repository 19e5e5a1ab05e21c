"""Statistics, Samples and Copy loader code of a dataset (issue 14), from the Edit menu's actions on a
real training file; every number compared with numpy, the PNG read back with Pillow."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from h5gui.gui.main_window import MainWindow

N = 24


@pytest.fixture
def training_file(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (N, 8, 10, 3), dtype=np.uint8)
    labels = (np.arange(N) % 3).astype(np.int32)
    labels[:6] = 2  # uneven: 2 -> 10, 0 -> 6, 1 -> 8 ... counted below
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("train")
        g["images"] = images
        g["labels"] = labels
        g.attrs["class_names"] = ["cat", "dog", "fox"]
        x = rng.normal(size=(50,)).astype(np.float32)
        x[[3, 7]] = np.nan
        x[11] = np.inf
        f["floats"] = x
    return path, images, labels


def select(window: MainWindow, wait_idle, path: Path, name: str) -> None:
    window.open_files([str(path)], select=name)
    wait_idle(window)
    if window.current_node() is None or window.current_node().path != name:
        window.select_path(str(path), name)
        wait_idle(window)


def test_statistics_per_channel_nan_inf_classes_and_store(qtbot, wait_idle, window: MainWindow, training_file) -> None:
    path, images, labels = training_file
    select(window, wait_idle, path, "/train/images")
    window.actions_.stats.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.stats is not None or bool(dialog.error), timeout=20000)
    s = dialog.stats
    assert s is not None, dialog.error
    assert dialog.table.rowCount() == 3  # one row per channel
    for c in range(3):
        ch = images[..., c].astype(np.float64)
        assert float(dialog.table.item(c, 1).text()) == ch.min()
        assert float(dialog.table.item(c, 2).text()) == ch.max()
        assert float(dialog.table.item(c, 3).text()) == pytest.approx(ch.mean(), rel=1e-5)
        assert float(dialog.table.item(c, 4).text()) == pytest.approx(ch.std(), rel=1e-5)
    assert sum(dialog.histogram.counts) == images.size
    assert not dialog.tabs.isTabVisible(dialog.class_tab)
    # store as attributes: the file is read-only, so editing is enabled first (answered yes)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    dialog.store_button.click()
    qtbot.waitUntil(lambda: dialog.stats is not None and dialog.stats.stored, timeout=20000)
    wait_idle(window)
    with h5py.File(path, "r", locking=False) as f:
        np.testing.assert_allclose(f["train/images"].attrs["mean"], images.reshape(-1, 3).mean(axis=0), rtol=1e-6)
        assert f["train/images"].attrs["count"] == images.size

    select(window, wait_idle, path, "/train/labels")
    window.actions_.stats.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.stats is not None, timeout=20000)
    assert dialog.tabs.isTabVisible(dialog.class_tab)
    rows = [[dialog.class_table.item(r, c).text() for c in range(3)] for r in range(dialog.class_table.rowCount())]
    counts = np.bincount(labels)
    assert rows == [[str(i), name, f"{counts[i]:,}"] for i, name in enumerate(["cat", "dog", "fox"])]
    assert dialog.classes.labels == ("cat", "dog", "fox")

    select(window, wait_idle, path, "/floats")
    window.actions_.stats.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.stats is not None, timeout=20000)
    assert "2 NaN" in dialog.summary.text() and "1 inf" in dialog.summary.text()
    assert "nan 2  inf 1" in dialog.text()


def test_sample_grid_pages_reshuffle_and_png(qtbot, wait_idle, window: MainWindow, training_file, tmp_path) -> None:
    path, images, labels = training_file
    select(window, wait_idle, path, "/train/images")
    window.actions_.samples.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.grid is not None or bool(dialog.error), timeout=20000)
    grid = dialog.grid
    assert grid is not None, dialog.error
    assert len(grid.samples) == 16 and dialog.cells.count() == 16
    names = ["cat", "dog", "fox"]
    for s in grid.samples:
        assert s.name == names[labels[s.index]]
        k = s.image.shape[0] // 8  # small pictures are scaled up by whole pixels
        np.testing.assert_array_equal(s.image[::k, ::k], images[s.index])
    first = [s.index for s in grid.samples]
    def columns() -> int:
        return 1 + max(dialog.cells.getItemPosition(dialog.cells.indexOf(t))[1] for t in dialog.thumbs)

    wide = columns()
    dialog.resize(300, 600)  # the thumbnails follow the width
    qtbot.waitUntil(lambda: columns() < wide, timeout=5000)
    thumb = dialog.cells.itemAt(0).widget()
    assert thumb.caption.text() == f"#{first[0]} {names[labels[first[0]]]}"
    dialog.reshuffle()
    qtbot.waitUntil(lambda: dialog.grid is not grid, timeout=20000)
    assert [s.index for s in dialog.grid.samples] != first and dialog.seed.value() == 1
    # in order, page by page
    dialog.order.setCurrentIndex(dialog.order.findData("in-order"))
    dialog.load()
    qtbot.waitUntil(lambda: dialog.grid.samples[0].index == 0 and len(dialog.grid.samples) == 16, timeout=20000)
    dialog.turn(1)
    qtbot.waitUntil(lambda: dialog.grid.samples[0].index == 16, timeout=20000)
    assert [s.index for s in dialog.grid.samples] == list(range(16, N))
    assert not dialog.next_button.isEnabled() and dialog.prev_button.isEnabled()
    # a click on a sample shows that frame in the preview
    window.select_path(str(path), "/train/labels")
    wait_idle(window)
    thumb = dialog.cells.itemAt(3).widget()
    qtbot.mouseClick(thumb, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.preview.info is not None and window.preview.info.path == "/train/images"
                    and window.preview.axes_bar.index()[:1] == (19,), timeout=10000)
    assert window.current_node().path == "/train/images"
    out = tmp_path / "grid.png"
    dialog.save(str(out))
    qtbot.waitUntil(lambda: out.exists() and "Saved" in dialog.note.text(), timeout=20000)
    with Image.open(out) as im:
        assert im.format == "PNG" and im.width > 8 * 4


def test_copy_loader_code_tf_generates_labelled_chw_samples(qtbot, wait_idle, window: MainWindow,
                                                            training_file) -> None:
    path, images, labels = training_file
    select(window, wait_idle, path, "/train/images")
    window.actions_.copy_loader.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.code) or bool(dialog.error), timeout=20000)
    assert "torch" in dialog.code and "/train/labels" in dialog.code  # labels found by convention
    dialog.kind.setCurrentIndex(dialog.kind.findData("tf"))
    dialog.chw.setChecked(True)
    qtbot.waitUntil(lambda: "def make_dataset" in dialog.code and "chw=True" in dialog.code, timeout=20000)
    dialog.copy()
    assert QGuiApplication.clipboard().text() == dialog.code
    namespace: dict = {}
    exec(compile(dialog.code, "loader.py", "exec"), namespace)  # noqa: S102 - the code the user copies
    x, y = next(namespace["generate"](shuffle=False))
    assert x.shape == (3, 8, 10) and x.dtype == np.float32
    np.testing.assert_allclose(x, np.moveaxis(images[0], -1, 0) / 255.0, rtol=1e-6)
    assert y == labels[0]
    dialog.labels.setCurrentText("none")
    qtbot.waitUntil(lambda: "LABELS = None" in dialog.code, timeout=20000)


def test_samples_of_an_encoded_images_group(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """A group of encoded pictures (the import's classes layout with --encoded): select the group."""
    import io

    rng = np.random.default_rng(6)
    pictures, blobs = [], []
    for _ in range(5):
        a = rng.integers(0, 256, (6, 7, 3), dtype=np.uint8)
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, format="PNG")
        pictures.append(a)
        blobs.append(np.frombuffer(buf.getvalue(), np.uint8))
    path = tmp_path / "enc.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("train")
        ds = g.create_dataset("images", (5,), dtype=h5py.vlen_dtype(np.uint8))
        for i, b in enumerate(blobs):
            ds[i] = b
        g["labels"] = np.array([0, 1, 1, 0, 1], np.int32)
        g.attrs["class_names"] = ["ant", "bee"]
    select(window, wait_idle, path, "/train")
    window.actions_.samples.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.grid is not None or bool(dialog.error), timeout=20000)
    assert dialog.grid is not None, dialog.error
    assert dialog.path == "/train/images" and len(dialog.grid.samples) == 5
    for s in dialog.grid.samples:
        k = s.image.shape[0] // 6
        np.testing.assert_array_equal(s.image[::k, ::k], pictures[s.index])
        assert s.name == ["ant", "bee", "bee", "ant", "bee"][s.index]


def test_statistics_cancel(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=np.random.default_rng(0).random((64, 256, 256)).astype(np.float32), chunks=(1, 256, 256))
    select(window, wait_idle, path, "/x")
    window.actions_.stats.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    dialog.progress.cancel()  # at once
    qtbot.waitUntil(lambda: not dialog.progress.running(), timeout=20000)
    assert dialog.stats is None and dialog.summary.text() == "Cancelled."
    assert dialog.compute_button.isEnabled() and not dialog.store_button.isEnabled()
    dialog.compute()  # and again, to the end
    qtbot.waitUntil(lambda: dialog.stats is not None, timeout=30000)
    assert dialog.stats.count == 64 * 256 * 256

"""The transform wizard for training data (issue 14): defaults that follow the data, normalizations by
given constants (ImageNet), statistics of another dataset on a multi-selection, per channel on a chosen
axis, a correct "after" preview; real files, read back with h5py."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from gui_window import transform_wizard
from PySide6.QtCore import QItemSelectionModel, QPersistentModelIndex

from h5gui.gui.main_window import MainWindow


def read(path: Path, name: str) -> np.ndarray:
    with h5py.File(path, "r", locking=False) as f:
        return f[name][...]


def open_editing(qtbot, wait_idle, window: MainWindow, path: Path, select: str) -> None:
    window.open_files([str(path)], select=select)
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)


def run_wizard(qtbot, wait_idle, window: MainWindow, wizard):
    wizard.next()
    wizard.next()
    prev = wizard.preview_page
    qtbot.waitUntil(prev.isComplete, timeout=20000)
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: not run.progress.running(), timeout=60000)
    assert run.reports, run.result.toPlainText()
    wait_idle(window)
    return prev, run


def test_rgb_stack_keeps_its_shape_and_shows_the_after_preview(qtbot, wait_idle, window: MainWindow,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "rgb.h5"
    data = np.random.default_rng(0).integers(0, 256, size=(6, 12, 10, 3), dtype=np.uint8)
    with h5py.File(path, "w") as f:
        f["images"] = data
    open_editing(qtbot, wait_idle, window, path, "/images")
    wizard = transform_wizard(qtbot, window)
    ops = wizard.ops_page
    qtbot.waitUntil(lambda: ops.dtype.currentText() == "float32", timeout=10000)  # the core's defaults came
    assert ops.reshape.currentData() == "none"  # no channel axis added to (N, H, W, 3)
    assert ops.normalize.currentData() == "scale"
    prev, run = run_wizard(qtbot, wait_idle, window, wizard)
    assert "6 x 12 x 10 x 3" in prev.plan_text.toPlainText()
    qtbot.waitUntil(lambda: prev.after.pixmap() is not None and not prev.after.pixmap().isNull(), timeout=10000)
    assert "shape (12, 10, 3)" in prev.values.text()
    out = read(path, run.report.dest)
    assert out.shape == data.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, data / 255.0, rtol=1e-6)


def test_imagenet_meanstd_per_channel(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "f.h5"
    data = np.random.default_rng(1).random((4, 5, 6, 3)).astype(np.float32)
    with h5py.File(path, "w") as f:
        f["x"] = data
    open_editing(qtbot, wait_idle, window, path, "/x")
    wizard = transform_wizard(qtbot, window)
    norm = wizard.ops_page.norm
    norm.set_mode("meanstd")
    norm.preset.setCurrentIndex(norm.preset.findData("imagenet"))
    assert norm.mean.text() == "0.485, 0.456, 0.406"
    _prev, run = run_wizard(qtbot, wait_idle, window, wizard)
    out = read(path, run.report.dest)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(out, (data - mean) / std, rtol=1e-5, atol=1e-6)


def test_multi_selection_with_the_train_sets_statistics(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "splits.h5"
    rng = np.random.default_rng(2)
    train = (rng.random((20, 4, 4, 3)) * [10, 100, 1000]).astype(np.float32)
    val = (rng.random((8, 4, 4, 3)) * [10, 100, 1000] + 5).astype(np.float32)
    with h5py.File(path, "w") as f:
        f["train/images"] = train
        f["val/images"] = val
    open_editing(qtbot, wait_idle, window, path, "/val/images")
    val_index = QPersistentModelIndex(window.tree.currentIndex())
    window.select_path(str(path), "/train/images")
    wait_idle(window)
    window.tree.selectionModel().select(val_index.sibling(val_index.row(), 0),
                                        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    wizard = transform_wizard(qtbot, window)
    assert wizard.others == ("/val/images",)
    norm = wizard.ops_page.norm
    norm.set_mode("zscore")
    assert norm.stats_from.currentText() == "/train/images"  # train and val selected: the train set's statistics
    norm.per_channel.setChecked(True)
    prev, run = run_wizard(qtbot, wait_idle, window, wizard)
    assert "/val/images" in prev.plan_text.toPlainText() and "/train/images" in prev.plan_text.toPlainText()
    assert len(run.reports) == 2
    mean = train.astype(np.float64).mean(axis=(0, 1, 2))
    std = train.astype(np.float64).std(axis=(0, 1, 2))
    for report, src in zip(run.reports, (train, val), strict=True):
        out = read(path, report.dest)
        np.testing.assert_allclose(out, (src - mean) / std, rtol=1e-4, atol=1e-4)
    assert len(run.reports[1].stats["mean"]) == 3


@pytest.mark.parametrize("axis", [None, 1])
def test_per_channel_on_a_chosen_axis_after_a_move(qtbot, wait_idle, window: MainWindow, tmp_path: Path,
                                                   axis: int | None) -> None:
    """Channels-first after the move: per channel follows the channel axis (3 statistics, not 8 columns)."""
    path = tmp_path / "chw.h5"
    data = (np.random.default_rng(3).random((5, 6, 8, 3)) * [1, 10, 100]).astype(np.float32)
    with h5py.File(path, "w") as f:
        f["x"] = data
    open_editing(qtbot, wait_idle, window, path, "/x")
    wizard = transform_wizard(qtbot, window)
    ops = wizard.ops_page
    ops.reshape.setCurrentIndex(ops.reshape.findData("to-first"))
    ops.norm.set_mode("minmax")
    ops.norm.per_channel.setChecked(True)
    if axis is not None:  # else the data's channel axis, followed through the move
        ops.norm.axis.setCurrentIndex(ops.norm.axis.findData(axis))  # axis 1 of the (N, C, H, W) output
    prev, run = run_wizard(qtbot, wait_idle, window, wizard)
    qtbot.waitUntil(lambda: prev.after.pixmap() is not None and not prev.after.pixmap().isNull(),
                    timeout=10000)  # the (C, H, W) sample is shown
    out = read(path, run.report.dest)
    assert out.shape == (5, 3, 6, 8)
    np.testing.assert_allclose(out.min(axis=(0, 2, 3)), 0, atol=1e-6)
    np.testing.assert_allclose(out.max(axis=(0, 2, 3)), 1, atol=1e-6)
    assert len(run.report.stats["min"]) == 3


def test_a_colour_picture_stored_channels_first_gets_no_extra_axis(qtbot, wait_idle, window: MainWindow,
                                                                    tmp_path: Path) -> None:
    """A (3, H, W) uint8 picture, shown in colour by the preview: the wizard's defaults come from the core and
    add no channel axis (it offered (3, H, W, 1), whose per-channel normalization then went along the colours)."""
    path = tmp_path / "picture.h5"
    with h5py.File(path, "w") as f:
        f["picture"] = np.random.default_rng(0).integers(0, 256, size=(3, 16, 12), dtype=np.uint8)
    open_editing(qtbot, wait_idle, window, path, "/picture")
    wizard = transform_wizard(qtbot, window)
    ops = wizard.ops_page
    qtbot.waitUntil(lambda: ops.dtype.currentText() == "float32", timeout=10000)
    assert ops.reshape.currentData() == "none" and ops.normalize.currentData() == "scale"


def wizard_before_its_defaults(qtbot, wait_idle, window: MainWindow, tmp_path: Path):  # noqa: ANN201
    """Transform... on a (10, 8, 8) uint8 stack, returned before the core's defaults can have come."""
    path = tmp_path / "mnist.h5"
    with h5py.File(path, "w") as f:
        f["images"] = np.zeros((10, 8, 8), dtype=np.uint8)
    open_editing(qtbot, wait_idle, window, path, "/images")
    window.wizards.open_transform()
    wizard = window.wizards.current
    qtbot.addWidget(wizard)
    return wizard


def test_the_defaults_do_not_undo_a_choice_made_before_they_came(qtbot, wait_idle, window: MainWindow,
                                                                 tmp_path: Path) -> None:
    ops = wizard_before_its_defaults(qtbot, wait_idle, window, tmp_path).ops_page
    ops.dtype.setCurrentText("float64")
    wait_idle(window)
    assert ops.dtype.currentText() == "float64" and ops.reshape.currentData() == "none"


def test_defaults_that_come_after_the_user_went_on_change_nothing(qtbot, wait_idle, window: MainWindow,
                                                                 tmp_path: Path) -> None:
    """Next pressed before the core's defaults came: the plan shown is of 'keep everything', and the run
    must be too (late defaults changed the first page under the plan; found in review)."""
    wizard = wizard_before_its_defaults(qtbot, wait_idle, window, tmp_path)
    wizard.next()  # at once: the defaults are still on their way
    qtbot.waitUntil(lambda: wizard.ops_page.defaults_done, timeout=10000)
    ops = wizard.ops_page
    assert ops.dtype.currentText() == "keep" and ops.reshape.currentData() == "none"
    assert wizard.spec().dtype is None and wizard.spec().add_axis is None

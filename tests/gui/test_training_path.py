"""Issue 14's "done when", in the GUI alone: a folder of class sub-folders -> import (split, shuffle,
resize) -> transform of the splits with the train set's statistics -> the PyTorch loader copied from the
GUI trains a small network on it unchanged."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from gui_window import transform_wizard
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, QPersistentModelIndex

from h5gui.gui.main_window import MainWindow

torch = pytest.importorskip("torch", reason="the CPU torch wheel is not installed")


def test_folder_to_a_training_step(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    root = tmp_path / "photos"
    for c, cls in enumerate(("red", "green", "blue")):
        (root / cls).mkdir(parents=True)
        for i in range(8):
            h, w = int(rng.integers(20, 40)), int(rng.integers(20, 40))
            a = rng.integers(0, 80, (h, w, 3), dtype=np.uint8)
            a[..., c] += 150  # the class is the dominant colour
            Image.fromarray(a).save(root / cls / f"{cls}{i}.png")
    # 1. import: classes, split 50/25/25 with a seed, shuffled, 16 x 16 centre crop
    window.wizards.open_import(str(root))
    wizard = window.wizards.current
    qtbot.addWidget(wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.options_page, timeout=20000)
    opts = wizard.options_page
    opts.layout_buttons["classes"].setChecked(True)
    box = opts.training
    box.split_check.setChecked(True)
    for spin, pct in zip(box.fractions, (50, 25, 25), strict=True):
        spin.setValue(pct)
    box.shuffle.setChecked(True)
    opts.use_resize((16, 16))
    wizard.next()
    qtbot.waitUntil(wizard.target_page.isComplete, timeout=20000)
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.report is not None or bool(run.failed), timeout=60000)
    assert run.report is not None, run.result.toPlainText()
    target = run.report.target
    wait_idle(window)
    assert target in window.model.files()  # opened after the import
    # 2. normalize train and val with the train set's statistics, per channel, float32
    window.select_path(target, "/val/images")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    val_index = QPersistentModelIndex(window.tree.currentIndex())
    window.select_path(target, "/train/images")
    wait_idle(window)
    window.tree.selectionModel().select(val_index.sibling(val_index.row(), 0),
                                        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    tw = transform_wizard(qtbot, window)
    norm = tw.ops_page.norm
    norm.set_mode("zscore")
    norm.per_channel.setChecked(True)
    assert norm.stats_from.currentText() == "/train/images"
    tw.next()
    tw.next()
    qtbot.waitUntil(tw.preview_page.isComplete, timeout=20000)
    tw.next()
    trun = tw.run_page
    qtbot.waitUntil(lambda: not trun.progress.running(), timeout=60000)
    assert len(trun.reports) == 2, trun.result.toPlainText()
    dest = trun.reports[0].dest
    wait_idle(window)
    with h5py.File(target, "r", locking=False) as f:
        x = f[dest][...]
        assert x.dtype == np.float32 and x.shape[1:] == (16, 16, 3)
        np.testing.assert_allclose(x.reshape(-1, 3).mean(axis=0), 0, atol=1e-4)
    # 3. the loader code, copied from the GUI, trains on it unchanged
    window.select_path(target, dest)
    wait_idle(window)
    window.actions_.copy_loader.trigger()
    dialog = window.ml.current
    qtbot.addWidget(dialog)
    dialog.chw.setChecked(True)
    qtbot.waitUntil(lambda: "chw=True" in dialog.code, timeout=20000)
    namespace: dict = {"__name__": "loader"}
    exec(compile(dialog.code, "loader.py", "exec"), namespace)  # noqa: S102 - the code the user copies
    dataset_class = next(v for k, v in namespace.items() if isinstance(v, type) and issubclass(v, torch.utils.data.Dataset)
                         and v is not torch.utils.data.Dataset)
    data = dataset_class()
    loader = torch.utils.data.DataLoader(data, batch_size=4, shuffle=True, num_workers=0)
    xb, yb = next(iter(loader))
    assert tuple(xb.shape) == (4, 3, 16, 16) and xb.dtype == torch.float32
    assert yb.dtype in (torch.int64, torch.int32) and set(yb.tolist()) <= {0, 1, 2}
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.LazyLinear(3))
    loss = torch.nn.functional.cross_entropy(net(xb), yb.long())
    loss.backward()
    assert torch.isfinite(loss)

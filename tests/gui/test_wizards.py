"""The import and transform wizards driven page by page to a finished result, read back with h5py."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from gui_window import transform_wizard
from PIL import Image

from h5gui.gui.main_window import MainWindow


def read(path: Path, name: str) -> np.ndarray:
    with h5py.File(path, "r", locking=False) as f:  # beside h5gui's I/O process, which may hold the lock
        return f[name][...]


@pytest.fixture
def image_folder(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    rng = np.random.default_rng(3)
    root = tmp_path / "pictures"
    pixels = {}
    for sub in ("cats", "dogs"):
        (root / sub).mkdir(parents=True)
        for i in range(3):
            a = rng.integers(0, 255, size=(8, 10, 3), dtype=np.uint8)
            Image.fromarray(a).save(root / sub / f"img{i}.png")
            pixels[f"{sub}/img{i}.png"] = a
    (root / "cats" / "notes.txt").write_text("not an image")
    return root, pixels


def test_import_wizard_to_a_new_file(qtbot, wait_idle, window: MainWindow, image_folder) -> None:
    root, pixels = image_folder
    window.wizards.open_import(str(root))
    wizard = window.wizards.current
    qtbot.addWidget(wizard)
    wizard.next()  # scans in the background, then moves on by itself
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.options_page, timeout=20000)
    assert wizard.scan.n_images == 6
    assert any("notes.txt" in rel for rel, _reason in wizard.scan.skipped)
    assert wizard.options_page.skipped.topLevelItemCount() >= 1
    wizard.next()
    page = wizard.target_page
    assert page.file_edit.text() == str(root) + ".h5"
    qtbot.waitUntil(page.isComplete, timeout=20000)
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.report is not None or bool(run.failed), timeout=60000)
    assert run.report is not None, run.result.toPlainText()
    assert run.report.n_imported == 6
    text = run.result.toPlainText()  # the summary names what was written, and how fast
    assert "images/s" in text and "written:" in text and run.report.datasets[0] in text
    assert run.title() == "Imported"
    from PySide6.QtWidgets import QWizard

    qtbot.waitUntil(lambda: wizard.button(QWizard.WizardButton.FinishButton).isEnabled(), timeout=5000)
    target = Path(run.report.target)
    assert target.exists() and not Path(str(target) + ".partial").exists()
    wait_idle(window)
    assert str(target) in window.model.files()
    # the pixels read back equal the source images, whatever the layout chose to name things
    found = 0
    with h5py.File(target, "r", locking=False) as f:
        def visit(name, obj):
            nonlocal found
            if isinstance(obj, h5py.Dataset) and obj.dtype == np.uint8 and obj.ndim == 4:
                names = [n.decode() if isinstance(n, bytes) else n for n in obj.parent["filenames"][...]]
                for k, fname in enumerate(names):
                    key = fname if fname in pixels else next(
                        p for p in pixels if p.endswith("/" + fname) and p.split("/")[0] in obj.name)
                    np.testing.assert_array_equal(obj[k], pixels[key])
                    found += 1
        f.visititems(visit)
    assert found == 6


def test_scan_next_back_leaves_next_enabled(qtbot, window: MainWindow, image_folder) -> None:
    """Issue 12 defect 4: the scan's progress panel missed the end of fast scans and Next stayed disabled."""
    from PySide6.QtWidgets import QWizard

    root, _pixels = image_folder
    window.wizards.open_import(str(root))
    wizard = window.wizards.current
    qtbot.addWidget(wizard)
    page = wizard.source_page
    for i in range(6):
        page.hidden.setChecked(i % 2 == 1)  # a change of options: a new scan each time
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentPage() is wizard.options_page, timeout=20000)
        qtbot.waitUntil(lambda: not page.progress.running(), timeout=5000)
        wizard.back()
        assert wizard.currentPage() is page
        assert wizard.button(QWizard.WizardButton.NextButton).isEnabled(), f"try {i}"
    assert page.progress.finished_count == 6


def test_transform_wizard_mnist_case(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "mnist.h5"
    data = np.random.default_rng(0).integers(0, 256, size=(20, 8, 8), dtype=np.uint8)
    with h5py.File(path, "w") as f:
        f["images"] = data
    window.open_files([str(path)], select="/images")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    wizard = transform_wizard(qtbot, window)
    ops = wizard.ops_page
    # defaults for uint8 images: channel axis last, float32, divided by 255 (from the core, a moment later)
    qtbot.waitUntil(lambda: ops.reshape.currentData() == "add-last", timeout=10000)
    assert ops.dtype.currentText() == "float32"
    assert ops.normalize.currentData() == "scale"
    wizard.next()
    qtbot.waitUntil(lambda: bool(wizard.storage_page.dest.text()), timeout=10000)
    wizard.next()
    prev = wizard.preview_page
    qtbot.waitUntil(prev.isComplete, timeout=20000)
    text = prev.plan_text.toPlainText()
    assert "20 x 8 x 8 x 1" in text and "float32" in text
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.report is not None, timeout=60000)
    dest = run.report.dest
    wait_idle(window)
    out = read(path, dest)
    assert out.shape == (20, 8, 8, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[..., 0], data / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(read(path, "/images"), data)  # the source is untouched


def test_transform_refuses_an_impossible_shape_before_running(qtbot, wait_idle, window: MainWindow,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.zeros((6, 4), np.float32)
    window.open_files([str(path)], select="/x")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    wizard = transform_wizard(qtbot, window)
    ops = wizard.ops_page
    ops.reshape.setCurrentIndex([k for k, _ in __import__("h5gui.gui.wizards.transform", fromlist=["RESHAPES"]).RESHAPES].index("custom"))
    ops.custom_shape.setText("5, 5")
    wizard.next()
    wizard.next()
    prev = wizard.preview_page
    qtbot.waitUntil(lambda: "Cannot" in prev.plan_text.toPlainText(), timeout=10000)
    assert "24" in prev.plan_text.toPlainText() and not prev.isComplete()

"""The import wizard for training (issue 14) and its defects (issue 12 defect 16), driven page by page on
real image folders, the result read back with h5py."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QWizard

from h5gui.gui.main_window import MainWindow


def open_wizard(qtbot, window: MainWindow, root: Path):
    window.wizards.open_import(str(root))
    wizard = window.wizards.current
    qtbot.addWidget(wizard)
    wizard.next()  # scans, then moves on by itself
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.options_page, timeout=20000)
    return wizard


def to_run(qtbot, wizard):
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.report is not None or bool(run.failed), timeout=60000)
    qtbot.waitUntil(lambda: not run.progress.running(), timeout=5000)
    return run


@pytest.fixture
def mixed_classes(tmp_path: Path) -> Path:
    """Two classes of 10 pictures each, of three sizes (mixed: a stack needs a resize)."""
    rng = np.random.default_rng(5)
    root = tmp_path / "photos"
    for cls in ("cat", "dog"):
        (root / cls).mkdir(parents=True)
        for i in range(10):
            h, w = [(30, 40), (40, 30), (36, 48)][i % 3]
            Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(root / cls / f"{cls}{i}.png")
    return root


def test_split_shuffle_resize_crop_from_the_plan_to_the_file(qtbot, wait_idle, window: MainWindow,
                                                             mixed_classes: Path) -> None:
    wizard = open_wizard(qtbot, window, mixed_classes)
    opts = wizard.options_page
    opts.layout_buttons["classes"].setChecked(True)
    box = opts.training
    assert box.split_check.isEnabled()  # the training options go with the classes layout
    box.split_check.setChecked(True)
    for spin, pct in zip(box.fractions, (60, 20, 20), strict=True):
        spin.setValue(pct)
    box.shuffle.setChecked(True)
    box.seed.setValue(7)
    wizard.next()
    page = wizard.target_page
    # the default target is beside the folder, not inside it
    assert Path(page.file_edit.text()).parent == mixed_classes.parent
    # the dry run names the resize it needs, and Next waits for it
    qtbot.waitUntil(lambda: "Missing:" in page.plan_text.toPlainText(), timeout=20000)
    text = page.plan_text.toPlainText()
    assert "resize to" in text and "--resize" in text and not page.isComplete()
    assert page.use_suggested.isVisibleTo(wizard)
    page.use_suggested.click()
    qtbot.waitUntil(page.isComplete, timeout=20000)
    text = page.plan_text.toPlainText()
    assert "Missing" not in text and "Classes: cat, dog" in text
    assert "/train (12)" in text and "/val (4)" in text and "/test (4)" in text
    run = to_run(qtbot, wizard)
    assert run.report is not None, run.result.toPlainText()
    assert run.result.toPlainText().startswith("Imported 20 of 20 images")
    assert run.progress.label.text().startswith("Done: 20 imported")
    # at the end: Close only (no Cancel of the wizard, no Cancel of the panel)
    assert not wizard.button(QWizard.WizardButton.CancelButton).isVisible()
    assert not run.progress.cancel_button.isVisible()
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()
    wait_idle(window)
    w, h = wizard.options_page.width_spin.value(), wizard.options_page.height_spin.value()
    with h5py.File(run.report.target, "r", locking=False) as f:
        assert "skipped" not in f  # nothing was skipped: no empty dataset
        sizes = {}
        for split in ("train", "val", "test"):
            images, labels = f[split]["images"], f[split]["labels"]
            assert images.shape[1:] == (h, w, 3) and images.chunks[0] == 1  # one image per chunk
            assert list(np.bincount(labels[()], minlength=2)) == [images.shape[0] // 2] * 2  # stratified
            sizes[split] = images.shape[0]
        assert sizes == {"train": 12, "val": 4, "test": 4}
        assert [n.decode() if isinstance(n, bytes) else n for n in f["train"].attrs["class_names"]] == ["cat", "dog"]
        names = [n.decode() for n in f["train/filenames"][()]]
        assert names != sorted(names)  # shuffled


def test_labels_file_and_encoded_bytes(qtbot, wait_idle, window: MainWindow, mixed_classes: Path,
                                       tmp_path: Path) -> None:
    csv = tmp_path / "labels.csv"
    rows = [f"{cls}/{cls}{i}.png,{'odd' if i % 2 else 'even'}" for cls in ("cat", "dog") for i in range(10)]
    csv.write_text("file,label\n" + "\n".join(rows) + "\n")
    wizard = open_wizard(qtbot, window, mixed_classes)
    opts = wizard.options_page
    opts.layout_buttons["classes"].setChecked(True)
    opts.training.labels_file.setText(str(csv))
    opts.training.encoded.setChecked(True)  # no resize needed: the bytes are kept
    wizard.next()
    page = wizard.target_page
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert "vlen uint8" in page.plan_text.toPlainText()
    run = to_run(qtbot, wizard)
    assert run.report is not None, run.result.toPlainText()
    with h5py.File(run.report.target, "r", locking=False) as f:
        g = f["images"] if "images" in f and isinstance(f["images"], h5py.Group) else f
        names = [n.decode() for n in g["filenames"][()]]
        classes = [c.decode() if isinstance(c, bytes) else c for c in g.attrs["class_names"]]
        labels = g["labels"][()]
        for name, label in zip(names, labels, strict=True):
            i = int(name.rsplit("/", 1)[-1][3:-4])
            assert classes[label] == ("odd" if i % 2 else "even")
        first = bytes(g["images"][0])
        assert first == (mixed_classes / names[0]).read_bytes()  # the file's bytes, untouched


@pytest.fixture
def awkward(tmp_path: Path) -> Path:
    """A grey+alpha PNG, a 2-page TIFF, a good PNG and a truncated PNG (its header reads, its pixels do not)."""
    root = tmp_path / "awkward"
    root.mkdir()
    rng = np.random.default_rng(1)
    la = rng.integers(0, 255, (6, 5, 2), dtype=np.uint8)
    Image.fromarray(la, "LA").save(root / "grey_alpha.png")
    pages = [Image.fromarray(np.full((6, 5), v, np.uint8)) for v in (10, 20)]
    pages[0].save(root / "two_pages.tif", save_all=True, append_images=pages[1:])
    Image.fromarray(rng.integers(0, 255, (6, 5, 3), dtype=np.uint8)).save(root / "good.png")
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(root / "broken.png")
    raw = (root / "broken.png").read_bytes()
    (root / "broken.png").write_bytes(raw[: len(raw) // 2])
    return root


def test_defect16_frames_la_failures_named(qtbot, wait_idle, window: MainWindow, awkward: Path) -> None:
    wizard = open_wizard(qtbot, window, awkward)
    opts = wizard.options_page
    opts.layout_buttons["per-image"].setChecked(True)
    assert opts.mode.currentData() == "keep"
    wizard.next()
    page = wizard.target_page
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert "multi-frame" in page.plan_text.toPlainText()  # the 2-page TIFF is reported before writing
    run = to_run(qtbot, wizard)
    assert run.report is not None, run.result.toPlainText()
    text = run.result.toPlainText()
    # the progress count and the summary agree, and the summary names what failed
    assert text.startswith("Imported 3 of 4 images")
    assert "broken.png" in text and "failed while decoding" in text
    assert "multi-frame" in text
    assert run.progress.label.text() == "Done: 3 imported, 1 failed"
    wait_idle(window)
    with h5py.File(run.report.target, "r", locking=False) as f:
        assert f["grey_alpha.png"].shape == (6, 5, 2)  # keep as stored: LA stays 2 channels
        assert f["two_pages.tif"].shape == (6, 5)


def test_all_frames_option(qtbot, wait_idle, window: MainWindow, awkward: Path) -> None:
    (awkward / "broken.png").unlink()
    wizard = open_wizard(qtbot, window, awkward)
    opts = wizard.options_page
    opts.layout_buttons["per-image"].setChecked(True)
    opts.training.all_frames.setChecked(True)
    wizard.next()
    qtbot.waitUntil(wizard.target_page.isComplete, timeout=20000)
    run = to_run(qtbot, wizard)
    assert run.report is not None and run.report.n_imported == 4
    with h5py.File(run.report.target, "r", locking=False) as f:
        frames = sorted(n for n in f if n.startswith("two_pages"))
        assert len(frames) == 2 and f[frames[1]][0, 0] == 20


def test_cancel_leaves_no_cancelling_label(qtbot, window: MainWindow, mixed_classes: Path) -> None:
    wizard = open_wizard(qtbot, window, mixed_classes)
    wizard.options_page.layout_buttons["per-image"].setChecked(True)
    wizard.next()
    qtbot.waitUntil(wizard.target_page.isComplete, timeout=20000)
    wizard.next()
    run = wizard.run_page
    run.progress.cancel()  # at once: the job stops at its first step
    qtbot.waitUntil(lambda: not run.progress.running(), timeout=20000)
    assert run.report is None
    assert run.progress.label.text() == "Cancelled"  # not "Cancelling..." for ever
    assert "Cancelled" in run.result.toPlainText()
    assert not Path(wizard.target_page.file_edit.text() + ".partial").exists()


def test_folder_splits_become_groups_or_classes(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """train/ and val/ folders holding class folders: groups by default; unticked (the CLI's --no-splits),
    the first-level folders themselves are the classes."""
    rng = np.random.default_rng(8)
    root = tmp_path / "ds"
    for split in ("train", "val"):
        for cls in ("a", "b"):
            (root / split / cls).mkdir(parents=True)
            for i in range(2):
                Image.fromarray(rng.integers(0, 255, (5, 5, 3), dtype=np.uint8)).save(root / split / cls / f"{i}.png")
    wizard = open_wizard(qtbot, window, root)
    opts = wizard.options_page
    opts.layout_buttons["classes"].setChecked(True)
    assert opts.training.folder_splits.isChecked()
    wizard.next()
    qtbot.waitUntil(wizard.target_page.isComplete, timeout=20000)
    assert "/train (4)" in wizard.target_page.plan_text.toPlainText()
    wizard.back()
    opts.training.folder_splits.setChecked(False)
    wizard.next()
    qtbot.waitUntil(wizard.target_page.isComplete, timeout=20000)
    text = wizard.target_page.plan_text.toPlainText()
    assert "/train (4)" not in text and "Classes: train, val" in text and "/images  8 x 5 x 5 x 3" in text

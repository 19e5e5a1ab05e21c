"""The import wizard's "Use the suggested ..." button makes the change the plan asks for next: after a
resize made the sizes agree, a folder still mixing RGB and LA pictures needs a colour mode, and the
button kept offering the resize already applied (clicking it did nothing; Next stayed disabled). The
plan also said "converted: LA (1) stored as LA" about a picture kept as it is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from h5gui.gui.main_window import MainWindow


def test_the_button_follows_what_the_plan_misses(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    root = tmp_path / "photos"
    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (root / cls).mkdir(parents=True)
        for i in range(4):
            h, w = (40, 40) if i % 2 else (48, 64)
            Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(root / cls / f"{i}.png")
    Image.fromarray(rng.integers(0, 255, (48, 64), dtype=np.uint8)).convert("LA").save(root / "dog" / "la.png")

    window.wizards.open_import(str(root))
    wizard = window.wizards.current
    qtbot.addWidget(wizard)
    wizard.next()  # scans, then moves on by itself
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.options_page, timeout=20000)
    wizard.options_page.layout_buttons["classes"].setChecked(True)
    wizard.next()
    page = wizard.target_page
    qtbot.waitUntil(lambda: "Missing:" in page.plan_text.toPlainText(), timeout=20000)
    assert page.use_suggested.text().startswith("Use the suggested resize")
    assert "stored as LA" not in page.plan_text.toPlainText()

    page.use_suggested.click()  # sizes agree now; the colour modes do not
    qtbot.waitUntil(lambda: "colour mode RGB" in page.plan_text.toPlainText(), timeout=20000)
    assert page.use_suggested.isVisibleTo(wizard)
    assert page.use_suggested.text() == "Use the suggested colour mode: RGB"
    assert not page.isComplete()

    page.use_suggested.click()
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert wizard.options_page.mode.currentData() == "RGB"
    assert "Missing" not in page.plan_text.toPlainText()
    assert not page.use_suggested.isVisibleTo(wizard)


def test_the_last_page_does_not_say_what_will_be_skipped(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """After the import the report listed "1 file(s) skipped before decoding" and then, again and in the
    future tense, "Warning: 1 file(s) will be skipped"."""
    root = tmp_path / "pics"
    root.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8, 3), i * 40, np.uint8)).save(root / f"{i}.png")
    (root / "notes.txt").write_text("hello")
    window.wizards.open_import(str(root))
    wizard = window.wizards.current
    qtbot.addWidget(wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.options_page, timeout=20000)
    assert "1 file will be skipped" in wizard.options_page.found.text()
    wizard.next()
    page = wizard.target_page
    qtbot.waitUntil(page.isComplete, timeout=20000)
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.report is not None or bool(run.failed), timeout=60000)
    text = run.result.toPlainText()
    assert "1 file skipped before decoding" in text and "notes.txt" in text
    assert "will be skipped" not in text and "(s)" not in text, text


def test_only_the_chosen_target_can_be_edited(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """'Where to write' left the open file's combo and the new group's name editable while 'A new HDF5
    file' was chosen (and they were ignored)."""
    root = tmp_path / "pics"
    root.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / "a.png")
    other = tmp_path / "o.h5"
    import h5py

    with h5py.File(other, "w") as f:
        f["x"] = 1
    window.open_files([str(other)])
    wait_idle(window)
    window.wizards.open_import(str(root))
    wizard = window.wizards.current
    qtbot.addWidget(wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.options_page, timeout=20000)
    wizard.next()
    page = wizard.target_page
    assert page.new_file.isChecked()
    assert page.file_edit.isEnabled() and not page.group_edit.isEnabled() and not page.open_files.isEnabled()
    page.into_open.setChecked(True)
    assert not page.file_edit.isEnabled() and page.group_edit.isEnabled() and page.open_files.isEnabled()

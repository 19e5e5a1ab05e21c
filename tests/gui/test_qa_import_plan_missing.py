"""QA: the import wizard's plan for a stack of mixed sizes without a resize listed "/images 6 x ..."
and then "Missing: cannot stack ...": a dataset that cannot be made. It now lists none and says what is
missing once; the suggested resize brings the stack back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from h5gui.gui.main_window import MainWindow


def test_plan_of_a_mixed_stack_lists_no_dataset(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    root = tmp_path / "pics"
    root.mkdir()
    rng = np.random.default_rng(1)
    for i in range(6):
        h, w = (30, 40) if i % 2 else (24, 24)
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(root / f"{i}.png")
    window.wizards.open_import(str(root))
    wizard = window.wizards.current
    qtbot.addWidget(wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.options_page, timeout=20000)
    wizard.options_page.layout_buttons["stack"].setChecked(True)
    wizard.next()
    page = wizard.target_page
    qtbot.waitUntil(lambda: "Missing:" in page.plan_text.toPlainText(), timeout=20000)
    text = page.plan_text.toPlainText()
    assert "/images" not in text and "/filenames" not in text
    assert text.count("Missing:") == 1 and "cannot stack the top folder" in text
    assert not page.isComplete()
    page.use_suggested.click()
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert "/images  6 x " in page.plan_text.toPlainText()

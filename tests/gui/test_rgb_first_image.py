"""A colour picture shown as the first image of a session is drawn in its colours (it was drawn white:
the histogram's default levels (0, 1), set before the image view had an image, were applied last)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from h5gui.gui.main_window import MainWindow


def test_the_first_picture_of_a_session_is_drawn_in_colour(qtbot, wait_idle, window: MainWindow,
                                                           tmp_path: Path) -> None:
    from h5gui.core.demo import make_demo

    demo = tmp_path / "demo.h5"
    make_demo(demo)
    window.open_files([str(demo)], select="/images/rgb")
    wait_idle(window)
    view = window.preview.image_view
    qtbot.waitUntil(lambda: view.slice is not None and view.slice.rgb, timeout=10000)
    assert tuple(float(v) for v in view.item.getLevels()) == (0.0, 255.0)
    qtbot.wait(200)
    shot = view.graphics.grab().toImage()
    w, h = shot.width(), shot.height()
    colours = {shot.pixelColor(x, y).name() for x in range(w // 4, w // 2, 7) for y in range(h // 4, 3 * h // 4, 7)}
    assert len(colours) > 10, colours  # a gradient of colours, not a white sheet
    assert np.array_equal(view.displayed_array().shape[:2], (128, 192))
    # 8-bit colour is drawn as stored: the level and log controls do not pretend otherwise
    assert not view.levels_combo.isEnabled() and not view.log_check.isEnabled()
    window.select_path(str(demo), "/images/gray")
    wait_idle(window)
    assert view.levels_combo.isEnabled() and view.log_check.isEnabled()

"""QA: a group's members table left its columns at their texts' width, with the rest of the table empty
on the right. The Name column now takes the free width (as the window or the splitter changes), and a
column the user resizes keeps its width, for this group and the next."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow


def widths(view) -> list[int]:
    header = view.table.horizontalHeader()
    return [header.sectionSize(c) for c in range(header.count())]


def test_name_column_fills_the_width_and_user_widths_are_kept(qtbot, wait_idle, window: MainWindow,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "g.h5"
    with h5py.File(path, "w") as f:
        f.create_group("run")["a"] = np.arange(10)
        f["run/bb"] = np.zeros((20, 30))
        f.create_group("other")["long_name_of_a_member"] = np.arange(3)
    window.resize(1200, 700)
    window.open_files([str(path)], select="/run")
    wait_idle(window)
    view = window.preview._views["members"]
    qtbot.waitUntil(lambda: len(view.rows()) == 2, timeout=10000)
    viewport = view.table.viewport().width()
    w = widths(view)
    assert sum(w) == viewport, (w, viewport)  # no empty band on the right
    assert w[0] == max(w) and w[0] > 2 * view.table.fontMetrics().horizontalAdvance("bb")

    window.resize(1500, 700)  # more room: the Name column takes it
    qtbot.waitUntil(lambda: view.table.viewport().width() > viewport, timeout=5000)
    qtbot.waitUntil(lambda: sum(widths(view)) == view.table.viewport().width(), timeout=5000)

    header = view.table.horizontalHeader()
    header.resizeSection(3, 220)  # the user widens Type (a drag on the header emits the same)
    assert header.sectionSize(3) == 220 and sum(widths(view)) == view.table.viewport().width()
    window.select_path(str(path), "/other")  # another group: the user's width stays
    wait_idle(window)
    qtbot.waitUntil(lambda: [r[0] for r in view.rows()] == ["long_name_of_a_member"], timeout=10000)
    assert header.sectionSize(3) == 220 and sum(widths(view)) == view.table.viewport().width()

    header.resizeSection(0, 150)  # the user sizes Name: no longer stretched
    window.resize(1300, 700)
    qtbot.wait(50)
    window.select_path(str(path), "/run")
    wait_idle(window)
    qtbot.waitUntil(lambda: len(view.rows()) == 2, timeout=10000)
    assert header.sectionSize(0) == 150 and header.sectionSize(3) == 220

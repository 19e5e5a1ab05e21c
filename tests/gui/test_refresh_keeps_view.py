"""Refresh (F5) and Compact reopen the files as the user left them: collapsed files stay collapsed,
expanded subgroups stay expanded, the selection and the scroll position stay."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from h5gui.gui.main_window import MainWindow


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "a.h5"
    with h5py.File(a, "w") as f:
        for i in range(60):
            f[f"g{i:02d}/sub/inner/x"] = np.arange(3)
            f[f"g{i:02d}/y"] = np.arange(4)
    b = tmp_path / "b.h5"
    with h5py.File(b, "w") as f:
        f["grp/ds"] = np.zeros(3)
    return a, b


def expanded(window: MainWindow, file: Path, path: str) -> bool:
    idx = window.model.find(str(file), path)
    node = window.model.node(idx)
    return idx.isValid() and node.tree_path() == path and window.tree.isExpanded(idx)


def view_state(window: MainWindow, a: Path, b: Path) -> dict:
    node = window.current_node()
    return {
        "a": expanded(window, a, "/"),
        "b": expanded(window, b, "/"),
        "g40": expanded(window, a, "/g40"),
        "g40/sub": expanded(window, a, "/g40/sub"),
        "g41": expanded(window, a, "/g41"),
        "b/grp": expanded(window, b, "/grp"),  # expanded inside the collapsed file b
        "selected": node.path if node is not None else None,
        "scroll": window.tree.verticalScrollBar().value(),
    }


@pytest.mark.parametrize("how", ["refresh", "compact"])
def test_refresh_keeps_expanded_groups_selection_and_scroll(qtbot, wait_idle, window: MainWindow, files, how) -> None:
    a, b = files
    window.resize(900, 500)
    window.open_files([str(a), str(b)])
    wait_idle(window)
    window.select_path(str(a), "/g40/sub/inner/x")
    wait_idle(window)
    window.tree.expand(window.model.find(str(b), "/grp"))
    wait_idle(window)
    window.tree.collapse(window.model.file_index(str(b)))  # the user collapsed b
    window.tree.collapse(window.model.find(str(a), "/g40/sub/inner"))
    window.tree.expand(window.model.find(str(a), "/g41"))
    wait_idle(window)
    window.tree.verticalScrollBar().setValue(30)
    qtbot.wait(50)
    before = view_state(window, a, b)
    assert before["g40/sub"] and not before["b"] and before["b/grp"] and before["scroll"] == 30
    if how == "refresh":
        window.actions_.refresh.trigger()
    else:
        window.files_changed()  # what Compact calls once the file is rewritten
    qtbot.waitUntil(lambda: window.status_text() == "Refreshed", timeout=10000)
    wait_idle(window)
    qtbot.wait(100)
    assert view_state(window, a, b) == before

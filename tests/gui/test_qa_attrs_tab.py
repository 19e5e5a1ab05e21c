"""The Attributes tab's title counts the shown object's attributes: selecting an external link after a
dataset with 5 attributes left "Attributes (5)" on the tab while its Info said "Attributes 0"."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow


def test_tab_title_is_not_kept_from_the_previous_object(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["raw"] = np.arange(100.0).reshape(10, 10)
    path = tmp_path / "main.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("data", data=np.arange(4))
        for i in range(5):
            ds.attrs[f"a{i}"] = i
        f["link"] = h5py.ExternalLink("other.h5", "/raw")
    tabs = window.tabs
    window.open_files([str(path)], select="/data")
    wait_idle(window)
    assert tabs.tabText(tabs.indexOf(window.attr_panel)) == "Attributes (5)"

    window.select_path(str(path), "/link")
    wait_idle(window)
    assert window.session.shown == (str(path), "/link")
    assert tabs.tabText(tabs.indexOf(window.attr_panel)) == "Attributes"

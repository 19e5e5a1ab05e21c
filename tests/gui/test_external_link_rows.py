"""An external link to a dataset is a leaf in the tree (no expander that leads to "is not a group");
one to a group still expands into the other file."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow


def test_external_link_to_a_dataset_has_no_expander(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["data"] = np.arange(5)
        f["grp/inside"] = np.arange(3)
    main = tmp_path / "main.h5"
    with h5py.File(main, "w") as f:
        f["to_data"] = h5py.ExternalLink("other.h5", "/data")
        f["to_grp"] = h5py.ExternalLink("other.h5", "/grp")
    window.open_files([str(main)])
    wait_idle(window)
    model = window.model
    to_data = model.find(str(main), "/to_data")
    to_grp = model.find(str(main), "/to_grp")
    assert model.node(to_data).name == "to_data" and model.node(to_grp).name == "to_grp"
    qtbot.waitUntil(lambda: not model.hasChildren(to_data), timeout=5000)
    assert model.hasChildren(to_grp)
    window.tree.expand(to_data)  # nothing to expand: no error row, no error in the status bar
    wait_idle(window)
    assert model.rowCount(to_data) == 0
    assert "not a group" not in window.status_text()
    window.tree.expand(to_grp)
    wait_idle(window)
    assert model.loaded_names(str(other), "/grp") == {"inside"}
    window.select_path(str(main), "/to_data")
    wait_idle(window)
    assert window.session.shown == (str(main), "/to_data")
    assert "not a group" not in window.status_text()

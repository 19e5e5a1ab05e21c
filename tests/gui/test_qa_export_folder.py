"""Export's save dialog opens in the folder of the file being exported (then in the folder of the last
export), not in the folder h5gui happened to be started from."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from h5gui.gui.controllers import export as export_module
from h5gui.gui.main_window import MainWindow


def test_save_dialog_starts_beside_the_file_then_where_the_last_export_went(
        qtbot, wait_idle, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # where h5gui was started
    path = data_dir / "e.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(6)
    asked: list[str] = []
    out_dir = tmp_path / "exports"
    out_dir.mkdir()

    def save_as(_parent, _title, start, _filters):  # the user accepts a name in another folder
        asked.append(start)
        return str(out_dir / os.path.basename(start)), ""

    monkeypatch.setattr(export_module.QFileDialog, "getSaveFileName", staticmethod(save_as))
    window.open_files([str(path)], select="/x")
    wait_idle(window)
    window.actions_.export.trigger()
    wait_idle(window)
    assert os.path.dirname(asked[0]) == str(data_dir)
    assert (out_dir / "x.npy").exists()
    window.actions_.export.trigger()
    wait_idle(window)
    assert os.path.dirname(asked[1]) == str(out_dir)


def test_new_dataset_from_file_starts_beside_the_file(qtbot, wait_idle, window: MainWindow, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from h5gui.gui.controllers import structure as structure_module

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path = data_dir / "n.h5"
    with h5py.File(path, "w") as f:
        f.create_group("g")
    asked: list[str] = []

    def choose(_parent, _title, start, _filters):
        asked.append(start)
        return "", ""  # cancelled

    monkeypatch.setattr(structure_module.QFileDialog, "getOpenFileName", staticmethod(choose))
    window.open_files([str(path)], select="/g")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    window.actions_.new_dataset.trigger()
    assert asked == [str(data_dir)]

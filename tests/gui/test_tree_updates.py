"""The tree and the panels after structure edits: a move by drag and drop says what it did and shows the
new counts; after Delete the panels stop showing the deleted object and the parent's count is right."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_structure_gui import answer_next_dialog

from h5gui.core import api
from h5gui.gui.main_window import MainWindow


@pytest.fixture
def lab_file(tmp_path: Path) -> Path:
    path = tmp_path / "lab.h5"
    with h5py.File(path, "w") as f:
        f["images/gray"] = np.zeros((8, 8), "u1")
        f["images/rgb"] = np.zeros((8, 8, 3), "u1")
        f.create_group("experiments")
    return path


def row(window: MainWindow, file: Path, path: str):
    idx = window.model.find(str(file), path)
    assert idx.isValid(), f"{path} not in the tree"
    return idx


def count_text(window: MainWindow, file: Path, path: str) -> str:
    return str(row(window, file, path).siblingAtColumn(1).data())


def open_editable(qtbot, wait_idle, window: MainWindow, path: Path, select: str) -> None:
    window.open_files([str(path)], select=select)
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    assert window.session.is_writable(str(path))


def test_drop_into_an_empty_group_moves_and_updates_counts(qtbot, wait_idle, window: MainWindow,
                                                            lab_file: Path) -> None:
    open_editable(qtbot, wait_idle, window, lab_file, "/images/gray")
    assert count_text(window, lab_file, "/experiments") == "0 members"
    assert count_text(window, lab_file, "/images") == "2 members"
    model = window.model
    data = model.mimeData([row(window, lab_file, "/images/gray")])
    target = row(window, lab_file, "/experiments")
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0, target)
    model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0, target)
    wait_idle(window)
    qtbot.waitUntil(lambda: window.model.loaded_names(str(lab_file), "/experiments") == {"gray"}, timeout=5000)
    wait_idle(window)
    with h5py.File(lab_file, "r", locking=False) as f:
        assert "gray" in f["experiments"] and "gray" not in f["images"]
    assert "No object" not in window.status_text()
    assert "Moved /images/gray to /experiments/gray" in window.status_text()
    assert count_text(window, lab_file, "/experiments") == "1 member"
    assert count_text(window, lab_file, "/images") == "1 member"
    node = window.current_node()
    assert node is not None and node.path == "/experiments/gray"


def test_delete_clears_the_panels_and_updates_the_count(qtbot, wait_idle, window: MainWindow, lab_file: Path) -> None:
    open_editable(qtbot, wait_idle, window, lab_file, "/images/gray")
    assert window.session.shown == (str(lab_file), "/images/gray")
    answer_next_dialog(yes=True)
    window.structure.delete()
    qtbot.waitUntil(lambda: window.model.loaded_names(str(lab_file), "/images") == {"rgb"}, timeout=5000)
    wait_idle(window)
    assert window.preview._target is None or window.preview._target[1] != "/images/gray"
    info = window.info_panel.info
    assert info is None or info.path != "/images/gray"
    assert count_text(window, lab_file, "/images") == "1 member"
    node = window.current_node()
    assert node is not None and node.path == "/images"  # the parent is shown instead
    assert window.session.shown == (str(lab_file), "/images")


def test_a_written_object_updates_its_parents_count(qtbot, wait_idle, window: MainWindow, lab_file: Path) -> None:
    # what a transform or an import into an open file reports once it has written its output
    window.open_files([str(lab_file)], select="/images/rgb")
    wait_idle(window)
    assert count_text(window, lab_file, "/images") == "2 members"
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    done: list[object] = []
    window.runner.submit(api.structure.create_dataset, str(lab_file), "/images/rgb_f32", shape=(8, 8, 3),
                         dtype="float32", on_result=done.append, on_error=pytest.fail)  # as a wizard writes
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    window.object_written(str(lab_file), "/images/rgb_f32")
    qtbot.waitUntil(lambda: window.model.loaded_names(str(lab_file), "/images") == {"gray", "rgb", "rgb_f32"},
                    timeout=5000)
    wait_idle(window)
    assert count_text(window, lab_file, "/images") == "3 members"
    assert window.current_node().path == "/images/rgb_f32"

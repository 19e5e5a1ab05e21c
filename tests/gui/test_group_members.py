"""A group's preview is the table of its members (issue 12 polish): name, kind, shape, type and size on
disk, sortable, and a double-click selects the member in the tree."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from PySide6.QtCore import Qt

from h5gui.gui.main_window import MainWindow


def test_group_preview_lists_members_sorts_and_goes_to_them(qtbot, wait_idle, window: MainWindow,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "exp.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("run")
        g["small"] = np.arange(10, dtype="i4")
        g.create_dataset("big", data=np.ones((200, 300), "f8"))
        g.create_dataset("packed", data=np.zeros((500, 500), "u1"), chunks=(100, 100), compression="gzip")
        g.create_group("sub").create_group("deeper")
        g["alias"] = h5py.SoftLink("/run/big")
    window.open_files([str(path)], select="/run")
    wait_idle(window)
    p = window.preview
    view = p._views["members"]
    assert p.stack.currentWidget() is view
    assert [r[0] for r in view.rows()] == ["alias", "big", "packed", "small", "sub"]  # as the tree lists them
    rows = {r[0]: r for r in view.rows()}
    assert set(rows) == {"small", "big", "packed", "sub", "alias"}
    assert rows["big"][1:] == ["dataset", "200 x 300", "float64", "468.8 KiB"]
    assert rows["small"][4] == "40 bytes"
    assert rows["sub"][1:3] == ["group", "1 member"]
    assert "\u2192 /run/big" in rows["alias"][1]
    with h5py.File(path, "r", locking=False) as f:
        packed = f["run/packed"].id.get_storage_size()
    assert rows["packed"][4] != "" and packed < 250_000  # compressed: its size on disk, not 250,000 bytes
    assert "5 members" in view.note.text()
    view.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # biggest on disk first
    assert view.rows()[0][0] == "big"
    view.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # most elements first
    assert view.rows()[0][0] == "packed"
    index = next(view.model.index(r, 0) for r in range(view.model.rowCount())
                 if view.model.item(r, 0).text() == "packed")
    view.table.doubleClicked.emit(index)
    wait_idle(window)
    assert window.current_node().path == "/run/packed"
    assert p.view == "image"


def test_the_preview_gets_the_room(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)], select="/mnist/images")
    wait_idle(window)
    top, preview = window.right_splitter.sizes()
    assert preview >= 2 * top, "the preview, not the info pane, has most of the height"
    window.right_splitter.setSizes([60, top + preview - 60])  # the user drags the info pane small
    assert window.right_splitter.sizes()[0] <= 150


def test_a_big_group_lists_its_first_members_and_says_so(qtbot, wait_idle, window: MainWindow,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "many.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("many")
        for i in range(1200):
            g.create_group(f"item{i}")
    window.open_files([str(path)], select="/many")
    wait_idle(window)
    view = window.preview._views["members"]
    assert view.model.rowCount() == 1000
    assert view.rows()[:3] == [["item0", "group", "0 members", "", ""], ["item1", "group", "0 members", "", ""],
                               ["item2", "group", "0 members", "", ""]]
    assert "1,200 members" in view.note.text() and "first 1,000" in view.note.text()


def test_enter_goes_to_a_member_only_from_the_member_table(qtbot, wait_idle, window: MainWindow,
                                                           small_file: Path) -> None:
    window.open_files([str(small_file)], select="/runs")
    wait_idle(window)
    view = window.preview._views["members"]
    window.filter_edit.setFocus()
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Return)  # Enter in another field: nothing moves
    wait_idle(window)
    assert window.current_node().path == "/runs"
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(0, 0))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    wait_idle(window)
    assert window.current_node().path == "/runs/run1"


def test_a_group_holding_a_huge_dataset_lists_and_sorts_it(qtbot, wait_idle, window: MainWindow,
                                                          tmp_path: Path) -> None:
    """A (2000, 1024, 1024) stack's sort key (its element count) overflowed Qt's 64-bit integers."""
    path = tmp_path / "huge.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("run")
        g.create_dataset("stack", shape=(2000, 1024, 1024), dtype="u2", chunks=(1, 1024, 1024))  # nothing written
        g["small"] = np.arange(3)
    window.open_files([str(path)], select="/run")
    wait_idle(window)
    view = window.preview._views["members"]
    assert sorted(r[0] for r in view.rows()) == ["small", "stack"]
    view.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert view.rows()[0][0] == "stack"


def test_a_damaged_group_says_what_libhdf5_found(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    # libhdf5 raising (not crashing) on a damaged group read as "Unexpected error: Link iteration failed (...)"
    path = tmp_path / "heap.h5"
    with h5py.File(path, "w") as f:
        f.create_group("g")["a"] = np.arange(3)
        f["top"] = np.arange(5)
    data = bytearray(path.read_bytes())
    at = [i for i in range(len(data) - 3) if data[i : i + 4] == b"HEAP"][1]  # /g's heap (the root's is first)
    data[at : at + 4] = b"XEAP"
    path.write_bytes(bytes(data))
    window.open_files([str(path)], select="/g")
    wait_idle(window)
    note = window.preview._views["members"].note.text()
    assert note == "listing /g in heap.h5 failed: bad local heap signature (libhdf5: the file may be damaged)"
    window.select_path(str(path), "/top")  # the rest of the file works
    wait_idle(window)
    assert window.preview.stack.currentWidget() is not window.preview._views["members"]

"""Structure editing from the tree: new group, rename, delete with its confirmation, copy/paste between
files, find, copy as code; read back with h5py."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QMessageBox

from h5gui.gui.main_window import MainWindow


def answer_next_dialog(text: str | None = None, yes: bool = True) -> None:
    """Answer the modal dialog that is about to open (input text, or Yes/Cancel)."""

    def answer() -> None:
        w = QApplication.activeModalWidget()
        if w is None:
            QTimer.singleShot(20, answer)
            return
        if isinstance(w, QInputDialog):
            w.setTextValue(text or "")
            w.accept()
        elif isinstance(w, QMessageBox):
            w.button(QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(20, answer)


def names(path: Path, group: str = "/") -> list[str]:
    with h5py.File(path, "r", locking=False) as f:  # beside h5gui's I/O process, which may hold the lock
        return sorted(f[group])


@pytest.fixture
def tree_file(tmp_path: Path) -> Path:
    path = tmp_path / "t.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("grp")
        g.create_dataset("data", data=np.arange(100).reshape(10, 10), chunks=(5, 5), compression="gzip")
        g["data"].attrs["units"] = "m"
        f["other"] = np.zeros(3)
    return path


def editable(qtbot, wait_idle, window: MainWindow, path: Path, select: str) -> None:
    window.open_files([str(path)], select=select)
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)


def test_new_group_rename_delete(qtbot, wait_idle, window: MainWindow, tree_file: Path) -> None:
    editable(qtbot, wait_idle, window, tree_file, "/grp")
    answer_next_dialog("fresh")
    window.actions_.new_group.trigger()
    wait_idle(window)
    assert "fresh" in names(tree_file, "/grp")
    assert window.current_node().path == "/grp/fresh"

    answer_next_dialog("renamed")
    window.actions_.rename.trigger()
    wait_idle(window)
    assert names(tree_file, "/grp") == ["data", "renamed"]
    assert window.current_node().path == "/grp/renamed"

    window.select_path(str(tree_file), "/grp/data")
    wait_idle(window)
    answer_next_dialog(yes=True)
    window.actions_.delete.trigger()
    qtbot.waitUntil(lambda: window.is_idle() and "data" not in names(tree_file, "/grp"), timeout=5000)
    wait_idle(window)
    assert "Compact" in window.status_text()
    assert "data" not in [window.model.index(r, 0, window.model.group_index(str(tree_file), "/grp")).data()
                          for r in range(window.model.rowCount(window.model.group_index(str(tree_file), "/grp")))]


def test_delete_can_be_cancelled(qtbot, wait_idle, window: MainWindow, tree_file: Path) -> None:
    editable(qtbot, wait_idle, window, tree_file, "/other")
    answer_next_dialog(yes=False)
    window.actions_.delete.trigger()
    qtbot.wait(300)
    wait_idle(window)
    assert "other" in names(tree_file)


def test_structure_edits_refused_read_only(qtbot, wait_idle, window: MainWindow, tree_file: Path) -> None:
    window.open_files([str(tree_file)], select="/grp")
    wait_idle(window)
    assert not window.actions_.new_group.isEnabled()  # not offered on a read-only file
    window.structure.new_group()  # and refused if asked all the same
    assert "read-only" in window.status_text()
    assert names(tree_file) == ["grp", "other"]


def test_copy_object_into_another_file(qtbot, wait_idle, window: MainWindow, tree_file: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest.h5"
    with h5py.File(dest, "w"):
        pass
    window.open_files([str(tree_file)], select="/grp")
    wait_idle(window)
    window.actions_.copy_object.trigger()
    editable(qtbot, wait_idle, window, dest, "/")
    window.actions_.paste_object.trigger()
    qtbot.waitUntil(lambda: window.is_idle() and "grp" in names(dest), timeout=10000)
    wait_idle(window)
    with h5py.File(dest, "r", locking=False) as f:
        np.testing.assert_array_equal(f["grp/data"][...], np.arange(100).reshape(10, 10))
        assert f["grp/data"].attrs["units"] == "m"
        assert f["grp/data"].chunks == (5, 5) and f["grp/data"].compression == "gzip"


def test_find_streams_results_and_selects(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "many.h5"
    with h5py.File(path, "w") as f:
        for i in range(300):
            f.create_group(f"run{i}/sample")
    window.open_files([str(path)])
    wait_idle(window)
    window.actions_.find_all.trigger()
    dialog = window.find_dialog
    dialog.pattern.setText("run29")
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.progress.running(), timeout=10000)
    found = [dialog.results.item(i).text() for i in range(dialog.results.count())]
    assert any("/run29" in t for t in found) and any("/run299" in t for t in found)
    item = next(dialog.results.item(i) for i in range(dialog.results.count())
                if dialog.results.item(i).text().startswith("/run299") or "/run299" in dialog.results.item(i).text())
    dialog.results.itemActivated.emit(item)
    wait_idle(window)
    assert window.current_node().path.startswith("/run299")


def test_copy_as_code_runs(qtbot, wait_idle, window: MainWindow, tree_file: Path) -> None:
    window.open_files([str(tree_file)], select="/grp/data")
    wait_idle(window)
    window.actions_.copy_code.trigger()
    wait_idle(window)
    code = QApplication.clipboard().text()
    assert "h5py" in code and "/grp/data" in code
    # the user pastes it into their own script (another process) and it reads the values
    import subprocess
    import sys

    check = code + "\nimport numpy as _np\n" + (
        "print(any(isinstance(v, _np.ndarray) and v.shape == (10, 10) and v[3, 4] == 34 for v in list(globals().values())))"
    )
    proc = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stdout.strip().endswith("True")


def test_cut_and_paste_moves_within_the_file(qtbot, wait_idle, window: MainWindow, tree_file: Path) -> None:
    editable(qtbot, wait_idle, window, tree_file, "/other")
    window.actions_.cut_object.trigger()
    window.select_path(str(tree_file), "/grp")
    wait_idle(window)
    window.actions_.paste_object.trigger()
    qtbot.waitUntil(lambda: window.is_idle() and "other" in names(tree_file, "/grp"), timeout=5000)
    wait_idle(window)
    assert names(tree_file) == ["grp"]
    assert window.current_node().path == "/grp/other"


def test_soft_link_created_from_the_tree(qtbot, wait_idle, window: MainWindow, tree_file: Path) -> None:
    editable(qtbot, wait_idle, window, tree_file, "/")

    def answer_twice() -> None:
        answer_next_dialog("shortcut")
        QTimer.singleShot(300, lambda: answer_next_dialog("/grp/data"))

    answer_twice()
    window.actions_.new_soft_link.trigger()
    qtbot.waitUntil(lambda: window.is_idle() and "shortcut" in names(tree_file), timeout=5000)
    wait_idle(window)
    with h5py.File(tree_file, "r", locking=False) as f:
        assert f.get("shortcut", getlink=True).path == "/grp/data"


def test_edit_values_in_the_table_with_undo(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "vals.h5"
    with h5py.File(path, "w") as f:
        f["m"] = np.arange(12, dtype=np.int32).reshape(3, 4)
    editable(qtbot, wait_idle, window, path, "/m")
    p = window.preview
    p.set_view("table")
    wait_idle(window)
    tv = p.table_view
    qtbot.waitUntil(lambda: tv.model.cell(1, 2) == "6", timeout=5000)
    tv.model.setData(tv.model.index(1, 2), "60")
    wait_idle(window)
    qtbot.waitUntil(lambda: tv.model.data(tv.model.index(1, 2)) == "60", timeout=5000)

    def read() -> np.ndarray:
        with h5py.File(path, "r", locking=False) as f:
            return f["m"][...]

    assert read()[1, 2] == 60
    QApplication.clipboard().setText("7\t8\n9\t10")
    tv.table.setCurrentIndex(tv.model.index(0, 0))
    tv.paste_block()
    wait_idle(window)
    np.testing.assert_array_equal(read()[:2, :2], [[7, 8], [9, 10]])
    tv.model.setData(tv.model.index(2, 3), "99999999999")  # does not fit int32: refused, nothing written
    wait_idle(window)
    assert "does not fit" in p.banner.text()
    assert read()[2, 3] == 11
    window.undo_action.trigger()  # the paste
    wait_idle(window)
    window.undo_action.trigger()  # the first edit
    wait_idle(window)
    np.testing.assert_array_equal(read(), np.arange(12).reshape(3, 4))


def test_drag_and_drop_moves_within_a_file(qtbot, wait_idle, window: MainWindow, tree_file: Path) -> None:
    from PySide6.QtCore import Qt as _Qt

    editable(qtbot, wait_idle, window, tree_file, "/other")
    model = window.model
    src = window.tree.currentIndex()
    target = model.group_index(str(tree_file), "/grp")
    if not target.isValid():  # /grp is a row of the root: find it
        root = model.file_index(str(tree_file))
        target = next(model.index(r, 0, root) for r in range(model.rowCount(root))
                      if model.index(r, 0, root).data() == "grp")
    data = model.mimeData([src])
    assert model.canDropMimeData(data, _Qt.DropAction.MoveAction, -1, 0, target)
    model.dropMimeData(data, _Qt.DropAction.MoveAction, -1, 0, target)
    qtbot.waitUntil(lambda: window.is_idle() and "other" in names(tree_file, "/grp"), timeout=5000)
    wait_idle(window)
    assert names(tree_file) == ["grp"]


def test_new_dataset_dialog(qtbot, wait_idle, window: MainWindow, tree_file: Path) -> None:
    from h5gui.gui.widgets.new_dataset_dialog import NewDatasetDialog

    editable(qtbot, wait_idle, window, tree_file, "/grp")

    def fill() -> None:
        d = QApplication.activeModalWidget()
        if not isinstance(d, NewDatasetDialog):
            QTimer.singleShot(20, fill)
            return
        d.name.setText("zeros")
        d.shape.setText("4, 6")
        d.dtype.setCurrentText("uint16")
        d.compression.setCurrentText("gzip")
        d.fill.setText("7")
        d.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(20, fill)
    window.actions_.new_empty_dataset.trigger()
    qtbot.waitUntil(lambda: window.is_idle() and "zeros" in names(tree_file, "/grp"), timeout=5000)
    wait_idle(window)
    with h5py.File(tree_file, "r", locking=False) as f:
        d = f["grp/zeros"]
        assert d.shape == (4, 6) and d.dtype == np.uint16 and d.compression == "gzip" and d[0, 0] == 7


def test_export_shown_image_writes_the_frame_as_drawn(qtbot, wait_idle, window: MainWindow, tmp_path: Path,
                                                      monkeypatch) -> None:
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    path = tmp_path / "img.h5"
    with h5py.File(path, "w") as f:
        f["stack"] = np.arange(5 * 8 * 10, dtype=np.uint16).reshape(5, 8, 10)
    window.open_files([str(path)], select="/stack")
    wait_idle(window)
    window.preview.set_view("image")
    qtbot.waitUntil(lambda: window.preview.shown_image_style() is not None, timeout=10000)
    window.preview.axes_bar.set_position(0, 2)
    wait_idle(window)
    assert window.preview.frame_index() == (2,)
    assert window.preview.shown_image_style()[1] == "grey"
    out = tmp_path / "frame.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(out), "")))
    window.actions_.export_shown.trigger()
    qtbot.waitUntil(out.exists, timeout=10000)
    wait_idle(window)
    assert "Exported the shown image" in window.status_text()
    with Image.open(out) as image:
        assert image.size == (10, 8)

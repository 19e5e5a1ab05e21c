"""The main window as a user drives it: open, browse, inspect, bad input, refresh, close."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QWidget

from h5gui.gui.main_window import MainWindow
from h5gui.gui.models.tree_model import NODE_ROLE


def tree_names(window: MainWindow, parent=None) -> list[str]:
    proxy = window.proxy
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    return [proxy.index(r, 0, parent).data() for r in range(proxy.rowCount(parent))
            if not window.tree.isRowHidden(r, parent)]


def file_index(window: MainWindow):
    return window.proxy.index(0, 0)


def child_index(window: MainWindow, parent, name: str):
    for r in range(window.proxy.rowCount(parent)):
        idx = window.proxy.index(r, 0, parent)
        if idx.data() == name:
            return idx
    raise AssertionError(f"{name} not among {tree_names(window, parent)}")


def all_visible_text(widget: QWidget) -> str:
    parts = []
    for w in widget.findChildren(QWidget):
        if isinstance(w, QLabel):
            parts.append(w.text())
        elif isinstance(w, QLineEdit):
            parts.append(w.text())
        elif isinstance(w, QPlainTextEdit):
            parts.append(w.toPlainText())
    return "\n".join(parts)


def test_start_page_without_files(window: MainWindow) -> None:
    assert window.stack.currentWidget() is window.start_page
    assert window.windowTitle() == "h5gui"


def test_open_shows_root_members_in_natural_order(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)])
    wait_idle(window)
    assert window.stack.currentWidget() is window.splitter
    assert tree_names(window) == ["small.h5"]
    root = file_index(window)
    assert window.tree.isExpanded(root)
    assert tree_names(window, root) == ["broken", "gone", "images", "latest", "mnist", "runs", "scalar", "signal"]
    runs = child_index(window, root, "runs")
    window.tree.expand(runs)
    wait_idle(window)
    assert tree_names(window, runs) == ["run1", "run2", "run10"]
    assert "small.h5" in window.windowTitle()


def test_select_dataset_fills_info_and_attributes(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)], select="/mnist/images")
    wait_idle(window)
    node = window.current_node()
    assert node is not None and node.path == "/mnist/images"
    fields = window.info_panel.field_texts()
    assert fields["Shape"] == "100 x 28 x 28"
    assert fields["Datatype"] == "uint32"
    assert fields["Chunks"] == "16 x 28 x 28"
    assert fields["Filters"].startswith("gzip")
    assert "compression ratio" in fields["Storage"]
    names = [a.name for a in window.attr_panel.model.attrs()]
    assert names == ["scale", "units"] or sorted(names) == ["scale", "units"]
    assert window.tabs.tabText(1) == "Attributes (2)"


def test_tree_columns_show_shape_dtype_and_links(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)])
    wait_idle(window)
    root = file_index(window)
    sig = child_index(window, root, "signal")
    assert sig.siblingAtColumn(1).data() == "1000"
    assert sig.siblingAtColumn(2).data() == "float64"
    broken = child_index(window, root, "broken")
    assert "/nowhere" in broken.data(Qt.ItemDataRole.ToolTipRole)
    assert broken.data(Qt.ItemDataRole.ForegroundRole).color().name() == "#c62828"
    latest = child_index(window, root, "latest")
    assert latest.siblingAtColumn(1).data() == "100 x 28 x 28"
    assert "/mnist/images" in latest.siblingAtColumn(2).data()


def test_dangling_links_give_a_message_not_a_crash(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)], select="/broken")
    wait_idle(window)
    assert "dangling soft link" in window.info_panel.banner.text()
    window.select_path(str(small_file), "/gone")
    wait_idle(window)
    assert "missing file" in window.info_panel.banner.text()
    # still usable
    window.select_path(str(small_file), "/signal")
    wait_idle(window)
    assert window.info_panel.field_texts()["Shape"] == "1000"


def test_bad_files_say_why_in_the_status_bar(qtbot, wait_idle, window: MainWindow, tmp_path: Path, small_file: Path) -> None:
    not_h5 = tmp_path / "notes.txt"
    not_h5.write_text("hello, not HDF5\n" * 100)
    empty = tmp_path / "empty.h5"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(small_file.read_bytes()[:3000])
    cases = {
        tmp_path / "missing.h5": "No such file",
        not_h5: "not an HDF5 file",
        empty: "empty",
        truncated: "truncated",
        tmp_path: "folder",
    }
    for path, expected in cases.items():
        window.open_files([str(path)])
        wait_idle(window)
        assert expected in window.status_text(), (path, window.status_text())
        assert "\n" not in window.status_text()
        assert window.model.files() == []
        assert window.stack.currentWidget() is window.start_page
    window.open_files([str(small_file)])
    wait_idle(window)
    assert window.model.files() == [str(small_file)]


def test_lazy_batches_for_a_big_group(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("many")
        for i in range(900):
            g.create_dataset(f"item{i}", data=np.int16(i))
    window.open_files([str(path)])
    wait_idle(window)
    many = child_index(window, file_index(window), "many")
    window.tree.expand(many)
    wait_idle(window)
    loaded = window.proxy.rowCount(many)
    assert 0 < loaded < 900, "the whole group must not be loaded at once"
    assert tree_names(window, many)[:3] == ["item0", "item1", "item2"]
    assert tree_names(window, many)[-1].startswith(f"{900 - (loaded - 1):,} more")
    # scrolling to the end loads the rest, batch by batch
    for _ in range(20):
        window.tree.scrollToBottom()
        qtbot.wait(50)
        wait_idle(window)
    names = tree_names(window, many)
    assert len(names) == 900
    assert names[:12] == [f"item{i}" for i in range(12)]
    assert names[-1] == "item899"


def test_filter_box_narrows_loaded_rows(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)])
    wait_idle(window)
    qtbot.keyClicks(window.filter_edit, "sig")
    root = file_index(window)
    qtbot.waitUntil(lambda: tree_names(window, root) == ["signal"], timeout=3000)
    window.filter_edit.clear()
    qtbot.waitUntil(lambda: len(tree_names(window, root)) == 8, timeout=3000)


def test_refresh_keeps_expansion_and_selection(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)], select="/runs/run2")
    wait_idle(window)
    assert window.current_node().path == "/runs/run2"
    window.actions_.refresh.trigger()
    wait_idle(window)
    node = window.current_node()
    assert node is not None and node.path == "/runs/run2"
    runs = child_index(window, file_index(window), "runs")
    assert window.tree.isExpanded(runs)


def test_refresh_sees_changes_made_by_another_program(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)])
    wait_idle(window)
    # another program writes to the file while h5gui has it open (h5gui holds no HDF5 lock)
    code = f"import h5py, numpy; f = h5py.File({str(small_file)!r}, 'a'); f['added_later'] = numpy.arange(3); f.close()"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    window.files.refresh()
    wait_idle(window)
    assert "added_later" in tree_names(window, file_index(window))


def test_close_file_returns_to_start_page_and_remembers_recent(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)])
    wait_idle(window)
    window.tree.setCurrentIndex(file_index(window))
    window.actions_.close.trigger()
    wait_idle(window)
    assert window.model.files() == []
    assert window.stack.currentWidget() is window.start_page
    assert window.recent.files()[0] == str(small_file)
    assert window.start_page.recent.count() == 1


def test_settings_remember_geometry_and_recent_files(qtbot, wait_idle, settings, tmp_path: Path, small_file: Path) -> None:
    w = MainWindow(settings, data_dir=str(tmp_path))
    qtbot.addWidget(w)
    w.resize(700, 500)
    w.show()
    w.open_files([str(small_file)])
    wait_idle(w)
    w.close()
    w2 = MainWindow(settings, data_dir=str(tmp_path))
    qtbot.addWidget(w2)
    assert (w2.size().width(), w2.size().height()) == (700, 500)
    assert w2.recent.files() == [str(small_file)]
    w2.runner.shutdown()


def test_drop_files_onto_the_window_opens_them(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(small_file))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    wait_idle(window)
    assert window.model.files() == [str(small_file)]


def test_several_files_are_top_level_rows(qtbot, wait_idle, window: MainWindow, small_file: Path, tmp_path: Path) -> None:
    second = tmp_path / "second.h5"
    with h5py.File(second, "w") as f:
        f["x"] = np.arange(4)
    window.open_files([str(small_file), str(second)])
    wait_idle(window)
    assert sorted(tree_names(window)) == ["second.h5", "small.h5"]
    assert "2 files" in window.windowTitle()


def test_copy_path(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)], select="/mnist/images")
    wait_idle(window)
    window.actions_.copy_path.trigger()
    assert QApplication.clipboard().text() == "/mnist/images"


def test_external_storage_secret_not_shown_until_confirmed(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    secret_dir = tmp_path / "elsewhere"
    secret_dir.mkdir()
    secret = secret_dir / "secret.txt"
    secret.write_bytes(b"PASSWORD=hunter2")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    crafted = data_dir / "crafted.h5"
    with h5py.File(crafted, "w") as f:
        f.create_dataset("innocent", shape=(16,), dtype="u1", external=[(str(secret), 0, 16)])
    window.open_files([str(crafted)], select="/innocent")
    wait_idle(window)
    text = all_visible_text(window)
    as_numbers = str(list(b"PASSWORD=hunter2"))[1:-1]
    assert "hunter2" not in text and as_numbers not in text
    assert "outside the file's folder" in window.info_panel.banner.text()
    assert str(secret) in window.info_panel.banner.text()
    # the user confirms: now the value is read
    window.info_panel.banner.button.click()
    wait_idle(window)
    assert "104, 117, 110, 116, 101, 114" in window.info_panel.field_texts()["Value"]  # "hunter"


def test_model_passes_qt_model_tester(qtbot, qtmodeltester, wait_idle, window: MainWindow, small_file: Path,
                                      tmp_path: Path) -> None:
    big = tmp_path / "big.h5"
    with h5py.File(big, "w") as f:
        for i in range(700):
            f.create_group(f"g/m{i}")
    window.open_files([str(small_file), str(big)])
    wait_idle(window)
    qtmodeltester.check(window.model, force_py=True)
    # lazy loading, "loading..." and "more" rows while the tester watches every signal
    window.tree.expandAll()
    wait_idle(window)
    for _ in range(3):
        window.tree.scrollToBottom()
        qtbot.wait(50)
        wait_idle(window)
    qtmodeltester.check(window.model, force_py=True)


def test_tree_nodes_are_snapshots_not_h5py_objects(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    window.open_files([str(small_file)])
    wait_idle(window)
    root = file_index(window)
    for r in range(window.proxy.rowCount(root)):
        node = window.proxy.index(r, 0, root).data(NODE_ROLE)
        assert not type(node.info).__module__.startswith("h5py")
        for value in (getattr(node.info, f) for f in node.info.__dataclass_fields__):
            assert not type(value).__module__.startswith("h5py")


def test_open_demo_writes_and_opens_it(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    window.start_page.demo_button.click()
    wait_idle(window)
    files = window.model.files()
    assert len(files) == 1 and files[0].startswith(str(tmp_path)) and os.path.exists(files[0])
    assert len(tree_names(window, file_index(window))) >= 4


def make_linked_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    data = tmp_path / "data"
    far = tmp_path / "far"
    data.mkdir()
    far.mkdir()
    near_target = data / "near.h5"
    far_target = far / "far.h5"
    with h5py.File(near_target, "w") as f:
        f.create_dataset("grp/values", data=np.arange(5))
    with h5py.File(far_target, "w") as f:
        f.create_dataset("grp/private", data=np.arange(7))
    main = data / "main.h5"
    with h5py.File(main, "w") as f:
        f["near"] = h5py.ExternalLink("near.h5", "/grp")
        f["far"] = h5py.ExternalLink(str(far_target), "/grp")
    return main, near_target, far_target


def test_external_link_inside_the_folder_expands_into_its_target(qtbot, wait_idle, window: MainWindow,
                                                                 tmp_path: Path) -> None:
    main, near, _ = make_linked_files(tmp_path)
    window.open_files([str(main)], select="/near/values")
    wait_idle(window)
    node = window.current_node()
    assert node is not None and node.file == str(near) and node.path == "/grp/values"
    assert window.info_panel.field_texts()["Shape"] == "5"


def test_external_link_outside_the_folder_asks_first(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    main, _, far = make_linked_files(tmp_path)
    window.open_files([str(main)])
    wait_idle(window)
    far_idx = child_index(window, file_index(window), "far")
    window.tree.setCurrentIndex(far_idx)
    window.tree.expand(far_idx)
    wait_idle(window)
    assert "private" not in tree_names(window, far_idx)
    assert "outside" in tree_names(window, far_idx)[0]
    assert str(far) in window.info_panel.banner.text()
    assert "Shape" not in window.info_panel.field_texts()
    window.info_panel.banner.button.click()
    wait_idle(window)
    assert tree_names(window, far_idx) == ["private"]


def test_a_huge_group_keeps_a_bounded_window_of_rows(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    from h5gui.gui.models import tree_model

    path = tmp_path / "huge.h5"
    n = 5200
    with h5py.File(path, "w") as f:
        g = f.create_group("many")
        for i in range(n):
            g.create_group(f"m{i}")
    window.open_files([str(path)])
    wait_idle(window)
    many = child_index(window, file_index(window), "many")
    window.tree.expand(many)
    wait_idle(window)
    node = window.model.node(many)
    # scroll to the end: batches load, the window slides, rows in memory stay bounded
    for _ in range(60):
        window.tree.scrollToBottom()
        qtbot.wait(30)
        wait_idle(window)
        if node.offset + node.loaded >= n:
            break
    assert node.offset + node.loaded == n
    assert node.loaded <= tree_model.WINDOW
    names = tree_names(window, many)
    assert names[0].endswith("earlier... (scroll up to load)")
    assert names[-1] == f"m{n - 1}"
    # the rows shown are the right ones, in natural order
    assert names[1:4] == [f"m{i}" for i in range(node.offset, node.offset + 3)]
    # jumping to a member far before the window moves the window there
    window.select_path(str(path), "/many/m17")
    wait_idle(window)
    assert window.current_node().path == "/many/m17"
    assert node.offset <= 17 < node.offset + node.loaded
    qtmodel = window.model
    assert qtmodel.rowCount(many) == node.row_count


def test_one_click_on_a_recent_file_opens_it_once(qtbot, wait_idle, window: MainWindow, small_file: Path) -> None:
    from PySide6.QtCore import Qt

    window.open_files([str(small_file)])
    wait_idle(window)
    window.tree.setCurrentIndex(file_index(window))
    window.actions_.close.trigger()
    wait_idle(window)
    recent = window.start_page.recent
    rect = recent.visualItemRect(recent.item(0))
    qtbot.mouseClick(recent.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wait_idle(window)
    assert window.model.files() == [str(small_file)]
    window.tree.setCurrentIndex(file_index(window))
    window.actions_.close.trigger()
    wait_idle(window)
    recent.itemActivated.emit(recent.item(0))
    recent.itemActivated.emit(recent.item(0))  # a double-click's second request, while the file opens
    wait_idle(window)
    assert window.model.files() == [str(small_file)]
    assert window.model.rowCount() == 1

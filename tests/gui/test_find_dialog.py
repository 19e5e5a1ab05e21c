"""Find (Ctrl+F) as a user drives it (issue 12 defect 9): Enter on a result only goes there; the dialog
searches the selection's file; progress counts what was searched, with Cancel from the start; the
"found so far" line is readable."""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest
from PySide6.QtCore import Qt

from h5gui.gui.main_window import MainWindow


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "alpha.h5", tmp_path / "beta.h5"
    with h5py.File(a, "w") as f:
        for i in range(40):
            f.create_group(f"run{i}/sample")
    with h5py.File(b, "w") as f:
        f.create_group("only_in_beta")
    return a, b


def open_both(window: MainWindow, wait_idle, files: tuple[Path, Path]) -> None:
    window.open_files([str(files[0])])
    wait_idle(window)
    window.open_files([str(files[1])])
    wait_idle(window)


def test_enter_on_a_result_goes_there_without_searching_again(qtbot, wait_idle, window: MainWindow,
                                                              two_files) -> None:
    open_both(window, wait_idle, two_files)
    window.select_path(str(two_files[0]), "/run1")
    wait_idle(window)
    window.actions_.find_all.trigger()
    dialog = window.find_dialog
    qtbot.keyClicks(dialog.pattern, "run3")
    qtbot.keyClick(dialog.pattern, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.progress.running() and dialog.results.count() > 0, timeout=10000)
    runs = dialog._gen
    dialog.results.setFocus()
    dialog.results.setCurrentRow(0)
    target = dialog.results.item(0).text().split(" ")[0]
    qtbot.keyClick(dialog.results, Qt.Key.Key_Return)
    wait_idle(window)
    assert dialog._gen == runs and not dialog.progress.running(), "Enter on a result must not search again"
    assert window.current_node().path == target
    assert dialog.isVisible()


def test_ctrl_f_searches_the_file_of_the_selection(qtbot, wait_idle, window: MainWindow, two_files) -> None:
    open_both(window, wait_idle, two_files)
    window.select_path(str(two_files[0]), "/run1")
    wait_idle(window)
    window.actions_.find_all.trigger()
    dialog = window.find_dialog
    assert dialog.files.currentData() == str(two_files[0])
    window.select_path(str(two_files[1]), "/only_in_beta")
    wait_idle(window)
    window.actions_.find_all.trigger()  # the dialog is still open: Ctrl+F again
    assert dialog.files.currentData() == str(two_files[1])
    dialog.hide()
    window.select_path(str(two_files[0]), "/run2")
    wait_idle(window)
    window.actions_.find_all.trigger()
    assert dialog.files.currentData() == str(two_files[0])


def test_progress_counts_objects_with_cancel_from_the_start(qtbot, wait_idle, window: MainWindow,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "many.h5"
    with h5py.File(path, "w") as f:
        for i in range(3000):
            f.create_group(f"g{i}")
    window.open_files([str(path)])
    wait_idle(window)
    window.actions_.find_all.trigger()
    dialog = window.find_dialog
    runs = dialog._gen
    qtbot.keyClicks(dialog.pattern, "g1")
    qtbot.keyClick(dialog.pattern, Qt.Key.Key_Return)
    assert dialog._gen == runs + 1, "Enter starts one search (a second one cancelled the first)"
    assert dialog.progress.isVisible() and dialog.progress.cancel_button.isEnabled()
    assert "searched" in dialog.progress.label.text().lower() or "searching" in dialog.progress.label.text().lower()
    qtbot.waitUntil(lambda: "objects searched" in dialog.status.text() or not dialog.progress.running(),
                    timeout=20000)
    qtbot.waitUntil(lambda: not dialog.progress.running(), timeout=20000)
    assert "found among 3,000 objects" in dialog.status.text()
    assert dialog.status.width() >= dialog.status.sizeHint().width()
    assert dialog.status.height() >= dialog.status.sizeHint().height()


def test_found_so_far_is_not_clipped(qtbot, wait_idle, window: MainWindow, two_files) -> None:
    open_both(window, wait_idle, two_files)
    window.actions_.find_all.trigger()
    dialog = window.find_dialog
    dialog.resize(260, 200)  # a small dialog
    dialog.status.setText("123,456 found so far, 1,234,567 objects searched")
    qtbot.wait(50)
    line = dialog.status.fontMetrics().lineSpacing()
    assert dialog.status.height() >= line
    assert dialog.status.width() >= dialog.status.fontMetrics().horizontalAdvance(dialog.status.text())

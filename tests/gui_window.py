"""The main-window fixtures every GUI test module uses (tests/gui, and the GUI tests of tests/remote and
tests/hsds): a window with its own settings file, shut down with its I/O process. Import the fixtures by
name into a test module or a conftest (this module loads Qt: keep it out of the Qt-free conftests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSettings

from h5gui.gui.main_window import MainWindow


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings: QSettings, tmp_path: Path) -> Iterator[MainWindow]:
    w = MainWindow(settings, data_dir=str(tmp_path / "data"))
    qtbot.addWidget(w)
    w.show()
    yield w
    w.runner.shutdown()
    w.preview.wait_warm_up()


def names(window: MainWindow, parent: QModelIndex | None = None) -> list[str]:
    """The names of the tree rows under ``parent`` (the top level by default)."""
    parent = parent or QModelIndex()
    return [window.model.index(r, 0, parent).data() for r in range(window.model.rowCount(parent))]

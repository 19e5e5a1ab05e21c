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


FRESH_WINDOW = r"""
import json, os, sys, time
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from h5gui.gui.main_window import MainWindow

args, tmp = sys.argv[1:-1], sys.argv[-1]
win = MainWindow(QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat), data_dir=tmp)
win.show()

def wait(cond, timeout=TIMEOUT):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f"timed out; status: {win.status_text()}")
        app.processEvents()
        time.sleep(0.002)
"""

LOADED_REPORT = r"""
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("h5py", "PIL", "hdf5plugin"))
win.close()
print(json.dumps({"loaded": loaded, "status": win.status_text()}))
"""


def run_fresh_window(body: str, *args: str, tmp: Path, timeout: float = 90.0,
                     env: dict[str, str] | None = None) -> dict:
    """Run ``body`` in a fresh GUI process (``win``, ``wait(cond)``, ``args`` and ``tmp`` defined) and return
    what it reports: the HDF5/imaging modules that process loaded, and its status line."""
    import json
    import os
    import subprocess
    import sys

    script = FRESH_WINDOW.replace("TIMEOUT", repr(timeout)) + body + LOADED_REPORT
    proc = subprocess.run([sys.executable, "-c", script, *args, str(tmp)], capture_output=True, text=True,
                          timeout=timeout * 3, env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def transform_wizard(qtbot, window: MainWindow, *, closed_by_test: bool = False):  # noqa: ANN201
    """Transform... on the selected dataset (editing enabled): the wizard, once its first page holds the
    defaults the core proposed for the data. ``closed_by_test``: the test closes it (it is then deleted,
    so qtbot must not close it again)."""
    window.wizards.open_transform()
    wizard = window.wizards.current
    if not closed_by_test:
        qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.ops_page.defaults_done, timeout=10000)
    return wizard

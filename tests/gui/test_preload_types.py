"""pyqtgraph is imported in a background thread after the window is painted; the Qt types it uses are
made on the GUI thread before that thread starts. PySide makes a Qt class's Python type when it is first
used, and pyqtgraph's import uses every one: made in the thread while the GUI thread used Qt, that
crashed the app at start-up now and then (SIGSEGV in the GUI thread, 3 of 108 start-ups on a loaded
machine)."""

from __future__ import annotations

from pathlib import Path

from gui_window import run_fresh_window

BODY = r"""
import PySide6.QtCore as QC, PySide6.QtGui as QG, PySide6.QtWidgets as QW
from h5gui.gui.widgets.preview import preload
left = []
start = preload.Preloader.start
def counting_start(self):
    left.append({m.__name__: sorted(set(dir(m)) - set(vars(m))) for m in (QC, QG, QW)})
    start(self)
preload.Preloader.start = counting_start
wait(lambda: bool(left))
missing = {k: v for k, v in left[0].items() if v}
if sum(map(len, missing.values())) > 3:
    raise SystemExit(f"Qt types left for the import thread to make: { {k: len(v) for k, v in missing.items()} }")
"""


def test_qt_types_are_made_before_the_background_import_starts(tmp_path: Path) -> None:
    out = run_fresh_window(BODY, tmp=tmp_path, timeout=30.0)
    assert out["loaded"] == []

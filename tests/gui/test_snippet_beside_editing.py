"""The copied h5py snippet runs beside h5gui while the file is open for editing (issue 12 defect 12):
writes hold the file only while each write job runs, so the user's script can open it in between."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
from PySide6.QtWidgets import QApplication

from h5gui.gui.main_window import MainWindow


def test_copied_snippet_runs_while_the_file_is_in_edit_mode(qtbot, wait_idle, window: MainWindow,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "e.h5"
    with h5py.File(path, "w") as f:
        f["grp/data"] = np.arange(100).reshape(10, 10)
    window.open_files([str(path)], select="/grp/data")
    wait_idle(window)
    window.actions_.enable_editing.trigger()
    wait_idle(window)
    assert window.session.is_writable(str(path))
    window.attributes.set_value("units", "m")  # an edit was made: the app has written to the file
    wait_idle(window)
    window.actions_.copy_code.trigger()
    wait_idle(window)
    code = QApplication.clipboard().text()
    assert "h5py" in code and "/grp/data" in code
    check = code + "\nimport numpy as _np\n" + (
        "print(any(isinstance(v, _np.ndarray) and v.shape == (10, 10) and v[3, 4] == 34 "
        "for v in list(globals().values())))")
    proc = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-800:]
    assert proc.stdout.strip().endswith("True")
    assert "unable to lock" not in proc.stderr
    # and h5gui still edits the file afterwards
    window.attributes.set_value("units", "km")
    wait_idle(window)
    with h5py.File(path, "r", locking=False) as f:
        assert f["grp/data"].attrs["units"] == "km"

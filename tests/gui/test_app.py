"""The GUI entry point as a user or a reviewer runs it: screenshots, and a PySide6 regression."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
from PySide6.QtGui import QImage


def run_app(args: list[str], tmp_path: Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "share"))
    return subprocess.run([sys.executable, "-m", "h5gui", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_screenshot_of_a_selected_path(tmp_path: Path) -> None:
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("deep/er/data", data=np.zeros((5, 6)))
    out = tmp_path / "shot.png"
    proc = run_app([str(path), "--select", "/deep/er/data", "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 500


def test_screenshot_of_a_bad_file_still_works_and_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    out = tmp_path / "shot.png"
    proc = run_app([str(bad), "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 0
    assert "not an HDF5 file" in proc.stderr
    assert out.exists()


def test_demo_flag_writes_the_demo_into_the_data_folder(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    proc = run_app(["--demo", "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    demo = list((tmp_path / "share").rglob("*.h5"))
    assert demo, "the demo file is written under the user's data folder"
    with h5py.File(demo[0], "r") as f:
        assert len(f) >= 3


def test_many_qt_setter_calls_do_not_abort_the_process() -> None:
    """PySide6 6.12.0 on Python 3.11 loses a reference to None on each setter and aborts after ~12,000."""
    code = (
        "from PySide6.QtWidgets import QApplication, QLabel\n"
        "from PySide6.QtGui import QStandardItem\n"
        "app = QApplication([])\n"
        "label = QLabel()\n"
        "item = QStandardItem()\n"
        "for i in range(100_000):\n"
        "    label.setText('x')\n"
        "    label.setToolTip('y')\n"
        "print('survived')\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert "survived" in proc.stdout

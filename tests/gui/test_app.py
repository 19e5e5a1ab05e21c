"""The GUI entry point as a user or a reviewer runs it: screenshots, and a PySide6 regression."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
from PySide6.QtGui import QImage


def run_app(args: list[str], tmp_path: Path, timeout: int = 120,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if env is None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env = dict(env, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "share"))
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


def test_screenshot_of_a_bad_file_is_saved_but_exits_1_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    out = tmp_path / "shot.png"
    proc = run_app([str(bad), "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 1  # scripts rely on it
    assert "not an HDF5 file" in proc.stderr
    assert f"{bad} did not open" in proc.stderr
    assert out.exists()


def test_screenshot_exits_1_when_select_does_not_resolve(tmp_path: Path) -> None:
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("deep/data", data=np.zeros((5, 6)))
    out = tmp_path / "shot.png"
    proc = run_app([str(path), "--select", "/deep/nothing", "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 1
    assert "--select /deep/nothing: not found" in proc.stderr
    assert out.exists()


def headless_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def test_start_without_a_display_says_so_in_one_line(tmp_path: Path) -> None:
    proc = run_app(["--demo"], tmp_path, timeout=60, env=headless_env())
    assert proc.returncode == 2, proc.stderr  # not Qt's abort (134)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("h5gui: no display"), proc.stderr


def test_an_unreachable_display_is_one_line_not_an_abort(tmp_path: Path) -> None:
    env = dict(headless_env(), DISPLAY=":93")
    proc = run_app(["--demo"], tmp_path, timeout=60, env=env)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("h5gui: cannot open a window"), proc.stderr


def test_missing_xcb_libraries_are_named_with_the_package_to_install() -> None:
    from h5gui.gui.display import fatal_start_line, headless_problem

    missing = lambda: ["libxcb-icccm.so.4"]  # noqa: E731
    line = headless_problem({}, missing=missing)
    assert line is not None and "no display" in line and "libxcb-cursor0 libxcb-icccm4" in line
    line = fatal_start_line(["From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.",
                             "This application failed to start"], {"DISPLAY": ":0"}, missing=missing)
    assert "apt install libxcb-cursor0 libxcb-icccm4" in line and "\n" not in line
    assert headless_problem({"QT_QPA_PLATFORM": "offscreen"}, missing=missing) is None
    assert headless_problem({"DISPLAY": ":0"}, missing=missing) is None


def test_screenshot_needs_no_display_and_no_platform_setting(tmp_path: Path) -> None:
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(10)
    out = tmp_path / "shot.png"
    proc = run_app([str(path), "--select", "/x", "--screenshot", str(out)], tmp_path, env=headless_env())
    assert proc.returncode == 0, proc.stderr
    assert not QImage(str(out)).isNull()


def test_a_bad_window_size_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    proc = run_app(["--size", "big"], tmp_path, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--size: expected WIDTHxHEIGHT" in proc.stderr


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

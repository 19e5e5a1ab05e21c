"""Exports of the picture on screen (issue 12 defect 6): a channels-first image shown in colour is
written in colour, by Export .png and by Export shown image alike; a stack exports the frame shown."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QFileDialog

from h5gui.gui.main_window import MainWindow


@pytest.fixture
def chw_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(7)
    path = tmp_path / "chw.h5"
    with h5py.File(path, "w") as f:
        f["chw_image"] = rng.integers(0, 256, (3, 64, 64), dtype=np.uint8)
        f["nchw"] = rng.integers(0, 256, (4, 3, 32, 40), dtype=np.uint8)
    return path


def export_to(qtbot, wait_idle, window: MainWindow, monkeypatch, action, out: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(out), "")))
    action.trigger()
    qtbot.waitUntil(out.exists, timeout=10000)
    wait_idle(window)


def test_channels_first_image_exports_as_shown(qtbot, wait_idle, window: MainWindow, chw_file: Path,
                                               monkeypatch, tmp_path: Path) -> None:
    window.open_files([str(chw_file)], select="/chw_image")
    wait_idle(window)
    p = window.preview
    assert p.view == "image" and p.image_view.slice.rgb  # shown in colour
    with h5py.File(chw_file, "r", locking=False) as f:
        expected = np.moveaxis(f["chw_image"][()], 0, -1)
    for action, name in ((window.actions_.export, "export.png"), (window.actions_.export_shown, "shown.png")):
        out = tmp_path / name
        export_to(qtbot, wait_idle, window, monkeypatch, action, out)
        assert "Exported" in window.status_text(), window.status_text()
        with Image.open(out) as img:
            assert img.mode == "RGB" and img.size == (64, 64)
            np.testing.assert_array_equal(np.asarray(img), expected)
            np.testing.assert_array_equal(np.asarray(img), p.image_view.displayed_array())


def test_stack_of_channels_first_frames_exports_the_frame_on_screen(qtbot, wait_idle, window: MainWindow,
                                                                    chw_file: Path, monkeypatch,
                                                                    tmp_path: Path) -> None:
    window.open_files([str(chw_file)], select="/nchw")
    wait_idle(window)
    p = window.preview
    assert p.view == "image"
    p.axes_bar.set_position(0, 2)
    wait_idle(window)
    out = tmp_path / "frame.png"
    export_to(qtbot, wait_idle, window, monkeypatch, window.actions_.export, out)
    with h5py.File(chw_file, "r", locking=False) as f, Image.open(out) as img:
        np.testing.assert_array_equal(np.asarray(img), np.moveaxis(f["nchw"][2], 0, -1))


def test_export_shown_image_on_a_log_scale_is_the_picture_on_screen(qtbot, wait_idle, window: MainWindow,
                                                                   monkeypatch, tmp_path: Path) -> None:
    path = tmp_path / "decades.h5"
    data = np.logspace(0, 4, 32 * 48).reshape(32, 48).astype(np.float32)
    with h5py.File(path, "w") as f:
        f["counts"] = data
    window.open_files([str(path)], select="/counts")
    wait_idle(window)
    iv = window.preview.image_view
    iv.log_check.setChecked(True)
    iv.hist.setLevels(1.0, 3.0)  # drawn from 10 to 1000 on a log scale
    wait_idle(window)
    out = tmp_path / "log.png"
    export_to(qtbot, wait_idle, window, monkeypatch, window.actions_.export_shown, out)
    expected = np.clip((np.log10(data) - 1.0) / 2.0 * 255.0, 0, 255)
    with Image.open(out) as img:
        got = np.asarray(img.convert("L")).astype(float)
    assert np.abs(got - expected).max() <= 1.5, "the picture is the log view, not a linear one"


def test_export_shown_image_of_complex_values_saves_the_part_on_screen(qtbot, wait_idle, window: MainWindow,
                                                                      monkeypatch, tmp_path: Path) -> None:
    path = tmp_path / "field.h5"
    z = (np.exp(1j * np.linspace(-3, 3, 24 * 32)).reshape(24, 32) * np.linspace(1, 5, 32)).astype(np.complex64)
    with h5py.File(path, "w") as f:
        f["field"] = z
    window.open_files([str(path)], select="/field")
    wait_idle(window)
    iv = window.preview.image_view
    iv.complex_combo.setCurrentText("phase")
    wait_idle(window)
    (lo, hi), _cmap = window.preview.shown_image_style()
    out = tmp_path / "phase.png"
    export_to(qtbot, wait_idle, window, monkeypatch, window.actions_.export_shown, out)
    expected = np.clip((np.angle(z) - lo) / (hi - lo) * 255, 0, 255)
    with Image.open(out) as img:
        got = np.asarray(img.convert("L")).astype(float)
    assert np.abs(got - expected).max() <= 1.5, "the phase on screen, not the amplitude"

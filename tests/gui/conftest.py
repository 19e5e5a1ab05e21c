"""GUI fixtures: a main window with its own settings file, and helpers to wait for the I/O process."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from gui_window import settings, window  # noqa: F401 (fixtures)

from h5gui.gui.main_window import MainWindow


@pytest.fixture
def wait_idle(qtbot):
    """``wait_idle(window)``: wait until no job, listing or reveal is pending."""

    def wait(window: MainWindow, timeout: int = 10000) -> None:
        qtbot.waitUntil(window.is_idle, timeout=timeout)

    return wait


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    """A small file with groups, datasets, attributes and links of every kind."""
    path = tmp_path / "small.h5"
    with h5py.File(path, "w", track_order=True) as f:
        img = f.create_dataset("images/rgb", data=np.zeros((32, 48, 3), "u1"))
        img.attrs["CLASS"] = np.bytes_("IMAGE")
        stack = f.create_dataset("mnist/images", data=np.arange(100 * 28 * 28, dtype="u4").reshape(100, 28, 28) % 256,
                                 chunks=(16, 28, 28), compression="gzip")
        stack.attrs["units"] = "counts"
        stack.attrs["scale"] = np.float32(0.5)
        f["mnist"].attrs["class_names"] = ["zero", "one"]
        f["signal"] = np.sin(np.arange(1000) / 10)
        f["scalar"] = 42
        f["latest"] = h5py.SoftLink("/mnist/images")
        f["broken"] = h5py.SoftLink("/nowhere")
        f["gone"] = h5py.ExternalLink("missing.h5", "/x")
        for name in ["run10", "run2", "run1"]:
            f.create_group(f"runs/{name}")
        f.attrs["title"] = "small test file"
    return path

"""The GUI process never imports h5py, hdf5plugin or Pillow (issue 16): every HDF5 job runs in the
supervised I/O process. Checked in a fresh process that does what a user does: open a file, select a
dataset of every preview kind, enable editing and edit an attribute."""

from __future__ import annotations

import io
from pathlib import Path

import h5py
import numpy as np
from gui_window import run_fresh_window
from PIL import Image

BODY = r"""
file = args[0]
shown = []
win.preview.shown.connect(shown.append)
win.open_files([file])
wait(lambda: win.is_idle() and file in win.session.files)
for path, view in (("/gray", "image"), ("/stack", "image"), ("/table", "table"), ("/signal", "plot"),
                   ("/note", "text"), ("/picture_png", "encoded")):
    del shown[:]
    win.select_path(file, path)
    wait(lambda: view in shown and win.is_idle())
    assert win.preview.view == view, (path, win.preview.view)
win.select_path(file, "/gray")
wait(win.is_idle)
win.actions_.enable_editing.trigger()
wait(lambda: win.is_idle() and file in win.session.writable)
win.attributes.set_value("units", "km")
wait(lambda: win.is_idle() and "units" in {a.name for a in win.attr_panel.model.attrs()})
"""


def png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def test_the_gui_process_never_imports_h5py_or_pillow(tmp_path: Path) -> None:
    path = tmp_path / "kinds.h5"
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        f["gray"] = rng.integers(0, 255, size=(40, 60), dtype=np.uint8)
        f.create_dataset("stack", data=rng.integers(0, 255, size=(6, 20, 30), dtype=np.uint8), chunks=(1, 20, 30))
        table = np.zeros(5, dtype=[("x", "f4"), ("name", "S8")])
        f["table"] = table
        f["signal"] = np.sin(np.arange(500) / 10.0)
        f["note"] = "a note"
        f["picture_png"] = np.frombuffer(png_bytes(rng.integers(0, 255, size=(8, 9, 3), dtype=np.uint8)), np.uint8)
    out = run_fresh_window(BODY, str(path), tmp=tmp_path, timeout=30.0)
    assert out["loaded"] == [], f"the GUI process imported {out['loaded']}"
    with h5py.File(path, "r", locking=False) as f:
        assert f["gray"].attrs["units"] == "km"

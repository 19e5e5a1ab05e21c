"""Bytes that are not UTF-8 and control characters are shown as escapes everywhere: the table showed
replacement glyphs (and a box for NUL) for a fixed-length string dataset, and the Attributes tab drew
NUL as a box after an escaped ``\\xff``."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.gui.main_window import MainWindow
from h5gui.gui.models.attr_model import VALUE_COL


def test_table_and_attributes_escape_what_is_not_text(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "b.h5"
    with h5py.File(path, "w") as f:
        f["raw"] = np.array([b"\xff\xfe\x00ab", b"ok", b"esc\x1b["], dtype="S6")
        f["raw"].attrs["bad"] = np.bytes_(b"\xff\x00abc")
    window.open_files([str(path)], select="/raw")
    wait_idle(window)
    tv = window.preview.table_view
    qtbot.waitUntil(lambda: tv.model.data(tv.model.index(1, 0)) == "ok", timeout=5000)
    assert tv.model.data(tv.model.index(0, 0)) == "\\xff\\xfe\\x00ab"
    assert tv.model.data(tv.model.index(2, 0)) == "esc\\x1b["
    model = window.attr_panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert model.data(model.index(0, VALUE_COL)) == "\\xff\\x00abc"


def test_info_value_escapes_once(qtbot, wait_idle, window: MainWindow, tmp_path: Path) -> None:
    """Info's Value of a small list of bytes read ['\\\\xff\\\\xfe\\\\x00ab', 'ok']: every escape doubled."""
    path = tmp_path / "v.h5"
    with h5py.File(path, "w") as f:
        f["raw"] = np.array([b"\xff\xfe\x00ab", b"ok"], dtype="S6")
    window.open_files([str(path)], select="/raw")
    wait_idle(window)
    qtbot.waitUntil(lambda: "Value" in window.info_panel.field_texts(), timeout=5000)
    assert window.info_panel.field_texts()["Value"] == "['\\xff\\xfe\\x00ab', 'ok']"

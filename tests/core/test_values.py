"""Editing dataset values as table cells: typed, refused when they do not fit, undoable."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from h5gui.core import values
from h5gui.core.errors import BadRequestError


@pytest.fixture
def f(tmp_path: Path) -> str:
    path = tmp_path / "v.h5"
    with h5py.File(path, "w") as h:
        h["u8"] = np.arange(20, dtype=np.uint8).reshape(4, 5)
        h["f"] = np.zeros(6)
        h["cube"] = np.zeros((3, 4, 5), np.int16)
        h["s"] = np.array([b"a", b"bb"], dtype="S4")
        t = np.zeros(3, dtype=[("x", "f4"), ("n", "i4")])
        h["table"] = t
    return str(path)


def read(path: str, name: str) -> np.ndarray:
    with h5py.File(path, "r") as h:
        return h[name][...]


def test_write_a_block_and_undo(f: str) -> None:
    edit = values.write_block(f, "/u8", 1, 2, [["100", "101"], ["102", "103"]])
    a = read(f, "/u8")
    assert a[1, 2] == 100 and a[2, 3] == 103 and a.dtype == np.uint8
    values.apply(edit.undo)
    np.testing.assert_array_equal(read(f, "/u8"), np.arange(20, dtype=np.uint8).reshape(4, 5))
    values.apply(edit.redo)
    assert read(f, "/u8")[2, 3] == 103


def test_refusals_write_nothing(f: str) -> None:
    with pytest.raises(BadRequestError, match="row 1, column 2: 300 does not fit in uint8"):
        values.write_block(f, "/u8", 0, 0, [["1", "300"]])
    with pytest.raises(BadRequestError, match="outside"):
        values.write_block(f, "/u8", 3, 4, [["1", "2"]])
    with pytest.raises(BadRequestError, match="paste a rectangle"):
        values.write_block(f, "/u8", 0, 0, [["1", "2"], ["3"]])
    np.testing.assert_array_equal(read(f, "/u8"), np.arange(20, dtype=np.uint8).reshape(4, 5))


def test_1d_nd_strings_and_compound(f: str) -> None:
    values.write_block(f, "/f", 2, 0, [["0.5"], ["1e-3"]])
    assert read(f, "/f")[2] == 0.5 and read(f, "/f")[3] == 1e-3
    values.write_block(f, "/cube", 1, 2, [["7"]], axes=(0, 2), index=(0, 3, 0))
    assert read(f, "/cube")[1, 3, 2] == 7
    values.write_block(f, "/cube", 0, 1, [["9"]], axes=(2, 1), index=(2, 0, 0))  # rows along axis 2
    assert read(f, "/cube")[2, 1, 0] == 9
    values.write_block(f, "/s", 1, 0, [["xyz"]])
    assert read(f, "/s")[1] == b"xyz"
    edit = values.write_block(f, "/table", 1, 0, [["2.5", "4"]])
    t = read(f, "/table")
    assert t["x"][1] == 2.5 and t["n"][1] == 4
    values.apply(edit.undo)
    assert read(f, "/table")["n"][1] == 0


def test_float_arrays_read_as_python_writes_them():
    """Info and Attributes showed small float arrays as numpy pads them ('[0.5 , 1.25, 3.  ]')."""
    import numpy as np

    from h5gui.core.formatting import value_text

    assert value_text(np.array([0.5, 1.25, 3.0])) == "[0.5, 1.25, 3.0]"
    assert " ".join(value_text(np.arange(6.0).reshape(2, 3)).split()) == "[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]"
    assert value_text(np.array([1e-9, np.nan], "f4")) == "[1e-09, nan]"  # float32's own shortest digits

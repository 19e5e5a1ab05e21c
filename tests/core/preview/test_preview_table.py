"""The table view: compound fields as columns, strings, enums, references, opaque and vlen cells,
N-D slices along any two axes, and blocks of a huge dataset read alone."""

from __future__ import annotations

import time

import numpy as np
import pytest

from h5gui.core import preview
from h5gui.core.errors import BadRequestError
from h5gui.core.preview import preview_info, read_table


def test_table_compound_fields_as_columns(h5):
    i = preview_info(h5, "/compound")
    assert preview.table_shape(i, None, ()) == (100, 4)
    b = read_table(h5, "/compound", 10, 3, 1, 3)
    assert b.columns == ("v", "label", "n") and (b.n_rows, b.n_cols) == (100, 4)
    assert b.cells == (("100.0", "row10", "10"), ("121.0", "row11", "11"), ("144.0", "row12", "12"))
    b = read_table(h5, "/compound", 98, 200, 0, 10)  # clipped
    assert len(b.cells) == 2 and len(b.cells[0]) == 4 and b.cells[1][0] == "49.5"


def test_table_strings_enum_refs_opaque_vlen(h5):
    assert read_table(h5, "/strings", 0, 5, 0, 1).cells == (("alpha",), ("gämma",), ("δ",))
    assert read_table(h5, "/bad_utf8", 0, 3, 0, 1).cells == (("ok",), ("\\xff\\xfebad",), ("café",))
    assert read_table(h5, "/enum", 0, 4, 0, 1).cells == (("RED",), ("BLUE",), ("GREEN",), ("7",))
    assert read_table(h5, "/refs", 0, 3, 0, 1).cells == (("/img2d",), ("/rgb",), ("(null reference)",))
    assert read_table(h5, "/regions", 0, 1, 0, 1).cells == (("/img2d[2:5, 10:20] (region)",),)
    assert read_table(h5, "/opaque", 0, 1, 0, 1).cells == (("00 01 02 03 04 05 06 07 08",),)
    cells = read_table(h5, "/vlen_int", 0, 2, 0, 1).cells
    assert cells[0] == ("[0, 1, 2]",) and "..." in cells[1][0]
    assert read_table(h5, "/enc_vlen", 0, 2, 0, 1).cells[0][0].startswith("PNG image (")
    assert read_table(h5, "/enc_fixed", 0, 2, 0, 1).cells[1][0].startswith("PNG image (")
    assert read_table(h5, "/scalar", 0, 1, 0, 1).cells == (("2.5",),)
    b = read_table(h5, "/line", 0, 2, 0, 1)
    assert b.columns == ("value",) and b.cells == (("0.0",), ("0.0100098",))


def test_table_nd_slices(h5):
    cube = np.arange(60).reshape(3, 4, 5)
    i = preview_info(h5, "/cube")
    assert i.table_axes == (1, 2) and preview.table_shape(i, None, ()) == (4, 5)
    assert preview.table_shape(i, (0, 2), (0, 1, 0)) == (3, 5)
    b = read_table(h5, "/cube", 0, 4, 0, 5, index=(2, 0, 0))
    assert b.cells == tuple(tuple(str(v) for v in row) for row in cube[2])
    assert b.columns == ("0", "1", "2", "3", "4")
    b = read_table(h5, "/cube", 1, 2, 0, 3, axes=(2, 0), index=(0, 3, 0))  # rows along axis 2, transposed
    assert b.cells == tuple(tuple(str(v) for v in row) for row in cube[:, 3, :].T[1:3, 0:3])
    assert (b.n_rows, b.n_cols) == (5, 3)


def test_table_large_dataset_reads_only_the_block(h5):
    i = preview_info(h5, "/huge_fill")
    assert preview.table_shape(i, None, ()) == (100_000, 100_000)
    t0 = time.perf_counter()
    b = read_table(h5, "/huge_fill", 50_000, 200, 99_990, 64)
    assert time.perf_counter() - t0 < 1.0
    assert len(b.cells) == 200 and len(b.cells[0]) == 10 and b.cells[0][0] == "7.0"
    with pytest.raises(BadRequestError, match="too large"):
        read_table(h5, "/huge_fill", 0, 10_000, 0, 1000)


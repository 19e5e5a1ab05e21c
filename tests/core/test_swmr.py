"""Files being written: SWMR files are read in SWMR mode; a mark left by a crashed writer is named
(issue 10 items 3 and 6)."""

from __future__ import annotations

import time

import h5py
import numpy as np
import pytest
from writers import STALLED_WRITER, SWMR_WRITER, start, stop

from h5gui.core import nodes, preview
from h5gui.core.errors import FileAccessError, OpenMarkError
from h5gui.core.h5 import files


def test_a_file_being_appended_by_a_swmr_writer_reads_and_grows(tmp_path):
    p = tmp_path / "live.h5"
    with h5py.File(p, "w", libver="latest") as f:
        f.create_dataset("x", shape=(0,), maxshape=(None,), dtype="i8", chunks=(64,))
    w = start(SWMR_WRITER, p)
    try:
        with pytest.raises(OSError, match="already open for write"):
            h5py.File(p, "r", locking=False)  # what every plain reader gets (22 of 23 reads in the issue)
        pool = files.HandlePool()
        with files.pool_scope(pool):
            first = nodes.describe(str(p), "/x").shape[0]
            time.sleep(0.3)
            second = nodes.describe(str(p), "/x").shape[0]
            assert second > first, "each job sees what was appended"
            info = preview.preview_info(str(p), "/x")
            assert info.shape[0] >= second
        assert len(pool) == 0, "a file being written is not kept open between jobs"
    finally:
        stop(w)


def test_a_live_plain_writer_and_a_crashed_one_are_told_apart(tmp_path):
    p = tmp_path / "v3.h5"
    with h5py.File(p, "w", libver="latest") as f:
        f["x"] = np.arange(5)
    w = start(STALLED_WRITER, p)
    try:
        with pytest.raises(FileAccessError, match="is open for writing in another program"):
            nodes.describe(str(p), "/")
    finally:
        stop(w)
    with pytest.raises(OpenMarkError, match="was not closed properly by the program that last wrote it") as exc:
        nodes.describe(str(p), "/")
    assert exc.value.exit_code == 2 and exc.value.file == str(p)

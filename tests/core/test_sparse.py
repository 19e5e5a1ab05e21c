"""Huge sparse datasets: reads planned from the written chunks, exports sized first (issue 10 item 5)."""

import time

import h5py
import numpy as np
import pytest

from h5gui.cli import main
from h5gui.core import export, preview, progress
from h5gui.core.errors import BadRequestError


@pytest.fixture(scope="module")
def sparse(tmp_path_factory):
    p = tmp_path_factory.mktemp("sparse") / "sparse.h5"
    with h5py.File(p, "w") as f:
        n = 10**12
        d = f.create_dataset("huge", shape=(n, n), dtype="f4", chunks=(64, 64), fillvalue=-1)
        d[0:64, 0:64] = 1
        d[n - 64:n, n - 64:n] = 2
        m = f.create_dataset("small", shape=(4096, 4096), dtype="f4", chunks=(64, 64), fillvalue=-1)
        m[0:64, 0:64] = np.arange(64 * 64, dtype="f4").reshape(64, 64)
        m[1000:1064, 3000:3064] = 5
        m[4032:, 4032:] = 7
    return p


def test_a_huge_sparse_image_is_read_from_its_written_chunks(sparse):
    t0 = time.monotonic()
    s = preview.read_image(str(sparse), "/huge", preview.ImageRequest(axes=(0, 1, None), index=()))
    assert time.monotonic() - t0 < 5, "it ran for minutes: the read walked the row span"
    assert s.data[0, 0] == 1 and (s.data[1:, 1:] == -1).all()
    assert "2 chunks of " in s.note and " written, the rest fill value" in s.note


def test_the_sparse_plan_gives_the_same_pixels_as_a_plain_strided_read(sparse):
    req = preview.ImageRequest(axes=(0, 1, None), index=(), max_pixels=256 * 256)
    s = preview.read_image(str(sparse), "/small", req)
    with h5py.File(sparse, "r") as f:
        expected = f["small"][:: s.step[0], :: s.step[1]]
    np.testing.assert_array_equal(s.data, expected)


def test_cli_show_answers_and_export_refuses_at_once(sparse, capsys, tmp_path):
    t0 = time.monotonic()
    assert main(["show", str(sparse), "/huge"]) == 0
    assert "64x64 float32" in capsys.readouterr().out and time.monotonic() - t0 < 10
    with pytest.raises(BadRequestError, match=r"needs .* and the disk holding .* has .* free"):
        progress.run(export.export(str(sparse), "/huge", str(tmp_path / "x.npy")))
    assert not list(tmp_path.iterdir())


def test_a_plane_in_one_written_chunk_has_no_fill_value_note(tmp_path):
    """A plane held whole in one written chunk is not called sparse."""
    p = tmp_path / "one.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("x", data=np.arange(4 * 300 * 300, dtype="f4").reshape(4, 300, 300), chunks=(4, 300, 300))
    s = preview.read_image(str(p), "/x", preview.ImageRequest(axes=(1, 2, None), index=(0,)))
    assert "fill value" not in s.note and s.data[0, 1] == 1

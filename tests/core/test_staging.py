"""New files are claimed under ``NAME.partial`` before anything is written (issue 10 item 2)."""

from __future__ import annotations

import subprocess
import sys

import h5py
import numpy as np
import pytest

from h5gui.core import export, progress, structure
from h5gui.core.errors import FileAccessError
from h5gui.core.h5 import staging


def test_a_claim_refuses_a_second_writer_and_only_its_owner_removes_the_file(tmp_path):
    final = tmp_path / "out.h5"
    with staging.PartialFile(final) as first:
        with pytest.raises(FileAccessError, match="being written by another h5gui run"):
            staging.PartialFile(final).claim()
        assert (tmp_path / "out.h5.partial").exists(), "the refused claim left the first one's file alone"
        assert staging.leftover_of(final) is None, "a held claim is not a leftover"
        (tmp_path / "out.h5.partial").write_bytes(b"content")
        first.publish()
    assert final.read_bytes() == b"content" and not (tmp_path / "out.h5.partial").exists()


def test_a_claim_held_by_another_process_is_respected(tmp_path):
    final = tmp_path / "x.npy"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time\nfrom h5gui.core.h5 import staging\n"
         f"c = staging.PartialFile({str(final)!r}); c.claim(); print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(FileAccessError, match="another h5gui run"):
            progress.run(export.export(str(_small(tmp_path)), "/d", str(final)))
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    # the holder died: its file is now a leftover, named with its size and age, and kept
    assert "left over from an interrupted run (0 bytes" in staging.leftover_of(final)
    with pytest.raises(FileAccessError, match="left over"):
        progress.run(export.export(str(_small(tmp_path)), "/d", str(final)))
    assert (tmp_path / "x.npy.partial").exists()


def _small(tmp_path):
    p = tmp_path / "small.h5"
    if not p.exists():
        with h5py.File(p, "w") as f:
            f["d"] = np.arange(10)
    return p


def test_export_hdf5_and_compact_claim_their_partial_file(tmp_path):
    src = _small(tmp_path)
    out = tmp_path / "copy.h5"
    with staging.PartialFile(out):
        with pytest.raises(FileAccessError, match="another h5gui run"):
            progress.run(structure.export_hdf5(str(src), "/", str(out)))
    progress.run(structure.export_hdf5(str(src), "/", str(out)))
    with h5py.File(out, "r") as f:
        assert f["d"][()].tolist() == list(range(10))
    packed = tmp_path / "packed.h5"
    progress.run(structure.compact(str(src), str(packed)))
    assert packed.exists() and not (tmp_path / "packed.h5.partial").exists()

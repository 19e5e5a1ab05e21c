"""kill -9 in the middle of a write leaves the file as it was (issue 10 item 3, issue 16 item 3): the
edit went through the undo journal, and the next open rolls it back and says so."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest


def _digest(p) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize("libver", ["earliest", "latest"], ids=["v0", "v3"])
def test_a_killed_transform_replace_leaves_the_prior_bytes(tmp_path, libver):
    p = tmp_path / "data.h5"
    with h5py.File(p, "w", libver=libver) as f:
        f.create_dataset("images", data=np.random.default_rng(0).integers(0, 255, (1500, 256, 256), dtype="u1"),
                         chunks=(16, 256, 256))
        f.attrs["title"] = "before"
    before = _digest(p)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "h5gui.cli", "transform", str(p), "/images", "--replace",
                             "--dtype", "float32", "--normalize", "scale:255"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    journal = p.with_name(p.name + ".h5gui-journal")
    deadline = time.monotonic() + 60
    while not journal.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # well inside the write
    assert proc.poll() is None, "the transform finished before it could be killed: make the data bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert journal.exists(), "killed while editing: the journal is left for the next open"
    r = subprocess.run([sys.executable, "-m", "h5gui.cli", "ls", str(p)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "images" in r.stdout
    assert "interrupted" in r.stderr.lower() or "rolled back" in r.stderr.lower(), r.stderr
    assert not journal.exists() and _digest(p) == before
    with h5py.File(p, "r") as f:  # plain h5py too (a v3 file is not left marked "open for writing")
        assert f["images"].dtype == np.uint8 and f.attrs["title"] == "before"

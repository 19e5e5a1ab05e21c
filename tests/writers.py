"""Other programs writing an HDF5 file, for the tests of files being written (SWMR, a live writer, a crashed
one): scripts run in a subprocess, started once they are ready (importable as ``from writers import ...``;
no Qt)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# opens the file read-write, writes an attribute, says "ready" and waits (killed: the file stays marked
# "open for writing" when it is superblock v3)
STALLED_WRITER = """
import h5py, sys, time
f = h5py.File(sys.argv[1], "r+")
f.attrs["b"] = 2
f.flush()
print("ready", flush=True)
time.sleep(60)
"""

# appends to the 1-D resizable dataset /x in SWMR mode, one value every 10 ms
SWMR_WRITER = """
import h5py, sys, time
f = h5py.File(sys.argv[1], "a", libver="latest")
f.swmr_mode = True
d = f["x"]
print("ready", flush=True)
for i in range(100000):
    d.resize((i + 1,))
    d[i] = i
    d.flush()
    time.sleep(0.01)
"""


def start(script: str, path: Path | str) -> subprocess.Popen:
    """Run ``script`` on ``path`` in another process; return once it says it is ready."""
    w = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
    assert w.stdout is not None and w.stdout.readline().strip() == "ready"
    return w


def stop(w: subprocess.Popen) -> None:
    """Kill the writer (as a crash would) and reap it."""
    w.kill()
    w.wait()
    if w.stdout is not None:
        w.stdout.close()

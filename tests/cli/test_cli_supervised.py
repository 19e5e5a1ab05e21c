"""The CLI reads through the supervised reader process: a file that crashes or hangs libhdf5 costs one
line for that object and exit code 5, and the rest goes on (issue 16 item 5)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from corpus import DEMO_CRASH, DEMO_HANG, patched

from h5gui.core import demo

CLI = [sys.executable, "-m", "h5gui.cli"]


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    data = demo.make_demo(folder / "demo.h5").read_bytes()
    (folder / "crash.h5").write_bytes(patched(data, [DEMO_CRASH[0]]))
    (folder / "hang.h5").write_bytes(patched(data, [DEMO_HANG[0]]))
    return folder


def _cli(*args, timeout=60):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_a_crash_is_one_line_and_exit_code_5(bad):
    r = _cli("info", bad / "crash.h5", "/images/rgb")
    assert r.returncode == 5 and r.stdout == ""
    assert r.stderr.splitlines() == [
        "h5gui-cli: error: libhdf5 crashed describing /images/rgb in crash.h5 (signal 11); h5gui restarted its reader"]
    r = _cli("info", bad / "crash.h5", "/images/gray")  # the rest of the file is fine
    assert r.returncode == 0 and "dataset" in r.stdout


def test_a_hang_ends_at_the_deadline(bad):
    t0 = time.monotonic()
    r = _cli("attrs", bad / "hang.h5", "/mnist/images", "--deadline", "1.5")
    assert r.returncode == 5 and time.monotonic() - t0 < 15
    assert "listing attributes of /mnist/images in hang.h5 did not finish in 1.5 s" in r.stderr
    assert len(r.stderr.splitlines()) == 1


def test_in_process_is_at_the_mercy_of_libhdf5(bad):
    """The reason for the default: the same read in this process dies with the signal."""
    r = _cli("info", bad / "crash.h5", "/images/rgb", "--in-process")
    assert r.returncode < 0 or r.returncode >= 128, (r.returncode, r.stderr[-200:])


@pytest.fixture
def damaged_group(tmp_path):
    """/g's local heap (the names of its members, in an old-style group) with its signature broken: libhdf5
    raises an error for /g, not a crash; the root and /top are fine."""
    import h5py
    import numpy as np

    p = tmp_path / "heap.h5"
    with h5py.File(p, "w") as f:
        g = f.create_group("g")
        g["a"], g["b"] = np.arange(3), np.arange(4)
        f["top"] = np.arange(5)
    data = bytearray(p.read_bytes())
    at = [i for i in range(len(data) - 3) if data[i : i + 4] == b"HEAP"]
    assert len(at) == 2  # the root's heap, then /g's
    data[at[1] : at[1] + 4] = b"XEAP"
    p.write_bytes(bytes(data))
    return p


@pytest.mark.parametrize("where", [[], ["--in-process"]])
def test_a_damaged_group_is_named_in_one_line_and_the_walk_goes_on(damaged_group, where):
    # was "Unexpected error: Link iteration failed (bad local heap signature)" ("unexpected RuntimeError"
    # in-process), and ls -r listed nothing
    r = _cli("ls", *where, damaged_group, "/g")
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.splitlines() == ["h5gui-cli: error: listing /g in heap.h5 failed: bad local heap signature "
                                     "(libhdf5: the file may be damaged)"]
    r = _cli("ls", "-r", *where, damaged_group)
    assert r.returncode != 0
    assert [line.split()[0] for line in r.stdout.splitlines()] == ["/g", "/top"]
    assert r.stderr.splitlines() == ["h5gui-cli: error: listing /g in heap.h5 failed: bad local heap signature "
                                     "(libhdf5: the file may be damaged)"]

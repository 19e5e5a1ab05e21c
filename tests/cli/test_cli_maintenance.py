"""A crashed writer's "open for writing" mark and leftovers of interrupted writes: named, read past, cleared
or removed on request (issue 10 items 3 and 7)."""

from __future__ import annotations

import hashlib

import h5py
import numpy as np
from clitools import run
from writers import STALLED_WRITER, start, stop


def _marked(tmp_path):
    p = tmp_path / "marked.h5"
    with h5py.File(p, "w", libver="latest") as f:
        f["x"] = np.arange(5)
    stop(start(STALLED_WRITER, p))
    return p


def test_a_mark_left_by_a_crashed_writer_is_named_read_past_and_cleared(tmp_path, capsys):
    p = _marked(tmp_path)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    code, out, err = run(capsys, "ls", p)
    assert code == 2 and len(err.splitlines()) == 1
    assert "was not closed properly" in err and "--read-past-mark" in err and "clear-mark" in err
    code, out, err = run(capsys, "ls", p, "--read-past-mark")
    assert code == 0 and out.split()[0] == "x", err
    assert hashlib.sha256(p.read_bytes()).hexdigest() == digest, "reading past the mark changes nothing"
    code, out, _ = run(capsys, "clear-mark", p)
    assert code == 0 and "cleared" in out
    with h5py.File(p, "r") as f:  # every reader opens it again
        assert f["x"][()].tolist() == [0, 1, 2, 3, 4]


def test_leftovers_are_listed_and_removed_on_request(tmp_path, capsys):
    p = tmp_path / "f.h5"
    with h5py.File(p, "w") as f:
        f["keep"] = np.arange(3)
        f.create_group(".h5gui-import-1-ab")["images"] = np.zeros((10, 10), dtype="u1")
    code, out, _ = run(capsys, "clean", p)
    assert code == 0 and "/.h5gui-import-1-ab" in out and "100 bytes" in out
    code, out, _ = run(capsys, "clean", p, "--remove")
    assert code == 0 and "removed 1 leftover" in out
    code, out, _ = run(capsys, "clean", p)
    assert code == 1 and "no leftovers" in out
    with h5py.File(p, "r") as f:
        assert list(f) == ["keep"]


def test_ls_and_the_next_import_say_that_leftovers_are_there(tmp_path, capsys):
    """Issue 10 item 7: a killed import's group is named by ``ls`` and by the next import into the file."""
    from PIL import Image

    p = tmp_path / "f.h5"
    with h5py.File(p, "w") as f:
        f["x"] = np.arange(3)
        f.create_group("/.h5gui-import-4242-deadbeef").create_dataset("images", data=np.zeros((4, 8, 8), "u1"))
    code, out, err = run(capsys, "ls", p)
    assert code == 0 and ".h5gui-import-4242-deadbeef" in out
    assert "1 leftover(s) of interrupted h5gui writes" in err and "clean" in err and "--remove" in err
    code, out, err = run(capsys, "ls", p, "/.h5gui-import-4242-deadbeef")  # inside it: nothing more to say
    assert code == 0 and "leftover" not in err
    pics = tmp_path / "pics"
    pics.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8), i * 40, dtype=np.uint8)).save(pics / f"{i}.png")
    code, out, err = run(capsys, "import-images", pics, p, "--group", "new")
    assert code == 0, err
    assert "leftover(s) of interrupted h5gui writes (/.h5gui-import-4242-deadbeef)" in out + err
    with h5py.File(p, "r") as f:  # kept: removing is the user's call
        assert "/.h5gui-import-4242-deadbeef" in f and f["new/images"].shape[0] == 3

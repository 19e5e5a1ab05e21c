"""``h5gui-cli`` mkgroup, rm, mv, cp, export, compact, find, snippet: outputs, files read back, one-line
errors with exit codes, and a copy killed by Ctrl-C that leaves nothing behind."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import clitools
import h5py
import numpy as np
import pytest
from clitools import run
from PIL import Image

one_error = functools.partial(clitools.one_error, progress=True)


@pytest.fixture
def h5(tmp_path: Path) -> Path:
    p = tmp_path / "cli.h5"
    with h5py.File(p, "w", track_order=True) as f:
        f["big"] = np.zeros((500, 500))  # first: deleting it leaves a hole (space at the end would be cut off)
        g = f.create_group("g", track_order=True)
        g.create_dataset("data", data=np.arange(20_000, dtype="f4").reshape(200, 100), chunks=(20, 100),
                         compression="gzip")
        g["data"].attrs["unit"] = "K"
        g["stack"] = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
        g["link"] = h5py.SoftLink("/g/data")
        f.create_group("other")
    return p


def test_mkgroup_mv_rm(h5, capsys):
    code, out, err = run(capsys, "mkgroup", h5, "/a/b/c")
    assert (code, err) == (0, "") and out == f"created group /a/b/c in {h5}\n"
    code, out, err = run(capsys, "mv", h5, "/g/link", "/a/b/")
    assert code == 0 and out.strip() == f"moved /g/link to /a/b/link in {h5}"
    code, out, err = run(capsys, "mv", h5, "/a", "/renamed")
    assert code == 0
    with h5py.File(h5) as f:
        assert f.get("renamed/b/link", getlink=True).path == "/g/data" and "c" in f["renamed/b"]
    code, out, err = run(capsys, "rm", h5, "/big")
    assert code == 0 and out.startswith("Deleted dataset /big; 1.9 MiB freed inside the file")
    assert f"h5gui-cli compact {h5}" in out
    code, out, err = run(capsys, "rm", h5, "/renamed", "--json")
    data = json.loads(out)
    assert code == 0 and data["kind"] == "group" and data["path"] == "/renamed"
    with h5py.File(h5) as f:
        assert sorted(f) == ["g", "other"]


def test_errors_are_one_line_with_exit_codes(h5, tmp_path, capsys):
    code, out, err = run(capsys, "mkgroup", h5, "/g")
    assert code == 2 and out == ""
    one_error(err, "/g", "already exists")
    code, _, err = run(capsys, "rm", h5, "/nothing")
    assert code == 3
    one_error(err, "/nothing")
    code, _, err = run(capsys, "mv", h5, "/g", "/g/inside")
    assert code == 2
    one_error(err, "into itself")
    code, _, err = run(capsys, "cp", h5, "/g", tmp_path / "missing.h5", "/g")
    assert code == 2
    one_error(err, "missing.h5")
    code, _, err = run(capsys, "export", h5, "/g/stack", tmp_path / "x.png")
    assert code == 2
    one_error(err, "not an image", "--index")
    code, _, err = run(capsys, "find", h5, "(", "--regex")
    assert code == 2
    one_error(err, "regular expression")


def test_cp_within_and_across_files(h5, tmp_path, capsys):
    code, out, err = run(capsys, "cp", h5, "/g", h5, "/other/", "-q")
    assert code == 0 and err == "" and out.startswith(f"copied /g to {h5}:/other/g (3 object(s), 1 link(s),")
    dest = tmp_path / "dest.h5"
    with h5py.File(dest, "w"):
        pass
    code, out, err = run(capsys, "cp", h5, "/g", dest, "/copies/g", "--parents", "--json", "-q")
    report = json.loads(out)
    assert code == 0 and report["dest_path"] == "/copies/g" and report["datasets"] == 2
    with h5py.File(h5) as s, h5py.File(dest) as d:
        for f, path in ((s, "/other/g"), (d, "/copies/g")):
            assert f[path]["data"].compression == "gzip" and f[path]["data"].chunks == (20, 100)
            assert np.array_equal(f[path]["data"][()], s["g/data"][()]) and f[path]["data"].attrs["unit"] == "K"
            assert f[path].get("link", getlink=True).path == "/g/data"
    code, _, err = run(capsys, "cp", h5, "/g", dest, "/copies/g", "-q")
    assert code == 2
    one_error(err, "already exists")


def test_export_formats(h5, tmp_path, capsys):
    code, out, err = run(capsys, "export", h5, "/g/data", tmp_path / "d.npy", "-q")
    assert code == 0 and out.startswith(f"wrote {tmp_path / 'd.npy'}: npy, 200 x 100 float32")
    assert np.load(tmp_path / "d.npy").shape == (200, 100)
    code, out, err = run(capsys, "export", h5, "/g/stack", tmp_path / "f1.png", "--index", "1", "-q")
    assert code == 0
    with Image.open(tmp_path / "f1.png") as img:
        assert np.array_equal(np.asarray(img), np.arange(60, dtype=np.uint8).reshape(3, 4, 5)[1])
    code, out, err = run(capsys, "export", h5, "/g/data", tmp_path / "v.png", "--levels", "auto",
                         "--colormap", "viridis", "-q")
    assert code == 0 and "colormap viridis" in out
    code, out, err = run(capsys, "export", h5, "/g/stack", tmp_path / "frames", "--format", "tif", "-q", "--json")
    report = json.loads(out)
    assert code == 0 and report["count"] == 3 and report["format"] == "folder"
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == ["stack_0000.tif", "stack_0001.tif",
                                                                       "stack_0002.tif"]
    code, out, err = run(capsys, "export", h5, "/g/data", tmp_path / "d.csv", "--index", "3", "-q")
    assert code == 0 and (tmp_path / "d.csv").read_text().startswith("300.0\n301.0\n")
    code, out, err = run(capsys, "export", h5, "/g", tmp_path / "g.h5", "-q")
    assert code == 0
    with h5py.File(tmp_path / "g.h5") as f:
        assert sorted(f) == ["data", "link", "stack"]
    code, _, err = run(capsys, "export", h5, "/g/data", tmp_path / "d.npy", "-q")
    assert code == 2
    one_error(err, "exists")
    code, _, err = run(capsys, "export", h5, "/g/data", tmp_path / "d.npy", "--force", "-q")
    assert code == 0


def test_compact_in_place_and_to_a_new_file(h5, tmp_path, capsys):
    run(capsys, "rm", h5, "/big")
    size = h5.stat().st_size
    code, out, err = run(capsys, "compact", h5, tmp_path / "small.h5", "-q")
    assert code == 0 and out.startswith(f"compacted {h5} -> {tmp_path / 'small.h5'}")
    assert (tmp_path / "small.h5").stat().st_size < size // 2 and h5.stat().st_size == size
    code, out, err = run(capsys, "compact", h5, "--json", "-q")
    report = json.loads(out)
    assert code == 0 and report["out"] == str(h5) and report["size_after"] < size // 2
    with h5py.File(h5) as f:
        assert np.array_equal(f["g/data"][()], np.arange(20_000, dtype="f4").reshape(200, 100))
    code, _, err = run(capsys, "compact", h5, tmp_path / "small.h5")
    assert code == 2
    one_error(err, "exists")


def test_find_streams_results(h5, capsys):
    code, out, err = run(capsys, "find", h5, "a")
    assert code == 0 and out.splitlines() == ["/g/data (dataset)", "/g/stack (dataset)"]
    code, out, err = run(capsys, "find", h5, "l*", "--glob")
    assert out.splitlines() == ["/g/link (soft link)"]
    code, out, err = run(capsys, "find", h5, "^K$", "--regex", "--attrs", "--json")
    hits = json.loads(out)
    assert code == 0 and [(h["path"], h["match"], h["attr"]) for h in hits] == [("/g/data", "attr_value", "unit")]
    code, out, err = run(capsys, "find", h5, "zzz")
    assert (code, out, err) == (1, "", "")


def test_snippet(h5, capsys):
    code, out, err = run(capsys, "snippet", h5, "/g/data")
    assert code == 0 and "import h5py" in out
    ns: dict = {"__name__": "snippet"}
    exec(compile(out, "<snippet>", "exec"), ns)
    assert np.array_equal(ns["data"], np.arange(20_000, dtype="f4").reshape(200, 100))
    code, out, err = run(capsys, "snippet", h5, "/g/stack", "--torch")
    assert code == 0 and "class StackDataset(Dataset)" in out
    compile(out, "<torch snippet>", "exec")


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in ("mkgroup", "rm", "mv", "cp", "export", "compact", "find", "snippet"):
        assert name in out


def test_ctrl_c_during_a_copy_leaves_nothing(tmp_path):
    """A copy interrupted by SIGINT: exit 130, the destination has no partial object."""
    src, dest = tmp_path / "src.h5", tmp_path / "dest.h5"
    with h5py.File(src, "w") as f:
        for i in range(5):
            f.create_dataset(f"d{i}", data=np.random.default_rng(i).random((200, 1000)), chunks=(20, 1000))
    with h5py.File(dest, "w"):
        pass
    code = textwrap.dedent(
        """
        import os, signal, sys
        from h5gui.cli import main
        from h5gui.core import structure
        structure.BIG_COPY_BYTES = 1000  # chunk by chunk
        real = structure._Copier._chunks
        def interrupted(self, *a):
            yield from real(self, *a)
            os.kill(os.getpid(), signal.SIGINT)
        structure._Copier._chunks = interrupted
        sys.exit(main(sys.argv[1:]))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code, "cp", str(src), "/", str(dest), "/copy", "-q"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130, proc.stderr
    assert "interrupted" in proc.stderr and "Traceback" not in proc.stderr
    with h5py.File(dest) as f:
        assert list(f) == []


def test_registered_in_a_real_process(h5):
    proc = subprocess.run([sys.executable, "-m", "h5gui.cli", "find", str(h5), "stack"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "/g/stack (dataset)\n"


def test_export_picture_on_chosen_axes(tmp_path, capsys):
    """``--axes`` writes the plane the preview shows (issue 12 defect 6): here a channels-first frame."""
    p = tmp_path / "chw.h5"
    nchw = np.random.default_rng(2).integers(0, 256, (2, 3, 8, 9), dtype=np.uint8)
    with h5py.File(p, "w") as f:
        f["nchw"] = nchw
    code, out, err = run(capsys, "export", p, "/nchw", tmp_path / "f.png", "--axes", "2,3,1", "--index", "1,0,0,0",
                         "-q")
    assert code == 0, err
    assert "8 x 9 x 3 uint8" in out
    with Image.open(tmp_path / "f.png") as img:
        np.testing.assert_array_equal(np.asarray(img), np.moveaxis(nchw[1], 0, -1))
    code, out, err = run(capsys, "export", p, "/nchw", tmp_path / "g.png", "--axes", "2 3")
    assert code == 2
    one_error(err, "--axes")


def test_ls_sizes_lists_each_datasets_size_on_disk(tmp_path, capsys):
    """``ls --sizes``: the member table the GUI shows for a group."""
    p = tmp_path / "s.h5"
    with h5py.File(p, "w") as f:
        f["g/a"] = np.zeros(256, "u1")
        f.create_group("g/sub")
    code, out, err = run(capsys, "ls", p, "/g", "--sizes")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["a", "dataset", "256", "uint8"] and lines[0].endswith("256 bytes")
    assert lines[1].split()[:2] == ["sub", "group"]
    code, out, err = run(capsys, "ls", p, "/g", "--sizes", "--json")
    rows = json.loads(out)
    assert rows[0]["storage"] == 256 and rows[1]["storage"] is None

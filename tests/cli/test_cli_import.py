"""``h5gui-cli import-images``: report, dry run, JSON, exit codes, progress line, and a killed import."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import clitools
import h5py
import numpy as np
import psutil
import pytest
from clitools import run
from PIL import Image

from h5gui.cli import main

MANY = 1500
RUN_CLI = [sys.executable, "-m", "h5gui.cli"]


one_error = functools.partial(clitools.one_error, progress=True)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "cats").mkdir(parents=True)
    (root / "dogs").mkdir()
    rng = np.random.default_rng(0)
    for folder in ("cats", "dogs"):
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)).save(root / folder / f"{i}.png")
    (root / "cats" / "notes.txt").write_text("not a picture")
    return root


def test_import_prints_the_report(src, tmp_path, capsys):
    target = tmp_path / "out.h5"
    code, out, err = run(capsys, "import-images", src, target, "--layout", "stack", "--quiet")
    assert code == 0 and err == ""
    assert out.startswith(f"Imported 6 image(s) into {target}:/ (stack)")
    assert "cats/notes.txt: not an image" in out and "  /cats/images" in out
    with h5py.File(target) as f:
        assert f["cats/images"].shape == (3, 6, 8, 3) and f["dogs/images"].shape == (3, 6, 8, 3)


def test_json_report_and_options(src, tmp_path, capsys):
    target = tmp_path / "out.h5"
    code, out, _ = run(capsys, "import-images", src, target, "--mode", "L", "--resize", "4x2", "--compression",
                       "gzip:6", "--workers", "2", "--json", "--quiet")
    report = json.loads(out)
    assert code == 0 and report["n_imported"] == 6 and report["skipped"] == [["cats/notes.txt", "not an image"]]
    assert report["layout"] == "classes"  # two class-like folders of one size
    with h5py.File(target) as f:
        assert f["images"].shape == (6, 2, 4) and f["images"].compression_opts == 6
        assert list(f["labels"][()]) == [0, 0, 0, 1, 1, 1]
        options = json.loads(f.attrs["import_options"])
        assert options["resize"] == [4, 2] and options["workers"] == 2


def test_dry_run_writes_nothing(src, tmp_path, capsys):
    target = tmp_path / "out.h5"
    code, out, _ = run(capsys, "import-images", src, target, "--dry-run", "--layout", "encoded")
    assert code == 0 and not target.exists()
    assert "Layout:    encoded" in out and "/cats/images  3  vlen uint8" in out
    code, out, _ = run(capsys, "import-images", src, target, "--dry-run", "--json")
    plan = json.loads(out)["plan"]
    assert plan["layout"] == "classes" and plan["n_images"] == 6 and not target.exists()
    assert {"path": "/images", "shape": [6, 6, 8, 3], "dtype": "uint8"} in plan["datasets"]


def test_invalid_target_and_options_exit_2(src, tmp_path, capsys):
    (tmp_path / "text.h5").write_text("plain text")
    code, _, err = run(capsys, "import-images", src, tmp_path / "text.h5", "--group", "g", "-q")
    assert code == 2
    one_error(err, "not an HDF5 file")
    with h5py.File(tmp_path / "e.h5", "w") as f:
        f.create_group("taken")
    code, _, err = run(capsys, "import-images", src, tmp_path / "e.h5", "--group", "taken", "-q")
    assert code == 2
    one_error(err, "/taken already exists")
    code, _, err = run(capsys, "import-images", src, tmp_path / "o.h5", "--resize", "big", "-q")
    assert code == 2
    one_error(err, "--resize needs WIDTHxHEIGHT")
    code, _, err = run(capsys, "import-images", tmp_path / "missing", tmp_path / "o.h5", "-q")
    assert code == 2
    one_error(err, "No such folder")
    assert not (tmp_path / "o.h5").exists()


def test_nothing_imported_exits_1(tmp_path, capsys):
    root = tmp_path / "bad"
    root.mkdir()
    (root / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    (root / "b.txt").write_text("x")
    code, out, err = run(capsys, "import-images", root, tmp_path / "o.h5", "-q")
    assert code == 2
    assert "a.png: corrupt PNG data (unreadable header)" in out and "b.txt: not an image" in out
    one_error(err, "no images in")
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (20, 20), dtype=np.uint8)).save(root / "c.png")
    (root / "c.png").write_bytes((root / "c.png").read_bytes()[:200])  # header fine, pixels cut
    code, out, err = run(capsys, "import-images", root, tmp_path / "o.h5", "-q")
    assert code == 1 and "Nothing imported" in out and "c.png: truncated PNG data" in out
    assert not (tmp_path / "o.h5").exists()


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 noisy 128x128 BMPs: 1-3 s to import with gzip level 9 (the noise does not compress)."""
    root = tmp_path_factory.mktemp("many")
    rng = np.random.default_rng(0)
    for i in range(MANY):
        Image.fromarray(rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)).save(root / f"{i:04d}.bmp")
    return root


def test_progress_line_on_stderr(many, tmp_path):
    proc = subprocess.run(
        [*RUN_CLI, "import-images", str(many), str(tmp_path / "o.h5"), "--compression", "gzip:9",
         "--workers", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("Importing:")]
    assert lines and f"/ {MANY:,} images" in lines[0] and "images/s" in lines[-1], proc.stderr
    assert "\r" not in proc.stderr, "not a terminal: one line at a time"
    assert proc.stdout.startswith(f"Imported {MANY:,} image(s)")


@pytest.mark.skipif(os.name != "posix", reason="kill -9")
def test_killed_import_leaves_an_existing_file_readable(many, tmp_path):
    src = many
    target = tmp_path / "existing.h5"
    with h5py.File(target, "w") as f:
        f["old/data"] = np.arange(1000)
        f["old"].attrs["note"] = "earlier content"
        f.create_dataset("old/images", data=np.ones((4, 8, 8), np.uint8), chunks=(1, 8, 8), compression="gzip")
    proc = subprocess.Popen(
        [*RUN_CLI, "import-images", str(src), str(target), "--group", "new",
         "--compression", "gzip:9", "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            if line.startswith("Importing:"):  # the first progress line of the import itself
                break
        assert proc.poll() is None, "the import ended before it could be killed"
        helpers = psutil.Process(proc.pid).children(recursive=True)  # fork server, decoder, resource tracker
        assert helpers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        # the decoder notices that its parent died and ends; the fork server and the tracker follow
        gone, alive = psutil.wait_procs(helpers, timeout=10)
        assert not alive, f"orphaned helper processes: {alive}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    with h5py.File(target, "r") as f:
        np.testing.assert_array_equal(f["old/data"][()], np.arange(1000))
        assert f["old"].attrs["note"] == "earlier content"
        np.testing.assert_array_equal(f["old/images"][()], np.ones((4, 8, 8), np.uint8))
        assert "new" not in f  # unfinished: at most a temporary group
        assert all(n in ("old",) or n.startswith(".h5gui-import-") for n in f)


def test_a_folder_linked_from_outside_the_source_is_named_in_the_plan_and_the_report(tmp_path, capsys):
    """Issue 10 item 10: the import follows a directory symlink out of the source folder, and says so."""
    from PIL import Image

    outside = tmp_path / "elsewhere" / "dogs"
    outside.mkdir(parents=True)
    src = tmp_path / "pics"
    (src / "cats").mkdir(parents=True)
    for folder in (outside, src / "cats"):
        for i in range(2):
            Image.fromarray(np.full((8, 8), i * 60, dtype=np.uint8)).save(folder / f"{i}.png")
    (src / "dogs").symlink_to(outside, target_is_directory=True)
    (src / "cats_again").symlink_to(src / "cats", target_is_directory=True)  # inside: nothing to say
    code = main(["import-images", str(src), str(tmp_path / "out.h5"), "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"1 folder(s) are symbolic links out of the source folder and are imported too (dogs/ -> {outside})" in out
    code = main(["import-images", str(src), str(tmp_path / "out.h5")])
    out, err = capsys.readouterr()
    assert code == 0 and "dogs/ ->" in out, err

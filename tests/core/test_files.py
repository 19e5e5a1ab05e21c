"""Opening files: clear one-line errors for bad input, read-only without locking, the handle pool."""

import os
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

from h5gui.core.errors import FileAccessError, H5GuiError
from h5gui.core.h5 import files, links


def _open_error(path) -> FileAccessError:
    with pytest.raises(FileAccessError) as info:
        with files.open_file(path):
            pass
    err = info.value
    assert "\n" not in str(err)
    assert err.exit_code != 0
    return err


def test_missing_file_is_named(sample):
    err = _open_error(sample.missing)
    assert str(err) == f"No such file: {sample.missing}"


def test_not_hdf5_file(sample):
    err = _open_error(sample.not_hdf5)
    assert str(sample.not_hdf5) in str(err) and "not an HDF5 file" in str(err)


def test_empty_file(sample):
    err = _open_error(sample.empty)
    assert str(sample.empty) in str(err) and "empty (0 bytes)" in str(err)


def test_truncated_file_says_how_much_is_there(sample):
    err = _open_error(sample.truncated)
    size = sample.truncated.stat().st_size
    full = sample.h5.stat().st_size
    assert str(err) == f"{sample.truncated} is truncated or incomplete: {size:,} of {full:,} bytes present"


def test_folder_is_not_a_file(sample):
    err = _open_error(sample.root)
    assert "is a folder" in str(err)


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        # root reads files whatever their mode, and a subprocess as another user cannot run this
        # venv's interpreter (it lives under /root here): only a non-root run can check this.
        pytest.skip("root reads files whatever their permissions")
    p = tmp_path / "locked.h5"
    with h5py.File(p, "w") as f:
        f["x"] = 1
    p.chmod(0)
    try:
        err = _open_error(p)
    finally:
        p.chmod(0o644)
    assert "Permission denied" in str(err) and str(p) in str(err)


def test_check_readable_returns_absolute_path(sample, monkeypatch):
    monkeypatch.chdir(sample.h5.parent)
    assert files.check_readable("sample.h5") == sample.h5


def test_files_open_read_only(sample):
    with files.open_file(sample.h5) as f:
        assert f.mode == "r"
        with pytest.raises((OSError, ValueError)):
            f["new"] = 1
    with h5py.File(sample.h5, "r") as f:
        assert "new" not in f


def test_a_file_being_written_by_another_program_still_opens(tmp_path):
    """HDF5 file locking would refuse the read while another process holds the file for writing."""
    p = tmp_path / "busy.h5"
    with h5py.File(p, "w") as f:
        f["x"] = np.arange(5)
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, h5py
            f = h5py.File({str(p)!r}, "a")   # default: locked for writing
            print("ready", flush=True)
            sys.stdin.readline()
            f.close()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        with pytest.raises(OSError):  # what any locking reader would get
            h5py.File(p, "r", locking=True).close()
        with files.open_file(p) as f:
            assert f["x"][()].tolist() == [0, 1, 2, 3, 4]
    finally:
        writer.communicate("\n", timeout=30)


def test_pool_reuses_handles_until_released(sample):
    pool = files.HandlePool()
    with files.pool_scope(pool):
        with files.open_file(sample.h5) as a:
            pass
        assert a.id.valid, "a pooled handle stays open between jobs"
        with files.open_file(sample.h5) as b:
            assert b is a
        assert len(pool) == 1
        files.release(sample.h5)
        assert not a.id.valid and len(pool) == 0
        with files.open_file(sample.other):
            pass
    with files.open_file(sample.h5) as c:  # outside the scope: a fresh handle, closed afterwards
        assert c is not a
    assert not c.id.valid
    assert len(pool) == 1
    pool.close_all()
    assert len(pool) == 0


def test_bad_file_is_refused_even_with_a_pool(sample):
    with files.pool_scope(files.HandlePool()):
        _open_error(sample.not_hdf5)


def test_is_inside_sees_through_dots_and_symlinks(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("x")
    os.symlink(tmp_path / "secret.txt", folder / "innocent.txt")
    assert links.is_inside(folder, folder / "sub" / "a.h5")
    assert not links.is_inside(folder, folder / ".." / "secret.txt")
    assert not links.is_inside(folder, folder / "innocent.txt")
    assert not links.is_inside(folder, tmp_path / "data2" / "a.h5"), "a sibling with a common prefix"


def test_resolve_external_is_relative_to_the_linking_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert links.resolve_external("/a/b/file.h5", "../c/x.h5") == files.Path("/a/c/x.h5")
    assert links.resolve_external("/a/b/file.h5", "/abs/x.h5") == files.Path("/abs/x.h5")


def test_errors_are_single_lines():
    err = H5GuiError("first line\nsecond   line")
    assert str(err) == "first line second line"


def test_devices_and_pipes_are_named_not_called_empty(tmp_path):
    """Issue 10 item 10: a symlink to /dev/zero was 'empty (0 bytes)'; a pipe must never be opened."""
    link = tmp_path / "zero.h5"
    link.symlink_to("/dev/zero")
    with pytest.raises(FileAccessError, match="is a device, not an HDF5 file"):
        files.check_readable(link)
    fifo = tmp_path / "pipe.h5"
    os.mkfifo(fifo)
    with pytest.raises(FileAccessError, match="is a pipe, not an HDF5 file"):
        files.check_readable(fifo)

"""Edit mode: files stay read-only until editing is enabled; a file that cannot be written says why."""

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

from h5gui.core import attrs, nodes, preview
from h5gui.core.errors import BadRequestError, FileAccessError, ReadOnlyError
from h5gui.core.h5 import files


@pytest.fixture
def h5(tmp_path):
    p = tmp_path / "edit.h5"
    with h5py.File(p, "w", track_order=True) as f:
        f.attrs["title"] = "before"
        f["x"] = np.arange(5)
    return p


def digest(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_a_pool_refuses_edits_until_editing_is_enabled(h5):
    before = digest(h5)
    pool = files.HandlePool()
    with files.pool_scope(pool):
        assert [a.name for a in attrs.list_attrs(str(h5), "/")] == ["title"]
        assert not files.is_writable(h5)
        with pytest.raises(ReadOnlyError) as info:
            attrs.set_attr(str(h5), "/", "title", "after")
        assert str(info.value) == f"{h5} is open read-only: enable editing first"
        with pytest.raises(ReadOnlyError):
            attrs.delete_attrs(str(h5), "/", ["title"])
        with pytest.raises(ReadOnlyError):
            files.open_file(h5, write=True).__enter__()
    pool.close_all()
    assert digest(h5) == before


def test_enable_editing_allows_writes_that_hold_the_file_only_while_they_run(h5):
    """Issue 10 item 3: a file is held read-write for the duration of each write job, not for edit mode."""
    pool = files.HandlePool()
    with files.pool_scope(pool):
        with files.open_file(h5) as f:
            read_handle = f
            assert f.mode == "r"
        assert files.enable_editing(h5) is True
        assert files.enable_editing(str(h5)) is True  # already writable: nothing changes
        assert files.is_writable(h5)
        assert not files.lock_held(h5), "edit mode holds nothing: other programs can open the file"
        with files.open_file(h5, write=True) as f:
            assert f.mode == "r+" and files.lock_held(h5)
            with files.open_file(h5) as again:  # reads inside the edit see the edit
                assert again is f
        assert not read_handle.id.valid, "the read handle was closed: its metadata would be stale"
        info = attrs.set_attr(str(h5), "/", "title", "after ✓")
        assert info.value == "after ✓"
        assert [a.value for a in attrs.list_attrs(str(h5), "/")] == ["after ✓"]
        assert nodes.describe(str(h5), "/x").shape == (5,)
        assert files.disable_editing(h5) is False
        assert not files.is_writable(h5)
        with pytest.raises(ReadOnlyError):
            attrs.set_attr(str(h5), "/", "title", "again")
    pool.close_all()
    with h5py.File(h5, "r") as f:  # committed: another program sees the edit
        assert f.attrs["title"] == "after ✓"


def test_release_closes_a_writable_file_and_drops_edit_mode(h5):
    pool = files.HandlePool()
    with files.pool_scope(pool):
        files.enable_editing(h5)
        attrs.set_attr(str(h5), "/", "n", "1", "int8")
        files.release(h5)
        assert not files.is_writable(h5) and len(pool) == 0
        with h5py.File(h5, "r") as f:  # the lock is gone, the edit is on disk
            assert f.attrs["n"] == 1
        assert [a.name for a in attrs.list_attrs(str(h5), "/")] == ["title", "n"]
    pool.close_all()


def test_without_a_pool_write_opens_read_write_for_the_block(h5):
    with files.open_file(h5, write=True) as f:
        assert f.mode == "r+"
    assert not f.id.valid
    with files.open_file(h5) as f:
        assert f.mode == "r"
    assert not files.is_writable(h5)
    with pytest.raises(BadRequestError, match="handle pool"):
        files.enable_editing(h5)


def _hold_for_writing(path):
    """Another process that keeps ``path`` open for writing (HDF5's default locking)."""
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, h5py
            f = h5py.File({str(path)!r}, "a")
            print("ready", flush=True)
            sys.stdin.readline()
            f.close()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert writer.stdout.readline().strip() == "ready"
    return writer


def test_a_file_open_in_another_program_stays_read_only_and_says_why(h5):
    writer = _hold_for_writing(h5)
    pool = files.HandlePool()
    try:
        with files.pool_scope(pool):
            assert attrs.list_attrs(str(h5), "/")[0].value == "before"
            with pytest.raises(FileAccessError) as info:
                files.enable_editing(h5)
            assert str(info.value) == f"Cannot open {h5} for writing: it is open in another program"
            assert not files.is_writable(h5)
            assert attrs.list_attrs(str(h5), "/")[0].value == "before"  # still readable
            with files.open_file(h5) as f:
                assert f.mode == "r" and f["x"][()].tolist() == [0, 1, 2, 3, 4]
        pool.close_all()
        with pytest.raises(FileAccessError, match="open in another program"):  # the CLI's way (no pool)
            attrs.set_attr(str(h5), "/", "title", "x")
    finally:
        pool.close_all()
        writer.communicate("\n", timeout=30)
    with h5py.File(h5, "r") as f:
        assert f.attrs["title"] == "before"


def test_while_a_write_runs_another_writer_is_kept_out(h5):
    pool = files.HandlePool()
    try:
        with files.pool_scope(pool):
            files.enable_editing(h5)
            with files.open_file(h5, write=True):
                code = f"import h5py; h5py.File({str(h5)!r}, 'a')"
                result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
                assert result.returncode != 0 and "lock" in result.stderr
                code = f"import h5py; print(h5py.File({str(h5)!r}, 'r', locking=False).attrs['title'])"
                result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
                assert result.stdout.strip() == "before"
            # between write jobs the file is free
            code = f"import h5py; print(h5py.File({str(h5)!r}, 'r').attrs['title'])"
            result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
            assert result.stdout.strip() == "before"
    finally:
        pool.close_all()


_ENABLE = """
import sys
from h5gui.core.h5 import files
from h5gui.core import attrs
from h5gui.core.errors import FileAccessError
path = sys.argv[1]
pool = files.HandlePool()
with files.pool_scope(pool):
    try:
        files.enable_editing(path)
        print("writable")
    except FileAccessError as exc:
        print("refused:", exc)
    print("readable:", [a.value for a in attrs.list_attrs(path, "/")])
pool.close_all()
"""


def test_a_file_without_write_permission(h5):
    h5.chmod(0o444)
    cmd = [sys.executable, "-c", _ENABLE, str(h5)]
    if os.geteuid() == 0:
        # root writes whatever the mode: drop the capabilities that let it (DAC override)
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot take away root's write permission")
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", *cmd]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        h5.chmod(0o644)
    if os.geteuid() == 0 and "Operation not permitted" in result.stderr:
        pytest.skip(f"setpriv is not allowed here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"refused: Cannot open {h5} for writing: permission denied",
        "readable: ['before']",
    ]


def test_a_file_on_a_read_only_file_system(h5):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a read-only file system")
    folder = str(h5.parent)
    script = (
        f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && "
        f'exec "$0" -c "$1" "$2"'
    )
    cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, sys.executable, _ENABLE, str(h5)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if result.returncode != 0 and "mount" in result.stderr and "readable" not in result.stdout:
        pytest.skip(f"cannot mount here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"refused: Cannot open {h5} for writing: read-only file system",
        "readable: ['before']",
    ]


def test_write_refusals_in_words():
    r = files.write_refusal
    assert r("Unable to synchronously open file (unable to open file: name = 'x', errno = 13, error message = "
             "'Permission denied', flags = 1, o_flags = 2)") == "permission denied"
    assert r("[Errno 11] Unable to synchronously open file (unable to lock file, errno = 11, error message = "
             "'Resource temporarily unavailable')") == "it is open in another program"
    assert r("unable to open file: name = 'x', errno = 30, error message = 'Read-only file system'") == (
        "read-only file system")
    assert "h5clear" in r("Unable to open file (file is already open for write (may use <h5clear file> to clear "
                          "file consistency flags))")


def _stamp(paths):
    return {str(p): (digest(p), os.stat(p).st_mtime_ns) for p in paths}


def test_browsing_with_a_pool_never_changes_the_files(sample):
    watched = [sample.h5, sample.other, sample.filters]
    before = _stamp(watched)
    pool = files.HandlePool()
    with files.pool_scope(pool):
        file = str(sample.h5)
        nodes.open_group_listing(file, "/", first=100)
        rows = list(nodes.open_group_listing(file, "/data", first=100).first)
        for row in rows:
            nodes.describe(file, row.path)
            attrs.list_attrs(file, row.path)
            attrs.get_attr_values(file, row.path)
            try:
                info = preview.preview_info(file, row.path)
                if info.image_axes is not None and "image" in info.views:
                    preview.read_image(file, row.path, preview.ImageRequest(axes=info.image_axes))
                elif "text" in info.views:
                    preview.read_text(file, row.path)
            except Exception:  # unreadable objects are part of the sample; only the bytes matter here
                pass
        for p in ("/", "/links", "/many"):
            attrs.list_attrs(file, p)
            nodes.count_children(file, p)
        attrs.list_attrs(str(sample.other), "/grp")
        nodes.describe(str(sample.filters), "/unknown_filter")
        assert not any(files.is_writable(p) for p in watched)
    pool.close_all()
    assert _stamp(watched) == before


def test_enabling_editing_without_editing_keeps_the_bytes(h5):
    before = digest(h5)
    pool = files.HandlePool()
    with files.pool_scope(pool):
        files.enable_editing(h5)
        attrs.list_attrs(str(h5), "/")
        files.disable_editing(h5)
    pool.close_all()
    # HDF5 marks the superblock "open for writing" and clears the mark at close: same bytes
    # (the modification time does change: that is why editing is off until the user asks)
    assert digest(h5) == before

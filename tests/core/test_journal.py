"""The edit journal: rollback, commit, exclusion, recovery after real kills, the consistency flag."""

from __future__ import annotations

import errno
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import journal_child
import numpy as np
import pytest

from h5gui.core.errors import BadRequestError, FileAccessError
from h5gui.core.h5 import undo_log
from h5gui.core.h5.journal import (
    JournaledFile,
    clear_consistency_flag,
    consistency_flag_set,
    journal_path,
    open_for_edit,
    recover,
    recover_file,
)
from h5gui.core.h5.superblock import lookup3, read_superblock

LIBVERS = ["earliest", "latest"]  # superblock v0 and v3


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_file(path: Path, libver: str = "earliest", **kwargs: object) -> Path:
    with h5py.File(path, "w", libver=libver, **kwargs) as f:
        grp = f.create_group("g")
        for i in range(12):  # dense attribute storage in v3 files
            grp.attrs[f"a{i}"] = np.arange(i + 1)
        f.create_dataset("x", data=np.arange(10_000), chunks=(1000,))
        f.create_dataset("y", data=np.linspace(0, 1, 3000))
    return path


def edit_everything(f: h5py.File) -> None:
    for i in range(20):
        f["g"].attrs[f"a{i}"] = np.full(i + 2, i)
    del f["g"].attrs["a3"]
    f.create_group("new").create_dataset("d", data=np.random.default_rng(0).random((200, 200)), chunks=(50, 50))
    f["x"][:5000] = -1
    del f["y"]
    f.flush()


def kill_plain_writer(path: Path, libver: str, swmr: bool = False) -> None:
    """Kill -9 a plain h5py writer that holds ``path`` open ``r+`` (leaves HDF5's mark on v2/v3 files)."""
    code = ("import h5py, sys, time\n"
            f"f = h5py.File({str(path)!r}, 'r+', libver={libver!r})\n"
            + ("f.swmr_mode = True\n" if swmr else "f.attrs['touched'] = 1\nf.flush()\n")
            + "print('ready', flush=True)\ntime.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


# -- lookup3 and the superblock -----------------------------------------------------------------


def test_lookup3_matches_the_published_test_vectors():
    assert lookup3(b"") == 0xDEADBEEF
    assert lookup3(b"Four score and seven years ago") == 0x17770551
    assert lookup3(b"Four score and seven years ago", 1) == 0xCD628161


@pytest.mark.parametrize("libver, version", [("earliest", 0), ("v108", 2), ("latest", 3)])
@pytest.mark.parametrize("userblock", [0, 512, 2048])
def test_superblock_is_found_and_its_checksum_matches_what_hdf5_wrote(tmp_path, libver, version, userblock):
    p = tmp_path / "f.h5"
    with h5py.File(p, "w", libver=libver, userblock_size=userblock) as f:
        f["x"] = np.arange(5)
    sb = read_superblock(p)
    assert sb is not None
    assert (sb.offset, sb.version, sb.flags, sb.checksum_ok) == (userblock, version, 0, True)
    assert not consistency_flag_set(p)


def test_not_hdf5_has_no_superblock(tmp_path):
    p = tmp_path / "f.h5"
    p.write_bytes(b"hello" * 300)
    assert read_superblock(p) is None
    assert not consistency_flag_set(p)


@pytest.mark.parametrize("userblock", [0, 1024])
def test_clear_consistency_flag_reopens_a_v3_file_left_flagged_by_a_killed_writer(tmp_path, userblock):
    p = small_file(tmp_path / "f.h5", "latest", userblock_size=userblock)
    kill_plain_writer(p, "latest")
    assert consistency_flag_set(p)
    with pytest.raises(OSError, match="already open for write"):
        h5py.File(p, "r")
    with pytest.raises(FileAccessError, match="marks it as open for writing") as err:
        with open_for_edit(p):
            pass
    assert "\n" not in str(err.value)
    assert clear_consistency_flag(p) is True
    assert not consistency_flag_set(p)
    assert read_superblock(p).checksum_ok
    with h5py.File(p, "r") as f:
        assert f["x"][-1] == 9999
    assert clear_consistency_flag(p) is False
    assert not journal_path(p).exists()


def test_v0_flags_are_written_by_hdf5_but_never_reported(tmp_path):
    p = small_file(tmp_path / "f.h5", "earliest")
    kill_plain_writer(p, "earliest")
    sb = read_superblock(p)
    assert sb.version == 0 and sb.flags != 0  # HDF5 writes the field of v0 too, and never reads it
    assert not consistency_flag_set(p)
    assert clear_consistency_flag(p) is False
    with h5py.File(p, "r") as f:
        assert "x" in f


def test_a_swmr_mark_is_cleared_only_when_forced(tmp_path):
    p = tmp_path / "f.h5"
    with h5py.File(p, "w", libver="latest") as f:
        f.create_dataset("x", shape=(0,), maxshape=(None,), dtype="i4", chunks=(10,))
    kill_plain_writer(p, "latest", swmr=True)
    with pytest.raises(FileAccessError, match="SWMR"):
        clear_consistency_flag(p)
    assert consistency_flag_set(p)
    assert clear_consistency_flag(p, force=True)
    with h5py.File(p, "r") as f:
        assert f["x"].shape == (0,)


# -- rollback and commit ------------------------------------------------------------------------


@pytest.mark.parametrize("libver", LIBVERS)
def test_an_exception_rolls_back_to_the_same_bytes(tmp_path, libver):
    p = small_file(tmp_path / "f.h5", libver)
    before = digest(p)
    with pytest.raises(ZeroDivisionError):
        with open_for_edit(p) as f:
            edit_everything(f)
            1 / 0  # noqa: B018
    assert digest(p) == before
    assert not journal_path(p).exists()
    assert recover(p) is None


@pytest.mark.parametrize("libver", LIBVERS)
def test_closing_a_cancelled_job_generator_rolls_back(tmp_path, libver):
    p = small_file(tmp_path / "f.h5", libver)
    before = digest(p)

    def job():
        with open_for_edit(p) as f:
            for i in range(100):
                f["g"].attrs[f"step{i}"] = i
                f.flush()
                yield i

    steps = job()
    assert [next(steps) for _ in range(5)] == [0, 1, 2, 3, 4]
    steps.close()  # GeneratorExit inside the block
    assert digest(p) == before
    assert not journal_path(p).exists()


@pytest.mark.parametrize("libver", LIBVERS)
def test_commit_keeps_the_change_and_leaves_no_journal(tmp_path, libver):
    p = small_file(tmp_path / "f.h5", libver)
    with open_for_edit(p) as f:
        edit_everything(f)
    assert not journal_path(p).exists()
    assert recover(p) is None
    assert not consistency_flag_set(p)
    with h5py.File(p, "r") as f:
        assert f["g"].attrs["a19"].tolist() == [19] * 21
        assert "a3" not in f["g"].attrs and "y" not in f
        assert f["new/d"].shape == (200, 200)
        assert f["x"][4999] == -1 and f["x"][5000] == 5000


def test_open_for_edit_takes_no_mode_and_refuses_non_hdf5(tmp_path):
    p = tmp_path / "f.h5"
    p.write_bytes(b"not hdf5" * 1000)
    with pytest.raises(BadRequestError):
        with open_for_edit(p, mode="w"):
            pass
    with pytest.raises(FileAccessError, match="Cannot open .* for editing"):
        with open_for_edit(p):
            pass
    assert p.read_bytes() == b"not hdf5" * 1000
    assert not journal_path(p).exists()


def test_raw_writes_truncates_and_reads_agree_with_a_model_then_roll_back(tmp_path):
    """Random writes (below, across and past the original end), truncates and reads against a bytearray."""
    rng = random.Random(3)
    original = bytes(rng.randrange(256) for _ in range(50_000))
    p = tmp_path / "raw.bin"
    syncs = 0
    for ending in ("rollback", "commit", "close"):
        p.write_bytes(original)
        model = bytearray(original)
        jf = JournaledFile(p, max_pending=3000)  # small: many journal syncs on the way
        for _ in range(300):
            op = rng.random()
            if op < 0.6:
                at, n = rng.randrange(70_000), rng.randrange(1, 5000)
                data = bytes(rng.randrange(256) for _ in range(n))
                jf.seek(at)
                assert jf.write(data) == n
                if len(model) < at:
                    model.extend(bytes(at - len(model)))
                model[at : at + n] = data
            elif op < 0.7:
                size = rng.randrange(60_000)
                jf.truncate(size)
                del model[size:]
                model.extend(bytes(size - len(model)))
            else:
                at, n = rng.randrange(70_000), rng.randrange(1, 9000)
                jf.seek(at)
                buf = bytearray(n)
                got = jf.readinto(buf)
                assert got == max(0, min(n, len(model) - at))
                assert bytes(buf[:got]) == bytes(model[at : at + got])
            assert jf.seek(0, os.SEEK_END) == len(model)
        if ending == "commit":
            jf.commit()
            assert p.read_bytes() == bytes(model)
        elif ending == "rollback":
            jf.rollback()
            assert p.read_bytes() == original
        else:
            jf.close()  # without commit: rolled back
            assert p.read_bytes() == original
        syncs += jf.stats["journal_syncs"]
        assert not journal_path(p).exists()
    assert syncs > 3


def test_a_full_disk_while_saving_originals_rolls_back_cleanly(tmp_path, monkeypatch):
    rng = random.Random(5)
    original = bytes(rng.randrange(256) for _ in range(40_000))
    p = tmp_path / "raw.bin"
    p.write_bytes(original)
    jf = JournaledFile(p, max_pending=1)
    jf.seek(0)
    jf.write(b"\x01" * 5000)  # saved, synced and written
    real = undo_log.pwrite_all

    def disk_full(fd, data, offset):
        if fd == jf._jfd:
            real(fd, bytes(data)[: len(data) // 2], offset)  # half a record, then ENOSPC
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, data, offset)

    monkeypatch.setattr(undo_log, "pwrite_all", disk_full)
    jf.seek(20_000)
    assert jf.write(b"\x02" * 9000) == 9000  # never raises into HDF5: the rest is held in memory
    monkeypatch.setattr(undo_log, "pwrite_all", real)
    jf.seek(60_000)
    jf.write(b"\x03" * 10)
    jf.truncate(60_005)
    jf.seek(19_999)
    buf = bytearray(9002)
    assert jf.readinto(buf) == 9002
    assert bytes(buf) == original[19_999:20_000] + b"\x02" * 9000 + original[29_000:29_001]
    jf.seek(59_990)
    buf = bytearray(30)
    assert jf.readinto(buf) == 15 and bytes(buf[:15]) == bytes(10) + b"\x03" * 5
    with pytest.raises(FileAccessError, match="Cannot finish the edit .*No space left"):
        jf.commit()
    jf.rollback()
    assert p.read_bytes() == original
    assert not journal_path(p).exists()


def test_an_error_inside_hdf5_callbacks_reaches_the_caller_and_the_file_is_unchanged(tmp_path, monkeypatch):
    p = small_file(tmp_path / "f.h5", "latest")
    before = digest(p)

    def refuse(self):
        raise FileAccessError(f"Cannot create the edit journal beside {p}: Read-only file system")

    monkeypatch.setattr(JournaledFile, "_ensure_journal", refuse)
    with pytest.raises(FileAccessError, match="Cannot finish the edit .*Read-only file system"):
        with open_for_edit(p) as f:
            edit_everything(f)
    assert digest(p) == before


@pytest.mark.parametrize("libver", LIBVERS)
def test_a_disk_that_fills_up_during_an_edit_ends_in_one_error_and_the_prior_bytes(tmp_path, libver):
    """The file may not grow past its size + 300 kB (RLIMIT_FSIZE, like a full disk): no crash, one
    error line, the file rolled back. Plain h5py crashes (SIGSEGV) on a full disk at close."""
    p = small_file(tmp_path / "f.h5", libver)
    before = digest(p)
    code = textwrap.dedent(f"""
        import resource, signal, sys
        import numpy as np
        from h5gui.core.errors import H5GuiError
        from h5gui.core.h5.journal import open_for_edit
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        limit = {p.stat().st_size + 300_000}
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        try:
            with open_for_edit({str(p)!r}) as f:
                f["g"].attrs["before"] = 1
                ds = f.create_dataset("big", shape=(40, 256, 256), dtype="u1", chunks=(1, 256, 256))
                for i in range(40):
                    ds[i] = i
        except H5GuiError as exc:
            print(exc)
            sys.exit(3)
    """)
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert child.returncode == 3, child.stderr[-2000:]
    assert child.stdout.startswith("Cannot finish the edit of") and child.stdout.count("\n") == 1
    assert "File too large" in child.stdout
    assert digest(p) == before and not journal_path(p).exists()


# -- exclusion ------------------------------------------------------------------------------------


def test_a_second_writer_is_refused_in_one_line_while_the_first_holds_the_file(tmp_path):
    p = small_file(tmp_path / "f.h5", "latest")
    with open_for_edit(p) as f:
        f.attrs["first"] = 1
        f.flush()  # the journal exists from the first write on
        with pytest.raises(FileAccessError, match="in use by another process") as err:
            with open_for_edit(p):
                pass
        assert "\n" not in str(err.value) and str(p) in str(err.value)
        code = f"from h5gui.core.h5.journal import open_for_edit\nwith open_for_edit({str(p)!r}): pass\n"
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert other.returncode != 0 and "in use by another process" in other.stderr
        assert "being edited right now" in recover(p)  # a live edit's journal is not touched
    with h5py.File(p, "r") as f:
        assert f.attrs["first"] == 1


# -- recovery -------------------------------------------------------------------------------------


def interrupted(p: Path) -> None:
    """Leave ``p`` as a killed edit leaves it: overwritten in place, its journal beside it."""
    jf = JournaledFile(p, max_pending=1)  # every overwrite reaches the file at once
    with h5py.File(jf, "r+") as f:
        edit_everything(f)
    jf._finish()  # release the locks and the descriptors without commit or rollback: a kill
    assert journal_path(p).exists()


def test_recover_rolls_back_an_interrupted_edit_and_is_idempotent(tmp_path):
    p = small_file(tmp_path / "f.h5", "latest")
    before = digest(p)
    interrupted(p)
    assert digest(p) != before
    # a recovery killed after writing back one record: the next one finishes
    jfd = os.open(journal_path(p), os.O_RDONLY)
    dfd = os.open(p, os.O_RDWR)
    header, records, _ = undo_log.read_journal(jfd)
    assert len(records) > 1
    undo_log.restore(dfd, jfd, header, records[:1])
    os.close(jfd)
    os.close(dfd)
    message = recover(p)
    assert "rolled back an interrupted edit" in message and "\n" not in message
    assert digest(p) == before
    assert recover(p) is None
    with h5py.File(p, "r") as f:
        assert "y" in f


def test_a_journal_with_an_unfinished_last_record_is_still_applied(tmp_path):
    p = small_file(tmp_path / "f.h5", "earliest")
    before = digest(p)
    jf = JournaledFile(p)  # overwrites are held until HDF5 flushes: the last records are not applied
    jf.seek(100)
    jf.write(b"\xff" * 9000)
    jf._finish()  # killed before the journal sync: the held overwrite never reached the file
    with open(journal_path(p), "r+b") as j:
        j.truncate(os.path.getsize(journal_path(p)) - 100)
    assert "rolled back" in recover(p)
    assert digest(p) == before


def test_a_journal_killed_before_its_header_was_written_is_removed(tmp_path):
    p = small_file(tmp_path / "f.h5", "earliest")
    before = digest(p)
    journal_path(p).write_bytes(b"")
    outcome = recover_file(p)
    assert outcome.kind == "unfinished" and outcome.ok
    assert digest(p) == before and not journal_path(p).exists()


def test_a_stale_journal_of_another_file_is_never_applied(tmp_path):
    a = small_file(tmp_path / "a.h5", "latest")
    b = tmp_path / "b.h5"
    shutil.copyfile(a, b)
    b_before = digest(b)
    interrupted(a)
    os.rename(journal_path(a), journal_path(b))
    outcome = recover_file(b)
    assert outcome.kind == "foreign" and "another file" in outcome.message and "\n" not in outcome.message
    assert digest(b) == b_before and journal_path(b).exists()
    with pytest.raises(FileAccessError, match="another file"):
        with open_for_edit(b):
            pass
    assert digest(b) == b_before


def test_a_damaged_journal_is_left_alone(tmp_path):
    p = small_file(tmp_path / "f.h5", "latest")
    interrupted(p)
    damaged = digest(p)
    raw = bytearray(journal_path(p).read_bytes())
    raw[undo_log.HEADER_SIZE + 20] ^= 0xFF  # in the data of the first record
    journal_path(p).write_bytes(bytes(raw))
    outcome = recover_file(p)
    assert outcome.kind == "damaged" and "not applied" in outcome.message
    assert digest(p) == damaged and journal_path(p).exists()


def test_a_journal_whose_file_is_gone_is_reported(tmp_path):
    p = small_file(tmp_path / "f.h5", "earliest")
    interrupted(p)
    p.unlink()
    assert "missing" in recover(p)


# -- real kills -----------------------------------------------------------------------------------


@pytest.mark.parametrize("libver", LIBVERS)
def test_kill_9_at_random_moments_then_recover_gives_the_prior_bytes(tmp_path, libver):
    """SIGKILL a child editing through open_for_edit; after recover() the file opens and is byte-equal
    to the prior file (or to the committed result when the kill came after the commit point)."""
    template = tmp_path / "prior.h5"
    journal_child.make_prior(str(template), libver)
    prior, prior_content = digest(template), journal_child.snapshot(str(template))
    p = tmp_path / "f.h5"
    shutil.copyfile(template, p)
    _, duration = journal_child.run(str(p), "mixed", "journal", rounds=2)
    committed = digest(p)
    assert committed != prior
    rng = random.Random(f"kill-{libver}")
    killed = rolled_back = flagged = trials = 0
    # ten kills at least; more while fewer than 5 came during the edit (the measured duration is one run's:
    # on a busy machine later runs can be quicker, and a kill after the edit tells nothing)
    while trials < 10 or (trials < 40 and not (killed >= 5 and rolled_back >= 3)):
        trials += 1
        shutil.copyfile(template, p)
        was_running, _ = journal_child.run(str(p), "mixed", "journal", rounds=2,
                                           kill_after=rng.uniform(0, duration * 1.1))
        killed += was_running
        flagged += consistency_flag_set(p)
        message = recover(p)
        rolled_back += message is not None and "rolled back" in message
        assert not journal_path(p).exists()
        assert digest(p) in (prior, committed)
        with h5py.File(p, "r") as f:  # plain h5py, no h5clear
            assert "g0" in f
        if digest(p) == prior:
            assert journal_child.snapshot(str(p)) == prior_content
    print(f"{libver}: {killed} kills during the edit, {rolled_back} rolled back, {flagged} flagged")
    assert killed >= 5 and rolled_back >= 3
    # HDF5 sets the v3 "open for writing" mark only through drivers that lock: never through ours
    assert flagged == 0

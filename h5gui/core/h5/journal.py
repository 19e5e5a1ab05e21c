"""Crash-safe in-place edits of HDF5 files: an undo journal under HDF5, at the byte level.

HDF5 is not journaled: a process killed while it writes an existing file can leave it damaged, and
for superblock-v3 files (``libver="latest"``, every SWMR file) with the "open for writing" mark set,
which every reader refuses. h5gui edits files through :func:`open_for_edit` instead: h5py opens a
:class:`JournaledFile` (its file-object driver), and before HDF5 overwrites a byte that belongs to
the file as it was, the original page is appended to ``NAME.h5gui-journal`` beside it (format in
:mod:`h5gui.core.h5.undo_log`; created at the edit's first change), and the journal and its folder
entry are synced before that overwrite reaches the file.

* Overwrites are held in memory until HDF5 flushes (or 8 MiB are held), so a whole batch costs one
  journal sync. Bytes past the original size are written at once: a rollback truncates them away.
* Commit: sync the file, delete the journal, sync the folder. The deletion is the commit point.
* Rollback (an exception, a cancel, a close without commit, or :func:`recover` after a kill):
  write the saved pages back, truncate to the original size, sync, delete the journal.
* HDF5 does not write the superblock's "open for writing" mark through this driver (it does so only
  for drivers that lock): a killed edit of a v3 file does not leave it unopenable. Files that other
  programs left marked are refused (the mark may belong to a live SWMR writer, which holds no lock).
* Exclusion: an edit holds an exclusive ``flock`` on the data file and on its journal. HDF5 takes
  the same kind of lock when other programs open the file with file locking (its default), so
  neither a second h5gui writer nor such a program can touch the file during an edit; h5gui's own
  read-only handles (opened without locking) are not blocked. A dead process releases its locks:
  a journal nobody holds belongs to an interrupted edit.

Not covered: two names of one file (hard links, or a journal moved away from its file): the journal
is found by name only. The journal says which file it belongs to (``st_dev``, ``st_ino``): a copied
or replaced file does not match and the journal is left alone, reported, never applied.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import fcntl
import io
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py

from h5gui.core.errors import BadRequestError, FileAccessError
from h5gui.core.h5 import undo_log
from h5gui.core.h5.recovery import (
    JOURNAL_SUFFIX,
    RecoveryOutcome,
    journal_path,
    recover,
    recover_file,
    recover_locked,
    try_lock,
)
from h5gui.core.h5.superblock import SWMR_WRITE_ACCESS, cleared, consistency_flag_set, read_superblock_fd

__all__ = [
    "JOURNAL_SUFFIX",
    "JournaledFile",
    "RecoveryOutcome",
    "clear_consistency_flag",
    "consistency_flag_set",
    "journal_path",
    "open_for_edit",
    "recover",
    "recover_file",
]

log = logging.getLogger(__name__)

PAGE_SIZE = 4096
MAX_PENDING = 8 << 20  # bytes of overwrites held before a journal sync is forced
MAX_PENDING_WRITES = 4096


def _open_data(path: str | os.PathLike[str], real: Path) -> int:
    try:
        fd = os.open(real, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise FileAccessError(f"{path}: no such file") from exc
    except PermissionError as exc:
        raise FileAccessError(f"{path} is not writable (permission denied)") from exc
    except OSError as exc:
        raise FileAccessError(f"Cannot open {path} for editing: {exc.strerror}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FileAccessError(f"{path} is not a regular file")
    return fd


class _PageRuns:
    """Sorted, disjoint runs ``[start, end)`` of page numbers (the pages already saved)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def missing(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The runs of ``[lo, hi)`` not saved yet."""
        out: list[tuple[int, int]] = []
        i = bisect.bisect_right(self._ends, lo)
        cur = lo
        while cur < hi and i < len(self._starts) and self._starts[i] < hi:
            if self._starts[i] > cur:
                out.append((cur, self._starts[i]))
            cur = max(cur, self._ends[i])
            i += 1
        if cur < hi:
            out.append((cur, hi))
        return out

    def add(self, lo: int, hi: int) -> None:
        """Mark ``[lo, hi)`` saved (merged with touching runs)."""
        i = bisect.bisect_left(self._ends, lo)
        j = bisect.bisect_right(self._starts, hi)
        if i < j:
            lo = min(lo, self._starts[i])
            hi = max(hi, self._ends[j - 1])
        self._starts[i:j] = [lo]
        self._ends[i:j] = [hi]


class JournaledFile(io.RawIOBase):
    """A raw binary file that can be rolled back: the file object h5py edits through.

    Construction takes an exclusive lock on the file (refused in one line while another process
    holds it), rolls back an interrupted earlier edit if one left its journal, and creates this
    edit's journal. Then reads and writes behave as on the file; :meth:`commit` makes the changes
    permanent, :meth:`rollback` (or :meth:`close` without commit) brings back the bytes as they were.
    One edit per object: it closes after commit or rollback.

    Parameters
    ----------
    path : path-like
        An existing file, writable, in a writable folder (the journal is created beside it).
    max_pending : int
        Bytes of overwrites held in memory before the journal is synced and they are written.

    Raises
    ------
    FileAccessError
        The file is missing, not writable, locked by another process, or has a journal that cannot
        be applied (another file's, or damaged).
    """

    def __init__(self, path: str | os.PathLike[str], *, max_pending: int = MAX_PENDING) -> None:
        super().__init__()
        self.name = str(path)
        self._real = Path(os.path.realpath(path))
        self._jpath = journal_path(self._real)
        self._max_pending = max_pending
        self._jfd: int | None = None
        self._fd = _open_data(path, self._real)
        try:
            if not try_lock(self._fd):
                raise FileAccessError(f"{path} is in use by another process (an h5gui edit, or a program that "
                                      "opened it with HDF5 file locking); try again when it is closed")
            #: what rolling back an interrupted earlier edit did (None: there was none)
            self.recovered: str | None = None
            outcome = recover_locked(self._real, self._fd, self._jpath)
            if outcome is not None:
                if not outcome.ok:
                    raise FileAccessError(outcome.message)
                self.recovered = outcome.message
            st = os.fstat(self._fd)
            self._orig = st.st_size
            self._size = st.st_size
            self._pos = 0
            self._saved = _PageRuns()
            self._pending: list[tuple[int, bytes]] = []
            self._pending_bytes = 0
            self._journal_dirty = False
            self._jpos = undo_log.HEADER_SIZE
            self._header = undo_log.Header(PAGE_SIZE, st.st_size, st.st_dev, st.st_ino,
                                           int.from_bytes(os.urandom(8), "little"))
            self._dir_synced = False
        except BaseException:
            os.close(self._fd)
            self._fd = -1
            raise
        self._done = False
        #: counters for benchmarks: records and bytes saved, journal syncs
        self.stats = {"records": 0, "saved_bytes": 0, "journal_syncs": 0}

    # -- journal ---------------------------------------------------------------------------------

    def _ensure_journal(self) -> int:
        """Create the journal at the first change (not synced: :meth:`_sync` does that before any overwrite).

        Until the first overwrite below the original size only appends can have reached the file,
        which a missing journal after a power loss would leave as harmless trailing bytes; after a
        kill the journal is there (the kernel keeps it), so the appends are truncated away.
        """
        if self._jfd is not None:
            return self._jfd
        try:
            jfd = os.open(self._jpath, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise FileAccessError(f"Cannot create the edit journal beside {self.name}: {exc.strerror}") from exc
        try:
            fcntl.flock(jfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            undo_log.pwrite_all(jfd, self._header.encode(), 0)
        except BaseException:
            os.close(jfd)
            os.unlink(self._jpath)
            raise
        self._jfd = jfd
        self._journal_dirty = True
        return jfd

    def _save(self, lo_page: int, hi_page: int) -> None:
        """Append the original bytes of pages ``[lo_page, hi_page)`` to the journal (not synced yet)."""
        for a, b in self._saved.missing(lo_page, hi_page):
            start, end = a * PAGE_SIZE, min(b * PAGE_SIZE, self._orig)
            while start < end:
                n = min(undo_log.MAX_RECORD, end - start)
                data = undo_log.pread_exact(self._fd, n, start)
                if len(data) != n:
                    raise FileAccessError(f"{self.name} shrank during the edit (another program wrote it?)")
                rec = undo_log.record_bytes(self._header.nonce, start, data)
                undo_log.pwrite_all(self._ensure_journal(), rec, self._jpos)
                self._jpos += len(rec)
                self.stats["records"] += 1
                self.stats["saved_bytes"] += n
                start += n
            self._saved.add(a, b)
            self._journal_dirty = True

    def _sync(self) -> None:
        """Sync the journal, then let the held overwrites reach the file."""
        if self._journal_dirty:
            assert self._jfd is not None
            os.fdatasync(self._jfd)
            if not self._dir_synced:  # the journal's name must survive a power loss too
                undo_log.fsync_dir(self._jpath.parent)
                self._dir_synced = True
            self._journal_dirty = False
            self.stats["journal_syncs"] += 1
        for offset, data in self._pending:
            undo_log.pwrite_all(self._fd, data, offset)
        self._pending.clear()
        self._pending_bytes = 0

    def _check(self) -> None:
        if self._done or self._fd < 0:
            raise ValueError(f"the edit of {self.name} is over (committed or rolled back)")

    # -- file object -----------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._check()
        if whence == os.SEEK_SET:
            pos = offset
        elif whence == os.SEEK_CUR:
            pos = self._pos + offset
        elif whence == os.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise OSError(errno.EINVAL, "negative seek position")
        self._pos = pos
        return pos

    def tell(self) -> int:
        self._check()
        return self._pos

    def readinto(self, buffer: Any) -> int:
        """Read at the current position; the part of ``buffer`` past the end is zero-filled (like HDF5's sec2)."""
        self._check()
        view = memoryview(buffer).cast("B")
        want, pos = len(view), self._pos
        got = 0
        while got < want:
            n = os.preadv(self._fd, [view[got:]], pos + got)
            if n == 0:
                break
            got += n
        view[got:] = bytes(want - got)
        for offset, data in self._pending:  # held overwrites, oldest first
            lo, hi = max(offset, pos), min(offset + len(data), pos + want)
            if lo < hi:
                view[lo - pos : hi - pos] = data[lo - offset : hi - offset]
        count = max(0, min(want, self._size - pos))
        self._pos = pos + count
        return count

    def write(self, buffer: Any) -> int:
        self._check()
        view = memoryview(buffer).cast("B")
        n, pos = len(view), self._pos
        if n:
            self._ensure_journal()
        if pos < self._orig and n:
            low = view[: min(n, self._orig - pos)]
            self._save(pos // PAGE_SIZE, (pos + len(low) - 1) // PAGE_SIZE + 1)
            if not self._journal_dirty:
                undo_log.pwrite_all(self._fd, low, pos)
            elif len(low) >= self._max_pending:
                self._sync()
                undo_log.pwrite_all(self._fd, low, pos)
            else:
                self._pending.append((pos, bytes(low)))
                self._pending_bytes += len(low)
                if self._pending_bytes >= self._max_pending or len(self._pending) >= MAX_PENDING_WRITES:
                    self._sync()
        if pos + n > self._orig:
            start = max(pos, self._orig)
            undo_log.pwrite_all(self._fd, view[start - pos :], start)
        self._pos = pos + n
        self._size = max(self._size, pos + n)
        return n

    def truncate(self, size: int | None = None) -> int:
        self._check()
        size = self._pos if size is None else size
        if size == self._size and self._jfd is None:
            return size  # no change: no journal needed
        self._ensure_journal()
        if size < self._orig and size < self._size:
            self._save(size // PAGE_SIZE, (min(self._orig, self._size) - 1) // PAGE_SIZE + 1)
        self._sync()
        os.ftruncate(self._fd, size)
        self._size = size
        return size

    def flush(self) -> None:
        """HDF5 flushed: sync the journal once and write what was held (the file is synced at commit)."""
        if not self._done and self._fd >= 0:
            self._sync()

    # -- the edit --------------------------------------------------------------------------------

    @property
    def journal(self) -> Path:
        """The journal's path."""
        return self._jpath

    def commit(self) -> None:
        """Make the edit permanent: sync the file, then delete the journal (the commit point) and sync the folder."""
        self._check()
        if self._jfd is None:  # nothing was changed
            self._finish()
            return
        if self._pending:
            self._sync()
        os.fsync(self._fd)
        os.unlink(self._jpath)
        undo_log.fsync_dir(self._jpath.parent)
        self._finish()

    def rollback(self) -> None:
        """Bring back the file's bytes as they were when this edit began (no-op once it is over).

        Raises
        ------
        FileAccessError
            The rollback failed (I/O error); the journal stays, and :func:`recover` finishes it later.
        """
        if self._done or self._fd < 0:
            return
        self._pending.clear()
        self._pending_bytes = 0
        if self._jfd is None:  # nothing was changed
            self._finish()
            return
        try:
            header, records, _ = undo_log.read_journal(self._jfd)
            undo_log.restore(self._fd, self._jfd, header, records)
            os.unlink(self._jpath)
            undo_log.fsync_dir(self._jpath.parent)
        except (OSError, undo_log.JournalDamaged) as exc:
            self._finish()
            raise FileAccessError(f"Rolling back the edit of {self.name} failed ({exc}); "
                                  f"its journal stays for the next recovery") from exc
        self._finish()

    def _finish(self) -> None:
        self._done = True
        if self._jfd is not None:
            os.close(self._jfd)
            self._jfd = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def close(self) -> None:
        """Close; an edit neither committed nor rolled back is rolled back."""
        if not self.closed and not getattr(self, "_done", True) and self._fd >= 0:
            log.warning("%s closed without commit: rolling the edit back", self.name)
            self.rollback()
        super().close()


def _close_quietly(f: h5py.File, name: str) -> None:
    """Close an h5py file on the way out of a failed edit (it is rolled back next, so errors only get logged)."""
    try:
        f.close()
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        log.warning("closing %s before rolling back failed: %s", name, exc)


_FORBIDDEN = ("mode", "driver", "fileobj")


@contextlib.contextmanager
def open_for_edit(path: str | os.PathLike[str], **h5py_kwargs: Any) -> Iterator[h5py.File]:
    """Open ``path`` read-write for one block; leaving it normally commits, anything else rolls back.

    Parameters
    ----------
    path : path-like
        An existing HDF5 file.
    **h5py_kwargs
        Passed to :class:`h5py.File` (not ``mode`` or ``driver``).

    Yields
    ------
    h5py.File
        Open ``r+`` over a :class:`JournaledFile`.

    Raises
    ------
    FileAccessError
        The file cannot be edited (see :class:`JournaledFile`), or HDF5 refuses to open it.

    Notes
    -----
    An exception, a ``GeneratorExit`` (a cancelled job closing its generator) or a
    ``KeyboardInterrupt`` in the block rolls the file back before it propagates: the bytes are
    those from before the block. A kill leaves the journal; :func:`recover` (or the next edit)
    rolls back.

    HDF5 sets the superblock's "open for writing" mark only through drivers that lock files, which
    the file-object driver does not: an edit made here never marks a v3 file, so a killed one never
    leaves it unopenable. A file that another program left marked is refused (see
    :func:`clear_consistency_flag`).
    """
    bad = [k for k in _FORBIDDEN if k in h5py_kwargs]
    if bad:
        raise BadRequestError(f"open_for_edit opens {path} r+ through its journal: {', '.join(bad)} cannot be given")
    jf = JournaledFile(path)
    try:
        # HDF5 neither checks nor sets the superblock's "open for writing" mark through a driver
        # without locks (the file-object driver): check it here, or a live SWMR writer (which holds
        # no lock) and this edit would both write the file.
        sb = read_superblock_fd(jf._fd)
        if sb is not None and sb.refuses_open:
            raise FileAccessError(f"Cannot open {path} for editing: HDF5 marks it as open for writing in another "
                                  "program (or in one that crashed: that mark can be cleared)")
        f = h5py.File(jf, "r+", **h5py_kwargs)
    except OSError as exc:
        jf.rollback()
        raise FileAccessError(f"Cannot open {path} for editing: {exc}") from exc
    except BaseException:
        jf.rollback()
        raise
    try:
        yield f
    except BaseException:
        _close_quietly(f, str(path))
        jf.rollback()
        raise
    try:
        f.close()
        jf.commit()
    except BaseException:
        jf.rollback()
        raise


def clear_consistency_flag(path: str | os.PathLike[str], *, force: bool = False) -> bool:
    """Clear HDF5's "open for writing" mark of a v2/v3 superblock, what ``h5clear -s`` does.

    Only for a file that no live program writes: the mark protects a file that is being written
    (readers would see it half-written). The file is locked like any edit (refused while a program
    holds HDF5's lock on it) and the change goes through the journal. A SWMR writer does not hold
    that lock while it writes, so a live SWMR writer cannot be told from a crashed one: a mark with
    the SWMR-write bit is refused unless ``force`` is given.

    Parameters
    ----------
    path : path-like
        The HDF5 file.
    force : bool
        Clear a SWMR-write mark too (the user said no SWMR writer is running).

    Returns
    -------
    bool
        True when a mark was cleared; False when there was none (or the superblock is v0/v1).

    Raises
    ------
    FileAccessError
        The file cannot be edited, is not HDF5, or its superblock checksum is already wrong.
    """
    jf = JournaledFile(path)
    try:
        sb = read_superblock_fd(jf._fd)
        if sb is None:
            raise FileAccessError(f"{path} is not an HDF5 file (no superblock signature)")
        if sb.version < 2 or sb.flags == 0:
            jf.rollback()
            return False
        if not sb.checksum_ok:
            raise FileAccessError(f"{path}: the superblock checksum does not match; it is damaged, not only marked; "
                                  "left alone")
        if sb.flags & SWMR_WRITE_ACCESS and not force:
            raise FileAccessError(f"{path} is marked as being written in SWMR mode; a live SWMR writer holds no lock, "
                                  "so h5gui cannot tell it from a crashed one: clear it only if none runs")
        offset, data = cleared(sb)
        jf.seek(offset)
        jf.write(data)
        jf.commit()
        log.info("cleared the consistency flags 0x%02x of %s", sb.flags, path)
        return True
    except BaseException:
        jf.rollback()
        raise

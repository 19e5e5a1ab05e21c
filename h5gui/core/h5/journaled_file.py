"""The raw file object h5py edits through: :class:`JournaledFile` saves original pages before HDF5 overwrites them.

Rules (see :mod:`h5gui.core.h5.journal` for the whole design):

* a page (4 KiB) of the file as it was is saved at most once, before its first overwrite; the
  journal is created at the first change, and the journal and its folder entry are synced before an
  overwrite reaches the file;
* overwrites are held in memory (read back from there) until HDF5 flushes, truncates, or 8 MiB or
  4096 writes are held: then one journal sync, then they are written; one write of 8 MiB or more
  goes through at once after the sync;
* bytes past the original size are written at once (a rollback truncates them away);
* a truncation below the original size saves the part it cuts first;
* an error while writing (disk full, I/O error) is never raised into HDF5, which can crash on it
  (plain h5py does, on a full disk): it is kept, the rest of the edit is held in memory so that HDF5
  carries on consistently, and :meth:`JournaledFile.commit` raises it (the caller rolls back).

Not thread-safe: h5py calls it under its global lock, from one thread at a time.
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
import sys
from pathlib import Path
from typing import Any

from h5gui.core.errors import FileAccessError, H5GuiError
from h5gui.core.h5 import undo_log
from h5gui.core.h5.recovery import journal_path, recover_locked, try_lock
from h5gui.core.h5.superblock import Superblock, read_superblock_fd

log = logging.getLogger(__name__)

PAGE_SIZE = 4096
MAX_PENDING = 8 << 20  # bytes of overwrites held before a journal sync is forced
MAX_PENDING_WRITES = 4096
MAX_HELD_AFTER_FAILURE = 64 << 20  # bytes of HDF5's writes kept in memory after a write error


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
        self._done = True  # until construction succeeds: close() and flush() do nothing
        self._discarding = False  # after a rollback: HDF5's last writes are accepted and dropped
        self._fd = -1
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
            self._pending_span = (0, 0)  # the byte range the held overwrites fall in
            self._journal_dirty = False
            self._jpos = undo_log.HEADER_SIZE
            self._header = undo_log.Header(PAGE_SIZE, st.st_size, st.st_dev, st.st_ino,
                                           int.from_bytes(os.urandom(8), "little"))
            self._dir_synced = False
            self._failure: BaseException | None = None  # the first write error (raised by commit)
            self._disk_end = sys.maxsize  # after a failure: where a remembered truncation cut the file
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
                jfd = self._ensure_journal()
                try:
                    undo_log.pwrite_all(jfd, rec, self._jpos)
                except OSError as exc:  # disk full: cut the half record off so that the journal stays readable
                    with contextlib.suppress(OSError):
                        os.ftruncate(jfd, self._jpos)
                    raise FileAccessError(f"Cannot write the edit journal of {self.name}: {exc.strerror}") from exc
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
        self._pending_span = (0, 0)

    def _live(self) -> bool:
        """True while the edit is open; False once rolled back (I/O is then dropped); raises once committed.

        After a rollback HDF5 may still flush and close the file: its writes are accepted and
        dropped, reads see zeros. Failing them instead makes HDF5 crash in its error paths (seen
        with a write error during a chunk-cache flush, and with plain h5py on a full disk).
        """
        if self._discarding:
            return False
        if self._done or self._fd < 0:
            raise ValueError(f"the edit of {self.name} is over (committed)")
        return True

    # -- file object -----------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._live()
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
        self._live()
        return self._pos

    def readinto(self, buffer: Any) -> int:
        """Read at the current position; the part of ``buffer`` past the end is zero-filled (like HDF5's sec2)."""
        view = memoryview(buffer).cast("B")
        want, pos = len(view), self._pos
        if not self._live():
            view[:] = bytes(want)
            count = max(0, min(want, self._size - pos))
            self._pos = pos + count
            return count
        disk = want if self._failure is None else max(0, min(want, self._disk_end - pos))
        got = 0
        while got < disk:
            n = os.preadv(self._fd, [view[got:disk]], pos + got)
            if n == 0:
                break
            got += n
        view[got:] = bytes(want - got)
        if pos < self._pending_span[1] and pos + want > self._pending_span[0]:
            for offset, data in self._pending:  # held overwrites, oldest first
                lo, hi = max(offset, pos), min(offset + len(data), pos + want)
                if lo < hi:
                    view[lo - pos : hi - pos] = data[lo - offset : hi - offset]
        count = max(0, min(want, self._size - pos))
        self._pos = pos + count
        return count

    def write(self, buffer: Any) -> int:
        """Write at the current position (see the module's rules); never raises while the edit is open.

        An error (disk full, I/O error) is kept for :meth:`commit` to raise; the rest of the edit is
        then held in memory (up to 64 MiB; more is dropped), so HDF5 carries on consistently until the
        block ends and the file is rolled back. An exception raised into HDF5 from here can crash it.
        """
        view = memoryview(buffer).cast("B")
        n, pos = len(view), self._pos
        if self._live() and n:
            if self._failure is None:
                try:
                    self._write_through(view, pos)
                except (OSError, H5GuiError) as exc:
                    self._fail(exc)
            if self._failure is not None:
                self._hold(pos, view)
        self._pos = pos + n
        self._size = max(self._size, pos + n)
        return n

    def _write_through(self, view: memoryview, pos: int) -> None:
        n = len(view)
        self._ensure_journal()
        if pos < self._orig:
            low = view[: min(n, self._orig - pos)]
            self._save(pos // PAGE_SIZE, (pos + len(low) - 1) // PAGE_SIZE + 1)
            if not self._journal_dirty:
                undo_log.pwrite_all(self._fd, low, pos)
            elif len(low) >= self._max_pending:
                self._sync()
                undo_log.pwrite_all(self._fd, low, pos)
            else:
                self._hold(pos, low)
                if self._pending_bytes >= self._max_pending or len(self._pending) >= MAX_PENDING_WRITES:
                    self._sync()
        if pos + n > self._orig:
            start = max(pos, self._orig)
            undo_log.pwrite_all(self._fd, view[start - pos :], start)

    def _hold(self, pos: int, data: memoryview) -> None:
        """Keep an overwrite in memory (after a failure: up to :data:`MAX_HELD_AFTER_FAILURE`, then drop)."""
        if self._failure is not None and self._pending_bytes + len(data) > MAX_HELD_AFTER_FAILURE:
            self.stats["dropped_bytes"] = self.stats.get("dropped_bytes", 0) + len(data)
            return
        self._pending.append((pos, bytes(data)))
        self._pending_bytes += len(data)
        lo, hi = self._pending_span if len(self._pending) > 1 else (pos, pos)
        self._pending_span = (min(lo, pos), max(hi, pos + len(data)))

    def _fail(self, exc: BaseException) -> None:
        self._failure = exc
        log.error("the edit of %s failed (%s): the rest is held in memory and the file will be rolled back",
                  self.name, exc)

    def truncate(self, size: int | None = None) -> int:
        """Truncate (or extend) to ``size``; like :meth:`write`, errors are kept for :meth:`commit`."""
        size = self._pos if size is None else size
        if self._live() and self._failure is None and not (size == self._size and self._jfd is None):
            try:
                self._ensure_journal()
                if size < self._orig and size < self._size:
                    self._save(size // PAGE_SIZE, (min(self._orig, self._size) - 1) // PAGE_SIZE + 1)
                self._sync()
                os.ftruncate(self._fd, size)
            except (OSError, H5GuiError) as exc:
                self._fail(exc)
        if self._failure is not None:  # the cut is remembered, not made: reads past it see zeros
            self._disk_end = min(self._disk_end, size)
            self._pending = [(o, d[: size - o]) for o, d in self._pending if o < size]
        self._size = size
        return size

    def flush(self) -> None:
        """HDF5 flushed: sync the journal once and write what was held (the file is synced at commit)."""
        if not self._done and self._fd >= 0 and self._failure is None:
            try:
                self._sync()
            except (OSError, H5GuiError) as exc:
                self._fail(exc)

    # -- the edit --------------------------------------------------------------------------------

    def superblock(self) -> Superblock | None:
        """The file's superblock as it is on disk now (None: not HDF5); held overwrites not included."""
        if not self._live():
            raise ValueError(f"the edit of {self.name} was rolled back")
        return read_superblock_fd(self._fd)

    @property
    def journal(self) -> Path:
        """The journal's path."""
        return self._jpath

    def commit(self) -> None:
        """Make the edit permanent: sync the file, then delete the journal (the commit point) and sync the folder.

        Raises
        ------
        ValueError
            The edit was rolled back already.
        """
        if not self._live():
            raise ValueError(f"the edit of {self.name} was rolled back: nothing to commit")
        if self._failure is not None:
            raise FileAccessError(f"Cannot finish the edit of {self.name}: {self._failure}") from self._failure
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

        From then on HDF5's writes are dropped (see :meth:`_live`): close the h5py file afterwards.

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
            self._finish(discard=True)
            return
        try:
            header, records, _ = undo_log.read_journal(self._jfd)
            undo_log.restore(self._fd, self._jfd, header, records)
            os.unlink(self._jpath)
            undo_log.fsync_dir(self._jpath.parent)
        except (OSError, undo_log.JournalDamaged) as exc:
            self._finish(discard=True)
            raise FileAccessError(f"Rolling back the edit of {self.name} failed ({exc}); "
                                  f"its journal stays for the next recovery") from exc
        self._finish(discard=True)

    def _finish(self, discard: bool = False) -> None:
        self._done = True
        self._discarding = discard
        self._pending.clear()
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

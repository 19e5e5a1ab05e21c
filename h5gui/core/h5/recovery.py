"""Finding and rolling back interrupted h5gui edits: the journal beside a file, and its owner's lock.

An edit (:class:`h5gui.core.h5.journal.JournaledFile`) keeps ``NAME.h5gui-journal`` beside the file
(from its first change on) and holds an exclusive ``flock`` on both for its whole life. A journal whose file lock is free was
left by a process that died (the kernel releases a dead process's locks): it is rolled back, unless
it belongs to another file (its ``st_dev``/``st_ino`` differ) or is damaged; then it is left alone
and reported in one line.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import logging
import os
from pathlib import Path

from h5gui.core.h5 import undo_log

log = logging.getLogger(__name__)

JOURNAL_SUFFIX = ".h5gui-journal"


def journal_path(path: str | os.PathLike[str]) -> Path:
    """Where the journal of ``path`` lives: ``NAME.h5gui-journal`` beside the real file (links resolved)."""
    real = Path(os.path.realpath(path))
    return real.with_name(real.name + JOURNAL_SUFFIX)


@dataclasses.dataclass(frozen=True)
class RecoveryOutcome:
    """What :func:`recover_file` found and did.

    Attributes
    ----------
    kind : str
        ``"rolled_back"`` (the file is as before the interrupted edit), ``"unfinished"`` (a journal
        killed while it was being made, before it guarded any write, was removed), ``"in_use"`` (a live edit
        holds it), ``"foreign"`` (the journal belongs to another file), ``"damaged"`` (the journal
        cannot be trusted) or ``"unreachable"`` (the file is missing or not writable). Only
        ``rolled_back`` changed anything.
    message : str
        One line naming the file.
    """

    kind: str
    message: str

    @property
    def ok(self) -> bool:
        """The file can be edited now (no journal remains)."""
        return self.kind in ("rolled_back", "unfinished")


def try_lock(fd: int) -> bool:
    """Take an exclusive ``flock`` on ``fd`` without waiting; False when another open file holds one."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _kib(n: int) -> str:
    return f"{n / 1024:,.1f} KiB" if n < 1 << 20 else f"{n / 2**20:,.1f} MiB"


def recover_locked(path: Path, data_fd: int, jpath: Path) -> RecoveryOutcome | None:
    """Roll ``path`` back from ``jpath``; the caller holds the data file's lock on ``data_fd``.

    Returns
    -------
    RecoveryOutcome or None
        None when there is no journal.
    """
    try:
        jfd = os.open(jpath, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        if not try_lock(jfd):
            return RecoveryOutcome("in_use", f"{path}: another process holds its edit journal; left alone")
        head = undo_log.pread_exact(jfd, undo_log.HEADER_SIZE, 0)
        if len(head) < undo_log.HEADER_SIZE or head.count(0) == len(head):
            # killed (or power lost) before its header was complete: no overwrite was made yet
            os.unlink(jpath)
            undo_log.fsync_dir(jpath.parent)
            msg = f"{path}: removed the journal of an edit interrupted before it changed anything"
            log.warning("%s", msg)
            return RecoveryOutcome("unfinished", msg)
        try:
            header, records, ignored = undo_log.read_journal(jfd)
        except undo_log.JournalDamaged as exc:
            msg = f"{jpath}: damaged edit journal ({exc}); left alone, not applied"
            log.warning("%s", msg)
            return RecoveryOutcome("damaged", msg)
        st = os.fstat(data_fd)
        if (header.st_dev, header.st_ino) != (st.st_dev, st.st_ino):
            msg = (f"{jpath}: edit journal of another file (device {header.st_dev}, inode {header.st_ino}; "
                   f"{path.name} is device {st.st_dev}, inode {st.st_ino}); left alone, not applied")
            log.warning("%s", msg)
            return RecoveryOutcome("foreign", msg)
        restored = undo_log.restore(data_fd, jfd, header, records)
        os.unlink(jpath)
        undo_log.fsync_dir(jpath.parent)
    finally:
        os.close(jfd)
    tail = f", an unfinished {ignored}-byte tail ignored" if ignored else ""
    msg = (f"{path}: rolled back an interrupted edit ({len(records)} saved ranges, {_kib(restored)} written back, "
           f"size {header.original_size:,} bytes{tail})")
    log.warning("%s", msg)
    return RecoveryOutcome("rolled_back", msg)


def recover_file(path: str | os.PathLike[str]) -> RecoveryOutcome | None:
    """Roll back an interrupted edit of ``path`` if its journal is there and no live process holds it.

    Idempotent: a rollback that is itself killed is finished by the next call.

    Parameters
    ----------
    path : path-like
        The HDF5 file (not the journal).

    Returns
    -------
    RecoveryOutcome or None
        None when there is no journal.
    """
    real = Path(os.path.realpath(path))
    jpath = journal_path(real)
    if not os.path.lexists(jpath):
        return None
    try:
        fd = os.open(real, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        why = "it is missing" if exc.errno == errno.ENOENT else f"it cannot be opened for writing: {exc.strerror}"
        msg = f"{path}: an interrupted edit left {jpath.name}, but {why}; left alone"
        log.warning("%s", msg)
        return RecoveryOutcome("unreachable", msg)
    try:
        if not try_lock(fd):
            return RecoveryOutcome("in_use", f"{path} is being edited right now (its lock is held); its journal was left alone")
        return recover_locked(real, fd, jpath)
    finally:
        os.close(fd)


def recover(path: str | os.PathLike[str]) -> str | None:
    """Roll back an interrupted edit of ``path`` (see :func:`recover_file`).

    Returns
    -------
    str or None
        One line saying what was done or why the journal was left alone; None without a journal.
    """
    outcome = recover_file(path)
    return None if outcome is None else outcome.message

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

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

import h5py

from h5gui.core.errors import BadRequestError, FileAccessError, H5GuiError
from h5gui.core.h5.journaled_file import JournaledFile
from h5gui.core.h5.recovery import (
    JOURNAL_SUFFIX,
    RecoveryOutcome,
    journal_path,
    recover,
    recover_file,
)
from h5gui.core.h5.superblock import SWMR_WRITE_ACCESS, cleared, consistency_flag_set

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


def _close_quietly(f: h5py.File, name: str) -> None:
    """Close an h5py file on the way out of a failed edit (it is rolled back next, so errors only get logged)."""
    try:
        f.close()
    except (H5GuiError, OSError, RuntimeError, ValueError, KeyError) as exc:
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
        sb = jf.superblock()
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
        # roll back first, then let HDF5 close: its last writes are dropped, none can fail
        jf.rollback()
        _close_quietly(f, str(path))
        raise
    try:
        f.close()
        jf.commit()
    except BaseException:
        jf.rollback()
        _close_quietly(f, str(path))
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
        sb = jf.superblock()
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

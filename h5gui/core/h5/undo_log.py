"""The on-disk format of h5gui's edit journal (``NAME.h5gui-journal``) and rolling a file back from it.

A journal is a 64-byte header followed by records, each holding bytes of the data file as they were
before the edit began::

    header  magic "H5GUIJNL" | version u32 | page size u32 | original size u64 | st_dev u64 |
            st_ino u64 | nonce u64 | crc32 u32 (of everything before it) | zero padding to 64
    record  offset u64 | length u32 | crc32 u32 (of nonce, offset, length and data) | data

All integers are little-endian. The random nonce is part of every record checksum, so bytes left on
disk by an earlier journal or another file can never pass as a record of this one. Records never
overlap (each page of the data file is saved at most once) and lie below the original size.

Rolling back writes every record back, truncates the file to its original size and syncs it; it
only reads the journal, so a rollback interrupted by a kill can simply be done again.

Which records count: a record cut short by the end of the journal, or a tail of zeros, is a write
the editor never finished (its data write was never started: the journal is synced before any
overwrite reaches the file) and is ignored. Any other bad record makes the whole journal "damaged":
it is then never applied.
"""

from __future__ import annotations

import dataclasses
import os
import struct
import zlib
from pathlib import Path

MAGIC = b"H5GUIJNL"
VERSION = 1
HEADER_SIZE = 64
MAX_RECORD = 1 << 20  # originals are saved in records of at most 1 MiB
_HEAD = struct.Struct("<8sIIQQQQ")  # magic, version, page size, original size, st_dev, st_ino, nonce
_REC = struct.Struct("<QII")  # offset, length, crc32
_CRC = struct.Struct("<I")
_NONCE = struct.Struct("<Q")
_BLOCK = 1 << 20


class JournalDamaged(Exception):
    """The journal cannot be trusted (bad header, bad record, record outside the file)."""


@dataclasses.dataclass(frozen=True)
class Header:
    """A journal header."""

    page_size: int
    original_size: int
    st_dev: int
    st_ino: int
    nonce: int

    def encode(self) -> bytes:
        """The 64 header bytes."""
        body = _HEAD.pack(MAGIC, VERSION, self.page_size, self.original_size, self.st_dev, self.st_ino, self.nonce)
        body += _CRC.pack(zlib.crc32(body))
        return body + bytes(HEADER_SIZE - len(body))

    @classmethod
    def decode(cls, raw: bytes) -> Header:
        """Parse and check the header.

        Raises
        ------
        JournalDamaged
            Wrong magic, version or checksum, or too short.
        """
        n = _HEAD.size
        if len(raw) < HEADER_SIZE:
            raise JournalDamaged(f"header cut short ({len(raw)} bytes)")
        magic, version, page_size, size, dev, ino, nonce = _HEAD.unpack_from(raw)
        if magic != MAGIC:
            raise JournalDamaged("not an h5gui journal")
        if _CRC.unpack_from(raw, n)[0] != zlib.crc32(raw[:n]):
            raise JournalDamaged("header checksum mismatch")
        if version != VERSION:
            raise JournalDamaged(f"journal version {version}, this h5gui reads {VERSION}")
        if page_size <= 0:
            raise JournalDamaged("bad page size")
        return cls(page_size, size, dev, ino, nonce)


@dataclasses.dataclass(frozen=True)
class Record:
    """One saved range: ``length`` original bytes of the data file at ``offset``, at ``position`` in the journal."""

    offset: int
    length: int
    position: int


def record_bytes(nonce: int, offset: int, data: bytes | memoryview) -> bytes:
    """Encode one record."""
    crc = zlib.crc32(data, zlib.crc32(_NONCE.pack(nonce) + struct.pack("<QI", offset, len(data))))
    return _REC.pack(offset, len(data), crc) + bytes(data)


def pread_exact(fd: int, size: int, offset: int) -> bytes:
    """``size`` bytes at ``offset`` (fewer only at the end of the file)."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        chunk = os.pread(fd, size - got, offset + got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def pwrite_all(fd: int, data: bytes | memoryview, offset: int) -> None:
    """Write all of ``data`` at ``offset``."""
    view = memoryview(data)
    done = 0
    while done < len(view):
        done += os.pwrite(fd, view[done:], offset + done)


def _zeros_from(fd: int, position: int, end: int) -> bool:
    while position < end:
        block = pread_exact(fd, min(_BLOCK, end - position), position)
        if not block or block.count(0) != len(block):
            return False
        position += len(block)
    return True


def read_journal(fd: int) -> tuple[Header, list[Record], int]:
    """Parse a journal and check every record.

    Returns
    -------
    header, records, ignored
        ``ignored`` is the number of bytes of an unfinished tail that was skipped.

    Raises
    ------
    JournalDamaged
        The header or a record in the middle is bad, or a record lies outside the original file.
    """
    end = os.fstat(fd).st_size
    header = Header.decode(pread_exact(fd, HEADER_SIZE, 0))
    records: list[Record] = []
    pos = HEADER_SIZE
    while pos < end:
        head = pread_exact(fd, _REC.size, pos)
        if len(head) < _REC.size:
            break  # cut short: an append that never finished
        offset, length, crc = _REC.unpack(head)
        sane = 0 < length <= MAX_RECORD and offset + length <= header.original_size
        if not sane:
            if _zeros_from(fd, pos, end):
                break
            raise JournalDamaged(f"bad record at byte {pos}")
        data_at = pos + _REC.size
        if data_at + length > end:
            break  # cut short
        check = zlib.crc32(_NONCE.pack(header.nonce) + struct.pack("<QI", offset, length))
        check = zlib.crc32(pread_exact(fd, length, data_at), check)
        if check != crc:
            if _zeros_from(fd, pos, end):
                break
            raise JournalDamaged(f"record checksum mismatch at byte {pos}")
        records.append(Record(offset, length, data_at))
        pos = data_at + length
    return header, records, end - pos


def restore(data_fd: int, journal_fd: int, header: Header, records: list[Record]) -> int:
    """Write the saved bytes back, truncate to the original size and sync: the file is as before.

    Returns
    -------
    int
        Bytes written back.
    """
    restored = 0
    for rec in reversed(records):
        data = pread_exact(journal_fd, rec.length, rec.position)
        if len(data) != rec.length:
            raise OSError(f"journal shrank while rolling back (record at byte {rec.position})")
        pwrite_all(data_fd, data, rec.offset)
        restored += rec.length
    os.ftruncate(data_fd, header.original_size)
    os.fsync(data_fd)
    return restored


def fsync_dir(folder: Path) -> None:
    """Make a creation, rename or removal in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""The HDF5 superblock: where it is, its version, its file-consistency flags, its checksum.

HDF5 marks a file "open for writing" in the superblock's *file consistency flags* when it opens it
read-write and clears the mark when it closes it. A process that dies in between leaves the mark;
for superblock version 3 (files written with ``libver="latest"`` and every SWMR file) HDF5 then
refuses to open the file, in any mode, until the mark is cleared (``h5clear -s``). Versions 0 and 1
have a 4-byte flags field that HDF5 writes but never checks; version 2 has the 1-byte field of
version 3, also never checked. This module reads the superblock and computes what clearing the
mark writes (the flags byte and the superblock checksum, Bob Jenkins' lookup3 ``hashlittle`` with
initial value 0, as the HDF5 file format specification prescribes for every checksummed
metadata block).

Layout (HDF5 file format specification, "Superblock"): the 8-byte signature sits at byte 0 of the
file or, after a user block, at 512, 1024, 2048, ... Then

* versions 0 and 1: version, free-space version, root symbol-table version, reserved, shared-header
  version, size of offsets, size of lengths, reserved, group leaf K (2), group internal K (2),
  **flags (4)**, ...;
* versions 2 and 3: version, size of offsets, size of lengths, **flags (1)**, base address,
  superblock extension address, end-of-file address, root object header address (each "size of
  offsets" bytes), **checksum (4)** of everything before it.
"""

from __future__ import annotations

import dataclasses
import os

SIGNATURE = b"\x89HDF\r\n\x1a\n"
_MASK = 0xFFFFFFFF
#: HDF5's flag bits (H5F_SUPER_WRITE_ACCESS, H5F_SUPER_SWMR_WRITE_ACCESS)
WRITE_ACCESS = 0x01
SWMR_WRITE_ACCESS = 0x04


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _MASK


def lookup3(data: bytes | bytearray | memoryview, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle`` of ``data`` (the checksum of HDF5 metadata blocks).

    Parameters
    ----------
    data : bytes-like
        The bytes to hash.
    initval : int
        The initial value (HDF5 uses 0).

    Returns
    -------
    int
        The 32-bit hash.
    """
    data = bytes(data)
    n = len(data)
    a = b = c = (0xDEADBEEF + n + initval) & _MASK
    i = 0
    while n - i > 12:
        a = (a + int.from_bytes(data[i : i + 4], "little")) & _MASK
        b = (b + int.from_bytes(data[i + 4 : i + 8], "little")) & _MASK
        c = (c + int.from_bytes(data[i + 8 : i + 12], "little")) & _MASK
        # mix(a, b, c)
        a = (a - c) & _MASK
        a ^= _rot(c, 4)
        c = (c + b) & _MASK
        b = (b - a) & _MASK
        b ^= _rot(a, 6)
        a = (a + c) & _MASK
        c = (c - b) & _MASK
        c ^= _rot(b, 8)
        b = (b + a) & _MASK
        a = (a - c) & _MASK
        a ^= _rot(c, 16)
        c = (c + b) & _MASK
        b = (b - a) & _MASK
        b ^= _rot(a, 19)
        a = (a + c) & _MASK
        c = (c - b) & _MASK
        c ^= _rot(b, 4)
        b = (b + a) & _MASK
        i += 12
    rest = n - i
    if rest == 0:
        return c
    tail = data[i:] + bytes(12 - rest)  # the last 1..12 bytes, zero-padded (hashlittle's switch)
    a = (a + int.from_bytes(tail[0:4], "little")) & _MASK
    b = (b + int.from_bytes(tail[4:8], "little")) & _MASK
    c = (c + int.from_bytes(tail[8:12], "little")) & _MASK
    # final(a, b, c)
    c ^= b
    c = (c - _rot(b, 14)) & _MASK
    a ^= c
    a = (a - _rot(c, 11)) & _MASK
    b ^= a
    b = (b - _rot(a, 25)) & _MASK
    c ^= b
    c = (c - _rot(b, 16)) & _MASK
    a ^= c
    a = (a - _rot(c, 4)) & _MASK
    b ^= a
    b = (b - _rot(a, 14)) & _MASK
    c ^= b
    c = (c - _rot(b, 24)) & _MASK
    return c


@dataclasses.dataclass(frozen=True)
class Superblock:
    """What h5gui needs of a superblock.

    Attributes
    ----------
    offset : int
        Where the signature is (0, or the size of the user block).
    version : int
        Superblock version (0 to 3).
    flags : int
        The file consistency flags.
    flags_offset : int
        Absolute position of the flags field (1 byte for versions 2 and 3, 4 bytes before).
    checksum_ok : bool
        Versions 2 and 3: the stored checksum matches; versions 0 and 1: True (they have none).
    raw : bytes
        Versions 2 and 3: the whole superblock, checksum included; versions 0 and 1: empty.
    """

    offset: int
    version: int
    flags: int
    flags_offset: int
    checksum_ok: bool
    raw: bytes = b""

    @property
    def refuses_open(self) -> bool:
        """HDF5 refuses to open the file while it has this mark (version 3 and up, flags set)."""
        return self.version >= 3 and self.flags != 0


def _pread(fd: int, size: int, offset: int) -> bytes:
    out = b""
    while len(out) < size:
        chunk = os.pread(fd, size - len(out), offset + len(out))
        if not chunk:
            break
        out += chunk
    return out


def read_superblock_fd(fd: int) -> Superblock | None:
    """Find and decode the superblock of the open file ``fd``; None when there is none (not HDF5).

    Parameters
    ----------
    fd : int
        A file descriptor open for reading.

    Returns
    -------
    Superblock or None
    """
    size = os.fstat(fd).st_size
    offset = 0
    while offset + len(SIGNATURE) <= size:
        if _pread(fd, len(SIGNATURE), offset) == SIGNATURE:
            return _decode(fd, offset)
        offset = 512 if offset == 0 else offset * 2
    return None


def _decode(fd: int, offset: int) -> Superblock | None:
    head = _pread(fd, 24, offset)
    if len(head) < 12:
        return None
    version = head[8]
    if version in (0, 1):
        if len(head) < 24:
            return None
        flags = int.from_bytes(head[20:24], "little")
        return Superblock(offset, version, flags, offset + 20, True)
    if version in (2, 3):
        size_of_offsets = head[9]
        if size_of_offsets not in (2, 4, 8, 16, 32):
            return None
        length = 12 + 4 * size_of_offsets + 4
        raw = _pread(fd, length, offset)
        if len(raw) < length:
            return None
        stored = int.from_bytes(raw[-4:], "little")
        return Superblock(offset, version, raw[11], offset + 11, lookup3(raw[:-4]) == stored, raw)
    return None


def read_superblock(path: str | os.PathLike[str]) -> Superblock | None:
    """Find and decode the superblock of the file at ``path``; None when it has none (not HDF5).

    Raises
    ------
    OSError
        The file cannot be opened for reading.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return read_superblock_fd(fd)
    finally:
        os.close(fd)


def consistency_flag_set(path: str | os.PathLike[str]) -> bool:
    """Whether the superblock carries HDF5's "open for writing" mark (versions 2 and 3).

    Versions 0 and 1 return False: their flags field exists, HDF5 writes it but never reads it, so
    it never blocks a reader. Of versions 2 and 3 only 3 makes HDF5 refuse the file
    (:attr:`Superblock.refuses_open`).

    Parameters
    ----------
    path : path-like
        The HDF5 file.

    Returns
    -------
    bool
        False also for a file that is not HDF5.
    """
    sb = read_superblock(path)
    return sb is not None and sb.version >= 2 and sb.flags != 0


def cleared(sb: Superblock) -> tuple[int, bytes]:
    """What clearing the mark writes: ``(position, bytes)`` (flags zeroed, checksum recomputed).

    Parameters
    ----------
    sb : Superblock
        A version 2 or 3 superblock whose checksum is correct.

    Returns
    -------
    tuple of (int, bytes)
        Write ``bytes`` at ``position`` (the whole superblock).
    """
    if sb.version < 2 or not sb.checksum_ok:
        raise ValueError("only a version 2 or 3 superblock with a correct checksum can be rewritten")
    body = bytearray(sb.raw[:-4])
    body[11] = 0
    return sb.offset, bytes(body) + lookup3(body).to_bytes(4, "little")

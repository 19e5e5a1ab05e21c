"""Reading a file that a crashed writer left marked "open for writing" (superblock v3), without
changing it: HDF5 reads it through a file object that shows the superblock with the mark cleared."""

from __future__ import annotations

import io
import os
from typing import Any

import h5py

from h5gui.core.errors import FileAccessError
from h5gui.core.h5.superblock import cleared, read_superblock


class UnmarkedView(io.RawIOBase):
    """The bytes of ``path``, read-only, with its superblock shown as if the mark were cleared."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        sb = read_superblock(path)
        if sb is None or sb.version < 2:
            raise FileAccessError(f"{path}: no HDF5 'open for writing' mark to read past")
        if not sb.checksum_ok:
            raise FileAccessError(f"{path}: the superblock checksum does not match: it is damaged, not only marked")
        self._start, self._patch = cleared(sb)
        self._fh = open(path, "rb")  # noqa: SIM115 - closed with this object
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = self._fh.seek(offset, whence)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        self._fh.seek(self._pos)
        n = self._fh.readinto(view) or 0
        lo, hi = max(self._pos, self._start), min(self._pos + n, self._start + len(self._patch))
        if lo < hi:  # the part of the superblock in this read
            view[lo - self._pos:hi - self._pos] = self._patch[lo - self._start:hi - self._start]
        self._pos += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def open_read_only(path: str | os.PathLike[str]) -> h5py.File:
    """``path`` open read-only past its mark (the file's bytes are not changed)."""
    view = UnmarkedView(path)
    try:
        f = h5py.File(view, "r")
    except OSError as exc:
        view.close()
        raise FileAccessError(f"Cannot open {path} even past its mark: {exc}") from exc
    f._h5gui_view = view  # kept alive with the file
    return f

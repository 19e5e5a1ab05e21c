"""New files are written under a temporary name and moved into place when complete.

:class:`PartialFile` is the one way h5gui writes a new file (import into a new file, export, compact):

* the temporary name ``FINAL.partial`` is *claimed* with ``O_CREAT | O_EXCL`` before anything is
  written, and held with an exclusive ``flock`` while the work runs. A second writer aimed at the same
  target is refused in one line instead of truncating the first one's file (HDF5's own lock comes too
  late: ``h5py.File(name, "w")`` truncates before it refuses);
* a claim left by a killed process (the file exists, nobody holds its lock) is named as a leftover,
  with its size and age, and removed only when the caller asks (``replace_leftover=True``);
* :meth:`PartialFile.publish` checks that the file is still the one claimed (same device and inode),
  runs the caller's verification, and moves it into place without replacing a file that appeared
  meanwhile (unless ``overwrite``);
* leaving the block without publishing (error, cancel) removes the temporary file, but only if it is
  still the one this claim created.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from h5gui.core.errors import FileAccessError
from h5gui.core.h5 import locks

log = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"


def partial_name(final: str | os.PathLike[str]) -> Path:
    """The temporary name a new file is written under before it is moved to ``final``."""
    final = Path(final)
    return final.with_name(final.name + PARTIAL_SUFFIX)


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def leftover_of(final: str | os.PathLike[str]) -> str | None:
    """One line describing a ``FINAL.partial`` left by an interrupted run, or None.

    A partial file whose claim is still held by a running h5gui is not a leftover (None).
    """
    partial = partial_name(final)
    try:
        st = partial.lstat()
    except OSError:
        return None
    if _held(partial):
        return None
    return (f"{partial} is left over from an interrupted run ({st.st_size:,} bytes, "
            f"{_age(max(0.0, time.time() - st.st_mtime))} old)")


def _held(partial: Path) -> bool:
    """Whether a live process holds the claim on ``partial`` (its exclusive flock)."""
    return os.path.lexists(partial) and not partial.is_symlink() and locks.held(partial)


class PartialFile:
    """An exclusive claim on ``FINAL.partial`` for the life of a ``with`` block (see the module notes)."""

    def __init__(self, final: str | os.PathLike[str], *, overwrite: bool = False,
                 replace_leftover: bool = False) -> None:
        self.final = os.path.abspath(os.path.expanduser(str(final)))
        self.path = str(partial_name(self.final))
        self.overwrite = overwrite
        self.replace_leftover = replace_leftover
        self.published = False
        self._fd: int | None = None
        self._ident: tuple[int, int] | None = None

    # -- claim
    def __enter__(self) -> PartialFile:
        self.claim()
        return self

    def claim(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        except FileExistsError:
            fd = self._take_leftover()
        except OSError as exc:
            raise FileAccessError(f"cannot create {self.path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:  # someone opened it between our create and our lock
            os.close(fd)
            raise FileAccessError(f"{self.path} is being written by another program") from exc
        st = os.fstat(fd)
        self._fd, self._ident = fd, (st.st_dev, st.st_ino)

    def _take_leftover(self) -> int:
        if _held(Path(self.path)):
            raise FileAccessError(f"{self.final} is being written by another h5gui run ({self.path} exists); "
                                  "wait for it to finish")
        what = leftover_of(self.final) or f"{self.path} exists"
        if not self.replace_leftover:
            raise FileAccessError(f"{what}: remove it first (nothing was written)")
        log.warning("removing %s", what)
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            raise FileAccessError(f"cannot create {self.path}: {exc.strerror or exc}") from exc

    # -- finish
    def _still_ours(self) -> bool:
        try:
            st = os.lstat(self.path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self._ident

    def publish(self, verify: Callable[[str], None] | None = None) -> None:
        """Move the finished file to its final name.

        ``verify(path)`` may inspect the finished temporary file and raise to refuse it. Raises
        :class:`FileAccessError` when the file was replaced or removed by someone else, or (without
        ``overwrite``) when ``FINAL`` appeared meanwhile: the result then stays under its temporary name.
        """
        if not self._still_ours():
            raise FileAccessError(f"{self.path} was replaced or removed by another program during the write; "
                                  f"{self.final} was not written")
        if verify is not None:
            verify(self.path)
        with contextlib.suppress(OSError):
            if self._fd is not None:
                os.fsync(self._fd)
        try:
            self._move()
        finally:
            self._release()

    def _move(self) -> None:
        if self.overwrite:
            os.replace(self.path, self.final)
            self.published = True
            return
        try:
            os.link(self.path, self.final)
        except FileExistsError:
            self.published = True  # complete: kept for the user under its temporary name
            raise FileAccessError(f"{self.final} appeared meanwhile; the result is in {self.path}") from None
        except OSError:  # a file system without hard links
            if os.path.lexists(self.final):
                self.published = True
                raise FileAccessError(f"{self.final} appeared meanwhile; the result is in {self.path}") from None
            os.replace(self.path, self.final)
        else:
            os.remove(self.path)
        self.published = True

    def discard(self) -> None:
        """Remove the temporary file (if it is still the one claimed) and drop the claim."""
        if not self.published and self._ident is not None and self._still_ours():
            with contextlib.suppress(OSError):
                os.remove(self.path)
        self._release()

    def _release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()


# ---------------------------------------------------------------------------------------------
# temporary objects inside a file

TEMP_PREFIX = ".h5gui-"  # every object or attribute h5gui writes under a temporary name starts so


def temp_name(kind: str, about: str = "", taken: Callable[[str], bool] | None = None) -> str:
    """A fresh temporary name: ``.h5gui-KIND-PID-RANDOM[-ABOUT]``.

    ``kind`` says what is being written (``import``, ``partial``, ``old``, ``copy``, ``attr``);
    ``about`` names the object it will become. ``taken(name)`` rejects names already in use.
    """
    while True:
        name = f"{TEMP_PREFIX}{kind}-{os.getpid()}-{secrets.token_hex(4)}" + (f"-{about}" if about else "")
        if taken is None or not taken(name):
            return name


def is_temp(name: str) -> bool:
    """Whether a link or attribute name is one of h5gui's temporary names (a write in progress or a
    leftover of a killed one)."""
    return name.startswith(TEMP_PREFIX)


def file_id(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """``(device, inode)`` of a local file (a file rewritten and moved into place gets a new one), or None."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # not a local file (a URL), or gone
        return None
    return st.st_dev, st.st_ino

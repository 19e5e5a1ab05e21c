"""Named POSIX shared memory as plain ``mmap`` objects (both sides of the I/O process use it).

:class:`multiprocessing.shared_memory.SharedMemory` is not used because its mapping cannot be handed to
numpy without copying (closing it while an array still uses it raises, and its ``__del__`` closes it),
and because on Python < 3.13 every attach registers the name with the resource tracker. Here a
mapping is an ``mmap`` object: arrays unpickled over it keep it alive, it is unmapped when the last one
dies, and a ``weakref.finalize`` on it says when. Leftovers are found by name prefix instead
(:func:`sweep`, :func:`sweep_orphans`).

Mappings are made with ``MAP_POPULATE`` where Linux has it: the page tables are filled in one system
call instead of one page fault per 4 KiB (a 4 MB frame: 1,024 faults, several ms on a VM).
"""

from __future__ import annotations

import logging
import mmap
import os
import re

log = logging.getLogger(__name__)

try:  # the module behind multiprocessing.shared_memory on every POSIX build of CPython
    import _posixshmem
except ImportError:  # pragma: no cover - Windows
    _posixshmem = None

AVAILABLE = _posixshmem is not None
SHM_DIR = "/dev/shm"
_FLAGS = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
_OWNER = re.compile(r"^h5g(\d+)_")


def create(name: str, size: int) -> mmap.mmap:
    """Create segment ``name`` of ``size`` bytes (pages allocated now) and map it; FileExistsError if taken."""
    assert _posixshmem is not None
    fd = _posixshmem.shm_open("/" + name, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
    try:
        os.ftruncate(fd, size)
        return mmap.mmap(fd, size, flags=_FLAGS)
    except BaseException:
        unlink(name)
        raise
    finally:
        os.close(fd)


def attach(name: str) -> mmap.mmap:
    """Map the existing segment ``name`` (FileNotFoundError if it is gone)."""
    assert _posixshmem is not None
    fd = _posixshmem.shm_open("/" + name, os.O_RDWR, mode=0o600)
    try:
        return mmap.mmap(fd, os.fstat(fd).st_size, flags=_FLAGS)
    finally:
        os.close(fd)


def unlink(name: str) -> bool:
    """Remove the name ``name`` (mappings stay valid until unmapped); True when it existed."""
    if _posixshmem is None:
        return False
    try:
        _posixshmem.shm_unlink("/" + name)
    except FileNotFoundError:
        return False
    return True


def has_room(nbytes: int, reserve: int = 16 * 1024 * 1024) -> bool:
    """Whether ``/dev/shm`` has ``nbytes`` free beyond ``reserve`` (writing into a full tmpfs is a SIGBUS)."""
    try:
        st = os.statvfs(SHM_DIR)
    except OSError:  # no /dev/shm (not Linux): nothing to check against
        return True
    return st.f_bavail * st.f_frsize >= nbytes + reserve


def _names() -> list[str]:
    try:
        return os.listdir(SHM_DIR)
    except OSError:
        return []


def sweep(prefix: str) -> list[str]:
    """Unlink every segment whose name starts with ``prefix`` (what a dead I/O process left behind)."""
    return [n for n in _names() if n.startswith(prefix) and unlink(n)]


def sweep_orphans() -> list[str]:
    """Unlink segments of h5gui processes that are gone (``h5g<pid>_...`` whose pid does not run): a GUI
    that crashed while a frame was in flight."""
    gone = []
    for n in _names():
        m = _OWNER.match(n)
        if m is None:
            continue
        pid = int(m.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            if unlink(n):
                gone.append(n)
        except PermissionError:  # another user's process
            continue
    if gone:
        log.info("removed %d shared memory segments of h5gui processes that are gone", len(gone))
    return gone

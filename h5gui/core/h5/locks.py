"""Whether another live process holds a file's lock (flock): the one probe for HDF5 writers and for
h5gui's claims on temporary files."""

from __future__ import annotations

import fcntl
import os


def held(path: str | os.PathLike[str]) -> bool:
    """True when a live process holds an exclusive ``flock`` on ``path`` (a dead holder releases it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False

"""What both sides need to know about the I/O process: its start configuration and its memory.

Memory figures come from ``/proc`` (Linux); elsewhere they are ``None`` and the memory ceiling is
enforced by ``RLIMIT_AS`` alone where the platform has it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True, slots=True)
class ChildConfig:
    """How an I/O process is set up (sent to it at start).

    Attributes
    ----------
    prefix : str
        Prefix of the shared memory segments this process creates (unique to it).
    shm_threshold : int
        Buffers of at least this many bytes go through shared memory.
    progress_interval : float
        Seconds between forwarded progress records of one job (the final one always goes).
    memory_limit : int or None
        The ceiling in bytes: the supervisor kills the process when its resident memory exceeds it, and
        the process caps its address space at its start-up mapping plus 1.25 x this; None: no limit.
    preload : tuple of str
        Modules to import at start (already imported when the process came from a primed fork server).
    log_level : int
        Level of the process's logging (to stderr).
    """

    prefix: str
    shm_threshold: int
    progress_interval: float
    memory_limit: int | None
    preload: tuple[str, ...]
    log_level: int = logging.WARNING


def physical_memory() -> int | None:
    """Bytes of RAM of this machine, or None when unknown."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def _statm(pid: int | str) -> tuple[int, int] | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            fields = fh.read().split()
    except OSError:
        return None
    return int(fields[0]) * _PAGE, int(fields[1]) * _PAGE


def rss(pid: int | str = "self") -> int | None:
    """Resident memory of ``pid`` in bytes (None when it cannot be read: gone, not Linux)."""
    m = _statm(pid)
    return None if m is None else m[1]


def vm_size(pid: int | str = "self") -> int | None:
    """Mapped address space of ``pid`` in bytes (what ``RLIMIT_AS`` counts)."""
    m = _statm(pid)
    return None if m is None else m[0]


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def format_bytes(n: float) -> str:
    """``'2 GB'``, ``'1.5 GB'``, ``'300 MB'`` (decimal units, as the user reads them)."""
    if n >= 1e9:
        text = f"{n / 1e9:.1f}".removesuffix(".0")
        return f"{text} GB"
    return f"{max(1, round(n / 1e6))} MB"

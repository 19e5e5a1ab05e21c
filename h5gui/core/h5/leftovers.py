"""Leftovers of interrupted writes: objects h5gui wrote under a temporary name (``/.h5gui-...``) that a
killed process never moved into place or removed. Found on open, named, removed when the user asks."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import h5py

from h5gui.core.h5 import staging
from h5gui.core.h5.messages import reason_of
from h5gui.core.paths import decode

log = logging.getLogger(__name__)

SCAN_SECONDS = 2.0  # a file with millions of links is checked for this long, then said to be partly checked


@dataclass(frozen=True, slots=True)
class Leftover:
    path: str
    kind: str  # 'group' | 'dataset' | 'other'
    nbytes: int  # storage of the datasets it holds


@dataclass(frozen=True, slots=True)
class LeftoverScan:
    file: str
    items: tuple[Leftover, ...]
    complete: bool  # False: the scan stopped at its time budget

    @property
    def nbytes(self) -> int:
        return sum(i.nbytes for i in self.items)

    def text(self) -> str:
        """One line for the status bar, a banner or the CLI; ``''`` when there is nothing to say."""
        if not self.items:
            return "" if self.complete else f"{self.file}: not every object was checked for leftovers"
        from h5gui.core.text import format_bytes

        shown = ", ".join(i.path for i in self.items[:3]) + (", ..." if len(self.items) > 3 else "")
        return (f"{self.file} holds {len(self.items)} leftover(s) of interrupted h5gui writes "
                f"({format_bytes(self.nbytes)}: {shown})")


def _storage(f: h5py.File, path: str) -> int:
    obj = f.get(path, getclass=False)
    if isinstance(obj, h5py.Dataset):
        return int(obj.id.get_storage_size())
    total = 0
    if isinstance(obj, h5py.Group):
        def add(_name: str, o: object) -> None:
            nonlocal total
            if isinstance(o, h5py.Dataset):
                total += int(o.id.get_storage_size())
        obj.visititems(add)
    return total


def scan(f: h5py.File, file: str, budget: float = SCAN_SECONDS) -> LeftoverScan:
    """Every temporary object below the root of the open file ``f`` (never inside another leftover)."""
    found: list[str] = []
    deadline = time.monotonic() + budget
    complete = True

    def visit(raw: bytes) -> int | None:
        nonlocal complete
        name = decode(raw)
        base = name.rsplit("/", 1)[-1]
        if staging.is_temp(base) and not any(name.startswith(p + "/") for p in found):
            found.append(name)
        if time.monotonic() > deadline:
            complete = False
            return 1  # stop
        return None

    try:
        f.id.links.visit(visit)
    except (RuntimeError, KeyError, OSError) as exc:  # a damaged group: what was seen so far is reported
        log.info("leftover scan of %s stopped: %s", file, reason_of(exc))
        complete = False
    items = []
    for name in found:
        obj = f.get("/" + name, getclass=True)
        kind = "group" if obj is h5py.Group else "dataset" if obj is h5py.Dataset else "other"
        try:
            size = _storage(f, "/" + name)
        except (RuntimeError, KeyError, OSError):
            size = 0
        items.append(Leftover("/" + name, kind, size))
    return LeftoverScan(file, tuple(items), complete)

"""Looking after files: leftovers of interrupted writes (issue 10 item 7)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from h5gui.core.errors import BadRequestError

if TYPE_CHECKING:
    from h5gui.core.h5.leftovers import LeftoverScan

__all__ = ["LeftoverSummary", "find_leftovers", "is_leftover_name", "leftover_note", "leftover_summary",
           "recover_interrupted", "remove_leftovers"]


def recover_interrupted(file: str | os.PathLike[str]) -> str | None:
    """Roll back an edit of ``file`` that a killed h5gui left unfinished (its undo journal beside the
    file); one line saying what was done, or None. Cheap when there is nothing (one ``stat``), and
    imports no h5py: the CLI calls it before handing a file to its reader process."""
    from h5gui.core.h5 import recovery

    if "://" in os.fspath(file) or not recovery.journal_path(file).exists():
        return None
    outcome = recovery.recover_file(file)
    return None if outcome is None or outcome.kind == "in_use" else outcome.message


def is_leftover_name(name: str) -> bool:
    """Whether a link name is one of h5gui's temporary names (a write in progress or a leftover)."""
    from h5gui.core.h5 import staging

    return staging.is_temp(name.rstrip("/").rsplit("/", 1)[-1])


def leftover_note(file: str, paths: Sequence[str]) -> str:
    """The one line a listing adds when it shows leftovers (``''`` when ``paths`` holds none)."""
    found = [p for p in paths if is_leftover_name(p)]
    if not found:
        return ""
    shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
    return (f"{len(found)} leftover(s) of interrupted h5gui writes in {file} ({shown}): "
            f"h5gui-cli clean {file} --remove deletes them, then compact gives the space back")


def find_leftovers(file: str | os.PathLike[str], budget: float | None = None) -> LeftoverScan:
    """Job: the objects that interrupted h5gui writes left in ``file`` under temporary names (looked for
    during ``budget`` seconds at most; default: the scan's own budget)."""
    from h5gui.core.h5 import files, leftovers

    with files.open_file(file) as f:
        return leftovers.scan(f, str(file)) if budget is None else leftovers.scan(f, str(file), budget)


@dataclass(frozen=True, slots=True)
class LeftoverSummary:
    """What the GUI holds of a leftover scan (this module imports no h5py: the record unpickles there)."""

    file: str
    paths: tuple[str, ...]
    text: str  # one line; "" when there is nothing to say
    nbytes: int
    complete: bool


def leftover_summary(file: str | os.PathLike[str], budget: float | None = None) -> LeftoverSummary:
    """Job: :func:`find_leftovers` as a plain record, for front ends that never load h5py."""
    scan = find_leftovers(file, budget)
    return LeftoverSummary(scan.file, tuple(i.path for i in scan.items), scan.text(), scan.nbytes, scan.complete)


def remove_leftovers(file: str | os.PathLike[str], paths: Sequence[str]) -> int:
    """Job: delete the given leftovers (only h5gui's temporary names are accepted); returns how many.

    The space they used is free inside the file afterwards; compact the file to give it back.
    """
    from h5gui.core.h5 import files, staging

    for p in paths:
        if not staging.is_temp(p.rstrip("/").rsplit("/", 1)[-1]):
            raise BadRequestError(f"{p} is not a leftover of an interrupted h5gui write: not removed")
    removed = 0
    with files.open_file(file, write=True) as f:
        for p in paths:
            if p in f:
                del f[p]
                removed += 1
    return removed

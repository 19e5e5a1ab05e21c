"""Looking after files: leftovers of interrupted writes (issue 10 item 7)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import files, leftovers, staging
from h5gui.core.h5.leftovers import Leftover, LeftoverScan

__all__ = ["Leftover", "LeftoverScan", "find_leftovers", "remove_leftovers"]


def find_leftovers(file: str | os.PathLike[str]) -> LeftoverScan:
    """Job: the objects that interrupted h5gui writes left in ``file`` under temporary names."""
    with files.open_file(file) as f:
        return leftovers.scan(f, str(file))


def remove_leftovers(file: str | os.PathLike[str], paths: Sequence[str]) -> int:
    """Job: delete the given leftovers (only h5gui's temporary names are accepted); returns how many.

    The space they used is free inside the file afterwards; compact the file to give it back.
    """
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

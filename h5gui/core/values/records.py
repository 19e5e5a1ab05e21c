"""Records of value edits: a block of typed values for a rectangle of table cells, and an undoable edit.
Imports no h5py."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BlockWrite", "ValueEdit"]


@dataclass(frozen=True, slots=True)
class BlockWrite:
    """Values for a rectangle of table cells, exactly typed."""

    file: str
    path: str
    row0: int
    col0: int
    values: np.ndarray  # (rows, cols) of the dataset's dtype (object array of field values for compound)
    axes: tuple[int, int] | None = None
    index: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ValueEdit:
    """An edit of a table's values: what it did and how to undo and redo it."""

    description: str
    undo: BlockWrite
    redo: BlockWrite

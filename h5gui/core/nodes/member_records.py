"""Records of a group's member table (what the preview shows for a group, ``h5gui-cli ls --sizes``).
Imports no h5py."""

from __future__ import annotations

from dataclasses import dataclass

from h5gui.core.nodes.records import ChildInfo

__all__ = ["MEMBER_TABLE_ROWS", "MemberRow", "MemberTable"]

MEMBER_TABLE_ROWS = 1000  # members described at most (~0.2 s in the reader; the tree lists them all)


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One member: its tree row and, for a dataset, the bytes it takes in the file (None: not known)."""

    info: ChildInfo
    storage: int | None = None


@dataclass(frozen=True, slots=True)
class MemberTable:
    """The first members of the group at ``path`` (``truncated``: the group holds ``total``)."""

    file: str
    path: str
    rows: tuple[MemberRow, ...]
    total: int
    truncated: bool = False

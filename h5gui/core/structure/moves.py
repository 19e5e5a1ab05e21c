"""Renaming and moving links within a file: the object is not copied; soft and external links move as
links, their text unchanged."""

from __future__ import annotations

import posixpath

import h5py

from h5gui.core.errors import BadRequestError, H5GuiError
from h5gui.core.h5 import files, messages
from h5gui.core.kinds import Kind
from h5gui.core.nodes.records import ChildInfo
from h5gui.core.paths import encode, join
from h5gui.core.structure.paths import check_name, dest_of, existing, group_at, refuse_existing, row, split

__all__ = ["move", "rename"]


def _under(hard: str, other: str) -> bool:
    return other == hard or other.startswith(hard.rstrip("/") + "/")


def move(file: str, src: str, dest: str, *, parents: bool = False) -> ChildInfo:
    """Move the link ``src`` to ``dest`` within ``file`` (a trailing ``/`` on ``dest`` moves it into
    that group under its own name). The object is not copied; soft and external links move as links,
    their text unchanged (a relative soft link is then taken relative to its new group).

    Raises
    ------
    BadRequestError
        ``dest`` exists, a group would go into itself, the root cannot move.
    NodeNotFoundError, ExternalLinkError
        ``src`` or ``dest``'s group is missing or lies behind an external link.
    """
    file = str(file)
    sparent, sname = split(src, file, "object to move")
    dest = dest_of(dest, sname)
    dparent, dname = split(dest, file, "destination")
    check_name(dname)
    with files.open_file(file, write=True) as f:
        shard, here, kind = existing(f, file, sparent, sname)
        dhard = group_at(f, file, dparent, create=parents)
        there = join(dhard, dname)
        if there == here:
            return row(f, file, dhard, dparent, dname)
        refuse_existing(f, file, dhard, dname, dest)
        if kind == Kind.GROUP and (_under(here, dhard) or _group_contains(f, here, dhard)):
            raise BadRequestError(f"cannot move {join(sparent, sname)} into itself ({dest}) in {file}")
        sgid = h5py.h5o.open(f.id, encode(shard))
        dgid = h5py.h5o.open(f.id, encode(dhard))
        try:
            sgid.links.move(encode(sname), dgid, encode(dname))
        except Exception as exc:
            reason = messages.reason_of(exc)
            raise H5GuiError(f"Cannot move {join(sparent, sname)} to {dest} in {file}: {reason}") from exc
        f.flush()
        return row(f, file, dhard, dparent, dname)


def _group_contains(f: h5py.File, group_hard: str, other_hard: str) -> bool:
    """Whether the group at ``other_hard`` is the group at ``group_hard`` or lies below it through some
    hard link (the same object may have several paths). Looked up along ``other_hard``'s ancestors."""
    target = h5py.h5o.get_info(f.id, encode(group_hard)).addr
    path = other_hard
    while True:
        if h5py.h5o.get_info(f.id, encode(path)).addr == target:
            return True
        if path == "/":
            return False
        path = posixpath.dirname(path)


def rename(file: str, path: str, new_name: str) -> ChildInfo:
    """Rename the link at ``path`` to ``new_name`` in the same group (F2 in the tree)."""
    file = str(file)
    parent, _name = split(path, file, "object to rename")
    check_name(new_name)
    return move(file, path, join(parent, new_name))


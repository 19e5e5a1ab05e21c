"""Listing groups: pages of names in native order, naturally sorted names, tree rows, whole-file walks.

Paging uses the low-level ``links.iterate`` from a start position and stops after one page, so the
cost of a page does not depend on the group's size (DESIGN.md section 2).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import h5py

from h5gui.core.h5 import files, messages
from h5gui.core.h5.links import native_index, open_group
from h5gui.core.kinds import Kind
from h5gui.core.nodes.records import ChildInfo, GroupListing
from h5gui.core.nodes.rows import child_row
from h5gui.core.paths import decode, encode, join, natural_key, natural_sorted, normalize_path
from h5gui.core.progress import Job, Progress

__all__ = ["QUICK_OVER", "count_children", "describe_children", "iter_names", "list_children", "list_names",
    "open_group_listing", "walk"]

log = logging.getLogger(__name__)

QUICK_OVER = 2_000  # groups with more members are listed first in native order (see open_group_listing)


def count_children(file: str, path: str = "/") -> int:
    """Number of links in a group (O(1) for new-style groups)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        return len(open_group(f, path, str(file)).id)


def iter_names(gid: h5py.h5g.GroupID, start: int, count: int | None) -> list[str]:
    """``count`` names (all when ``None``) from position ``start`` in native order, without
    fetching the others: creation order for groups that track it, else HDF5's storage order."""
    out: list[str] = []

    def cb(name: bytes) -> bool | None:
        out.append(decode(name))
        return True if count is not None and len(out) >= count else None

    if count is not None and count <= 0:
        return out
    # no len(gid) up front: it is O(1) for new-style groups but walks every link of an old-style one
    try:
        gid.links.iterate(cb, idx_type=native_index(gid), order=h5py.h5.ITER_NATIVE, idx=start)
    except RuntimeError:
        if out or start < len(gid):  # only a start past the end is fine
            raise
    return out


def list_names(file: str, path: str = "/", *, sort: bool = True) -> list[str]:
    """Every member name of a group, naturally sorted (or in native order with ``sort=False``)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        g = open_group(f, path, str(file))
        names = iter_names(g.id, 0, None)
    return natural_sorted(names) if sort else names


def list_children(file: str, path: str = "/", start: int = 0, count: int = 1000) -> list[ChildInfo]:
    """One page of a group's members in native order: cost independent of the group's size."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        g = open_group(f, path, str(file))
        names = iter_names(g.id, start, count)
        return [child_row(g.id, path, name, str(file), g.name) for name in names]


def describe_children(file: str, path: str, names: Sequence[str]) -> list[ChildInfo]:
    """Tree rows for the given members of a group (missing names become unreadable rows)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        g = open_group(f, path, str(file))
        return [child_row(g.id, path, name, str(file), g.name) for name in names]


def open_group_listing(file: str, path: str = "/", first: int = 256, quick_over: int | None = QUICK_OVER
                       ) -> GroupListing:
    """The names of a group, naturally sorted, and the tree rows of the first ``first`` of them.

    A group of more than ``quick_over`` members is not read whole: the first ``first`` rows come in
    native order (``complete=False``) so that they show at once; :func:`list_names` sorts them all.
    """
    path = normalize_path(path)
    with files.open_file(file) as f:
        g = open_group(f, path, str(file))
        if quick_over is not None:
            probe = iter_names(g.id, 0, quick_over + 1)
            if len(probe) > quick_over:
                names = probe[:first]
                rows = tuple(child_row(g.id, path, name, str(file), g.name) for name in names)
                return GroupListing(str(file), path, tuple(names), rows, complete=False)
            names = natural_sorted(probe)
        else:
            names = natural_sorted(iter_names(g.id, 0, None))
        rows = tuple(child_row(g.id, path, name, str(file), g.name) for name in names[:first])
    return GroupListing(str(file), path, tuple(names), rows)


def walk(file: str, path: str = "/", max_depth: int | None = None) -> Job[list[ChildInfo]]:
    """Every object below ``path`` (depth first, natural order), each hard-linked group visited once."""
    path = normalize_path(path)
    out: list[ChildInfo] = []
    with files.open_file(file) as f:
        root = open_group(f, path, str(file))
        seen: set[Any] = set()

        def visit(gid: h5py.h5g.GroupID, gpath: str, base: str, depth: int) -> Iterator[Progress]:
            oinfo = h5py.h5o.get_info(gid)
            key = (oinfo.fileno, oinfo.addr)  # a group reachable by several hard links is listed once
            if key in seen:
                return
            seen.add(key)
            names = iter_names(gid, 0, None)
            names.sort(key=natural_key)
            for name in names:
                row = child_row(gid, gpath, name, str(file), base)
                out.append(row)
                if len(out) % 1000 == 0:
                    yield Progress(len(out), None, "objects")
                if row.kind == Kind.GROUP and (max_depth is None or depth < max_depth):
                    try:
                        child = h5py.h5o.open(gid, encode(name))
                    except Exception as exc:  # pragma: no cover - corrupt file
                        log.warning("%s in %s cannot be opened (%s): its members are not listed",
                                    row.path, file, messages.reason_of(exc))
                        continue
                    yield from visit(child, row.path, join(base, name), depth + 1)

        yield from visit(root.id, path, root.name, 1)
    return out


"""Walking a file: every link below a group, in bounded pages, never following soft or external links.

Used by Find, structure copies and the leftovers check; one low-level call lists at most ``page``
links, so HDF5 is never held for long.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import h5py

from h5gui.core.h5.links import native_index
from h5gui.core.h5.messages import hdf5_reason
from h5gui.core.kinds import Kind
from h5gui.core.paths import decode, join

PAGE = 1000  # links listed by one low-level call


@dataclass(slots=True)
class LinkEntry:
    """One link met by :func:`iter_links` (live h5py ids: for core code only, never handed out)."""

    parent: Any  # GroupID holding the link
    parent_path: str  # the parent's path as walked
    name: str
    path: str
    link_type: int  # h5py.h5l.TYPE_HARD / TYPE_SOFT / TYPE_EXTERNAL / other
    kind: str
    oid: Any = None  # the open object (groups; others on demand: :meth:`open`)
    addr: int = 0
    first: bool = True  # first time the object is met (False: another hard link to it)
    depth: int = 1
    error: str = ""
    num_attrs: int = 0

    def open(self) -> Any:
        """The object's id (hard links only), opened on first use."""
        if self.oid is None:
            self.oid = h5py.h5o.open(self.parent, self.name.encode("utf-8"))
        return self.oid


_KINDS = {h5py.h5o.TYPE_GROUP: Kind.GROUP, h5py.h5o.TYPE_DATASET: Kind.DATASET,
          h5py.h5o.TYPE_NAMED_DATATYPE: Kind.DATATYPE}


def _page(gid: Any, start: int, count: int, idx_type: int) -> list[tuple[bytes, int, int]]:
    """``count`` links of ``gid`` from position ``start`` in the order of ``idx_type``:
    ``(name, link type, object address for hard links)``."""
    out: list[tuple[bytes, int, int]] = []

    def cb(name: bytes, info: Any) -> bool | None:
        # read inside the callback: h5py reuses the info record between calls
        out.append((name, info.type, info.u if info.type == h5py.h5l.TYPE_HARD else 0))
        return True if len(out) >= count else None

    try:
        gid.links.iterate(cb, idx_type=idx_type, order=h5py.h5.ITER_INC, idx=start, info=True)
    except RuntimeError:
        if out or start < len(gid):  # only a start past the end is fine
            raise
    return out


def iter_links(
    root: Any, root_path: str = "/", *, page: int = PAGE, skip: Callable[[str], bool] | None = None,
    creation_order: bool = True,
) -> Iterator[list[LinkEntry]]:
    """Every link below the group ``root`` (a GroupID), in lists of about ``page`` links.

    Depth first; a group's own entry always comes before its members. Soft and external links are
    reported, never followed; a group reached again through another hard link (or a cycle) is
    reported with ``first=False`` and not entered again. ``skip(name)`` hides links (and what is
    below them), e.g. the temporary object of a copy in progress. Members come in creation order
    where groups track it (``creation_order``), else by name. One low-level call lists at most
    ``page`` links, so h5py's lock is held for short stretches only.
    """
    seen = {h5py.h5o.get_info(root).addr}
    name_index = h5py.h5.INDEX_NAME
    # frames: [gid, path, next index, depth, index type]
    stack: list[list[Any]] = [[root, root_path, 0, 1, native_index(root) if creation_order else name_index]]
    out: list[LinkEntry] = []
    while stack:
        frame = stack[-1]
        gid, gpath, start, depth, idx_type = frame
        links = _page(gid, start, page, idx_type)
        frame[2] = start + len(links)
        if len(links) < page:
            stack.pop()
        subgroups: list[list[Any]] = []
        for raw, ltype, addr in links:
            name = decode(raw)
            if skip is not None and skip(name):
                continue
            path = join(gpath, name)
            if ltype == h5py.h5l.TYPE_SOFT:
                out.append(LinkEntry(gid, gpath, name, path, ltype, Kind.SOFT_LINK, depth=depth))
                continue
            if ltype == h5py.h5l.TYPE_EXTERNAL:
                out.append(LinkEntry(gid, gpath, name, path, ltype, Kind.EXTERNAL_LINK, depth=depth))
                continue
            if ltype != h5py.h5l.TYPE_HARD:
                out.append(LinkEntry(gid, gpath, name, path, ltype, Kind.UNREADABLE, depth=depth,
                                     error=f"user-defined link type {ltype}"))
                continue
            try:
                info = h5py.h5o.get_info(gid, raw)  # cheaper than opening (a hard link: nothing followed)
                kind = _KINDS.get(info.type, Kind.UNREADABLE)
                addr = info.addr
                oid = h5py.h5o.open(gid, raw) if kind == Kind.GROUP and addr not in seen else None
            except Exception as exc:  # a corrupt object: reported, not fatal
                out.append(LinkEntry(gid, gpath, name, path, ltype, Kind.UNREADABLE, depth=depth,
                                     error=hdf5_reason(str(exc))))
                continue
            first = addr not in seen
            seen.add(addr)
            out.append(LinkEntry(gid, gpath, name, path, ltype, kind, oid, addr, first, depth,
                                 num_attrs=info.num_attrs))
            if oid is not None:
                order = native_index(oid) if creation_order else name_index
                subgroups.append([oid, path, 0, depth + 1, order])
        stack.extend(reversed(subgroups))  # the first subgroup is entered first
        if len(out) >= page:
            yield out
            out = []
    if out:
        yield out

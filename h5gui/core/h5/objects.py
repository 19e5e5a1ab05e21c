"""Objects and new files at HDF5's level: what an object is, what it stores, and creating groups and
files with the creation properties of others (creation order tracking, format, free space).
"""

from __future__ import annotations

import logging
from typing import Any

import h5py

from h5gui.core.errors import FileAccessError
from h5gui.core.h5 import messages
from h5gui.core.kinds import Kind
from h5gui.core.paths import encode

__all__ = [
    "free_space",
    "gcpl_like",
    "kind_at",
    "kind_of",
    "new_file",
    "new_file_like",
    "storage_size",
    "tracked_gcpl",
]

log = logging.getLogger(__name__)

_KINDS = {h5py.h5o.TYPE_GROUP: Kind.GROUP, h5py.h5o.TYPE_DATASET: Kind.DATASET,
          h5py.h5o.TYPE_NAMED_DATATYPE: Kind.DATATYPE}


def kind_of(otype: int) -> Kind:
    """The kind of an object of HDF5 object type ``otype`` (``h5py.h5o.TYPE_*``)."""
    return _KINDS.get(otype, Kind.UNREADABLE)


def kind_at(loc: Any, path: str) -> Kind:
    """The kind of the object at ``path`` from ``loc`` (HDF5 follows the path's links)."""
    return kind_of(h5py.h5o.get_info(loc, encode(path)).type)


def storage_size(oid: Any) -> int:
    """Bytes a dataset stores in the file (0 when HDF5 cannot say)."""
    try:
        return int(oid.get_storage_size())
    except Exception:  # pragma: no cover - defensive: counted as nothing
        log.debug("no storage size", exc_info=True)
        return 0


def free_space(f: h5py.File) -> int:
    """Bytes HDF5 counts as free inside the file (reusable by later writes)."""
    try:
        return int(f.id.get_freespace())
    except Exception:  # pragma: no cover - defensive
        log.debug("no free-space count for %s", f.filename, exc_info=True)
        return 0


# ---------------------------------------------------------------------------------------------
# creation properties


def tracked_gcpl() -> Any:
    """A group creation property list that tracks and indexes the creation order of links and attributes."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_link_creation_order(h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED)
    gcpl.set_attr_creation_order(h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED)
    return gcpl


def gcpl_like(gid: Any) -> Any:
    """A fresh group creation property list with ``gid``'s settings (creation order tracking,
    attribute storage, times). The group's own list cannot be reused in another place: it carries
    addresses of the group's storage (HDF5 then fails with 'address of object past end of allocation')."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    try:
        src = gid.get_create_plist()
        gcpl.set_link_creation_order(src.get_link_creation_order())
        gcpl.set_attr_creation_order(src.get_attr_creation_order())
        gcpl.set_attr_phase_change(*src.get_attr_phase_change())
        gcpl.set_obj_track_times(src.get_obj_track_times())
    except Exception:  # pragma: no cover - defensive: HDF5's defaults for the rest
        log.debug("group settings not all copied", exc_info=True)
    return gcpl


# ---------------------------------------------------------------------------------------------
# new files


def new_file_like(src: h5py.File, partial: str) -> h5py.File:
    """Create ``partial`` with the source's file creation properties and library version bounds.

    File locking is off: the caller's claim on the partial name (:class:`~h5gui.core.h5.staging.PartialFile`)
    excludes others.
    """
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
    fapl.set_file_locking(False, True)
    fcpl = src.id.get_create_plist()
    try:  # the source's format: its superblock version says which
        low = {2: h5py.h5f.LIBVER_V18, 3: h5py.h5f.LIBVER_V110}.get(fcpl.get_version()[0], h5py.h5f.LIBVER_EARLIEST)
        if fcpl.get_version()[0] > 3:  # pragma: no cover - a future format
            low = h5py.h5f.LIBVER_LATEST
        fapl.set_libver_bounds(low, h5py.h5f.LIBVER_LATEST)
    except Exception:  # pragma: no cover - defensive: HDF5's default bounds
        log.debug("library version bounds of %s not copied", src.filename, exc_info=True)
    try:  # the root group's settings are not in the file's list
        root = h5py.h5o.open(src.id, b"/").get_create_plist()
        fcpl.set_link_creation_order(root.get_link_creation_order())
        fcpl.set_attr_creation_order(root.get_attr_creation_order())
    except Exception:  # pragma: no cover - defensive
        log.debug("root group settings of %s not copied", src.filename, exc_info=True)
    try:
        fid = h5py.h5f.create(encode(partial), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    except Exception as exc:
        raise FileAccessError(f"cannot create {partial}: {messages.write_refusal(str(exc))}") from exc
    return h5py.File(fid)


def new_file(partial: str) -> h5py.File:
    """Create ``partial`` with creation order tracked, without file locking (see :func:`new_file_like`)."""
    try:
        return h5py.File(partial, "w", track_order=True, locking=False)
    except (OSError, FileExistsError) as exc:
        raise FileAccessError(f"cannot create {partial}: {messages.write_refusal(str(exc))}") from exc

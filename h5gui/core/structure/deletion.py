"""Deleting links: what a delete would remove (for the confirmation), and the delete itself.

Deleting does not make an HDF5 file smaller: :func:`delete` says how much space it freed inside the
file (HDF5's own free-space count), which only :func:`~h5gui.core.structure.newfiles.compact` gives back.
"""

from __future__ import annotations

import os

import h5py

from h5gui.core.errors import H5GuiError
from h5gui.core.h5 import files, messages
from h5gui.core.h5.objects import free_space, storage_size
from h5gui.core.h5.walk import iter_links
from h5gui.core.kinds import Kind
from h5gui.core.paths import encode, join
from h5gui.core.progress import Job, Progress
from h5gui.core.structure.paths import existing, split
from h5gui.core.structure.records import DeleteInfo, DeleteReport

__all__ = ["delete", "delete_info"]


def delete_info(file: str, path: str) -> Job[DeleteInfo]:
    """Job: what deleting ``path`` would remove (objects below a group and their stored bytes)."""
    file = str(file)
    parent, name = split(path, file, "object to delete")
    shown = join(parent, name)
    with files.open_file(file) as f:
        _phard, here, kind = existing(f, file, parent, name)
        if kind in (Kind.SOFT_LINK, Kind.EXTERNAL_LINK, Kind.UNREADABLE):
            return DeleteInfo(file, shown, kind, 0, 0, 0)
        oinfo = h5py.h5o.get_info(f.id, encode(here))
        other = max(0, oinfo.rc - 1)
        if kind == Kind.DATASET:
            return DeleteInfo(file, shown, kind, 0, 1, storage_size(h5py.h5o.open(f.id, encode(here))), other)
        if kind != Kind.GROUP:
            return DeleteInfo(file, shown, kind, 0, 0, 0, other)
        objects = datasets = nbytes = 0
        for entries in iter_links(h5py.h5o.open(f.id, encode(here)), shown, creation_order=False):
            for e in entries:
                if e.link_type == h5py.h5l.TYPE_HARD and e.first:
                    objects += 1
                    if e.kind == Kind.DATASET:
                        datasets += 1
                        nbytes += storage_size(e.open())
                        e.oid = None
            yield Progress(objects, None, "objects", f"measuring {shown}")
        return DeleteInfo(file, shown, kind, objects, datasets, nbytes, other)


def delete(file: str, path: str) -> DeleteReport:
    """Delete the link at ``path`` (a group goes with everything below it that has no other link).

    Returns how many bytes this freed inside the file (HDF5's free-space count): the file keeps its
    size; :func:`compact` gives the space back.
    """
    file = str(file)
    parent, name = split(path, file, "object to delete")
    shown = join(parent, name)
    with files.open_file(file, write=True) as f:
        phard, here, kind = existing(f, file, parent, name)
        before = free_space(f)
        gid = h5py.h5o.open(f.id, encode(phard))
        try:
            gid.unlink(encode(name))
        except Exception as exc:
            raise H5GuiError(f"Cannot delete {shown} in {file}: {messages.reason_of(exc)}") from exc
        f.flush()
        freed = max(0, free_space(f) - before)
    return DeleteReport(file, shown, kind, freed, os.path.getsize(file))


"""A group's member table: the tree rows of its first members with each dataset's size on disk.

Sizes are metadata (``H5Dget_storage_size``): no data is read, and neither external links nor soft
links are followed for them (a soft link's size is the object's it leads to: look there)."""

from __future__ import annotations

import logging

import h5py

from h5gui.core.h5 import files
from h5gui.core.h5.links import open_group
from h5gui.core.nodes.listing import open_group_listing
from h5gui.core.nodes.member_records import MEMBER_TABLE_ROWS, MemberRow, MemberTable
from h5gui.core.nodes.records import DATASET
from h5gui.core.paths import normalize_path

__all__ = ["member_table"]

log = logging.getLogger(__name__)


def member_table(file: str, path: str = "/", limit: int = MEMBER_TABLE_ROWS) -> MemberTable:
    """The first ``limit`` members of the group at ``path`` (naturally sorted when the group is not
    huge), with the size on disk of every dataset among them."""
    path = normalize_path(path)
    listing = open_group_listing(file, path, first=max(1, int(limit)))
    rows: list[MemberRow] = []
    with files.open_file(file) as f:
        g = open_group(f, path, str(file))
        total = len(listing.names) if listing.complete else len(g.id)
        for info in listing.first:
            storage = None
            if info.kind == DATASET:
                try:
                    link = g.get(info.name, getlink=True)
                    if isinstance(link, h5py.HardLink):
                        storage = int(g[info.name].id.get_storage_size())
                except Exception:  # an unreadable member: its size stays unknown, the row is kept
                    log.debug("no storage size for %s in %s", info.path, file, exc_info=True)
            rows.append(MemberRow(info, storage))
    return MemberTable(str(file), path, tuple(rows), total, truncated=total > len(rows))

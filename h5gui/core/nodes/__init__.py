"""Snapshots of the objects in a file: tree rows (:class:`ChildInfo`) and details (:class:`NodeInfo`).

Every function takes the file's path and a path inside it, opens the file through
:func:`h5gui.core.h5.files.open_file` and returns plain, immutable data: the GUI never sees h5py objects.

Safety: paths never traverse an external link (the GUI addresses the target file itself), and data
stored outside the file (external raw storage, virtual dataset sources, external links leaving the
file's folder) is not read unless the caller passes ``allow_external=True`` after the user confirmed.

Modules (each name below is importable from the package; a module is imported on first use, so
``import h5gui.core.nodes.records`` loads no h5py):

- :mod:`~h5gui.core.nodes.records`: ChildInfo, FilterInfo, NodeInfo, GroupListing, the kinds;
- :mod:`~h5gui.core.nodes.rows`: the tree row of one member (child_row, child_info);
- :mod:`~h5gui.core.nodes.listing`: pages of names, sorted names, rows of a group, walks;
- :mod:`~h5gui.core.nodes.details`: describe, external_link_target, filter_infos;
- :mod:`~h5gui.core.nodes.members` (records in :mod:`~h5gui.core.nodes.member_records`): a group's member
  table with sizes on disk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy

if TYPE_CHECKING:  # type checkers see every name; at run time __getattr__ imports its module on first use
    from h5gui.core.nodes.details import *  # noqa: F403
    from h5gui.core.nodes.listing import *  # noqa: F403
    from h5gui.core.nodes.member_records import *  # noqa: F403
    from h5gui.core.nodes.members import *  # noqa: F403
    from h5gui.core.nodes.records import *  # noqa: F403
    from h5gui.core.nodes.rows import *  # noqa: F403

__getattr__, __dir__ = lazy.exports(__name__, {
    "records": ("DANGLING_LINK", "DATASET", "DATATYPE", "EXTERNAL_LINK", "GROUP", "KIND_LABELS", "SOFT_LINK",
                "UNREADABLE", "ChildInfo", "FilterInfo", "GroupListing", "NodeInfo"),
    "rows": ("child_info", "child_row", "object_facts"),
    "listing": ("QUICK_OVER", "count_children", "describe_children", "iter_names", "list_children", "list_names",
                "open_group_listing", "walk"),
    "details": ("LAYOUTS", "MAX_LINK_DEPTH", "SMALL_VALUE_BYTES", "describe", "external_link_target",
                "filter_infos"),
    "member_records": ("MEMBER_TABLE_ROWS", "MemberRow", "MemberTable"),
    "members": ("member_table",),
})

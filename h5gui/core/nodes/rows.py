"""Tree rows: the cheap facts about one member of a group (:class:`ChildInfo`), links said as links.

Links are resolved here, never by h5py: a soft link that leads through an external link is not
followed, an external link is described by where it leads (the GUI opens that file itself).
"""

from __future__ import annotations

import logging
import posixpath
from typing import Any

import h5py

from h5gui.core.dtypes import describe_dtype, h5t_class_name
from h5gui.core.errors import ExternalLinkError, H5GuiError, NodeNotFoundError
from h5gui.core.h5 import files, links, messages
from h5gui.core.h5.links import link_info, open_group, resolve
from h5gui.core.kinds import Kind
from h5gui.core.nodes.records import ChildInfo
from h5gui.core.paths import decode, encode, join, normalize_path

__all__ = ["child_info", "child_row", "object_facts"]

log = logging.getLogger(__name__)


def object_facts(oid: Any) -> dict[str, Any]:
    """Kind, shape, dtype, members of an open low-level object id."""
    if isinstance(oid, h5py.h5g.GroupID):
        return {"kind": Kind.GROUP, "members": len(oid)}
    if isinstance(oid, h5py.h5d.DatasetID):
        facts: dict[str, Any] = {"kind": Kind.DATASET, "shape": oid.shape}
        try:
            facts["dtype"] = describe_dtype(oid.dtype, short=True)
        except Exception:
            facts["dtype"] = f"unsupported {h5t_class_name(oid.get_type())}"
        try:
            dcpl = oid.get_create_plist()
            facts["virtual"] = dcpl.get_layout() == h5py.h5d.VIRTUAL
            facts["external_storage"] = dcpl.get_external_count() > 0
        except Exception:  # pragma: no cover - defensive: the row just lacks the storage flags
            log.debug("cannot read the creation properties of a dataset", exc_info=True)
        return facts
    if isinstance(oid, h5py.h5t.TypeID):
        try:
            return {"kind": Kind.DATATYPE, "dtype": describe_dtype(oid.dtype, short=True)}
        except Exception:
            return {"kind": Kind.DATATYPE, "dtype": h5t_class_name(oid)}
    return {"kind": Kind.UNREADABLE, "error": "unknown object type"}


def child_info(file: str, path: str) -> ChildInfo:
    """The tree row of one object (``path`` itself is not followed if it is a link).

    Raises :class:`NodeNotFoundError` when there is nothing at ``path``.
    """
    path = normalize_path(path)
    with files.open_file(file) as f:
        if path == "/":
            return ChildInfo(str(file), "/", "/", **object_facts(f["/"].id))
        parent, name = posixpath.split(path)
        g = open_group(f, parent, str(file))
        if link_info(g.id, name) is None:
            raise NodeNotFoundError(f"No object {path} in {file}")
        return child_row(g.id, parent, name, str(file), g.name)


def child_row(gid: h5py.h5g.GroupID, parent: str, name: str, file: str, base: str | None = None) -> ChildInfo:
    """Tree row of member ``name`` of the open group ``gid`` (shown under ``parent``; ``base`` is a
    path of hard links to the group, against which relative soft links resolve)."""
    path = join(parent, name)
    bname = encode(name)
    try:
        info = gid.links.get_info(bname)
    except Exception:
        return ChildInfo(file, path, name, Kind.UNREADABLE, error="no such member or unreadable link")
    if info.type == h5py.h5l.TYPE_EXTERNAL:
        try:
            fname, target = (decode(v) for v in gid.links.get_val(bname))
        except Exception:
            return ChildInfo(file, path, name, Kind.UNREADABLE, error="cannot read this external link")
        resolved = links.resolve_external(file, fname)
        if not resolved.exists():
            return ChildInfo(
                file, path, name, Kind.DANGLING_LINK, link_target=target, link_file=fname,
                error=f"external link to a missing file: {fname}",
            )
        return ChildInfo(file, path, name, Kind.EXTERNAL_LINK, link_target=target, link_file=fname)
    if info.type == h5py.h5l.TYPE_SOFT:
        target = decode(gid.links.get_val(bname))
        if base is None:
            base = decode(h5py.h5i.get_name(gid) or b"/")
        absolute = target if target.startswith("/") else join(base, target)
        try:
            hard = resolve(gid, absolute, file)
        except ExternalLinkError as exc:
            # never followed here: the row says where it leads, the user opens that file
            return ChildInfo(
                file, path, name, Kind.SOFT_LINK, target_kind=Kind.EXTERNAL_LINK, link_target=target,
                error=f"leads through an external link to {exc.link_file}:{exc.link_target}",
            )
        except H5GuiError as exc:
            reason = "soft link cycle" if "cycle" in str(exc) else "dangling soft link"
            return ChildInfo(file, path, name, Kind.DANGLING_LINK, link_target=target, error=f"{reason} to {target}")
        try:
            oid = h5py.h5o.open(gid, encode(hard))
        except Exception as exc:
            return ChildInfo(file, path, name, Kind.UNREADABLE, link_target=target,
                             error=messages.hdf5_reason(str(exc)))
        facts = object_facts(oid)
        target_kind = facts.pop("kind")
        return ChildInfo(file, path, name, Kind.SOFT_LINK, target_kind=target_kind, link_target=target, **facts)
    if info.type != h5py.h5l.TYPE_HARD:
        return ChildInfo(file, path, name, Kind.UNREADABLE, error=f"user-defined link type {info.type}")
    try:
        oid = h5py.h5o.open(gid, bname)
    except Exception as exc:
        return ChildInfo(file, path, name, Kind.UNREADABLE, error=messages.hdf5_reason(str(exc)))
    return ChildInfo(file, path, name, **object_facts(oid))


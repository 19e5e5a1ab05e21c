"""Rename, move and delete of objects in an HSDS domain, with the local core's records.

On HSDS a link is its own resource: a rename or move makes the link under the new name or group
(``PUT /groups/{id}/links/{title}`` with the object's id, or the soft/external link's text) and then
removes the old one (``DELETE /groups/{id}/links/{title}``); the object itself is not copied. A delete
removes the link; HSDS keeps the object (until a domain-level cleanup), so :func:`relink` makes the
link again to the same id, which is how a delete is undone. A refusal (403) is one line
(:class:`~h5gui.core.errors.ReadOnlyError`).
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import quote

from h5gui.core.errors import BadRequestError, NodeNotFoundError
from h5gui.core.hsds import attrs as hattrs
from h5gui.core.hsds.browse import describe_children
from h5gui.core.hsds.domain import Domain, Link, collection_of
from h5gui.core.hsds.session import DomainLike, open_domain
from h5gui.core.kinds import Kind
from h5gui.core.nodes.records import ChildInfo
from h5gui.core.paths import join, normalize_path
from h5gui.core.structure.paths import check_name, dest_of
from h5gui.core.structure.records import DeleteInfo, DeleteReport

__all__ = ["create_external_link", "create_group", "create_soft_link", "delete", "delete_info", "link_id", "move", "relink", "rename"]

COUNT_LIMIT = 10_000  # objects counted below a group for the delete confirmation (then "at least")
_KINDS = {"groups": Kind.GROUP, "datasets": Kind.DATASET, "datatypes": Kind.DATATYPE}


def _split(d: Domain, path: str, what: str) -> tuple[str, str]:
    path = normalize_path(path)
    if path == "/":
        raise BadRequestError(f"{d.where(path)}: the root group cannot be the {what}")
    parent, name = posixpath.split(path)
    return parent or "/", name


def _link(d: Domain, parent: str, name: str) -> tuple[str, Link]:
    """(id of the group ``parent``, the link ``name`` in it); NodeNotFoundError when there is none."""
    gid = d.resolve(parent)
    if collection_of(gid) != "groups":
        raise NodeNotFoundError(f"{d.where(parent)}: not a group")
    lk = d.link(gid, parent, name)
    if lk is None:
        raise NodeNotFoundError(f"{d.where(join(parent, name))}: no object {join(parent, name)}")
    return gid, lk


def _body(lk: Link) -> dict[str, Any]:
    if lk.cls == "hard":
        return {"id": lk.id}
    if lk.cls == "soft":
        return {"h5path": lk.target}
    if lk.cls == "external":
        return {"h5path": lk.target, "h5domain": lk.file}
    raise BadRequestError(f"unsupported link class {lk.cls}")


def _url(gid: str, name: str) -> str:
    return f"/groups/{gid}/links/{quote(name, safe='')}"


def _kind(lk: Link) -> str:
    if lk.cls == "hard":
        return _KINDS.get(collection_of(lk.id), Kind.UNREADABLE)
    return Kind.SOFT_LINK if lk.cls == "soft" else Kind.EXTERNAL_LINK if lk.cls == "external" else Kind.UNREADABLE


def _row(d: Domain, parent: str, name: str) -> ChildInfo:
    return describe_children(d, parent, [name])[0]


def _ancestor_ids(d: Domain, path: str) -> set[str]:
    """Ids of the group at ``path`` and of every group on the way to it."""
    out = set()
    while True:
        out.add(d.resolve(path))
        if path == "/":
            return out
        path = posixpath.dirname(path)


def move(domain: DomainLike, src: str, dest: str, *, parents: bool = False) -> ChildInfo:
    """Move the link ``src`` to ``dest`` (a trailing ``/``: into that group under its own name); the
    object is not copied. ``parents``: make the missing groups on the way to ``dest``.

    Raises BadRequestError (``dest`` exists, a group into itself, the root), NodeNotFoundError,
    ReadOnlyError (403).
    """
    d = open_domain(domain)
    sparent, sname = _split(d, src, "object to move")
    dest = dest_of(dest, sname)
    dparent, dname = _split(d, dest, "destination")
    check_name(dname)
    sgid, lk = _link(d, sparent, sname)
    if parents:
        _make_groups(d, dparent)
    dgid = d.resolve(dparent)
    if collection_of(dgid) != "groups":
        raise NodeNotFoundError(f"{d.where(dparent)}: not a group")
    if dgid == sgid and dname == sname:
        return _row(d, dparent, dname)
    if d.link(dgid, dparent, dname) is not None:
        raise BadRequestError(f"{d.where(dest)}: already exists")
    if lk.cls == "hard" and lk.id in _ancestor_ids(d, dparent):
        raise BadRequestError(f"cannot move {join(sparent, sname)} into itself ({dest}) in {d.uri}")
    d.call("PUT", _url(dgid, dname), dest, body=_body(lk))
    try:
        d.call("DELETE", _url(sgid, sname), join(sparent, sname), missing=f"no object {join(sparent, sname)}")
    finally:
        _forget(d, join(sparent, sname), sgid, dest, dgid)
    return _row(d, dparent, dname)


def _make_groups(d: Domain, path: str) -> None:
    """Make the missing groups on the way to (and at) ``path``."""
    here = "/"
    for name in [p for p in normalize_path(path).split("/") if p]:
        here = join(here, name)
        try:
            d.resolve(here)
        except NodeNotFoundError:
            hattrs.create_group(d, here)


def create_group(domain: DomainLike, path: str, *, parents: bool = False) -> ChildInfo:
    """A new group at ``path`` (``parents``: and the missing groups on the way); its tree row."""
    d = open_domain(domain)
    parent, name = _split(d, path, "new group")
    check_name(name)
    if parents:
        _make_groups(d, parent)
    hattrs.create_group(d, join(parent, name))
    return _row(d, parent, name)


def _forget(d: Domain, old: str, old_gid: str, new: str | None = None, new_gid: str | None = None) -> None:
    d.forget(path=old, obj_id=old_gid)
    if new is not None:
        d.forget(path=new, obj_id=new_gid)


def rename(domain: DomainLike, path: str, new_name: str) -> ChildInfo:
    """Rename the link at ``path`` to ``new_name`` in the same group (F2 in the tree)."""
    d = open_domain(domain)
    parent, _name = _split(d, path, "object to rename")
    check_name(new_name)
    return move(d, path, join(parent, new_name))


def delete_info(domain: DomainLike, path: str) -> DeleteInfo:
    """What deleting ``path`` would remove: for a group, the objects below it (counted up to
    :data:`COUNT_LIMIT`); HSDS does not say what they store, so no byte count."""
    d = open_domain(domain)
    parent, name = _split(d, path, "object to delete")
    shown = join(parent, name)
    _gid, lk = _link(d, parent, name)
    kind = _kind(lk)
    if kind != Kind.GROUP:
        return DeleteInfo(d.uri, shown, kind, 0, 1 if kind == Kind.DATASET else 0, 0)
    seen: set[str] = {lk.id}
    datasets = 0
    todo = [(lk.id, shown)]
    while todo and len(seen) <= COUNT_LIMIT:
        gid, here = todo.pop()
        for child in d.all_links(gid, here):
            if child.cls != "hard" or child.id in seen:
                continue
            seen.add(child.id)
            if child.id.startswith("g-"):
                todo.append((child.id, join(here, child.name)))
            elif child.id.startswith("d-"):
                datasets += 1
    return DeleteInfo(d.uri, shown, kind, len(seen) - 1, datasets, 0)


def delete(domain: DomainLike, path: str) -> DeleteReport:
    """Remove the link at ``path``; HSDS keeps the object until the domain is cleaned up, so
    :func:`relink` can make the link again."""
    d = open_domain(domain)
    parent, name = _split(d, path, "object to delete")
    shown = join(parent, name)
    gid, lk = _link(d, parent, name)
    try:
        d.call("DELETE", _url(gid, name), shown, missing=f"no object {shown}")
    finally:
        _forget(d, shown, gid)
    return DeleteReport(d.uri, shown, _kind(lk), 0, 0)


def link_id(domain: DomainLike, path: str) -> str:
    """The id of the object the hard link at ``path`` names ('' for a soft or external link)."""
    d = open_domain(domain)
    parent, name = _split(d, path, "object")
    _gid, lk = _link(d, parent, name)
    return lk.id if lk.cls == "hard" else ""


def relink(domain: DomainLike, path: str, obj_id: str) -> ChildInfo:
    """Make the hard link ``path`` to the object ``obj_id`` again (the undo of :func:`delete`)."""
    d = open_domain(domain)
    parent, name = _split(d, path, "object")
    gid = d.resolve(parent)
    if d.link(gid, parent, name) is not None:
        raise BadRequestError(f"{d.where(path)}: already exists")
    d.get(f"/{collection_of(obj_id)}/{obj_id}", path, missing=f"the deleted object {path} is gone from the server")
    try:
        d.call("PUT", _url(gid, name), path, body={"id": obj_id})
    finally:
        _forget(d, path, gid)
    return _row(d, parent, name)


def _new_link(d: Domain, path: str, body: dict[str, Any], parents: bool) -> ChildInfo:
    parent, name = _split(d, path, "new link")
    check_name(name)
    if parents:
        _make_groups(d, parent)
    gid = d.resolve(parent)
    if d.link(gid, parent, name) is not None:
        raise BadRequestError(f"{d.where(path)}: already exists")
    try:
        d.call("PUT", _url(gid, name), path, body=body)
    finally:
        _forget(d, normalize_path(path), gid)
    return _row(d, parent, name)


def create_soft_link(domain: DomainLike, path: str, target: str, *, parents: bool = False) -> ChildInfo:
    """A soft link at ``path`` to ``target`` (also the undo of deleting one); ``parents``: make the missing
    groups on the way."""
    return _new_link(open_domain(domain), path, {"h5path": target}, parents)


def create_external_link(domain: DomainLike, path: str, target_file: str, target_path: str, *,
                         parents: bool = False) -> ChildInfo:
    """An external link at ``path`` to ``target_path`` in the domain ``target_file``; ``parents``: make the
    missing groups on the way."""
    return _new_link(open_domain(domain), path, {"h5path": target_path, "h5domain": target_file}, parents)

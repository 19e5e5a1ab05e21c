"""Where a structure edit happens: paths split and checked, groups resolved (soft links followed by us,
external links refused), names that are taken refused, and the tree row of what was made."""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Iterator

import h5py

from h5gui.core.errors import BadRequestError, NodeNotFoundError
from h5gui.core.h5 import files, links, objects
from h5gui.core.kinds import Kind
from h5gui.core.nodes.records import ChildInfo
from h5gui.core.nodes.rows import child_row
from h5gui.core.paths import encode, join, normalize_path

__all__ = [
    "check_name",
    "dest_of",
    "existing",
    "group_at",
    "in_group",
    "link_kind",
    "refuse_existing",
    "row",
    "split",
]


def split(path: str, file: str, what: str = "object") -> tuple[str, str]:
    """``'/a/b'`` -> ``('/a', 'b')``; refuses the root (``what`` says what it would have been)."""
    path = normalize_path(path)
    if path == "/":
        raise BadRequestError(f"the root group of {file} cannot be the {what}")
    parent, name = posixpath.split(path)
    return parent, name


def check_name(name: str) -> str:
    """A valid name for a link: not empty, no ``/``, not ``.`` or ``..``."""
    if not isinstance(name, str) or not name or name in (".", ".."):
        raise BadRequestError(f"invalid name {name!r}")
    if "/" in name:
        raise BadRequestError(f"invalid name {name!r}: a name cannot contain '/'")
    if "\x00" in name:
        raise BadRequestError("invalid name: a name cannot contain NUL characters")
    return name


def dest_of(dest: str, src_name: str) -> str:
    """``'/g/'`` (a trailing slash: into that group) -> ``'/g/<src_name>'``."""
    if isinstance(dest, str) and dest.endswith("/") and normalize_path(dest) != "/":
        return join(normalize_path(dest), src_name)
    if dest == "/":
        return "/" + src_name
    return normalize_path(dest)


def group_at(f: h5py.File, file: str, path: str, *, create: bool = False) -> str:
    """The hard path of the group at ``path`` (missing groups created when ``create``).

    Components may be soft links (resolved here); an external link raises
    :class:`ExternalLinkError`, anything else than a group :class:`BadRequestError`.
    """
    path = normalize_path(path)
    hard = "/"
    shown = ""
    for part in [p for p in path.split("/") if p]:
        shown += "/" + part
        here = join(hard, part)
        info = links.link_info(f.id, here)
        if info is None:
            if not create:
                raise NodeNotFoundError(f"No group {shown} in {file}")
            h5py.h5g.create(f.id, encode(here), gcpl=objects.tracked_gcpl())
            hard = here
            continue
        hard = links.resolve(f.id, here, file)  # soft links followed by us, external ones refused
        if objects.kind_at(f.id, hard) != Kind.GROUP:
            raise BadRequestError(f"{shown} in {file} is not a group")
    return hard


def refuse_existing(f: h5py.File, file: str, parent_hard: str, name: str, shown: str) -> None:
    """Refuse ``name`` in the group at ``parent_hard`` when anything has it (a dangling link too)."""
    if links.link_info(f.id, join(parent_hard, name)) is not None:
        raise BadRequestError(f"{shown} already exists in {file}: choose another name (nothing is overwritten)")


@contextlib.contextmanager
def in_group(file: str, parent: str, name: str, parents: bool) -> Iterator[tuple[h5py.File, str]]:
    """``file`` open for writing and the hard path of its group ``parent`` (created with ``parents``),
    in which ``name`` is free; the file is flushed when the block ends without an error."""
    with files.open_file(file, write=True) as f:
        phard = group_at(f, file, parent, create=parents)
        refuse_existing(f, file, phard, name, join(parent, name))
        yield f, phard
        f.flush()


def row(f: h5py.File, file: str, parent_hard: str, parent_shown: str, name: str) -> ChildInfo:
    """The tree row of member ``name`` of the group at ``parent_hard`` (shown under ``parent_shown``)."""
    gid = h5py.h5o.open(f.id, encode(parent_hard))
    return child_row(gid, parent_shown, name, file, parent_hard)


def link_kind(f: h5py.File, here: str) -> str:
    """The kind of the link at the hard path ``here`` (the kind of the object for hard links); ``''``
    when there is none."""
    info = links.link_info(f.id, here)
    if info is None:
        return ""
    if info.type == h5py.h5l.TYPE_SOFT:
        return Kind.SOFT_LINK
    if info.type == h5py.h5l.TYPE_EXTERNAL:
        return Kind.EXTERNAL_LINK
    if info.type != h5py.h5l.TYPE_HARD:
        return Kind.UNREADABLE
    return objects.kind_at(f.id, here)


def existing(f: h5py.File, file: str, parent: str, name: str) -> tuple[str, str, str]:
    """``(hard path of the group, hard path of the link, kind)`` of the link ``name`` in the group
    ``parent``; :class:`NodeNotFoundError` when there is none."""
    phard = group_at(f, file, parent)
    here = join(phard, name)
    kind = link_kind(f, here)
    if not kind:
        raise NodeNotFoundError(f"No object {join(parent, name)} in {file}")
    return phard, here, kind

"""Links, resolved by h5gui itself: h5py never follows a link on its own, so a path (or a soft link's
target) that goes through an external link is reported, never silently followed into another file."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import h5py

from h5gui.core.errors import (
    BadRequestError,
    DanglingLinkError,
    ExternalLinkError,
    NodeNotFoundError,
    UnreadableError,
)
from h5gui.core.h5.messages import hdf5_reason
from h5gui.core.paths import decode, encode, join

log = logging.getLogger(__name__)

MAX_LINK_DEPTH = 16
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")  # s3://, https://, and what Path made of them (https:/host)


def link_info(loc: Any, path: str) -> Any:
    """The link info of ``path`` (whose parent components are all hard links), or ``None``."""
    try:
        if not loc.links.exists(encode(path)):
            return None
        return loc.links.get_info(encode(path))
    except Exception:  # h5py raises KeyError or RuntimeError depending on the HDF5 version
        return None


def resolve(loc: Any, path: str, file_path: str, depth: int = 0, followed: list[int] | None = None) -> str:
    """The path made of hard links only that designates the same object as ``path``.

    Soft links are followed here, one component at a time, so that h5py never follows a link on
    its own: a path (or a soft link's target) that goes through an external link raises
    :class:`ExternalLinkError` instead of silently opening another file.

    Raises
    ------
    NodeNotFoundError
        Nothing at ``path``.
    DanglingLinkError
        A soft link on the way points at nothing (or soft links form a cycle).
    ExternalLinkError
        An external link on the way (the caller opens its file itself, after the safety check).
    UnreadableError
        A user-defined link type.

    Like HDF5, at most ``MAX_LINK_DEPTH`` soft links are followed in all (``followed`` counts them
    across the recursion), so a crafted file cannot make resolution explode.
    """
    followed = [0] if followed is None else followed
    if depth > MAX_LINK_DEPTH or followed[0] > MAX_LINK_DEPTH:
        raise DanglingLinkError(f"{path} in {file_path}: too many levels of soft links (a link cycle)")
    hard = ""
    for part in path.split("/"):
        if part in ("", "."):
            continue
        here = hard + "/" + part
        info = link_info(loc, here)
        if info is None:
            raise NodeNotFoundError(f"No object {here} in {file_path}")
        if info.type == h5py.h5l.TYPE_HARD:
            hard = here
        elif info.type == h5py.h5l.TYPE_SOFT:
            target = decode(loc.links.get_val(encode(here)))
            absolute = target if target.startswith("/") else join(hard or "/", target)
            followed[0] += 1
            try:
                hard = resolve(loc, absolute, file_path, depth + 1, followed)
            except NodeNotFoundError as exc:
                raise DanglingLinkError(f"{here} in {file_path} is a dangling soft link to {target}") from exc
            if hard == "/":
                hard = ""
        elif info.type == h5py.h5l.TYPE_EXTERNAL:
            fname, target = (decode(v) for v in loc.links.get_val(encode(here)))
            raise ExternalLinkError(
                f"{here} in {file_path} is an external link to {fname}:{target}; open that file to go further",
                fname,
                target,
            )
        else:
            raise UnreadableError(f"{here} in {file_path} is a user-defined link (type {info.type})")
    return hard or "/"


def open_object(f: h5py.File, path: str, file_path: str) -> Any:
    hard = resolve(f.id, path, file_path)
    try:
        return f[hard]
    except KeyError as exc:
        if hard != "/" and link_info(f.id, hard) is not None:  # the link is there: its object is damaged
            raise UnreadableError(f"Cannot open {path} in {file_path}: {hdf5_reason(str(exc))} "
                                  "(the file may be damaged)") from exc
        raise NodeNotFoundError(f"No object {path} in {file_path}") from exc
    except (OSError, RuntimeError) as exc:
        raise UnreadableError(f"Cannot open {path} in {file_path}: {hdf5_reason(str(exc))}") from exc


def open_group(f: h5py.File, path: str, file_path: str) -> h5py.Group:
    obj = open_object(f, path, file_path)
    if not isinstance(obj, h5py.Group):
        raise BadRequestError(f"{path} in {file_path} is not a group")
    return obj


def native_index(gid: h5py.h5g.GroupID) -> int:
    """Creation order when the group indexes it (``track_order=True``), else the name index."""
    try:
        if gid.get_create_plist().get_link_creation_order() & h5py.h5p.CRT_ORDER_INDEXED:
            return h5py.h5.INDEX_CRT_ORDER
    except (RuntimeError, OSError, ValueError):  # a damaged creation property list: listed by name
        log.debug("creation order of a group not readable", exc_info=True)
    return h5py.h5.INDEX_NAME


def is_inside(folder: str | os.PathLike[str], target: str | os.PathLike[str]) -> bool:
    """True when ``target`` (after resolving symlinks and ``..``) lies within ``folder``.

    Never for a remote file's "folder" (a URL): whatever a remote file points at is outside it, and is
    neither looked for on the local disk nor on another host without the user's confirmation.
    """
    if _URL.match(os.fspath(folder)) or _URL.match(os.fspath(target)):
        return False
    base = os.path.realpath(folder)
    real = os.path.realpath(target)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def resolve_external(file_path: str | os.PathLike[str], target_file: str) -> Path:
    """Where an external link's or external storage's file name points, seen from ``file_path``.

    Relative names are taken relative to the folder of the file that holds the link (HDF5's own
    rule for links; we open the target ourselves, so no environment prefix is consulted).
    """
    t = Path(target_file)
    if not t.is_absolute():
        t = Path(file_path).absolute().parent / t
    return Path(os.path.normpath(t))

"""Copying an object (recursively) to another place in the same file or into another file."""

from __future__ import annotations

import contextlib
import logging
import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py

from h5gui.core import structure
from h5gui.core.errors import BadRequestError, ExternalLinkError, H5GuiError
from h5gui.core.h5 import files, links, messages, staging
from h5gui.core.h5.objects import gcpl_like, storage_size
from h5gui.core.paths import encode, join, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.structure.copier import Copier
from h5gui.core.structure.paths import check_name, dest_of, group_at, refuse_existing, split
from h5gui.core.structure.records import CopyReport

__all__ = ["copy", "open_pair", "source_hard"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def open_pair(src_file: str, dest_file: str) -> Iterator[tuple[h5py.File, h5py.File, bool]]:
    """``(source, destination, same file)``: the source readable, the destination writable (one handle
    when they are the same file)."""
    files.check_readable(src_file)
    files.check_readable(dest_file)
    if files.same_file(src_file, dest_file):
        with files.open_file(dest_file, write=True) as f:
            yield f, f, True
        return
    with files.open_file(src_file) as s, files.open_file(dest_file, write=True) as d:
        yield s, d, False


def source_hard(f: h5py.File, file: str, path: str) -> str:
    """Hard path of the object at ``path`` (a soft link at the end is followed, an external one refused)."""
    try:
        return links.resolve(f.id, path, file)
    except ExternalLinkError as exc:
        raise ExternalLinkError(
            f"{path} in {file} is (or goes through) an external link to {exc.link_file}:{exc.link_target}: "
            "copy from that file instead", exc.link_file, exc.link_target,
        ) from exc


def _discard(d: h5py.File, dgid: Any, tmp: str) -> None:
    """Remove the unfinished copy ``tmp`` from the group ``dgid`` of ``d``."""
    try:
        if dgid.links.exists(encode(tmp)):
            dgid.unlink(encode(tmp))
            d.flush()
    except Exception:  # pragma: no cover - best effort cleanup (is_temp finds leftovers)
        log.warning("cannot remove the unfinished copy %s from %s", tmp, d.filename, exc_info=True)


def copy(src_file: str, src_path: str, dest_file: str, dest_path: str, *, parents: bool = False) -> Job[CopyReport]:
    """Job: copy the object at ``src_path`` (recursively) to ``dest_path``, in the same or another file.

    A trailing ``/`` on ``dest_path`` copies into that group under the source's name. A soft link at
    ``src_path`` copies the object it points to. The copy is written under a temporary name and moved
    into place when complete; cancelling (closing the generator) or an error removes it.

    Raises
    ------
    BadRequestError
        ``dest_path`` exists, a group would be copied into itself, the destination's parent is not a group.
    NodeNotFoundError, DanglingLinkError, ExternalLinkError
        The source or the destination's group cannot be reached.
    ReadOnlyError, FileAccessError
        The destination file is not writable.
    """
    src_file, dest_file = str(src_file), str(dest_file)
    spath = normalize_path(src_path)
    sname = posixpath.basename(spath) or Path(src_file).stem or "root"
    dest = dest_of(dest_path, sname)
    dparent, dname = split(dest, dest_file, "copy's destination")
    check_name(dname)
    with open_pair(src_file, dest_file) as (s, d, same):
        shard = source_hard(s, src_file, spath)
        dhard = group_at(d, dest_file, dparent, create=parents)
        refuse_existing(d, dest_file, dhard, dname, dest)
        copier = Copier(s, src_file, d, dest_file, same)
        src_oid = h5py.h5o.open(s.id, encode(shard))
        if isinstance(src_oid, h5py.h5g.GroupID):
            yield from copier.measure(src_oid, shard)
            if same and h5py.h5o.get_info(d.id, encode(dhard)).addr in copier.group_addrs:
                raise BadRequestError(f"cannot copy {spath} into itself ({dest}) in {dest_file}")
        else:
            is_dataset = isinstance(src_oid, h5py.h5d.DatasetID)
            copier.total = structure.OBJECT_WEIGHT + storage_size(src_oid) if is_dataset else 0
        del src_oid
        tmp = staging.temp_name("tmp")
        dgid = h5py.h5o.open(d.id, encode(dhard))
        try:
            if shard == "/":
                root = h5py.h5o.open(s.id, b"/")
                new = h5py.h5g.create(dgid, encode(tmp), gcpl=gcpl_like(root))
                copier.groups += 1
                yield from copier.copy_group(root, "/", new, join(dhard, tmp))
            else:
                yield from copier.copy_object(shard, dhard, tmp)
            yield from copier.fix_refs()
            dgid.links.move(encode(tmp), dgid, encode(dname))
            d.flush()
        except BaseException as exc:
            copier.release()
            _discard(d, dgid, tmp)
            if isinstance(exc, H5GuiError | KeyboardInterrupt | GeneratorExit):
                raise
            raise H5GuiError(f"Cannot copy {spath} to {dest} in {dest_file}: {messages.reason_of(exc)}") from exc
        yield Progress(copier.weight, copier.weight, "bytes", "copied", nbytes=copier.nbytes)
    return CopyReport(src_file, spath, dest_file, dest, copier.objects, copier.groups, copier.datasets,
                      copier.links, copier.nbytes, copier.cleared, tuple(copier.warnings))


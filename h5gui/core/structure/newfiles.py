"""New files: a file rewritten without its unused space (:func:`compact`), an object exported as a new
HDF5 file (:func:`export_hdf5`). Written as ``NAME.partial`` and renamed when complete
(:class:`~h5gui.core.h5.staging.PartialFile`); nothing existing is overwritten except by compacting in place.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil

import h5py

from h5gui.core.errors import BadRequestError, H5GuiError
from h5gui.core.h5 import files, staging
from h5gui.core.h5.objects import new_file, new_file_like
from h5gui.core.paths import encode, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.structure.copier import Copier
from h5gui.core.structure.copying import source_hard
from h5gui.core.structure.records import CompactReport, CopyReport

__all__ = ["HDF5_EXTENSIONS", "compact", "export_hdf5"]

HDF5_EXTENSIONS = (".h5", ".hdf5", ".hdf", ".he5", ".nxs", ".nx5", ".h5ad", ".cxi")


def compact(file: str, out: str | None = None) -> Job[CompactReport]:
    """Job: rewrite ``file`` into a new file without the unused space (what deleting left behind).

    Every group, dataset, committed datatype, attribute and link (soft, external, extra hard links)
    is kept, with creation properties, chunk shapes and filters (chunks are copied without being
    decompressed), the file's creation properties, library version bounds and user block. References
    are rewritten to the new addresses. The result is written as ``OUT.partial`` and renamed when
    complete: in place (``out`` None) replaces ``file`` (which needs to be writable: in the GUI, edit
    mode), else ``out`` must not exist. Cancel or an error removes the partial file.
    """
    file = str(files.check_readable(file))
    in_place = out is None or (os.path.exists(out) and files.same_file(out, file))
    final = file if in_place else os.path.abspath(str(out))
    if not in_place and os.path.lexists(final):
        raise BadRequestError(f"{final} exists: choose a new file name (nothing is overwritten)")
    size_before = os.path.getsize(file)
    was_writable = files.is_writable(file)
    with staging.PartialFile(final, overwrite=in_place) as claim:
        partial = claim.path
        with files.open_file(file, write=in_place) as src:
            copier = Copier(src, file, src, partial, same_file=False)
            root = h5py.h5o.open(src.id, b"/")
            yield from copier.measure(root, "/")
            expected = copier.counted
            dst = new_file_like(src, partial)
            try:
                copier.dst = dst
                copier.message = "compacting"
                yield from copier.copy_group(root, "/", dst["/"].id, "/")
                yield from copier.fix_refs()
                copier.release()
                userblock = src.id.get_create_plist().get_userblock()
            finally:
                dst.close()
            seen = copier.objects + copier.links + copier.skipped
            if seen != expected:
                raise H5GuiError(f"compacting {file} went wrong: {seen:,} of {expected:,} links written; "
                                 f"{file} is unchanged")
        if userblock:
            with open(file, "rb") as fin, open(partial, "r+b") as fout:
                fout.write(fin.read(userblock))
        with contextlib.suppress(OSError):
            shutil.copymode(file, partial)
        if in_place:
            files.release(file)
        claim.publish()
        if in_place and was_writable:
            files.enable_editing(file)
    yield Progress(copier.weight, copier.weight, "bytes", "compacted", nbytes=copier.nbytes)
    return CompactReport(file, final, size_before, os.path.getsize(final), copier.objects, copier.nbytes,
                         copier.cleared, tuple(copier.warnings))


def export_hdf5(file: str, path: str, out: str) -> Job[CopyReport]:
    """Job: a new HDF5 file ``out`` holding the object at ``path``: a group's members and attributes
    become the new file's root's, a dataset is stored under its own name. Written as
    ``OUT.partial`` and renamed when complete; ``out`` must not exist."""
    file = str(file)
    out = os.path.abspath(str(out))
    spath = normalize_path(path)
    if os.path.lexists(out):
        raise BadRequestError(f"{out} exists: choose a new file name (nothing is overwritten)")
    with staging.PartialFile(out) as claim:
        with files.open_file(file) as src:
            shard = source_hard(src, file, spath)
            soid = h5py.h5o.open(src.id, encode(shard))
            copier = Copier(src, file, src, out, same_file=False)
            is_group = isinstance(soid, h5py.h5g.GroupID)
            if is_group:
                yield from copier.measure(soid, shard)
            dst = new_file(claim.path)
            try:
                copier.dst = dst
                if is_group:
                    yield from copier.copy_group(soid, shard, dst["/"].id, "/")
                else:
                    name = posixpath.basename(shard)
                    yield from copier.copy_object(shard, "/", name)
                yield from copier.fix_refs()
                copier.release()
            finally:
                dst.close()
        claim.publish()
    dest = "/" if is_group else "/" + posixpath.basename(shard)
    return CopyReport(file, spath, out, dest, copier.objects, copier.groups, copier.datasets, copier.links,
                      copier.nbytes, copier.cleared, tuple(copier.warnings))

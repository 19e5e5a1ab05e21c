"""Data kept outside the opened file: what reading a dataset would touch, checked before it is read.

External raw storage, virtual dataset sources and external links on a source's path are followed by
HDF5 itself once a read starts; h5gui walks them first (every level, with a depth limit and cycle
detection) and refuses to read until the user confirms files outside the opened file's folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import h5py

from h5gui.core.errors import (
    DanglingLinkError,
    ExternalLinkError,
    H5GuiError,
    NodeNotFoundError,
    UnreadableError,
    UnsafeAccessError,
)
from h5gui.core.h5.links import is_inside, resolve, resolve_external
from h5gui.core.h5.messages import reason_of
from h5gui.core.paths import decode

MAX_SOURCE_DEPTH = 8  # levels of virtual dataset sources and external links followed by the safety check


def data_sources_outside(ds: h5py.Dataset, file: str) -> tuple[str, ...]:
    """Files outside ``file``'s folder that reading ``ds``'s data would open, at any depth.

    External raw storage is always listed (HDF5 resolves its names against the working directory,
    not the file's folder). Virtual dataset sources are followed: a source file outside the folder
    (or missing from it: HDF5 then searches elsewhere) is listed, and a source inside the folder is
    opened and checked in turn, because HDF5 reads whatever *that* dataset points at (external raw
    storage, another virtual dataset, an external link on the source path). The walk stops at
    ``MAX_SOURCE_DEPTH`` levels and at cycles; a source it cannot follow is listed, never trusted.
    """
    return data_sources(ds, file)[0]


def data_sources(ds: h5py.Dataset, file: str) -> tuple[tuple[str, ...], str]:
    """``(outside, problem)``: :func:`data_sources_outside` and why the data cannot be read at all
    (``''`` when it can): virtual dataset sources that form a cycle make libhdf5 recurse until it
    crashes, so such a dataset is never read, with or without the user's consent."""
    walk = _SourceWalk(Path(file).absolute().parent)
    walk.dataset(ds, str(file), 0)
    return tuple(walk.found), walk.problem


class _SourceWalk:
    """One safety walk through the files a dataset's data comes from (see :func:`data_sources_outside`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.found: dict[str, None] = {}
        self.problem = ""
        self.done: set[tuple[str, int | str]] = set()
        self.stack: list[tuple[str, int | str]] = []

    def dataset(self, ds: h5py.Dataset, file: str, depth: int) -> None:
        try:
            key: tuple[str, int | str] = (os.path.realpath(file), h5py.h5o.get_info(ds.id).addr)
        except (RuntimeError, OSError, KeyError):  # a damaged object header: known by its name then
            key = (os.path.realpath(file), str(ds.name))
        if key in self.stack:
            self.problem = f"its virtual dataset sources form a cycle through {file}:{ds.name}"
            return
        if key in self.done:
            return
        self.stack.append(key)
        try:
            self._dataset(ds, file, depth)
        except (RuntimeError, OSError, KeyError, ValueError) as exc:
            # where the data comes from cannot be told: it is not read at all (never trusted)
            self.problem = f"where its data is stored cannot be read ({reason_of(exc)})"
        finally:
            self.stack.pop()
            self.done.add(key)

    def _dataset(self, ds: h5py.Dataset, file: str, depth: int) -> None:
        dcpl = ds.id.get_create_plist()
        for i in range(dcpl.get_external_count()):
            self.found[external_storage_path(file, decode(dcpl.get_external(i)[0]))] = None
        if dcpl.get_layout() != h5py.h5d.VIRTUAL:
            return
        mappings = dict.fromkeys(
            (decode(dcpl.get_virtual_filename(i)), decode(dcpl.get_virtual_dsetname(i)))
            for i in range(dcpl.get_virtual_count())
        )
        for fname, dname in mappings:
            if fname == ".":
                self.source(ds.file, file, dname, depth + 1)
                continue
            resolved = virtual_source_path(file, fname)
            if self._trusted_file(resolved, fname, depth + 1):
                self.open_and_check(resolved, dname, depth + 1)

    def _trusted_file(self, resolved: Path, name: str, depth: int) -> bool:
        """Whether ``resolved`` may be opened to look further; lists it as outside when not."""
        # a printf-style name (``%b``) stands for many files HDF5 searches for; a source missing from
        # the folder is searched elsewhere by HDF5 (e.g. the working directory)
        if "%" in name or not is_inside(self.folder, resolved) or not resolved.is_file() or depth > MAX_SOURCE_DEPTH:
            self.found[str(resolved)] = None
            return False
        return True

    def open_and_check(self, path: Path, dname: str, depth: int) -> None:
        try:
            fh = h5py.File(str(path), "r", locking=False)
        except OSError:
            self.found[str(path)] = None  # HDF5 may still find something under that name: not trusted
            return
        with fh:
            self.source(fh, str(path), dname, depth)

    def source(self, fh: h5py.File, file: str, dname: str, depth: int) -> None:
        """Check the dataset ``dname`` of the open file ``fh`` (a virtual source), following links."""
        if depth > MAX_SOURCE_DEPTH:
            self.found[f"{file}:{dname}"] = None
            return
        try:
            hard = resolve(fh.id, dname if dname.startswith("/") else "/" + dname, file)
        except ExternalLinkError as exc:  # HDF5 follows external links on a source's path
            target = resolve_external(file, exc.link_file)
            if self._trusted_file(target, exc.link_file, depth + 1):
                self.open_and_check(target, exc.link_target, depth + 1)
            return
        except (NodeNotFoundError, DanglingLinkError):
            return  # nothing there: HDF5 reads the fill value
        except H5GuiError:
            self.found[f"{file}:{dname}"] = None
            return
        try:
            obj = fh[hard]
        except (KeyError, OSError, RuntimeError):
            self.found[f"{file}:{dname}"] = None
            return
        if isinstance(obj, h5py.Dataset):
            self.dataset(obj, file, depth)


def virtual_source_path(file: str, name: str) -> Path:
    """Where HDF5 looks for a virtual dataset's source file named ``name``, seen from ``file``.

    ``$HDF5_VDS_PREFIX`` comes first when set (``${ORIGIN}`` meaning the file's folder); otherwise
    relative names are taken against the folder of the file that holds the virtual dataset.
    """
    prefix = os.environ.get("HDF5_VDS_PREFIX", "")
    if prefix and not os.path.isabs(name):
        prefix = prefix.split(os.pathsep)[0].replace("${ORIGIN}", str(Path(file).absolute().parent))
        return Path(os.path.normpath(os.path.join(os.path.abspath(prefix), name)))
    return resolve_external(file, name)


def external_storage_path(file: str, name: str) -> str:
    """Where HDF5 reads an external raw storage file named ``name`` from.

    Relative names are taken against ``$HDF5_EXTFILE_PREFIX`` when set (``${ORIGIN}`` meaning the
    file's folder) and otherwise against the *current working directory*, not the file's folder.
    """
    if os.path.isabs(name):
        return os.path.normpath(name)
    prefix = os.environ.get("HDF5_EXTFILE_PREFIX", "")
    if prefix:
        prefix = prefix.split(os.pathsep)[0].replace("${ORIGIN}", str(Path(file).absolute().parent))
        return os.path.normpath(os.path.join(os.path.abspath(prefix), name))
    return os.path.abspath(name)


def check_data_access(ds: h5py.Dataset, file: str, allow_external: bool = False) -> None:
    """Raise :class:`UnsafeAccessError` when reading ``ds`` would touch files outside the folder
    (unless ``allow_external``), :class:`UnreadableError` when its sources form a cycle."""
    outside, problem = data_sources(ds, file)
    if problem:
        raise UnreadableError(f"{ds.name} in {file} cannot be read: {problem}")
    if outside and not allow_external:
        raise UnsafeAccessError(
            f"{ds.name} reads its data from outside the file's folder ({', '.join(outside)}); confirm to read it",
            outside,
        )

"""Structure edits: create groups, datasets and links; rename and move; copy (within a file and between
files); delete; compact a file.

Every function takes file paths and HDF5 paths, opens the files through
:func:`h5gui.core.files.open_file` (writes need ``write=True``: in the GUI the file must be made
writable first, else :class:`ReadOnlyError`), resolves paths without following external links (and
without letting HDF5 follow any link on its own), returns frozen dataclasses or plain values, and
raises :class:`H5GuiError` subclasses whose message is one line naming what and where.

Rules
    * Nothing existing is ever overwritten: creating, moving or copying onto a name that is taken is
      refused (a dangling link counts as taken).
    * New objects are written under a temporary name (``.h5gui-tmp-...``, :func:`h5gui.core.h5.staging.temp_name`) in their destination group
      and moved into place when complete; an error or a cancel (the generator closed) deletes them.
    * Long operations (:func:`copy`, :func:`compact`, :func:`export_hdf5`, :func:`delete_info`,
      :func:`create_dataset_from_file`) are generators that yield :class:`Progress` and return their
      result.
    * Deleting does not make an HDF5 file smaller: :func:`delete` says how much space it freed inside
      the file (HDF5's own free-space count), which only :func:`compact` gives back.

Copying keeps everything: groups keep their creation properties (creation order tracking...),
datasets their datatype, shape, maximum shape, chunks, filters, fill value and attributes; soft and
external links stay links (their text unchanged); an object reachable by several hard links is
copied once and linked again; object and region references that point into the copied objects are
rewritten to point to the copies (HDF5's own copy clears them between files), those that point
elsewhere are kept within a file and cleared between files (counted in the report). Small datasets
are copied by HDF5 (``H5Ocopy``) in one call; big chunked ones chunk by chunk without decompressing
(``read_direct_chunk``/``write_direct_chunk``: bit-exact, fast, and works even when the filter is
not installed), big contiguous ones in blocks of raw bytes, with progress between pieces.
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from h5gui.core import attrs as _attrs
from h5gui.core import nodes
from h5gui.core.errors import (
    BadRequestError,
    ExternalLinkError,
    FileAccessError,
    H5GuiError,
    NodeNotFoundError,
)
from h5gui.core.h5 import files, filters, links, messages, staging
from h5gui.core.h5.walk import LinkEntry, iter_links
from h5gui.core.paths import decode, encode, join, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.text import format_bytes

__all__ = [
    "CompactReport",
    "CopyReport",
    "DeleteInfo",
    "DeleteReport",
    "TEMP_PREFIX",
    "compact",
    "copy",
    "create_dataset",
    "create_dataset_from_file",
    "create_external_link",
    "create_group",
    "create_soft_link",
    "delete",
    "delete_info",
    "export_hdf5",
    "load_array",
    "move",
    "rename",
]

log = logging.getLogger(__name__)

TEMP_PREFIX = staging.TEMP_PREFIX
BIG_COPY_BYTES = 8 * 2**20  # datasets with more stored bytes are copied piece by piece
BLOCK_BYTES = 32 * 2**20  # raw bytes per block when copying contiguous data or writing new data
YIELD_BYTES = 16 * 2**20  # progress at least every this many bytes
OBJECT_WEIGHT = 4096  # progress: each object counts as this many bytes of work
HDF5_EXTENSIONS = (".h5", ".hdf5", ".hdf", ".he5", ".nxs", ".nx5", ".h5ad", ".cxi")


# ---------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What :func:`copy` (and :func:`export_hdf5`) did."""

    src_file: str
    src_path: str
    dest_file: str
    dest_path: str
    objects: int  # groups + datasets + committed datatypes created
    groups: int
    datasets: int
    links: int  # soft, external and extra hard links recreated
    nbytes: int  # bytes of dataset storage copied
    cleared_refs: int = 0  # references to objects that were not copied (between files: cleared)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeleteInfo:
    """What deleting ``path`` would remove: for the confirmation dialog."""

    file: str
    path: str
    kind: str  # nodes kind of the link: group, dataset, datatype, soft_link, external_link, ...
    objects: int  # objects below a group (links counted once per object), 0 otherwise
    datasets: int
    nbytes: int  # bytes stored by the datasets that go (compressed size)
    other_links: int = 0  # other hard links to the object: it stays reachable, nothing is freed

    @property
    def text(self) -> str:
        """``'Delete group /a (12 objects, 3.4 MB)? The file does not get smaller: ...'``."""
        what = nodes.KIND_LABELS.get(self.kind, self.kind)
        details = []
        if self.kind == nodes.GROUP:
            details.append(f"{self.objects:,} object" + ("" if self.objects == 1 else "s") + " inside")
        if self.nbytes:
            details.append(format_bytes(self.nbytes))
        text = f"Delete {what} {self.path}" + (f" ({', '.join(details)})" if details else "") + "?"
        if self.other_links:
            text += f" It stays reachable through {self.other_links} other hard link(s): nothing is freed."
        elif self.nbytes:
            text += " The file does not get smaller: compact it afterwards to reclaim the space."
        return text


@dataclass(frozen=True, slots=True)
class DeleteReport:
    file: str
    path: str
    kind: str
    freed: int  # bytes freed inside the file (reusable by later writes; compact gives them back)
    file_size: int  # the file's size afterwards (unchanged: HDF5 files do not shrink)

    @property
    def text(self) -> str:
        what = nodes.KIND_LABELS.get(self.kind, self.kind)
        text = f"Deleted {what} {self.path}"
        if self.freed:
            text += (f"; {format_bytes(self.freed)} freed inside the file, which stays "
                     f"{format_bytes(self.file_size)}: compact it to reclaim the space")
        return text


@dataclass(frozen=True, slots=True)
class CompactReport:
    file: str  # the source
    out: str  # the compacted file (== file when compacted in place)
    size_before: int
    size_after: int
    objects: int
    nbytes: int  # dataset bytes copied
    cleared_refs: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def saved(self) -> int:
        return self.size_before - self.size_after


# ---------------------------------------------------------------------------------------------
# paths


def _split(path: str, file: str, what: str = "object") -> tuple[str, str]:
    """``'/a/b'`` -> ``('/a', 'b')``; refuses the root."""
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


def _group_at(f: h5py.File, file: str, path: str, *, create: bool = False) -> str:
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
            h5py.h5g.create(f.id, encode(here), gcpl=_tracked_gcpl())
            hard = here
            continue
        hard = links.resolve(f.id, here, file)  # soft links followed by us, external ones refused
        if h5py.h5o.get_info(f.id, encode(hard)).type != h5py.h5o.TYPE_GROUP:
            raise BadRequestError(f"{shown} in {file} is not a group")
    return hard


def _tracked_gcpl() -> Any:
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_link_creation_order(h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED)
    gcpl.set_attr_creation_order(h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED)
    return gcpl


def _refuse_existing(f: h5py.File, file: str, parent_hard: str, name: str, shown: str) -> None:
    if links.link_info(f.id, join(parent_hard, name)) is not None:
        raise BadRequestError(f"{shown} already exists in {file}: choose another name (nothing is overwritten)")


def _reason(exc: BaseException) -> str:
    return messages.hdf5_reason(" ".join(str(exc).split())) or type(exc).__name__


def _row(f: h5py.File, file: str, parent_hard: str, parent_shown: str, name: str) -> nodes.ChildInfo:
    gid = h5py.h5o.open(f.id, encode(parent_hard))
    return nodes.child_row(gid, parent_shown, name, file, parent_hard)


def _link_kind(f: h5py.File, here: str) -> tuple[str, Any]:
    """(kind, link info) of the link at the hard path ``here``; the kind of the object for hard links."""
    info = links.link_info(f.id, here)
    if info is None:
        return "", None
    if info.type == h5py.h5l.TYPE_SOFT:
        return nodes.SOFT_LINK, info
    if info.type == h5py.h5l.TYPE_EXTERNAL:
        return nodes.EXTERNAL_LINK, info
    if info.type != h5py.h5l.TYPE_HARD:
        return nodes.UNREADABLE, info
    otype = h5py.h5o.get_info(f.id, encode(here)).type
    return {h5py.h5o.TYPE_GROUP: nodes.GROUP, h5py.h5o.TYPE_DATASET: nodes.DATASET,
            h5py.h5o.TYPE_NAMED_DATATYPE: nodes.DATATYPE}.get(otype, nodes.UNREADABLE), info


# ---------------------------------------------------------------------------------------------
# create


def create_group(file: str, path: str, *, parents: bool = False) -> nodes.ChildInfo:
    """Create the group ``path`` (with creation order tracked); ``parents`` creates missing parents.

    Raises
    ------
    BadRequestError
        ``path`` exists (whatever it is), or a parent is not a group.
    NodeNotFoundError
        A parent is missing and ``parents`` is False.
    ReadOnlyError, FileAccessError
        The file is not writable.
    """
    file = str(file)
    parent, name = _split(path, file, "new group")
    check_name(name)
    with files.open_file(file, write=True) as f:
        phard = _group_at(f, file, parent, create=parents)
        _refuse_existing(f, file, phard, name, join(parent, name))
        try:
            h5py.h5g.create(f.id, encode(join(phard, name)), gcpl=_tracked_gcpl())
        except Exception as exc:
            raise H5GuiError(f"Cannot create group {join(parent, name)} in {file}: {_reason(exc)}") from exc
        f.flush()
        return _row(f, file, phard, parent, name)


def _dtype_of(dtype: Any) -> np.dtype:
    if isinstance(dtype, str) and dtype in ("string", "str", "vlen-str", "text"):
        return h5py.string_dtype()
    try:
        return np.dtype(dtype)
    except TypeError as exc:
        raise BadRequestError(f"unknown datatype {dtype!r}") from exc


def _creation_kwargs(
    shape: tuple[int, ...] | None, dt: np.dtype, chunks: Any, maxshape: Any, compression: str | None,
    compression_opts: int | None, shuffle: bool | None, fillvalue: Any,
) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    comp = filters.compression(compression, compression_opts, shuffle, dt.itemsize)[0]
    if comp and shape == ():
        raise BadRequestError("a scalar dataset cannot be compressed (compression needs chunks)")
    kw.update(comp)
    if chunks is not None and chunks is not False:
        if shape == ():
            raise BadRequestError("a scalar dataset cannot be chunked")
        if chunks is not True:
            chunks = tuple(int(c) for c in chunks)
            if shape is not None and len(chunks) != len(shape):
                raise BadRequestError(f"chunks {chunks} do not match the shape {shape}")
            if any(c <= 0 for c in chunks):
                raise BadRequestError(f"chunks {chunks} must be positive")
        kw["chunks"] = chunks
    if maxshape is not None:
        kw["maxshape"] = tuple(None if m in (None, -1) else int(m) for m in maxshape)
    if fillvalue is not None:
        kw["fillvalue"] = fillvalue
    return kw


def create_dataset(
    file: str, path: str, *, shape: Sequence[int] | None = None, dtype: Any = None, data: Any = None,
    chunks: Sequence[int] | bool | None = None, maxshape: Sequence[int | None] | None = None,
    compression: str | None = None, compression_opts: int | None = None, shuffle: bool | None = None,
    fillvalue: Any = None, parents: bool = False,
) -> nodes.ChildInfo:
    """Create a dataset from ``shape`` and ``dtype`` (filled with ``fillvalue``) or from ``data``.

    ``dtype`` is a numpy dtype (name) or ``'string'`` (variable-length UTF-8); None: the data's, or
    float32 for a new empty dataset. ``chunks`` is a shape,
    True (h5py's guess) or None (contiguous unless compression or ``maxshape`` need chunks).
    ``compression`` is one of :data:`h5gui.core.codecs.NAMES` (``compression_opts``: its level). The dataset is
    written under a temporary name and moved into place when complete.
    """
    file = str(file)
    parent, name = _split(path, file, "new dataset")
    check_name(name)
    if data is None and shape is None:
        raise BadRequestError("a new dataset needs a shape or data")
    dt = _dtype_of("float32" if dtype is None else dtype) if data is None else None
    arr = None
    if data is not None:
        arr = np.asarray(data)
        if arr.dtype.kind == "O":
            raise BadRequestError("data of Python objects cannot be stored: give numbers or strings")
        if arr.dtype.kind == "U":
            arr = arr.astype(h5py.string_dtype())
        if shape is not None and tuple(shape) != arr.shape:
            raise BadRequestError(f"data of shape {arr.shape} does not match the shape {tuple(shape)}")
        dt = arr.dtype if dtype is None else _dtype_of(dtype)
    assert dt is not None
    shp = tuple(int(n) for n in shape) if shape is not None else (arr.shape if arr is not None else None)
    if shp is not None and any(n < 0 for n in shp):
        raise BadRequestError(f"invalid shape {shp}")
    kw = _creation_kwargs(shp, dt, chunks, maxshape, compression, compression_opts, shuffle, fillvalue)
    with files.open_file(file, write=True) as f:
        phard = _group_at(f, file, parent, create=parents)
        _refuse_existing(f, file, phard, name, join(parent, name))
        g = f[phard]
        tmp = staging.temp_name("tmp")
        try:
            if arr is not None:
                g.create_dataset(tmp, data=arr, dtype=dt, **kw)
            else:
                g.create_dataset(tmp, shape=shp, dtype=dt, **kw)
            g.move(tmp, name)
        except BaseException as exc:
            _discard_link(g, tmp)
            if isinstance(exc, H5GuiError | KeyboardInterrupt | GeneratorExit):
                raise
            raise BadRequestError(f"Cannot create dataset {join(parent, name)} in {file}: {_reason(exc)}") from exc
        f.flush()
        return _row(f, file, phard, parent, name)


def _discard_link(g: Any, name: str) -> None:
    with contextlib.suppress(Exception):
        if g.id.valid and name in g:
            del g[name]


def load_array(source: str | os.PathLike[str], *, key: str | None = None, delimiter: str | None = None) -> np.ndarray:
    """An array from a ``.npy`` (memory-mapped), ``.npz`` (``key`` picks the array when several) or a
    CSV/TSV/text file of numbers (a header line is skipped). Pickled objects are refused."""
    src = Path(source)
    if not src.is_file():
        raise FileAccessError(f"No such file: {src}")
    ext = src.suffix.lower()
    try:
        if ext == ".npy":
            arr = np.load(src, mmap_mode="r", allow_pickle=False)
        elif ext == ".npz":
            with np.load(src, allow_pickle=False) as z:
                keys = list(z.keys())
                if key is None:
                    if len(keys) != 1:
                        raise BadRequestError(f"{src} holds {len(keys)} arrays ({', '.join(keys[:8])}): pick one")
                    key = keys[0]
                if key not in keys:
                    raise BadRequestError(f"{src} holds no array {key!r} (it has {', '.join(keys[:8])})")
                arr = z[key]
        else:
            delim = delimiter if delimiter is not None else ("\t" if ext == ".tsv" else "," if ext == ".csv" else None)
            try:
                arr = np.loadtxt(src, delimiter=delim, ndmin=1)
            except ValueError:
                arr = np.loadtxt(src, delimiter=delim, ndmin=1, skiprows=1)  # a header line
            if arr.ndim == 2 and arr.shape[1] == 1:
                arr = arr[:, 0]
    except H5GuiError:
        raise
    except ValueError as exc:
        raise BadRequestError(f"cannot read {src}: {' '.join(str(exc).split())}") from exc
    except OSError as exc:
        raise FileAccessError(f"cannot read {src}: {exc.strerror or exc}") from exc
    if arr.dtype.kind == "O":
        raise BadRequestError(f"{src} holds Python objects, which are not loaded")
    return arr


def create_dataset_from_file(
    file: str, path: str, source: str | os.PathLike[str], *, key: str | None = None, delimiter: str | None = None,
    chunks: Sequence[int] | bool | None = None, compression: str | None = None, compression_opts: int | None = None,
    shuffle: bool | None = None, parents: bool = False,
) -> Job[nodes.ChildInfo]:
    """Job: a new dataset holding the array of a ``.npy``/``.npz``/CSV file (see :func:`load_array`),
    written in blocks with progress under a temporary name, moved into place when complete."""
    file = str(file)
    parent, name = _split(path, file, "new dataset")
    check_name(name)
    arr = load_array(source, key=key, delimiter=delimiter)
    dt = arr.dtype
    if dt.kind == "U":
        arr = np.asarray(arr).astype(h5py.string_dtype())
        dt = arr.dtype
    kw = _creation_kwargs(arr.shape, dt, chunks, None, compression, compression_opts, shuffle, None)
    total = int(arr.nbytes)
    with files.open_file(file, write=True) as f:
        phard = _group_at(f, file, parent, create=parents)
        _refuse_existing(f, file, phard, name, join(parent, name))
        g = f[phard]
        tmp = staging.temp_name("tmp")
        try:
            ds = g.create_dataset(tmp, shape=arr.shape, dtype=dt, **kw)
            if arr.ndim == 0:
                ds[()] = arr[()]
            elif arr.size:
                row = max(1, arr[0].nbytes)
                step = max(1, BLOCK_BYTES // row)
                for a in range(0, arr.shape[0], step):
                    b = min(arr.shape[0], a + step)
                    ds[a:b] = arr[a:b]
                    yield Progress(b * row, total, "bytes", f"writing {join(parent, name)}", nbytes=b * row)
            g.move(tmp, name)
        except BaseException as exc:
            _discard_link(g, tmp)
            if isinstance(exc, H5GuiError | KeyboardInterrupt | GeneratorExit):
                raise
            raise BadRequestError(f"Cannot create dataset {join(parent, name)} in {file}: {_reason(exc)}") from exc
        f.flush()
        return _row(f, file, phard, parent, name)


def _link_target_text(target: str) -> str:
    if not isinstance(target, str) or not target.strip():
        raise BadRequestError("a link needs a target path")
    if "\x00" in target:
        raise BadRequestError("a link target cannot contain NUL characters")
    return target


def create_soft_link(file: str, path: str, target: str, *, parents: bool = False) -> nodes.ChildInfo:
    """Create a soft link at ``path`` whose value is ``target`` (absolute, or relative to its group).

    The target need not exist (the row then says the link dangles).
    """
    file = str(file)
    parent, name = _split(path, file, "new link")
    check_name(name)
    _link_target_text(target)
    with files.open_file(file, write=True) as f:
        phard = _group_at(f, file, parent, create=parents)
        _refuse_existing(f, file, phard, name, join(parent, name))
        gid = h5py.h5o.open(f.id, encode(phard))
        try:
            gid.links.create_soft(encode(name), encode(target))
        except Exception as exc:
            raise H5GuiError(f"Cannot create link {join(parent, name)} in {file}: {_reason(exc)}") from exc
        f.flush()
        return _row(f, file, phard, parent, name)


def create_external_link(file: str, path: str, target_file: str, target_path: str, *,
                         parents: bool = False) -> nodes.ChildInfo:
    """Create an external link at ``path`` to ``target_path`` in ``target_file`` (stored as given:
    a relative file name is taken relative to the folder of ``file`` by h5gui)."""
    file = str(file)
    parent, name = _split(path, file, "new link")
    check_name(name)
    _link_target_text(str(target_file))
    target_path = normalize_path(_link_target_text(target_path))
    with files.open_file(file, write=True) as f:
        phard = _group_at(f, file, parent, create=parents)
        _refuse_existing(f, file, phard, name, join(parent, name))
        gid = h5py.h5o.open(f.id, encode(phard))
        try:
            gid.links.create_external(encode(name), encode(str(target_file)), encode(target_path))
        except Exception as exc:
            raise H5GuiError(f"Cannot create link {join(parent, name)} in {file}: {_reason(exc)}") from exc
        f.flush()
        return _row(f, file, phard, parent, name)


# ---------------------------------------------------------------------------------------------
# rename, move


def _dest_of(dest: str, src_name: str) -> str:
    """``'/g/'`` (a trailing slash: into that group) -> ``'/g/<src_name>'``."""
    if isinstance(dest, str) and dest.endswith("/") and normalize_path(dest) != "/":
        return join(normalize_path(dest), src_name)
    if dest == "/":
        return "/" + src_name
    return normalize_path(dest)


def _under(hard: str, other: str) -> bool:
    return other == hard or other.startswith(hard.rstrip("/") + "/")


def move(file: str, src: str, dest: str, *, parents: bool = False) -> nodes.ChildInfo:
    """Move the link ``src`` to ``dest`` within ``file`` (a trailing ``/`` on ``dest`` moves it into
    that group under its own name). The object is not copied; soft and external links move as links,
    their text unchanged (a relative soft link is then taken relative to its new group).

    Raises
    ------
    BadRequestError
        ``dest`` exists, a group would go into itself, the root cannot move.
    NodeNotFoundError, ExternalLinkError
        ``src`` or ``dest``'s group is missing or lies behind an external link.
    """
    file = str(file)
    sparent, sname = _split(src, file, "object to move")
    dest = _dest_of(dest, sname)
    dparent, dname = _split(dest, file, "destination")
    check_name(dname)
    with files.open_file(file, write=True) as f:
        shard = _group_at(f, file, sparent)
        here = join(shard, sname)
        kind, _info = _link_kind(f, here)
        if not kind:
            raise NodeNotFoundError(f"No object {join(sparent, sname)} in {file}")
        dhard = _group_at(f, file, dparent, create=parents)
        there = join(dhard, dname)
        if there == here:
            return _row(f, file, dhard, dparent, dname)
        _refuse_existing(f, file, dhard, dname, dest)
        if kind == nodes.GROUP and (_under(here, dhard) or _group_contains(f, here, dhard)):
            raise BadRequestError(f"cannot move {join(sparent, sname)} into itself ({dest}) in {file}")
        sgid = h5py.h5o.open(f.id, encode(shard))
        dgid = h5py.h5o.open(f.id, encode(dhard))
        try:
            sgid.links.move(encode(sname), dgid, encode(dname))
        except Exception as exc:
            raise H5GuiError(f"Cannot move {join(sparent, sname)} to {dest} in {file}: {_reason(exc)}") from exc
        f.flush()
        return _row(f, file, dhard, dparent, dname)


def _group_contains(f: h5py.File, group_hard: str, other_hard: str) -> bool:
    """Whether the group at ``other_hard`` is the group at ``group_hard`` or lies below it through some
    hard link (the same object may have several paths). Looked up along ``other_hard``'s ancestors."""
    target = h5py.h5o.get_info(f.id, encode(group_hard)).addr
    path = other_hard
    while True:
        if h5py.h5o.get_info(f.id, encode(path)).addr == target:
            return True
        if path == "/":
            return False
        path = posixpath.dirname(path)


def rename(file: str, path: str, new_name: str) -> nodes.ChildInfo:
    """Rename the link at ``path`` to ``new_name`` in the same group (F2 in the tree)."""
    file = str(file)
    parent, _name = _split(path, file, "object to rename")
    check_name(new_name)
    return move(file, path, join(parent, new_name))


# ---------------------------------------------------------------------------------------------
# copy engine


def _has_class(tid: Any, cls: int) -> bool:
    """Whether the datatype holds ``cls`` anywhere (compound members, arrays, vlen bases)."""
    try:
        c = tid.get_class()
        if c == cls:
            return True
        if cls == h5py.h5t.VLEN and c == h5py.h5t.STRING and tid.is_variable_str():
            return True
        if c == h5py.h5t.COMPOUND:
            return any(_has_class(tid.get_member_type(i), cls) for i in range(tid.get_nmembers()))
        if c in (h5py.h5t.ARRAY, h5py.h5t.VLEN, h5py.h5t.ENUM):
            return _has_class(tid.get_super(), cls)
    except Exception:  # pragma: no cover - unusual types: assume the worst
        return True
    return False


def _gcpl_like(gid: Any) -> Any:
    """A fresh group creation property list with ``gid``'s settings (creation order tracking,
    attribute storage, times). The group's own list cannot be reused in another place: it carries
    addresses of the group's storage (HDF5 then fails with 'address of object past end of allocation')."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    with contextlib.suppress(Exception):
        src = gid.get_create_plist()
        gcpl.set_link_creation_order(src.get_link_creation_order())
        gcpl.set_attr_creation_order(src.get_attr_creation_order())
        gcpl.set_attr_phase_change(*src.get_attr_phase_change())
        gcpl.set_obj_track_times(src.get_obj_track_times())
    return gcpl


def _attr_names(oid: Any) -> list[str]:
    """Attribute names in creation order where tracked, else by name."""
    idx = h5py.h5.INDEX_NAME
    try:
        if oid.get_create_plist().get_attr_creation_order() & h5py.h5p.CRT_ORDER_INDEXED:
            idx = h5py.h5.INDEX_CRT_ORDER
    except Exception:
        pass
    out: list[str] = []
    h5py.h5a.iterate(oid, lambda name, *_: out.append(decode(name)), index_type=idx)
    return out


def _storage(oid: Any) -> int:
    try:
        return int(oid.get_storage_size())
    except Exception:
        return 0


class _Copier:
    """Copies objects from ``src`` into ``dst`` (possibly the same file), remembering what went where."""

    def __init__(self, src: h5py.File, src_file: str, dst: h5py.File, dst_file: str, same_file: bool) -> None:
        self.src, self.src_file, self.dst, self.dst_file = src, src_file, dst, dst_file
        self.same_file = same_file
        self.addr_map: dict[int, str] = {}  # source object address -> destination path
        self.ref_fixes: list[tuple[str, str, str | None]] = []  # (source path, destination path, attribute)
        self.groups = self.datasets = self.datatypes = self.links = 0
        self.nbytes = 0
        self.weight = 0.0
        self.total: float | None = None
        self.cleared = 0
        self.skipped = 0  # links that could not be recreated (user-defined, unreadable objects)
        self.warnings: list[str] = []
        self.message = "copying"
        self._last_yield = 0.0
        self._dgid: tuple[str, Any] = ("", None)
        self.copypl = h5py.h5p.create(h5py.h5p.OBJECT_COPY)
        # within a file, our own temporary objects (the copy being written) are not copied
        self.skip = staging.is_temp if same_file else None

    # -- progress
    @property
    def objects(self) -> int:
        return self.groups + self.datasets + self.datatypes

    def progress(self) -> Progress:
        self._last_yield = self.weight
        total = self.total if self.total is None else max(self.total, self.weight)
        return Progress(self.weight, total, "bytes", self.message, nbytes=self.nbytes)

    def _due(self) -> bool:
        return self.weight - self._last_yield >= YIELD_BYTES

    # -- walking
    def measure(self, gid: Any, path: str) -> Iterator[Progress]:
        """Set ``total`` from the objects below ``gid`` (and collect the groups' addresses)."""
        total = 0.0
        n = 0
        self.group_addrs = {h5py.h5o.get_info(gid).addr}
        for entries in iter_links(gid, path, skip=self.skip, creation_order=False):
            for e in entries:
                n += 1
                total += OBJECT_WEIGHT
                if e.kind == nodes.DATASET and e.first:
                    total += _storage(e.open())
                    e.oid = None
                elif e.kind == nodes.GROUP and e.first:
                    self.group_addrs.add(e.addr)
            yield Progress(n, None, "objects", "counting")
        self.total = total
        self.counted = n

    def _dst_group(self, path: str) -> Any:
        if self._dgid[0] != path:
            self._dgid = (path, h5py.h5o.open(self.dst.id, encode(path)))
        return self._dgid[1]

    def copy_members(self, src_gid: Any, src_path: str, dst_path: str) -> Iterator[Progress]:
        """Copy everything below the source group ``src_gid`` into the existing group ``dst_path``."""
        mapping = {src_path: dst_path}
        for entries in iter_links(src_gid, src_path, skip=self.skip):
            for e in entries:
                dparent = mapping[e.parent_path]
                made = yield from self._entry(e, self._dst_group(dparent), dparent)
                if made:
                    mapping[e.path] = join(dparent, e.name)
                if self._due():
                    yield self.progress()
            yield self.progress()

    def copy_object(self, src_path: str, dst_parent: str, dst_name: str) -> Iterator[Progress]:
        """Copy the object at the source's hard path ``src_path`` (and all below) to ``dst_parent/dst_name``."""
        parent, name = posixpath.split(src_path)
        src_parent = h5py.h5o.open(self.src.id, encode(parent))
        info = h5py.h5o.get_info(self.src.id, encode(src_path))
        kind = {h5py.h5o.TYPE_GROUP: nodes.GROUP, h5py.h5o.TYPE_DATASET: nodes.DATASET,
                h5py.h5o.TYPE_NAMED_DATATYPE: nodes.DATATYPE}.get(info.type, nodes.UNREADABLE)
        entry = LinkEntry(src_parent, parent, name, src_path, h5py.h5l.TYPE_HARD, kind, addr=info.addr,
                          num_attrs=info.num_attrs)
        entry_name = dst_name
        made = yield from self._entry(entry, self._dst_group(dst_parent), dst_parent, entry_name)
        if made and kind == nodes.GROUP:
            yield from self.copy_members(entry.open(), src_path, join(dst_parent, dst_name))

    def _entry(self, e: LinkEntry, dparent: Any, dparent_path: str, dname: str | None = None) -> Iterator[Progress]:
        """Recreate one link; returns True when a group was created (its members come later)."""
        name = dname or e.name
        bname = encode(name)
        dpath = join(dparent_path, name)
        sname = encode(e.name)
        if e.link_type == h5py.h5l.TYPE_SOFT:
            dparent.links.create_soft(bname, e.parent.links.get_val(sname))
            self.links += 1
            return False
        if e.link_type == h5py.h5l.TYPE_EXTERNAL:
            fname, target = e.parent.links.get_val(sname)
            dparent.links.create_external(bname, fname, target)
            self.links += 1
            return False
        if e.link_type != h5py.h5l.TYPE_HARD or e.kind == nodes.UNREADABLE:
            self.warnings.append(f"{e.path}: {e.error or 'unreadable'}, not copied")
            self.skipped += 1
            return False
        if not e.first:
            target = self.addr_map.get(e.addr)
            if target is None:  # pragma: no cover - every first meeting is copied before
                self.warnings.append(f"{e.path}: hard link to an object that was not copied")
                return False
            dparent.links.create_hard(bname, self.dst.id, encode(target))
            self.links += 1
            return False
        self.weight += OBJECT_WEIGHT
        if e.kind == nodes.GROUP:
            src = e.open()
            new = h5py.h5g.create(dparent, bname, gcpl=_gcpl_like(src))
            self._copy_attrs(src, new, e.path, dpath)
            self.addr_map[e.addr] = dpath
            self.groups += 1
            return True
        if e.kind == nodes.DATASET:
            yield from self._dataset(e, dparent, bname, dpath)
            self.addr_map[e.addr] = dpath
            self.datasets += 1
            return False
        h5py.h5o.copy(e.parent, sname, dparent, bname, self.copypl)  # committed datatype
        self._scan_attr_refs(e.open(), e.path, dpath)
        self.addr_map[e.addr] = dpath
        self.datatypes += 1
        return False

    # -- datasets
    def _dataset(self, e: LinkEntry, dparent: Any, bname: bytes, dpath: str) -> Iterator[Progress]:
        src = e.open()
        tid = src.get_type()
        dcpl = src.get_create_plist()
        layout = dcpl.get_layout()
        storage = _storage(src)
        raw_ok = (layout in (h5py.h5d.CHUNKED, h5py.h5d.CONTIGUOUS) and dcpl.get_external_count() == 0
                  and not _has_class(tid, h5py.h5t.VLEN) and src.shape is not None and len(src.shape) > 0)
        if storage < BIG_COPY_BYTES or not raw_ok:
            h5py.h5o.copy(e.parent, encode(e.name), dparent, bname, self.copypl)
            self.nbytes += storage
            self.weight += storage
            if _has_class(tid, h5py.h5t.REFERENCE):
                self.ref_fixes.append((e.path, dpath, None))
            self._scan_attr_refs(src, e.path, dpath)
            return
        self.message = f"copying {e.path}"
        yield self.progress()
        ftype = tid.copy() if tid.committed() else tid
        new = h5py.h5d.create(dparent, bname, ftype, src.get_space(), dcpl=dcpl)
        if layout == h5py.h5d.CHUNKED:
            yield from self._chunks(src, new)
        else:
            yield from self._blocks(src, new, ftype.copy())
        self._copy_attrs(src, new, e.path, dpath)
        if _has_class(tid, h5py.h5t.REFERENCE):
            self.ref_fixes.append((e.path, dpath, None))
        self.message = "copying"

    def _chunks(self, src: Any, new: Any) -> Iterator[Progress]:
        offsets: list[tuple[int, ...]] = []
        try:
            src.chunk_iter(lambda info: offsets.append(info.chunk_offset))
        except AttributeError:  # pragma: no cover - older HDF5
            offsets = [src.get_chunk_info(i).chunk_offset for i in range(src.get_num_chunks())]
        for off in offsets:
            mask, data = src.read_direct_chunk(off)
            new.write_direct_chunk(off, data, mask)
            self.nbytes += len(data)
            self.weight += len(data)
            if self._due():
                yield self.progress()

    def _blocks(self, src: Any, new: Any, mtype: Any) -> Iterator[Progress]:
        shape = tuple(src.shape)
        itemsize = mtype.get_size()
        row = max(1, int(np.prod(shape[1:], dtype=np.int64)) * itemsize)
        rows = max(1, BLOCK_BYTES // row)
        fspace, dspace = src.get_space(), new.get_space()
        vtype = np.dtype((np.void, itemsize))
        for a in range(0, shape[0], rows):
            n = min(rows, shape[0] - a)
            start = (a,) + (0,) * (len(shape) - 1)
            count = (n, *shape[1:])
            fspace.select_hyperslab(start, count)
            dspace.select_hyperslab(start, count)
            buf = np.empty(count, dtype=vtype)
            mspace = h5py.h5s.create_simple(count)
            src.read(mspace, fspace, buf, mtype=mtype)
            new.write(mspace, dspace, buf, mtype=mtype)
            self.nbytes += buf.nbytes
            self.weight += buf.nbytes
            if self._due():
                yield self.progress()

    # -- attributes and references
    def _copy_attrs(self, src: Any, dst: Any, src_path: str, dst_path: str) -> None:
        for name in _attr_names(src):
            try:
                v = _attrs.read_raw(src, name, self.src_file)
                data, ftype, mtype = _attrs.prepare_raw(v)
                _attrs.create_raw(dst, name, data, ftype, mtype)
            except Exception as exc:
                self.warnings.append(f"attribute {name} of {src_path} not copied: {_reason(exc)}")
                continue
            if _has_class(ftype, h5py.h5t.REFERENCE):
                self.ref_fixes.append((src_path, dst_path, name))

    def _scan_attr_refs(self, src: Any, src_path: str, dst_path: str) -> None:
        """Remember the attributes holding references of an object HDF5 copied."""
        try:
            if not h5py.h5o.get_info(src).num_attrs:
                return
            for name in _attr_names(src):
                aid = h5py.h5a.open(src, encode(name))
                if _has_class(aid.get_type(), h5py.h5t.REFERENCE):
                    self.ref_fixes.append((src_path, dst_path, name))
        except Exception:  # pragma: no cover - defensive
            log.debug("cannot scan the attributes of %s", src_path, exc_info=True)

    def _map_ref(self, ref: Any) -> Any:
        region = isinstance(ref, h5py.RegionReference)
        null = h5py.RegionReference() if region else h5py.Reference()
        if not ref:
            return ref
        try:
            oid = h5py.h5r.dereference(ref, self.src.id)
        except Exception:
            oid = None
        target = self.addr_map.get(h5py.h5o.get_info(oid).addr) if oid is not None else None
        if target is None:
            if self.same_file:
                return ref
            self.cleared += 1
            return null
        if region:
            space = h5py.h5r.get_region(ref, self.src.id)
            return h5py.h5r.create(self.dst.id, encode(target), h5py.h5r.DATASET_REGION, space)
        return h5py.h5r.create(self.dst.id, encode(target), h5py.h5r.OBJECT)

    def _map_value(self, value: Any) -> Any:
        if isinstance(value, h5py.Reference):
            return self._map_ref(value)
        if not isinstance(value, np.ndarray):
            return value
        if value.dtype.names is not None:
            out = value.copy()
            for field in value.dtype.names:
                if value.dtype.fields[field][0].kind == "O":
                    col = out[field]
                    for idx in np.ndindex(col.shape):
                        col[idx] = self._map_value(col[idx])
            return out
        if value.dtype.kind == "O":
            out = np.empty_like(value)
            for idx in np.ndindex(value.shape):
                out[idx] = self._map_value(value[idx])
            return out
        return value

    def fix_refs(self) -> Iterator[Progress]:
        for i, (spath, dpath, attr) in enumerate(self.ref_fixes):
            try:
                if attr is None:
                    sds = self.src[spath]
                    value = sds[()]
                    dds = self.dst[dpath]
                    dds[()] = self._map_value(value)
                else:
                    soid = h5py.h5o.open(self.src.id, encode(spath))
                    raw = _attrs.read_raw(soid, attr, self.src_file)
                    mapped = _attrs.AttrValue(attr, self._map_value(raw.value), raw.h5type, self.dst_file)
                    data, ftype, mtype = _attrs.prepare_raw(mapped)
                    doid = h5py.h5o.open(self.dst.id, encode(dpath))
                    _attrs.store_raw(doid, attr, data, ftype, mtype, dpath)
            except H5GuiError as exc:
                self.warnings.append(f"references in {dpath}{' attribute ' + attr if attr else ''}: {exc}")
            except Exception as exc:
                self.warnings.append(f"references in {dpath}{' attribute ' + attr if attr else ''} "
                                     f"not rewritten: {_reason(exc)}")
            if i % 100 == 99:
                yield self.progress()


# ---------------------------------------------------------------------------------------------
# copy


@contextlib.contextmanager
def _open_pair(src_file: str, dest_file: str) -> Iterator[tuple[h5py.File, h5py.File, bool]]:
    files.check_readable(src_file)
    files.check_readable(dest_file)
    if files.same_file(src_file, dest_file):
        with files.open_file(dest_file, write=True) as f:
            yield f, f, True
        return
    with files.open_file(src_file) as s, files.open_file(dest_file, write=True) as d:
        yield s, d, False


def _source_hard(f: h5py.File, file: str, path: str) -> str:
    """Hard path of the object at ``path`` (a soft link at the end is followed, an external one refused)."""
    try:
        return links.resolve(f.id, path, file)
    except ExternalLinkError as exc:
        raise ExternalLinkError(
            f"{path} in {file} is (or goes through) an external link to {exc.link_file}:{exc.link_target}: "
            "copy from that file instead", exc.link_file, exc.link_target,
        ) from exc


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
    dest = _dest_of(dest_path, sname)
    dparent, dname = _split(dest, dest_file, "copy's destination")
    check_name(dname)
    with _open_pair(src_file, dest_file) as (s, d, same):
        shard = _source_hard(s, src_file, spath)
        dhard = _group_at(d, dest_file, dparent, create=parents)
        _refuse_existing(d, dest_file, dhard, dname, dest)
        copier = _Copier(s, src_file, d, dest_file, same)
        src_oid = h5py.h5o.open(s.id, encode(shard))
        if isinstance(src_oid, h5py.h5g.GroupID):
            yield from copier.measure(src_oid, shard)
            if same and h5py.h5o.get_info(d.id, encode(dhard)).addr in copier.group_addrs:
                raise BadRequestError(f"cannot copy {spath} into itself ({dest}) in {dest_file}")
        else:
            copier.total = OBJECT_WEIGHT + _storage(src_oid) if isinstance(src_oid, h5py.h5d.DatasetID) else 0
        del src_oid
        tmp = staging.temp_name("tmp")
        dgid = h5py.h5o.open(d.id, encode(dhard))
        try:
            if shard == "/":
                new = h5py.h5g.create(dgid, encode(tmp), gcpl=_root_gcpl(s))
                copier._copy_attrs(s["/"].id, new, "/", join(dhard, tmp))
                copier.addr_map[h5py.h5o.get_info(s.id).addr] = join(dhard, tmp)
                copier.groups += 1
                yield from copier.copy_members(h5py.h5o.open(s.id, b"/"), "/", join(dhard, tmp))
            else:
                yield from copier.copy_object(shard, dhard, tmp)
            yield from copier.fix_refs()
            dgid.links.move(encode(tmp), dgid, encode(dname))
            d.flush()
        except BaseException as exc:
            copier._dgid = ("", None)
            with contextlib.suppress(Exception):
                if dgid.links.exists(encode(tmp)):
                    dgid.unlink(encode(tmp))
                    d.flush()
            if isinstance(exc, H5GuiError | KeyboardInterrupt | GeneratorExit):
                raise
            raise H5GuiError(f"Cannot copy {spath} to {dest} in {dest_file}: {_reason(exc)}") from exc
        yield Progress(copier.weight, copier.weight, "bytes", "copied", nbytes=copier.nbytes)
    return CopyReport(src_file, spath, dest_file, dest, copier.objects, copier.groups, copier.datasets,
                      copier.links, copier.nbytes, copier.cleared, tuple(copier.warnings))


def _root_gcpl(f: h5py.File) -> Any:
    return _gcpl_like(h5py.h5o.open(f.id, b"/"))


# ---------------------------------------------------------------------------------------------
# delete


def delete_info(file: str, path: str) -> Job[DeleteInfo]:
    """Job: what deleting ``path`` would remove (objects below a group and their stored bytes)."""
    file = str(file)
    parent, name = _split(path, file, "object to delete")
    shown = join(parent, name)
    with files.open_file(file) as f:
        phard = _group_at(f, file, parent)
        here = join(phard, name)
        kind, _info = _link_kind(f, here)
        if not kind:
            raise NodeNotFoundError(f"No object {shown} in {file}")
        if kind in (nodes.SOFT_LINK, nodes.EXTERNAL_LINK, nodes.UNREADABLE):
            return DeleteInfo(file, shown, kind, 0, 0, 0)
        oinfo = h5py.h5o.get_info(f.id, encode(here))
        other = max(0, oinfo.rc - 1)
        if kind == nodes.DATASET:
            return DeleteInfo(file, shown, kind, 0, 1, _storage(h5py.h5o.open(f.id, encode(here))), other)
        if kind != nodes.GROUP:
            return DeleteInfo(file, shown, kind, 0, 0, 0, other)
        objects = datasets = nbytes = 0
        for entries in iter_links(h5py.h5o.open(f.id, encode(here)), shown, creation_order=False):
            for e in entries:
                if e.link_type == h5py.h5l.TYPE_HARD and e.first:
                    objects += 1
                    if e.kind == nodes.DATASET:
                        datasets += 1
                        nbytes += _storage(e.open())
                        e.oid = None
            yield Progress(objects, None, "objects", f"measuring {shown}")
        return DeleteInfo(file, shown, kind, objects, datasets, nbytes, other)


def delete(file: str, path: str) -> DeleteReport:
    """Delete the link at ``path`` (a group goes with everything below it that has no other link).

    Returns how many bytes this freed inside the file (HDF5's free-space count): the file keeps its
    size; :func:`compact` gives the space back.
    """
    file = str(file)
    parent, name = _split(path, file, "object to delete")
    shown = join(parent, name)
    with files.open_file(file, write=True) as f:
        phard = _group_at(f, file, parent)
        here = join(phard, name)
        kind, _info = _link_kind(f, here)
        if not kind:
            raise NodeNotFoundError(f"No object {shown} in {file}")
        before = _freespace(f)
        gid = h5py.h5o.open(f.id, encode(phard))
        try:
            gid.unlink(encode(name))
        except Exception as exc:
            raise H5GuiError(f"Cannot delete {shown} in {file}: {_reason(exc)}") from exc
        f.flush()
        freed = max(0, _freespace(f) - before)
    return DeleteReport(file, shown, kind, freed, os.path.getsize(file))


def _freespace(f: h5py.File) -> int:
    try:
        return int(f.id.get_freespace())
    except Exception:  # pragma: no cover - defensive
        return 0


# ---------------------------------------------------------------------------------------------
# new files: compact, export


def _new_file_like(src: h5py.File, partial: str) -> h5py.File:
    """Create ``partial`` with the source's file creation properties and library version bounds."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
    fapl.set_file_locking(False, True)  # the claim on the partial name (staging.PartialFile) excludes others
    fcpl = src.id.get_create_plist()
    with contextlib.suppress(Exception):  # the source's format: its superblock version says which
        low = {2: h5py.h5f.LIBVER_V18, 3: h5py.h5f.LIBVER_V110}.get(fcpl.get_version()[0], h5py.h5f.LIBVER_EARLIEST)
        if fcpl.get_version()[0] > 3:  # pragma: no cover - a future format
            low = h5py.h5f.LIBVER_LATEST
        fapl.set_libver_bounds(low, h5py.h5f.LIBVER_LATEST)
    with contextlib.suppress(Exception):  # the root group's settings are not in the file's list
        root = h5py.h5o.open(src.id, b"/").get_create_plist()
        fcpl.set_link_creation_order(root.get_link_creation_order())
        fcpl.set_attr_creation_order(root.get_attr_creation_order())
    try:
        fid = h5py.h5f.create(encode(partial), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    except Exception as exc:
        raise FileAccessError(f"cannot create {partial}: {messages.write_refusal(str(exc))}") from exc
    return h5py.File(fid)


def _new_file(partial: str) -> h5py.File:
    try:
        return h5py.File(partial, "w", track_order=True, locking=False)
    except (OSError, FileExistsError) as exc:
        raise FileAccessError(f"cannot create {partial}: {messages.write_refusal(str(exc))}") from exc


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
            copier = _Copier(src, file, src, partial, same_file=False)
            root = h5py.h5o.open(src.id, b"/")
            yield from copier.measure(root, "/")
            expected = copier.counted
            dst = _new_file_like(src, partial)
            try:
                copier.dst = dst
                copier._copy_attrs(root, dst["/"].id, "/", "/")
                copier.addr_map[h5py.h5o.get_info(root).addr] = "/"
                copier.message = "compacting"
                yield from copier.copy_members(root, "/", "/")
                yield from copier.fix_refs()
                copier._dgid = ("", None)
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
            shard = _source_hard(src, file, spath)
            soid = h5py.h5o.open(src.id, encode(shard))
            copier = _Copier(src, file, src, out, same_file=False)
            is_group = isinstance(soid, h5py.h5g.GroupID)
            if is_group:
                yield from copier.measure(soid, shard)
            dst = _new_file(claim.path)
            try:
                copier.dst = dst
                if is_group:
                    copier._copy_attrs(soid, dst["/"].id, shard, "/")
                    copier.addr_map[h5py.h5o.get_info(soid).addr] = "/"
                    yield from copier.copy_members(soid, shard, "/")
                else:
                    name = posixpath.basename(shard)
                    yield from copier.copy_object(shard, "/", name)
                yield from copier.fix_refs()
                copier._dgid = ("", None)
            finally:
                dst.close()
        claim.publish()
    dest = "/" if is_group else "/" + posixpath.basename(shard)
    return CopyReport(file, spath, out, dest, copier.objects, copier.groups, copier.datasets, copier.links,
                      copier.nbytes, copier.cleared, tuple(copier.warnings))

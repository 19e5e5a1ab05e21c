"""Snapshots of the objects in a file: tree rows (:class:`ChildInfo`) and details (:class:`NodeInfo`).

Every function takes the file's path and a path inside it, opens the file through
:func:`h5gui.core.files.open_file` and returns plain, immutable data: the GUI never sees h5py objects.

Safety: paths never traverse an external link (the GUI addresses the target file itself), and data
stored outside the file (external raw storage, virtual dataset sources, external links leaving the
file's folder) is not read unless the caller passes ``allow_external=True`` after the user confirmed.
"""

from __future__ import annotations

import os
import posixpath
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from h5gui.core.dtypes import describe_dtype, h5t_class_name
from h5gui.core.errors import (
    BadRequestError,
    DanglingLinkError,
    ExternalLinkError,
    H5GuiError,
    NodeNotFoundError,
    UnsafeAccessError,
)
from h5gui.core.h5 import files, links, messages
from h5gui.core.h5.filters import filter_applied as _filter_applied
from h5gui.core.h5.filters import pipeline
from h5gui.core.h5.links import link_info as _link_info
from h5gui.core.h5.links import native_index as _native_index
from h5gui.core.h5.links import open_group
from h5gui.core.h5.links import open_object as _open_object
from h5gui.core.h5.links import resolve as _resolve
from h5gui.core.h5.safety import data_sources
from h5gui.core.kinds import LABELS, Kind
from h5gui.core.paths import decode as _decode
from h5gui.core.paths import encode as _enc
from h5gui.core.paths import join, natural_key, natural_sorted, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.text import format_bytes, shape_text

# kinds of tree rows (see h5gui.core.kinds)
GROUP = Kind.GROUP
DATASET = Kind.DATASET
DATATYPE = Kind.DATATYPE
SOFT_LINK = Kind.SOFT_LINK
EXTERNAL_LINK = Kind.EXTERNAL_LINK
DANGLING_LINK = Kind.DANGLING_LINK
UNREADABLE = Kind.UNREADABLE
KIND_LABELS = LABELS

LAYOUTS = {0: "compact", 1: "contiguous", 2: "chunked", 3: "virtual"}



MAX_LINK_DEPTH = links.MAX_LINK_DEPTH
SMALL_VALUE_BYTES = 4096


@dataclass(frozen=True, slots=True)
class ChildInfo:
    """One row of the tree: cheap facts about a member of a group."""

    file: str
    path: str
    name: str
    kind: str
    target_kind: str = ""  # for soft links: the kind of the object the link resolves to
    shape: tuple[int, ...] | None = None
    dtype: str = ""
    members: int | None = None  # groups: number of links inside
    virtual: bool = False
    external_storage: bool = False
    link_target: str = ""  # soft link path, or external link's path inside its file
    link_file: str = ""  # external link's file name as stored
    error: str = ""

    @property
    def effective_kind(self) -> str:
        return self.target_kind if self.kind == SOFT_LINK and self.target_kind else self.kind

    @property
    def is_group_like(self) -> bool:
        return self.effective_kind == GROUP

    @property
    def shape_text(self) -> str:
        if self.effective_kind != DATASET:
            if self.members is not None:
                return f"{self.members:,} member" + ("" if self.members == 1 else "s")
            return ""
        return shape_text(self.shape)


@dataclass(frozen=True, slots=True)
class FilterInfo:
    code: int
    name: str
    params: tuple[int, ...]
    available: bool
    settings: str = ""
    optional: bool = False  # HDF5 skips an optional filter that fails when writing a chunk

    @property
    def text(self) -> str:
        """``'gzip (level 4)'``; ``'filter 32001 (blosc): not available'`` when it cannot be used."""
        if not self.available:
            named = f" ({self.name})" if self.name and self.name != f"filter {self.code}" else ""
            return f"filter {self.code}{named}: not available"
        return self.name + (f" ({self.settings})" if self.settings else "")


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What the info panel shows about one object (and ``h5gui-cli info`` prints)."""

    file: str
    path: str
    name: str
    kind: str
    object_kind: str = ""  # kind of the object itself when ``kind`` is a link
    # datasets
    shape: tuple[int, ...] | None = None
    maxshape: tuple[int | None, ...] | None = None
    dtype: str = ""
    dtype_short: str = ""
    itemsize: int = 0
    size: int = 0
    nbytes: int = 0
    chunks: tuple[int, ...] | None = None
    filters: tuple[FilterInfo, ...] = ()
    fill_value: str = ""
    layout: str = ""
    storage_size: int | None = None
    external_files: tuple[tuple[str, int, int], ...] = ()
    virtual_sources: tuple[tuple[str, str], ...] = ()
    value: str | None = None  # small datasets only, when safe to read
    # groups
    members: int | None = None
    # all objects
    num_attrs: int = 0
    # links
    link_target: str = ""
    link_file: str = ""
    link_file_resolved: str = ""
    # safety: files outside the opened file's folder that reading the data would touch
    outside_files: tuple[str, ...] = ()
    data_confirmed: bool = False
    file_size: int | None = None  # root only
    error: str = ""

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.outside_files) and not self.data_confirmed

    @property
    def ratio(self) -> float | None:
        """Uncompressed size / size on disk, for filtered datasets (``None`` where it means nothing)."""
        if not self.filters or not self.storage_size or not self.nbytes or self.dtype.startswith("vlen"):
            return None
        return self.nbytes / self.storage_size

    def rows(self) -> list[tuple[str, str]]:
        """(label, text) pairs in display order; shared by the info panel and the CLI."""
        out: list[tuple[str, str]] = [("Path", self.path), ("File", self.file)]
        kind = KIND_LABELS.get(self.kind, self.kind)
        if self.object_kind and self.object_kind != self.kind:
            what = KIND_LABELS.get(self.object_kind, self.object_kind)
            kind += f" to {'an' if what[0] in 'aeiou' else 'a'} {what}"
        out.append(("Kind", kind))
        if self.kind == SOFT_LINK or (self.kind == DANGLING_LINK and not self.link_file):
            out.append(("Link target", self.link_target))
        if self.link_file:
            out.append(("Link target", f"{self.link_file}:{self.link_target}"))
            if self.link_file_resolved:
                out.append(("Target file", self.link_file_resolved))
        if self.error:
            out.append(("Problem", self.error))
        if self.file_size is not None:
            out.append(("File size", format_bytes(self.file_size)))
        if self.members is not None:
            out.append(("Members", f"{self.members:,}"))
        if (self.object_kind or self.kind) == DATATYPE and self.dtype:
            out.append(("Datatype", self.dtype))
        if self.object_kind == DATASET or self.kind == DATASET:
            out.append(("Shape", shape_text(self.shape, self.maxshape)))
            out.append(("Datatype", self.dtype))
            if self.shape:
                out.append(("Elements", f"{self.size:,} ({format_bytes(self.nbytes)})"))
            out.append(("Layout", self.layout))
            if self.chunks:
                out.append(("Chunks", " x ".join(str(c) for c in self.chunks)))
            if self.filters:
                out.append(("Filters", ", ".join(f.text for f in self.filters)))
            elif self.layout:
                out.append(("Filters", "none"))
            if self.fill_value:
                out.append(("Fill value", self.fill_value))
            if self.storage_size is not None:
                text = format_bytes(self.storage_size)
                if self.ratio is not None:
                    text += f" (compression ratio {self.ratio:.2f})"
                elif self.storage_size == 0 and self.nbytes and self.layout in ("chunked", "contiguous"):
                    text += " (nothing written: all fill value)"
                out.append(("Storage", text))
            for name, offset, size in self.external_files:
                out.append(("External file", f"{name} (offset {offset:,}, {format_bytes(size)})"))
            for fname, dset in self.virtual_sources:
                out.append(("Virtual source", f"{fname}:{dset}"))
            if self.value is not None:
                out.append(("Value", self.value))
        if self.needs_confirmation:
            out.append(("Not read", "data lives outside this file's folder: " + ", ".join(self.outside_files)))
        out.append(("Attributes", str(self.num_attrs)))
        return out

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        d = asdict(self)
        d["filters"] = [asdict(f) for f in self.filters]
        d["needs_confirmation"] = self.needs_confirmation
        d["ratio"] = self.ratio
        return d


@dataclass(frozen=True, slots=True)
class GroupListing:
    """All member names of a group in display order plus the details of the first rows."""

    file: str
    path: str
    names: tuple[str, ...]
    first: tuple[ChildInfo, ...] = field(default=())
    complete: bool = True  # False: a big group; ``names`` is only the first page, in native order


# ---------------------------------------------------------------------------------------------
# paths


# ---------------------------------------------------------------------------------------------
# listing


def count_children(file: str, path: str = "/") -> int:
    """Number of links in a group (O(1) for new-style groups)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        return len(open_group(f, path, str(file)).id)


def iter_names(gid: h5py.h5g.GroupID, start: int, count: int | None) -> list[str]:
    """``count`` names (all when ``None``) from position ``start`` in native order, without
    fetching the others: creation order for groups that track it, else HDF5's storage order."""
    out: list[str] = []

    def cb(name: bytes) -> bool | None:
        out.append(_decode(name))
        return True if count is not None and len(out) >= count else None

    if count is not None and count <= 0:
        return out
    # no len(gid) up front: it is O(1) for new-style groups but walks every link of an old-style one
    try:
        gid.links.iterate(cb, idx_type=_native_index(gid), order=h5py.h5.ITER_NATIVE, idx=start)
    except RuntimeError:
        if out or start < len(gid):  # only a start past the end is fine
            raise
    return out




def list_names(file: str, path: str = "/", *, sort: bool = True) -> list[str]:
    """Every member name of a group, naturally sorted (or in native order with ``sort=False``)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        g = open_group(f, path, str(file))
        names = iter_names(g.id, 0, None)
    return natural_sorted(names) if sort else names


def list_children(file: str, path: str = "/", start: int = 0, count: int = 1000) -> list[ChildInfo]:
    """One page of a group's members in native order: cost independent of the group's size."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        g = open_group(f, path, str(file))
        names = iter_names(g.id, start, count)
        return [child_row(g.id, path, name, str(file), g.name) for name in names]


def describe_children(file: str, path: str, names: Sequence[str]) -> list[ChildInfo]:
    """Tree rows for the given members of a group (missing names become unreadable rows)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        g = open_group(f, path, str(file))
        return [child_row(g.id, path, name, str(file), g.name) for name in names]


QUICK_OVER = 2_000

_names_pool: Any = None
_names_pool_lock = threading.Lock()


def _names_worker() -> Any:
    """One helper process (spawned: the GUI process has threads) that lists and sorts the names of big
    groups. h5py holds the GIL through every HDF5 call, so listing 100,000 names from a cold disk in
    this process froze the GUI thread for 0.3-0.7 s; in another process it cannot."""
    global _names_pool
    with _names_pool_lock:
        if _names_pool is None:
            import concurrent.futures
            import multiprocessing

            _names_pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _names_pool


_warm = False


def _ping() -> int:
    return os.getpid()


def warm_names_worker() -> bool:
    """Start the helper process and wait until it answers (call from a thread of its own: the spawn
    takes a moment and holds no lock of ours)."""
    global _warm
    _names_worker().submit(_ping).result(timeout=120)
    _warm = True
    return True


def names_worker_ready() -> bool:
    return _warm and _names_pool is not None


def open_group_listing_isolated(file: str, path: str = "/", first: int = 256) -> GroupListing:
    """:func:`open_group_listing` in the helper process (big groups, once the helper is running)."""
    try:
        future = _names_worker().submit(open_group_listing, str(file), path, first)
    except Exception:  # pragma: no cover
        return open_group_listing(file, path, first)
    return future.result()


def list_names_isolated(file: str, path: str = "/") -> list[str]:
    """:func:`list_names` (naturally sorted) computed in a helper process; falls back to this process
    when no helper can be started."""
    try:
        future = _names_worker().submit(list_names, str(file), path)
    except Exception:  # pragma: no cover - e.g. no multiprocessing on this platform
        return list_names(file, path)
    return future.result()  # waits without holding the GIL


def describe_children_isolated(file: str, path: str, names: Sequence[str]) -> list[ChildInfo]:
    """:func:`describe_children` in the helper process (rows of big groups, read while scrolling)."""
    try:
        future = _names_worker().submit(describe_children, str(file), path, list(names))
    except Exception:  # pragma: no cover
        return describe_children(file, path, names)
    return future.result()


def shutdown_names_worker() -> None:
    global _names_pool, _warm
    _warm = False
    with _names_pool_lock:
        if _names_pool is not None:
            _names_pool.shutdown(wait=False, cancel_futures=True)
            _names_pool = None


def open_group_listing(file: str, path: str = "/", first: int = 256, quick_over: int | None = QUICK_OVER
                       ) -> GroupListing:
    """The names of a group, naturally sorted, and the tree rows of the first ``first`` of them.

    A group of more than ``quick_over`` members is not read whole: the first ``first`` rows come in
    native order (``complete=False``) so that they show at once; :func:`list_names` sorts them all.
    """
    path = normalize_path(path)
    with files.open_file(file) as f:
        g = open_group(f, path, str(file))
        if quick_over is not None:
            probe = iter_names(g.id, 0, quick_over + 1)
            if len(probe) > quick_over:
                names = probe[:first]
                rows = tuple(child_row(g.id, path, name, str(file), g.name) for name in names)
                return GroupListing(str(file), path, tuple(names), rows, complete=False)
            names = natural_sorted(probe)
        else:
            names = natural_sorted(iter_names(g.id, 0, None))
        rows = tuple(child_row(g.id, path, name, str(file), g.name) for name in names[:first])
    return GroupListing(str(file), path, tuple(names), rows)


def _object_facts(oid: Any) -> dict[str, Any]:
    """Kind, shape, dtype, members of an open low-level object id."""
    if isinstance(oid, h5py.h5g.GroupID):
        return {"kind": GROUP, "members": len(oid)}
    if isinstance(oid, h5py.h5d.DatasetID):
        facts: dict[str, Any] = {"kind": DATASET, "shape": oid.shape}
        try:
            facts["dtype"] = describe_dtype(oid.dtype, short=True)
        except Exception:
            facts["dtype"] = f"unsupported {h5t_class_name(oid.get_type())}"
        try:
            dcpl = oid.get_create_plist()
            facts["virtual"] = dcpl.get_layout() == h5py.h5d.VIRTUAL
            facts["external_storage"] = dcpl.get_external_count() > 0
        except Exception:  # pragma: no cover - defensive
            pass
        return facts
    if isinstance(oid, h5py.h5t.TypeID):
        try:
            return {"kind": DATATYPE, "dtype": describe_dtype(oid.dtype, short=True)}
        except Exception:
            return {"kind": DATATYPE, "dtype": h5t_class_name(oid)}
    return {"kind": UNREADABLE, "error": "unknown object type"}


def child_info(file: str, path: str) -> ChildInfo:
    """The tree row of one object (``path`` itself is not followed if it is a link).

    Raises :class:`NodeNotFoundError` when there is nothing at ``path``.
    """
    path = normalize_path(path)
    with files.open_file(file) as f:
        if path == "/":
            return ChildInfo(str(file), "/", "/", **_object_facts(f["/"].id))
        parent, name = posixpath.split(path)
        g = open_group(f, parent, str(file))
        if _link_info(g.id, name) is None:
            raise NodeNotFoundError(f"No object {path} in {file}")
        return child_row(g.id, parent, name, str(file), g.name)


def child_row(gid: h5py.h5g.GroupID, parent: str, name: str, file: str, base: str | None = None) -> ChildInfo:
    """Tree row of member ``name`` of the open group ``gid`` (shown under ``parent``; ``base`` is a
    path of hard links to the group, against which relative soft links resolve)."""
    path = join(parent, name)
    bname = _enc(name)
    try:
        info = gid.links.get_info(bname)
    except Exception:
        return ChildInfo(file, path, name, UNREADABLE, error="no such member or unreadable link")
    if info.type == h5py.h5l.TYPE_EXTERNAL:
        try:
            fname, target = (_decode(v) for v in gid.links.get_val(bname))
        except Exception:
            return ChildInfo(file, path, name, UNREADABLE, error="cannot read this external link")
        resolved = links.resolve_external(file, fname)
        if not resolved.exists():
            return ChildInfo(
                file, path, name, DANGLING_LINK, link_target=target, link_file=fname,
                error=f"external link to a missing file: {fname}",
            )
        return ChildInfo(file, path, name, EXTERNAL_LINK, link_target=target, link_file=fname)
    if info.type == h5py.h5l.TYPE_SOFT:
        target = _decode(gid.links.get_val(bname))
        if base is None:
            base = _decode(h5py.h5i.get_name(gid) or b"/")
        absolute = target if target.startswith("/") else join(base, target)
        try:
            hard = _resolve(gid, absolute, file)
        except ExternalLinkError as exc:
            # never followed here: the row says where it leads, the user opens that file
            return ChildInfo(
                file, path, name, SOFT_LINK, target_kind=EXTERNAL_LINK, link_target=target,
                error=f"leads through an external link to {exc.link_file}:{exc.link_target}",
            )
        except H5GuiError as exc:
            reason = "soft link cycle" if "cycle" in str(exc) else "dangling soft link"
            return ChildInfo(file, path, name, DANGLING_LINK, link_target=target, error=f"{reason} to {target}")
        try:
            oid = h5py.h5o.open(gid, _enc(hard))
        except Exception as exc:
            return ChildInfo(file, path, name, UNREADABLE, link_target=target, error=messages.hdf5_reason(str(exc)))
        facts = _object_facts(oid)
        target_kind = facts.pop("kind")
        return ChildInfo(file, path, name, SOFT_LINK, target_kind=target_kind, link_target=target, **facts)
    if info.type != h5py.h5l.TYPE_HARD:
        return ChildInfo(file, path, name, UNREADABLE, error=f"user-defined link type {info.type}")
    try:
        oid = h5py.h5o.open(gid, bname)
    except Exception as exc:
        return ChildInfo(file, path, name, UNREADABLE, error=messages.hdf5_reason(str(exc)))
    return ChildInfo(file, path, name, **_object_facts(oid))


def walk(file: str, path: str = "/", max_depth: int | None = None) -> Job[list[ChildInfo]]:
    """Every object below ``path`` (depth first, natural order), each hard-linked group visited once."""
    path = normalize_path(path)
    out: list[ChildInfo] = []
    with files.open_file(file) as f:
        root = open_group(f, path, str(file))
        seen: set[Any] = set()

        def visit(gid: h5py.h5g.GroupID, gpath: str, base: str, depth: int) -> Iterator[Progress]:
            oinfo = h5py.h5o.get_info(gid)
            key = (oinfo.fileno, oinfo.addr)  # a group reachable by several hard links is listed once
            if key in seen:
                return
            seen.add(key)
            names = iter_names(gid, 0, None)
            names.sort(key=natural_key)
            for name in names:
                row = child_row(gid, gpath, name, str(file), base)
                out.append(row)
                if len(out) % 1000 == 0:
                    yield Progress(len(out), None, "objects")
                if row.kind == GROUP and (max_depth is None or depth < max_depth):
                    try:
                        child = h5py.h5o.open(gid, _enc(name))
                    except Exception:  # pragma: no cover - corrupt file
                        continue
                    yield from visit(child, row.path, join(base, name), depth + 1)

        yield from visit(root.id, path, root.name, 1)
    return out


# ---------------------------------------------------------------------------------------------
# details


def _format_value(value: Any) -> str:
    """A short, single-line rendering of a small value (strings decoded)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O" and value.size and isinstance(value.flat[0], bytes):
            value = np.array([v.decode("utf-8", "replace") for v in value.flat], dtype=object).reshape(value.shape)
        elif value.dtype.kind == "S":
            value = np.char.decode(value, "utf-8", "replace").astype(object)
        with np.printoptions(threshold=64, edgeitems=4, linewidth=100_000):
            text = np.array2string(value, separator=", ")
        text = " ".join(text.split())
    else:
        text = str(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 400 else text[:400] + "..."


def filter_infos(dcpl: h5py.h5p.PropDCID) -> tuple[FilterInfo, ...]:
    """The filters of a dataset's pipeline as :class:`FilterInfo` records."""
    return tuple(FilterInfo(*f) for f in pipeline(dcpl))


def _describe_dataset(ds: h5py.Dataset, file: str, allow_external: bool) -> dict[str, Any]:
    d: dict[str, Any] = {"shape": ds.shape, "maxshape": ds.maxshape if ds.shape else None}
    try:
        dt = ds.dtype
        d["dtype"] = describe_dtype(dt)
        d["dtype_short"] = describe_dtype(dt, short=True)
        d["itemsize"] = dt.itemsize
    except Exception:
        tid = ds.id.get_type()
        cls = h5t_class_name(tid)
        d["dtype"] = d["dtype_short"] = f"unsupported datatype ({cls})"
        d["error"] = f"h5py cannot read this dataset's datatype ({cls})"
        d["itemsize"] = int(tid.get_size())
        dt = None
    size = int(np.prod(ds.shape, dtype=np.float64)) if ds.shape else (1 if ds.shape == () else 0)
    d["size"] = size
    d["nbytes"] = size * d.get("itemsize", 0)
    dcpl = ds.id.get_create_plist()
    layout = dcpl.get_layout()
    d["layout"] = LAYOUTS.get(layout, f"layout {layout}")
    if dcpl.get_external_count() > 0:
        d["layout"] = "external"
        d["external_files"] = tuple(
            (_decode(n), int(o), int(s)) for n, o, s in (dcpl.get_external(i) for i in range(dcpl.get_external_count()))
        )
    if layout == h5py.h5d.VIRTUAL:
        d["virtual_sources"] = tuple(
            (_decode(dcpl.get_virtual_filename(i)), _decode(dcpl.get_virtual_dsetname(i)))
            for i in range(dcpl.get_virtual_count())
        )
    if layout == h5py.h5d.CHUNKED:
        d["chunks"] = ds.chunks
    filters = filter_infos(dcpl)
    d["filters"] = filters
    try:
        d["storage_size"] = int(ds.id.get_storage_size())
    except Exception:
        d["storage_size"] = None
    if dt is not None and dt.kind in "iufcb" and dt.names is None:
        try:
            d["fill_value"] = _format_value(ds.fillvalue)
        except Exception:
            pass
    outside, problem = data_sources(ds, file)
    d["outside_files"] = outside
    d["data_confirmed"] = bool(outside) and allow_external
    missing = [f.text for i, f in enumerate(filters) if not f.available and _filter_applied(ds.id, i, f)]
    if problem:
        d["error"] = f"cannot be read: {problem}"
    elif missing:
        d["error"] = "cannot decompress the data: " + "; ".join(missing)
    elif dt is not None and ds.shape is not None and d["nbytes"] <= SMALL_VALUE_BYTES and size <= 256:
        if not outside or allow_external:
            try:
                d["value"] = _format_value(ds[()])
            except Exception as exc:
                d["error"] = f"cannot read the data: {messages.hdf5_reason(str(exc))}"
    return d


def _describe_object(obj: Any, file: str, path: str, allow_external: bool) -> dict[str, Any]:
    d: dict[str, Any] = {}
    try:
        d["num_attrs"] = h5py.h5o.get_info(obj.id).num_attrs
    except Exception:
        d["num_attrs"] = 0
    if isinstance(obj, h5py.Group):
        d["object_kind"] = GROUP
        d["members"] = len(obj.id)
    elif isinstance(obj, h5py.Dataset):
        d["object_kind"] = DATASET
        d.update(_describe_dataset(obj, file, allow_external))
    elif isinstance(obj, h5py.Datatype):
        d["object_kind"] = DATATYPE
        try:
            d["dtype"] = describe_dtype(obj.dtype)
        except Exception:
            d["dtype"] = h5t_class_name(obj.id)
    return d


def describe(file: str, path: str = "/", *, allow_external: bool = False) -> NodeInfo:
    """Everything the info panel shows about one object.

    Reads no data except tiny values, and none at all from outside the file's folder unless
    ``allow_external``. A link at ``path`` is described as a link (with what it leads to); links are
    resolved here, never by h5py, so a soft link into an external link is not followed.

    Raises
    ------
    FileAccessError, NodeNotFoundError, DanglingLinkError, ExternalLinkError, UnreadableError
        When the file cannot be opened or a component of ``path`` other than the last one is
        missing, dangling or an external link. A dangling or unusable link at ``path`` itself is
        described (``kind == DANGLING_LINK`` and ``error`` set), not raised.
    """
    return _describe(str(file), normalize_path(path), allow_external, 0)


def _describe(file: str, path: str, allow_external: bool, depth: int) -> NodeInfo:
    name = posixpath.basename(path) or "/"
    with files.open_file(file) as f:
        if path == "/":
            d = _describe_object(f["/"], file, path, allow_external)
            d["kind"] = d.pop("object_kind")
            try:
                size = os.path.getsize(file)
            except OSError:
                size = None
            return NodeInfo(file, path, name, file_size=size, **d)
        parent = _resolve(f.id, posixpath.dirname(path), file)
        here = join(parent, name)
        link = _link_info(f.id, here)
        if link is None:
            raise NodeNotFoundError(f"No object {path} in {file}")
        if link.type == h5py.h5l.TYPE_EXTERNAL:
            return _describe_external(f, file, path, here, name, allow_external, depth)
        if link.type == h5py.h5l.TYPE_SOFT:
            target = _decode(f.id.links.get_val(_enc(here)))
            absolute = target if target.startswith("/") else join(parent, target)
            try:
                hard = _resolve(f.id, absolute, file)
            except ExternalLinkError as exc:
                return NodeInfo(
                    file, path, name, SOFT_LINK, object_kind=EXTERNAL_LINK, link_target=target,
                    error=f"leads through an external link to {exc.link_file}:{exc.link_target}, "
                    "which is not followed; open that file instead",
                )
            except H5GuiError as exc:
                what = "a soft link cycle" if "cycle" in str(exc) else f"nothing at {target}"
                return NodeInfo(file, path, name, DANGLING_LINK, link_target=target,
                                error=f"dangling soft link: {what}")
            d = _describe_object(_open_object(f, hard, file), file, path, allow_external)
            return NodeInfo(file, path, name, SOFT_LINK, link_target=target, **d)
        if link.type != h5py.h5l.TYPE_HARD:
            return NodeInfo(file, path, name, UNREADABLE, error=f"user-defined link type {link.type}")
        obj = _open_object(f, here, file)
        d = _describe_object(obj, file, path, allow_external)
        d["kind"] = d["object_kind"]
        return NodeInfo(file, path, name, **d)


def _describe_external(
    f: h5py.File, file: str, path: str, here: str, name: str, allow_external: bool, depth: int
) -> NodeInfo:
    fname, target = (_decode(v) for v in f.id.links.get_val(_enc(here)))
    resolved = links.resolve_external(file, fname)
    common = {"link_target": target, "link_file": fname, "link_file_resolved": str(resolved)}
    if not resolved.exists():
        return NodeInfo(file, path, name, DANGLING_LINK, error=f"external link to a missing file: {resolved}", **common)
    inside = links.is_inside(Path(file).absolute().parent, resolved)
    if not inside and not allow_external:
        return NodeInfo(file, path, name, EXTERNAL_LINK, outside_files=(str(resolved),), **common)
    if depth >= MAX_LINK_DEPTH:
        return NodeInfo(file, path, name, DANGLING_LINK, error="too many levels of external links (a cycle)", **common)
    try:
        target_info = _describe(str(resolved), normalize_path(target), allow_external, depth + 1)
    except H5GuiError as exc:
        return NodeInfo(file, path, name, DANGLING_LINK, error=f"external link target unavailable: {exc}", **common)
    fields = {k: getattr(target_info, k) for k in NodeInfo.__dataclass_fields__ if k not in ("file", "path", "name", "kind")}
    fields.update(common)
    fields["object_kind"] = target_info.object_kind or target_info.kind
    fields["outside_files"] = tuple(dict.fromkeys(((str(resolved),) if not inside else ()) + target_info.outside_files))
    fields["data_confirmed"] = bool(fields["outside_files"]) and allow_external
    fields["file_size"] = None
    return NodeInfo(file, path, name, EXTERNAL_LINK, **fields)


def external_link_target(file: str, path: str, *, allow_external: bool = False) -> tuple[str, str]:
    """The (file, path) an external link leads to, refusing targets outside the folder unless allowed."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        here = join(_resolve(f.id, posixpath.dirname(path), file), posixpath.basename(path))
        link = _link_info(f.id, here)
        if link is None:
            raise NodeNotFoundError(f"No object {path} in {file}")
        if link.type != h5py.h5l.TYPE_EXTERNAL:
            raise BadRequestError(f"{path} in {file} is not an external link")
        fname, target = (_decode(v) for v in f.id.links.get_val(_enc(here)))
    resolved = links.resolve_external(file, fname)
    if not links.is_inside(Path(file).absolute().parent, resolved) and not allow_external:
        raise UnsafeAccessError(
            f"{path} links to {resolved}, outside the folder of {file}; confirm to open it", (str(resolved),)
        )
    if not resolved.exists():
        raise DanglingLinkError(f"{path} in {file} is an external link to a missing file: {resolved}")
    files.check_readable(resolved)
    return str(resolved), normalize_path(target)

"""The copy engine: objects of one file written into another (or the same) file, exactly.

Groups keep their creation properties (creation order tracking...), datasets their datatype, shape,
maximum shape, chunks, filters, fill value and attributes; soft and external links stay links (their
text unchanged); an object reachable by several hard links is copied once and linked again; object
and region references that point into the copied objects are rewritten to point to the copies
(HDF5's own copy clears them between files), those that point elsewhere are kept within a file and
cleared between files (counted). Small datasets are copied by HDF5 (``H5Ocopy``) in one call; big
chunked ones chunk by chunk without decompressing (``read_direct_chunk``/``write_direct_chunk``:
bit-exact, fast, and works even when the filter is not installed), big contiguous ones in blocks of
raw bytes, with progress between pieces. The sizes that decide are the package's
(:data:`h5gui.core.structure.BIG_COPY_BYTES` ...), read at each use.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterator
from typing import Any

import h5py
import numpy as np

from h5gui.core import structure
from h5gui.core.errors import H5GuiError
from h5gui.core.h5 import attrs_raw, messages, staging
from h5gui.core.h5.objects import gcpl_like, kind_of, storage_size
from h5gui.core.h5.walk import LinkEntry, iter_links
from h5gui.core.kinds import Kind
from h5gui.core.paths import encode, join
from h5gui.core.progress import Job, Progress

__all__ = ["Copier"]

log = logging.getLogger(__name__)


class Copier:
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
        return self.weight - self._last_yield >= structure.YIELD_BYTES

    # -- walking
    def measure(self, gid: Any, path: str) -> Iterator[Progress]:
        """Set ``total`` from the objects below ``gid`` (and collect the groups' addresses)."""
        total = 0.0
        n = 0
        self.group_addrs = {h5py.h5o.get_info(gid).addr}
        for entries in iter_links(gid, path, skip=self.skip, creation_order=False):
            for e in entries:
                n += 1
                total += structure.OBJECT_WEIGHT
                if e.kind == Kind.DATASET and e.first:
                    total += storage_size(e.open())
                    e.oid = None
                elif e.kind == Kind.GROUP and e.first:
                    self.group_addrs.add(e.addr)
            yield Progress(n, None, "objects", "counting")
        self.total = total
        self.counted = n

    def release(self) -> None:
        """Let go of the destination group kept open between links (before its file closes, or before
        the copy is removed)."""
        self._dgid = ("", None)

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

    def copy_group(self, src_gid: Any, src_path: str, dst_gid: Any, dst_path: str) -> Iterator[Progress]:
        """Copy the attributes of the source group ``src_gid`` and everything below it into the existing
        group ``dst_gid`` at ``dst_path`` (a new file's root, or a group made for the copy)."""
        self.copy_attrs(src_gid, dst_gid, src_path, dst_path)
        self.addr_map[h5py.h5o.get_info(src_gid).addr] = dst_path
        yield from self.copy_members(src_gid, src_path, dst_path)

    def copy_object(self, src_path: str, dst_parent: str, dst_name: str) -> Iterator[Progress]:
        """Copy the object at the source's hard path ``src_path`` (and all below) to ``dst_parent/dst_name``."""
        parent, name = posixpath.split(src_path)
        src_parent = h5py.h5o.open(self.src.id, encode(parent))
        info = h5py.h5o.get_info(self.src.id, encode(src_path))
        kind = kind_of(info.type)
        entry = LinkEntry(src_parent, parent, name, src_path, h5py.h5l.TYPE_HARD, kind, addr=info.addr,
                          num_attrs=info.num_attrs)
        entry_name = dst_name
        made = yield from self._entry(entry, self._dst_group(dst_parent), dst_parent, entry_name)
        if made and kind == Kind.GROUP:
            yield from self.copy_members(entry.open(), src_path, join(dst_parent, dst_name))

    def _entry(self, e: LinkEntry, dparent: Any, dparent_path: str, dname: str | None = None) -> Job[bool]:
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
        if e.link_type != h5py.h5l.TYPE_HARD or e.kind == Kind.UNREADABLE:
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
        self.weight += structure.OBJECT_WEIGHT
        if e.kind == Kind.GROUP:
            src = e.open()
            new = h5py.h5g.create(dparent, bname, gcpl=gcpl_like(src))
            self.copy_attrs(src, new, e.path, dpath)
            self.addr_map[e.addr] = dpath
            self.groups += 1
            return True
        if e.kind == Kind.DATASET:
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
        storage = storage_size(src)
        raw_ok = (layout in (h5py.h5d.CHUNKED, h5py.h5d.CONTIGUOUS) and dcpl.get_external_count() == 0
                  and not attrs_raw.has_class(tid, h5py.h5t.VLEN) and src.shape is not None and len(src.shape) > 0)
        if storage < structure.BIG_COPY_BYTES or not raw_ok:
            h5py.h5o.copy(e.parent, encode(e.name), dparent, bname, self.copypl)
            self.nbytes += storage
            self.weight += storage
            if attrs_raw.has_class(tid, h5py.h5t.REFERENCE):
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
        self.copy_attrs(src, new, e.path, dpath)
        if attrs_raw.has_class(tid, h5py.h5t.REFERENCE):
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
        rows = max(1, structure.BLOCK_BYTES // row)
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
    def copy_attrs(self, src: Any, dst: Any, src_path: str, dst_path: str) -> None:
        """Copy every attribute of the object ``src`` onto ``dst`` exactly (failures become warnings)."""
        for name in attrs_raw.names(src):
            try:
                value, h5type = attrs_raw.read(src, name)
                data, ftype, mtype = attrs_raw.prepare(name, value, h5type)
                attrs_raw.create(dst, name, data, ftype, mtype)
            except Exception as exc:
                self.warnings.append(f"attribute {name} of {src_path} not copied: {messages.reason_of(exc)}")
                continue
            if attrs_raw.has_class(ftype, h5py.h5t.REFERENCE):
                self.ref_fixes.append((src_path, dst_path, name))

    def _scan_attr_refs(self, src: Any, src_path: str, dst_path: str) -> None:
        """Remember the attributes holding references of an object HDF5 copied."""
        try:
            if not h5py.h5o.get_info(src).num_attrs:
                return
            for name in attrs_raw.names(src):
                found = attrs_raw.stored(src, name)
                if found is not None and attrs_raw.has_class(found[2], h5py.h5t.REFERENCE):
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
        except Exception:  # a dangling reference: treated as one to an object that was not copied
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
        """Rewrite the references in the copies to point to the copied objects (see the module's docstring)."""
        for i, (spath, dpath, attr) in enumerate(self.ref_fixes):
            try:
                if attr is None:
                    sds = self.src[spath]
                    value = sds[()]
                    dds = self.dst[dpath]
                    dds[()] = self._map_value(value)
                else:
                    soid = h5py.h5o.open(self.src.id, encode(spath))
                    value, h5type = attrs_raw.read(soid, attr)
                    data, ftype, mtype = attrs_raw.prepare(attr, self._map_value(value), h5type)
                    doid = h5py.h5o.open(self.dst.id, encode(dpath))
                    attrs_raw.store(doid, attr, data, ftype, mtype, dpath)
            except H5GuiError as exc:
                self.warnings.append(f"references in {dpath}{' attribute ' + attr if attr else ''}: {exc}")
            except Exception as exc:
                self.warnings.append(f"references in {dpath}{' attribute ' + attr if attr else ''} "
                                     f"not rewritten: {messages.reason_of(exc)}")
            if i % 100 == 99:
                yield self.progress()

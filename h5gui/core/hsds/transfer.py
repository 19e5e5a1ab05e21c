"""Moving data: upload a local HDF5 file (or one of its groups) into a domain, download a domain.

Both are jobs (generators yielding :class:`~h5gui.core.progress.Progress` and returning a
:class:`TransferReport`); closing the generator stops between two requests. Uploads go in batches, so
a group of any size works (h5pyd's ``hsload`` sends all links of a group in one request, which HSDS
refuses with 413 for 10,000 members):

1. objects are created many per request (``POST /groups`` and ``POST /datasets`` with a list), each
   with its attributes;
2. links are added :data:`LINK_BATCH` per request, stamped with increasing creation times so that a
   group that tracks creation order (created with ``CreateOrder``) keeps its order;
3. values are written in pieces of at most :data:`PIECE_BYTES`.

Carried: groups, datasets (type, shape, max shape, chunks, gzip/shuffle, fill value, values),
committed datatypes' uses as plain types, attributes, hard links (shared objects stay shared), soft
links, external links (as stored, they point at files, not domains), object references (as the
target's id). Not carried, and listed in the report: region references, and datasets whose type HSDS
cannot store.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from h5gui.core.errors import BadRequestError, H5GuiError, UnreadableError
from h5gui.core.hsds import types, values
from h5gui.core.hsds.client import HsdsClient
from h5gui.core.hsds.domain import Domain, domain_path
from h5gui.core.hsds.records import TransferReport
from h5gui.core.hsds.session import DomainLike, open_domain
from h5gui.core.paths import join, normalize_path
from h5gui.core.progress import Job, Progress

log = logging.getLogger(__name__)

CREATE_BATCH = 200  # objects created per request
LINK_BATCH = 1000  # links added per request (well under HSDS's request size limit)
PIECE_BYTES = 8 * 2**20  # values written or read per request


# ---------------------------------------------------------------------------------------------
# upload


@dataclass
class _Obj:
    key: tuple[int, int]  # (fileno, address)
    path: str  # the first path met
    kind: str  # 'group' | 'dataset'
    body: dict[str, Any]
    id: str = ""


def _attrs_body(obj: h5py.HLObject, path: str, refs: dict[tuple[int, int], str], notes: list[str],
                t0: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, name in enumerate(obj.attrs):
        try:
            aid = obj.attrs.get_id(name)
            dt = aid.dtype
            shape = aid.shape
            item: dict[str, Any] = {"type": types.type_json(dt), "created": t0 + i * 1e-5}
            if shape is None:
                item["shape"] = "H5S_NULL"
            else:
                item["shape"] = list(shape)
                value = np.asarray(obj.attrs[name]) if shape else np.asarray(obj.attrs[name]).reshape(())
                item["value"] = _json_value(obj.file, value, dt, refs)
            out[name] = item
        except (UnreadableError, OSError, TypeError, ValueError, KeyError) as exc:
            notes.append(f"{path}: attribute {name} not carried ({exc})")
    return out


def _json_value(f: h5py.File, value: np.ndarray, dt: np.dtype, refs: dict[tuple[int, int], str]) -> Any:
    ref = h5py.check_ref_dtype(dt)
    if ref is h5py.RegionReference:
        raise UnreadableError("region references are not carried")
    if ref is not None:
        out = np.empty(value.shape, dtype=object)
        for i, r in enumerate(value.flat):
            out.flat[i] = _ref_text(f, r, refs)
        return out.tolist()
    return types.to_json(value)


def _ref_text(f: h5py.File, r: Any, refs: dict[tuple[int, int], str]) -> str:
    if not r:
        return ""
    target = f[r]
    info = h5py.h5o.get_info(target.id)
    oid = refs.get((info.fileno, info.addr))
    if not oid:
        raise UnreadableError("reference to an object that is not uploaded")
    return {"g": "groups/", "d": "datasets/", "t": "datatypes/"}[oid[0]] + oid


def _dataset_body(ds: h5py.Dataset) -> dict[str, Any]:
    dt = ds.dtype
    body: dict[str, Any] = {"type": types.type_json(dt)}
    if ds.shape is None:
        body["shape"] = "H5S_NULL"
        return body
    body["shape"] = list(ds.shape)
    if ds.shape and ds.maxshape != ds.shape:
        body["maxdims"] = [0 if m is None else m for m in ds.maxshape]
    cpl: dict[str, Any] = {}
    if ds.chunks:
        cpl["layout"] = {"class": "H5D_CHUNKED", "dims": list(ds.chunks)}
    filters = []
    if ds.shuffle:
        filters.append({"class": "H5Z_FILTER_SHUFFLE", "id": 2, "name": "shuffle"})
    if ds.compression == "gzip":
        filters.append({"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": int(ds.compression_opts or 4),
                        "name": "deflate"})
    if filters:
        cpl["filters"] = filters
    if dt.kind in "iufb" and dt.names is None and ds.fillvalue is not None and np.asarray(ds.fillvalue).any():
        cpl["fillValue"] = np.asarray(ds.fillvalue).item()
    if cpl:
        body["creationProperties"] = cpl
    return body


def _scan(root: h5py.Group, base: str, notes: list[str]) -> tuple[list[_Obj], list[tuple[str, str, dict[str, Any]]]]:
    """Objects to create (first path wins) and links to add: (group path, name, link item)."""
    objs: dict[tuple[int, int], _Obj] = {}
    order: list[_Obj] = []
    links: list[tuple[str, str, dict[str, Any]]] = []

    def key(o: Any) -> tuple[int, int]:
        info = h5py.h5o.get_info(o.id)
        return (info.fileno, info.addr)

    def visit(g: h5py.Group, path: str) -> None:
        for name in g:  # creation order where tracked
            lk = g.get(name, getlink=True)
            child = join(path, name)
            if isinstance(lk, h5py.SoftLink):
                links.append((path, name, {"h5path": lk.path}))
                continue
            if isinstance(lk, h5py.ExternalLink):
                links.append((path, name, {"h5path": lk.path, "h5domain": lk.filename}))
                continue
            try:
                o = g[name]
            except (KeyError, OSError) as exc:
                notes.append(f"{child}: not carried ({exc})")
                continue
            k = key(o)
            links.append((path, name, {"obj": k}))
            if k in objs:
                continue
            if isinstance(o, h5py.Group):
                cpl = {"CreateOrder": 1} if o.id.get_create_plist().get_link_creation_order() else {}
                objs[k] = _Obj(k, child, "group", {"creationProperties": cpl} if cpl else {})
                order.append(objs[k])
                visit(o, child)
            elif isinstance(o, h5py.Dataset):
                try:
                    objs[k] = _Obj(k, child, "dataset", _dataset_body(o))
                    order.append(objs[k])
                except (UnreadableError, TypeError, ValueError) as exc:
                    notes.append(f"{child}: not carried ({exc})")
                    links.pop()
            else:
                notes.append(f"{child}: committed datatype not carried")
                links.pop()

    visit(root, base)
    return order, links


def upload(
    source: str | Path, domain: str, *, path: str = "/", client: HsdsClient | None = None,
    overwrite: bool = False, link_batch: int = LINK_BATCH,
) -> Job[TransferReport]:
    """Job: copy group ``path`` of local file ``source`` (default: all of it) into a new domain.

    Raises :class:`BadRequestError` (409) when the domain exists and not ``overwrite``; errors of
    the server as for every request (403: no permission to create it).
    """
    t_start = time.monotonic()
    d = open_domain(domain, client)
    c = d.client
    n0 = c.stats().requests
    notes: list[str] = []
    path = normalize_path(path)
    with h5py.File(source, "r", locking=False) as f:
        root = f[path]
        if not isinstance(root, h5py.Group):
            raise BadRequestError(f"{source}:{path} is not a group")
        order, links = _scan(root, path, notes)
        yield Progress(0, len(order) + len(links), "objects", "creating the domain")
        if overwrite:
            try:
                c.request("DELETE", "/", where=d.uri, domain=d.path, write=True)
            except H5GuiError as exc:
                log.info("nothing to delete at %s (%s)", d.uri, exc)
        root_cpl = root.id.get_create_plist().get_link_creation_order()
        body0 = {"group": {"creationProperties": {"CreateOrder": 1}}} if root_cpl else {}
        created = c.request("PUT", "/", where=d.uri, domain=d.path, body=body0, write=True).json()
        d.refresh()
        root_id = created["root"]
        root_info = h5py.h5o.get_info(root.id)
        ids: dict[tuple[int, int], str] = {(root_info.fileno, root_info.addr): root_id}
        done = 0
        # 1. objects, many per request (attributes come later: references need every id)
        for kind in ("group", "dataset"):
            todo = [o for o in order if o.kind == kind]
            for i in range(0, len(todo), CREATE_BATCH):
                piece = todo[i:i + CREATE_BATCH]
                body: Any = [o.body for o in piece] if len(piece) > 1 else piece[0].body
                js = c.request("POST", f"/{kind}s", where=d.uri, domain=d.path, body=body, write=True).json()
                got = js.get("objects", [js]) if isinstance(js, dict) else js
                for o, item in zip(piece, got, strict=True):
                    o.id = item["id"]
                    ids[o.key] = o.id
                done += len(piece)
                yield Progress(done, len(order) + len(links), "objects", f"creating {kind}s")
        # 2. links, in batches, stamped in order
        by_group: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for gpath, name, item in links:
            by_group.setdefault(gpath, []).append((name, item))
        group_ids = {path: root_id} | {o.path: o.id for o in order if o.kind == "group"}
        n_links = 0
        for gpath, items in by_group.items():
            gid = group_ids[gpath]
            for i in range(0, len(items), link_batch):
                stamp = time.time() - 2.0
                batch = {}
                for j, (name, item) in enumerate(items[i:i + link_batch]):
                    one: dict[str, Any] = {"id": ids[item["obj"]]} if "obj" in item else dict(item)
                    one["created"] = stamp + j * 1e-6
                    batch[name] = one
                c.request("PUT", f"/groups/{gid}/links", where=d.where(gpath), domain=d.path,
                          body={"links": batch}, write=True)
                n_links += len(batch)
                done += len(batch)
                yield Progress(done, len(order) + len(links), "objects", "linking")
        # 3. attributes (references resolved now), then values
        n_attrs = 0
        targets = [(root, path, root_id)] + [(f[o.path], o.path, o.id) for o in order]
        for obj, opath, oid in targets:
            attrs = _attrs_body(obj, opath, ids, notes, time.time() - 2.0)
            if attrs:
                coll = {"g": "groups", "d": "datasets"}[oid[0]]
                c.request("PUT", f"/{coll}/{oid}/attributes", where=d.where(opath), domain=d.path,
                          body={"attributes": attrs}, write=True)
                n_attrs += len(attrs)
        nbytes = 0
        for o in order:
            if o.kind != "dataset":
                continue
            ds = f[o.path]
            for sent in _write_values(d, ds, o, ids, notes):
                nbytes += sent
                yield Progress(done, len(order) + len(links), "objects", f"writing {o.path}", nbytes=nbytes)
    n_groups = sum(o.kind == "group" for o in order)
    return TransferReport(str(source), d.uri, n_groups, len(order) - n_groups, n_links, n_attrs, nbytes,
                          c.stats().requests - n0, time.monotonic() - t_start, tuple(notes))


def _write_values(d: Domain, ds: h5py.Dataset, o: _Obj, ids: dict[tuple[int, int], str],
                  notes: list[str]) -> Iterator[int]:
    if ds.shape is None or ds.size == 0 or (ds.chunks and ds.id.get_storage_size() == 0):
        return
    dt = ds.dtype
    meta = values.DatasetMeta(o.id, o.path, dt, ds.shape, {})
    if h5py.check_ref_dtype(dt) is not None:
        try:
            body = {"value": _json_value(ds.file, np.asarray(ds[()]), dt, ids)}
        except UnreadableError as exc:
            notes.append(f"{o.path}: values not carried ({exc})")
            return
        d.call("PUT", f"/datasets/{o.id}/value", o.path, body=body)
        yield 0
        return
    if not ds.shape:
        yield values.write(d, meta, np.asarray(ds[()]))
        return
    row = int(np.prod(ds.shape[1:], dtype=np.int64)) * max(dt.itemsize, 16)
    rows = max(1, PIECE_BYTES // max(row, 1))
    if ds.chunks and rows > ds.chunks[0]:
        rows -= rows % ds.chunks[0]  # whole chunks per request
    for r0 in range(0, ds.shape[0], rows):
        r1 = min(ds.shape[0], r0 + rows)
        yield values.write(d, meta, np.asarray(ds[r0:r1]), [slice(r0, r1)])


# ---------------------------------------------------------------------------------------------
# download


def download(domain: DomainLike, target: str | Path, *, path: str = "/", client: HsdsClient | None = None,
             overwrite: bool = False) -> Job[TransferReport]:
    """Job: write group ``path`` of a domain (default: all of it) to a new local HDF5 file.

    The file is written as ``target + '.partial'`` and renamed at the end: a cancelled or failed
    download leaves nothing behind.
    """
    from h5gui.core.hsds import download_impl

    result: TransferReport = yield from download_impl.download(
        open_domain(domain, client), Path(target), normalize_path(path), overwrite)
    return result


def domain_exists(domain: str, client: HsdsClient | None = None) -> bool:
    d = open_domain(domain, client)
    try:
        d.client.request("GET", "/", where=d.uri, domain=domain_path(domain))
    except H5GuiError as exc:
        if "(404)" in str(exc) or "(410)" in str(exc):
            return False
        raise
    return True


def _size(shape: tuple[int, ...]) -> int:
    return math.prod(shape) if shape else 1

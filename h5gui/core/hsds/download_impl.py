"""Download of a domain (or one of its groups) to a local HDF5 file: see :func:`transfer.download`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from h5gui.core.errors import BadRequestError, H5GuiError, UnreadableError
from h5gui.core.h5 import staging
from h5gui.core.hsds import types, values
from h5gui.core.hsds.domain import Domain, Link
from h5gui.core.hsds.records import TransferReport
from h5gui.core.paths import join
from h5gui.core.progress import Job, Progress

PIECE_BYTES = 8 * 2**20


def _attr_items(d: Domain, oid: str, path: str) -> list[dict[str, Any]]:
    coll = {"g": "groups", "d": "datasets", "t": "datatypes"}[oid[0]]
    params: dict[str, Any] = {"IncludeData": 1}
    if d.obj(oid, path).get("creationProperties", {}).get("CreateOrder"):
        params["CreateOrder"] = 1
    return list(d.get(f"/{coll}/{oid}/attributes", path, params=params).get("attributes", []))


def _value(item: dict[str, Any]) -> tuple[np.dtype, Any]:
    dt = types.to_dtype(item["type"])
    shape = types.shape_of(item["shape"])
    if shape is None:
        return dt, h5py.Empty(dt)
    arr = types.from_json(item.get("value"), dt, shape)
    return dt, arr


def _bulk_attr_items(d: Domain, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Attributes (with values) of many objects: one request per 256."""
    out: dict[str, list[dict[str, Any]]] = {}
    for i in range(0, len(ids), 256):
        piece = ids[i:i + 256]
        if len(piece) == 1:
            out[piece[0]] = _attr_items(d, piece[0], "")
            continue
        js = d.call("POST", f"/groups/{d.root_id}/attributes", params={"IncludeData": 1},
                    body={"obj_ids": piece}, write=False)
        for oid in piece:
            items = list(js.get("attributes", {}).get(oid, []))
            if d.obj(oid).get("creationProperties", {}).get("CreateOrder"):
                items.sort(key=lambda it: (it.get("created", 0), it["name"]))
            out[oid] = items
    return out


def _copy_attrs(d: Domain, oid: str, path: str, obj: h5py.HLObject, notes: list[str],
                items: list[dict[str, Any]] | None = None) -> int:
    n = 0
    for item in _attr_items(d, oid, path) if items is None else items:
        name = item["name"]
        try:
            dt, value = _value(item)
            if h5py.check_ref_dtype(dt) is not None:
                raise UnreadableError("references are not carried back")
            obj.attrs.create(name, value, dtype=dt)
            n += 1
        except (UnreadableError, TypeError, ValueError) as exc:
            notes.append(f"{path}: attribute {name} not carried ({exc})")
    return n


def download(d: Domain, target: Path, path: str, overwrite: bool) -> Job[TransferReport]:
    t0 = time.monotonic()
    n0 = d.client.stats().requests
    notes: list[str] = []
    counts = {"groups": 0, "datasets": 0, "links": 0, "attrs": 0, "bytes": 0}
    if target.exists() and not overwrite:  # before any request, not after the whole download
        raise BadRequestError(f"{target} exists: choose another name (nothing is overwritten)")
    start_id = d.resolve(path)
    with staging.PartialFile(target, overwrite=overwrite) as claim:
        with h5py.File(claim.path, "w", track_order=True, locking=False) as f:
            made: dict[str, str] = {}  # HSDS id -> local path
            counts["attrs"] += _copy_attrs(d, start_id, path, f, notes)
            made[start_id] = "/"
            stack: list[tuple[str, str, h5py.Group]] = [(start_id, path, f)]
            while stack:  # depth first; children's JSON and attributes read 256 per request
                gid, gpath, g = stack.pop()
                gjs = d.obj(gid, gpath)
                if gjs.get("linkCount", 1) == 0:
                    continue
                order = gjs.get("creationProperties", {}).get("CreateOrder")
                links = _links(d, gid, gpath, bool(order))
                objs = d.objects(gid, gpath, [lk for lk in links if lk.cls == "hard" and lk.id not in made])
                with_attrs = [js["id"] for js in objs.values() if js.get("attributeCount")]
                attr_items = _bulk_attr_items(d, with_attrs)
                for js in objs.values():
                    attr_items.setdefault(js["id"], [])
                for lk in links:
                    child = join(gpath, lk.name)
                    counts["links"] += 1
                    if lk.cls == "soft":
                        g[lk.name] = h5py.SoftLink(lk.target)
                    elif lk.cls == "external":
                        g[lk.name] = h5py.ExternalLink(lk.file, lk.target)
                    elif lk.cls != "hard":
                        notes.append(f"{child}: link class {lk.cls} not carried")
                    elif lk.id in made:
                        g[lk.name] = f[made[lk.id]]
                    elif lk.id.startswith("g-"):
                        js = d.obj(lk.id, child)
                        sub = g.create_group(lk.name, track_order=bool(js.get("creationProperties", {})
                                                                        .get("CreateOrder")))
                        made[lk.id] = sub.name
                        counts["groups"] += 1
                        counts["attrs"] += _copy_attrs(d, lk.id, child, sub, notes, attr_items.get(lk.id))
                        stack.append((lk.id, child, sub))
                    elif lk.id.startswith("d-"):
                        try:
                            ds = yield from _copy_dataset(d, lk.id, child, g, lk.name, counts)
                        except (UnreadableError, TypeError, ValueError) as exc:
                            notes.append(f"{child}: not carried ({exc})")
                            continue
                        made[lk.id] = ds.name
                        counts["datasets"] += 1
                        counts["attrs"] += _copy_attrs(d, lk.id, child, ds, notes, attr_items.get(lk.id))
                    else:
                        notes.append(f"{child}: committed datatype not carried")
                    yield Progress(counts["links"], None, "objects", f"downloading {gpath}", nbytes=counts["bytes"])
        claim.publish()
    return TransferReport(d.uri, str(target), counts["groups"], counts["datasets"], counts["links"],
                          counts["attrs"], counts["bytes"], d.client.stats().requests - n0,
                          time.monotonic() - t0, tuple(notes))


def _links(d: Domain, gid: str, path: str, create_order: bool) -> list[Link]:
    from h5gui.core.hsds.browse import _names

    return _names(d, gid, path, 0, None, create_order)


def _copy_dataset(d: Domain, oid: str, path: str, g: h5py.Group, name: str,
                  counts: dict[str, int]) -> Job[h5py.Dataset]:
    js = d.obj(oid, path)
    dt = types.to_dtype(js["type"])
    shape = types.shape_of(js["shape"])
    if h5py.check_ref_dtype(dt) is not None:
        raise UnreadableError("references are not carried back")
    if shape is None:
        return g.create_dataset(name, data=h5py.Empty(dt))
    kw: dict[str, Any] = {}
    maxshape = types.maxshape_of(js["shape"])
    if shape and maxshape and maxshape != shape:
        kw["maxshape"] = maxshape
    cpl = js.get("creationProperties", {})
    layout = cpl.get("layout", {})
    if shape and layout.get("class", "").startswith("H5D_CHUNKED") and layout.get("dims"):
        kw["chunks"] = tuple(min(int(c), max(int(s), 1)) for c, s in zip(layout["dims"], shape, strict=False))
    for flt in cpl.get("filters", []):
        if flt.get("id") == 1 or flt.get("class") == "H5Z_FILTER_DEFLATE":
            kw.update(compression="gzip", compression_opts=int(flt.get("level", 4)))
        elif flt.get("id") == 2 or flt.get("class") == "H5Z_FILTER_SHUFFLE":
            kw["shuffle"] = True
    if (kw.get("compression") or kw.get("shuffle")) and "chunks" not in kw and shape:
        kw["chunks"] = True
    if "fillValue" in cpl and dt.kind in "iufb":
        kw["fillvalue"] = cpl["fillValue"]
    ds = g.create_dataset(name, shape=shape, dtype=dt, **kw)
    meta = values.DatasetMeta(oid, path, dt, shape, js)
    if not shape:
        ds[()] = values.read(d, meta)
        return ds
    if 0 in shape:
        return ds
    row = int(np.prod(shape[1:], dtype=np.int64)) * max(dt.itemsize, 16)
    rows = max(1, PIECE_BYTES // max(row, 1))
    for r0 in range(0, shape[0], rows):
        r1 = min(shape[0], r0 + rows)
        try:
            piece = values.read(d, meta, [slice(r0, r1)])
        except H5GuiError:
            raise
        ds[r0:r1] = piece
        counts["bytes"] += piece.nbytes
        yield Progress(r1, shape[0], "rows", f"downloading {path}", nbytes=counts["bytes"])
    return ds


def download_dataset(d: Domain, target: Path, path: str) -> Job[TransferReport]:
    """Job: the dataset at ``path`` (values and attributes) into a new local HDF5 file, under its own name
    (the ``.h5`` export of a dataset); written as ``target + '.partial'``, renamed when complete."""
    t0 = time.monotonic()
    n0 = d.client.stats().requests
    notes: list[str] = []
    counts = {"bytes": 0}
    oid = d.resolve(path)
    if not oid.startswith("d-"):
        raise BadRequestError(f"{d.where(path)} is not a dataset")
    with staging.PartialFile(target) as claim:
        with h5py.File(claim.path, "w", track_order=True, locking=False) as f:
            ds = yield from _copy_dataset(d, oid, path, f, path.rstrip("/").rsplit("/", 1)[-1], counts)
            attrs = _copy_attrs(d, oid, path, ds, notes)
        claim.publish()
    return TransferReport(d.uri, str(target), 0, 1, 1, attrs, counts["bytes"], d.client.stats().requests - n0,
                          time.monotonic() - t0, tuple(notes))

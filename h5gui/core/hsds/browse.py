"""Tree rows and details of an HSDS domain: the same records the local core gives for a file.

``list_children``, ``open_group_listing``, ``list_names``, ``count_children``, ``child_info`` and
``describe`` take a domain address (or :class:`~h5gui.core.hsds.domain.Domain`) where the local
functions take a file name, and return :class:`ChildInfo`, :class:`GroupListing` and
:class:`NodeInfo`. A page of tree rows costs one request for its links (a page of the listing, or
one ``POST .../links`` with the names asked), the objects behind them from the cache or from the
domain summary HSDS keeps (one request: :meth:`Domain.load_summary`), the member counts of its
groups (one request), and one request per object still unknown (resizable datasets, objects made
since HSDS's last scan of the domain) and per soft link target not yet known.

Order: HSDS lists links by name, or in creation order for groups made with ``CreateOrder`` (as
h5gui's upload does for groups that track creation order), which is what "native order" means here.
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Sequence
from typing import Any

import numpy as np

from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import (
    DanglingLinkError,
    ExternalLinkError,
    H5GuiError,
    NodeNotFoundError,
    UnreadableError,
)
from h5gui.core.formatting import short_value
from h5gui.core.hsds import types, values
from h5gui.core.hsds.domain import LINK_PAGE, Domain, Link, link_of
from h5gui.core.hsds.session import DomainLike, open_domain
from h5gui.core.kinds import Kind
from h5gui.core.nodes import ChildInfo, FilterInfo, GroupListing, NodeInfo
from h5gui.core.paths import join, natural_sorted, normalize_path

QUICK_OVER = 2_000
SMALL_VALUE_BYTES = 4096
LAYOUTS = {"H5D_CHUNKED": "chunked", "H5D_CONTIGUOUS": "contiguous", "H5D_COMPACT": "compact",
           "H5D_CHUNKED_REF": "chunked (linked)", "H5D_CONTIGUOUS_REF": "contiguous (linked)",
           "H5D_CHUNKED_REF_INDIRECT": "chunked (linked)"}
FILTER_NAMES = {"H5Z_FILTER_DEFLATE": (1, "gzip"), "H5Z_FILTER_SHUFFLE": (2, "shuffle"),
                "H5Z_FILTER_FLETCHER32": (3, "fletcher32"), "H5Z_FILTER_SZIP": (4, "szip"),
                "H5Z_FILTER_NBIT": (5, "nbit"), "H5Z_FILTER_SCALEOFFSET": (6, "scaleoffset"),
                "H5Z_FILTER_LZF": (32000, "lzf"), "H5Z_FILTER_BLOSC": (32001, "blosc"),
                "H5Z_FILTER_LZ4": (32004, "lz4"), "H5Z_FILTER_BITSHUFFLE": (32008, "bitshuffle"),
                "H5Z_FILTER_ZSTD": (32015, "zstd")}


def _order_params(js: dict[str, Any]) -> bool:
    return bool(js.get("creationProperties", {}).get("CreateOrder"))


def _group(d: Domain, path: str) -> tuple[str, bool]:
    """(id, creation order tracked) of the group at ``path``."""
    gid = d.resolve(path)
    if not gid.startswith("g-"):
        raise NodeNotFoundError(f"{d.where(path)}: not a group")
    return gid, _order_params(d.obj(gid, path))


def _names(d: Domain, gid: str, path: str, start: int, count: int | None, create_order: bool) -> list[Link]:
    """Links ``start .. start+count`` in native order (HSDS pages by marker: earlier pages are walked)."""
    params_order = {"CreateOrder": 1} if create_order else {}
    out: list[Link] = []
    marker = None
    skipped = 0
    want = None if count is None else start + count
    page = LINK_PAGE
    while True:
        limit = page if want is None else min(page, want - skipped - len(out)) if skipped >= start else page
        if limit <= 0:
            break
        params: dict[str, Any] = {"Limit": limit, **params_order}
        if marker:
            params["Marker"] = marker
        js = d.get(f"/groups/{gid}/links", path, params=params)
        got = [link_of(item) for item in js.get("links", [])]
        if not got:
            break
        marker = got[-1].name
        for link in got:
            if skipped < start:
                skipped += 1
            else:
                out.append(link)
        if len(got) < limit or (count is not None and len(out) >= count):
            break
    return out[:count] if count is not None else out


def _facts(d: Domain, js: dict[str, Any]) -> dict[str, Any]:
    """Kind, shape, dtype, members of an object's JSON (as the local ``_object_facts``)."""
    oid = js.get("id", "")
    if oid.startswith("g-"):
        return {"kind": Kind.GROUP, "members": int(js.get("linkCount", 0))}
    if oid.startswith("d-"):
        facts: dict[str, Any] = {"kind": Kind.DATASET, "shape": types.shape_of(js["shape"])}
        try:
            facts["dtype"] = describe_dtype(types.to_dtype(js["type"]), short=True)
        except UnreadableError as exc:
            facts["dtype"] = f"unsupported ({exc})"
        return facts
    if oid.startswith("t-"):
        try:
            return {"kind": Kind.DATATYPE, "dtype": describe_dtype(types.to_dtype(js["type"]), short=True)}
        except UnreadableError:
            return {"kind": Kind.DATATYPE, "dtype": "unsupported"}
    return {"kind": Kind.UNREADABLE, "error": "unknown object type"}


def _rows(d: Domain, gid: str, parent: str, links: Sequence[Link]) -> list[ChildInfo]:
    """Tree rows for ``links`` of group ``gid``: one bulk request for the hard links."""
    file = d.uri
    objs = d.objects(gid, parent, [lk for lk in links if lk.cls == "hard"])
    rows: list[ChildInfo] = []
    for lk in links:
        path = join(parent, lk.name)
        if lk.cls == "hard":
            js = objs.get(lk.name)
            if js is None:
                try:
                    js = d.obj(lk.id, path)
                except H5GuiError as exc:
                    rows.append(ChildInfo(file, path, lk.name, Kind.UNREADABLE, error=str(exc)))
                    continue
            rows.append(ChildInfo(file, path, lk.name, **_facts(d, js)))
        elif lk.cls == "soft":
            rows.append(_soft_row(d, parent, path, lk))
        elif lk.cls == "external":
            rows.append(ChildInfo(file, path, lk.name, Kind.EXTERNAL_LINK, link_target=lk.target, link_file=lk.file))
        else:
            rows.append(ChildInfo(file, path, lk.name, Kind.UNREADABLE, error=f"unsupported link class {lk.cls}"))
    return rows


def _soft_row(d: Domain, parent: str, path: str, lk: Link) -> ChildInfo:
    absolute = lk.target if lk.target.startswith("/") else join(parent, lk.target)
    try:
        oid = d.resolve(absolute)
        js = d.obj(oid, absolute)
    except ExternalLinkError as exc:
        return ChildInfo(d.uri, path, lk.name, Kind.SOFT_LINK, target_kind=Kind.EXTERNAL_LINK, link_target=lk.target,
                         error=f"leads through an external link to {exc.link_file}:{exc.link_target}")
    except (NodeNotFoundError, DanglingLinkError) as exc:
        reason = "soft link cycle" if "cycle" in str(exc) else "dangling soft link"
        return ChildInfo(d.uri, path, lk.name, Kind.DANGLING_LINK, link_target=lk.target,
                         error=f"{reason} to {lk.target}")
    facts = _facts(d, js)
    target_kind = facts.pop("kind")
    return ChildInfo(d.uri, path, lk.name, Kind.SOFT_LINK, target_kind=target_kind, link_target=lk.target, **facts)


# ---------------------------------------------------------------------------------------------
# listing


def count_children(domain: DomainLike, path: str = "/") -> int:
    d = open_domain(domain)
    gid, _ = _group(d, normalize_path(path))
    return int(d.obj(gid, path).get("linkCount", 0))


def list_names(domain: DomainLike, path: str = "/", *, sort: bool = True) -> list[str]:
    """Every member name of a group, naturally sorted (or in native order with ``sort=False``)."""
    d = open_domain(domain)
    path = normalize_path(path)
    gid, order = _group(d, path)
    names = [lk.name for lk in _names(d, gid, path, 0, None, order)]
    return natural_sorted(names) if sort else names


def list_children(domain: DomainLike, path: str = "/", start: int = 0, count: int = 1000) -> list[ChildInfo]:
    """One page of a group's members in native order."""
    d = open_domain(domain)
    path = normalize_path(path)
    gid, order = _group(d, path)
    return _rows(d, gid, path, _names(d, gid, path, start, count, order))


def describe_children(domain: DomainLike, path: str, names: Sequence[str]) -> list[ChildInfo]:
    """Tree rows for the given members of a group (missing names become unreadable rows)."""
    d = open_domain(domain)
    path = normalize_path(path)
    gid, _ = _group(d, path)
    found = d.links_named(gid, path, names)
    links = [found.get(name) or Link(name, "missing") for name in names]
    missing = {name for name in names if name not in found}
    rows = _rows(d, gid, path, links)
    return [ChildInfo(d.uri, r.path, r.name, Kind.UNREADABLE, error="no such member or unreadable link")
            if r.name in missing else r for r in rows]


def open_group_listing(domain: DomainLike, path: str = "/", first: int = 256, quick_over: int | None = QUICK_OVER
                       ) -> GroupListing:
    """The names of a group, naturally sorted, and the tree rows of the first ``first`` of them.

    A group of more than ``quick_over`` members gives its first ``first`` rows in native order
    (``complete=False``), from one page of links: the member count comes with the group's JSON.
    """
    d = open_domain(domain)
    path = normalize_path(path)
    gid, order = _group(d, path)
    n = int(d.obj(gid, path).get("linkCount", 0))
    if quick_over is not None and n > quick_over:
        links = _names(d, gid, path, 0, first, order)
        return GroupListing(d.uri, path, tuple(lk.name for lk in links), tuple(_rows(d, gid, path, links)),
                            complete=False)
    links = _names(d, gid, path, 0, None, order)
    by_name = {lk.name: lk for lk in links}
    names = natural_sorted(list(by_name))
    rows = _rows(d, gid, path, [by_name[nm] for nm in names[:first]])
    return GroupListing(d.uri, path, tuple(names), tuple(rows))


def child_info(domain: DomainLike, path: str) -> ChildInfo:
    """The tree row of one object (``path`` itself is not followed if it is a link)."""
    d = open_domain(domain)
    path = normalize_path(path)
    if path == "/":
        return ChildInfo(d.uri, "/", "/", **_facts(d, d.obj(d.root_id, "/")))
    parent, name = posixpath.split(path)
    gid, _ = _group(d, parent)
    lk = d.link(gid, parent, name)
    if lk is None:
        raise NodeNotFoundError(f"{d.where(path)}: no object {path}")
    return _rows(d, gid, parent, [lk])[0]


# ---------------------------------------------------------------------------------------------
# details


def filter_infos(js: dict[str, Any], compressors: Sequence[str] = ()) -> tuple[FilterInfo, ...]:
    """A dataset's filters (from its creation properties) as :class:`FilterInfo` records."""
    out = []
    for f in js.get("creationProperties", {}).get("filters", []):
        code, name = FILTER_NAMES.get(f.get("class", ""), (int(f.get("id", 0)), f.get("name", "")))
        code = int(f.get("id", code))
        settings = f"level {f['level']}" if "level" in f and code in (1, 32015) else ""
        params = (int(f["level"]),) if "level" in f else ()
        available = code in (1, 2, 3, 32000, 32001, 32004, 32008, 32015) or f.get("name", "") in compressors
        out.append(FilterInfo(code, name or f"filter {code}", params, available, settings))
    return tuple(out)


def _describe_dataset(d: Domain, oid: str, path: str) -> dict[str, Any]:
    js = d.obj(oid, path, verbose=True)
    shape = types.shape_of(js["shape"])
    out: dict[str, Any] = {"shape": shape, "maxshape": types.maxshape_of(js["shape"]) if shape else None}
    try:
        dt = types.to_dtype(js["type"])
    except UnreadableError as exc:
        out.update(dtype="unsupported datatype", dtype_short="unsupported datatype", error=str(exc))
        return out
    out.update(dtype=describe_dtype(dt), dtype_short=describe_dtype(dt, short=True), itemsize=dt.itemsize)
    size = math.prod(shape) if shape else (1 if shape == () else 0)
    out.update(size=size, nbytes=size * dt.itemsize)
    layout = js.get("creationProperties", {}).get("layout", {})
    out["layout"] = LAYOUTS.get(layout.get("class", ""), layout.get("class", "").lower())
    if layout.get("class", "").startswith("H5D_CHUNKED") and layout.get("dims"):
        out["chunks"] = tuple(int(c) for c in layout["dims"])
    out["filters"] = filter_infos(js, d.info().get("compressors", ()))
    out["storage_size"] = int(js["allocated_size"]) if "allocated_size" in js else None
    if dt.kind in "iufcb" and dt.names is None:
        fill = js.get("creationProperties", {}).get("fillValue", 0)
        try:
            out["fill_value"] = short_value(np.asarray(fill, dtype=dt)[()])
        except (TypeError, ValueError):
            out["fill_value"] = str(fill)
    if shape is not None and out["nbytes"] <= SMALL_VALUE_BYTES and size <= 256:
        try:
            meta = values.DatasetMeta(oid, path, dt, shape, js)
            v = values.read(d, meta)
            out["value"] = short_value(v[()] if v.ndim == 0 else v)
        except H5GuiError as exc:
            out["error"] = f"cannot read the data: {exc}"
    return out


def _describe_object(d: Domain, oid: str, path: str) -> dict[str, Any]:
    out: dict[str, Any]
    if oid.startswith("d-"):
        out = {"object_kind": Kind.DATASET, **_describe_dataset(d, oid, path)}
        js = d.obj(oid, path)
    else:
        js = d.obj(oid, path)
        out = {"object_kind": _facts(d, js)["kind"]}
        if oid.startswith("g-"):
            out["members"] = int(js.get("linkCount", 0))
        elif oid.startswith("t-"):
            try:
                out["dtype"] = describe_dtype(types.to_dtype(js["type"]))
            except UnreadableError as exc:
                out["dtype"] = str(exc)
    out["num_attrs"] = int(js.get("attributeCount", 0))
    return out


def describe(domain: DomainLike, path: str = "/", *, allow_external: bool = False) -> NodeInfo:
    """Everything the info panel shows about one object (storage size and chunks from the dataset's
    verbose JSON; ``None`` storage until HSDS has scanned the domain). A link at ``path`` is
    described as a link; external links are never followed (``allow_external`` is accepted for the
    local signature's sake)."""
    d = open_domain(domain)
    path = normalize_path(path)
    name = posixpath.basename(path) or "/"
    if path == "/":
        info = _describe_object(d, d.root_id, "/")
        info["kind"] = info.pop("object_kind")
        return NodeInfo(d.uri, "/", "/", **info)
    parent, _ = posixpath.split(path)
    gid = d.resolve(parent)  # the group's own JSON is not needed here
    if not gid.startswith("g-"):
        raise NodeNotFoundError(f"{d.where(parent)}: not a group")
    lk = d.link(gid, parent, name)
    if lk is None:
        raise NodeNotFoundError(f"{d.where(path)}: no object {path}")
    if lk.cls == "hard":
        d.remember_id(path, lk.id)  # the Attributes panel asks for the same path next
    if lk.cls == "external":
        return NodeInfo(d.uri, path, name, Kind.EXTERNAL_LINK, link_target=lk.target, link_file=lk.file,
                        outside_files=(lk.file,), data_confirmed=allow_external)
    if lk.cls == "soft":
        absolute = lk.target if lk.target.startswith("/") else join(parent, lk.target)
        try:
            oid = d.resolve(absolute)
        except ExternalLinkError as exc:
            return NodeInfo(d.uri, path, name, Kind.SOFT_LINK, object_kind=Kind.EXTERNAL_LINK, link_target=lk.target,
                            error=f"leads through an external link to {exc.link_file}:{exc.link_target}, "
                            "which is not followed; open that domain instead")
        except (NodeNotFoundError, DanglingLinkError) as exc:
            what = "a soft link cycle" if "cycle" in str(exc) else f"nothing at {lk.target}"
            return NodeInfo(d.uri, path, name, Kind.DANGLING_LINK, link_target=lk.target,
                            error=f"dangling soft link: {what}")
        d.remember_id(path, oid)
        return NodeInfo(d.uri, path, name, Kind.SOFT_LINK, link_target=lk.target, **_describe_object(d, oid, path))
    if lk.cls != "hard":
        return NodeInfo(d.uri, path, name, Kind.UNREADABLE, error=f"unsupported link class {lk.cls}")
    info = _describe_object(d, lk.id, path)
    info["kind"] = info["object_kind"]
    return NodeInfo(d.uri, path, name, **info)

"""Attributes of HSDS objects as :class:`AttrInfo` records, read in bulk, and attribute edits.

:func:`list_attrs` reads one object's attributes with their values in one request;
:func:`list_attrs_many` those of many objects (a page of tree rows) in one ``POST .../attributes``.
Edits go through ``PUT .../attributes/{name}?replace=1`` and are read back to confirm; a refusal
(403) is one line (:class:`ReadOnlyError`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import h5py
import numpy as np

from h5gui.core.attrs import AttrInfo, parse_value
from h5gui.core.attrs.summary import summarize
from h5gui.core.attrs.targets import classify
from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError, NodeNotFoundError, UnreadableError
from h5gui.core.hsds import types
from h5gui.core.hsds.domain import Domain, collection_of
from h5gui.core.hsds.session import DomainLike, open_domain
from h5gui.core.paths import normalize_path

MAX_ATTR_ELEMENTS = 1_000_000
BULK = 256  # objects per bulk attribute request


def attr_info(item: dict[str, Any]) -> AttrInfo:
    """The :class:`AttrInfo` of one attribute as HSDS sends it (with its value)."""
    name = item["name"]
    try:
        dt = types.to_dtype(item["type"])
    except UnreadableError as exc:
        return AttrInfo(name, "unsupported", None, "", error=str(exc), editable=False, reason="unsupported datatype")
    shape = types.shape_of(item["shape"])
    dtype = describe_dtype(dt)
    type_name, reason = classify(dt)
    info = h5py.check_string_dtype(dt)
    common: dict[str, Any] = {"type_name": type_name, "vlen": info is not None and info.length is None}
    if shape is None:
        return AttrInfo(name, dtype, None, "(empty)", editable=False, reason="an empty attribute has no value to edit",
                        **common)
    n = math.prod(shape)
    if n > MAX_ATTR_ELEMENTS or "value" not in item:
        return AttrInfo(name, dtype, shape, f"({n:,} elements, not read)", editable=False,
                        reason=f"too large to show ({n:,} elements)", big=True, **common)
    try:
        arr = types.from_json(item["value"], dt, shape)
    except (TypeError, ValueError, UnreadableError) as exc:
        return AttrInfo(name, dtype, shape, "", error=f"cannot read: {exc}", editable=False,
                        reason="it cannot be read", **common)
    value: Any = arr[()] if shape == () else arr
    if shape == () and info is not None and isinstance(value, bytes) and info.length is None:
        value = value.decode("utf-8", "surrogateescape") if info.encoding == "utf-8" else value
    return summarize(name, dtype, shape, value, dt, n, reason, common)


def _ordered(d: Domain, oid: str, path: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Creation order where the object tracks it, else by name (as the local table lists them)."""
    if d.obj(oid, path).get("creationProperties", {}).get("CreateOrder"):
        return sorted(items, key=lambda it: (it.get("created", 0), it["name"]))
    return sorted(items, key=lambda it: it["name"].encode("utf-8"))


def list_attrs(domain: DomainLike, path: str = "/") -> list[AttrInfo]:
    """Every attribute of the object at ``path``, with values: one request."""
    d = open_domain(domain)
    path = normalize_path(path)
    oid = d.resolve(path)
    js = d.get(f"/{collection_of(oid)}/{oid}/attributes", path, params={"IncludeData": 1})
    return [attr_info(it) for it in _ordered(d, oid, path, js.get("attributes", []))]


def list_attrs_many(domain: DomainLike, paths: Sequence[str]) -> dict[str, list[AttrInfo]]:
    """Attributes of many objects: one ``POST /groups/{root}/attributes`` per :data:`BULK` objects."""
    d = open_domain(domain)
    ids = {normalize_path(p): d.resolve(p) for p in paths}
    out: dict[str, list[AttrInfo]] = {}
    pairs = list(ids.items())
    for i in range(0, len(pairs), BULK):
        piece = dict(pairs[i:i + BULK])
        if len(piece) == 1:
            (p, _), = piece.items()
            out[p] = list_attrs(d, p)
            continue
        js = d.call("POST", f"/groups/{d.root_id}/attributes", params={"IncludeData": 1},
                    body={"obj_ids": list(piece.values())}, write=False)
        got = js.get("attributes", {})
        for p, oid in piece.items():
            out[p] = [attr_info(it) for it in _ordered(d, oid, p, list(got.get(oid, [])))]
    return out


# ---------------------------------------------------------------------------------------------
# edits


def _url(oid: str, name: str) -> str:
    return f"/{collection_of(oid)}/{oid}/attributes/{quote(name, safe='')}"


def read_item(d: Domain, oid: str, path: str, name: str) -> dict[str, Any] | None:
    """The stored attribute ``name`` (type, shape, value), None when there is none."""
    try:
        js = d.get(_url(oid, name), path, missing=f"no attribute {name}")
    except NodeNotFoundError:
        return None
    return {"name": name, **{k: js[k] for k in ("type", "shape", "value", "created") if k in js}}


def _text(value: Any) -> str:
    """A JSON value as text: NaN reads back equal to NaN."""
    return json.dumps(value, sort_keys=True)


def _put(d: Domain, oid: str, path: str, name: str, item: dict[str, Any]) -> AttrInfo:
    body = {k: item[k] for k in ("type", "shape", "value") if k in item}
    d.call("PUT", _url(oid, name), path, params={"replace": 1}, body=body)
    d.forget(obj_id=oid)
    back = read_item(d, oid, path, name)
    if back is None or _text(back.get("value")) != _text(body.get("value")) or back.get("type") != body.get("type"):
        raise UnreadableError(f"{d.where(path)}: attribute {name} did not read back as written")
    return attr_info(back)


def set_attr(domain: DomainLike, path: str, name: str, text: str, type_name: str | None = None, *,
             shape: tuple[int, ...] | None = None, fixed_length: bool | None = None) -> AttrInfo:
    """Set attribute ``name`` from typed text: the stored type kept unless ``type_name`` is given
    (then one of :data:`h5gui.core.attrs.ATTR_TYPES`); ``fixed_length`` chooses fixed- or variable-length
    strings (None: keep, or variable-length for a new one), as the local edit does. Returns the attribute
    as read back."""
    d = open_domain(domain)
    path = normalize_path(path)
    if not name:
        raise BadRequestError("an attribute needs a name")
    oid = d.resolve(path)
    old = read_item(d, oid, path, name)
    old_dt = types.to_dtype(old["type"]) if old is not None else None
    info = h5py.check_string_dtype(old_dt) if old_dt is not None else None
    old_fixed = info is not None and info.length is not None
    if type_name is None and old_dt is not None and (fixed_length is None or info is None
                                                       or bool(fixed_length) == old_fixed):
        dt = old_dt
        kind, reason = classify(dt)
        if reason or not kind:
            raise BadRequestError(f"{d.where(path)}: attribute {name}: {reason or 'give a type'}")
        value = parse_value(text, kind, shape=shape, fixed_length=old_fixed)
        arr = np.asarray(value, dtype=dt if kind != "string" else None)
        type_item = old["type"] if old is not None and kind != "string" else None
    else:
        value = parse_value(text, type_name or "string", shape=shape, fixed_length=bool(fixed_length))
        arr = np.asarray(value)
        type_item = None
    if type_item is None:
        dt = h5py.string_dtype() if arr.dtype.kind in "OU" else arr.dtype
        if arr.dtype.kind == "U":
            arr = arr.astype(object)
        type_item = types.type_json(dt)
    item = {"type": type_item, "shape": list(arr.shape), "value": types.to_json(arr)}
    if not arr.shape:
        item["shape"] = []
    return _put(d, oid, path, name, item)


def rename_attr(domain: DomainLike, path: str, old: str, new: str) -> AttrInfo:
    """Rename an attribute (written under the new name, read back, then the old one deleted)."""
    d = open_domain(domain)
    path = normalize_path(path)
    oid = d.resolve(path)
    item = read_item(d, oid, path, old)
    if item is None:
        raise NodeNotFoundError(f"{d.where(path)}: no attribute {old}")
    if old == new:
        return attr_info(item)
    if read_item(d, oid, path, new) is not None:
        raise BadRequestError(f"{d.where(path)}: an attribute {new} already exists")
    info = _put(d, oid, path, new, item)
    delete_attrs(d, path, [old])
    return info


def delete_attrs(domain: DomainLike, path: str, names: Sequence[str]) -> int:
    """Delete attributes; returns how many were deleted (missing names are skipped)."""
    d = open_domain(domain)
    path = normalize_path(path)
    oid = d.resolve(path)
    n = 0
    for name in names:
        if read_item(d, oid, path, name) is None:  # HSDS answers 200 for a missing one
            continue
        d.call("DELETE", _url(oid, name), path, missing=f"no attribute {name}")
        n += 1
    d.forget(obj_id=oid)
    return n


def create_group(domain: DomainLike, path: str) -> str:
    """Make a new group at ``path`` (its parent must exist); returns its id."""
    d = open_domain(domain)
    path = normalize_path(path)
    parent, _, name = path.rpartition("/")
    parent = parent or "/"
    gid = d.resolve(parent)
    if d.link(gid, parent, name) is not None:
        raise BadRequestError(f"{d.where(path)}: already exists")
    js = d.call("POST", "/groups", path, body={"link": {"id": gid, "name": name}})
    d.forget(obj_id=gid)
    d.remember(js["id"], js, path)
    return str(js["id"])


def delete(domain: DomainLike, path: str) -> None:
    """Remove the link at ``path`` (the object goes when nothing else links to it)."""
    d = open_domain(domain)
    path = normalize_path(path)
    if path == "/":
        raise BadRequestError(f"{d.where(path)}: the root group cannot be deleted")
    parent, _, name = path.rpartition("/")
    parent = parent or "/"
    gid = d.resolve(parent)
    d.call("DELETE", f"/groups/{gid}/links/{quote(name, safe='')}", path, missing=f"no object {path}")
    d.forget(path=path, obj_id=gid)


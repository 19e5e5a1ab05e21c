"""Paste of copied attributes onto objects of HSDS domains, undoable as the local paste
(:func:`h5gui.core.attr_edits.paste`), which this twin follows step for step.

The copied values may come from a domain (:data:`~h5gui.core.hsds.twins.HSDS_TYPE`: the attribute as HSDS
stores it, written back as it is) or from a local file (a numpy value with h5py's metadata: written with
the HSDS type of its dtype); the targets may mix domains and local files (a domain's attribute pasted
onto a local file is written with its dtype). References only point into their own file or domain: pasted
anywhere else they are refused, before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core import attrs as local_attrs
from h5gui.core.attrs.records import AttrEdit, AttrInfo, AttrValue, EditResult
from h5gui.core.errors import BadRequestError, UnreadableError
from h5gui.core.hsds import attrs as hattrs
from h5gui.core.hsds import types
from h5gui.core.hsds.domain import domain_uri
from h5gui.core.hsds.session import open_domain
from h5gui.core.hsds.twins import HSDS_TYPE, _items
from h5gui.core.paths import normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.routes import is_hsds


def _from_domain(v: AttrValue) -> bool:
    return v.h5type == HSDS_TYPE and isinstance(v.value, dict)


def _refs_in(dt: np.dtype) -> bool:
    if h5py.check_ref_dtype(dt) is not None:
        return True
    if dt.names is not None:
        return any(_refs_in(types.field_dtype(dt, n)) for n in dt.names)
    if dt.subdtype is not None:
        return _refs_in(dt.subdtype[0])
    vlen = h5py.check_vlen_dtype(dt)
    return vlen is not None and vlen not in (str, bytes) and _refs_in(np.dtype(vlen))


def _same_source(v: AttrValue, file: str) -> bool:
    if not v.file:
        return False
    if is_hsds(v.file) or is_hsds(file):
        return is_hsds(v.file) and is_hsds(file) and domain_uri(v.file) == domain_uri(file)
    from h5gui.core.h5 import files

    return bool(files.same_file(v.file, file))


def _has_refs(v: AttrValue) -> bool:
    if _from_domain(v):
        try:
            return _refs_in(types.to_dtype(v.value["type"]))
        except UnreadableError:
            return False
    return bool(local_attrs.has_refs(local_attrs.prepare_raw(v)[1]))


def _check(targets: Sequence[tuple[str, str]], values: Sequence[AttrValue]) -> None:
    """Refuse before writing anything: references into another file or domain, nameless values."""
    for v in values:
        if not v.name:
            raise BadRequestError("an attribute needs a name")
    for file, _path in targets:
        for v in values:
            if _has_refs(v) and not _same_source(v, file):
                raise BadRequestError(f"attribute {v.name} holds references into {v.file}: it cannot be pasted "
                                      f"into {file}")


def hsds_item(v: AttrValue) -> dict[str, Any]:
    """The HSDS attribute item (type, shape, value) of a copied attribute."""
    if _from_domain(v):
        return {k: v.value[k] for k in ("type", "shape", "value") if k in v.value}
    value = v.value
    if isinstance(value, h5py.Empty):
        return {"type": types.type_json(np.dtype(value.dtype)), "shape": {"class": "H5S_NULL"}}
    arr = np.asarray(value)
    dt = arr.dtype
    if dt.kind == "U":  # text made by hand: variable-length UTF-8, as h5py stores a str
        arr, dt = arr.astype(object), h5py.string_dtype()
    return {"type": types.type_json(dt), "shape": list(arr.shape), "value": types.to_json(arr)}


def local_value(v: AttrValue) -> AttrValue:
    """A copied attribute as the local core writes it (a domain's: a numpy value of its dtype)."""
    if not _from_domain(v):
        return v
    dt = types.to_dtype(v.value["type"])
    shape = types.shape_of(v.value["shape"])
    value = h5py.Empty(dt) if shape is None else types.from_json(v.value.get("value"), dt, shape)
    return AttrValue(v.name, value, b"", v.file)


def _listing(file: str, path: str) -> tuple[AttrInfo, ...]:
    return tuple(hattrs.list_attrs(file, path) if is_hsds(file) else local_attrs.list_attrs(file, path))


def paste(targets: Sequence[tuple[str, str]], values: Sequence[AttrValue]) -> Job[EditResult]:
    """The HSDS twin of :func:`h5gui.core.attr_edits.paste`: write the copied attributes onto every
    (domain or file, path) target; undo restores what each had."""
    names = [v.name for v in values]
    _check(targets, values)
    items = [hsds_item(v) for v in values] if any(is_hsds(f) for f, _ in targets) else []
    undo: list[AttrEdit] = []
    redo: list[AttrEdit] = []
    total = len(targets)
    for i, (file, path) in enumerate(targets):
        path = normalize_path(path)
        if is_hsds(file):
            d = open_domain(file)
            before = _items(d.uri, path, names, missing_ok=True)
            oid = d.resolve(path)
            for name, item in zip(names, items, strict=True):
                hattrs._put(d, oid, path, name, item)  # read back to confirm
            after = tuple(_items(d.uri, path, names))  # redo writes them back exactly as stored
        else:
            local = [local_value(v) for v in values]
            before = local_attrs.get_attr_values(file, path, names, missing_ok=True)
            local_attrs.put_attr_values(file, path, local, overwrite=True)
            after = tuple(local)
        undo.append(AttrEdit(file, path, tuple(names), tuple(before)))
        redo.append(AttrEdit(file, path, tuple(names), after))
        yield Progress(i + 1, total, "objects", "pasting attributes")
    what = names[0] if len(names) == 1 else f"{len(names)} attributes"
    where = targets[0][1] if total == 1 else f"{total} objects"
    first = _listing(*targets[0]) if targets else ()
    return EditResult(f"paste {what} onto {where}", tuple(reversed(undo)), tuple(redo), first, total)

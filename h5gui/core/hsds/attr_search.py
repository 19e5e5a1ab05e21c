"""Find's attribute search on HSDS domains: the attributes of many objects read in one bulk request,
matched by the local search's own rules (:func:`h5gui.core.search.find.attr_hits`, ``value_texts``).

:func:`read_attrs` asks ``POST /groups/{root}/attributes`` for up to :data:`BULK` objects at a time:
names, types and shapes only. A value search then asks, in one more request, for the values it needs:
those of the attributes whose names did not match already, and no bigger in the file than
:data:`~h5gui.core.search.find.MAX_ATTR_VALUE_BYTES` (the local search's limit; the server's own
``max_data_size`` guesses 512 bytes for a variable-length element, and fails on an empty attribute).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import h5py

from h5gui.core.errors import UnreadableError
from h5gui.core.hsds import types
from h5gui.core.hsds.attrs import BULK
from h5gui.core.hsds.domain import Domain
from h5gui.core.search.find import MAX_ATTR_VALUE_BYTES, attr_hits, value_texts
from h5gui.core.search.records import SearchHit

__all__ = ["BULK", "item_texts", "object_hits", "read_attrs"]

log = logging.getLogger(__name__)

VLEN_BYTES = 16  # a variable-length element in an HDF5 file (what the local size check counts)


def _post(d: Domain, obj_ids: list[str] | dict[str, list[str]], data: bool) -> dict[str, list[dict[str, Any]]]:
    js = d.call("POST", f"/groups/{d.root_id}/attributes", params={"IncludeData": int(data)},
                body={"obj_ids": obj_ids}, write=False)
    got = js.get("attributes", {})
    if isinstance(got, list):  # one object: the server answers with its list
        got = {next(iter(obj_ids)): got}
    return got if isinstance(got, dict) else {}


def _small(item: dict[str, Any]) -> bool:
    """Whether the local search would read this attribute's value (not empty, at most
    :data:`~h5gui.core.search.find.MAX_ATTR_VALUE_BYTES` in the file)."""
    try:
        dt = types.to_dtype(item["type"])
        shape = types.shape_of(item["shape"])
    except (UnreadableError, TypeError, ValueError, KeyError):
        return False
    if shape is None:
        return False
    vlen = dt.kind == "O" or (dt.subdtype is not None and dt.subdtype[0].kind == "O")
    return math.prod(shape) * (VLEN_BYTES if vlen else dt.itemsize) <= MAX_ATTR_VALUE_BYTES


def read_attrs(d: Domain, ids: Sequence[str], by_value: Callable[[str], bool] | None = None
               ) -> dict[str, list[dict[str, Any]]]:
    """The attributes of the objects ``ids`` (each a list of HSDS items, by name as the local search
    lists them), :data:`BULK` objects a request. Names, types and shapes only; with ``by_value``, a
    second request reads the values of the attributes it picks by name (those a value search needs)
    that are small enough to be searched."""
    out: dict[str, list[dict[str, Any]]] = {}
    for i in range(0, len(ids), BULK):
        piece = list(ids[i:i + BULK])
        got = _post(d, piece, False)
        for oid in piece:
            out[oid] = sorted(got.get(oid, []), key=lambda it: str(it["name"]).encode("utf-8"))
        if by_value is None:
            continue
        wanted = {oid: [str(it["name"]) for it in out[oid] if by_value(str(it["name"])) and _small(it)]
                  for oid in piece}
        wanted = {oid: names for oid, names in wanted.items() if names}
        if not wanted:
            continue
        full = _post(d, wanted, True)
        for oid in wanted:
            values = {str(it["name"]): it["value"] for it in full.get(oid, []) if "value" in it}
            for it in out[oid]:
                if it["name"] in values:
                    it["value"] = values[it["name"]]
    return out


def item_texts(item: dict[str, Any]) -> list[str]:
    """One attribute's value as the texts the local search would match for it (none when the value is
    empty, too big, not read or not readable)."""
    if "value" not in item or not _small(item):
        return []
    try:
        dt = types.to_dtype(item["type"])
        shape = types.shape_of(item["shape"]) or ()
        if dt.subdtype is not None:  # an array type: its elements as a trailing axis, as h5py reads it
            base, sub = dt.subdtype
            arr = types.from_json(item["value"], base, shape + sub)
        else:
            arr = types.from_json(item["value"], dt, shape)
        info = h5py.check_string_dtype(arr.dtype)
        if info is not None and info.length is None and info.encoding == "utf-8":
            arr.flat[:] = [v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else v for v in arr.flat]
    except (UnreadableError, TypeError, ValueError, KeyError):  # not matched by value, as a local unreadable one
        log.debug("attribute %s not searched by value", item.get("name"), exc_info=True)
        return []
    return value_texts(arr, str(item["name"]))


def object_hits(file: str, path: str, kind: str, items: list[dict[str, Any]], match: Callable[[str], bool],
                values: bool) -> Iterator[SearchHit]:
    """The hits of one object's attributes (``items`` as :func:`read_attrs` gives them)."""
    by_name = {str(it["name"]): it for it in items}
    return attr_hits(file, path, kind, list(by_name), lambda name: item_texts(by_name[name]), match, values)

"""Reading and writing dataset values: server-side selections with strides, binary where possible.

A selection is one entry per axis: an ``int`` (the axis is dropped from the result) or a
``slice`` with a positive step. HSDS applies the stride itself (``select=[a:b:s,...]``), so a
downsampled image or a pixel time series through a stack costs one request and moves only the
values asked for. Fixed-size values travel as raw bytes, the rest as JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from h5gui.core.errors import BadRequestError
from h5gui.core.hsds import types
from h5gui.core.hsds.domain import Domain
from h5gui.core.hsds.session import DomainLike, open_domain
from h5gui.core.paths import normalize_path

Selection = Sequence[int | slice]
MAX_REQUEST_BYTES = 64 * 2**20  # larger reads are split along the first axis


@dataclass(frozen=True, slots=True)
class DatasetMeta:
    """What a read needs to know about a dataset."""

    id: str
    path: str
    dtype: np.dtype
    shape: tuple[int, ...] | None
    json: dict[str, Any]

    @property
    def chunks(self) -> tuple[int, ...] | None:
        layout = self.json.get("creationProperties", {}).get("layout", {})
        if layout.get("class", "").startswith("H5D_CHUNKED") and layout.get("dims"):
            return tuple(int(c) for c in layout["dims"])
        return None


def dataset_meta(d: Domain, path: str, obj_id: str | None = None) -> DatasetMeta:
    """The dataset at ``path`` (raises BadRequestError when it is not a dataset)."""
    oid = obj_id or d.resolve(path)
    if not oid.startswith("d-"):
        raise BadRequestError(f"{d.where(path)} is not a dataset")
    js = d.obj(oid, path)
    return DatasetMeta(oid, path, types.to_dtype(js["type"]), types.shape_of(js["shape"]), js)


def open_dataset(domain: DomainLike, path: str) -> tuple[Domain, str, DatasetMeta]:
    """``(domain, normalized path, its dataset)`` of a job's arguments: what every dataset read starts with."""
    d = open_domain(domain)
    path = normalize_path(path)
    return d, path, dataset_meta(d, path)


def _norm(sel: Selection | None, shape: tuple[int, ...], where: str) -> tuple[list[tuple[int, int, int]], tuple[int, ...]]:
    """Per axis (start, stop, step), and the shape of the result (int axes dropped)."""
    sel = list(sel) if sel is not None else []
    if len(sel) > len(shape):
        raise BadRequestError(f"{where}: selection of {len(sel)} axes for a dataset of rank {len(shape)}")
    sel += [slice(None)] * (len(shape) - len(sel))
    out: list[tuple[int, int, int]] = []
    result: list[int] = []
    for s, n in zip(sel, shape, strict=True):
        if isinstance(s, slice):
            start, stop, step = s.indices(n)
            if step <= 0:
                raise BadRequestError(f"{where}: negative steps are not supported")
            stop = max(stop, start)
            out.append((start, stop, step))
            result.append(-(-(stop - start) // step))
        else:
            i = int(s) + (n if int(s) < 0 else 0)
            if not 0 <= i < n:
                raise BadRequestError(f"{where}: index {s} out of range (size {n})")
            out.append((i, i + 1, 1))
    return out, tuple(result)


def select_text(parts: Sequence[tuple[int, int, int]]) -> str:
    """HSDS's ``select`` parameter: ``[0:128:2,5:6]``."""
    return "[" + ",".join(f"{a}:{b}" + (f":{s}" if s != 1 else "") for a, b, s in parts) + "]"


def read(d: Domain, meta: DatasetMeta, sel: Selection | None = None) -> np.ndarray:
    """The values of ``meta``'s dataset at ``sel`` (numpy rules: ints drop their axis)."""
    where = d.where(meta.path)
    url = f"/datasets/{meta.id}/value"
    if meta.shape is None:
        raise BadRequestError(f"{where}: an empty dataset has no values")
    if meta.shape == ():
        return _fetch(d, meta, url, None, ())
    parts, out_shape = _norm(sel, meta.shape, where)
    counts = tuple(-(-(b - a) // s) for a, b, s in parts)
    if 0 in counts:
        return np.empty(out_shape, dtype=meta.dtype)
    row_bytes = int(np.prod(counts[1:], dtype=np.int64)) * max(meta.dtype.itemsize, 8)
    rows_per = max(1, MAX_REQUEST_BYTES // max(row_bytes, 1))
    if counts[0] <= rows_per:
        return _fetch(d, meta, url, parts, counts).reshape(out_shape)
    a, b, s = parts[0]
    pieces = []
    for i in range(0, counts[0], rows_per):
        n = min(rows_per, counts[0] - i)
        sub = [(a + i * s, a + (i + n - 1) * s + 1, s)] + list(parts[1:])
        pieces.append((sub, (n,) + counts[1:]))
    arrays = d.client.map(lambda p: _fetch(d, meta, url, p[0], p[1]), pieces)
    return np.concatenate(arrays, axis=0).reshape(out_shape)


def _fetch(d: Domain, meta: DatasetMeta, url: str, parts: list[tuple[int, int, int]] | None,
           counts: tuple[int, ...]) -> np.ndarray:
    params = {"select": select_text(parts)} if parts else None
    if types.is_fixed(meta.dtype):
        data = d.call("GET", url, meta.path, params=params, binary=True, write=False)
        return types.from_bytes(data, meta.dtype, counts)
    js = d.call("GET", url, meta.path, params=params, write=False)
    return types.from_json(js["value"], meta.dtype, counts)


def write(d: Domain, meta: DatasetMeta, data: np.ndarray, sel: Selection | None = None) -> int:
    """Write ``data`` at ``sel`` (slices of step 1); returns the bytes sent."""
    url = f"/datasets/{meta.id}/value"
    params = None
    if meta.shape:
        parts, _ = _norm(sel, meta.shape, d.where(meta.path))
        params = {"select": select_text(parts)}
    if types.is_fixed(meta.dtype) and meta.dtype.kind != "O":
        raw = np.ascontiguousarray(data, dtype=types.le(meta.dtype)).tobytes()
        d.call("PUT", url, meta.path, params=params, data=raw)
        return len(raw)
    d.call("PUT", url, meta.path, params=params, body={"value": types.to_json(np.asarray(data))})
    return int(np.asarray(data).size) * 8

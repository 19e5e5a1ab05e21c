"""Details of one object (:class:`NodeInfo`): what the info panel shows and ``h5gui-cli info`` prints.

Safety: paths never traverse an external link (the GUI addresses the target file itself), and data
stored outside the file (external raw storage, virtual dataset sources, external links leaving the
file's folder) is not read unless the caller passes ``allow_external=True`` after the user confirmed.
"""

from __future__ import annotations

import logging
import os
import posixpath
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
from h5gui.core.formatting import short_value
from h5gui.core.h5 import files, links
from h5gui.core.h5.datasets import read_selection, reference_text
from h5gui.core.h5.filters import filter_applied, pipeline
from h5gui.core.h5.limits import vlen_claimed_bytes
from h5gui.core.h5.links import link_info, open_object, resolve
from h5gui.core.h5.safety import data_sources
from h5gui.core.kinds import Kind
from h5gui.core.nodes.records import FilterInfo, NodeInfo
from h5gui.core.paths import decode, encode, join, normalize_path

__all__ = ["LAYOUTS", "MAX_LINK_DEPTH", "SMALL_VALUE_BYTES", "describe", "external_link_target", "filter_infos"]

log = logging.getLogger(__name__)

LAYOUTS = {0: "compact", 1: "contiguous", 2: "chunked", 3: "virtual"}
MAX_LINK_DEPTH = links.MAX_LINK_DEPTH
SMALL_VALUE_BYTES = 4096  # datasets this small show their value
VLEN_SIZE_MAX_ELEMENTS = 1 << 20  # variable-length sequences (encoded images): sizes summed from this many descriptors at most


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
    if dt is not None and isinstance(h5py.check_vlen_dtype(dt), np.dtype) and 0 < size <= VLEN_SIZE_MAX_ELEMENTS:
        try:
            d["nbytes"] = vlen_claimed_bytes(ds) or d["nbytes"]  # the values' true size, from their descriptors
        except (OSError, RuntimeError, ValueError):  # a file not on disk (remote, in memory): the descriptors' size
            log.debug("cannot sum the variable-length sizes of %s", ds.name, exc_info=True)
    dcpl = ds.id.get_create_plist()
    layout = dcpl.get_layout()
    d["layout"] = LAYOUTS.get(layout, f"layout {layout}")
    if dcpl.get_external_count() > 0:
        d["layout"] = "external"
        d["external_files"] = tuple(
            (decode(n), int(o), int(s)) for n, o, s in (dcpl.get_external(i) for i in range(dcpl.get_external_count()))
        )
    if layout == h5py.h5d.VIRTUAL:
        d["virtual_sources"] = tuple(
            (decode(dcpl.get_virtual_filename(i)), decode(dcpl.get_virtual_dsetname(i)))
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
            d["fill_value"] = short_value(ds.fillvalue)
        except Exception:  # the row is left out
            log.debug("cannot read the fill value of %s in %s", ds.name, file, exc_info=True)
    outside, problem = data_sources(ds, file)
    d["outside_files"] = outside
    d["data_confirmed"] = bool(outside) and allow_external
    missing = [f.text for i, f in enumerate(filters) if not f.available and filter_applied(ds.id, i, f)]
    if problem:
        d["error"] = f"cannot be read: {problem}"
    elif missing:
        d["error"] = "cannot decompress the data: " + "; ".join(missing)
    elif dt is not None and ds.shape is not None and d["nbytes"] <= SMALL_VALUE_BYTES and size <= 256:
        if not outside or allow_external:
            try:
                d["value"] = short_value(read_selection(ds, (), ds.name or "/"), lambda ref: reference_text(ref, ds))
            except H5GuiError as exc:
                d["error"] = str(exc)
    return d


def _describe_object(obj: Any, file: str, path: str, allow_external: bool) -> dict[str, Any]:
    d: dict[str, Any] = {}
    try:
        d["num_attrs"] = h5py.h5o.get_info(obj.id).num_attrs
    except Exception:
        d["num_attrs"] = 0
    if isinstance(obj, h5py.Group):
        d["object_kind"] = Kind.GROUP
        d["members"] = len(obj.id)
    elif isinstance(obj, h5py.Dataset):
        d["object_kind"] = Kind.DATASET
        d.update(_describe_dataset(obj, file, allow_external))
    elif isinstance(obj, h5py.Datatype):
        d["object_kind"] = Kind.DATATYPE
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
        described (``kind == Kind.DANGLING_LINK`` and ``error`` set), not raised.
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
        parent = resolve(f.id, posixpath.dirname(path), file)
        here = join(parent, name)
        link = link_info(f.id, here)
        if link is None:
            raise NodeNotFoundError(f"No object {path} in {file}")
        if link.type == h5py.h5l.TYPE_EXTERNAL:
            return _describe_external(f, file, path, here, name, allow_external, depth)
        if link.type == h5py.h5l.TYPE_SOFT:
            target = decode(f.id.links.get_val(encode(here)))
            absolute = target if target.startswith("/") else join(parent, target)
            try:
                hard = resolve(f.id, absolute, file)
            except ExternalLinkError as exc:
                return NodeInfo(
                    file, path, name, Kind.SOFT_LINK, object_kind=Kind.EXTERNAL_LINK, link_target=target,
                    error=f"leads through an external link to {exc.link_file}:{exc.link_target}, "
                    "which is not followed; open that file instead",
                )
            except H5GuiError as exc:
                what = "a soft link cycle" if "cycle" in str(exc) else f"nothing at {target}"
                return NodeInfo(file, path, name, Kind.DANGLING_LINK, link_target=target,
                                error=f"dangling soft link: {what}")
            d = _describe_object(open_object(f, hard, file), file, path, allow_external)
            return NodeInfo(file, path, name, Kind.SOFT_LINK, link_target=target, **d)
        if link.type != h5py.h5l.TYPE_HARD:
            return NodeInfo(file, path, name, Kind.UNREADABLE, error=f"user-defined link type {link.type}")
        obj = open_object(f, here, file)
        d = _describe_object(obj, file, path, allow_external)
        d["kind"] = d["object_kind"]
        return NodeInfo(file, path, name, **d)


def _describe_external(
    f: h5py.File, file: str, path: str, here: str, name: str, allow_external: bool, depth: int
) -> NodeInfo:
    fname, target = (decode(v) for v in f.id.links.get_val(encode(here)))
    resolved = links.resolve_external(file, fname)
    common: dict[str, Any] = {"link_target": target, "link_file": fname, "link_file_resolved": str(resolved)}
    if not resolved.exists():
        return NodeInfo(file, path, name, Kind.DANGLING_LINK, error=f"external link to a missing file: {resolved}",
                        **common)
    inside = links.is_inside(Path(file).absolute().parent, resolved)
    if not inside and not allow_external:
        return NodeInfo(file, path, name, Kind.EXTERNAL_LINK, outside_files=(str(resolved),), **common)
    if depth >= MAX_LINK_DEPTH:
        return NodeInfo(file, path, name, Kind.DANGLING_LINK, error="too many levels of external links (a cycle)",
                        **common)
    try:
        target_info = _describe(str(resolved), normalize_path(target), allow_external, depth + 1)
    except H5GuiError as exc:
        return NodeInfo(file, path, name, Kind.DANGLING_LINK, error=f"external link target unavailable: {exc}",
                        **common)
    fields = {k: getattr(target_info, k) for k in NodeInfo.__dataclass_fields__
              if k not in ("file", "path", "name", "kind")}
    fields.update(common)
    fields["object_kind"] = target_info.object_kind or target_info.kind
    fields["outside_files"] = tuple(dict.fromkeys(((str(resolved),) if not inside else ()) + target_info.outside_files))
    fields["data_confirmed"] = bool(fields["outside_files"]) and allow_external
    fields["file_size"] = None
    return NodeInfo(file, path, name, Kind.EXTERNAL_LINK, **fields)


def external_link_target(file: str, path: str, *, allow_external: bool = False) -> tuple[str, str]:
    """The (file, path) an external link leads to, refusing targets outside the folder unless allowed."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        here = join(resolve(f.id, posixpath.dirname(path), file), posixpath.basename(path))
        link = link_info(f.id, here)
        if link is None:
            raise NodeNotFoundError(f"No object {path} in {file}")
        if link.type != h5py.h5l.TYPE_EXTERNAL:
            raise BadRequestError(f"{path} in {file} is not an external link")
        fname, target = (decode(v) for v in f.id.links.get_val(encode(here)))
    resolved = links.resolve_external(file, fname)
    if not links.is_inside(Path(file).absolute().parent, resolved) and not allow_external:
        raise UnsafeAccessError(
            f"{path} links to {resolved}, outside the folder of {file}; confirm to open it", (str(resolved),)
        )
    if not resolved.exists():
        raise DanglingLinkError(f"{path} in {file} is an external link to a missing file: {resolved}")
    files.check_readable(resolved)
    return str(resolved), normalize_path(target)

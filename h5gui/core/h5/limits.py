"""Sizing a read before doing it: a crafted file cannot make h5gui allocate gigabytes.

A 9 MB file can hold a gzip chunk that inflates to 1 GiB, a variable-length string claiming 2 GiB,
or a 400 MiB attribute. libhdf5 allocates what the file claims as soon as the data is read, so the
claims are checked first, from metadata and from the raw element descriptors, against limits the user
can raise (:func:`set_limits`; the GUI's settings and the CLI's ``--max-read-mb`` pass them on).
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from dataclasses import dataclass

import h5py
import numpy as np

from h5gui.core.errors import H5GuiError, UnreadableError
from h5gui.core.text import format_bytes

MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    chunk_bytes: int = 512 * MiB  # one decompressed chunk (HDF5 allocates it whole to read one value)
    read_bytes: int = 1024 * MiB  # one read (values, or the variable-length data they point at)
    attr_bytes: int = 64 * MiB  # one attribute's value


_limits = Limits()


class LimitError(H5GuiError):
    """Reading would allocate more memory than the limit: refused before anything is read."""


def set_limits(**changes: int) -> Limits:
    """Raise or lower the limits (for this process); returns the new limits."""
    global _limits
    _limits = dataclasses.replace(_limits, **changes)
    return _limits


def limits() -> Limits:
    return _limits


def _refuse(what: str, nbytes: int, limit: int, name: str) -> LimitError:
    return LimitError(f"{what} needs {format_bytes(nbytes)}, over the {format_bytes(limit)} limit for "
                      f"{name}; not read (raise the limit in the settings or with --max-read-mb to read it)")


def check_chunks(ds: h5py.Dataset, where: str) -> None:
    """Refuse a dataset whose chunks inflate to more than the chunk limit when read."""
    if ds.chunks is None:
        return
    nominal = math.prod(ds.chunks) * ds.id.get_type().get_size()
    lim = _limits.chunk_bytes
    if nominal > lim:
        raise _refuse(f"reading {where} (chunks of {format_bytes(nominal)} each)", nominal, lim, "one chunk")


def check_attr(aid: h5py.h5a.AttrID, where: str) -> None:
    """Refuse an attribute whose value is larger than the attribute limit."""
    try:
        size = int(aid.get_storage_size())
    except RuntimeError:  # an empty attribute (no dataspace) has no storage to size
        return
    lim = _limits.attr_bytes
    if size > lim:
        raise _refuse(f"the value of {where}", size, lim, "an attribute")


VLEN_SCAN_ELEMENTS = 1 << 20  # the claims of a whole variable-length dataset are read up to this size


def selected(ds: h5py.Dataset, sel: object) -> int:
    """How many values ``ds[sel]`` reads (h5py's own selection arithmetic; the dataset's size when it
    cannot be told)."""
    from h5py._hl import selections

    try:
        return int(selections.select(ds.shape, sel, ds).nselect)
    except (TypeError, ValueError, IndexError):
        return int(np.prod(ds.shape, dtype=np.int64)) if ds.shape else 1


def check_read(ds: h5py.Dataset, selection_elements: int, where: str, sel: object = None) -> None:
    """Refuse a read of ``selection_elements`` values of ``ds`` larger than the read limit (fixed-size
    types) or whose variable-length values claim more than it (from their descriptors: those of the
    selection for a 1-D contiguous dataset, else of the whole dataset up to
    :data:`VLEN_SCAN_ELEMENTS` values; beyond that the I/O process's memory ceiling protects)."""
    check_chunks(ds, where)
    lim = _limits.read_bytes
    tid = ds.id.get_type()
    nbytes = selection_elements * max(1, tid.get_size())
    if nbytes > lim:
        raise _refuse(f"reading {where}", nbytes, lim, "one read")
    if tid.get_class() == h5py.h5t.VLEN or (tid.get_class() == h5py.h5t.STRING and tid.is_variable_str()):
        claimed = _claims_of(ds, tid, sel)
        if claimed is not None and claimed > lim:
            raise _refuse(f"reading {where} (variable-length values)", claimed, lim, "one read")


def _claims_of(ds: h5py.Dataset, tid: h5py.h5t.TypeID, sel: object) -> int | None:
    span = _element_span(ds, sel)
    if span is not None:
        return vlen_claimed_bytes(ds, tid, span)
    if ds.size > VLEN_SCAN_ELEMENTS:
        return None
    return vlen_claimed_bytes(ds, tid)


def _element_span(ds: h5py.Dataset, sel: object) -> tuple[int, int] | None:
    """``(first, stop)`` of the values ``sel`` reads of a 1-D contiguous dataset, else None."""
    if ds.ndim != 1 or ds.id.get_create_plist().get_layout() != h5py.h5d.CONTIGUOUS:
        return None
    if isinstance(sel, tuple) and len(sel) == 1:
        sel = sel[0]
    n = ds.shape[0]
    if isinstance(sel, int | np.integer):
        i = int(sel) % n if n else 0
        return i, i + 1
    if isinstance(sel, slice):
        start, stop, _ = sel.indices(n)
        return start, max(start, stop)
    return None


def vlen_claimed_bytes(ds: h5py.Dataset, tid: h5py.h5t.TypeID | None = None,
                       span: tuple[int, int] | None = None) -> int | None:
    """What reading every variable-length value of ``ds`` would allocate, from the sequence lengths
    stored in the file (the values themselves are not read); None when it cannot be told (compact
    layout, filters other than gzip/shuffle: the I/O process's memory ceiling then protects)."""
    tid = tid or ds.id.get_type()
    sizeof_addr = ds.file.id.get_create_plist().get_sizes()[0]
    disk = 4 + sizeof_addr + 4  # in the file: sequence length, then the global heap collection and index
    if tid.get_class() == h5py.h5t.VLEN:
        base = tid.get_super().get_size()
    else:
        base = 1
    raw = _raw_descriptors(ds, disk, span)
    if raw is None:
        return None
    n = len(raw) // disk
    if n == 0:
        return 0
    lengths = np.frombuffer(raw[: n * disk], dtype=np.dtype([("len", "<u4"), ("rest", f"V{disk - 4}")]))["len"]
    return int(lengths.astype(np.int64).sum()) * base


def _raw_descriptors(ds: h5py.Dataset, disk: int, span: tuple[int, int] | None = None) -> bytes | None:
    dsid = ds.id
    layout = dsid.get_create_plist().get_layout()
    if layout == h5py.h5d.CONTIGUOUS:
        offset = dsid.get_offset()
        if offset is None:
            return b""
        first, stop = span if span is not None else (0, int(np.prod(ds.shape, dtype=np.int64)) if ds.shape else 1)
        try:
            with open(ds.file.filename, "rb") as fh:
                fh.seek(offset + first * disk)
                return fh.read((stop - first) * disk)
        except OSError:  # not a local file (a remote source): not told here
            return None
    if layout == h5py.h5d.CHUNKED:
        dcpl = dsid.get_create_plist()
        codes = [dcpl.get_filter(i)[0] for i in range(dcpl.get_nfilters())]
        if any(c not in (1, 2) for c in codes):
            return None
        out = bytearray()
        itemsize = disk
        for i in range(dsid.get_num_chunks()):
            info = dsid.get_chunk_info(i)
            mask, data = dsid.read_direct_chunk(info.chunk_offset)
            if 1 in codes and not mask & (1 << codes.index(1)):
                try:
                    data = _inflate(data, math.prod(ds.chunks) * itemsize)
                except zlib.error as exc:
                    raise UnreadableError(f"cannot read {ds.name}: its chunk at {tuple(info.chunk_offset)} does not "
                                          f"decompress ({exc}; the file may be damaged)") from exc
            if 2 in codes and not mask & (1 << codes.index(2)):
                data = _unshuffle(data, itemsize)
            out += data
        return bytes(out)
    return None


def _inflate(data: bytes, limit: int) -> bytes:
    d = zlib.decompressobj()
    out = d.decompress(data, limit)
    return out


def _unshuffle(data: bytes, itemsize: int) -> bytes:
    n = len(data) // itemsize
    a = np.frombuffer(data[: n * itemsize], dtype=np.uint8).reshape(itemsize, n)
    return a.T.tobytes()


def file_limit_note() -> str:
    """The limits in words, for --help and the settings dialog."""
    lim = _limits
    return (f"chunks up to {format_bytes(lim.chunk_bytes)}, reads up to {format_bytes(lim.read_bytes)}, "
            f"attributes up to {format_bytes(lim.attr_bytes)}")


__all__ = ["LimitError", "Limits", "check_attr", "check_chunks", "check_read", "limits", "set_limits",
           "vlen_claimed_bytes"]

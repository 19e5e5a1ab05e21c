"""Low-level dataset writes and facts (h5py's ``h5t``/``h5s``/``h5d``/``h5ds`` API) for the rest of core.

Transform and import need a few things h5py's high-level API does not give: a pre-compressed chunk
written as it is, rows of a variable-length uint8 dataset written without numpy turning rows of
equal length into a 2-D array, a null-terminated fixed-length ascii attribute (as the HDF5 image API
writes them), the bytes a dataset takes on disk, the free space a file tracks, and whether a dataset
is a dimension scale.
"""

from __future__ import annotations

import logging
from typing import Any

import h5py
import numpy as np

log = logging.getLogger(__name__)

VLEN_UINT8 = h5py.vlen_dtype(np.uint8)
_VLEN_UINT8_TYPE = h5py.h5t.py_create(VLEN_UINT8)


def write_ascii_attr(obj: Any, name: str, text: str) -> None:
    """Set attribute ``name`` of ``obj`` to ``text`` as a null-terminated fixed-length ascii string
    (replacing an attribute of that name), as the HDF5 image API writes them."""
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(len(text) + 1)
    tid.set_strpad(h5py.h5t.STR_NULLTERM)
    if name in obj.attrs:
        del obj.attrs[name]
    obj.attrs.create(name, np.bytes_(text), dtype=h5py.Datatype(tid))


def write_vlen_uint8(ds: h5py.Dataset, start: int, rows: np.ndarray) -> None:
    """Write ``rows`` (a 1-D object array of uint8 arrays) to ``ds[start:start + len(rows)]``.

    ``ds`` is a 1-D variable-length uint8 dataset. h5py's ``ds[...] = rows`` would make rows of
    equal length one 2-D array; the low-level write keeps each row as it is.
    """
    m = len(rows)
    fspace = ds.id.get_space()
    fspace.select_hyperslab((start,), (m,))
    ds.id.write(h5py.h5s.create_simple((m,)), fspace, rows, mtype=_VLEN_UINT8_TYPE)


def write_chunk(ds: h5py.Dataset, offset: tuple[int, ...], data: bytes, filter_mask: int = 0) -> None:
    """Store ``data`` (a chunk already through the dataset's filters) at chunk ``offset``."""
    ds.id.write_direct_chunk(offset, data, filter_mask)


def storage_size(ds: h5py.Dataset) -> int:
    """Bytes the dataset's data take in the file (compressed size; 0 when nothing is written)."""
    return int(ds.id.get_storage_size())


def free_space(f: h5py.File) -> int:
    """Bytes of deleted objects that the open file tracks for reuse."""
    return max(0, int(f.id.get_freespace()))


def is_dimension_scale(ds: h5py.Dataset) -> bool:
    """Whether ``ds`` is a dimension scale (False, logged, when HDF5 cannot tell)."""
    try:
        return bool(h5py.h5ds.is_scale(ds.id))
    except (RuntimeError, OSError, ValueError, KeyError, TypeError):
        log.debug("cannot tell whether %s is a dimension scale", ds.name, exc_info=True)
        return False

"""Export to ``.npy``: numbers, booleans, compound records (without references) and strings, written
in blocks into a memory-mapped file (strings are converted in memory, up to a limit)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError
from h5gui.core.export.common import Opener, check_room, copy_rows, plain_dtype, source, target, writing
from h5gui.core.export.records import MAX_STRING_BYTES, ExportReport
from h5gui.core.h5.datasets import dataset_dtype, read_selection, stored_bytes
from h5gui.core.paths import normalize_path
from h5gui.core.preview.common import decode_text, field_types
from h5gui.core.progress import Job, Progress


def _npy_dtype(dt: np.dtype, path: str) -> np.dtype | None:
    """The dtype written to .npy (None: strings, converted to unicode first)."""
    if h5py.check_string_dtype(dt) is not None:
        return None
    if h5py.check_ref_dtype(dt) is not None or h5py.check_vlen_dtype(dt) is not None:
        raise BadRequestError(f"{path} holds {describe_dtype(dt)}: it cannot be written to .npy")
    if any(t.kind == "O" for t in field_types(dt).values()):
        raise BadRequestError(f"{path} holds variable-length or reference fields: it cannot be written to .npy")
    if dt.kind == "O":
        raise BadRequestError(f"{path} holds {describe_dtype(dt)}: it cannot be written to .npy")
    return plain_dtype(dt)


def _strings(data: Any) -> np.ndarray:
    """Strings (bytes decoded as UTF-8) as a numpy unicode array."""
    arr = np.asarray(data, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        out[idx] = decode_text(arr[idx])
    return out.astype(str) if out.size else np.zeros(arr.shape, dtype="U1")


def export_array(file: str, path: str, out: str, *, index: Sequence[int] = (), overwrite: bool = False,
                 allow_external: bool = False, opener: Opener | None = None) -> Job[ExportReport]:
    """Job: ``ds[index]`` to a ``.npy`` file, read and written in blocks (``opener``: see :func:`~.common.source`)."""
    file = str(file)
    path = normalize_path(path)
    final, partial = target(out, overwrite)
    with source(file, path, index, allow_external, opener) as src:
        npdt = _npy_dtype(dataset_dtype(src.ds, path), path)
        check_room(src, float(np.prod(src.shape, dtype=np.float64)) * (npdt.itemsize if npdt is not None else 1), final)
        with writing(final, partial, overwrite):
            if npdt is None:  # strings: converted in memory
                if stored_bytes(src.ds) > MAX_STRING_BYTES:
                    raise BadRequestError(f"{src.where} holds too many strings to export to .npy")
                data = _strings(read_selection(src.ds, src.index if src.index else (), path))
                npdt = data.dtype
                with open(partial, "wb") as fh:
                    np.save(fh, data, allow_pickle=False)
                yield Progress(1, 1, "bytes", f"exporting {src.where}")
            else:
                mm = np.lib.format.open_memmap(partial, mode="w+", dtype=npdt, shape=src.shape)
                try:
                    yield from copy_rows(src, mm)
                    mm.flush()
                finally:
                    del mm
    return ExportReport(file, path, final, "npy", src.shape, str(npdt), 1, os.path.getsize(final))

"""Free names for a transform's output, next to its source (``/mnist/images_f32``)."""

from __future__ import annotations

import posixpath

import h5py
import numpy as np

from h5gui.core.errors import H5GuiError
from h5gui.core.h5 import files, links
from h5gui.core.paths import join, normalize_path
from h5gui.core.transform.records import TransformSpec

_SHORT = {"float16": "f16", "float32": "f32", "float64": "f64", "uint8": "u8", "uint16": "u16", "uint32": "u32",
          "uint64": "u64", "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64"}


def suggest_dest_in(f: h5py.File, source: str, spec: TransformSpec | None = None) -> str:
    """:func:`suggest_dest` on an open file."""
    source = normalize_path(source)
    parent, name = posixpath.split(source)
    suffix = "transformed"
    if spec is not None:
        if spec.dtype:
            try:
                suffix = _SHORT.get(np.dtype(spec.dtype).name, np.dtype(spec.dtype).name)
            except TypeError:
                suffix = str(spec.dtype)
        elif spec.normalize:
            suffix = {"scale": "scaled", "zscore": "zscore", "clip-percentiles": "clipped"}.get(spec.normalize, "norm")
        elif any(v is not None for v in (spec.reshape, spec.add_axis, spec.move_axis, spec.transpose)) or spec.squeeze:
            suffix = "reshaped"
        elif spec.chunks not in ("auto", None) or spec.compression:
            suffix = "rechunked"
    try:
        group = f[links.resolve(f.id, parent, str(f.filename))]
    except H5GuiError:
        group = None
    base = f"{name}_{suffix}"
    candidate, i = base, 2
    while group is not None and links.link_info(group.id, candidate) is not None:
        candidate = f"{base}_{i}"
        i += 1
    return join(parent, candidate)


def suggest_dest(file: str, source: str, spec: TransformSpec | None = None) -> str:
    """A free name next to the source: ``/mnist/images_f32`` (``_2``, ``_3``... when taken)."""
    with files.open_file(file) as f:
        return suggest_dest_in(f, source, spec)

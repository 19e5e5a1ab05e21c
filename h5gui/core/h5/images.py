"""The HDF5 Image and Palette Specification attributes that tell other viewers a dataset is an image.

Written like ``H5IMmake_image_*`` does (null-terminated fixed-length ascii strings): HDFView reads
them. The one writer for the image import and the demo file.
"""

from __future__ import annotations

import h5py
import numpy as np

IMAGE_ATTRS = ("CLASS", "IMAGE_SUBCLASS", "IMAGE_VERSION", "INTERLACE_MODE", "IMAGE_MINMAXRANGE",
               "IMAGE_WHITE_IS_ZERO", "IMAGE_COLORMODEL", "IMAGE_GAMMACORRECTION", "PALETTE")


def _ascii(ds: h5py.Dataset, name: str, text: str) -> None:
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(len(text) + 1)
    tid.set_strpad(h5py.h5t.STR_NULLTERM)
    ds.attrs.create(name, np.bytes_(text), dtype=h5py.Datatype(tid))


def write_image_attrs(ds: h5py.Dataset, *, colour: bool) -> None:
    """Mark ``ds`` as an image: true colour with pixel-interlaced channels (``(..., H, W, 3|4)``), or
    greyscale."""
    _ascii(ds, "CLASS", "IMAGE")
    _ascii(ds, "IMAGE_VERSION", "1.2")
    if colour:
        _ascii(ds, "IMAGE_SUBCLASS", "IMAGE_TRUECOLOR")
        _ascii(ds, "INTERLACE_MODE", "INTERLACE_PIXEL")
    else:
        _ascii(ds, "IMAGE_SUBCLASS", "IMAGE_GRAYSCALE")
        ds.attrs["IMAGE_WHITE_IS_ZERO"] = np.uint8(0)

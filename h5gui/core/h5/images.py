"""The attributes that tell other viewers a dataset is an image, in the three vocabularies they read.

* The HDF5 Image and Palette Specification (``CLASS="IMAGE"``, ``IMAGE_SUBCLASS``, ...), written like
  ``H5IMmake_image_*`` does (null-terminated fixed-length ascii strings): HDFView reads them.
* NeXus/silx ``@interpretation``: ``"image"`` (greyscale: the last two axes are the picture) or
  ``"rgba-image"`` (the last axis holds 3 or 4 colour channels): silx and H5Web show images for it,
  and ignore ``CLASS="IMAGE"`` (DESIGN.md section 2).
* A NeXus ``NXdata`` group (``NX_class``, ``signal``, ``axes``) and the ``default`` attributes that lead
  to it from the file's root: silx and H5Web open such a file straight on the picture, with a slider
  over the frames of a stack.

The one writer for the image import, the transform and the demo file.
"""

from __future__ import annotations

import h5py
import numpy as np

IMAGE_ATTRS = ("CLASS", "IMAGE_SUBCLASS", "IMAGE_VERSION", "INTERLACE_MODE", "IMAGE_MINMAXRANGE",
               "IMAGE_WHITE_IS_ZERO", "IMAGE_COLORMODEL", "IMAGE_GAMMACORRECTION", "PALETTE", "interpretation")
INTERPRETATIONS = ("image", "rgba-image")
_STR = h5py.string_dtype()


def _ascii(ds: h5py.Dataset, name: str, text: str) -> None:
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(len(text) + 1)
    tid.set_strpad(h5py.h5t.STR_NULLTERM)
    ds.attrs.create(name, np.bytes_(text), dtype=h5py.Datatype(tid))


def interpretation_of(shape: tuple[int, ...], colour: bool) -> str:
    """``"rgba-image"`` for colour pixels on the last axis (3 or 4 of them), else ``"image"``."""
    return "rgba-image" if colour and len(shape) >= 3 and shape[-1] in (3, 4) else "image"


def write_interpretation(ds: h5py.Dataset, *, colour: bool) -> None:
    """Only the NeXus/silx ``interpretation`` attribute (a variable-length utf-8 string, as silx writes it)."""
    ds.attrs.create("interpretation", interpretation_of(tuple(ds.shape or ()), colour), dtype=_STR)


def write_image_attrs(ds: h5py.Dataset, *, colour: bool, interpretation: bool = False) -> None:
    """Mark ``ds`` as an image: true colour with pixel-interlaced channels (``(..., H, W, 3|4)``), or
    greyscale; in the HDF5 image vocabulary and (``interpretation``) with ``@interpretation``.

    ``interpretation`` is off by default for the demo file, whose bytes the regression corpus
    (``tests/corpus.py``) patches at fixed offsets; the import and the transform write it.
    """
    _ascii(ds, "CLASS", "IMAGE")
    _ascii(ds, "IMAGE_VERSION", "1.2")
    if colour:
        _ascii(ds, "IMAGE_SUBCLASS", "IMAGE_TRUECOLOR")
        _ascii(ds, "INTERLACE_MODE", "INTERLACE_PIXEL")
    else:
        _ascii(ds, "IMAGE_SUBCLASS", "IMAGE_GRAYSCALE")
        ds.attrs["IMAGE_WHITE_IS_ZERO"] = np.uint8(0)
    if interpretation:
        write_interpretation(ds, colour=colour)


def write_nxdata(group: h5py.Group, signal: str = "images") -> None:
    """Make ``group`` a NeXus ``NXdata`` group whose signal is its dataset ``signal``.

    ``axes`` is ``"."`` for every axis of the signal (NeXus's "no axis values": viewers use indices).
    One entry per axis, colour included: silx 3.1 accepts an ``rgba-image`` with fewer axes listed only
    for a single picture (3 dimensions), not for a stack.
    """
    rank = len(group[signal].shape or ())
    group.attrs.create("NX_class", "NXdata", dtype=_STR)
    group.attrs.create("signal", signal, dtype=_STR)
    group.attrs.create("axes", np.array(["."] * rank, dtype=object), dtype=_STR)


def set_default(parent: h5py.Group, child: str) -> None:
    """``parent@default = child`` (a member's name, or a path below ``parent``): where NeXus viewers go.

    Each group on the way gets its own ``default`` naming the next step, so a viewer that follows one
    name at a time arrives too. A root ``default`` already set is left as it is (an earlier import's
    data stays what the file opens on).
    """
    parts = [p for p in child.strip("/").split("/") if p]
    node = parent
    for part in parts:
        if "default" not in node.attrs:
            node.attrs.create("default", part, dtype=_STR)
        node = node[part]

"""The attributes that tell other viewers a dataset is an image, in the three vocabularies they read.

* The HDF5 Image and Palette Specification (``CLASS="IMAGE"``, ``IMAGE_SUBCLASS``, ...), written like
  ``H5IMmake_image_*`` does (null-terminated fixed-length ascii strings): HDFView reads them.
* NeXus/silx ``@interpretation`` (an ascii string): ``"image"`` (greyscale: the last two axes are the picture) or
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


_SCALAR = h5py.h5s.create(h5py.h5s.SCALAR)
_ASCII: dict[str, tuple[h5py.h5t.TypeID, np.ndarray]] = {}


def _ascii(ds: h5py.Dataset | h5py.h5d.DatasetID, name: str, text: str, fresh: bool = False) -> None:
    """A null-terminated fixed-length ascii string attribute, as ``H5IMmake_image_*`` writes them.

    Written with the low-level API and cached types and values (``fresh``: ``ds`` has no attribute of
    that name yet): an image import writes five per picture, and ``attrs.create`` cost ~80 us each
    where this costs ~30 us.
    """
    cached = _ASCII.get(text)
    if cached is None:
        tid = h5py.h5t.C_S1.copy()
        tid.set_size(len(text) + 1)
        tid.set_strpad(h5py.h5t.STR_NULLTERM)
        cached = _ASCII[text] = (tid, np.array(text.encode("ascii"), dtype=f"S{len(text) + 1}"))
    oid = ds.id if isinstance(ds, h5py.Dataset) else ds
    key = name.encode()
    if not fresh and h5py.h5a.exists(oid, key):
        h5py.h5a.delete(oid, key)
    h5py.h5a.create(oid, key, cached[0], _SCALAR).write(cached[1])


def interpretation_of(shape: tuple[int, ...], colour: bool) -> str:
    """``"rgba-image"`` for colour pixels on the last axis (3 or 4 of them), else ``"image"``."""
    return "rgba-image" if colour and len(shape) >= 3 and shape[-1] in (3, 4) else "image"


def write_interpretation(ds: h5py.Dataset, *, colour: bool, shape: tuple[int, ...] | None = None) -> None:
    """Only the NeXus/silx ``interpretation`` attribute (an ascii string: silx reads it as text)."""
    _ascii(ds, "interpretation", interpretation_of(tuple(shape if shape is not None else ds.shape or ()), colour))


def write_image_attrs(ds: h5py.Dataset | h5py.h5d.DatasetID, *, colour: bool, interpretation: bool = False,
                      shape: tuple[int, ...] | None = None, fresh: bool = False) -> None:
    """Mark ``ds`` as an image: true colour with pixel-interlaced channels (``(..., H, W, 3|4)``), or
    greyscale; in the HDF5 image vocabulary and (``interpretation``) with ``@interpretation``.

    ``ds`` may be a low-level dataset id (then ``shape`` is its shape); ``fresh``: it has no attributes
    yet (nothing to replace: faster). ``interpretation`` is off by
    default for the demo file, whose bytes the regression corpus (``tests/corpus.py``) patches at fixed
    offsets; the import and the transform write it.
    """
    _ascii(ds, "CLASS", "IMAGE", fresh)
    _ascii(ds, "IMAGE_VERSION", "1.2", fresh)
    if colour:
        _ascii(ds, "IMAGE_SUBCLASS", "IMAGE_TRUECOLOR", fresh)
        _ascii(ds, "INTERLACE_MODE", "INTERLACE_PIXEL", fresh)
    else:
        _ascii(ds, "IMAGE_SUBCLASS", "IMAGE_GRAYSCALE", fresh)
        oid = ds.id if isinstance(ds, h5py.Dataset) else ds
        if not fresh and h5py.h5a.exists(oid, b"IMAGE_WHITE_IS_ZERO"):
            h5py.h5a.delete(oid, b"IMAGE_WHITE_IS_ZERO")
        attr = h5py.h5a.create(oid, b"IMAGE_WHITE_IS_ZERO", h5py.h5t.NATIVE_UINT8, _SCALAR)
        attr.write(np.array(0, dtype=np.uint8))
    if interpretation:
        if shape is None:
            assert isinstance(ds, h5py.Dataset)
            shape = tuple(ds.shape or ())
        _ascii(ds, "interpretation", interpretation_of(shape, colour), fresh)


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

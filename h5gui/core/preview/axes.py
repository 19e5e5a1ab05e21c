"""Axis and index arithmetic of the views, without h5py: element counts, axes and indices checked
against a shape, the default image and table axes, and the layout of the table view.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from h5gui.core.errors import BadRequestError
from h5gui.core.preview.records import BOOL, EMPTY, IMAGE_KINDS, UNREADABLE, PreviewInfo


def element_count(shape: tuple[int, ...] | None) -> int:
    """Elements of a dataset of ``shape`` (``None``: no dataspace, 0; ``()``: a scalar, 1)."""
    if shape is None:
        return 0
    return int(np.prod(shape, dtype=np.float64)) if shape else 1


def normalize_axis(axis: int, rank: int, path: str, what: str = "axis") -> int:
    """``axis`` (negative counts from the end) as 0 .. rank-1, or :class:`BadRequestError`."""
    if not -rank <= axis < rank:
        raise BadRequestError(f"{what} {axis} out of range for {path} (rank {rank})")
    return axis % rank


def full_index(index: Sequence[int], shape: tuple[int, ...], free: Sequence[int], path: str) -> list[int]:
    """One index per axis: ``index`` padded with zeros. Refused: more values than axes, and a value out
    of its axis's range (on a shown axis too: it would be ignored without a word)."""
    if len(index) > len(shape):
        raise BadRequestError(f"the index {tuple(int(i) for i in index)} has {len(index)} values: {path} has "
                              f"{len(shape)} axis(es)")
    given = len(index)
    out = [int(i) for i in index]
    out += [0] * (len(shape) - len(out))
    for axis, n in enumerate(shape):
        if axis in free and axis >= given:
            continue
        i = out[axis]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise BadRequestError(f"index {out[axis]} out of range for axis {axis} of {path} (size {n})")
        out[axis] = i
    return out


def image_axes(
    shape: tuple[int, ...], kind: str, interlace: str, subclass: str, *, bytes_per_value: int = 1
) -> tuple[tuple[int, int, int | None] | None, bool]:
    """Default (rows, cols, channel) axes of the image view and whether that image is colour.

    An axis of 3 or 4 is taken as colour channels only when the data says so: the HDF5 image
    attributes (``subclass``/``interlace``), or 8-bit values (what pictures are). A (…, 4) int16 or
    float array is a stack of grey images with a slider for that axis, not an RGBA picture (whose
    alpha, 0 in such data, would blank the view)."""
    rank = len(shape)
    if kind not in IMAGE_KINDS or rank < 2:
        return None, False
    colour = kind != BOOL
    if subclass != "IMAGE_TRUECOLOR" and not interlace and bytes_per_value != 1 and rank >= 3:
        last = shape[-1]
        if last == 1:
            return (rank - 3, rank - 2, rank - 1), False
        if last in (3, 4) and shape[-2] > 4 and shape[-3] > 4:  # (…, H, W, 3|4) of other values: grey, one at a time
            return (rank - 3, rank - 2, None), False
        return (rank - 2, rank - 1, None), False
    if rank == 2:
        return (0, 1, None), False
    if rank == 3 and interlace == "INTERLACE_PLANE":
        return (1, 2, 0), colour and shape[0] in (3, 4)
    if rank == 3 and (interlace == "INTERLACE_PIXEL" or subclass == "IMAGE_TRUECOLOR"):
        return (0, 1, 2), colour and shape[2] in (3, 4)
    last = shape[-1]
    if subclass in ("IMAGE_GRAYSCALE", "IMAGE_BITMAP", "IMAGE_INDEXED") and last != 1:
        # a stack of grey images, however many of them: never read as colour channels
        return (rank - 2, rank - 1, None), False
    if rank == 3:
        if last in (3, 4):
            return (0, 1, 2), colour
        if shape[0] in (3, 4) and shape[1] > 4 and shape[2] > 4:
            return (1, 2, 0), colour
        if last == 1:
            return (0, 1, 2), False
        return (1, 2, None), False
    if last in (1, 3, 4):
        return (rank - 3, rank - 2, rank - 1), colour and last != 1
    if shape[-3] in (3, 4) and shape[-2] > 4 and shape[-1] > 4:
        return (rank - 2, rank - 1, rank - 3), colour
    return (rank - 2, rank - 1, None), False


def default_table_axes(
    shape: tuple[int, ...], fields: tuple[str, ...], image_axes: tuple[int, int, int | None] | None
) -> tuple[int, int] | None:
    """Default (row axis, col axis) of the table of rank >= 2 data without fields: the image's axes."""
    rank = len(shape)
    if rank < 2 or fields:
        return None
    return (image_axes[0], image_axes[1]) if image_axes else (rank - 2, rank - 1)



def table_layout(
    shape: tuple[int, ...] | None, has_fields: bool, n_fields: int, default_axes: tuple[int, int] | None,
    axes: tuple[int, int] | None, path: str,
) -> tuple[int, int, int | None, int | None]:
    """(n_rows, n_cols, row axis, col axis) of the 2-D table of a dataset (axes None where absent)."""
    if shape is None:
        return 0, 0, None, None
    rank = len(shape)
    if rank == 0:
        return 1, (n_fields if has_fields else 1), None, None
    if has_fields:
        row = normalize_axis(axes[0], rank, path) if axes else 0
        return shape[row], n_fields, row, None
    if rank == 1:
        return shape[0], 1, 0, None
    ra, ca = axes if axes is not None else (default_axes or (rank - 2, rank - 1))
    ra, ca = normalize_axis(ra, rank, path), normalize_axis(ca, rank, path)
    if ra == ca:
        raise BadRequestError(f"table axes {axes} of {path} must be different axes")
    return shape[ra], shape[ca], ra, ca


def table_shape(info: PreviewInfo, axes: tuple[int, int] | None = None, index: tuple[int, ...] = ()) -> tuple[int, int]:
    """(rows, cols) of the table view of ``info``'s dataset (pure; ``index`` does not change it).

    1-D: one column (one per field for compound data); 2-D: rows x cols; N-D: ``axes`` (default
    ``info.table_axes``); compound N-D: rows along ``axes[0]`` (default 0), one column per field;
    scalar: 1 x 1 (or 1 x fields).
    """
    if info.kind in (EMPTY, UNREADABLE) or info.shape is None or info.size == 0:
        return 0, 0
    n_rows, n_cols, _, _ = table_layout(
        info.shape, bool(info.fields), len(info.fields), info.table_axes, axes, info.path
    )
    return n_rows, n_cols

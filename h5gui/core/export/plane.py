"""Which 2-D picture of a dataset an image export writes: the plane the preview shows.

* Given ``axes`` (rows, columns, channel or None; the preview's choice) and an index on every other
  axis, the plane is read and put channels last, whatever the dataset's order.
* Without ``axes``, the slice that ``index`` leaves is taken with the preview's default axes: a
  channels-first ``(3|4, h, w)`` picture (or what the HDF5 image attributes call ``INTERLACE_PLANE``)
  is written channels last, as the preview shows it in colour.
"""

from __future__ import annotations

from collections.abc import Sequence

import h5py
import numpy as np

from h5gui.core.errors import BadRequestError
from h5gui.core.preview.axes import full_index, normalize_axis
from h5gui.core.preview.choose import default_axes
from h5gui.core.preview.common import kind_of


def normalize_axes(axes: Sequence[int | None], rank: int, path: str) -> tuple[int, int, int | None]:
    """(rows, cols, channel or None) as axes 0 .. rank-1, all different (or :class:`BadRequestError`)."""
    if len(axes) not in (2, 3) or axes[0] is None or axes[1] is None:
        raise BadRequestError(f"image axes are ROWS,COLUMNS[,CHANNEL], not {tuple(axes)}")
    rows = normalize_axis(int(axes[0]), rank, path, "image axis")
    cols = normalize_axis(int(axes[1]), rank, path, "image axis")
    ch = axes[2] if len(axes) == 3 else None
    channel = None if ch is None else normalize_axis(int(ch), rank, path, "channel axis")
    used = [a for a in (rows, cols, channel) if a is not None]
    if len(set(used)) != len(used):
        raise BadRequestError(f"image axes {tuple(axes)} of {path} must be different axes")
    return rows, cols, channel


def plane_selection(shape: tuple[int, ...], axes: Sequence[int | None], index: Sequence[int],
                    path: str) -> tuple[tuple[int | slice, ...], tuple[int, ...], tuple[int, ...], str]:
    """(selection, transpose order, picture shape, ``path[i, :, :]`` for messages) of the plane on
    ``axes`` at ``index`` (one value per axis, those of the image axes ignored; missing ones are 0)."""
    rank = len(shape)
    rows, cols, channel = normalize_axes(axes, rank, path)
    free = [rows, cols] + ([channel] if channel is not None else [])
    idx = full_index(index, shape, free, path)
    sel = tuple(slice(None) if ax in free else idx[ax] for ax in range(rank))
    kept = sorted(free)  # the order the read returns them in
    order = tuple(kept.index(a) for a in free)
    where = path + "[" + ", ".join(":" if ax in free else str(idx[ax]) for ax in range(rank)) + "]"
    return sel, order, tuple(shape[a] for a in free), where


def channels_first(ds: h5py.Dataset, shape: tuple[int, ...]) -> bool:
    """Whether the preview shows a slice of ``shape`` of ``ds`` as a channels-first colour picture."""
    if len(shape) != 3:
        return False
    axes, rgb, _ = default_axes(ds, shape, kind_of(ds.dtype))
    return axes == (1, 2, 0) and rgb


def to_channels_last(a: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """``a`` with its axes in ``order`` (rows, cols[, channel])."""
    return np.ascontiguousarray(np.transpose(a, tuple(order))) if tuple(order) != tuple(range(a.ndim)) else a

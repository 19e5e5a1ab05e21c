"""NeXus: what silx and H5Web show first, read the same way here.

A NeXus file says what to show with attributes: ``default`` on the root (and on an ``NXentry``) names
the member to follow, down to an ``NXdata`` group; its ``signal`` names the dataset to show and its
``axes`` one axis dataset per dimension of the signal (``"."`` for none; ``AXIS_indices`` attributes
may map an axis to other dimensions). Axis datasets hold one value per point, or bin edges (one more).

:func:`nexus_info` finds all that from any group (or from the signal itself); :func:`signal_path`
is the hook of :func:`~h5gui.core.preview.choose.preview_info` (a group shows its signal);
:func:`read_nexus_plot` plots the signal against its axis values and :func:`read_nexus_image` gives
the image slice its calibrated axes (origin and step of rows and columns).
"""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from h5gui.core.errors import H5GuiError
from h5gui.core.h5 import files, links
from h5gui.core.paths import join, normalize_path
from h5gui.core.preview import common
from h5gui.core.preview.records import ImageRequest, ImageSlice, PlotData

MAX_DEPTH = 8  # ``default`` links followed at most (a cycle stops there)
MAX_AXIS_VALUES = 10_000_000  # axis datasets read at most this long


@dataclass(frozen=True)
class NexusInfo:
    """An NXdata group: its signal and one axis dataset path (or None) per dimension of the signal."""

    group: str
    signal: str
    axes: tuple[str | None, ...]
    interpretation: str = ""
    title: str = ""


def attr_text(attrs: h5py.AttributeManager, name: str) -> str:
    """The attribute ``name`` as text, case kept, when it is one string, else ``''``."""
    return common.attr_text(attrs, name, keep_case=True)


def _strings(value: Any) -> list[str]:
    if isinstance(value, bytes | str):
        return [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in [value]]
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in np.atleast_1d(value)]


def _nxdata(f: h5py.File, path: str, file: str) -> h5py.Group | None:
    """The NXdata group ``path`` is, or leads to by ``default`` attributes; None when there is none."""
    try:
        obj = links.open_object(f, path, file)
    except H5GuiError:  # a dangling or external default is not followed
        return None
    for _ in range(MAX_DEPTH):
        if not isinstance(obj, h5py.Group):
            return None
        if attr_text(obj.attrs, "NX_class") == "NXdata" and attr_text(obj.attrs, "signal"):
            return obj
        target = attr_text(obj.attrs, "default")
        if not target:
            return None
        here = obj.name or "/"
        try:
            obj = links.open_object(f, normalize_path(target if target.startswith("/") else join(here, target)), file)
        except H5GuiError:  # as above
            return None
    return None


def _info(group: h5py.Group) -> NexusInfo | None:
    name = group.name or "/"
    signal = attr_text(group.attrs, "signal")
    ds = group.get(signal) if signal else None
    if not isinstance(ds, h5py.Dataset) or ds.shape is None:
        return None
    rank = len(ds.shape)
    axes: list[str | None] = [None] * rank
    names = _strings(group.attrs["axes"]) if "axes" in group.attrs else []
    if len(names) == 1 and ":" in names[0]:
        names = names[0].split(":")
    for i, axis in enumerate(names):
        if not axis or axis == ".":
            continue
        dims = [i]
        key = f"{axis}_indices"
        if key in group.attrs:
            dims = [int(v) for v in np.atleast_1d(group.attrs[key])]
        for d in dims:
            if 0 <= d < rank and isinstance(group.get(axis), h5py.Dataset):
                axes[d] = join(name, axis)
    interp = attr_text(ds.attrs, "interpretation") or attr_text(group.attrs, "interpretation")
    title = attr_text(group.attrs, "title")
    return NexusInfo(name, join(name, signal), tuple(axes), interp, title)


def nexus_info(file: str, path: str = "/") -> NexusInfo | None:
    """The NXdata group at ``path`` (a group that is one, leads to one by ``default``, or a dataset that
    is the signal of its NXdata group), or None."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        group = _nxdata(f, path, str(file))
        if group is None and path != "/":
            parent = _nxdata(f, posixpath.dirname(path) or "/", str(file))
            if parent is not None and join(parent.name or "/", attr_text(parent.attrs, "signal")) == path:
                group = parent
        return _info(group) if group is not None else None


def signal_path(file: str, path: str) -> str | None:
    """The signal dataset to show for ``path`` when it is a group with NeXus data (itself an NXdata
    group, or ``default`` attributes leading to one); None otherwise (a dataset, a plain group)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        try:
            obj = links.open_object(f, path, str(file))
        except H5GuiError:  # the caller reports a bad path itself
            return None
        if not isinstance(obj, h5py.Group):
            return None
        group = _nxdata(f, path, str(file))
        info = _info(group) if group is not None else None
        return info.signal if info is not None else None


def group_of_signal(ds: h5py.Dataset) -> str:
    """The NXdata group ``ds`` is the signal of (its parent), or ``''``."""
    parent = ds.parent
    if attr_text(parent.attrs, "NX_class") != "NXdata":
        return ""
    return (parent.name or "/") if posixpath.basename(ds.name or "") == attr_text(parent.attrs, "signal") else ""


def _axis_values(f: h5py.File, axis: str | None, n: int) -> np.ndarray | None:
    """One value per point of an axis of ``n`` points (bin edges become centres), or None."""
    if axis is None:
        return None
    ds = f.get(axis)
    if not isinstance(ds, h5py.Dataset) or ds.ndim != 1 or ds.dtype.kind not in "iuf" or ds.shape[0] > MAX_AXIS_VALUES:
        return None
    v = np.asarray(ds[()], dtype=np.float64)
    if v.size == n + 1:
        return (v[:-1] + v[1:]) / 2
    return v if v.size == n else None


def axis_label(f: h5py.File, axis: str) -> str:
    """``'two_theta (deg)'``: the axis's ``long_name``, else its name with ``units``."""
    ds = f[axis]
    long_name = attr_text(ds.attrs, "long_name")
    if long_name:
        return long_name
    units = attr_text(ds.attrs, "units")
    return posixpath.basename(axis) + (f" ({units})" if units else "")


def read_nexus_plot(file: str, path: str, **kw: Any) -> PlotData:
    """The plot of the signal of the NXdata at ``path`` against the values of its axis (indices when it
    has none); ``kw`` as :func:`~h5gui.core.preview.read_plot` (``axis``: the plotted dimension)."""
    from h5gui.core.preview.plot import read_plot

    info = nexus_info(file, path)
    target = info.signal if info is not None else normalize_path(path)
    data = read_plot(file, target, **kw)
    if info is None:
        return data
    with files.open_file(file) as f:
        shape = f[info.signal].shape or ()
        dim = int(kw.get("axis", -1)) % len(shape) if shape else 0
        values = _axis_values(f, info.axes[dim] if shape else None, shape[dim] if shape else 0)
        if values is None:
            return data
        label = axis_label(f, info.axes[dim] or "")
    x = np.interp(data.x, np.arange(values.size, dtype=np.float64), values)
    return dataclasses.replace(data, x=x, x_label=label)


def _scale(values: np.ndarray | None) -> tuple[float, float] | None:
    if values is None or values.size < 2:
        return None if values is None or values.size == 0 else (float(values[0]), 1.0)
    step = np.diff(values)
    if not np.allclose(step, step[0], rtol=1e-6, atol=0):
        return None  # not evenly spaced: no single scale
    return float(values[0]), float(step[0])


def read_nexus_image(file: str, path: str, request: ImageRequest, **kw: Any) -> ImageSlice:
    """The image slice of the signal of the NXdata at ``path`` with its calibrated axes: the origin
    and step of rows and columns from evenly spaced axis values (``row_scale``, ``col_scale``)."""
    from h5gui.core.preview.image import read_image

    info = nexus_info(file, path)
    target = info.signal if info is not None else normalize_path(path)
    s = read_image(file, target, request, **kw)
    if info is None:
        return s
    rows, cols = request.axes[0], request.axes[1]
    with files.open_file(file) as f:
        shape = f[info.signal].shape or ()
        out: dict[str, Any] = {}
        for key, dim in (("row", rows), ("col", cols)):
            axis = info.axes[dim] if dim < len(info.axes) else None
            scale = _scale(_axis_values(f, axis, shape[dim]))
            if scale is not None and axis is not None:
                out[f"{key}_scale"] = scale
                out[f"{key}_label"] = axis_label(f, axis)
    return dataclasses.replace(s, **out)

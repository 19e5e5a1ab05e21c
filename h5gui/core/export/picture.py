"""Export pictures: ``.png`` / ``.tif`` of ``(h, w)``, ``(h, w, 1|3|4)`` data, either with its raw values
(PNG: 8/16-bit grey, 8-bit colour; TIFF also 32-bit integers and floats; refused, saying what would
work, when the format cannot hold them exactly) or as an 8-bit picture mapped through ``levels`` and
a ``colormap``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from h5gui.core import imaging
from h5gui.core.colormaps import apply_colormap
from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError
from h5gui.core.export import plane
from h5gui.core.export.common import Opener, copy_rows, format_of, plain_dtype, source, target, writing
from h5gui.core.export.records import MAX_IMAGE_BYTES, ExportReport
from h5gui.core.h5.datasets import check_filters, dataset_at, dataset_dtype, read_selection
from h5gui.core.paths import normalize_path
from h5gui.core.preview.axes import element_count
from h5gui.core.preview.image import image_stats
from h5gui.core.progress import Job, Progress
from h5gui.core.text import shape_text


def check_image_shape(shape: tuple[int, ...], where: str, fmt: str) -> None:
    """Refuse a shape that is not one picture (``(h, w)``, ``(h, w, 1|3|4)``, none of them 0)."""
    ok = len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3, 4))
    if not ok or 0 in shape:
        raise BadRequestError(
            f"{where} has shape {shape_text(shape)}: not an image; {fmt.upper()} needs (height, width), "
            "(height, width, 3) or (height, width, 4) (give --index to pick a frame)"
        )


def _fits(a: np.ndarray, dt: np.dtype) -> bool:
    if a.size == 0:
        return True
    info = np.iinfo(dt)
    return bool(a.min() >= info.min and a.max() <= info.max)


def _raw_picture(a: np.ndarray, fmt: str, where: str, force: np.dtype | None = None) -> tuple[Any, str]:
    """(Pillow image, note) holding ``a``'s values exactly (or refuse, saying what would work).

    Integers keep their type where the format has it, else take the smallest type that holds every
    value (``force``: that type, so that every frame of a stack gets the same one)."""
    from PIL import Image

    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    rgb = a.ndim == 3
    dt = a.dtype
    note = ""
    if dt.kind == "b":
        if rgb:
            raise BadRequestError(f"{where}: colour images of booleans cannot be written; export .npy")
        return Image.fromarray(np.ascontiguousarray(a)), ""  # mode '1'
    if dt.kind == "c":
        raise BadRequestError(f"{where} holds complex numbers: give levels for an 8-bit picture, or export .npy")
    if rgb:
        if dt != np.uint8 and not (dt.kind in "iu" and _fits(a, np.dtype(np.uint8))):
            raise BadRequestError(f"{where}: colour {fmt.upper()} holds 8-bit values, not {dt}: give levels for an "
                                  "8-bit picture, or export .npy")
        return Image.fromarray(np.ascontiguousarray(a.astype(np.uint8, copy=False))), ""
    if dt.kind in "iu":
        allowed: list[np.dtype] = [np.dtype(np.uint8), np.dtype(np.uint16)]
        if fmt == "tif":
            allowed.append(np.dtype(np.int32))
        candidates: list[np.dtype] = [force] if force is not None else ([dt] if dt in allowed else []) + allowed
        for wanted in candidates:
            if dt == wanted or _fits(a, wanted):
                note = "" if dt == wanted else f"{dt} written as {wanted} (every value fits)"
                return Image.fromarray(np.ascontiguousarray(a.astype(wanted, copy=False))), note
        if fmt == "png":
            raise BadRequestError(f"{where}: PNG holds 8- or 16-bit values, and these {dt} values do not fit: "
                                  "export .tif, .npy, or give levels for an 8-bit picture")
        raise BadRequestError(f"{where}: TIFF holds 32-bit integers, and these {dt} values do not fit: "
                              "export .npy, or give levels")
    if dt.kind == "f":
        if fmt == "png":
            raise BadRequestError(f"{where} holds {dt} values: PNG holds integers; export .tif (32-bit float) "
                                  "or .npy, or give levels for an 8-bit picture")
        f32 = a.astype(np.float32, copy=False)
        if dt != np.float32:
            exact = bool(np.array_equal(f32.astype(dt), a, equal_nan=True))
            note = f"{dt} written as float32" + (" (exactly)" if exact else " (rounded: TIFF via Pillow holds "
                                                                            "32-bit floats)")
        return Image.fromarray(np.ascontiguousarray(f32)), note
    raise BadRequestError(f"{where} holds {describe_dtype(dt)}: it cannot be written as a picture")


def levels_of(a: np.ndarray, levels: Any, rgb: bool) -> tuple[float, float]:
    """``(low, high)`` from ``levels``: two finite numbers, or ``'auto'`` (percentiles of ``a``)."""
    if isinstance(levels, str):
        if levels != "auto":
            raise BadRequestError(f"levels must be 'auto' or two numbers, not {levels!r}")
        data = np.abs(a) if a.dtype.kind == "c" else a
        return image_stats(data, rgb, (0.5, 99.5))[0]
    lo, hi = (float(v) for v in levels)
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        raise BadRequestError(f"levels must be two finite numbers, low < high, not {lo:g}, {hi:g}")
    return lo, hi


def log_scaled(a: np.ndarray, levels: Any, where: str) -> tuple[np.ndarray, Any]:
    """``a`` and ``levels`` (values, or 'auto') on a log10 scale, as the preview's log view draws them:
    values <= 0 are blank."""
    if a.dtype.kind not in "iuf" or a.dtype.names is not None:
        raise BadRequestError(f"{where}: a log scale applies to real numbers, not {describe_dtype(a.dtype)}")
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.log10(np.where(a > 0, a.astype(np.float64), np.nan))
    if levels is None or isinstance(levels, str):
        return logged, "auto"
    lo, hi = (float(v) for v in levels)
    if not 0 < lo < hi:
        raise BadRequestError(f"levels on a log scale must be 0 < low < high, not {lo:g}, {hi:g}")
    return logged, (float(np.log10(lo)), float(np.log10(hi)))


COMPLEX_PARTS = ("abs", "phase", "real", "imag")


def complex_part(a: np.ndarray, part: str) -> np.ndarray:
    """The ``part`` of complex ``a`` the preview shows (``abs``, ``phase``, ``real``, ``imag``)."""
    if part not in COMPLEX_PARTS:
        raise BadRequestError(f"unknown complex part {part!r} (one of {', '.join(COMPLEX_PARTS)})")
    if part == "abs":
        return np.abs(a)
    if part == "phase":
        return np.angle(a)
    return np.asarray(a.real if part == "real" else a.imag)


def to_picture(a: np.ndarray, fmt: str, where: str, levels: Any, colormap: str | None,
             fixed: tuple[float, float] | None = None, force: np.dtype | None = None,
             log: bool = False, part: str = "abs") -> tuple[Any, str, str]:
    """(Pillow image, dtype written, note) of the array ``a`` (already checked to be an image); ``log``:
    an 8-bit picture of log10 of the values, ``levels`` in values; ``part``: of complex values."""
    from PIL import Image

    if a.dtype.kind == "c" and (levels is not None or colormap is not None or log):
        a = complex_part(a, part)

    if log:
        if a.ndim == 3 and a.shape[2] != 1:
            raise BadRequestError(f"{where} is a colour image: a log scale applies to grey images only")
        a, levels = log_scaled(a, levels, where)
        img, written, note = to_picture(a, fmt, where, levels, colormap, fixed, force)
        return img, written, note.replace("levels ", "log10 levels ", 1)
    if levels is None and colormap is None:
        img, note = _raw_picture(a, fmt, where, force)
        return img, str(np.asarray(img).dtype) if img.mode != "1" else "bool", note
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    rgb = a.ndim == 3
    if rgb and colormap not in (None, "grey", "gray"):
        raise BadRequestError(f"{where} is a colour image: a colormap applies to grey images only")
    if a.dtype.kind not in "iufbc" or a.dtype.names is not None:
        raise BadRequestError(f"{where} holds {describe_dtype(a.dtype)}: it cannot be written as a picture")
    lv = fixed if fixed is not None else levels_of(a, "auto" if levels is None else levels, rgb)
    data = np.abs(a) if a.dtype.kind == "c" else (a.astype(np.uint8) if a.dtype.kind == "b" else a)
    u8 = imaging.to_uint8(data, lv)
    if colormap is not None and not rgb:
        u8 = apply_colormap(u8, colormap)
    return Image.fromarray(np.ascontiguousarray(u8)), "uint8", f"8-bit, levels {lv[0]:g} to {lv[1]:g}" + (
        f", colormap {colormap}" if colormap else "")


def save_picture(img: Any, fh: Any, fmt: str) -> None:
    """Write the Pillow image ``img`` to the open file ``fh`` as PNG or TIFF."""
    img.save(fh, format="PNG" if fmt == "png" else "TIFF")


def export_image(file: str, path: str, out: str, *, index: Sequence[int] = (), levels: Any = None,
                 colormap: str | None = None, overwrite: bool = False, allow_external: bool = False,
                 axes: Sequence[int | None] | None = None, log: bool = False,
                 complex_part: str = "abs", opener: Opener | None = None) -> Job[ExportReport]:
    """Job: the picture ``ds[index]`` to ``.png`` / ``.tif``; a channels-first ``(3|4, h, w)`` slice is
    written channels last, as the preview shows it. ``axes`` (rows, columns, channel or None): the
    plane on those axes instead, at ``index`` on every other axis (:mod:`~.plane`: what the preview shows).
    ``log``: an 8-bit picture of log10 of the values (the preview's log scale; ``levels`` in values).
    ``complex_part``: what an 8-bit picture shows of complex values (abs, phase, real, imag).

    ``levels=None`` and no ``colormap``: raw values (refused, with what would work, when the format
    cannot hold them exactly). ``levels=(low, high)`` or ``'auto'`` (percentiles 0.5-99.5, like the
    preview): an 8-bit picture, through ``colormap`` (one of :data:`COLORMAPS`) for grey data; a
    colormap without levels uses ``'auto'``.
    """
    file = str(file)
    path = normalize_path(path)
    final, partial = target(out, overwrite)
    fmt = format_of(final)
    if fmt not in ("png", "tif"):
        raise BadRequestError(f"{final} is not a .png or .tif file")
    if axes is not None:
        return (yield from _export_plane(file, path, final, partial, fmt, index, axes, levels, colormap, overwrite,
                                         allow_external, log, complex_part, opener))
    with source(file, path, index, allow_external, opener) as src:
        shape, where = src.shape, src.where
        chw = plane.channels_first(src.ds, shape)
        check_image_shape((*shape[1:], shape[0]) if chw else shape, where, fmt)
        dt = dataset_dtype(src.ds, path)
        if element_count(shape) * dt.itemsize > MAX_IMAGE_BYTES:
            raise BadRequestError(f"{where} is too large for one picture ({shape_text(shape)})")
        a = np.empty(shape, dtype=plain_dtype(dt) if dt.names is None else dt)
        yield from copy_rows(src, a)
        if chw:
            a = plane.to_channels_last(a, (1, 2, 0))
            shape = a.shape
        img, written, note = to_picture(a, fmt, where, levels, colormap, log=log, part=complex_part)
        with writing(final, partial, overwrite), open(partial, "wb") as fh:
            save_picture(img, fh, fmt)
        return ExportReport(file, path, final, fmt, shape, written, 1, os.path.getsize(final), note)


def _export_plane(file: str, path: str, final: str, partial: str, fmt: str, index: Sequence[int],
                  axes: Sequence[int | None], levels: Any, colormap: str | None, overwrite: bool,
                  allow_external: bool, log: bool, part: str, opener: Opener | None) -> Job[ExportReport]:
    """:func:`export_image` of the plane on ``axes`` (one read: a picture is at most MAX_IMAGE_BYTES)."""
    with (opener or dataset_at)(file, path, allow_external) as (ds, path):
        check_filters(ds, path)
        if ds.shape is None or len(ds.shape) < 2:
            raise BadRequestError(f"{path} has {len(ds.shape or ())} dimension(s): not an image")
        sel, order, shape, where = plane.plane_selection(ds.shape, axes, index, path)
        check_image_shape(shape, where, fmt)
        dt = dataset_dtype(ds, path)
        if element_count(shape) * dt.itemsize > MAX_IMAGE_BYTES:
            raise BadRequestError(f"{where} is too large for one picture ({shape_text(shape)})")
        a = plane.to_channels_last(np.asarray(read_selection(ds, sel, path), dtype=plain_dtype(dt)), order)
        yield Progress(a.nbytes, a.nbytes, "bytes", f"exporting {where}", nbytes=a.nbytes)
        img, written, note = to_picture(a, fmt, where, levels, colormap, log=log, part=part)
        with writing(final, partial, overwrite), open(partial, "wb") as fh:
            save_picture(img, fh, fmt)
        return ExportReport(file, path, final, fmt, shape, written, 1, os.path.getsize(final), note)

"""A page of samples of an image stack or of encoded images (:func:`sample_grid`) and the picture of
a page (:func:`contact_sheet`)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core import imaging, preview
from h5gui.core.errors import BadRequestError, UnreadableError
from h5gui.core.h5 import files, links, safety
from h5gui.core.h5.datasets import hard_sibling
from h5gui.core.labels import class_names_of, labels_beside
from h5gui.core.paths import normalize_path
from h5gui.core.preview.axes import image_axes
from h5gui.core.preview.common import kind_of
from h5gui.core.progress import Job, Progress
from h5gui.core.samples.records import ORDERS, Sample, SampleGrid, SampleSpec

MAX_SAMPLES = 1024  # thumbnails of one page at most
MAX_SAMPLE_ELEMS = 64 * 2**20  # values of one sample read at most
CAPTION = 14  # pixels below each thumbnail of a contact sheet


def _indices(spec: SampleSpec, total: int) -> list[int]:
    if spec.order == "random":
        k = min(spec.n, total)
        return sorted(int(i) for i in np.random.default_rng(spec.seed).choice(total, size=k, replace=False))
    start = spec.start + total if spec.start < 0 else spec.start
    if not 0 <= start < max(total, 1):
        raise BadRequestError(f"start {spec.start} is out of range: the dataset has {total:,} samples")
    return list(range(start, min(start + spec.n, total)))


def _check(spec: SampleSpec) -> None:
    if spec.order not in ORDERS:
        raise BadRequestError(f"unknown order {spec.order!r}: use {' or '.join(ORDERS)}")
    if not 1 <= spec.n <= MAX_SAMPLES:
        raise BadRequestError(f"a page holds 1 to {MAX_SAMPLES} samples, not {spec.n}")
    if not 8 <= spec.size <= 1024:
        raise BadRequestError(f"thumbnails are 8 to 1024 pixels, not {spec.size}")


def _labels(f: h5py.File, ds: h5py.Dataset, spec: SampleSpec) -> h5py.Dataset | None:
    if spec.labels == "":
        return None
    if spec.labels is None:
        return labels_beside(ds)
    obj = links.open_object(f, normalize_path(spec.labels), str(spec.file))
    if not isinstance(obj, h5py.Dataset) or obj.ndim != 1 or obj.dtype.kind not in "iu" or \
            obj.shape[0] != (ds.shape or (0,))[0]:
        raise BadRequestError(f"{spec.labels} is not a labels dataset of {ds.name} (one integer per sample)")
    return obj


def _thumbnail(a: np.ndarray, size: int) -> np.ndarray:
    """``a`` (uint8) fitted in ``size`` x ``size``: shrunk smoothly, or enlarged by a whole factor (pixels stay sharp)."""
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(a))
    h, w = a.shape[:2]
    if max(h, w) > size:
        img.thumbnail((size, size), Image.Resampling.BILINEAR)
    elif max(h, w) * 2 <= size:
        k = size // max(h, w)
        img = img.resize((w * k, h * k), Image.Resampling.NEAREST)
    return np.asarray(img)


def _levels(frames: Sequence[np.ndarray]) -> tuple[float, float]:
    """One mapping to 8 bits for the whole page: percentiles 0.5 and 99.5 of its finite values."""
    values = np.concatenate([f.ravel()[:: max(1, f.size // 100_000)] for f in frames if f.size]).astype(np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 1.0
    lo, hi = np.percentile(values, (0.5, 99.5))
    return float(lo), float(hi) if hi > lo else float(lo) + 1.0


def sample_grid(spec: SampleSpec) -> Job[SampleGrid]:
    """Job: a page of thumbnails of ``spec.path`` with their indices, labels and class names.

    Stacks of pictures of any rank (``(N, H, W)``, ``(N, H, W, C)``, ``(N, C, H, W)``...: the picture of
    each sample is the image view's default) and encoded images (one file's bytes per element) alike.
    Values other than uint8 are mapped to 8 bits with one range for the page (its 0.5-99.5 percentiles).
    Yields ``Progress(done, n, 'samples')``; a corrupt encoded image gives a sample with ``error`` set.

    Raises
    ------
    BadRequestError
        Not a stack of pictures or of encoded images; a bad page (``n``, ``size``, ``start``, ``labels``).
    NodeNotFoundError, FileAccessError, UnsafeAccessError, FilterUnavailableError
        The data cannot be read.
    """
    _check(spec)
    path = normalize_path(spec.path)
    with files.open_file(spec.file) as f:
        ds = links.open_object(f, path, str(spec.file))
        if not isinstance(ds, h5py.Dataset):
            raise BadRequestError(f"{path} in {spec.file} is not a dataset")
        safety.check_data_access(ds, str(spec.file), spec.allow_external)
        preview.check_filters(ds, path)
        shape = tuple(ds.shape or ())
        vlen = h5py.check_vlen_dtype(ds.dtype)
        encoded = len(shape) == 1 and vlen is not None and np.dtype(vlen) == np.uint8
        axes: tuple[int, int, int | None] | None = None
        if not encoded:
            kind = kind_of(ds.dtype)
            if len(shape) >= 3:
                image = preview.attr_text(ds.attrs, "CLASS") == "IMAGE"
                axes, _ = image_axes(shape[1:], kind, preview.attr_text(ds.attrs, "INTERLACE_MODE") if image else "",
                                     preview.attr_text(ds.attrs, "IMAGE_SUBCLASS") if image else "")
            if axes is None:
                raise BadRequestError(f"{path} {shape} is not a stack of pictures (N, H, W[, C]) or of encoded images")
            per = math.prod(shape[1:])
            if per > MAX_SAMPLE_ELEMS:
                raise BadRequestError(f"one sample of {path} has {per:,} values: too many for a thumbnail")
        total = shape[0] if shape else 0
        idx = _indices(spec, total) if total else []
        labels_ds = _labels(f, ds, spec)
        labels = labels_ds[idx] if labels_ds is not None and idx else np.zeros(0, dtype=np.int64)
        names = class_names_of(labels_ds, ds) if labels_ds is not None else ()
        labels_name = labels_ds.name if labels_ds is not None else ""
        fn = hard_sibling(ds, "filenames")
        filenames = fn.asstr()[idx] if isinstance(fn, h5py.Dataset) and fn.shape == (total,) and \
            fn.dtype.kind in "OS" and idx else None
        frames: list[np.ndarray | None] = []
        errors: list[str] = []
        for k, i in enumerate(idx):
            yield Progress(k, len(idx), "samples", "Reading samples")
            try:
                frames.append(_decode(ds[i], path, i) if encoded else _picture(ds[i], axes))
                errors.append("")
            except UnreadableError as exc:
                frames.append(None)
                errors.append(str(exc))
    ok = [a for a in frames if a is not None]
    note = ""
    levels = (0.0, 255.0)
    if any(a.dtype != np.uint8 for a in ok):
        levels = _levels(ok)
        note = f"values {levels[0]:.4g} .. {levels[1]:.4g} shown as 0 .. 255"
    samples = []
    for k, i in enumerate(idx):
        a = frames[k]
        label = int(labels[k]) if len(labels) else None
        name = names[label] if label is not None and 0 <= label < len(names) else ""
        thumb = _thumbnail(imaging.to_uint8(a, levels), spec.size) if a is not None else np.zeros((0, 0), np.uint8)
        samples.append(Sample(i, thumb, label, name, str(filenames[k]) if filenames is not None else "", errors[k]))
    return SampleGrid(str(spec.file), path, total, tuple(samples), labels_name, names, note)


def _decode(data: Any, path: str, i: int) -> np.ndarray:
    a, _ = imaging.decode_image(np.asarray(data, dtype=np.uint8), name=f"{path}[{i}]")
    return a


def _picture(sample: np.ndarray, axes: tuple[int, int, int | None] | None) -> np.ndarray:
    """The 2-D picture of one sample: rows, columns (and channels) in that order, other axes at 0."""
    assert axes is not None
    r, c, ch = axes
    keep = [r, c] + ([ch] if ch is not None else [])
    a = np.asarray(sample)
    a = np.moveaxis(a, keep, range(a.ndim - len(keep), a.ndim))
    while a.ndim > len(keep):
        a = a[0]
    if ch is not None and a.shape[-1] not in (3, 4):
        a = a[..., 0]  # one channel (or 2): shown grey
    if a.dtype == np.bool_:
        a = a.astype(np.uint8) * 255
    if a.dtype.kind == "c":
        a = np.abs(a)
    return a


def contact_sheet(grid: SampleGrid, columns: int = 0, size: int = 0) -> np.ndarray:
    """A page as one RGB picture: thumbnails in ``columns`` columns (default: about square), each in a
    ``size`` cell (default: the largest thumbnail) with its caption (index and class) below."""
    from PIL import Image, ImageDraw

    n = len(grid.samples)
    cols = columns or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    cell = size or max((max(s.image.shape[:2]) for s in grid.samples if s.image.size), default=32)
    cell = max(cell, 48)
    sheet = Image.new("RGB", (cols * (cell + 4), rows * (cell + CAPTION + 4)), (40, 40, 40))
    draw = ImageDraw.Draw(sheet)
    for k, s in enumerate(grid.samples):
        x0, y0 = (k % cols) * (cell + 4) + 2, (k // cols) * (cell + CAPTION + 4) + 2
        if s.image.size:
            pic = Image.fromarray(s.image).convert("RGB")
            sheet.paste(pic, (x0 + (cell - pic.width) // 2, y0 + (cell - pic.height) // 2))
        else:
            draw.text((x0 + 2, y0 + cell // 2), "unreadable", fill=(230, 90, 90))
        draw.text((x0 + 1, y0 + cell + 1), s.caption[: max(4, cell // 6)], fill=(235, 235, 235))
    return np.asarray(sheet)


def save_sheet(grid: SampleGrid, out: str, columns: int = 0) -> str:
    """Write the page ``grid`` as a contact sheet PNG ``out`` (what ``h5gui-cli samples --out`` writes);
    returns ``out``."""
    from h5gui.core.export.shown import save_png

    if os.path.splitext(out)[1].lower() != ".png":
        raise BadRequestError(f"the contact sheet is a .png file, not {os.path.basename(out)!r}")
    save_png(contact_sheet(grid, columns=columns), out)
    return out

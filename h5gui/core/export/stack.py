"""Export a stack ``(n, h, w[, c])`` to a folder of pictures, one per frame, named after the stack's
``filenames`` dataset when it has one (what the image import writes), so that importing the folder
again gives back the same pixels; a dataset of encoded images (the import's "encoded" layout) gives
back the original files byte for byte. Written into ``FOLDER.partial/`` and renamed when complete."""

from __future__ import annotations

import logging
import os
import posixpath
import shutil
from collections.abc import Iterator
from typing import Any

import h5py
import numpy as np

from h5gui.core import imaging
from h5gui.core.errors import BadRequestError, FileAccessError, H5GuiError
from h5gui.core.export.common import Opener
from h5gui.core.export.picture import check_image_shape, levels_of, save_picture, to_picture
from h5gui.core.export.records import BLOCK_BYTES, MAX_IMAGE_BYTES, ExportReport
from h5gui.core.h5 import staging
from h5gui.core.h5.datasets import check_filters, dataset_at, dataset_dtype, hard_sibling, read_selection
from h5gui.core.paths import normalize_path
from h5gui.core.preview.axes import element_count
from h5gui.core.preview.common import decode_text
from h5gui.core.progress import Job, Progress
from h5gui.core.text import shape_text

log = logging.getLogger(__name__)


def _safe_relpath(name: str) -> str | None:
    """``name`` as a relative path inside the folder, or None when it could leave it or is odd."""
    name = name.replace("\\", "/").strip()
    if not name or name.startswith("/") or "\x00" in name:
        return None
    parts = name.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    if os.path.isabs(name) or (len(name) > 1 and name[1] == ":"):
        return None
    return posixpath.join(*parts)


def sibling_names(ds: h5py.Dataset, n: int) -> list[str] | None:
    """The strings of a ``filenames`` dataset beside ``ds`` (a hard link in the same group: no link is
    followed) when it has one per frame, else None."""
    try:
        names_ds = hard_sibling(ds, "filenames")
        if names_ds is None or getattr(names_ds, "shape", None) != (n,) or \
                h5py.check_string_dtype(names_ds.dtype) is None:
            return None
        return [decode_text(v) for v in names_ds[()]]
    except Exception:  # unreadable names: numbered files instead
        log.debug("cannot read the file names beside %s", ds.name, exc_info=True)
        return None


def _frame_names(ds: h5py.Dataset, n: int, ext: str) -> tuple[list[str], str]:
    """File names of the frames: from a ``filenames`` dataset beside the stack, else ``name_0001``."""
    stem = posixpath.basename(ds.name) or "image"
    width = max(4, len(str(max(0, n - 1))))
    fallback = [f"{stem}_{i:0{width}d}{ext}" for i in range(n)]
    raw = sibling_names(ds, n)
    if raw is None:
        return fallback, ""
    names: list[str] = []
    for text in raw:
        rel = _safe_relpath(text)
        if rel is None:
            return fallback, "file names in 'filenames' are not safe to use: numbered names used"
        root, old_ext = posixpath.splitext(rel)
        names.append(rel if old_ext.lower() == ext or (ext == ".tif" and old_ext.lower() == ".tiff") else root + ext)
    if len(set(names)) != len(names):
        return fallback, "file names in 'filenames' repeat once the extension changes: numbered names used"
    return names, "names from 'filenames'"


def _is_encoded(ds: h5py.Dataset, dt: np.dtype) -> bool:
    vlen = h5py.check_vlen_dtype(dt)
    return vlen is not None and np.dtype(vlen) == np.uint8 and ds.shape is not None and len(ds.shape) == 1


def _target_folder(out: str | os.PathLike[str]) -> tuple[str, str]:
    final = os.path.abspath(os.path.expanduser(str(out).rstrip("/" + os.sep) or str(out)))
    if os.path.exists(final) and not os.path.isdir(final):
        raise BadRequestError(f"{final} is a file: give a folder name for a stack of images")
    if os.path.isdir(final) and _not_empty(final):
        raise BadRequestError(f"{final} is not empty: give a new or empty folder (nothing is overwritten)")
    if not os.path.isdir(os.path.dirname(final)):
        raise FileAccessError(f"No such folder: {os.path.dirname(final)}")
    partial = str(staging.partial_name(final))
    if os.path.lexists(partial):
        raise FileAccessError(f"{partial} exists (an export to {final} is running or was interrupted): remove it")
    return final, partial


def export_stack(file: str, path: str, folder: str, *, format: str = "png", levels: Any = None,
                 colormap: str | None = None, allow_external: bool = False,
                 opener: Opener | None = None) -> Job[ExportReport]:
    """Job: every frame ``ds[i]`` of a stack ``(n, h, w[, c])`` as one picture in ``folder``.

    Pictures are named after the ``filenames`` dataset beside the stack (what the image import
    writes; the extension follows ``format``) or ``<dataset>_0000.png`` ...; importing the folder
    again gives back the same pixels (raw values; see :func:`export_image` for what each format
    holds). A dataset of encoded images (variable-length bytes, the import's "encoded" layout) gives
    back the original files byte for byte. ``levels='auto'`` takes one pair of levels for the whole
    stack (from a sample of frames). Written into ``FOLDER.partial/`` and renamed when complete.
    ``opener``: how the dataset is opened (default: the local file; see :func:`~.common.source`).
    """
    file = str(file)
    path = normalize_path(path)
    fmt = "tif" if format in ("tif", "tiff") else format
    if fmt not in ("png", "tif"):
        raise BadRequestError(f"unknown picture format {format!r}: use png or tif")
    ext = "." + fmt
    final, partial = _target_folder(folder)
    with (opener or dataset_at)(file, path, allow_external) as (ds, path):
        check_filters(ds, path)
        dt = dataset_dtype(ds, path)
        shape: tuple[int, ...] = ds.shape or ()
        encoded = _is_encoded(ds, dt)
        if not encoded:
            if len(shape) < 3:
                raise BadRequestError(f"{path} has shape {shape_text(shape)}: not a stack of images; "
                                      "a stack is (frames, height, width[, channels]) (export one picture as .png)")
            check_image_shape(tuple(shape[1:]), f"{path}[0]", fmt)
        n = shape[0]
        if n == 0:
            raise BadRequestError(f"{path} has no frames (shape {shape_text(shape)}): nothing to export")
        written = 0
        note = ""
        os.mkdir(partial)
        try:
            if encoded:
                yield from _write_encoded(ds, path, partial, n)
                dtype_out = "encoded"
                note = "the stored files, byte for byte"
            else:
                names, note = _frame_names(ds, n, ext)
                frame_bytes = element_count(shape[1:]) * dt.itemsize
                if frame_bytes > MAX_IMAGE_BYTES:
                    raise BadRequestError(f"{path}: one frame is too large for a picture ({shape_text(shape[1:])})")
                fixed = _stack_levels(ds, path, levels, len(shape) == 4 and shape[3] in (3, 4)) \
                    if levels is not None or colormap is not None else None
                step = max(1, BLOCK_BYTES // max(1, frame_bytes))
                dtype_out = ""
                force: np.dtype | None = None  # every frame as the first one
                for a in range(0, n, step):
                    block = np.asarray(read_selection(ds, slice(a, min(n, a + step)), path))
                    if h5py.check_enum_dtype(dt) is not None:
                        block = block.astype(dt.str, copy=False)
                    for k, frame in enumerate(block):
                        i = a + k
                        img, dtype_out, pnote = to_picture(frame, fmt, f"{path}[{i}]", levels, colormap, fixed, force)
                        if force is None and levels is None and colormap is None and dtype_out != "bool":
                            force = np.dtype(dtype_out)
                        target = os.path.join(partial, *names[i].split("/"))
                        os.makedirs(os.path.dirname(target), exist_ok=True)
                        with open(target, "wb") as fh:
                            save_picture(img, fh, fmt)
                        written += os.path.getsize(target)
                        if pnote and pnote not in note:
                            note = f"{note}; {pnote}" if note else pnote
                        yield Progress(i + 1, n, "images", f"exporting {path}", nbytes=written)
            if os.path.isdir(final):
                os.rmdir(final)  # empty (checked above)
            os.rename(partial, final)
        except BaseException as exc:
            shutil.rmtree(partial, ignore_errors=True)
            if isinstance(exc, OSError) and not isinstance(exc, H5GuiError):
                raise FileAccessError(f"cannot write {final}: {exc.strerror or exc}") from exc
            raise
    total = sum(e.stat().st_size for e in _walk_files(final))
    count = sum(1 for _ in _walk_files(final))
    return ExportReport(file, path, final, "folder", tuple(shape), dtype_out, count, total, note)


def _not_empty(folder: str) -> bool:
    with os.scandir(folder) as it:
        return any(True for _ in it)


def _walk_files(folder: str) -> Iterator[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        entries = list(it)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk_files(entry.path)
        else:
            yield entry


def _stack_levels(ds: h5py.Dataset, path: str, levels: Any, rgb: bool) -> tuple[float, float]:
    if levels is not None and not isinstance(levels, str):
        return levels_of(np.zeros(1), levels, rgb)
    n = ds.shape[0]
    picks = sorted(set(np.linspace(0, n - 1, min(n, 16)).round().astype(int).tolist()))
    sample = np.stack([np.asarray(read_selection(ds, i, path)) for i in picks])
    return levels_of(sample, "auto", rgb)


def _write_encoded(ds: h5py.Dataset, path: str, partial: str, n: int) -> Iterator[Progress]:
    names = sibling_names(ds, n)
    width = max(4, len(str(max(0, n - 1))))
    used: set[str] = set()
    written = 0
    for a in range(0, n, 256):
        block = read_selection(ds, slice(a, min(n, a + 256)), path)
        for k, data in enumerate(block):
            i = a + k
            raw = np.asarray(data, dtype=np.uint8).tobytes()
            fmt = imaging.sniff_format(raw)
            ext = {"JPEG": ".jpg", "TIFF": ".tif"}.get(fmt, "." + fmt.lower() if fmt else ".bin")
            rel = _safe_relpath(names[i]) if names else None
            if rel is None or rel in used:
                rel = f"{posixpath.basename(ds.name)}_{i:0{width}d}{ext}"
            used.add(rel)
            target = os.path.join(partial, *rel.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(raw)
            written += len(raw)
            yield Progress(i + 1, n, "images", f"exporting {path}", nbytes=written)

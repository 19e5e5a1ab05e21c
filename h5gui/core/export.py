"""Export a dataset, a slice of it or a whole stack to files other programs read.

* ``.npy``: any numeric, boolean, compound (without references) or string data, written in blocks;
* ``.csv`` / ``.tsv`` (``.txt``: blanks): 1-D and 2-D data, a header row for compound fields;
* ``.png`` / ``.tif``: an image ``(h, w)``, ``(h, w, 1)``, ``(h, w, 3)`` or ``(h, w, 4)``, either with
  its raw values (PNG: 8/16-bit grey, 8-bit colour; TIFF also 32-bit integers and floats) or as an
  8-bit picture mapped through ``levels`` and a ``colormap``;
* a folder of images: every frame of a stack ``(n, h, w[, c])`` as one picture, named after the
  stack's ``filenames`` dataset when it has one (what the image import writes), so that importing
  the folder again gives back the same pixels; a dataset of encoded images (the import's "encoded"
  layout) gives back the original files byte for byte;
* ``.h5`` (and other HDF5 extensions): a group or dataset into a new HDF5 file
  (:func:`h5gui.core.structure.export_hdf5`).

``index`` picks a slice: integers fixing the leading axes (``(5,)`` is frame 5 of a stack).

Every export is a job (it yields :class:`Progress`) that writes ``OUT.partial`` (a folder:
``OUT.partial/``) and renames it when complete; cancelling removes it. An existing ``OUT`` is never
overwritten unless ``overwrite`` (an existing folder must be empty).
"""

from __future__ import annotations

import contextlib
import csv
import os
import posixpath
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from h5gui.core import imaging, preview, structure
from h5gui.core.colormaps import COLORMAPS, apply_colormap
from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError, FileAccessError, H5GuiError
from h5gui.core.h5 import files, links, safety, staging
from h5gui.core.paths import join, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.text import shape_text

__all__ = [
    "COLORMAPS",
    "ExportReport",
    "FORMATS",
    "apply_colormap",
    "export",
    "export_array",
    "export_image",
    "export_stack",
    "export_table",
    "format_of",
]

ARRAY_EXTENSIONS = (".npy",)
TABLE_EXTENSIONS = (".csv", ".tsv", ".txt")
IMAGE_EXTENSIONS = (".png", ".tif", ".tiff")
FORMATS = ("npy", "csv", "png", "tif", "hdf5", "folder")
BLOCK_BYTES = 32 * 2**20
MAX_IMAGE_BYTES = 2**31  # one exported picture is read whole: refuse beyond this
MAX_STRING_BYTES = 256 * 2**20  # string data is converted in memory


@dataclass(frozen=True, slots=True)
class ExportReport:
    file: str
    path: str
    out: str
    format: str  # one of FORMATS
    shape: tuple[int, ...]  # of what was exported (a stack: of the whole stack)
    dtype: str  # numpy dtype written ('uint8' for 8-bit pictures)
    count: int = 1  # files written
    nbytes: int = 0  # bytes written
    note: str = ""  # e.g. 'float64 written as float32 (TIFF holds 32-bit floats)'


# ---------------------------------------------------------------------------------------------
# helpers


def format_of(out: str | os.PathLike[str]) -> str:
    """The export format of ``out``, from its extension: a name without one (or ending in ``/``, or an
    existing folder) is a folder of images."""
    text = str(out)
    if text.endswith(("/", os.sep)) or os.path.isdir(text):
        return "folder"
    ext = os.path.splitext(text)[1].lower()
    if ext in ARRAY_EXTENSIONS:
        return "npy"
    if ext in TABLE_EXTENSIONS:
        return "csv"
    if ext == ".png":
        return "png"
    if ext in (".tif", ".tiff"):
        return "tif"
    if ext in structure.HDF5_EXTENSIONS:
        return "hdf5"
    if not ext:
        return "folder"
    raise BadRequestError(
        f"cannot export to {ext} files: use .npy, .csv, .tsv, .png, .tif, .h5 or a folder name (a stack of images)"
    )


def _target(out: str | os.PathLike[str], overwrite: bool) -> tuple[str, str]:
    final = os.path.abspath(os.path.expanduser(str(out)))
    if os.path.isdir(final):
        raise BadRequestError(f"{final} is a folder: give a file name")
    if os.path.lexists(final) and not overwrite:
        raise BadRequestError(f"{final} exists: choose another name (nothing is overwritten)")
    parent = os.path.dirname(final)
    if not os.path.isdir(parent):
        raise FileAccessError(f"No such folder: {parent}")
    return final, str(staging.partial_name(final))


@contextlib.contextmanager
def _writing(final: str, partial: str, overwrite: bool) -> Iterator[None]:
    """Claim ``partial`` (refusing a second writer), remove it unless the block completes, then move it
    to ``final``."""
    claim = staging.PartialFile(final, overwrite=overwrite)
    assert claim.path == partial
    try:
        with claim:
            yield
            claim.publish()
    except OSError as exc:
        raise FileAccessError(f"cannot write {final}: {exc.strerror or exc}") from exc


def _selection(ds: h5py.Dataset, index: Sequence[int], path: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(normalized index, shape of ``ds[index]``)."""
    shape = ds.shape
    if shape is None:
        raise BadRequestError(f"{path} is empty (no dataspace): nothing to export")
    index = tuple(int(i) for i in index)
    if len(index) > len(shape):
        raise BadRequestError(f"{path} has {len(shape)} axes: --index gives {len(index)} values")
    norm = []
    for axis, (i, n) in enumerate(zip(index, shape, strict=False)):
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise BadRequestError(f"index {i} is out of range for axis {axis} of {path} (size {n})")
        norm.append(j)
    return tuple(norm), tuple(shape[len(norm):])


def _open(f: h5py.File, file: str, path: str, allow_external: bool) -> h5py.Dataset:
    obj = links.open_object(f, path, file)
    if not isinstance(obj, h5py.Dataset):
        raise BadRequestError(f"{path} in {file} is not a dataset")
    safety.check_data_access(obj, file, allow_external)
    preview.check_filters(obj, path)
    return obj


def _where(path: str, index: Sequence[int]) -> str:
    return path + (f"[{', '.join(map(str, index))}]" if index else "")


# ---------------------------------------------------------------------------------------------
# .npy


def _npy_dtype(dt: np.dtype, path: str) -> np.dtype | None:
    """The dtype written to .npy (None: strings, converted to unicode first)."""
    if h5py.check_string_dtype(dt) is not None:
        return None
    if h5py.check_ref_dtype(dt) is not None or h5py.check_vlen_dtype(dt) is not None:
        raise BadRequestError(f"{path} holds {describe_dtype(dt)}: it cannot be written to .npy")
    if dt.names is not None and any(dt.fields[n][0].kind == "O" for n in dt.names):
        raise BadRequestError(f"{path} holds variable-length or reference fields: it cannot be written to .npy")
    if dt.kind == "O":
        raise BadRequestError(f"{path} holds {describe_dtype(dt)}: it cannot be written to .npy")
    return _plain(dt)


def _plain(dt: np.dtype) -> np.dtype:
    """``dt`` without h5py's metadata (enum members, string encodings), which .npy cannot hold."""
    if dt.names is not None:
        return np.dtype({"names": list(dt.names), "formats": [_plain(dt.fields[n][0]) for n in dt.names],
                         "offsets": [dt.fields[n][1] for n in dt.names], "itemsize": dt.itemsize})
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        return np.dtype((_plain(base), shape))
    return np.dtype(dt.str)


def _strings(data: Any) -> np.ndarray:
    arr = np.asarray(data, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        v = arr[idx]
        out[idx] = v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
    return out.astype(str) if out.size else np.zeros(arr.shape, dtype="U1")


def export_array(file: str, path: str, out: str, *, index: Sequence[int] = (), overwrite: bool = False,
                 allow_external: bool = False) -> Job[ExportReport]:
    """Job: ``ds[index]`` to a ``.npy`` file, read and written in blocks."""
    file = str(file)
    path = normalize_path(path)
    final, partial = _target(out, overwrite)
    with files.open_file(file) as f:
        ds = _open(f, file, path, allow_external)
        idx, shape = _selection(ds, index, path)
        where = _where(path, idx)
        dt = preview.dataset_dtype(ds, path)
        npdt = _npy_dtype(dt, path)
        with _writing(final, partial, overwrite):
            if npdt is None:  # strings: converted in memory
                if ds.id.get_storage_size() > MAX_STRING_BYTES:
                    raise BadRequestError(f"{where} holds too many strings to export to .npy")
                data = _strings(preview.read_selection(ds, idx if idx else (), path))
                npdt = data.dtype
                with open(partial, "wb") as fh:
                    np.save(fh, data, allow_pickle=False)
                yield Progress(1, 1, "bytes", f"exporting {where}")
            else:
                mm = np.lib.format.open_memmap(partial, mode="w+", dtype=npdt, shape=shape)
                try:
                    yield from _copy_blocks(ds, idx, shape, mm, path, where, int(mm.nbytes))
                    mm.flush()
                finally:
                    del mm
    return ExportReport(file, path, final, "npy", shape, str(npdt), 1, os.path.getsize(final))


def _copy_blocks(ds: h5py.Dataset, idx: tuple[int, ...], shape: tuple[int, ...], out: np.ndarray, path: str,
                 where: str, total: int) -> Iterator[Progress]:
    if not shape:
        out[()] = preview.read_selection(ds, idx if idx else (), path)
        yield Progress(total, total, "bytes", f"exporting {where}", nbytes=total)
        return
    row = max(1, out[0].nbytes if shape[0] else 1)
    step = max(1, BLOCK_BYTES // row)
    for a in range(0, shape[0], step):
        b = min(shape[0], a + step)
        out[a:b] = preview.read_selection(ds, idx + (slice(a, b),), path)
        yield Progress(b * row, total, "bytes", f"exporting {where}", nbytes=b * row)


# ---------------------------------------------------------------------------------------------
# .csv / .tsv


def _delimiter(out: str, delimiter: str | None) -> str:
    if delimiter is not None:
        return delimiter
    ext = os.path.splitext(out)[1].lower()
    return {".tsv": "\t", ".txt": " "}.get(ext, ",")


def _cells(block: np.ndarray) -> np.ndarray:
    """Texts of a numeric block: shortest round-trip forms, booleans as 1/0."""
    if block.dtype.kind == "b":
        return block.astype(np.uint8).astype(str)
    if block.dtype.kind == "V":
        raise BadRequestError("opaque data cannot be written as text")
    return block.astype(str)


def export_table(file: str, path: str, out: str, *, index: Sequence[int] = (), delimiter: str | None = None,
                 overwrite: bool = False, allow_external: bool = False) -> Job[ExportReport]:
    """Job: 1-D or 2-D ``ds[index]`` as CSV (``.tsv``: tabs, ``.txt``: blanks), one row per line.

    Numbers in their shortest exact form, booleans as 1/0, strings quoted where needed; a 1-D
    compound dataset gives one column per field under a header row.
    """
    file = str(file)
    path = normalize_path(path)
    final, partial = _target(out, overwrite)
    delim = _delimiter(final, delimiter)
    with files.open_file(file) as f:
        ds = _open(f, file, path, allow_external)
        idx, shape = _selection(ds, index, path)
        where = _where(path, idx)
        dt = preview.dataset_dtype(ds, path)
        kind = preview.kind_of(dt)
        if len(shape) not in (1, 2) or (kind == preview.COMPOUND and len(shape) != 1):
            what = "1-D compound data" if kind == preview.COMPOUND else "1-D or 2-D data"
            raise BadRequestError(f"{where} has shape {shape_text(shape)}: CSV takes {what}; "
                                  "give --index to pick a slice, or export .npy")
        if kind not in (preview.NUMERIC, preview.BOOL, preview.COMPLEX, preview.ENUM, preview.STRING,
                        preview.COMPOUND):
            raise BadRequestError(f"{where} holds {describe_dtype(dt)}: it cannot be written as text")
        n = shape[0]
        width = shape[1] if len(shape) == 2 else 1
        step = max(1, BLOCK_BYTES // max(1, width * max(dt.itemsize, 8)))
        with _writing(final, partial, overwrite), open(partial, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, delimiter=delim, lineterminator="\n")
            if kind == preview.COMPOUND:
                writer.writerow(dt.names)
            for a in range(0, n, step):
                b = min(n, a + step)
                block = preview.read_selection(ds, idx + (slice(a, b),), path)
                if kind in (preview.STRING, preview.COMPOUND):
                    for row in _text_rows(block, kind):
                        writer.writerow(row)
                else:
                    cells = _cells(np.asarray(block).reshape(b - a, width))
                    if delim in (",", "\t", " ") and not np.iscomplexobj(block):
                        fh.write("".join(delim.join(r) + "\n" for r in cells.tolist()))
                    else:
                        writer.writerows(cells.tolist())
                yield Progress(b, n, "rows", f"exporting {where}")
        return ExportReport(file, path, final, "csv", shape, str(dt), 1, os.path.getsize(final))


def _csv_cell(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, np.ndarray):
        return " ".join(_csv_cell(x) for x in v.reshape(-1))
    return str(v)


def _text_rows(block: np.ndarray, kind: str) -> Iterator[list[str]]:
    if kind == preview.COMPOUND:
        for rec in block:
            yield [_csv_cell(rec[name]) for name in block.dtype.names]
        return
    arr = np.asarray(block, dtype=object)
    if arr.ndim == 1:
        for v in arr:
            yield [_csv_cell(v)]
    else:
        for r in arr:
            yield [_csv_cell(v) for v in r]


# ---------------------------------------------------------------------------------------------
# pictures


def _image_shape(shape: tuple[int, ...], where: str, fmt: str) -> None:
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
        allowed = [np.dtype(np.uint8), np.dtype(np.uint16)] + ([np.dtype(np.int32)] if fmt == "tif" else [])
        candidates = [force] if force is not None else ([dt] if dt in allowed else []) + allowed
        for target in candidates:
            if dt == target or _fits(a, target):
                note = "" if dt == target else f"{dt} written as {target} (every value fits)"
                return Image.fromarray(np.ascontiguousarray(a.astype(target, copy=False))), note
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


def _levels_of(a: np.ndarray, levels: Any, rgb: bool) -> tuple[float, float]:
    if isinstance(levels, str):
        if levels != "auto":
            raise BadRequestError(f"levels must be 'auto' or two numbers, not {levels!r}")
        data = np.abs(a) if a.dtype.kind == "c" else a
        return preview.image_stats(data, rgb, (0.5, 99.5))[0]
    lo, hi = (float(v) for v in levels)
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        raise BadRequestError(f"levels must be two finite numbers, low < high, not {lo:g}, {hi:g}")
    return lo, hi


def _picture(a: np.ndarray, fmt: str, where: str, levels: Any, colormap: str | None,
             fixed: tuple[float, float] | None = None, force: np.dtype | None = None) -> tuple[Any, str, str]:
    """(Pillow image, dtype written, note) of the array ``a`` (already checked to be an image)."""
    from PIL import Image

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
    lv = fixed if fixed is not None else _levels_of(a, "auto" if levels is None else levels, rgb)
    data = np.abs(a) if a.dtype.kind == "c" else (a.astype(np.uint8) if a.dtype.kind == "b" else a)
    u8 = imaging.to_uint8(data, lv)
    if colormap is not None and not rgb:
        u8 = apply_colormap(u8, colormap)
    return Image.fromarray(np.ascontiguousarray(u8)), "uint8", f"8-bit, levels {lv[0]:g} to {lv[1]:g}" + (
        f", colormap {colormap}" if colormap else "")


def _read_rows(ds: h5py.Dataset, idx: tuple[int, ...], shape: tuple[int, ...], dt: np.dtype, path: str,
               where: str) -> Iterator[Progress]:
    """``ds[idx]`` read in blocks of rows (h5py's lock is released in between), plain numbers."""
    out = np.empty(shape, dtype=_plain(dt) if dt.names is None else dt)
    row = max(1, out[0].nbytes)
    step = max(1, BLOCK_BYTES // row)
    total = int(out.nbytes)
    for a in range(0, shape[0], step):
        b = min(shape[0], a + step)
        out[a:b] = preview.read_selection(ds, idx + (slice(a, b),), path)
        yield Progress(b * row, total, "bytes", f"exporting {where}", nbytes=b * row)
    return out


def _save(img: Any, fh: Any, fmt: str) -> None:
    img.save(fh, format="PNG" if fmt == "png" else "TIFF")


def export_image(file: str, path: str, out: str, *, index: Sequence[int] = (), levels: Any = None,
                 colormap: str | None = None, overwrite: bool = False, allow_external: bool = False) -> Job[ExportReport]:
    """Job: the picture ``ds[index]`` to ``.png`` / ``.tif``.

    ``levels=None`` and no ``colormap``: raw values (refused, with what would work, when the format
    cannot hold them exactly). ``levels=(low, high)`` or ``'auto'`` (percentiles 0.5-99.5, like the
    preview): an 8-bit picture, through ``colormap`` (one of :data:`COLORMAPS`) for grey data; a
    colormap without levels uses ``'auto'``.
    """
    file = str(file)
    path = normalize_path(path)
    final, partial = _target(out, overwrite)
    fmt = format_of(final)
    if fmt not in ("png", "tif"):
        raise BadRequestError(f"{final} is not a .png or .tif file")
    with files.open_file(file) as f:
        ds = _open(f, file, path, allow_external)
        idx, shape = _selection(ds, index, path)
        where = _where(path, idx)
        _image_shape(shape, where, fmt)
        dt = preview.dataset_dtype(ds, path)
        if int(np.prod(shape, dtype=np.float64)) * dt.itemsize > MAX_IMAGE_BYTES:
            raise BadRequestError(f"{where} is too large for one picture ({shape_text(shape)})")
        a = yield from _read_rows(ds, idx, shape, dt, path, where)
        img, written, note = _picture(a, fmt, where, levels, colormap)
        with _writing(final, partial, overwrite), open(partial, "wb") as fh:
            _save(img, fh, fmt)
        return ExportReport(file, path, final, fmt, shape, written, 1, os.path.getsize(final), note)


# ---------------------------------------------------------------------------------------------
# a stack -> a folder


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
    parent = posixpath.dirname(ds.name) or "/"
    here = join(parent, "filenames")
    try:
        info = links.link_info(ds.file.id, here)
        if info is None or info.type != h5py.h5l.TYPE_HARD:
            return None
        names_ds = ds.file[here]
        if not isinstance(names_ds, h5py.Dataset) or names_ds.shape != (n,) or \
                h5py.check_string_dtype(names_ds.dtype) is None:
            return None
        return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in names_ds[()]]
    except Exception:  # unreadable names: numbered files instead
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
    partial = final + ".partial"
    if os.path.lexists(partial):
        raise FileAccessError(f"{partial} exists (an export to {final} is running or was interrupted): remove it")
    return final, partial


def export_stack(file: str, path: str, folder: str, *, format: str = "png", levels: Any = None,
                 colormap: str | None = None, allow_external: bool = False) -> Job[ExportReport]:
    """Job: every frame ``ds[i]`` of a stack ``(n, h, w[, c])`` as one picture in ``folder``.

    Pictures are named after the ``filenames`` dataset beside the stack (what the image import
    writes; the extension follows ``format``) or ``<dataset>_0000.png`` ...; importing the folder
    again gives back the same pixels (raw values; see :func:`export_image` for what each format
    holds). A dataset of encoded images (variable-length bytes, the import's "encoded" layout) gives
    back the original files byte for byte. ``levels='auto'`` takes one pair of levels for the whole
    stack (from a sample of frames). Written into ``FOLDER.partial/`` and renamed when complete.
    """
    file = str(file)
    path = normalize_path(path)
    fmt = "tif" if format in ("tif", "tiff") else format
    if fmt not in ("png", "tif"):
        raise BadRequestError(f"unknown picture format {format!r}: use png or tif")
    ext = "." + fmt
    final, partial = _target_folder(folder)
    with files.open_file(file) as f:
        ds = _open(f, file, path, allow_external)
        dt = preview.dataset_dtype(ds, path)
        shape = ds.shape or ()
        encoded = _is_encoded(ds, dt)
        if not encoded:
            if len(shape) < 3:
                raise BadRequestError(f"{path} has shape {shape_text(shape)}: not a stack of images; "
                                      "a stack is (frames, height, width[, channels]) (export one picture as .png)")
            _image_shape(tuple(shape[1:]), f"{path}[0]", fmt)
        n = shape[0]
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
                frame_bytes = int(np.prod(shape[1:], dtype=np.float64)) * dt.itemsize
                if frame_bytes > MAX_IMAGE_BYTES:
                    raise BadRequestError(f"{path}: one frame is too large for a picture ({shape_text(shape[1:])})")
                fixed = _stack_levels(ds, path, levels, len(shape) == 4 and shape[3] in (3, 4)) \
                    if levels is not None or colormap is not None else None
                step = max(1, BLOCK_BYTES // max(1, frame_bytes))
                dtype_out = ""
                force: np.dtype | None = None  # every frame as the first one
                for a in range(0, n, step):
                    block = np.asarray(preview.read_selection(ds, slice(a, min(n, a + step)), path))
                    if h5py.check_enum_dtype(dt) is not None:
                        block = block.astype(dt.str, copy=False)
                    for k, frame in enumerate(block):
                        i = a + k
                        img, dtype_out, pnote = _picture(frame, fmt, f"{path}[{i}]", levels, colormap, fixed, force)
                        if force is None and levels is None and colormap is None and dtype_out != "bool":
                            force = np.dtype(dtype_out)
                        target = os.path.join(partial, *names[i].split("/"))
                        os.makedirs(os.path.dirname(target), exist_ok=True)
                        with open(target, "wb") as fh:
                            _save(img, fh, fmt)
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
        return _levels_of(np.zeros(1), levels, rgb)
    n = ds.shape[0]
    picks = sorted(set(np.linspace(0, n - 1, min(n, 16)).round().astype(int).tolist()))
    sample = np.stack([np.asarray(preview.read_selection(ds, i, path)) for i in picks])
    return _levels_of(sample, "auto", rgb)


def _write_encoded(ds: h5py.Dataset, path: str, partial: str, n: int) -> Iterator[Progress]:
    names = sibling_names(ds, n)
    width = max(4, len(str(max(0, n - 1))))
    used: set[str] = set()
    written = 0
    for a in range(0, n, 256):
        block = preview.read_selection(ds, slice(a, min(n, a + 256)), path)
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


# ---------------------------------------------------------------------------------------------
# dispatch


def export(file: str, path: str, out: str, *, index: Sequence[int] = (), levels: Any = None,
           colormap: str | None = None, delimiter: str | None = None, image_format: str = "png",
           overwrite: bool = False, allow_external: bool = False) -> Job[ExportReport]:
    """Job: export by ``out``'s extension (see :func:`format_of`): ``.npy``, ``.csv``/``.tsv``/``.txt``,
    ``.png``/``.tif``, ``.h5`` (a new HDF5 file, :func:`h5gui.core.structure.export_hdf5`), or a folder
    (a stack of ``image_format`` pictures)."""
    fmt = format_of(out)
    if fmt == "npy":
        return (yield from export_array(file, path, out, index=index, overwrite=overwrite,
                                        allow_external=allow_external))
    if fmt == "csv":
        return (yield from export_table(file, path, out, index=index, delimiter=delimiter, overwrite=overwrite,
                                        allow_external=allow_external))
    if fmt in ("png", "tif"):
        return (yield from export_image(file, path, out, index=index, levels=levels, colormap=colormap,
                                        overwrite=overwrite, allow_external=allow_external))
    if fmt == "hdf5":
        if index:
            raise BadRequestError("--index does not apply to an HDF5 export (the whole object is copied)")
        if overwrite:
            raise BadRequestError("an HDF5 export never overwrites a file: choose a new name")
        report = yield from structure.export_hdf5(file, path, out)
        return ExportReport(str(file), normalize_path(path), report.dest_file, "hdf5", (), "", 1,
                            os.path.getsize(report.dest_file),
                            f"{report.objects:,} objects, {report.links:,} links")
    if index:
        raise BadRequestError("--index does not apply to a folder export (every frame is written)")
    return (yield from export_stack(file, path, out, format=image_format, levels=levels, colormap=colormap,
                                    allow_external=allow_external))


"""Image folder import: a folder tree of images into one HDF5 file, structure preserved.

Three steps, each usable alone (the GUI wizard, ``h5gui-cli import-images`` and the tests drive the
same functions)::

    result = progress.run(scan(folder))                 # what is there (a Job: yields Progress)
    plan = plan_import(ImportSpec(folder, "out.h5"), result)   # what would be written (a dry run)
    report = progress.run(run_import(spec, result))     # do it (a Job)

**Scan.** Walks the folder (natural order: ``img2`` before ``img10``) and sniffs every file by its
content, not its extension: PNG, JPEG, TIFF, BMP, GIF, WebP and every other format Pillow reads. Only
headers are read (size, mode, frames, EXIF orientation). Files that are not images, hidden files and
folders, symbolic-link loops, special files and unreadable files are listed in ``skipped`` with the
reason, never dropped silently.

**Layouts** (``ImportSpec.layout``; ``auto`` takes the scan's recommendation):

* ``stack``: every folder with images becomes a group (the tree of groups mirrors the tree of
  folders) holding ``images`` (N, H, W[, C]), chunked by whole images (about 1 MiB a chunk: one
  image for large ones, ~85 for 64x64 RGB), and ``filenames`` (the names, in the same order).
  Needs one size and mode per folder (or a ``resize`` and a ``mode``).
* ``per-image``: one dataset per image, named after its file, in the folder's group.
* ``encoded``: the files' bytes, untouched (they decode back bit-exactly): per folder one
  variable-length uint8 dataset ``images`` plus ``filenames``, or one 1-D uint8 dataset per file
  (``encoded_per_file``). Only headers are checked (format, size, pixel limit), pixels are not decoded.
* ``classes``: the first-level sub-folders are classes: ``images``, ``labels`` (int32, index into
  ``class_names``), ``filenames`` (``class/name``) and a ``class_names`` attribute; with ``splits``,
  first-level folders named train/val/test (and the like) become groups, each holding its classes.

**Pixels.** ``mode='keep'``: ``1`` -> uint8 0/255, ``L`` -> uint8, ``LA``/``PA`` and ``P`` with
transparency -> RGBA uint8, ``P``/``CMYK``/``YCbCr``/``LAB``/``HSV`` -> RGB uint8, ``I;16*`` -> uint16,
``I`` -> int32, ``F`` -> float32 (the preview's conventions). ``L``/``RGB``/``RGBA`` convert with
Pillow, except that 16-bit images are scaled to 8 bits (value / 257) rather than clipped. The EXIF
orientation is applied (``exif_transpose``). ``resize`` gives every image exactly that size (the
aspect ratio is not kept). Multi-frame files (TIFF pages, animated GIF/WebP): the first frame, or with
``all_frames`` every frame as an image of its own, named ``name[i]``. Arrays are written channels-last
with the HDF5 image attributes (``CLASS``, ``IMAGE_VERSION``, ``IMAGE_SUBCLASS``, ``INTERLACE_MODE``).

**Bad images** (zero bytes, truncated, corrupt, unsupported mode, more pixels than Pillow's
``Image.MAX_IMAGE_PIXELS`` - its warning is an error here -, unreadable) are skipped with the reason
and the import goes on.

**Provenance.** The import's group carries the attributes ``import_source``, ``import_date``,
``import_h5gui_version``, ``import_layout``, ``import_options`` (the spec as JSON),
``import_imported``, ``import_skipped``, and a ``skipped`` dataset (compound ``path``, ``reason``) that
lists every skipped file.

**Safe writes.** A new file is written as ``NAME.partial`` and renamed when complete. Into an existing
file, the group is written under a temporary name (``/.h5gui-import-...``) and moved into place at the
end. Cancel (the generator is closed) or an error removes the partial result: the file keeps its
content (HDF5 does not give freed space back, so its size may grow). The file is flushed after
batches (at most 4 times a second) so that a process killed mid-import leaves an existing target
readable with its earlier content. When nothing at all could be imported, nothing is written.

**Speed.** Pixels (and the headers of large folders) are decoded in a pool of worker processes (``forkserver`` where
available, else ``spawn``: the GUI process has threads, fork is unsafe), each task a batch of whole
chunks of one folder, written by the worker into a slot of a shared-memory ring (no pickling of
pixels) or, for mixed sizes, returned as a list of arrays. At most ``2 x workers + 1`` batches are in
flight (memory stays bounded whatever the number of files) and this generator is the only writer.
The files of a batch are announced to the OS as it is submitted (``posix_fadvise(WILLNEED)``), so
that a cold disk reads many at once. Small imports (estimated under ~0.5 s of decoding) decode in
this process, and so does the encoded layout (reading bytes keeps up with the disk). Workers end by
themselves when this process dies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import logging
import math
import multiprocessing
import os
import re
import threading
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import h5py
import numpy as np

from h5gui import __version__
from h5gui.core import imaging
from h5gui.core.errors import BadRequestError, FileAccessError, UnreadableError
from h5gui.core.h5 import files, filters, messages, staging
from h5gui.core.h5.images import write_image_attrs
from h5gui.core.paths import natural_key, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.text import format_bytes

log = logging.getLogger(__name__)

LAYOUTS = ("auto", "stack", "per-image", "encoded", "classes")
MODES = ("keep", "L", "RGB", "RGBA")
RESAMPLE = ("nearest", "bilinear", "bicubic", "lanczos", "box", "hamming")
SPLIT_NAMES = frozenset({"train", "training", "val", "valid", "validation", "test", "testing", "dev"})
KEPT_MODES = ("L", "RGB", "RGBA", "I;16", "I", "F")  # what 'keep' gives (see the module's docstring)

CHUNK_TARGET_BYTES = 1 << 20  # ~1 MiB chunks along the image axis
CHUNK_MAX_IMAGES = 1024
BATCH_BYTES = 16 << 20  # decoded bytes of one decoding task
BATCH_MAX_FILES = 1024
SCAN_BATCH_FILES = 256
SCAN_INLINE_MAX_FILES = 20_000
SNIFF_PREFETCH_BYTES = 64 << 10  # headers are at the start: JPEG's EXIF block can take ~64 KiB
# automatic workers: imports whose decoding should take less than INLINE_MAX_SECONDS in one core
# decode in this process (starting the processes costs ~0.3 s the first time, ~0.03 s later)
INLINE_MAX_SECONDS = 0.5
DECODE_SECONDS_PER_FILE = 60e-6  # opening, parsing, copying (measured: 64x64 PNG ~160 us in all)
DECODE_SECONDS_PER_PIXEL = 25e-9  # PNG ~25 ns, JPEG ~10 ns a pixel on one core
WARM_UP_MIN_FILES = 3000  # run_import starts the processes during the scan from this many files
FLUSH_INTERVAL = 0.25  # seconds between flushes of the target
POLL_SECONDS = 0.1  # yield progress at least this often while waiting for the workers
TEMP_PREFIX = staging.TEMP_PREFIX + "import-"

_DTYPES = {"L": "uint8", "RGB": "uint8", "RGBA": "uint8", "I;16": "uint16", "I": "int32", "F": "float32"}
_CHANNELS = {"L": 0, "RGB": 3, "RGBA": 4, "I;16": 0, "I": 0, "F": 0}
_RGB_LIKE = frozenset({"RGB", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"})
_RGBA_LIKE = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})


# ---------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True)
class ImportSpec:
    """What the user asked for (the wizard's and the CLI's options)."""

    source: str  # folder
    target: str  # HDF5 file path (new or existing)
    group: str = "/"  # group to create in the target (a new file: "/" = root); must not exist yet
    layout: str = "auto"  # 'auto' | 'stack' | 'per-image' | 'encoded' | 'classes'
    mode: str = "keep"  # 'keep' | 'L' | 'RGB' | 'RGBA'
    resize: tuple[int, int] | None = None  # (width, height)
    resample: str = "bilinear"  # 'nearest' | 'bilinear' | 'bicubic' | 'lanczos' | 'box' | 'hamming'
    exif_transpose: bool = True
    compression: str | None = None  # None | 'gzip' | 'lzf' | 'zstd' | 'blosc' | 'lz4' | 'bitshuffle'
    compression_opts: int | None = None  # gzip 0-9 (default 4), zstd 1-22 (3), blosc 0-9 (5)
    encoded_per_file: bool = False  # encoded layout: one dataset per file instead of one vlen dataset per folder
    splits: bool = True  # classes layout: train/ val/ test/ sub-folders become groups
    workers: int = 0  # decoder processes; 0 = automatic (one per core, none for small imports)
    include_hidden: bool = False
    all_frames: bool = False  # multi-frame files: every frame an image ('name[i]') instead of the first


@dataclass(frozen=True, slots=True)
class ImageEntry:
    """One image file found by the scan (header facts only)."""

    path: str  # relative to the source folder, '/'-separated
    format: str  # Pillow's format name: 'PNG', 'JPEG', ...
    width: int  # as stored, before the EXIF orientation
    height: int
    mode: str  # Pillow's mode of the file ('P', 'I;16', 'CMYK', ...)
    kept: str  # what mode='keep' makes of it: one of KEPT_MODES
    nbytes: int
    frames: int = 1
    orientation: int = 1  # EXIF orientation (1 = as stored; 5-8 swap width and height)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def size(self, exif_transpose: bool = True) -> tuple[int, int]:
        """(width, height) of the decoded picture."""
        if exif_transpose and self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


@dataclass(frozen=True)
class FolderScan:
    """One source folder that holds images (directly, not counting its sub-folders)."""

    relpath: str  # '.' for the source folder itself, else 'a/b'
    n_images: int
    formats: dict[str, int]
    sizes: dict[tuple[int, int, str], int]  # (width, height, Pillow mode) -> count (EXIF orientation applied)
    nbytes: int
    uniform: bool  # every image the same size and (kept) mode: stackable as they are
    files: tuple[ImageEntry, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class ScanResult:
    source: str  # absolute path
    folders: tuple[FolderScan, ...]
    n_images: int
    nbytes: int
    skipped: tuple[tuple[str, str], ...]  # (relative path, reason)
    recommended_layout: str
    recommendation: str  # why, in one sentence
    classes: tuple[str, ...] = ()  # first-level sub-folders (or those of train/val/test) when they look like classes
    splits: tuple[str, ...] = ()  # first-level folders named like splits (train, val, test, ...) holding classes
    n_frames: int = 0  # frames beyond the first in multi-frame files (imported with all_frames)


@dataclass(frozen=True)
class ImportPlan:
    spec: ImportSpec
    layout: str  # resolved ('auto' replaced)
    datasets: tuple[tuple[str, tuple[int, ...], str], ...]  # (path, shape, dtype) to be written
    n_images: int
    estimated_bytes: int
    warnings: tuple[str, ...]
    group: str = "/"  # the normalized group path in the target
    new_file: bool = True  # the target does not exist yet
    workers: int = 0  # decoder processes that will run (0: decoding in this process)
    n_skipped: int = 0  # files that will be skipped whatever happens (from the scan and the layout)
    class_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    target: str
    group: str
    layout: str
    n_imported: int
    n_skipped: int
    skipped: tuple[tuple[str, str], ...]
    seconds: float
    nbytes_read: int
    datasets: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        """Images per second."""
        return self.n_imported / self.seconds if self.seconds > 0 else 0.0


# ---------------------------------------------------------------------------------------------
# decoding helpers (also run in the worker processes: keep them module-level and picklable)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _bomb_reason(width: int | None = None, height: int | None = None, exc: BaseException | None = None) -> str:
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    size = f"{width}x{height} pixels, " if width and height else ""
    if not size and exc is not None:
        m = re.search(r"\((\d+) pixels\)", str(exc))  # Pillow: 'Image size (900000000 pixels) exceeds ...'
        size = f"{int(m.group(1)):,} pixels, " if m else ""
    if limit:
        return f"too large ({size}more than Pillow's limit of {limit:,}: possible decompression bomb)"
    return f"too large ({_one_line(exc) if exc else size})"  # pragma: no cover - limit disabled


_CONVERTIBLE: dict[str, bool] = {}


def _convertible(mode: str) -> bool:
    """Whether Pillow converts ``mode`` to RGB (tried once per mode on a 1x1 picture)."""
    ok = _CONVERTIBLE.get(mode)
    if ok is None:
        from PIL import Image

        try:
            Image.new(mode, (1, 1)).convert("RGB")
            ok = True
        except Exception:  # noqa: BLE001 - any failure means "not supported"
            ok = False
        _CONVERTIBLE[mode] = ok
    return ok


def _kept_mode(img: Any) -> str | None:
    """What mode='keep' makes of a Pillow image's mode (None: not supported)."""
    mode = img.mode
    if mode in ("1", "L"):
        return "L"
    if mode.startswith("I;16"):
        return "I;16"
    if mode in ("I", "F"):
        return mode
    if mode in _RGBA_LIKE:
        return "RGBA" if mode != "La" else None
    if mode == "P":
        alpha = "transparency" in img.info or (img.palette is not None and img.palette.mode == "RGBA")
        return "RGBA" if alpha else "RGB"
    if mode in _RGB_LIKE:
        return "RGB"
    return "RGB" if _convertible(mode) else None


def _orientation(img: Any, loaded: bool = False) -> int:
    """EXIF orientation. Before ``load()`` a PNG's is read only from an eXIf chunk placed before the
    pixels (Pillow's ``getexif`` would decode the whole picture to look for one after them)."""
    from PIL import Image

    try:
        if img.format == "PNG" and not loaded:
            raw = img.info.get("exif")
            if not raw:
                return 1
            exif = Image.Exif()
            exif.load(raw)
        else:
            exif = img.getexif()
        value = int(exif.get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block does not stop the picture
        return 1
    return value if 1 <= value <= 8 else 1


def _join(root: str, rel: str) -> str:
    return os.path.join(root, *rel.split("/"))


def _sniff_file(root: str, rel: str) -> tuple[Any, ...]:
    """``(rel, format, width, height, mode, kept, nbytes, frames, orientation)`` or ``(rel, None, reason)``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with open(_join(root, rel), "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                return rel, None, "empty file (0 bytes)"
            fmt = imaging.sniff_format(fh.read(imaging.SNIFF_BYTES))
            fh.seek(0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                try:
                    img = Image.open(fh, formats=[fmt] if fmt else None)
                except UnidentifiedImageError:
                    return rel, None, f"corrupt {fmt} data (unreadable header)" if fmt else "not an image"
                except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                    return rel, None, _bomb_reason(exc=exc)
                except Exception as exc:  # noqa: BLE001 - whatever a plugin raises
                    return rel, None, f"corrupt {fmt or 'image'} data ({_one_line(exc)})"
                with img:
                    width, height = img.size
                    limit = Image.MAX_IMAGE_PIXELS
                    if limit and width * height > limit:
                        return rel, None, _bomb_reason(width, height)
                    kept = _kept_mode(img)
                    if kept is None:
                        return rel, None, f"unsupported mode {img.mode} ({img.format})"
                    try:
                        frames = int(getattr(img, "n_frames", 1) or 1)
                    except Exception:  # noqa: BLE001 - a broken later frame: the first one still reads
                        frames = 1
                    return (rel, str(img.format or fmt), width, height, img.mode, kept, size, frames,
                            _orientation(img))
    except PermissionError:
        return rel, None, "permission denied"
    except OSError as exc:
        return rel, None, f"cannot read: {exc.strerror or _one_line(exc)}"


def _prefetch(paths: Iterable[str], nbytes: int = 0) -> None:
    """Ask the OS to start reading ``paths`` (their first ``nbytes``, 0: all) in the background.

    One ``posix_fadvise(WILLNEED)`` per file queues all the reads at once: on a cold cache a batch
    of small files then arrives ~10x faster than read one after the other (the disk works on many
    requests together). A no-op where the call does not exist.
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:  # pragma: no cover - not POSIX
        return
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            advise(fd, 0, nbytes, os.POSIX_FADV_WILLNEED)
        except OSError:  # pragma: no cover - a file system without it
            pass
        finally:
            os.close(fd)


def _sniff_batch(root: str, rels: Sequence[str]) -> list[tuple[Any, ...]]:
    return [_sniff_file(root, rel) for rel in rels]


def _prefetch_headers(root: str, rels: Sequence[str]) -> None:
    _prefetch((_join(root, rel) for rel in rels), SNIFF_PREFETCH_BYTES)


def _prefetch_files(root: str, items: Sequence[tuple[str, int, str]], *_: Any) -> None:
    _prefetch(_join(root, rel) for rel, frame, _ in items if frame == 0)


_RESAMPLE_IDS = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


class _Skip(Exception):
    """A file that cannot be imported: the message is the reason."""


def _to_mode(img: Any, mode: str) -> Any:
    """``img`` converted for ``mode`` ('keep' or L/RGB/RGBA): a Pillow image whose array is the result."""
    from PIL import Image

    kept = _kept_mode(img)
    if kept is None:
        raise _Skip(f"unsupported mode {img.mode}")
    target = kept if mode == "keep" else mode
    src = img.mode
    if target == "I;16" and src.startswith("I;16"):
        return img
    if src == target:
        return img
    if src.startswith("I;16") and target in ("L", "RGB", "RGBA"):
        a = np.asarray(img)
        a8 = ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)  # value / 257, rounded
        img = Image.fromarray(a8)
        if target == "L":
            return img
    if src == "1" and target != "L":
        img = img.convert("L")
    if src in ("LAB", "HSV") and target != "RGB":
        img = img.convert("RGB")
    return img.convert(target)


def _decode_one(path: str, frame: int, fmt: str, opts: tuple[Any, ...]) -> tuple[np.ndarray, int]:
    """Decode one picture (frame) as the spec asks; returns the array and the file's size."""
    from PIL import Image, ImageOps

    mode, resize, resample, exif = opts
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        img = Image.open(fh, formats=[fmt] if fmt else None)
        try:
            width, height = img.size
            limit = Image.MAX_IMAGE_PIXELS
            if limit and width * height > limit:
                raise _Skip(_bomb_reason(width, height))
            if frame:
                img.seek(frame)
            img.load()
            out = img
            if exif and _orientation(img, loaded=True) != 1:
                out = ImageOps.exif_transpose(out)
            out = _to_mode(out, mode)
            if resize is not None and out.size != tuple(resize):
                out = out.resize(tuple(resize), _RESAMPLE_IDS[resample])
            a = np.asarray(out)
        finally:
            img.close()
    if a.dtype == np.bool_:
        a = a.astype(np.uint8) * 255
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a, size


def _decode_reason(exc: BaseException, fmt: str) -> str:
    from PIL import Image

    name = fmt or "image"
    if isinstance(exc, _Skip):
        return str(exc)
    if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
        return _bomb_reason(exc=exc)
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file vanished since the scan"
    if isinstance(exc, MemoryError):
        return "not enough memory to decode it"
    text = _one_line(exc)
    if isinstance(exc, EOFError) or "truncated" in text or "broken data stream" in text:
        return f"truncated {name} data"
    if isinstance(exc, ValueError) and "conversion" in text:
        return f"unsupported mode ({text})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read: {exc.strerror}"
    return f"cannot decode the {name} data ({text})"


def _form_text(shape: tuple[int, ...], dtype: Any) -> str:
    h, w = shape[0], shape[1]
    ch = f"x{shape[2]}" if len(shape) > 2 else ""
    return f"{w}x{h}{ch} {np.dtype(dtype).name}"


_ATTACHED: dict[str, Any] = {}  # worker processes: the shared memory blocks they write into


def _slot_array(slot: tuple[str, int, int], shape: tuple[int, ...], dtype: str) -> np.ndarray:
    from multiprocessing import shared_memory

    name, offset, capacity = slot
    shm = _ATTACHED.get(name)
    if shm is None:
        shm = _ATTACHED[name] = shared_memory.SharedMemory(name=name)
    assert math.prod(shape) * np.dtype(dtype).itemsize <= capacity
    return np.ndarray(shape, dtype=dtype, buffer=shm.buf, offset=offset)


def _decode_batch(
    root: str, items: Sequence[tuple[str, int, str]], opts: tuple[Any, ...],
    expect: tuple[tuple[int, ...], str] | None, slot: tuple[str, int, int] | None = None,
) -> tuple[Any, list[int], list[tuple[int, str]], int]:
    """Decode ``items`` ``(rel, frame, format)``.

    Returns ``(data, ok, failed, nbytes)``: with ``expect = (shape, dtype)`` ``data`` is one array
    ``(len(ok), *shape)`` (None when it was written into the shared memory ``slot``: ``(name,
    offset, capacity)``), else a list of arrays; ``ok`` are the indices in ``items`` of the decoded
    ones, ``failed`` ``(index, reason)``, ``nbytes`` the bytes read.
    """
    from PIL import Image

    out: np.ndarray | None = None
    if expect is not None:
        shape = (len(items), *expect[0])
        out = _slot_array(slot, shape, expect[1]) if slot is not None else np.empty(shape, dtype=expect[1])
    arrays: list[np.ndarray] = []
    ok: list[int] = []
    failed: list[tuple[int, str]] = []
    nbytes = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        for i, (rel, frame, fmt) in enumerate(items):
            try:
                a, size = _decode_one(_join(root, rel), frame, fmt, opts)
                if frame == 0:
                    nbytes += size
                if out is not None:
                    assert expect is not None
                    if a.shape != expect[0] or a.dtype != np.dtype(expect[1]):
                        raise _Skip(
                            f"{_form_text(a.shape, a.dtype)} does not match the other images of its group "
                            f"({_form_text(expect[0], expect[1])}): changed since the scan?"
                        )
                    out[len(ok)] = a
                else:
                    arrays.append(a)
                ok.append(i)
            except Exception as exc:  # noqa: BLE001 - every failure is a reason to report
                failed.append((i, _decode_reason(exc, fmt)))
    if slot is not None:
        return None, ok, failed, nbytes
    data: Any = out[: len(ok)] if out is not None else arrays
    return data, ok, failed, nbytes


def _read_batch(root: str, items: Sequence[tuple[str, int, str]]) -> tuple[Any, list[int], list[tuple[int, str]], int]:
    """Read the files' bytes (encoded layout): ``(list of uint8 arrays, ok, failed, nbytes)``."""
    arrays: list[np.ndarray] = []
    ok: list[int] = []
    failed: list[tuple[int, str]] = []
    nbytes = 0
    for i, (rel, _frame, fmt) in enumerate(items):
        try:
            with open(_join(root, rel), "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            failed.append((i, "file vanished since the scan"))
            continue
        except PermissionError:
            failed.append((i, "permission denied"))
            continue
        except OSError as exc:
            failed.append((i, f"cannot read: {exc.strerror or _one_line(exc)}"))
            continue
        nbytes += len(data)
        if not data:
            failed.append((i, "empty file (0 bytes)"))
            continue
        if fmt in imaging.FORMATS and imaging.sniff_format(data[: imaging.SNIFF_BYTES]) != fmt:
            failed.append((i, f"no longer a {fmt} file (changed since the scan)"))
            continue
        arrays.append(np.frombuffer(data, dtype=np.uint8))
        ok.append(i)
    return arrays, ok, failed, nbytes


def _worker_init() -> None:
    """Worker processes leave Ctrl-C to the parent (which shuts them down), and end when it dies.

    A worker of ``ProcessPoolExecutor`` started by a fork server or spawned holds both ends of its
    task queue, so it would wait for tasks forever after its parent was killed (kill -9, a crash),
    keeping the fork server, the resource tracker and the shared memory alive with it. A thread
    waits on the parent's sentinel (a pipe the parent holds open) and ends the process instead.
    """
    import signal

    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch() -> None:
            parent.join()
            os._exit(0)

        threading.Thread(target=watch, name="h5gui-parent-watch", daemon=True).start()


# ---------------------------------------------------------------------------------------------
# the pool


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _mp_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        # the server imports this module once; every worker is forked from it, ready to decode
        ctx.set_forkserver_preload(["h5gui.core.importer", "PIL.Image"])
        return ctx
    return multiprocessing.get_context("spawn")


def _warm_fork_server() -> None:
    """Boot the fork server (~0.3 s, once per process) in the background, so that the decoders of
    an import that follows a large scan start at once."""
    if _mp_context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    threading.Thread(target=forkserver.ensure_running, name="h5gui-fork-server", daemon=True).start()


class _Done:
    """A finished 'future' for work run in this process (computed only when asked, so that a
    cancel never waits for queued work)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._fn, self._args = fn, args

    def result(self, timeout: float | None = None) -> Any:
        return self._fn(*self._args)

    def cancel(self) -> bool:
        return True


class _Workers:
    """Decoder processes (``n == 0``: the work runs in this process)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._ex: ProcessPoolExecutor | None = None
        self._warming: threading.Thread | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._ex is None:
            self._ex = ProcessPoolExecutor(self.n, mp_context=_mp_context(), initializer=_worker_init)
        return self._ex

    def warm_up(self) -> None:
        """Start the processes in the background (the first start also boots the fork server:
        ~0.3 s) while this thread does something else, such as reading headers."""
        if self.n <= 0 or self._ex is not None or self._warming is not None:
            return

        def start() -> None:
            with contextlib.suppress(Exception):  # a failure shows again at the first real task
                self._executor().submit(cpu_count).result()

        self._warming = threading.Thread(target=start, name="h5gui-import-warm-up", daemon=True)
        self._warming.start()

    def _wait_warm(self) -> None:
        if self._warming is not None:
            self._warming.join()
            self._warming = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.n <= 0:
            return _Done(fn, args)
        self._wait_warm()
        return self._executor().submit(fn, *args)

    def shutdown(self) -> None:
        """Stop without waiting: queued tasks are cancelled, running ones end with their batch."""
        self._wait_warm()
        ex, self._ex = self._ex, None
        if ex is not None:
            ex.shutdown(wait=False, cancel_futures=True)


_WAIT = object()


def _ordered(workers: _Workers, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple[Any, ...]]],
             inflight: int, prefetch: Callable[..., None] | None = None) -> Iterator[Any]:
    """Run ``fn(*args)`` for ``(key, args)`` tasks, at most ``inflight`` at a time; yield ``(key, result)``
    in submission order, or ``_WAIT`` every ``POLL_SECONDS`` while the next result is not ready.

    ``prefetch(*args)`` runs here as each task is submitted: its files' reads start in the background
    a few batches before a worker gets to them.
    """
    pending: deque[tuple[Any, Any]] = deque()
    it = iter(tasks)
    more = True
    while True:
        while more and len(pending) < inflight:
            try:
                key, args = next(it)
            except StopIteration:
                more = False
                break
            if prefetch is not None:
                prefetch(*args)
            pending.append((key, workers.submit(fn, *args)))
        if not pending:
            return
        key, fut = pending[0]
        try:
            result = fut.result(timeout=POLL_SECONDS)
        except TimeoutError:
            yield _WAIT
            continue
        except BrokenProcessPool as exc:
            raise UnreadableError(
                "a decoder process died (out of memory, or a file crashed the decoder); nothing was imported"
            ) from exc
        pending.popleft()
        yield key, result


def _auto_workers(requested: int, n_files: int, pixels: int) -> int:
    """Decoder processes: as asked, else none for small jobs (estimated from files and pixels)."""
    if requested > 0:
        return requested
    estimate = n_files * DECODE_SECONDS_PER_FILE + pixels * DECODE_SECONDS_PER_PIXEL
    if estimate < INLINE_MAX_SECONDS or cpu_count() == 1:
        return 0
    return cpu_count()


# ---------------------------------------------------------------------------------------------
# scan


def _check_source(source: str | os.PathLike[str]) -> str:
    path = os.path.abspath(os.path.expanduser(os.fspath(source)))
    if not os.path.exists(path):
        raise BadRequestError(f"No such folder: {path}")
    if not os.path.isdir(path):
        raise BadRequestError(f"{path} is not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise BadRequestError(f"Permission denied: cannot read the folder {path}")
    return path


def _walk(root: str, include_hidden: bool, skipped: list[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    """``(folder relpath, [file relpath, ...])`` depth first, natural order; problems go to ``skipped``."""
    st = os.stat(root)
    visited: dict[tuple[int, int], str] = {(st.st_dev, st.st_ino): "."}
    # (relpath, ancestors' keys)
    stack: list[tuple[str, frozenset[tuple[int, int]]]] = [("", frozenset({(st.st_dev, st.st_ino)}))]
    while stack:
        rel, ancestors = stack.pop()
        try:
            with os.scandir(_join(root, rel) if rel else root) as it:
                entries = sorted(it, key=lambda e: natural_key(e.name))
        except PermissionError:
            skipped.append((rel + "/", "folder not readable (permission denied)"))
            continue
        except OSError as exc:
            skipped.append((rel + "/", f"folder not readable ({exc.strerror or _one_line(exc)})"))
            continue
        here: list[str] = []
        subdirs: list[tuple[str, frozenset[tuple[int, int]]]] = []
        for e in entries:
            name = e.name
            relname = f"{rel}/{name}" if rel else name
            try:
                is_dir = e.is_dir()
                if not include_hidden and name.startswith("."):
                    skipped.append((relname + "/", "hidden folder") if is_dir else (relname, "hidden file"))
                    continue
                if is_dir:
                    s = e.stat()
                    key = (s.st_dev, s.st_ino)
                    if key in ancestors:
                        skipped.append((relname + "/", "symbolic link loop (points to an enclosing folder)"))
                    elif key in visited:
                        skipped.append((relname + "/", f"same folder as {visited[key]}/ (already scanned)"))
                    else:
                        visited[key] = relname
                        subdirs.append((relname, ancestors | {key}))
                elif e.is_file():
                    here.append(relname)
                elif e.is_symlink():
                    skipped.append((relname, "broken symbolic link"))
                else:
                    skipped.append((relname, "not a regular file"))
            except OSError as exc:
                if exc.errno == 40:  # ELOOP: a symbolic link that points at itself
                    skipped.append((relname, "symbolic link loop"))
                else:
                    skipped.append((relname, f"cannot read: {exc.strerror or _one_line(exc)}"))
        yield rel, here
        stack.extend(reversed(subdirs))


def scan(source: str | os.PathLike[str], *, include_hidden: bool = False, workers: int = 0) -> Job[ScanResult]:
    """Job: walk ``source`` and read every file's header; returns a :class:`ScanResult`.

    Yields ``Progress(done, total, 'files')`` (``total`` is None while the folders are listed).

    Raises
    ------
    BadRequestError
        ``source`` is not a readable folder.
    """
    pool = _Workers(0)
    try:
        result = yield from _scan(source, include_hidden, workers, lambda n: _resize_pool(pool, n))
    finally:
        pool.shutdown()
    return result


def _resize_pool(pool: _Workers, n: int) -> _Workers:
    if pool.n != n:
        pool.shutdown()
        pool.n = n
    return pool


def _scan(source: str | os.PathLike[str], include_hidden: bool, workers: int,
          get_pool: Callable[[int], _Workers], warm: Callable[[int], None] | None = None) -> Job[ScanResult]:
    root = _check_source(source)
    skipped: list[tuple[str, str]] = []
    folders: list[tuple[str, list[str]]] = []
    n_files = 0
    last = time.monotonic()
    yield Progress(0, None, "files", "Listing folders")
    for rel, names in _walk(root, include_hidden, skipped):
        if names:
            folders.append((rel, names))
            n_files += len(names)
        now = time.monotonic()
        if now - last > POLL_SECONDS:
            last = now
            yield Progress(n_files, None, "files", "Listing folders")
    # headers read at ~35,000 files/s in one process: processes pay off for large folders only
    if n_files < (SCAN_INLINE_MAX_FILES if workers == 0 else 2 * SCAN_BATCH_FILES):
        pool = _Workers(0)
        if warm is not None:
            warm(n_files)  # start the decoders while this process reads the headers
        elif n_files >= WARM_UP_MIN_FILES:
            _warm_fork_server()  # an import will most likely follow this scan
    else:
        pool = get_pool(_auto_workers(workers, n_files, 1 << 62))
    tasks = []
    for rel, names in folders:
        for i in range(0, len(names), SCAN_BATCH_FILES):
            tasks.append((rel, (root, names[i : i + SCAN_BATCH_FILES])))
    entries: dict[str, list[ImageEntry]] = {rel: [] for rel, _ in folders}
    done = nbytes = 0
    yield Progress(0, n_files, "files", "Reading headers")
    for res in _ordered(pool, _sniff_batch, tasks, 2 * max(1, pool.n) + 1, _prefetch_headers):
        if res is _WAIT:
            yield Progress(done, n_files, "files", "Reading headers", nbytes=nbytes)
            continue
        rel, rows = res
        for row in rows:
            if row[1] is None:
                skipped.append((row[0], row[2]))
                continue
            entry = ImageEntry(*row)
            entries[rel].append(entry)
            nbytes += entry.nbytes
        done += len(rows)
        yield Progress(done, n_files, "files", "Reading headers", nbytes=nbytes)
    result = _summarize(root, entries, skipped)
    return result


def _folder_scan(rel: str, files_: list[ImageEntry]) -> FolderScan:
    formats = Counter(e.format for e in files_)
    sizes = Counter((*e.size(), e.mode) for e in files_)
    forms = {(*e.size(), e.kept) for e in files_}
    return FolderScan(
        relpath=rel or ".", n_images=len(files_), formats=dict(formats), sizes=dict(sizes),
        nbytes=sum(e.nbytes for e in files_), uniform=len(forms) == 1, files=tuple(files_),
    )


def _split_names(folders: Sequence[FolderScan]) -> tuple[str, ...]:
    """The first-level folders holding images when every one is named like a split (train, val, ...)."""
    first = {f.relpath.split("/")[0] for f in folders if f.relpath != "."}
    splits = tuple(sorted((n for n in first if n.casefold() in SPLIT_NAMES), key=natural_key))
    return splits if splits and len(splits) == len(first) else ()


def _detect_classes(folders: Sequence[FolderScan]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(class names, split names) when the first-level folders look like classes, else ((), ())."""
    if any(f.relpath == "." for f in folders):
        return (), ()  # images at the top: not a class tree
    # class folders hold their images directly (a deeper tree is a tree, not classes)
    first = {f.relpath.split("/")[0] for f in folders}
    splits = _split_names(folders)
    if splits:
        classes: set[str] = set()
        for f in folders:
            parts = f.relpath.split("/")
            if len(parts) != 2:
                return (), ()  # images directly in a split folder, or deeper: not classes
            classes.add(parts[1])
        names = tuple(sorted(classes, key=natural_key))
        return (names, splits) if len(names) >= 2 else ((), ())
    if any("/" in f.relpath for f in folders):
        return (), ()
    names = tuple(sorted(first, key=natural_key))
    return (names, ()) if len(names) >= 2 else ((), ())


def _summarize(root: str, entries: dict[str, list[ImageEntry]], skipped: list[tuple[str, str]]) -> ScanResult:
    folders = tuple(_folder_scan(rel, lst) for rel, lst in entries.items() if lst)
    n_images = sum(f.n_images for f in folders)
    nbytes = sum(f.nbytes for f in folders)
    classes, splits = _detect_classes(folders)
    extra_frames = sum(e.frames - 1 for f in folders for e in f.files)
    layout, why = _recommend(folders, classes, splits)
    return ScanResult(
        source=root, folders=folders, n_images=n_images, nbytes=nbytes, skipped=tuple(skipped),
        recommended_layout=layout, recommendation=why, classes=classes, splits=splits, n_frames=extra_frames,
    )


def _recommend(folders: Sequence[FolderScan], classes: tuple[str, ...], splits: tuple[str, ...]) -> tuple[str, str]:
    if not folders:
        return "stack", "No images found."
    forms = {(*e.size(), e.kept) for f in folders for e in f.files}
    if classes and len(forms) == 1:
        where = f" in {len(splits)} splits ({', '.join(splits)})" if splits else ""
        shown = ", ".join(classes[:4]) + (", ..." if len(classes) > 4 else "")
        return "classes", (
            f"The first-level folders look like {len(classes)} classes ({shown}){where} of images of one size: "
            "images, labels and class names per split."
        )
    mixed = [f for f in folders if not f.uniform]
    if not mixed:
        if len(folders) == 1:
            return "stack", "All images share one size and mode: one stacked array."
        return "stack", f"The images of each of the {len(folders)} folders share one size and mode: one stacked array per folder."
    f = mixed[0]
    decoded = sum(_decoded_bytes(e) for g in folders for e in g.files)
    encoded = sum(g.nbytes for g in folders) or 1
    where = "." if f.relpath == "." else f"{f.relpath}/"
    n_sizes = len({e.size() for e in f.files})
    what = f"{n_sizes} sizes" if n_sizes > 1 else f"{len({e.kept for e in f.files})} modes"
    if decoded > 5 * encoded:
        return "encoded", (
            f"Folder {where} mixes {what} and the decoded pixels would take {decoded / encoded:.0f}x the files' "
            "size: keep the files' bytes (or choose a resize and a mode to stack them)."
        )
    return "per-image", (
        f"Folder {where} mixes {what}: one dataset per image (or choose a resize and a mode to stack them)."
    )


def _decoded_bytes(e: ImageEntry) -> int:
    return e.width * e.height * max(1, _CHANNELS[e.kept]) * np.dtype(_DTYPES[e.kept]).itemsize


# ---------------------------------------------------------------------------------------------
# planning


@dataclass
class _Unit:
    """One group that receives images: its items and (stacked layouts) the form they share."""

    group: str  # relative to the import's group ('' = the group itself)
    source: str  # source folder ('.' for the top)
    items: list[tuple[str, int, ImageEntry, str, int]]  # (rel, frame, entry, name, label)
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    class_names: tuple[str, ...] = ()


def _form(e: ImageEntry, spec: ImportSpec) -> tuple[tuple[int, ...], str]:
    kept = e.kept if spec.mode == "keep" else spec.mode
    w, h = spec.resize if spec.resize is not None else e.size(spec.exif_transpose)
    ch = _CHANNELS[kept]
    return ((h, w, ch) if ch else (h, w)), _DTYPES[kept]


def _frames(e: ImageEntry, spec: ImportSpec, layout: str) -> Iterator[tuple[int, str]]:
    if spec.all_frames and e.frames > 1 and layout != "encoded":
        for i in range(e.frames):
            yield i, f"{e.name}[{i}]"
    else:
        yield 0, e.name


def _check_spec(spec: ImportSpec) -> str:
    if spec.layout not in LAYOUTS:
        raise BadRequestError(f"unknown layout {spec.layout!r}: choose one of {', '.join(LAYOUTS)}")
    if spec.mode not in MODES:
        raise BadRequestError(f"unknown mode {spec.mode!r}: choose one of {', '.join(MODES)}")
    if spec.resample not in RESAMPLE:
        raise BadRequestError(f"unknown resampling filter {spec.resample!r}: choose one of {', '.join(RESAMPLE)}")
    if spec.resize is not None:
        if (len(spec.resize) != 2 or not all(isinstance(v, int | np.integer) for v in spec.resize)
                or min(spec.resize) < 1 or max(spec.resize) > 65535):
            raise BadRequestError(f"resize must be two whole numbers (width, height) from 1 to 65535, not {spec.resize!r}")
    if spec.workers < 0:
        raise BadRequestError(f"workers must be 0 (automatic) or more, not {spec.workers}")
    _compression_kwargs(spec, 1)  # validates
    return normalize_path(spec.group or "/")


def _compression_kwargs(spec: ImportSpec, itemsize: int) -> dict[str, Any]:
    return filters.compression(spec.compression, spec.compression_opts, None, itemsize)[0]


def _resolve_layout(spec: ImportSpec, scan_: ScanResult) -> str:
    if spec.layout != "auto":
        return spec.layout
    rec = scan_.recommended_layout
    if rec in ("stack", "classes") or spec.resize is None and spec.mode == "keep":
        return rec
    # a resize or a mode conversion can make a mixed tree stackable
    if scan_.classes and _stackable(spec, [e for f in scan_.folders for e in f.files]):
        return "classes"
    if all(_stackable(spec, f.files) for f in scan_.folders):
        return "stack"
    return rec


def _stackable(spec: ImportSpec, entries: Iterable[ImageEntry]) -> bool:
    return len({_form(e, spec) for e in entries}) <= 1


def _describe_forms(forms: Counter[tuple[tuple[int, ...], str]]) -> str:
    parts = [f"{_form_text(s, d)}: {n:,}" for (s, d), n in forms.most_common(3)]
    more = f", and {len(forms) - 3} more" if len(forms) > 3 else ""
    return ", ".join(parts) + more


def _units(spec: ImportSpec, scan_: ScanResult, layout: str) -> tuple[list[_Unit], list[tuple[str, str]]]:
    """The groups to write and the files the layout itself skips."""
    units: list[_Unit] = []
    extra: list[tuple[str, str]] = []
    if layout == "classes":
        splits = _split_names(scan_.folders) if spec.splits else ()
        classes = _class_names(scan_, splits)
        by_unit: dict[str, _Unit] = {}
        for f in scan_.folders:
            parts = [] if f.relpath == "." else f.relpath.split("/")
            split = parts[0] if splits and parts and parts[0] in splits else ""
            inner = parts[1:] if split else parts
            if not inner:
                for e in f.files:
                    extra.append((e.path, "not inside a class folder"))
                continue
            unit = by_unit.get(split)
            if unit is None:
                unit = by_unit[split] = _Unit(split, split or ".", [], class_names=classes)
            label = classes.index(inner[0])
            prefix = "/".join(inner)
            for e in f.files:
                for frame, name in _frames(e, spec, layout):
                    unit.items.append((e.path, frame, e, f"{prefix}/{name}", label))
        units = [by_unit[k] for k in sorted(by_unit, key=natural_key)]
    else:
        for f in scan_.folders:
            rel = "" if f.relpath == "." else f.relpath
            items = [(e.path, frame, e, name, -1) for e in f.files for frame, name in _frames(e, spec, layout)]
            units.append(_Unit(rel, f.relpath, items))
    if layout in ("stack", "classes"):
        for u in units:
            forms = Counter(_form(e, spec) for _, _, e, _, _ in u.items)
            if len(forms) > 1:
                where = "the class folders" if layout == "classes" else (
                    "the top folder" if u.source == "." else f"folder {u.source}/")
                if layout == "classes" and u.group:
                    where = f"split {u.group}/"
                raise BadRequestError(
                    f"cannot stack {where}: its images have {len(forms)} forms ({_describe_forms(forms)}); "
                    "choose a resize and a mode, or another layout"
                )
            u.shape, u.dtype = next(iter(forms))
    return units, extra


def _class_names(scan_: ScanResult, splits: tuple[str, ...]) -> tuple[str, ...]:
    names: set[str] = set()
    for f in scan_.folders:
        parts = [] if f.relpath == "." else f.relpath.split("/")
        if splits and parts and parts[0] in splits:
            parts = parts[1:]
        if parts:
            names.add(parts[0])
    return tuple(sorted(names, key=natural_key))


def stack_chunks(n: int, shape: tuple[int, ...], itemsize: int) -> tuple[int, int]:
    """(images per chunk, images per decoding task): chunks of ~1 MiB, tasks of whole chunks."""
    image = max(1, math.prod(shape) * itemsize)
    per_chunk = max(1, min(CHUNK_MAX_IMAGES, CHUNK_TARGET_BYTES // image, n))
    chunks_per_task = max(1, min(BATCH_BYTES // (per_chunk * image), BATCH_MAX_FILES // per_chunk))
    return per_chunk, max(1, min(n, per_chunk * chunks_per_task))


def _target_state(target: str, group: str) -> bool:
    """Whether ``target`` exists (then ``group`` must be creatable in it); raises when it is unusable."""
    path = os.path.abspath(os.path.expanduser(target))
    if os.path.isdir(path):
        raise BadRequestError(f"the target {path} is a folder: name an HDF5 file")
    if not os.path.exists(path):
        if os.path.islink(path):
            raise BadRequestError(f"the target {path} is a broken symbolic link")
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            raise BadRequestError(f"cannot create {path}: no such folder {parent}")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise BadRequestError(f"cannot create {path}: permission denied in {parent}")
        return False
    if group == "/":
        raise BadRequestError(f"{path} exists: name a new group to import into (its root is taken)")
    with files.open_file(path) as f:
        node: Any = f
        parts = group.strip("/").split("/")
        for i, part in enumerate(parts):
            sub = "/" + "/".join(parts[: i + 1])
            link = node.get(part, getlink=True)
            if link is None:
                return True
            if i == len(parts) - 1:
                raise BadRequestError(f"{sub} already exists in {path}: choose another group name")
            if not isinstance(link, h5py.HardLink) or not isinstance(node.get(part), h5py.Group):
                raise BadRequestError(f"cannot create {group} in {path}: {sub} is not a group")
            node = node[part]
    return True


def _join_h5(*parts: str) -> str:
    return "/" + "/".join(p.strip("/") for p in parts if p.strip("/"))


def plan_import(spec: ImportSpec, scan: ScanResult) -> ImportPlan:  # noqa: C901 - one checklist
    """The dry run: what :func:`run_import` would write, or why it cannot.

    Opens an existing target read-only (to check that the group does not exist yet); writes nothing.

    Raises
    ------
    BadRequestError
        One line: a bad option, no images, a folder whose images cannot be stacked as asked, the
        group exists already, the target's folder is not writable, a name that would be both a
        group and a dataset...
    FileAccessError
        The target exists but is not a readable HDF5 file.
    """
    group = _check_spec(spec)
    source = os.path.abspath(os.path.expanduser(spec.source))
    if os.path.normcase(source) != os.path.normcase(scan.source):
        raise BadRequestError(f"the scan is of {scan.source}, not of {source}: scan again")
    layout = _resolve_layout(spec, scan)
    if scan.n_images == 0:
        raise BadRequestError(f"no images in {scan.source} ({len(scan.skipped):,} file(s) skipped)")
    if layout == "classes" and not (scan.classes or _class_names(scan, ())):
        raise BadRequestError("the classes layout needs sub-folders, one per class")
    units, extra = _units(spec, scan, layout)
    n_images = sum(len(u.items) for u in units)
    if n_images == 0:
        raise BadRequestError(f"no images to import with the {layout} layout ({len(extra):,} outside class folders)")
    new_file = not _target_state(spec.target, group)
    datasets: list[tuple[str, tuple[int, ...], str]] = []
    estimated = 0
    for u in units:
        n = len(u.items)
        base = _join_h5(group, u.group)
        if layout in ("stack", "classes"):
            assert u.shape is not None and u.dtype is not None
            datasets.append((_join_h5(base, "images"), (n, *u.shape), u.dtype))
            estimated += n * math.prod(u.shape) * np.dtype(u.dtype).itemsize
            if layout == "classes":
                datasets.append((_join_h5(base, "labels"), (n,), "int32"))
            datasets.append((_join_h5(base, "filenames"), (n,), "str"))
        elif layout == "encoded" and not spec.encoded_per_file:
            datasets.append((_join_h5(base, "images"), (n,), "vlen uint8"))
            datasets.append((_join_h5(base, "filenames"), (n,), "str"))
            estimated += sum(e.nbytes for _, frame, e, _, _ in u.items if frame == 0)
        elif layout == "encoded":
            for _, frame, e, name, _ in u.items:
                if frame == 0:
                    datasets.append((_join_h5(base, name), (e.nbytes,), "uint8"))
                    estimated += e.nbytes
        else:
            for _, _, e, name, _ in u.items:
                shape, dtype = _form(e, spec)
                datasets.append((_join_h5(base, name), shape, dtype))
                estimated += math.prod(shape) * np.dtype(dtype).itemsize
    skipped_n = len(scan.skipped) + len(extra)
    datasets.append((_join_h5(group, "skipped"), (skipped_n,), "compound"))
    _check_names(datasets, group)
    pixels = sum(e.width * e.height for f in scan.folders for e in f.files)
    # the encoded layout reads bytes (the I/O runs ahead, prefetched): this process keeps up with it
    n_workers = spec.workers if layout == "encoded" else _auto_workers(spec.workers, n_images, pixels)
    return ImportPlan(
        spec=spec, layout=layout, datasets=tuple(datasets), n_images=n_images, estimated_bytes=estimated,
        warnings=tuple(_warnings(spec, scan, layout, units, extra)), group=group, new_file=new_file,
        workers=n_workers, n_skipped=skipped_n, class_names=units[0].class_names if units else (),
    )


def _check_names(datasets: Sequence[tuple[str, tuple[int, ...], str]], group: str) -> None:
    kinds: dict[str, str] = {}
    for path, _, _ in datasets:
        if path in kinds:
            raise BadRequestError(f"cannot import: two objects would be named {path}")
        kinds[path] = "dataset"
    for path, _, _ in datasets:
        parent = path.rsplit("/", 1)[0] or "/"
        while len(parent) > len(group.rstrip("/")) and parent != "/":
            if kinds.get(parent) == "dataset":
                raise BadRequestError(
                    f"cannot import: {parent} would be both a dataset and a group (rename that folder or file)"
                )
            if kinds.get(parent) == "group":
                break
            kinds[parent] = "group"
            parent = parent.rsplit("/", 1)[0] or "/"


def _warnings(spec: ImportSpec, scan_: ScanResult, layout: str, units: list[_Unit],
              extra: list[tuple[str, str]]) -> list[str]:
    out: list[str] = []
    if scan_.skipped:
        reasons = Counter(r.split(" (")[0] for _, r in scan_.skipped)
        top = ", ".join(f"{r}: {n:,}" for r, n in reasons.most_common(3))
        out.append(f"{len(scan_.skipped):,} file(s) will be skipped ({top})")
    if extra:
        out.append(f"{len(extra):,} image(s) outside the class folders will be skipped")
    entries = [e for f in scan_.folders for e in f.files]
    multi = sum(1 for e in entries if e.frames > 1)
    if multi and layout != "encoded" and not spec.all_frames:
        out.append(f"{multi:,} multi-frame file(s): only their first frame is imported (all_frames imports every one)")
    if layout == "encoded":
        if spec.mode != "keep" or spec.resize is not None:
            out.append("the encoded layout keeps the files' bytes: mode and resize are ignored")
        if spec.compression:
            out.append("the encoded layout is not compressed (the files are compressed already)")
        odd = Counter(e.format for e in entries if e.format not in imaging.FORMATS)
        if odd:
            out.append("the preview cannot show " + ", ".join(f"{k} ({n:,})" for k, n in odd.items()) + " bytes")
        return out
    modes = Counter(e.mode for e in entries)
    if spec.mode == "keep":
        notes = []
        for m, n in modes.items():
            kept = _kept_mode_of(m, entries)
            if m == "1":
                notes.append(f"1-bit ({n:,}) stored as 0/255 uint8")
            elif m not in ("L", "RGB", "RGBA", "I", "F") and not m.startswith("I;16"):
                notes.append(f"{m} ({n:,}) stored as {kept}")
        if notes:
            out.append("converted: " + ", ".join(notes))
    elif any(m.startswith("I;16") for m in modes):
        out.append(f"16-bit images are scaled to 8 bits (value / 257) for mode {spec.mode}")
    if spec.compression:
        out.append(f"compression {spec.compression}: saves ~0-4 % on natural images at 1.2-1.7x the time")
    if layout == "per-image" and sum(len(u.items) for u in units) > 10_000:
        out.append("one dataset per image: writing and reading back many small datasets is slow; "
                   "stacking (with a resize) or encoded bytes are faster")
    return out


def _kept_mode_of(mode: str, entries: Sequence[ImageEntry]) -> str:
    kept = {e.kept for e in entries if e.mode == mode}
    return "/".join(sorted(kept))


# ---------------------------------------------------------------------------------------------
# writing


def _image_attrs(ds: h5py.Dataset, channels: int) -> None:
    """The HDF5 image attributes, so that HDFView, silx and H5Web show the data as images."""
    write_image_attrs(ds, colour=bool(channels))


_STR = h5py.string_dtype()
_VLEN_U8 = h5py.vlen_dtype(np.uint8)
_VLEN_U8_TYPE = h5py.h5t.py_create(_VLEN_U8)


def _strings(g: h5py.Group, name: str, values: Sequence[str]) -> h5py.Dataset:
    arr = np.empty(len(values), dtype=object)
    arr[:] = [_safe_text(v) for v in values]
    return g.create_dataset(name, data=arr, dtype=_STR)


def _safe_text(text: str) -> str:
    """Names from the file system may hold undecodable bytes (surrogates): keep them readable."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class _Target:
    """Where the import writes: a new file under ``NAME.partial``, or a temporary group in an existing file."""

    def __init__(self, target: str, group: str, new_file: bool) -> None:
        self.path = os.path.abspath(os.path.expanduser(target))
        self.group = group
        self.new_file = new_file
        self.claim: staging.PartialFile | None = None
        self.file: h5py.File | None = None
        self.tmp = ""
        self.committed = False  # from then on, abort() leaves everything as it is
        self._last_flush = time.monotonic()

    @property
    def partial(self) -> str:
        return str(staging.partial_name(self.path))

    def begin(self, stack: contextlib.ExitStack) -> h5py.Group:
        if self.new_file:
            # claimed before anything is created: a second import into the same new file is refused
            # here instead of truncating this one's file (HDF5's own lock refuses only after truncating)
            self.claim = staging.PartialFile(self.path)
            self.claim.claim()
            try:
                self.file = h5py.File(self.partial, "w", track_order=True, locking=False)
            except OSError as exc:
                self.claim.discard()
                raise FileAccessError(f"cannot create {self.partial}: {messages.write_refusal(str(exc))}") from exc
            return _require_groups(self.file, self.group)
        self.file = stack.enter_context(files.open_file(self.path, write=True))
        self.tmp = "/" + staging.temp_name("import")
        g = self.file.create_group(self.tmp, track_order=True)
        self.file.flush()
        return g

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.file is not None and (force or now - self._last_flush >= FLUSH_INTERVAL):
            self.file.flush()
            self._last_flush = now

    def commit(self, expected: dict[str, int]) -> None:
        """Publish the result; ``expected`` maps each dataset written to its length (checked first)."""
        assert self.file is not None
        if self.new_file:
            assert self.claim is not None
            self.file.close()
            self.file = None
            self.committed = True  # complete: if it cannot take its name, it stays as NAME.partial
            self.claim.publish(verify=lambda p: _verify(p, self.group, expected))
            return
        _verify_open(self.file, self.tmp, expected, self.path)
        parent = self.group.rsplit("/", 1)[0] or "/"
        _require_groups(self.file, parent)
        self.file.move(self.tmp, self.group)
        self.tmp = ""
        self.committed = True
        self.file.flush()

    def abort(self) -> None:
        if self.committed:
            return
        if self.new_file:
            if self.file is not None:
                with contextlib.suppress(Exception):
                    self.file.close()
                self.file = None
            if self.claim is not None:
                self.claim.discard()
            return
        if self.file is not None and self.tmp:
            try:
                if self.file.id.valid and self.tmp in self.file:
                    del self.file[self.tmp]
                    self.file.flush()
            except Exception:  # noqa: BLE001 - keep the original error; the group's name says what it is
                log.warning("could not remove the partial import %s from %s", self.tmp, self.path, exc_info=True)


def _verify(partial: str, group: str, expected: dict[str, int]) -> None:
    """Refuse to publish a new file that does not hold what was written (someone else wrote it)."""
    try:
        with h5py.File(partial, "r", locking=False) as f:
            _verify_open(f, group, expected, partial)
    except OSError as exc:
        raise FileAccessError(f"the import into {partial} was damaged by another program "
                              f"({messages.hdf5_reason(str(exc))}); nothing was published") from exc


def _verify_open(f: h5py.File, base: str, expected: dict[str, int], where: str) -> None:
    for path, n in expected.items():
        full = _join_h5(base, path)
        try:
            ds = f[full]
            ok = isinstance(ds, h5py.Dataset) and (n < 0 or not ds.shape or ds.shape[0] == n)
            if ok and ds.shape and ds.shape[0]:
                ds[ds.shape[0] - 1]  # the last element is readable
        except (KeyError, OSError, RuntimeError, ValueError):
            ok = False
        if not ok:
            raise FileAccessError(f"the import into {where} was damaged by another program ({full} is not as "
                                  "written); nothing was published")


def _require_groups(f: h5py.File, path: str) -> h5py.Group:
    g: h5py.Group = f
    for part in path.strip("/").split("/"):
        if not part:
            continue
        g = g[part] if part in g else g.create_group(part, track_order=True)
    return g


@dataclass
class _UnitWriter:
    """Writes one unit's results as they come (the generator is the only writer)."""

    unit: _Unit
    g: h5py.Group
    layout: str
    spec: ImportSpec
    paths: list[str]
    per_chunk: int = 1
    ds: h5py.Dataset | None = None
    pos: int = 0
    names: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    def start(self) -> None:
        n = len(self.unit.items)
        if self.layout in ("stack", "classes"):
            assert self.unit.shape is not None and self.unit.dtype is not None
            shape, dtype = self.unit.shape, np.dtype(self.unit.dtype)
            chunk_bytes = self.per_chunk * math.prod(shape) * dtype.itemsize
            self.ds = self.g.create_dataset(
                "images", shape=(n, *shape), maxshape=(None, *shape), dtype=dtype, chunks=(self.per_chunk, *shape),
                rdcc_nbytes=max(4 << 20, 4 * chunk_bytes), **_compression_kwargs(self.spec, dtype.itemsize),
            )
            _image_attrs(self.ds, _channels_of(shape))
        elif self.layout == "encoded" and not self.spec.encoded_per_file:
            self.ds = self.g.create_dataset(
                "images", shape=(n,), maxshape=(None,), dtype=_VLEN_U8, chunks=(min(n, 4096),),
            )
            self.ds.attrs["content"] = "encoded image files (their bytes, untouched)"

    def write(self, idx: Sequence[int], data: Any) -> None:
        items = self.unit.items
        if self.layout in ("stack", "classes"):
            assert self.ds is not None
            m = len(idx)
            if m:
                self.ds[self.pos : self.pos + m] = data
                self.pos += m
        elif self.layout == "encoded" and not self.spec.encoded_per_file:
            assert self.ds is not None
            m = len(idx)
            if m:
                arr = np.empty(m, dtype=object)
                for j, a in enumerate(data):  # one by one: equal lengths must not make a 2-D array
                    arr[j] = a
                # the low-level write: h5py's ds[...] = arr turns equal-length elements into a 2-D array
                fspace = self.ds.id.get_space()
                fspace.select_hyperslab((self.pos,), (m,))
                self.ds.id.write(h5py.h5s.create_simple((m,)), fspace, arr, mtype=_VLEN_U8_TYPE)
                self.pos += m
        elif self.layout == "encoded":
            for i, a in zip(idx, data, strict=True):
                name = _safe_text(items[i][3])
                self.g.create_dataset(name, data=a, dtype=np.uint8)
                self.paths.append(name)
        else:
            ckw = _compression_kwargs(self.spec, 1)
            for i, a in zip(idx, data, strict=True):
                name = _safe_text(items[i][3])
                kw = _compression_kwargs(self.spec, a.dtype.itemsize) if ckw else {}
                ds = self.g.create_dataset(name, data=a, dtype=a.dtype, chunks=a.shape if kw else None, **kw)
                _image_attrs(ds, _channels_of(a.shape))
                self.paths.append(name)
        for i in idx:
            self.names.append(items[i][3])
            self.labels.append(items[i][4])

    def finish(self) -> None:
        if self.ds is not None:
            if self.pos < self.ds.shape[0]:
                self.ds.resize(self.pos, axis=0)
            self.paths.append("images")
        if self.layout in ("stack", "classes") or (self.layout == "encoded" and not self.spec.encoded_per_file):
            if self.layout == "classes":
                labels = self.g.create_dataset("labels", data=np.asarray(self.labels, dtype=np.int32), dtype=np.int32)
                labels.attrs["class_names"] = np.array(self.unit.class_names, dtype=_STR)
                self.g.attrs["class_names"] = np.array(self.unit.class_names, dtype=_STR)
                self.paths.append("labels")
            _strings(self.g, "filenames", self.names)
            self.paths.append("filenames")
        self.g.attrs["source_folder"] = self.unit.source

    def expected(self, group: str) -> dict[str, int]:
        """What :meth:`finish` left: dataset path (under ``group``) -> its length (-1: not checked)."""
        n = {"images": self.pos, "filenames": len(self.names), "labels": len(self.labels)}
        return {_join_h5(group, p).lstrip("/"): n.get(p, -1) for p in self.paths}


class _Ring:
    """Shared memory that the decoder processes write their stacked batches into: the pixels are
    not pickled and copied through a pipe. One slot per batch in flight; results are consumed in
    order, so slot ``k % slots`` is free again when batch ``k`` is submitted."""

    def __init__(self, slots: int, slot_bytes: int) -> None:
        from multiprocessing import shared_memory

        self.slots, self.slot_bytes = slots, max(1, slot_bytes)
        self.shm = shared_memory.SharedMemory(create=True, size=self.slots * self.slot_bytes)
        self._next = 0

    def claim(self) -> tuple[str, int, int]:
        offset = (self._next % self.slots) * self.slot_bytes
        self._next += 1
        return self.shm.name, offset, self.slot_bytes

    def view(self, offset: int, shape: tuple[int, ...], dtype: str) -> np.ndarray:
        return np.ndarray(shape, dtype=dtype, buffer=self.shm.buf, offset=offset)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.shm.close()
        with contextlib.suppress(Exception):
            self.shm.unlink()


def _channels_of(shape: tuple[int, ...]) -> int:
    return shape[2] if len(shape) == 3 else 0


def _tasks(plan: ImportPlan, units: list[_Unit], root: str,
           ring: _Ring | None = None) -> Iterator[tuple[tuple[int, int, bool, int], tuple[Any, ...]]]:
    """``((unit index, first item index, last batch of the unit, slot offset), args)`` for the
    decode/read function (lazily: a ``ring`` slot is claimed as the task is submitted)."""
    spec = plan.spec
    opts = (spec.mode, spec.resize, spec.resample, spec.exif_transpose)
    for ui, u in enumerate(units):
        n = len(u.items)
        if plan.layout in ("stack", "classes"):
            assert u.shape is not None and u.dtype is not None
            _, step = stack_chunks(n, u.shape, np.dtype(u.dtype).itemsize)
            bounds: list[int] = list(range(0, n, step))
        else:
            bounds = []
            budget = 0
            for i, (_, _, e, _, _) in enumerate(u.items):
                cost = e.nbytes if plan.layout == "encoded" else _decoded_bytes(e)
                if not bounds or budget + cost > BATCH_BYTES or i - bounds[-1] >= (
                        BATCH_MAX_FILES if plan.layout == "encoded" else 256):
                    bounds.append(i)
                    budget = 0
                budget += cost
        for k, start in enumerate(bounds):
            stop = bounds[k + 1] if k + 1 < len(bounds) else n
            items = [(rel, frame, e.format) for rel, frame, e, _, _ in u.items[start:stop]]
            last = k == len(bounds) - 1
            if plan.layout == "encoded":
                yield (ui, start, last, -1), (root, items)
            elif plan.layout in ("stack", "classes"):
                slot = ring.claim() if ring is not None else None
                yield (ui, start, last, slot[1] if slot else -1), (root, items, opts, (u.shape, u.dtype), slot)
            else:
                yield (ui, start, last, -1), (root, items, opts, None)


def run_import(spec: ImportSpec, scan: ScanResult | None = None) -> Job[ImportReport]:
    """Job: import the folder as ``spec`` says; returns an :class:`ImportReport`.

    Scans first when ``scan`` is None (progress in 'files', message 'Scanning'), then yields
    ``Progress(done, total, 'images', 'Importing', nbytes=bytes read)``. Closing the generator
    (cancel) stops the workers without waiting for queued batches and removes the partial result.

    Raises
    ------
    BadRequestError, FileAccessError
        As :func:`plan_import`, or the target cannot be written (``ReadOnlyError`` with a handle pool
        whose file is not writable).
    UnreadableError
        A decoder process died.
    """
    t0 = time.monotonic()
    pool = _Workers(0)
    try:
        if scan is None:
            n = spec.workers
            def warm(n_files: int) -> None:
                if n > 0 or (n_files >= WARM_UP_MIN_FILES and spec.layout != "encoded"):  # decoding will need them
                    _resize_pool(pool, n or cpu_count()).warm_up()

            scan = yield from _scan(spec.source, spec.include_hidden, n, lambda k: _resize_pool(pool, k), warm)
        plan = plan_import(spec, scan)
        report = yield from _run(plan, scan, _resize_pool(pool, plan.workers), t0)
    finally:
        pool.shutdown()
    return report


def _run(plan: ImportPlan, scan_: ScanResult, pool: _Workers, t0: float) -> Job[ImportReport]:
    spec = plan.spec
    units, extra = _units(spec, scan_, plan.layout)
    skipped: list[tuple[str, str]] = list(scan_.skipped) + extra
    total = plan.n_images
    done = nbytes = imported = 0
    paths: list[str] = []
    expected: dict[str, int] = {}  # dataset (relative to the import's group) -> length, checked before publishing
    target = _Target(spec.target, plan.group, plan.new_file)
    fn = _read_batch if plan.layout == "encoded" else _decode_batch
    inflight = 2 * max(1, pool.n) + 1
    ring: _Ring | None = None
    if pool.n > 0 and plan.layout in ("stack", "classes"):
        ring = _Ring(inflight, max(stack_chunks(len(u.items), u.shape, np.dtype(u.dtype).itemsize)[1]
                                   * math.prod(u.shape) * np.dtype(u.dtype).itemsize
                                   for u in units if u.shape is not None and u.dtype is not None))
    with contextlib.ExitStack() as stack:
        if ring is not None:
            stack.callback(ring.close)
        top = target.begin(stack)
        try:
            yield Progress(0, total, "images", "Importing")
            writer: _UnitWriter | None = None
            current = -1
            tasks = _tasks(plan, units, scan_.source, ring)
            for res in _ordered(pool, fn, tasks, inflight, _prefetch_files):
                if res is _WAIT:
                    yield Progress(done, total, "images", "Importing", nbytes=nbytes)
                    continue
                (ui, start, last, offset), (data, ok, failed, nb) = res
                unit = units[ui]
                if data is None and ring is not None and unit.shape is not None and unit.dtype is not None:
                    data = ring.view(offset, (len(ok), *unit.shape), unit.dtype)
                if ui != current:
                    current = ui
                    g = _require_groups(top.file, top.name + "/" + unit.group) if unit.group else top
                    unit_paths: list[str] = []
                    writer = _UnitWriter(unit, g, plan.layout, spec, unit_paths)
                    if plan.layout in ("stack", "classes"):
                        assert unit.shape is not None and unit.dtype is not None
                        writer.per_chunk = stack_chunks(len(unit.items), unit.shape, np.dtype(unit.dtype).itemsize)[0]
                    writer.start()
                assert writer is not None
                writer.write([start + i for i in ok], data)
                data = None  # no view of the shared memory outlives its slot
                for i, reason in failed:
                    skipped.append((_item_path(unit.items[start + i]), reason))
                done += len(ok) + len(failed)
                imported += len(ok)
                nbytes += nb
                if last:
                    writer.finish()
                    base = _join_h5(plan.group, unit.group)
                    paths.extend(_join_h5(base, p) for p in writer.paths)
                    expected.update(writer.expected(unit.group))
                    writer = None
                target.flush()
                yield Progress(done, total, "images", "Importing", nbytes=nbytes)
            if imported == 0:
                target.abort()
                return ImportReport(
                    target=target.path, group=plan.group, layout=plan.layout, n_imported=0, n_skipped=len(skipped),
                    skipped=tuple(skipped), seconds=time.monotonic() - t0, nbytes_read=nbytes, datasets=(),
                    warnings=plan.warnings + ("nothing could be imported: nothing was written",),
                )
            _provenance(top, spec, scan_, plan, imported, skipped)
            paths.append(_join_h5(plan.group, "skipped"))
            target.commit(expected)
        except BaseException:
            target.abort()
            raise
    return ImportReport(
        target=target.path, group=plan.group, layout=plan.layout, n_imported=imported, n_skipped=len(skipped),
        skipped=tuple(skipped), seconds=time.monotonic() - t0, nbytes_read=nbytes, datasets=tuple(paths),
        warnings=plan.warnings,
    )


def _item_path(item: tuple[str, int, ImageEntry, str, int]) -> str:
    rel, frame, e, _, _ = item
    return f"{rel}[{frame}]" if e.frames > 1 and frame else rel


def _provenance(g: h5py.Group, spec: ImportSpec, scan_: ScanResult, plan: ImportPlan, imported: int,
                skipped: Sequence[tuple[str, str]]) -> None:
    options = dataclasses.asdict(spec)
    options["source"] = scan_.source
    options["target"] = os.path.abspath(os.path.expanduser(spec.target))
    g.attrs["import_source"] = _safe_text(scan_.source)
    g.attrs["import_date"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    g.attrs["import_h5gui_version"] = __version__
    g.attrs["import_layout"] = plan.layout
    g.attrs["import_options"] = json.dumps(options, ensure_ascii=False)
    g.attrs["import_imported"] = np.int64(imported)
    g.attrs["import_skipped"] = np.int64(len(skipped))
    dt = np.dtype([("path", _STR), ("reason", _STR)])
    rows = np.empty(len(skipped), dtype=dt)
    for i, (p, r) in enumerate(skipped):
        rows[i] = (_safe_text(p), _safe_text(r))
    g.create_dataset("skipped", data=rows, dtype=dt)


def describe_scan(result: ScanResult) -> str:
    """``'1,234 images in 12 folders (56.7 MiB), 3 files skipped'``."""
    text = f"{result.n_images:,} images in {len(result.folders):,} folder(s) ({format_bytes(result.nbytes)})"
    if result.skipped:
        text += f", {len(result.skipped):,} file(s) skipped"
    return text


__all__ = [
    "LAYOUTS", "MODES", "RESAMPLE", "FolderScan", "ImageEntry", "ImportPlan",
    "ImportReport", "ImportSpec", "ScanResult", "cpu_count", "describe_scan", "plan_import", "run_import", "scan",
]

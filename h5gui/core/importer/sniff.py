"""Reading image headers (size, mode, frames, EXIF orientation) without decoding the pixels.

Runs in the decoder processes too: everything here is module-level and picklable, and imports no
h5py (the fork server preloads this module).
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from h5gui.core import imaging

log = logging.getLogger(__name__)

SNIFF_PREFETCH_BYTES = 64 << 10  # headers are at the start: JPEG's EXIF block can take ~64 KiB

_RGB_LIKE = frozenset({"RGB", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"})
_RGBA_LIKE = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (its type's name when it has none)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def bomb_reason(width: int | None = None, height: int | None = None, exc: BaseException | None = None) -> str:
    """Why a picture is refused as too large (Pillow's decompression bomb limit), in words."""
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    size = f"{width}x{height} pixels, " if width and height else ""
    if not size and exc is not None:
        m = re.search(r"\((\d+) pixels\)", str(exc))  # Pillow: 'Image size (900000000 pixels) exceeds ...'
        size = f"{int(m.group(1)):,} pixels, " if m else ""
    if limit:
        return f"too large ({size}more than Pillow's limit of {limit:,}: possible decompression bomb)"
    return f"too large ({one_line(exc) if exc else size})"  # pragma: no cover - limit disabled


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
            log.debug("Pillow cannot convert mode %s to RGB", mode, exc_info=True)
            ok = False
        _CONVERTIBLE[mode] = ok
    return ok


def kept_mode(img: Any) -> str | None:
    """What mode='keep' makes of a Pillow image's mode (None: not supported)."""
    mode = img.mode
    if mode in ("1", "L"):
        return "L"
    if mode.startswith("I;16"):
        return "I;16"
    if mode in ("I", "F"):
        return mode
    if mode == "LA":  # grey with alpha stays 2 channels (issue 12 defect 16)
        return "LA"
    if mode in _RGBA_LIKE:
        return "RGBA" if mode != "La" else None
    if mode == "P":
        alpha = "transparency" in img.info or (img.palette is not None and img.palette.mode == "RGBA")
        return "RGBA" if alpha else "RGB"
    if mode in _RGB_LIKE:
        return "RGB"
    return "RGB" if _convertible(mode) else None


def orientation(img: Any, loaded: bool = False) -> int:
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
        log.debug("unreadable EXIF orientation in %s", getattr(img, "filename", "") or "an image", exc_info=True)
        return 1
    return value if 1 <= value <= 8 else 1


def join_path(root: str, rel: str) -> str:
    """The file system path of ``rel`` ('/'-separated, relative to ``root``)."""
    return os.path.join(root, *rel.split("/"))


def sniff_file(root: str, rel: str) -> tuple[Any, ...]:
    """``(rel, format, width, height, mode, kept, nbytes, frames, orientation)`` or ``(rel, None, reason)``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with open(join_path(root, rel), "rb") as fh:
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
                    return rel, None, bomb_reason(exc=exc)
                except Exception as exc:  # noqa: BLE001 - whatever a plugin raises
                    return rel, None, f"corrupt {fmt or 'image'} data ({one_line(exc)})"
                with img:
                    width, height = img.size
                    limit = Image.MAX_IMAGE_PIXELS
                    if limit and width * height > limit:
                        return rel, None, bomb_reason(width, height)
                    kept = kept_mode(img)
                    if kept is None:
                        return rel, None, f"unsupported mode {img.mode} ({img.format})"
                    try:
                        frames = int(getattr(img, "n_frames", 1) or 1)
                    except Exception:  # noqa: BLE001 - a broken later frame: the first one still reads
                        log.debug("cannot count the frames of %s", rel, exc_info=True)
                        frames = 1
                    return (rel, str(img.format or fmt), width, height, img.mode, kept, size, frames,
                            orientation(img))
    except PermissionError:
        return rel, None, "permission denied"
    except OSError as exc:
        return rel, None, f"cannot read: {exc.strerror or one_line(exc)}"


def prefetch(paths: Iterable[str], nbytes: int = 0) -> None:
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


def sniff_batch(root: str, rels: Sequence[str]) -> list[tuple[Any, ...]]:
    """The header facts of each file ``rels`` (see :func:`sniff_file`): one decoder task."""
    return [sniff_file(root, rel) for rel in rels]


def prefetch_headers(root: str, rels: Sequence[str]) -> None:
    """Ask the OS to start reading the headers of ``rels``."""
    prefetch((join_path(root, rel) for rel in rels), SNIFF_PREFETCH_BYTES)

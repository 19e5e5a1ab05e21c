"""Decoding pictures into arrays as an :class:`ImportSpec` asks (mode, EXIF orientation, resize), and
reading the files' bytes for the encoded layout, a batch at a time.

Runs in the decoder processes: :func:`decode_batch` and :func:`read_batch` are module-level and
picklable, import no h5py, and write stacked batches into a slot of the parent's shared memory.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from h5gui.core import imaging
from h5gui.core.importer.sniff import bomb_reason, join_path, kept_mode, one_line, orientation, prefetch


def prefetch_files(root: str, items: Sequence[tuple[str, int, str]], *_: Any) -> None:
    """Ask the OS to start reading the whole files of a task (``items`` ``(rel, frame, format)``)."""
    prefetch(join_path(root, rel) for rel, frame, _ in items if frame == 0)


_RESAMPLE_IDS = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


class _Skip(Exception):
    """A file that cannot be imported: the message is the reason."""


def _to_mode(img: Any, mode: str) -> Any:
    """``img`` converted for ``mode`` ('keep' or L/RGB/RGBA): a Pillow image whose array is the result."""
    from PIL import Image

    kept = kept_mode(img)
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

    mode, resize, resample, exif, how, pad = opts
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        img = Image.open(fh, formats=[fmt] if fmt else None)
        try:
            width, height = img.size
            limit = Image.MAX_IMAGE_PIXELS
            if limit and width * height > limit:
                raise _Skip(bomb_reason(width, height))
            if frame:
                img.seek(frame)
            if resize is not None and img.format == "JPEG" and img.mode in ("L", "RGB", "YCbCr", "CMYK"):
                # decode at a reduced scale (libjpeg's DCT scaling), never below what the resize needs
                turn = orientation(img) if exif else 1
                w, h = (height, width) if turn in (5, 6, 7, 8) else (width, height)
                need = _scaled_size((w, h), tuple(resize), how)
                img.draft(img.mode, (need[1], need[0]) if turn in (5, 6, 7, 8) else need)
            img.load()
            out: Image.Image = img
            if exif and orientation(img, loaded=True) != 1:
                out = ImageOps.exif_transpose(out)
            out = _to_mode(out, mode)
            if resize is not None:
                out = resized(out, tuple(resize), how, _RESAMPLE_IDS[resample], pad)
            a = np.asarray(out)
        finally:
            img.close()
    if a.dtype == np.bool_:
        a = a.astype(np.uint8) * 255
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a, size


def _scaled_size(size: tuple[int, int], target: tuple[int, int], how: str) -> tuple[int, int]:
    """(width, height) a picture of ``size`` is scaled to before a crop or pad to ``target`` (``how``)."""
    w, h = size
    tw, th = target
    if how == "stretch":
        return tw, th
    if how == "fit":
        s = min(tw / w, th / h)
    elif how == "crop":
        s = max(tw / w, th / h)
    else:  # shorter
        s = min(tw, th) / min(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def resized(img: Any, target: tuple[int, int], how: str, resample: int, pad: int = 0) -> Any:
    """``img`` resized for ``target`` (width, height): ``stretch`` exactly; ``fit`` inside, aspect kept,
    centred on ``pad``; ``crop`` covering, aspect kept, centre cropped; ``shorter``: the shorter side
    becomes ``min(target)``, aspect kept."""
    from PIL import Image, ImageOps

    if how == "stretch":
        return img if img.size == target else img.resize(target, resample)
    if how == "crop":
        return img if img.size == target else ImageOps.fit(img, target, resample, centering=(0.5, 0.5))
    new = _scaled_size(img.size, target, how)
    out = img if img.size == new else img.resize(new, resample)
    if how == "shorter" or new == target:
        return out
    colour: Any = (pad,) * len(out.getbands()) if len(out.getbands()) > 1 else pad
    canvas = Image.new(out.mode, target, colour)
    canvas.paste(out, ((target[0] - new[0]) // 2, (target[1] - new[1]) // 2))
    return canvas


def _decode_reason(exc: BaseException, fmt: str) -> str:
    from PIL import Image

    name = fmt or "image"
    if isinstance(exc, _Skip):
        return str(exc)
    if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
        return bomb_reason(exc=exc)
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file vanished since the scan"
    if isinstance(exc, MemoryError):
        return "not enough memory to decode it"
    text = one_line(exc)
    if isinstance(exc, EOFError) or "truncated" in text or "broken data stream" in text:
        return f"truncated {name} data"
    if isinstance(exc, ValueError) and "conversion" in text:
        return f"unsupported mode ({text})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read: {exc.strerror}"
    return f"cannot decode the {name} data ({text})"


def form_text(shape: tuple[int, ...], dtype: Any) -> str:
    """``'64x48x3 uint8'``: an image's width, height, channels and dtype."""
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


def decode_batch(
    root: str, items: Sequence[tuple[str, int, str]], opts: tuple[Any, ...],
    expect: tuple[tuple[int, ...], str] | None, slot: tuple[str, int, int] | None = None,
) -> tuple[Any, list[int], list[tuple[int, str]], int]:
    """Decode ``items`` ``(rel, frame, format)``.

    Returns ``(data, ok, failed, nbytes)``: with ``expect = (shape, dtype)`` ``data`` is one array
    ``(len(ok), *shape)`` (None when it was written into the shared memory ``slot``: ``(name,
    offset, capacity)``), else a list of arrays, or with a ``slot`` a list whose entries are arrays
    or, for those packed into the slot, ``(offset, shape, dtype)`` (:func:`unpack`); ``ok`` are the
    indices in ``items`` of the decoded ones, ``failed`` ``(index, reason)``, ``nbytes`` the bytes read.
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
                a, size = _decode_one(join_path(root, rel), frame, fmt, opts)
                if frame == 0:
                    nbytes += size
                if out is not None:
                    assert expect is not None
                    if a.shape != expect[0] or a.dtype != np.dtype(expect[1]):
                        raise _Skip(
                            f"{form_text(a.shape, a.dtype)} does not match the other images of its group "
                            f"({form_text(expect[0], expect[1])}): changed since the scan?"
                        )
                    out[len(ok)] = a
                else:
                    arrays.append(a)
                ok.append(i)
            except Exception as exc:  # noqa: BLE001 - every failure is a reason to report
                failed.append((i, _decode_reason(exc, fmt)))
    if slot is not None and out is not None:
        return None, ok, failed, nbytes
    if slot is not None:
        return _pack(arrays, slot), ok, failed, nbytes
    data: Any = out[: len(ok)] if out is not None else arrays
    return data, ok, failed, nbytes


def _pack(arrays: list[np.ndarray], slot: tuple[str, int, int]) -> list[Any]:
    """Pictures of any sizes copied one after the other into the shared memory ``slot`` (64-byte
    aligned): the parent gets ``(offset, shape, dtype)`` instead of pickled pixels; those that do not
    fit are returned as they are."""
    name, base, capacity = slot
    out: list[Any] = []
    used = 0
    for a in arrays:
        size = a.nbytes
        if used + size > capacity:
            out.append(a)
            continue
        _slot_array((name, base + used, capacity - used), a.shape, a.dtype.str)[...] = a
        out.append((base + used, a.shape, a.dtype.str))
        used += -(-size // 64) * 64
    return out


def unpack(data: list[Any], view: Any) -> list[np.ndarray]:
    """The arrays of :func:`_pack`'s list, ``view(offset, shape, dtype)`` giving the shared memory's."""
    return [view(*d) if isinstance(d, tuple) else d for d in data]


def read_batch(root: str, items: Sequence[tuple[str, int, str]]) -> tuple[Any, list[int], list[tuple[int, str]], int]:
    """Read the files' bytes (encoded layout): ``(list of uint8 arrays, ok, failed, nbytes)``."""
    arrays: list[np.ndarray] = []
    ok: list[int] = []
    failed: list[tuple[int, str]] = []
    nbytes = 0
    for i, (rel, _frame, fmt) in enumerate(items):
        try:
            with open(join_path(root, rel), "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            failed.append((i, "file vanished since the scan"))
            continue
        except PermissionError:
            failed.append((i, "permission denied"))
            continue
        except OSError as exc:
            failed.append((i, f"cannot read: {exc.strerror or one_line(exc)}"))
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

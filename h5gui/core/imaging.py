"""Encoded images (PNG, JPEG, TIFF, BMP, GIF, WEBP) found in datasets: detection and safe decoding.

The bytes come from files we did not write, so decoding is defensive (DESIGN.md section 2):

* the format is recognised by its signature and Pillow is only allowed that one decoder;
* the pixel size is checked from the header *before* any pixel is decoded (``max_pixels``), and
  Pillow's own limit (``Image.MAX_IMAGE_PIXELS``, whose warning is turned into an error) applies too;
* truncated or corrupt data raises :class:`~h5gui.core.errors.UnreadableError` with one sentence.
"""

from __future__ import annotations

import io
import logging
import struct
import warnings
from dataclasses import dataclass

import numpy as np

from h5gui.core.errors import UnreadableError

log = logging.getLogger(__name__)

# Pillow's names for the formats we recognise
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")
_BMP_HEADER_SIZES = (12, 16, 40, 52, 56, 64, 108, 124)
SNIFF_BYTES = 32  # enough bytes to recognise every format of :data:`FORMATS`


def sniff_format(data: bytes | bytearray | memoryview | np.ndarray) -> str:
    """The image format whose signature ``data`` starts with (``'PNG'``, ``'JPEG'``, ...), or ``''``.

    Only the first :data:`SNIFF_BYTES` bytes are looked at. BMP's two-letter signature is confirmed
    by its header (reserved bytes zero, a known header size) so that numbers starting with 66, 77
    are not taken for a picture.
    """
    if isinstance(data, np.ndarray):
        data = np.ascontiguousarray(data.reshape(-1)[:SNIFF_BYTES]).view(np.uint8).tobytes()
    head = bytes(data[:SNIFF_BYTES])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WEBP"
    if (
        len(head) >= 18
        and head.startswith(b"BM")
        and head[6:10] == b"\x00\x00\x00\x00"
        and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
    ):
        return "BMP"
    return ""


@dataclass(frozen=True, slots=True)
class DecodedInfo:
    """What a decoded picture was."""

    format: str  # 'PNG', 'JPEG', ...
    width: int
    height: int
    mode: str  # Pillow's mode of the file ('P', 'I;16', 'RGBA', ...)
    frames: int = 1  # multi-frame GIF/TIFF/WEBP: only the first is decoded
    nbytes: int = 0  # size of the encoded data
    bits: int = 8  # bits per sample of the decoded array
    exif_orientation: int = 1  # EXIF orientation tag (1 = as stored); the pixels are not rotated

    @property
    def rgb(self) -> bool:
        return self.mode not in _GREY_MODES

    @property
    def description(self) -> str:
        """``'PNG 640x480 RGB'``, ``'GIF 32x32 P, 5 frames'``."""
        text = f"{self.format} {self.width}x{self.height} {self.mode}"
        if self.frames > 1:
            text += f", {self.frames} frames"
        return text


_GREY_MODES = {"1", "L", "I", "I;16", "I;16L", "I;16B", "I;16N", "F", "L;16"}


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def decode_image(
    data: bytes | bytearray | memoryview | np.ndarray, max_pixels: int | None = None, *, name: str = "image"
) -> tuple[np.ndarray, DecodedInfo]:
    """Decode an encoded picture into an array: ``(h, w)`` grey or ``(h, w, 3|4)`` colour.

    Modes: ``1`` -> uint8 0/255, ``L`` -> uint8, ``LA``/``PA``/``P`` with transparency -> RGBA uint8,
    ``P``/``CMYK``/``YCbCr``... -> RGB uint8, ``I;16*`` -> uint16, ``I`` -> int32, ``F`` -> float32.
    Multi-frame files: the first frame (``info.frames`` says how many there are).

    Parameters
    ----------
    data
        The file's bytes (or a uint8 array of them).
    max_pixels
        Refuse pictures with more pixels than this (default: ``PIL.Image.MAX_IMAGE_PIXELS``).
    name
        How to name the data in messages (the dataset's path).

    Raises
    ------
    UnreadableError
        Not a recognised format, too many pixels (decompression bomb), truncated or corrupt data.
    """
    from PIL import Image

    if isinstance(data, np.ndarray):
        data = np.ascontiguousarray(data).view(np.uint8).tobytes()
    data = bytes(data)
    fmt = sniff_format(data)
    if not fmt:
        raise UnreadableError(f"cannot decode {name}: not a PNG, JPEG, GIF, BMP, TIFF or WEBP file")
    limit = Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[fmt])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise UnreadableError(f"cannot decode {name}: {fmt} image too large ({_reason(exc)})") from exc
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            raise UnreadableError(f"cannot decode {name}: corrupt {fmt} data ({_reason(exc)})") from exc
        try:
            width, height = img.size
            if limit is not None and width * height > limit:
                raise UnreadableError(
                    f"cannot decode {name}: {fmt} image too large ({width}x{height} pixels, more than "
                    f"{limit:,}: possible decompression bomb)"
                )
            frames = int(getattr(img, "n_frames", 1) or 1)
            mode = img.mode
            orientation = 1
            try:
                orientation = int(img.getexif().get(0x0112, 1))
            except Exception:  # a broken EXIF block does not stop the picture: taken as stored
                log.debug("cannot read the EXIF orientation of %s", name, exc_info=True)
            try:
                img.load()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise UnreadableError(f"cannot decode {name}: {fmt} image too large ({_reason(exc)})") from exc
            except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
                text = str(exc)
                if "truncated" in text or isinstance(exc, EOFError) or "broken data stream" in text:
                    raise UnreadableError(f"cannot decode {name}: truncated {fmt} data") from exc
                raise UnreadableError(f"cannot decode {name}: corrupt {fmt} data ({_reason(exc)})") from exc
            array = _to_array(img)
        finally:
            img.close()
    bits = array.dtype.itemsize * 8 if mode != "1" else 1
    info = DecodedInfo(fmt, width, height, mode, frames, len(data), bits, orientation)
    return array, info


def _to_array(img: object) -> np.ndarray:
    from PIL import Image

    assert isinstance(img, Image.Image)
    mode = img.mode
    if mode == "1":
        return np.asarray(img.convert("L"))
    if mode in ("L", "RGB", "RGBA"):
        return np.asarray(img)
    if mode.startswith("I;16"):
        a = np.asarray(img)
        return a.astype(a.dtype.newbyteorder("=")) if not a.dtype.isnative else a
    if mode in ("I", "F"):
        a = np.asarray(img)
        return a if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))
    if mode in ("LA", "La", "PA", "RGBa", "RGBX"):
        return np.asarray(img.convert("RGB" if mode == "RGBX" else "RGBA"))
    if mode == "P":
        has_alpha = "transparency" in img.info or (img.palette is not None and img.palette.mode == "RGBA")
        return np.asarray(img.convert("RGBA" if has_alpha else "RGB"))
    return np.asarray(img.convert("RGB"))


def to_uint8(data: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """Map ``data`` linearly from ``levels`` onto 0..255 (clipped; NaN -> 0), keeping the shape."""
    lo, hi = float(levels[0]), float(levels[1])
    if data.dtype == np.uint8 and (lo, hi) == (0.0, 255.0):
        return data
    scale = 255.0 / (hi - lo) if hi > lo else 1.0
    out = (data.astype(np.float32) - np.float32(lo)) * np.float32(scale)
    np.nan_to_num(out, copy=False, nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(out, 0, 255, out=out).astype(np.uint8)


def encode_png(array: np.ndarray) -> bytes:
    """PNG bytes of a uint8/uint16 ``(h, w)`` or uint8 ``(h, w, 3|4)`` array."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buf, format="PNG")
    return buf.getvalue()

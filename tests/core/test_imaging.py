"""Encoded-image detection and defensive decoding (real pictures made with Pillow)."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from h5gui.core import imaging
from h5gui.core.errors import UnreadableError


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def rgb_array(h=12, w=16) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([yy * 10, xx * 10, (yy + xx) * 5], axis=-1).astype(np.uint8)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` (valid CRC) followed by a tiny IDAT and IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"])
def test_sniff_recognises_each_format(fmt):
    data = encode(Image.fromarray(rgb_array()), fmt)
    assert imaging.sniff_format(data) == fmt
    assert imaging.sniff_format(np.frombuffer(data, dtype=np.uint8)) == fmt


def test_sniff_rejects_lookalikes():
    assert imaging.sniff_format(b"") == ""
    assert imaging.sniff_format(b"hello world, not a picture") == ""
    assert imaging.sniff_format(bytes([66, 77]) + bytes(range(30))) == ""  # 'BM' then junk is no BMP
    assert imaging.sniff_format(b"RIFF\x00\x00\x00\x00WAVEfmt ") == ""


def test_decode_rgb_png_is_exact():
    a = rgb_array()
    out, info = imaging.decode_image(encode(Image.fromarray(a), "PNG"))
    np.testing.assert_array_equal(out, a)
    assert (info.format, info.width, info.height, info.mode, info.frames) == ("PNG", 16, 12, "RGB", 1)
    assert info.description == "PNG 16x12 RGB"
    assert info.rgb


@pytest.mark.parametrize(
    ("mode", "dtype", "shape_tail"),
    [("L", np.uint8, ()), ("LA", np.uint8, (4,)), ("RGBA", np.uint8, (4,)), ("1", np.uint8, ()),
     ("I;16", np.uint16, ()), ("I", np.int32, ()), ("F", np.float32, ())],
)
def test_decode_modes(mode, dtype, shape_tail):
    base = Image.fromarray(rgb_array())
    if mode == "I;16":
        img = Image.fromarray(np.arange(12 * 16, dtype=np.uint16).reshape(12, 16) * 300)
        assert img.mode.startswith("I;16")
    elif mode == "F":
        img = Image.fromarray(np.linspace(0, 1, 12 * 16, dtype=np.float32).reshape(12, 16))
    elif mode == "I":
        img = Image.fromarray(np.arange(12 * 16, dtype=np.int32).reshape(12, 16) * 70000)
    else:
        img = base.convert(mode)
    fmt = "TIFF" if mode in ("I;16", "I", "F") else "PNG"
    out, info = imaging.decode_image(encode(img, fmt))
    assert out.dtype == dtype and out.dtype.isnative
    assert out.shape == (12, 16) + shape_tail
    if mode in ("I;16", "I", "F"):
        np.testing.assert_array_equal(out, np.asarray(img))
    if mode == "1":
        assert set(np.unique(out)) <= {0, 255}


def test_decode_palette_to_rgb_and_rgba():
    img = Image.fromarray(rgb_array()).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    out, info = imaging.decode_image(encode(img, "PNG"))
    assert info.mode == "P" and out.shape == (12, 16, 3) and out.dtype == np.uint8
    img.info["transparency"] = 0
    out, _ = imaging.decode_image(encode(img, "PNG", transparency=0))
    assert out.shape == (12, 16, 4)


def test_multi_frame_gif_first_frame_and_count():
    frames = [Image.fromarray(np.full((8, 8), v, dtype=np.uint8)).convert("P") for v in (0, 128, 255)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    out, info = imaging.decode_image(buf.getvalue())
    assert info.frames == 3 and "3 frames" in info.description
    assert out.shape[:2] == (8, 8)


def test_decompression_bomb_header_refused():
    data = png_header_only(100_000, 100_000)
    with pytest.raises(UnreadableError, match=r"cannot decode /img: PNG image too large"):
        imaging.decode_image(data, name="/img")


def test_pillow_pixel_limit_warning_becomes_error(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    data = encode(Image.fromarray(np.zeros((12, 12), dtype=np.uint8)), "PNG")  # 144 px: a warning in Pillow
    with pytest.raises(UnreadableError, match="too large"):
        imaging.decode_image(data, max_pixels=10**9, name="/x")


def test_own_pixel_limit():
    data = encode(Image.fromarray(np.zeros((40, 50), dtype=np.uint8)), "PNG")
    with pytest.raises(UnreadableError, match=r"^cannot decode /x: PNG image too large \(50x40 pixels, more than 1,000: possible decompression bomb\)$"):
        imaging.decode_image(data, max_pixels=1000, name="/x")


def test_truncated_png_message():
    data = encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)), "PNG")
    with pytest.raises(UnreadableError) as err:
        imaging.decode_image(data[: len(data) // 2], name="/pics/a")
    assert str(err.value) == "cannot decode /pics/a: truncated PNG data"


def test_corrupt_and_unknown_data():
    data = bytearray(encode(Image.fromarray(rgb_array()), "PNG"))
    data[16:24] = b"\xff" * 8  # IHDR size field garbage
    with pytest.raises(UnreadableError, match="cannot decode /c: .*PNG"):
        imaging.decode_image(bytes(data), name="/c")
    with pytest.raises(UnreadableError, match="not a PNG, JPEG"):
        imaging.decode_image(b"plain text", name="/t")

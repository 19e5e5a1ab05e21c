"""Encoded pictures held by datasets, decoded exactly, and the errors of bad or too large ones."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from h5gui.core import preview
from h5gui.core.errors import BadRequestError, UnreadableError

from .preview_data import RGB


@pytest.mark.parametrize(
    ("path", "index", "desc", "exact"),
    [
        ("/enc_png", 0, "PNG 50x40 RGB", RGB),
        ("/enc_tiff", 0, "TIFF 50x40 RGB", RGB),
        ("/enc_bmp", 0, "BMP 50x40 RGB", RGB),
        ("/enc_jpeg", 0, "JPEG 50x40 RGB", None),
        ("/enc_gif", 0, "GIF 32x24", None),
        ("/enc_void", 0, "PNG 50x40 RGB", RGB),
        ("/enc_vlen", 0, "PNG 50x40 RGB (image 1 of 3)", RGB),
        ("/enc_vlen", 1, "BMP 32x24 L (image 2 of 3)", np.arange(24 * 32, dtype=np.uint8).reshape(24, 32)),
        ("/enc_vlen", 2, "JPEG 50x40 RGB (image 3 of 3)", None),
        ("/enc_bytes", 0, "PNG 32x24 L (image 1 of 2)", np.arange(24 * 32, dtype=np.uint8).reshape(24, 32)),
        ("/enc_bytes", 1, "TIFF 50x40 RGB (image 2 of 2)", RGB),
        ("/enc_fixed", 0, "BMP 32x24 L (image 1 of 2)", np.arange(24 * 32, dtype=np.uint8).reshape(24, 32)),
        ("/enc_fixed", 1, "PNG 50x40 RGB (image 2 of 2)", RGB),
    ],
)
def test_read_encoded(h5, path, index, desc, exact):
    s, description = preview.read_encoded(h5, path, index=index)
    assert description.startswith(desc)
    assert s.step == (1, 1) and s.data.shape[:2] == s.full_shape
    if exact is not None:
        np.testing.assert_array_equal(s.data, exact)
        assert s.rgb == (exact.ndim == 3)


def test_encoded_errors(h5, monkeypatch):
    with pytest.raises(UnreadableError, match=r"^cannot decode /enc_truncated: truncated PNG data$"):
        preview.read_encoded(h5, "/enc_truncated")
    with pytest.raises(UnreadableError, match="too large"):
        preview.read_encoded(h5, "/enc_png", max_pixels=100)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow's own limit (a warning at 1x, error at 2x)
    with pytest.raises(UnreadableError, match=r"cannot decode /enc_vlen\[0\]: PNG image too large"):
        preview.read_encoded(h5, "/enc_vlen", index=0)
    with pytest.raises(BadRequestError, match="out of range"):
        preview.read_encoded(h5, "/enc_vlen", index=3)
    with pytest.raises(BadRequestError, match="does not hold encoded image bytes"):
        preview.read_encoded(h5, "/img2d")

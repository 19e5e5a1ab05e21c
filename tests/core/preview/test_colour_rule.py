"""Issue 12 defect 17: an axis of 4 is colour only when the data says so; alpha 0 never blanks the view."""

import h5py
import numpy as np

from h5gui.core import preview


def test_a_5d_int16_array_is_grey_images_with_a_slider_for_the_last_axis(tmp_path):
    p = tmp_path / "f.h5"
    with h5py.File(p, "w") as f:
        f["d5"] = np.arange(2 * 3 * 32 * 32 * 4, dtype="i2").reshape(2, 3, 32, 32, 4)
        f["hwc_f32"] = np.ones((32, 32, 3), dtype="f4")
        f["pictures"] = np.zeros((5, 32, 32, 3), dtype="u1")
    info = preview.preview_info(str(p), "/d5")
    assert info.image_axes == (2, 3, None) and not info.rgb
    s = preview.read_image(str(p), "/d5", preview.ImageRequest(axes=info.image_axes, index=(0, 0, 0, 0, 1)))
    assert s.data.shape == (32, 32) and s.data[0, 1] == 5  # channel 1 of pixel (0, 1)
    assert preview.preview_info(str(p), "/hwc_f32").image_axes == (0, 1, None)
    pictures = preview.preview_info(str(p), "/pictures")
    assert pictures.image_axes == (1, 2, 3) and pictures.rgb


def test_an_rgba_image_with_alpha_0_everywhere_is_shown_without_it(tmp_path):
    p = tmp_path / "a.h5"
    rgba = np.zeros((16, 16, 4), dtype="u1")
    rgba[..., 0] = 200
    with h5py.File(p, "w") as f:
        f["rgba"] = rgba
    info = preview.preview_info(str(p), "/rgba")
    s = preview.read_image(str(p), "/rgba", preview.ImageRequest(axes=info.image_axes, index=()))
    assert s.data.shape == (16, 16, 3) and (s.data[..., 0] == 200).all()
    assert "alpha is 0 everywhere" in s.note

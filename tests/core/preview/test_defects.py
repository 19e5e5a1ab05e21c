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


def test_a_plot_of_one_compound_field_against_itself(tmp_path):
    """Issue 12 defect 8: 'field x occurs more than once' and a logged traceback."""
    p = tmp_path / "c.h5"
    with h5py.File(p, "w") as f:
        f["c"] = np.array([(1.0, 2.0), (3.0, 4.0), (5.0, 6.0)], dtype=[("x", "f4"), ("y", "f4")])
    d = preview.read_plot(str(p), "/c", x_field="x", y_field="x")
    np.testing.assert_array_equal(d.y, [1, 3, 5])
    np.testing.assert_array_equal(d.x, [1, 3, 5])


def test_values_in_info_and_attributes_are_words_not_reprs(tmp_path):
    """Issue 12 defect 18: references as paths, invalid UTF-8 as escapes, compounds without b'...'."""
    from h5gui.core import attrs, nodes

    p = tmp_path / "v.h5"
    with h5py.File(p, "w") as f:
        target = f.create_dataset("target", data=np.arange(3))
        f.attrs["ref"] = target.ref
        f.attrs.create("raw", np.array(b"ab\xffcd"), dtype="S5")
        comp = np.array([(1, b"first")], dtype=[("n", "i4"), ("name", "S8")])
        f.attrs["comp"] = comp
        f["refs"] = np.array([target.ref], dtype=h5py.ref_dtype)
        f["comp_ds"] = comp
    values = {a.name: a.value for a in attrs.list_attrs(str(p), "/")}
    assert values["ref"] == "/target"
    assert values["raw"] == "ab\\xffcd"
    assert values["comp"] == "[{n: 1, name: first}]" and "b'" not in values["comp"]
    assert nodes.describe(str(p), "/refs").value == "[/target]"
    assert nodes.describe(str(p), "/comp_ds").value == "[{n: 1, name: first}]"

"""Which views apply to a dataset and their defaults (preview_info); problems with the data reported,
not raised; data outside the file's folder refused by every read."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from h5gui.core import preview
from h5gui.core.errors import BadRequestError, FilterUnavailableError, UnsafeAccessError
from h5gui.core.preview import preview_info, read_plot, read_table, read_text


@pytest.mark.parametrize(
    ("path", "kind", "views", "axes", "rgb"),
    [
        ("/img2d", "numeric", ("image", "table", "plot"), (0, 1, None), False),
        ("/rgb", "numeric", ("image", "table", "plot"), (0, 1, 2), True),
        ("/chw", "numeric", ("image", "table", "plot"), (1, 2, 0), True),
        ("/nhwc", "numeric", ("image", "table", "plot"), (1, 2, 3), True),
        ("/nchw", "numeric", ("image", "table", "plot"), (2, 3, 1), True),
        ("/tzyx", "numeric", ("image", "table", "plot"), (2, 3, None), False),
        ("/nhw", "numeric", ("image", "table", "plot"), (1, 2, None), False),
        ("/planes", "numeric", ("image", "table", "plot"), (1, 2, 0), True),  # attributes, not the shape
        ("/complex2d", "complex", ("image", "table", "plot"), (0, 1, None), False),
        ("/bool2d", "bool", ("image", "table", "plot"), (0, 1, None), False),
        ("/row_vector", "numeric", ("plot", "image", "table"), (0, 1, None), False),
        ("/line", "numeric", ("plot", "table"), None, False),
        ("/compound", "compound", ("table", "plot"), None, False),
        ("/strings", "string", ("table", "text"), None, False),
        ("/scalar", "numeric", ("text", "table"), None, False),
        ("/json", "string", ("text", "table"), None, False),
        ("/enum", "enum", ("table", "plot"), None, False),
        ("/enum2d", "enum", ("table", "image", "plot"), (0, 1, None), False),
        ("/refs", "reference", ("table", "text"), None, False),
        ("/opaque", "opaque", ("table", "text"), None, False),
        ("/vlen_int", "vlen", ("table", "text"), None, False),
        ("/not_encoded", "numeric", ("plot", "table"), None, False),
        ("/zero_size", "empty", (), None, False),
        ("/empty", "empty", (), None, False),
    ],
)
def test_views(h5, path, kind, views, axes, rgb):
    i = preview_info(h5, path)
    assert (i.kind, i.views, i.image_axes, i.rgb, i.error) == (kind, views, axes, rgb, "")
    assert i.path == path and i.file == h5


def test_info_details(h5):
    i = preview_info(h5, "/compound")
    assert i.fields == ("t", "v", "label", "n") and i.plot_fields == ("t", "v", "n")
    assert i.dtype.startswith("|V") and "compound" in i.dtype_text
    i = preview_info(h5, "/stack")
    assert i.chunks == (1, 64, 64) and i.dtype == "<u2" and i.shape == (20, 64, 64)
    i = preview_info(h5, "/huge_fill")
    assert i.all_fill and i.fill_value == 7.0 and i.views[0] == "image"
    assert not preview_info(h5, "/big").all_fill
    assert preview_info(h5, "/scalar").text == "2.5"
    assert preview_info(h5, "/empty").shape is None
    assert json.loads(preview_info(h5, "/json").text) == {"name": "model", "layers": [1, 2, 3]}
    assert "\n  " in preview_info(h5, "/json").text  # pretty-printed


@pytest.mark.parametrize(
    ("path", "fmt", "count", "first"),
    [
        ("/enc_png", "PNG", 1, "encoded"),
        ("/enc_jpeg", "JPEG", 1, "encoded"),
        ("/enc_tiff", "TIFF", 1, "encoded"),
        ("/enc_bmp", "BMP", 1, "encoded"),
        ("/enc_gif", "GIF", 1, "encoded"),
        ("/enc_void", "PNG", 1, "encoded"),
        ("/enc_vlen", "PNG", 3, "encoded"),
        ("/enc_bytes", "PNG", 2, "encoded"),
        ("/enc_fixed", "BMP", 2, "encoded"),
    ],
)
def test_encoded_detection(h5, path, fmt, count, first):
    i = preview_info(h5, path)
    assert (i.kind, i.encoded_format, i.encoded_count, i.views[0]) == ("encoded", fmt, count, first)


def test_unreadable_and_filter_problems_are_reported_not_raised(sample):
    i = preview.preview_info(str(sample.h5), "/data/time")
    assert i.kind == "unreadable" and i.views == () and "datatype" in i.error
    i = preview.preview_info(str(sample.filters), "/unknown_filter")
    assert i.views == ()
    assert i.error == "cannot decompress /unknown_filter: filter 32767 (unknown) not available"
    assert preview.preview_info(str(sample.filters), "/optional_missing").views == ("plot", "table")


def test_unavailable_filter_raises_on_reads(sample):
    f = str(sample.filters)
    for call in (
        lambda: read_plot(f, "/unknown_filter"),
        lambda: read_table(f, "/unknown_filter", 0, 10, 0, 1),
        lambda: read_text(f, "/unknown_filter"),
    ):
        with pytest.raises(FilterUnavailableError, match=r"^cannot decompress /unknown_filter: filter 32767"):
            call()
    np.testing.assert_array_equal(read_plot(f, "/lzf").y, np.arange(1000))


def test_external_storage_is_refused(sample):
    f = str(sample.h5)
    for call in (
        lambda: preview.preview_info(f, "/external_storage"),
        lambda: read_table(f, "/external_storage", 0, 1, 0, 1),
        lambda: read_text(f, "/external_storage"),
        lambda: preview.read_encoded(f, "/external_storage"),
        lambda: read_plot(f, "/vds_outside"),
    ):
        with pytest.raises(UnsafeAccessError) as err:
            call()
        assert sample.secret_text not in str(err.value)
    block = read_table(f, "/external_storage", 0, 1, 0, 1, allow_external=True)
    assert block.cells == ((sample.secret_text,),)
    np.testing.assert_array_equal(read_plot(f, "/vds_inside").y, np.arange(10))


def test_not_a_dataset(sample):
    with pytest.raises(BadRequestError, match="not a dataset"):
        preview.preview_info(str(sample.h5), "/data")



def test_a_grey_stack_of_three_images_is_not_taken_for_colour(tmp_path) -> None:
    path = tmp_path / "grey.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("stack", data=np.zeros((3, 32, 32), np.uint8))
        d.attrs["CLASS"] = np.bytes_("IMAGE")
        d.attrs["IMAGE_SUBCLASS"] = np.bytes_("IMAGE_GRAYSCALE")
        f.create_dataset("plain", data=np.zeros((3, 32, 32), np.uint8))
    info = preview.preview_info(str(path), "/stack")
    assert info.image_axes == (1, 2, None) and not info.rgb
    assert preview.preview_info(str(path), "/plain").image_axes == (1, 2, 0)  # no attributes: channels-first

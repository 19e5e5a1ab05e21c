"""Previews through HSDS: the same records as the local previews for the same file."""

from __future__ import annotations

import numpy as np
import pytest

from h5gui.core import preview as local
from h5gui.core.hsds import preview, session

DATASETS = ["/images/rgb", "/images/gray", "/mnist/images", "/mnist/labels", "/signals/sine", "/signals/waves_gzip",
            "/meta/catalogue", "/meta/notes", "/meta/colours"]
# not known remotely: whether nothing is stored yet (HSDS reports storage only after its scan)
REMOTE_ONLY = {"file", "all_fill"}


@pytest.mark.parametrize("path", DATASETS)
def test_preview_info_equals_local(demo_domain, demo_file, path):
    remote = preview.preview_info(demo_domain, path)
    mine = local.preview_info(str(demo_file), path)
    for name in mine.__dataclass_fields__:
        if name not in REMOTE_ONLY:
            assert getattr(remote, name) == getattr(mine, name), name


@pytest.mark.parametrize(("path", "index"), [("/images/rgb", ()), ("/images/gray", ()), ("/mnist/images", (0,)),
                                             ("/mnist/images", (57,)), ("/signals/waves_gzip", ())])
def test_image_frames_equal_local(demo_domain, demo_file, path, index):
    info = local.preview_info(str(demo_file), path)
    req = local.ImageRequest(axes=info.image_axes, index=index)
    a, b = preview.read_image(demo_domain, path, req), local.read_image(str(demo_file), path, req)
    assert a.data.dtype == b.data.dtype and np.array_equal(a.data, b.data)
    assert (a.step, a.region, a.full_shape, a.levels, a.minmax, a.rgb) == (b.step, b.region, b.full_shape, b.levels,
                                                                        b.minmax, b.rgb)


def test_strided_frame_is_one_request(demo_domain, demo_file, hsds_client):
    req = local.ImageRequest(axes=(0, 1, None), index=(), max_pixels=1000)
    preview.read_image(demo_domain, "/signals/waves_gzip", req)  # ids and JSON cached
    n0 = hsds_client.stats().requests
    a = preview.read_image(demo_domain, "/signals/waves_gzip", req)
    assert hsds_client.stats().requests - n0 == 1
    assert a.step[0] > 1 and a.data.shape == (-(-200 // a.step[0]), -(-1000 // a.step[0]))


@pytest.mark.parametrize(("path", "block"), [("/meta/catalogue", (0, 10, 0, 3)), ("/meta/notes", (0, 4, 0, 1)),
                                             ("/meta/colours", (1, 4, 0, 1)), ("/signals/waves_gzip", (5, 20, 10, 7)),
                                             ("/mnist/labels", (90, 50, 0, 1)), ("/signals/sine", (0, 30, 0, 1))])
def test_table_blocks_equal_local(demo_domain, demo_file, path, block):
    assert preview.read_table(demo_domain, path, *block) == local.read_table(str(demo_file), path, *block)


def test_pixel_series_one_request(demo_domain, demo_file, hsds_client):
    import h5py

    session.open_domain(demo_domain).resolve("/mnist/images")
    n0 = hsds_client.stats().requests
    series = preview.read_pixel_series(demo_domain, "/mnist/images", 0, (14, 14))
    assert hsds_client.stats().requests - n0 == 1
    with h5py.File(demo_file) as f:
        assert np.array_equal(series, f["mnist/images"][:, 14, 14])
    plot = preview.read_plot(demo_domain, "/signals/sine", max_points=100)
    with h5py.File(demo_file) as f:
        assert np.array_equal(plot.y, f["signals/sine"][:: plot.step]) and plot.n == 4096

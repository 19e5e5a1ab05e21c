"""NeXus read as silx and H5Web read it: ``default`` from the root to the NXdata, ``signal`` plotted
against its ``axes`` (values or bin edges, ``AXIS_indices``), calibrated image axes, and ``show`` on an
NXdata group; a file written by silx's own NXdata writer too."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from h5gui.cli import main
from h5gui.core import preview
from h5gui.core.preview import ImageRequest


@pytest.fixture
def nexus_file(tmp_path):
    p = tmp_path / "scan.nxs"
    two_theta = np.linspace(10.0, 70.0, 301)
    counts = np.exp(-((two_theta - 40) ** 2) / 8) * 1000
    with h5py.File(p, "w") as f:
        f.attrs["default"] = "entry"
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.attrs["default"] = "data"
        data = entry.create_group("data")
        data.attrs.update({"NX_class": "NXdata", "signal": "counts", "axes": ["two_theta"]})
        data["counts"] = counts
        data["two_theta"] = two_theta
        data["two_theta"].attrs["units"] = "deg"
        img = entry.create_group("image")
        img.attrs.update({"NX_class": "NXdata", "signal": "frame", "axes": ["y", "x"], "x_indices": 1, "y_indices": 0})
        img["frame"] = np.arange(20 * 30, dtype=np.float32).reshape(20, 30)
        img["x"] = np.linspace(-1.5, 1.5, 31)  # bin edges
        img["x"].attrs["long_name"] = "position (mm)"
        img["y"] = 100 + 0.5 * np.arange(20)
        stack = f.create_group("stack")
        stack.attrs.update({"NX_class": "NXdata", "signal": "images", "axes": [".", ".", "."]})
        stack["images"] = np.zeros((3, 4, 5), np.uint8)
        f.create_group("plain")
    return str(p), two_theta, counts


def test_default_leads_from_the_root_to_the_signal(nexus_file):
    file, _, _ = nexus_file
    info = preview.nexus_info(file, "/")
    assert info is not None and info.signal == "/entry/data/counts" and info.axes == ("/entry/data/two_theta",)
    assert preview.nexus_info(file, "/entry/data/counts").group == "/entry/data"
    assert preview.signal_path(file, "/entry") == "/entry/data/counts"
    assert preview.signal_path(file, "/entry/data/counts") is None  # a dataset shows itself
    assert preview.signal_path(file, "/plain") is None
    assert preview.nexus_info(file, "/entry/image").axes == ("/entry/image/y", "/entry/image/x")


def test_a_group_previews_its_signal(nexus_file):
    file, _, _ = nexus_file
    info = preview.preview_info(file, "/")
    assert info.path == "/entry/data/counts" and info.nexus_group == "/entry/data" and info.views[0] == "plot"
    assert preview.preview_info(file, "/stack").shape == (3, 4, 5)
    assert preview.preview_info(file, "/entry/data/two_theta").nexus_group == ""


def test_plot_against_axis_values(nexus_file):
    file, two_theta, counts = nexus_file
    plot = preview.read_nexus_plot(file, "/")
    np.testing.assert_allclose(plot.x, two_theta)
    np.testing.assert_allclose(plot.y, counts)
    assert plot.x_label == "two_theta (deg)"
    small = preview.read_nexus_plot(file, "/entry/data", max_points=20)  # decimated: x still in degrees
    assert 10.0 <= small.x.min() and small.x.max() <= 70.0 and np.all(np.diff(small.x) >= 0)
    assert preview.read_nexus_plot(file, "/entry/data/two_theta").x_label == "index"  # not a signal


def test_image_with_calibrated_axes(nexus_file):
    file, _, _ = nexus_file
    s = preview.read_nexus_image(file, "/entry/image", ImageRequest(axes=(0, 1, None), index=(0, 0)))
    assert s.data.shape == (20, 30)
    assert s.row_scale == (100.0, 0.5)
    assert s.col_scale is not None and s.col_scale[0] == pytest.approx(-1.45) and s.col_scale[1] == pytest.approx(0.1)
    assert s.col_label == "position (mm)" and s.row_label == "y"
    plain = preview.read_nexus_image(file, "/stack", ImageRequest(axes=(1, 2, None), index=(1, 0, 0)))
    assert plain.row_scale is None and plain.data.shape == (4, 5)


def test_cli_show_on_an_nxdata_group(nexus_file, capsys, tmp_path):
    file, _, _ = nexus_file
    assert main(["show", file, "/entry"]) == 0
    out = capsys.readouterr().out
    assert "/entry/data/counts" in out
    png = tmp_path / "frame.png"
    assert main(["show", file, "/entry/image", "--out", str(png)]) == 0
    assert png.exists()


def test_silx_written_nxdata_reads_here(tmp_path):
    nxwrite = pytest.importorskip("silx.io.nxdata", reason="silx is not installed (pip install silx==3.1.3)")
    p = tmp_path / "silx.h5"
    x = np.linspace(0, 1, 50)
    nxwrite.save_NXdata(str(p), signal=np.sin(x * 6), axes=[x], axes_names=["time"], signal_name="volts",
                        nxentry_name="entry", nxdata_name="data")
    info = preview.nexus_info(str(p), "/")
    assert info is not None and info.signal.endswith("/volts")
    np.testing.assert_allclose(preview.read_nexus_plot(str(p), "/").x, x)

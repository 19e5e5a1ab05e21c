"""The demo file: what a new user browses first, so every kind of content must be there and look right."""

import h5py
import numpy as np
import pytest

from h5gui.core import demo, nodes, progress


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    return demo.make_demo(tmp_path_factory.mktemp("demo") / "demo.h5")


def test_written_under_a_temporary_name_then_moved(tmp_path):
    out = demo.make_demo(tmp_path / "sub" / "d.h5")
    assert out == (tmp_path / "sub" / "d.h5").absolute() and out.exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["d.h5"], "no .partial file left behind"
    assert h5py.is_hdf5(out)


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "taken.h5"
    target.mkdir()  # a folder in the way: the final rename fails
    (target / "keep.txt").write_text("x")
    with pytest.raises(OSError):
        demo.make_demo(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.h5"]
    assert (target / "keep.txt").read_text() == "x"


def test_overwrites_an_existing_demo(tmp_path):
    p = tmp_path / "d.h5"
    p.write_text("old")
    demo.make_demo(p)
    assert h5py.is_hdf5(p)


def test_deterministic(demo_file, tmp_path):
    again = demo.make_demo(tmp_path / "again.h5")
    with h5py.File(demo_file, "r") as a, h5py.File(again, "r") as b:
        for name in ("mnist/images", "mnist/labels", "signals/sine", "images/rgb", "meta/catalogue"):
            assert np.array_equal(a[name][()], b[name][()]), name


def test_layout_in_creation_order(demo_file):
    with h5py.File(demo_file, "r") as f:
        assert list(f) == ["images", "mnist", "signals", "meta", "latest"]
        assert f.attrs["title"] == "h5gui demo file"
        assert f.get("latest", getlink=True).path == "/mnist/images"
        assert f["latest"].shape == (100, 28, 28)


def test_rgb_image_with_hdf5_image_attributes(demo_file):
    with h5py.File(demo_file, "r") as f:
        rgb = f["images/rgb"]
        assert rgb.shape == (128, 192, 3) and rgb.dtype == np.uint8
        expected = {"CLASS": b"IMAGE", "IMAGE_SUBCLASS": b"IMAGE_TRUECOLOR", "IMAGE_VERSION": b"1.2",
                    "INTERLACE_MODE": b"INTERLACE_PIXEL"}
        for name, value in expected.items():
            assert rgb.attrs[name] == value
            tid = rgb.attrs.get_id(name).get_type()
            # like H5IM: a fixed-length, null-terminated ascii string including the terminator
            assert tid.get_class() == h5py.h5t.STRING and not tid.is_variable_str()
            assert tid.get_size() == len(value) + 1 and tid.get_strpad() == h5py.h5t.STR_NULLTERM
        img = rgb[()]
        assert img[..., 0].std() > 20 and img[..., 2].std() > 20, "a picture, not a flat colour"
        assert img[0, -1, 0] > img[0, 0, 0], "red grows to the right"
        assert f["images/gray"].attrs["IMAGE_SUBCLASS"] == b"IMAGE_GRAYSCALE"


def test_digit_stack_looks_like_digits(demo_file):
    with h5py.File(demo_file, "r") as f:
        ds = f["mnist/images"]
        assert ds.shape == (100, 28, 28) and ds.dtype == np.uint8 and ds.chunks == (64, 28, 28)
        images, labels = ds[()], f["mnist/labels"][()]
        assert f["mnist/labels"].dtype == np.int64
        names = [n.decode() if isinstance(n, bytes) else n for n in f["mnist/labels"].attrs["class_names"]]
    assert names[:3] == ["zero", "one", "two"] and len(names) == 10
    assert np.bincount(labels, minlength=10).tolist() == [10] * 10
    ink = (images > 64).mean(axis=(1, 2))
    assert ink.min() > 0.03 and ink.max() < 0.4, "strokes on a dark background"
    assert images[:, :3, :].max() < 64 and images[:, :, :2].max() < 64, "digits are centred with a margin"
    # recognisable: a nearest-centroid classifier, leaving each image out of its class mean,
    # names most digits right (noise or one shape per stack would give ~10 %)
    x = images.reshape(100, -1).astype(float)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    right = 0
    for i in range(100):
        keep = np.arange(100) != i
        centroids = np.stack([x[keep & (labels == c)].mean(axis=0) for c in range(10)])
        right += int(np.argmax(centroids @ x[i]) == labels[i])
    assert right >= 70
    # and not 100 copies: images of the same digit differ (slant, size, width)
    assert len({images[i].tobytes() for i in range(100)}) == 100


def test_signals_table_strings_and_attributes(demo_file):
    with h5py.File(demo_file, "r") as f:
        sine = f["signals/sine"]
        assert sine.ndim == 1 and sine.shape[0] >= 2000 and sine.dtype == np.float64
        spectrum = np.abs(np.fft.rfft(sine[()]))
        hz_per_bin = sine.attrs["sample_rate_hz"] / sine.shape[0]
        floor = np.median(spectrum)
        for hz in sine.attrs["frequencies_hz"]:  # a sum of sines at the advertised frequencies
            b = int(round(hz / hz_per_bin))
            assert spectrum[b - 1 : b + 2].max() > 50 * floor, hz
        b = int(round(40 / hz_per_bin))
        assert spectrum[b - 1 : b + 2].max() < 10 * floor, "and nothing at 40 Hz"
        gz = f["signals/waves_gzip"]
        assert gz.compression == "gzip" and gz.id.get_storage_size() < gz.size * gz.dtype.itemsize / 2
        cat = f["meta/catalogue"]
        assert cat.dtype.names == ("x", "y", "name") and cat["name"][0] == b"Vega"
        assert h5py.check_string_dtype(f["meta/notes"].dtype).encoding == "utf-8"
        attrs = f["meta"].attrs
        assert isinstance(attrs["instrument"], str)
        assert isinstance(attrs["exposures"], np.integer) and isinstance(attrs["exposure_s"], float)
        assert attrs["pixel_size_um"].shape == (2,)
        assert attrs["calibrated"] is np.True_ or attrs["calibrated"] == True  # noqa: E712
        assert attrs["observer"] == "Zoë Ångström 観測者"


def test_demo_reads_well_through_the_engine(demo_file):
    f = str(demo_file)
    info = dict(nodes.describe(f, "/mnist/images").rows())
    assert info["Shape"] == "100 x 28 x 28" and info["Chunks"] == "64 x 28 x 28"
    assert dict(nodes.describe(f, "/meta/catalogue").rows())["Datatype"] == (
        "compound {x: float32, y: float32, name: 8-byte ascii string}"
    )
    assert nodes.describe(f, "/meta/colours").dtype == "enum int8 {RED, GREEN, BLUE}"
    assert "gzip (level 4)" in dict(nodes.describe(f, "/signals/waves_gzip").rows())["Filters"]
    latest = nodes.describe(f, "/latest")
    assert latest.kind == nodes.SOFT_LINK and latest.shape == (100, 28, 28)
    rows = progress.run(nodes.walk(f))
    assert not [r for r in rows if r.error], "nothing in the demo is broken"


def test_default_location_is_the_users_data_folder(monkeypatch, tmp_path):
    import sys

    if sys.platform != "linux":
        pytest.skip("XDG layout")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert demo.default_demo_path() == tmp_path / "h5gui" / "demo.h5"

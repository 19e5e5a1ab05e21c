"""Statistics of a dataset (out of core, per channel, NaN/inf, histogram, class counts, stored on
request) and sample grids (random with a seed or in order, stacks and encoded images, labels and class
names), through the core and the CLI, on real files and real images."""

from __future__ import annotations

import io
import json

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.cli import main
from h5gui.core import progress, samples, stats
from h5gui.core.errors import BadRequestError
from h5gui.core.transform import plan as planning


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(3)
    p = tmp_path / "d.h5"
    x = rng.integers(0, 256, (30, 6, 7, 3), dtype=np.uint8)
    z = rng.normal(5, 2, (40, 9))
    z[3, 4], z[7, 1], z[8, 8] = np.nan, np.inf, -np.inf
    y = rng.integers(0, 3, 30).astype(np.int32)
    with h5py.File(p, "w") as f:
        g = f.create_group("train")
        g["images"] = x
        g["labels"] = y
        g.attrs["class_names"] = ["cat", "dog", "eel"]
        f["z"] = z
        f["x_test"] = rng.random((5, 4, 4)).astype(np.float32)
        f["y_test"] = np.array([1, 0, 1, 1, 0], dtype=np.uint8)
        f["i16"] = rng.integers(-500, 500, (11, 13), dtype=np.int16)
        encoded = []
        for i in range(4):
            b = io.BytesIO()
            Image.fromarray(np.full((5 + i, 8, 3), 40 * i, np.uint8)).save(b, format="PNG")
            encoded.append(np.frombuffer(b.getvalue(), np.uint8))
        e = f.create_dataset("enc/images", (5,), dtype=h5py.vlen_dtype(np.uint8))
        for i, a in enumerate(encoded):
            e[i] = a
        e[4] = np.frombuffer(b"\x89PNG\r\n\x1a\nbroken", np.uint8)
        f["enc/labels"] = np.array([0, 1, 0, 1, 0], dtype=np.int64)
    return str(p), {"x": x, "z": z, "y": y}


def compute(file, path, **kw):
    return progress.run(stats.compute_stats(stats.StatsSpec(file, path, **kw)))


def test_per_channel_statistics_of_images(data, monkeypatch):
    monkeypatch.setattr(planning, "BLOCK_BYTES", 500)  # many blocks
    file, d = data
    s = compute(file, "/train/images")
    x = d["x"].reshape(-1, 3).astype(np.float64)
    assert s.channel_axis == 3 and s.channels == 3 and s.count == x.size
    np.testing.assert_array_equal(s.min, x.min(0))
    np.testing.assert_array_equal(s.max, x.max(0))
    np.testing.assert_allclose(s.mean, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(s.std, x.std(0), rtol=1e-12)
    want, _ = np.histogram(x, bins=64, range=(x.min(), x.max()))
    assert list(s.histogram) == list(want) and len(s.bin_edges) == 65
    together = compute(file, "/train/images", per_channel=False)
    assert together.channel_axis is None and together.mean[0] == pytest.approx(x.mean())


def test_floats_with_nan_and_inf_and_signed_integers(data, monkeypatch):
    monkeypatch.setattr(planning, "BLOCK_BYTES", 300)
    file, d = data
    s = compute(file, "/z", bins=10)
    z = d["z"]
    fin = z[np.isfinite(z)]
    assert (s.nan, s.inf, s.count) == (1, 2, fin.size)
    assert s.min == (fin.min(),) and s.max == (fin.max(),)
    np.testing.assert_allclose(s.std, [fin.std()], rtol=1e-12)
    assert list(s.histogram) == list(np.histogram(fin, bins=10, range=(fin.min(), fin.max()))[0])
    with h5py.File(file) as f:
        v = f["i16"][()].astype(np.float64)
    s = compute(file, "/i16")
    assert s.min == (v.min(),) and s.mean[0] == pytest.approx(v.mean())
    assert sum(s.histogram) == v.size


def test_histograms_of_extreme_floats(tmp_path):
    """float16 values spanning +-60000 (binned in float16 they overflowed: 'index -9223372036854775808 is
    out of bounds') and float64 values near +-1e308 (a range wider than float64: 'Too many bins for data
    range'): both gave 'Unexpected error' (found by helper-27's fuzzing)."""
    file = str(tmp_path / "extreme.h5")
    f16 = np.linspace(-60000, 60000, 256, dtype="f2").reshape(16, 16)
    with h5py.File(file, "w") as f:
        f["f16"] = f16
        f["f64"] = np.array([[-1e308, 1e308], [1e-308, 0]], dtype="f8")
    s = compute(file, "/f16", bins=32)
    assert s.min == (-60000.0,) and sum(s.histogram) == 256
    assert list(s.histogram) == list(np.histogram(f16.astype(np.float64), bins=32, range=(-60000, 60000))[0])
    s = compute(file, "/f64", bins=4)
    assert list(s.histogram) == [1, 0, 2, 1] and s.bin_edges[0] == -1e308 and s.bin_edges[-1] == 1e308
    assert all(np.isfinite(s.bin_edges))


def test_labels_class_counts_and_storing(data):
    file, d = data
    s = compute(file, "/train/labels", store=True)
    assert s.labels and s.class_names == ("cat", "dog", "eel")
    assert list(s.class_counts) == list(np.bincount(d["y"], minlength=3))
    assert [r[1] for r in s.class_rows()] == ["cat", "dog", "eel"]
    with h5py.File(file) as f:
        a = f["train/labels"].attrs
        assert list(a["class_counts"]) == list(s.class_counts) and a["count"] == 30
    s = compute(file, "/y_test")
    assert s.labels and list(s.class_counts) == [2, 3] and s.class_names == ()
    s = compute(file, "/train/images", store=True)
    with h5py.File(file) as f:
        a = f["train/images"].attrs
        np.testing.assert_allclose(a["mean"], s.mean)
        assert a["channel_axis"] == 3 and len(a["histogram"]) == 64


def test_refusals(data):
    file, _ = data
    with pytest.raises(BadRequestError, match="not a dataset"):
        compute(file, "/train")
    with pytest.raises(BadRequestError, match="bins"):
        compute(file, "/z", bins=0)
    with h5py.File(file, "a") as f:
        f["norm"] = np.zeros(3)
        f["norm"].attrs["normalization"] = "zscore"
    with pytest.raises(BadRequestError, match="describe its source"):
        compute(file, "/norm", store=True)
    # in the words of statistics (they were the transform's: 'transform works on numbers'; found by fuzzing)
    with h5py.File(file, "a") as f:
        f["words"] = np.array(["a", "b"], dtype=h5py.string_dtype())
        f["complex"] = np.ones(4, "c8")
        f["nothing"] = h5py.Empty("f4")
    for path, words in (("/words", "/words holds vlen utf-8 string: statistics are computed on numbers"),
                        ("/complex", "/complex holds complex numbers: statistics are computed on real numbers"),
                        ("/nothing", "/nothing is empty (no dataspace): no statistics")):
        with pytest.raises(BadRequestError) as info:
            compute(file, path)
        assert str(info.value) == words


def grid(file, path, **kw):
    return progress.run(samples.sample_grid(samples.SampleSpec(file, path, **kw)))


def test_random_page_with_labels_and_class_names(data):
    file, d = data
    g = grid(file, "/train/images", n=8, seed=4, size=24)
    again = grid(file, "/train/images", n=8, seed=4, size=24)
    idx = [s.index for s in g.samples]
    assert idx == [s.index for s in again.samples] and len(set(idx)) == 8
    assert idx != [s.index for s in grid(file, "/train/images", n=8, seed=5).samples]
    assert g.labels == "/train/labels" and g.class_names == ("cat", "dog", "eel")
    for s in g.samples:
        assert s.label == d["y"][s.index] and s.name == g.class_names[s.label]
        assert s.image.dtype == np.uint8 and s.image.shape == (18, 21, 3)  # 6x7 enlarged 3x to fit 24
        assert np.array_equal(s.image[::3, ::3], d["x"][s.index])
    assert g.samples[0].caption.startswith(f"#{g.samples[0].index} ")


def test_in_order_page_of_floats_and_y_beside_x(data):
    file, _ = data
    g = grid(file, "/x_test", n=3, order="in-order", start=2, size=8)
    assert [s.index for s in g.samples] == [2, 3, 4] and [s.label for s in g.samples] == [1, 1, 0]
    assert g.labels == "/y_test" and "shown as 0 .. 255" in g.note
    assert grid(file, "/x_test", n=2, labels="").labels == ""
    with pytest.raises(BadRequestError, match="out of range"):
        grid(file, "/x_test", order="in-order", start=9)
    with pytest.raises(BadRequestError, match="not a stack"):
        grid(file, "/z")


def test_encoded_images_with_a_corrupt_one(data):
    file, _ = data
    g = grid(file, "/enc/images", n=5, order="in-order", size=32)
    assert [s.label for s in g.samples] == [0, 1, 0, 1, 0]
    assert g.samples[2].image.shape == (28, 32, 3) and g.samples[2].image[0, 0, 0] == 80
    assert g.samples[4].error and g.samples[4].image.size == 0
    sheet = samples.contact_sheet(g)
    assert sheet.dtype == np.uint8 and sheet.ndim == 3


def test_cli_stats_and_samples(data, tmp_path, capsys):
    file, _ = data
    assert main(["stats", file, "/train/labels"]) == 0
    out = capsys.readouterr().out
    assert "Classes:" in out and "cat" in out and "Histogram:" in out
    assert main(["stats", file, "/train/images", "--json", "-q"]) == 0
    assert '"channel_axis": 3' in capsys.readouterr().out
    png = tmp_path / "grid.png"
    assert main(["samples", file, "/train/images", "--n", "16", "--out", str(png), "-q"]) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "cat" in out or "dog" in out or "eel" in out
    with Image.open(png) as img:
        assert img.size[0] > 4 * 48 and img.mode == "RGB"
    assert main(["samples", file, "/train/images", "--out", str(tmp_path / "g.jpg")]) == 2


@pytest.mark.parametrize("module", ["stats.records", "samples.records", "importer.records", "transform.records"])
def test_records_import_no_h5py(module):
    """The GUI process holds these records without h5py (or Pillow)."""
    import subprocess
    import sys

    code = f"import sys, h5gui.core.{module}; print('h5py' in sys.modules, 'PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.fixture
def channels_first(tmp_path):
    """Channels-first pictures, each channel of its own values (red 0-9, green 100-109, blue 200-209)."""
    rng = np.random.default_rng(8)
    pic = np.stack([rng.integers(100 * c, 100 * c + 10, (12, 14), dtype=np.uint8) for c in range(3)])
    p = tmp_path / "chw.h5"
    with h5py.File(p, "w") as f:
        f["plain"] = pic  # (3, H, W) uint8: the preview shows it in colour
        f["image"] = pic
        f["image"].attrs["CLASS"] = np.bytes_("IMAGE")
        f["stack"] = np.stack([pic, pic[:, ::-1]])  # (N, 3, H, W)
        f["stack"].attrs["CLASS"] = np.bytes_("IMAGE")
        f["floats"] = pic.astype(np.float32)  # (3, H, W) floats: grey frames in the preview, values together
    return str(p), pic


@pytest.mark.parametrize("path", ["/plain", "/image", "/stack"])
def test_channels_first_pictures_have_statistics_per_channel(channels_first, path, capsys):
    """QA: a (3, H, W) picture (with or without CLASS=IMAGE) had its three colours lumped together."""
    file, pic = channels_first
    s = compute(file, path)
    axis = 1 if path == "/stack" else 0
    assert s.channel_axis == axis and s.channels == 3
    per = pic.reshape(3, -1).astype(np.float64)
    np.testing.assert_array_equal(s.min, per.min(1))
    np.testing.assert_array_equal(s.max, per.max(1))
    np.testing.assert_allclose(s.mean, per.mean(1))
    np.testing.assert_allclose(s.std, per.std(1))
    assert main(["stats", file, path, "-q"]) == 0
    out = capsys.readouterr().out
    assert f"Per channel (axis {axis}):" in out and "all channels together" in out
    assert compute(file, path, per_channel=False).channel_axis is None


def test_channels_first_floats_stay_together(channels_first):
    file, pic = channels_first
    s = compute(file, "/floats")
    assert s.channel_axis is None and s.min == (float(pic.min()),) and s.max == (float(pic.max()),)


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_a_histogram_per_channel_on_the_shared_edges(tmp_path, monkeypatch, dtype):
    monkeypatch.setattr(planning, "BLOCK_BYTES", 400)  # many blocks, channels split across pieces
    rng = np.random.default_rng(8)
    x = np.stack([rng.integers(0, 60, (9, 5, 6)), rng.integers(90, 160, (9, 5, 6)),
                  rng.integers(180, 256, (9, 5, 6))], axis=-1).astype(dtype)
    if dtype == "float32":
        x[0, 0, 0, 1] = np.nan
    p = tmp_path / "rgb.h5"
    with h5py.File(p, "w") as f:
        f["rgb"] = x
    s = compute(str(p), "/rgb", bins=16)
    assert len(s.channel_histograms) == 3
    lo, hi = s.bin_edges[0], s.bin_edges[-1]
    for c in range(3):
        v = x[..., c][np.isfinite(x[..., c])]
        want = np.histogram(v, bins=16, range=(lo, hi))[0]
        assert list(s.channel_histograms[c]) == list(want)  # red low, green middle, blue high: apart
    assert [sum(h) for h in zip(*s.channel_histograms, strict=True)] == list(s.histogram)
    assert compute(str(p), "/rgb", per_channel=False).channel_histograms == ()


def test_cli_prints_a_histogram_per_channel_when_asked(data, capsys):
    file, d = data
    assert main(["stats", file, "/train/images", "-q", "--bins", "8"]) == 0
    assert "Histogram of channel" not in capsys.readouterr().out
    assert main(["stats", file, "/train/images", "-q", "--bins", "8", "--channel-histograms"]) == 0
    out = capsys.readouterr().out
    assert "Histogram (all channels together):" in out
    for c in range(3):
        assert f"Histogram of channel {c}:" in out
    assert main(["stats", file, "/train/images", "-q", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["channel_histograms"][2][-1] > 0  # blue's top bin

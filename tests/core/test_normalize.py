"""Normalization as training needs it: given constants (meanstd, ImageNet's, affine), the train set's
statistics applied to the validation set (stats_from), statistics stored for every mode, several
datasets in one run, per channel along the data's own channel axis, defaults that follow the data."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from h5gui.cli import main
from h5gui.core import transform as T
from h5gui.core.errors import BadRequestError
from h5gui.core.progress import run
from h5gui.core.transform import plan as planning


@pytest.fixture
def tiny_blocks(monkeypatch):
    monkeypatch.setattr(planning, "BLOCK_BYTES", 600)
    monkeypatch.setattr(planning, "PIECE_ELEMS", 50)


@pytest.fixture
def splits(tmp_path):
    rng = np.random.default_rng(5)
    p = tmp_path / "s.h5"
    data = {}
    with h5py.File(p, "w") as f:
        for name, n in (("train", 12), ("val", 5), ("test", 4)):
            x = rng.integers(0, 256, (n, 6, 5, 3), dtype=np.uint8)
            x[..., 1] //= 2  # channels differ
            f.create_dataset(f"{name}/images", data=x)
            data[name] = x
    return str(p), data


def go(file, source, **kw):
    report = run(T.run_transform(T.TransformSpec(file=file, source=source, **kw)))
    with h5py.File(file) as f:
        return report, f[report.dest][()], dict(f[report.dest].attrs)


def test_meanstd_per_channel_and_the_imagenet_preset(splits, tiny_blocks):
    file, data = splits
    mean, std = T.MEANSTD_PRESETS["imagenet"]
    _, y, attrs = go(file, "/train/images", dest="/n", normalize="meanstd", mean=mean, std=std)
    want = (data["train"].astype(np.float64) - mean) / std
    np.testing.assert_allclose(y, want.astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(attrs["offset"], mean)
    np.testing.assert_allclose(attrs["scale"], std)
    assert attrs["channel_axis"] == 3 and attrs["normalization"] == "meanstd"
    # the statistics of the source are stored too: exact (counted) for uint8
    x = data["train"].reshape(-1, 3).astype(np.float64)
    np.testing.assert_array_equal(attrs["min"], x.min(0))
    np.testing.assert_allclose(attrs["mean"], x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(attrs["std"], x.std(0), rtol=1e-12)
    # one value for every channel
    _, y, attrs = go(file, "/val/images", dest="/n1", normalize="meanstd", mean=(100.0,), std=(50.0,))
    np.testing.assert_allclose(y, ((data["val"] - 100.0) / 50.0).astype(np.float32))
    assert "channel_axis" not in attrs


def test_scale_stores_statistics_of_every_dtype(tmp_path, tiny_blocks):
    p = tmp_path / "d.h5"
    rng = np.random.default_rng(1)
    arrays = {"u8": rng.integers(0, 256, (7, 9), dtype=np.uint8),
              "i16": rng.integers(-3000, 3000, (7, 9), dtype=np.int16),
              "f64": rng.normal(3, 2, (7, 9))}
    arrays["f64"][2, 3] = np.nan
    with h5py.File(p, "w") as f:
        for k, v in arrays.items():
            f[k] = v
    for k, x in arrays.items():
        report, y, attrs = go(str(p), f"/{k}", dest=f"/{k}_s", normalize="scale", scale=255.0)
        fin = x[np.isfinite(x)].astype(np.float64)
        assert attrs["min"] == fin.min() and attrs["max"] == fin.max()
        np.testing.assert_allclose([attrs["mean"], attrs["std"]], [fin.mean(), fin.std()], rtol=1e-12)
        assert report.stats["nonfinite"] == int(np.isnan(x).sum())
        np.testing.assert_allclose(y, (x / 255.0).astype(y.dtype))


def test_affine_per_channel(splits):
    file, data = splits
    _, y, attrs = go(file, "/test/images", dest="/a", normalize="affine", offset=(1.0, 2.0, 3.0), scale=(2.0, 4.0, 8.0),
                     dtype="float64")
    np.testing.assert_allclose(y, (data["test"] - [1.0, 2.0, 3.0]) / [2.0, 4.0, 8.0])
    np.testing.assert_allclose(y * attrs["scale"] + attrs["offset"], data["test"])


def test_stats_from_the_train_set(splits, tiny_blocks):
    file, data = splits
    train = data["train"].reshape(-1, 3).astype(np.float64)
    mean, std = train.mean(0), train.std(0)
    specs = [T.TransformSpec(file, f"/{s}/images", normalize="zscore", per_channel=True, stats_from="/train/images",
                             dtype="float64") for s in ("train", "val", "test")]
    seen = []
    reports = run(T.run_transforms(specs), seen.append)
    assert [r.dest for r in reports] == ["/train/images_f64", "/val/images_f64", "/test/images_f64"]
    assert any(p.message.startswith("/val/images: ") for p in seen)
    with h5py.File(file) as f:
        for s in ("train", "val", "test"):
            out = f[f"{s}/images_f64"]
            np.testing.assert_allclose(out[()], (data[s] - mean) / std, rtol=1e-10)
            np.testing.assert_allclose(out.attrs["mean"], mean, rtol=1e-12)
            assert out.attrs["stats_from"] == "/train/images"
    # a dataset normalized already gives the statistics stored with it (those of its source)
    _, y, attrs = go(file, "/val/images", dest="/v2", normalize="zscore", per_channel=True,
                     stats_from="/train/images_f64", dtype="float64")
    np.testing.assert_allclose(y, (data["val"] - mean) / std, rtol=1e-10)
    with h5py.File(file, "a") as f:
        f["other"] = np.zeros((4, 6, 5), np.uint8)
    with pytest.raises(BadRequestError, match="shape of the source"):
        T.plan_transform(T.TransformSpec(file, "/val/images", normalize="zscore", stats_from="/other"))


def test_per_channel_follows_the_channels_through_a_move(splits, tiny_blocks):
    file, data = splits
    _, y, attrs = go(file, "/train/images", dest="/cf", move_axis=(-1, 1), normalize="zscore", per_channel=True,
                     dtype="float64")
    x = np.moveaxis(data["train"], -1, 1).astype(np.float64)
    assert attrs["channel_axis"] == 1 and len(attrs["mean"]) == 3  # not 5 per-column means
    m, s = x.mean(axis=(0, 2, 3), keepdims=True), x.std(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - m) / s, rtol=1e-10)
    # the user's axis still wins
    _, _, attrs = go(file, "/train/images", dest="/cf2", normalize="zscore", per_channel=True, channel_axis=2)
    assert attrs["channel_axis"] == 2 and len(attrs["mean"]) == 5


def test_guess_channel_axis_and_default_spec(tmp_path):
    assert T.guess_channel_axis((10, 28, 28)) is None
    assert T.guess_channel_axis((10, 28, 28, 3)) == 3
    assert T.guess_channel_axis((10, 3, 28, 28)) == 1
    assert T.guess_channel_axis((3, 28, 28), "INTERLACE_PLANE") == 0
    p = tmp_path / "d.h5"
    with h5py.File(p, "w") as f:
        f["grey"] = np.zeros((5, 8, 8), np.uint8)
        f["rgb"] = np.zeros((4, 8, 8, 3), np.uint8)
        f["picture"] = np.zeros((3, 8, 8), np.uint8)  # the preview shows it in colour (channels first)
        f["u16"] = np.zeros((4, 8), np.uint16)
        f["f"] = np.zeros((4, 8, 8), np.float32)
    grey = T.default_spec(str(p), "/grey")
    assert (grey.add_axis, grey.dtype, grey.normalize, grey.scale) == (-1, "float32", "scale", 255.0)
    rgb = T.default_spec(str(p), "/rgb")
    assert rgb.add_axis is None  # (N, H, W, 3) must not become (N, H, W, 3, 1)
    assert T.plan_transform(rgb).out_shape == (4, 8, 8, 3)
    picture = T.default_spec(str(p), "/picture")  # was (3, 8, 8, 1): per channel then went along axis 0
    assert (picture.add_axis, picture.dtype, picture.scale) == (None, "float32", 255.0)
    assert T.default_spec(str(p), "/u16").scale == 65535.0
    f = T.default_spec(str(p), "/f")
    assert (f.add_axis, f.dtype, f.normalize) == (None, None, None)


@pytest.mark.parametrize("kw, words", [
    ({"normalize": "meanstd", "mean": (1.0, 2.0), "std": (1.0, 1.0)}, "2 values per channel"),
    ({"normalize": "meanstd", "mean": (1.0,)}, "needs a mean and a std"),
    ({"normalize": "meanstd", "mean": (1.0,), "std": (0.0,)}, "cannot divide by 0"),
    ({"normalize": "affine", "offset": (1.0, 2.0), "scale": (1.0, 2.0, 3.0)}, "2 offsets"),
    ({"normalize": "scale", "scale": 2.0, "stats_from": "/val/images"}, "statistics from another dataset"),
    ({"normalize": "zscore", "stats_from": "/nothing"}, "/nothing"),
    ({"normalize": "zscore", "mean": (1.0,)}, "a mean goes with"),
])
def test_refusals_are_one_line(splits, kw, words):
    file, _ = splits
    with pytest.raises(Exception, match=words) as e:
        T.plan_transform(T.TransformSpec(file, "/train/images", **kw))
    assert "\n" not in str(e.value)


def test_cli_several_paths_meanstd_and_stats_from(splits, capsys):
    file, data = splits
    code = main(["transform", file, "/train/images", "/val/images", "--normalize", "meanstd:imagenet", "-q",
                 "--dtype", "float32"])
    assert code == 0
    with h5py.File(file) as f:
        assert f["val/images_f32"].attrs["normalization"] == "meanstd"
    code = main(["transform", file, "/val/images", "/test/images", "--normalize", "zscore", "--per-channel",
                 "--stats-from", "/train/images", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and out.count("Steps:") == 2 and "of /train/images" in out
    code = main(["transform", file, "/val/images", "--normalize", "meanstd:0.5", "-q"])
    assert code == 2 and "two lists" in capsys.readouterr().err
    code = main(["transform", file, "/val/images", "/val/aff", "--normalize", "affine:127.5:127.5", "-q"])
    assert code == 0
    with h5py.File(file) as f:
        np.testing.assert_allclose(f["val/aff"][()], (data["val"] - 127.5) / 127.5, rtol=1e-6)

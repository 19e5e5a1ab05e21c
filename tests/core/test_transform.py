"""The transform engine on real files, checked against numpy on the whole array.

Most tests shrink the block and piece sizes so that even small arrays go through many blocks, deep
tiles (a block that is part of one row) and unaligned pieces: the out-of-core paths are the ones
tested.
"""

import json
import subprocess
import sys

import h5py
import numpy as np
import pytest

from h5gui import __version__
from h5gui.core import transform as T
from h5gui.core.errors import BadRequestError
from h5gui.core.progress import Progress, run
from h5gui.core.transform import geometry, parallel_gzip, stats
from h5gui.core.transform import plan as planning


@pytest.fixture
def tiny_blocks(monkeypatch):
    monkeypatch.setattr(planning, "BLOCK_BYTES", 60)  # a dozen elements per block
    monkeypatch.setattr(planning, "PIECE_ELEMS", 7)  # pieces that align with nothing


def make(path, data, name="/data", **kw):
    with h5py.File(path, "a", track_order=True) as f:
        f.create_dataset(name, data=data, **kw)
    return str(path)


def read(path, name):
    with h5py.File(path, "r") as f:
        ds = f[name]
        return ds[()], dict(ds.attrs), ds.chunks


def go(file, source="/data", **kw):
    spec = T.TransformSpec(file=file, source=source, **kw)
    progress = []
    report = run(T.run_transform(spec), progress.append)
    data, attrs, _ = read(file, report.dest)
    return report, data, attrs, progress


def shape_ops(x, reshape=None, squeeze=False, add_axis=None, move_axis=None, transpose=None):
    """numpy's version of the shape operations, in the engine's order."""
    if reshape is not None:
        x = x.reshape(reshape)
    if squeeze:
        x = np.squeeze(x)
    if add_axis is not None:
        x = np.expand_dims(x, add_axis)
    if move_axis is not None:
        x = np.moveaxis(x, *move_axis)
    if transpose is not None:
        x = np.transpose(x, transpose)
    return x


# ---------------------------------------------------------------------------------------------
# the MNIST case


def test_mnist_uint8_to_channels_last_float32_over_255(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (500, 28, 28), dtype=np.uint8)
    file = make(tmp_path / "mnist.h5", x, "/mnist/images", chunks=(64, 28, 28))
    with h5py.File(file, "a") as f:
        f["/mnist/images"].attrs["description"] = "digits"
    spec = T.TransformSpec(file, "/mnist/images", add_axis=-1, dtype="float32", normalize="scale", scale=255)
    plan = T.plan_transform(spec)
    assert plan.dest == "/mnist/images_f32"
    assert plan.out_shape == (500, 28, 28, 1) and plan.out_dtype == "float32" and plan.passes == 1
    assert plan.estimated_bytes == 500 * 28 * 28 * 4
    assert 2**20 // 2 <= np.prod(plan.out_chunks) * 4 <= 4 * 2**20 and plan.out_chunks[1:] == (28, 28, 1)
    report, y, attrs, progress = go(file, "/mnist/images", add_axis=-1, dtype="float32", normalize="scale", scale=255)
    assert report.dest == "/mnist/images_f32" and report.out_shape == (500, 28, 28, 1)
    np.testing.assert_array_equal(y, (x[..., None] / 255).astype(np.float32))  # bit for bit
    assert y.dtype == np.float32
    assert attrs["description"] == "digits"  # the source's attributes are copied
    assert attrs["scale"] == 255.0 and attrs["offset"] == 0.0 and attrs["normalization"] == "scale"
    assert attrs["h5gui_source"] == "/mnist/images" and attrs["h5gui_version"] == __version__
    assert any("divide by 255" in str(s) for s in attrs["h5gui_operations"])
    record = json.loads(attrs["h5gui_transform"])
    assert record["spec"]["add_axis"] == -1 and record["statistics"]["scale"] == 255.0
    assert record["inverse"] == "x = y * scale + offset"
    np.testing.assert_allclose(y[..., 0] * attrs["scale"] + attrs["offset"], x, atol=1e-4)  # invertible
    assert report.nbytes_in == x.nbytes and report.nbytes_out == y.nbytes
    assert progress and all(isinstance(p, Progress) and p.unit == "elements" for p in progress)
    assert progress[-1].done == progress[-1].total == x.size and progress[-1].nbytes == x.nbytes
    dones = [p.done for p in progress]
    assert dones == sorted(dones)
    with h5py.File(file) as f:
        assert sorted(f["/mnist"]) == ["images", "images_f32"], "nothing else left in the group"


# ---------------------------------------------------------------------------------------------
# shapes


SHAPE_CASES = [
    {"reshape": (-1, 12)},
    {"reshape": (6, 20, 3)},
    {"reshape": (360,)},
    {"reshape": (3, 2, 60)},
    {"add_axis": 0},
    {"add_axis": -1},
    {"add_axis": 2},
    {"move_axis": (-1, 1)},
    {"move_axis": (0, -1)},
    {"transpose": (3, 1, 0, 2)},
    {"transpose": (3, 2, 1, 0)},
    {"reshape": (6, 60), "transpose": (1, 0)},
    {"reshape": (30, 12), "move_axis": (0, 1)},
    {"add_axis": -1, "move_axis": (-1, 1)},
    {"reshape": (6, 5, 1, 12), "squeeze": True, "add_axis": 1, "transpose": (2, 1, 3, 0)},
]


@pytest.mark.parametrize("ops", SHAPE_CASES, ids=lambda d: ",".join(f"{k}={v}" for k, v in d.items()))
def test_shape_operations_match_numpy(tmp_path, tiny_blocks, ops):
    x = np.arange(360, dtype=np.int16).reshape(6, 5, 4, 3) * 7 - 1000
    file = make(tmp_path / "s.h5", x, chunks=(2, 5, 2, 3))
    report, y, _, _ = go(file, dest="/out", **ops)
    want = shape_ops(x, **ops)
    assert report.out_shape == want.shape
    np.testing.assert_array_equal(y, want)
    assert y.dtype == np.int16


def test_squeeze_and_contiguous_output(tmp_path, tiny_blocks):
    x = np.arange(30, dtype=np.float32).reshape(6, 1, 5, 1)
    file = make(tmp_path / "s.h5", x)
    report, y, _, _ = go(file, dest="/out", squeeze=True, chunks=None)
    np.testing.assert_array_equal(y, x.reshape(6, 5))
    assert read(file, "/out")[2] is None  # contiguous


def test_large_blocks_with_chunk_aligned_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(planning, "BLOCK_BYTES", 7 * 28 * 28 * 5 * 3)  # three chunks of rows per block
    x = np.random.default_rng(1).integers(0, 256, (100, 28, 28), dtype=np.uint8)
    file = make(tmp_path / "s.h5", x, chunks=(7, 28, 28))
    spec = T.TransformSpec(file, "/data", dest="/out", add_axis=1, dtype="float32", chunks=(7, 1, 28, 28))
    with h5py.File(file) as f:
        ctx, _ = planning.prepare(f, spec)
    assert ctx.align == 7 and ctx.block_elems % 7 == 0 or ctx.block_elems // 784 % 7 == 0
    _, y, _, _ = go(file, dest="/out", add_axis=1, dtype="float32", chunks=(7, 1, 28, 28))
    np.testing.assert_array_equal(y, x[:, None].astype(np.float32))


def test_flat_boxes_cover_any_range_contiguously():
    shape = (3, 4, 5)
    for start, stop in [(0, 60), (7, 8), (7, 53), (20, 40), (19, 41), (0, 1), (59, 60)]:
        seen = []
        for sel, box in geometry.flat_boxes(shape, start, stop):
            idx = np.arange(60).reshape(shape)[sel]
            assert idx.shape == box
            seen.extend(idx.ravel().tolist())
        assert seen == list(range(start, stop))
    assert len(list(geometry.flat_boxes(shape, 7, 53))) <= 2 * len(shape) - 1


# ---------------------------------------------------------------------------------------------
# casts


def test_int_overflow_clip_counts_and_reports(tmp_path, tiny_blocks):
    x = np.array([[-5, 0, 7], [255, 256, 300]], dtype=np.int16)
    file = make(tmp_path / "c.h5", x)
    report, y, _, _ = go(file, dest="/out", dtype="uint8")
    np.testing.assert_array_equal(y, np.clip(x, 0, 255).astype(np.uint8))
    assert report.stats["clipped"] == 3
    assert any("3 values did not fit in uint8" in w for w in report.warnings)


def test_int_overflow_refuse_names_count_and_first_index(tmp_path, tiny_blocks):
    x = np.zeros((4, 5, 6), dtype=np.int32)
    x[2, 3, 4] = 1000
    x[3, 0, 0] = -1
    x[3, 4, 5] = 70000
    file = make(tmp_path / "c.h5", x)
    with pytest.raises(BadRequestError) as err:
        go(file, dest="/out", dtype="uint8", overflow="refuse")
    text = str(err.value)
    assert "3 values of /data do not fit in uint8 (0..255)" in text
    assert "the first is 1000 at [2, 3, 4]" in text
    with h5py.File(file) as f:
        assert list(f) == ["data"], "no partial output"


def test_uint64_and_int64_casts_are_exact(tmp_path):
    x = np.array([0, 2**63 + 5, 2**64 - 1], dtype=np.uint64)
    file = make(tmp_path / "c.h5", x)
    _, y, _, _ = go(file, dest="/i64", dtype="int64")
    assert y.tolist() == [0, 2**63 - 1, 2**63 - 1]
    z = np.array([-(2**63), 2**53 + 1, 2**63 - 1], dtype=np.int64)
    make(file, z, "/z")
    _, y, _, _ = go(file, "/z", dest="/z32", dtype="int32")
    assert y.tolist() == [-(2**31), 2**31 - 1, 2**31 - 1]
    _, y, _, _ = go(file, "/z", dest="/zu", dtype="uint64")
    assert y.tolist() == [0, 2**53 + 1, 2**63 - 1]


@pytest.mark.parametrize("rounding", ["round", "floor", "ceil", "trunc"])
def test_float_to_int_rounding(tmp_path, rounding):
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.7, -2.7, 1e10, -1e10])
    file = make(tmp_path / "r.h5", x)
    _, y, _, _ = go(file, dest="/out", dtype="int16", rounding=rounding)
    fn = {"round": np.rint, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc}[rounding]
    np.testing.assert_array_equal(y, np.clip(fn(x), -32768, 32767).astype(np.int16))


def test_nan_and_inf_in_input(tmp_path, tiny_blocks):
    x = np.array([[1.0, np.nan, 3.0], [np.inf, -np.inf, 300.0]])
    file = make(tmp_path / "n.h5", x)
    _, y, _, _ = go(file, dest="/f32", dtype="float32")
    np.testing.assert_array_equal(y, x.astype(np.float32))  # NaN and infinities pass through
    report, y, _, _ = go(file, dest="/u8", dtype="uint8")
    assert y.tolist() == [[1, 0, 3], [255, 0, 255]]  # NaN -> 0, infinities clipped
    assert report.stats["clipped"] == 4
    with pytest.raises(BadRequestError, match=r"4 values of /data do not fit in uint8 .* the first is NaN at \[0, 1\]"):
        go(file, dest="/refused", dtype="uint8", overflow="refuse")


def test_float_narrowing_overflow(tmp_path):
    x = np.array([1.0, 70000.0, -1e300, np.inf, np.nan])
    file = make(tmp_path / "h.h5", x)
    _, y, _, _ = go(file, dest="/f16", dtype="float16")
    assert y[0] == 1 and y[1] == np.finfo(np.float16).max and y[2] == -np.finfo(np.float16).max
    assert np.isposinf(y[3]) and np.isnan(y[4])
    with pytest.raises(BadRequestError, match="2 values .* float16 .* the first is 70000 at \\[1\\]"):
        go(file, dest="/f16r", dtype="float16", overflow="refuse")


def test_bool_big_endian_and_default_dtypes(tmp_path):
    file = make(tmp_path / "b.h5", np.array([True, False, True]), "/flags")
    _, y, _, _ = go(file, "/flags", dest="/u")
    assert y.dtype == np.uint8 and y.tolist() == [1, 0, 1]
    make(file, np.arange(6, dtype=">i2").reshape(2, 3), "/be")
    _, y, _, _ = go(file, "/be", dest="/le", transpose=(1, 0))
    assert y.dtype == np.dtype("<i2") and y.tolist() == [[0, 3], [1, 4], [2, 5]]
    _, y, _, _ = go(file, "/be", dest="/norm", normalize="minmax")
    assert y.dtype == np.float32  # normalizing integers: float32 unless told


# ---------------------------------------------------------------------------------------------
# normalization and statistics


def reference_norm(x, mode, axis=None, pct=(1.0, 99.0)):
    """(y, offset, scale, stats) computed by numpy on the whole array, NaN and inf ignored."""
    finite = np.where(np.isfinite(x), x, np.nan)
    red = None if axis is None else tuple(a for a in range(x.ndim) if a != axis)
    kw = {"axis": red, "keepdims": True}
    mn, mx = np.nanmin(finite, **kw), np.nanmax(finite, **kw)
    mean, std = np.nanmean(finite, **kw), np.nanstd(finite, **kw)
    xx = x.astype(np.float64)
    if mode == "minmax":
        off, sc = mn, mx - mn
    elif mode == "minmax-1":
        off, sc = (mx + mn) / 2, (mx - mn) / 2
    elif mode == "zscore":
        off, sc = mean, std
    else:
        if axis is None:
            lo, hi = (np.full((1,) * x.ndim, np.percentile(finite[~np.isnan(finite)], q)) for q in pct)
        else:
            moved = np.moveaxis(finite, axis, 0)
            per = [[np.percentile(c[~np.isnan(c)], q) for c in moved] for q in pct]
            shape = [1] * x.ndim
            shape[axis] = -1
            lo, hi = (np.array(p).reshape(shape) for p in per)
        xx = np.clip(xx, lo, hi)
        off, sc = lo, hi - lo
    sc = np.where(sc == 0, 1.0, sc)
    with np.errstate(invalid="ignore"):
        y = (xx - off) / sc
    return y, off.ravel(), sc.ravel(), {"min": mn.ravel(), "max": mx.ravel(), "mean": mean.ravel(), "std": std.ravel()}


@pytest.mark.parametrize("mode", ["minmax", "minmax-1", "zscore", "clip-percentiles"])
@pytest.mark.parametrize("per_channel", [False, True])
def test_normalizations_match_numpy(tmp_path, tiny_blocks, mode, per_channel):
    rng = np.random.default_rng(2)
    x = rng.normal(10, 3, (7, 6, 5, 3)) * np.array([1.0, 10.0, 100.0])
    file = make(tmp_path / "z.h5", x, chunks=(3, 6, 5, 3))
    report, y, attrs, progress = go(file, dest="/out", normalize=mode, per_channel=per_channel, dtype="float64")
    want, off, sc, st = reference_norm(x, mode, axis=3 if per_channel else None)
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)
    scalar = (lambda a: a[0]) if not per_channel else (lambda a: a)
    np.testing.assert_allclose(attrs["offset"], scalar(off), rtol=1e-13)
    np.testing.assert_allclose(attrs["scale"], scalar(sc), rtol=1e-13)
    np.testing.assert_array_equal(attrs["min"], scalar(st["min"]))  # exact
    np.testing.assert_array_equal(attrs["max"], scalar(st["max"]))
    np.testing.assert_allclose(attrs["mean"], scalar(st["mean"]), rtol=1e-13)
    np.testing.assert_allclose(attrs["std"], scalar(st["std"]), rtol=1e-12)
    if mode == "clip-percentiles":
        np.testing.assert_array_equal(attrs["clip_min"], scalar(off))  # exactly numpy's percentile
        assert report.passes >= 3
    else:
        assert report.passes == 2
    if per_channel:
        assert attrs["channel_axis"] == 3 and len(attrs["mean"]) == 3
    assert progress[-1].done == progress[-1].total == x.size * report.passes
    np.testing.assert_allclose(y * attrs["scale"] + attrs["offset"],
                               np.clip(x, attrs.get("clip_min", -np.inf), attrs.get("clip_max", np.inf)),
                               rtol=1e-12)


@pytest.mark.parametrize("mode", ["zscore", "clip-percentiles", "minmax"])
def test_per_channel_on_a_moved_axis_with_nan(tmp_path, tiny_blocks, mode):
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (5, 4, 6)) * np.arange(1, 7)  # channels last in the source...
    x[1, 2, 3] = np.nan
    x[4, 0, 0] = np.inf
    file = make(tmp_path / "c.h5", x)
    # ...first in the output: channel_axis is the OUTPUT's axis
    report, y, attrs, _ = go(file, dest="/out", move_axis=(-1, 0), normalize=mode, per_channel=True,
                             channel_axis=0, dtype="float64")
    moved = np.moveaxis(x, -1, 0)
    want, _, _, st = reference_norm(moved, mode, axis=0)
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(moved))
    assert y[0, 4, 0] == (np.inf if mode != "clip-percentiles" else 1.0)  # clipped to the 99th percentile
    np.testing.assert_allclose(attrs["mean"], st["mean"], rtol=1e-12)
    assert report.stats["nonfinite"] == [1, 0, 0, 1, 0, 0]
    assert report.stats["count"] == [19, 20, 20, 19, 20, 20]


def test_percentiles_of_integers_and_ties(tmp_path, tiny_blocks):
    x = np.random.default_rng(4).integers(0, 5, (40, 9), dtype=np.uint8)
    file = make(tmp_path / "p.h5", x)
    for pct in [(1.0, 99.0), (0.0, 100.0), (12.5, 87.5), (33.3, 50.0)]:
        report, y, attrs, _ = go(file, dest=f"/p{pct[0]}", normalize="clip-percentiles", percentiles=pct,
                                 dtype="float64")
        lo, hi = (np.percentile(x, q) for q in pct)
        assert (attrs["clip_min"], attrs["clip_max"]) == (lo, hi)
        np.testing.assert_allclose(y, (np.clip(x, lo, hi) - lo) / ((hi - lo) or 1), rtol=1e-15)


def test_percentile_search_on_awkward_floats():
    m = stats.Moments(1)
    values = np.concatenate([np.geomspace(1e-300, 1e300, 999), -np.geomspace(1e-300, 1e300, 999), [0.0, -0.0]])
    m.add(values.copy(), None, 0, np.empty(values.size, bool))
    search = stats.PercentileSearch(m, (0.1, 37.0, 99.9))
    while not search.done():
        search.start_pass()
        keys = stats.float_keys(values.copy(), np.empty(values.size, np.uint64))
        search.add(keys, None, 0)
        search.end_pass()
    got = search.result()
    for q in (0.1, 37.0, 99.9):
        assert got[q][0] == np.percentile(values, q)
    assert search.passes <= 5


def test_uint8_zscore_statistics_equal_numpy(tmp_path, monkeypatch):
    monkeypatch.setattr(planning, "BLOCK_BYTES", 50_000)
    x = np.random.default_rng(5).integers(0, 256, (64, 32, 32), dtype=np.uint8)
    file = make(tmp_path / "u.h5", x, chunks=(4, 32, 32))
    report, y, attrs, _ = go(file, dest="/z", add_axis=-1, dtype="float32", normalize="zscore")
    xf = x.astype(np.float64)
    assert attrs["mean"] == pytest.approx(xf.mean(), rel=1e-14)
    assert attrs["std"] == pytest.approx(xf.std(), rel=1e-14)
    assert (attrs["min"], attrs["max"]) == (x.min(), x.max())
    np.testing.assert_array_equal(y, ((xf - attrs["mean"]) / attrs["std"]).astype(np.float32)[..., None])


def test_constant_data_and_normalizing_into_integers(tmp_path):
    file = make(tmp_path / "k.h5", np.full((3, 4), 7.0))
    report, y, attrs, _ = go(file, dest="/z", normalize="zscore")
    assert (y == 0).all() and attrs["scale"] == 1.0 and attrs["offset"] == 7.0
    assert any("constant data" in w for w in report.warnings)
    make(file, np.array([0.0, 50.0, 100.0]), "/r")
    report, y, _, _ = go(file, "/r", dest="/r8", normalize="minmax-1", dtype="int8")
    assert y.tolist() == [-1, 0, 1]


# ---------------------------------------------------------------------------------------------
# edge cases: empty, one element, scalars


def test_size_zero_axes(tmp_path, tiny_blocks):
    file = make(tmp_path / "e.h5", np.zeros((0, 28, 28), dtype=np.uint8))
    report, y, attrs, _ = go(file, dest="/f", add_axis=-1, dtype="float32", normalize="scale", scale=255)
    assert y.shape == (0, 28, 28, 1) and y.dtype == np.float32 and report.nbytes_out == 0
    report, y, attrs, _ = go(file, dest="/z", normalize="zscore", reshape=(28, 0, 28))
    assert y.shape == (28, 0, 28) and np.isnan(attrs["mean"]) and attrs["scale"] == 1.0
    assert T.plan_transform(T.TransformSpec(file, "/data", reshape=(-1, 28))).out_shape == (0, 28)  # as numpy
    with pytest.raises(BadRequestError, match=r"cannot reshape 0 elements into -1 x 0"):
        T.plan_transform(T.TransformSpec(file, "/data", reshape=(-1, 0)))


def test_one_element_and_scalar_datasets(tmp_path, tiny_blocks):
    file = make(tmp_path / "o.h5", np.array([3.5]), "/one")
    make(file, np.uint8(200), "/scalar")
    _, y, _, _ = go(file, "/one", dest="/s", reshape=())
    assert y.shape == () and y == 3.5
    report, y, attrs, _ = go(file, "/one", dest="/z", reshape=(1, 1, 1), normalize="zscore")
    assert y.shape == (1, 1, 1) and y[0, 0, 0] == 0 and attrs["mean"] == 3.5 and attrs["std"] == 0
    _, y, _, _ = go(file, "/scalar", dest="/s2", reshape=(1, 1), dtype="float32", normalize="scale", scale=2)
    assert y.tolist() == [[100.0]]
    _, y, _, _ = go(file, "/scalar", dest="/s3", add_axis=0, dtype="int8")
    assert y.tolist() == [127]
    assert T.preview_transform(T.TransformSpec(file, "/scalar", add_axis=0))[1].tolist() == 200


# ---------------------------------------------------------------------------------------------
# chunks, compression


def test_chunk_presets(tmp_path):
    file = make(tmp_path / "k.h5", np.zeros((50, 32, 32), dtype=np.uint8), chunks=(5, 32, 32))
    make(file, np.zeros((10, 64, 64, 3), dtype=np.uint8), "/rgb")

    def chunks(source="/data", **kw):
        return T.plan_transform(T.TransformSpec(file, source, **kw)).out_chunks

    assert chunks(add_axis=-1, dtype="float32") == (50, 32, 32, 1)  # ~1 MiB would be 256 samples
    assert chunks(add_axis=-1, chunks="sample") == (1, 32, 32, 1)
    assert chunks("/rgb", chunks="frame") == (1, 64, 64, 3)
    assert chunks("/rgb", move_axis=(-1, 1), chunks="frame") == (1, 1, 64, 64)
    assert chunks(add_axis=-1, chunks="keep") == (5, 32, 32, 1)
    assert chunks(transpose=(2, 1, 0), chunks="keep") == (32, 32, 5)
    assert chunks(chunks=None) is None and chunks(chunks="none") is None
    assert chunks(chunks=(10, 8, 8)) == (10, 8, 8)
    big = T.auto_chunks((100, 4096, 4096), 4)
    assert big[0] == 1 and np.prod(big) * 4 <= 4 * 2**20
    plan = T.plan_transform(T.TransformSpec(file, "/data", reshape=(50, 1024), chunks="keep"))
    assert plan.out_chunks == T.auto_chunks((50, 1024), 1)
    assert any("do not fit the new shape" in w for w in plan.warnings)


@pytest.mark.parametrize("compression", ["gzip", "lzf", "zstd", "blosc", "blosc:zstd", "lz4", "bitshuffle"])
def test_compression_round_trip(tmp_path, compression):
    x = np.tile(np.arange(64, dtype=np.uint16), (40, 8, 1))
    file = make(tmp_path / "g.h5", x)
    report, y, _, _ = go(file, dest="/out", compression=compression, chunks=(10, 8, 64), shuffle=True)
    np.testing.assert_array_equal(y, x)
    assert report.storage_bytes < x.nbytes
    est = T.estimate_storage(T.TransformSpec(file, "/data", dest="/x", compression=compression,
                                             chunks=(10, 8, 64), shuffle=True))
    assert est < x.nbytes / 2


def test_estimate_storage_without_compression_is_the_raw_size(tmp_path):
    file = make(tmp_path / "g.h5", np.zeros((10, 10), dtype=np.float32))
    assert T.estimate_storage(T.TransformSpec(file, "/data", dtype="float64")) == 800


# ---------------------------------------------------------------------------------------------
# preview and names


def test_preview_mnist_and_transposed(tmp_path):
    x = np.random.default_rng(6).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    file = make(tmp_path / "p.h5", x, chunks=(4, 28, 28))
    before, after = T.preview_transform(
        T.TransformSpec(file, "/data", add_axis=-1, dtype="float32", normalize="scale", scale=255), index=3)
    np.testing.assert_array_equal(before, x[3])
    np.testing.assert_array_equal(after, (x[3][..., None] / 255).astype(np.float32))
    before, after = T.preview_transform(T.TransformSpec(file, "/data", move_axis=(-1, 0)), index=-1)
    np.testing.assert_array_equal(after, np.moveaxis(x, -1, 0)[-1])
    before, after = T.preview_transform(T.TransformSpec(file, "/data", reshape=(28, 20, 28), transpose=(1, 0, 2)),
                                        index=5)
    np.testing.assert_array_equal(after, x.reshape(28, 20, 28).transpose(1, 0, 2)[5])
    # statistics of a sample (here: all of it, the data is small)
    _, after = T.preview_transform(T.TransformSpec(file, "/data", normalize="zscore", dtype="float64"), index=0)
    np.testing.assert_allclose(after, (x[0] - x.mean()) / x.std(), rtol=1e-10)
    with pytest.raises(BadRequestError, match="sample 20 is out of range"):
        T.preview_transform(T.TransformSpec(file, "/data"), index=20)


def test_preview_overflow_is_clipped_not_refused(tmp_path):
    file = make(tmp_path / "p.h5", np.array([[1, 300]], dtype=np.int16))
    _, after = T.preview_transform(T.TransformSpec(file, "/data", dtype="uint8", overflow="refuse"))
    assert after.tolist() == [1, 255]


def test_suggest_dest(tmp_path):
    file = make(tmp_path / "n.h5", np.zeros(3), "/mnist/images")
    assert T.suggest_dest(file, "/mnist/images", T.TransformSpec(file, "/x", dtype="float32")) == "/mnist/images_f32"
    make(file, np.zeros(3), "/mnist/images_f32")
    assert T.suggest_dest(file, "/mnist/images", T.TransformSpec(file, "/x", dtype="float32")) == "/mnist/images_f32_2"
    assert T.suggest_dest(file, "/mnist/images", T.TransformSpec(file, "/x", normalize="zscore")) == "/mnist/images_zscore"
    assert T.suggest_dest(file, "/mnist/images", T.TransformSpec(file, "/x", add_axis=0)) == "/mnist/images_reshaped"
    assert T.suggest_dest(file, "/mnist/images") == "/mnist/images_transformed"


@pytest.mark.parametrize("shuffle", [False, True])
def test_gzip_chunks_compressed_on_every_core_read_back_by_hdf5(tmp_path, monkeypatch, shuffle):
    monkeypatch.setattr(planning, "BLOCK_BYTES", 5 * 6 * 7 * 5 * 3)  # a few blocks, chunk-aligned along axis 0
    calls = []
    real = parallel_gzip.gzip_chunk
    monkeypatch.setattr(parallel_gzip, "gzip_chunk", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(parallel_gzip.os, "cpu_count", lambda: 4)
    x = np.random.default_rng(7).integers(0, 50, (23, 6, 7), dtype=np.int16)
    file = make(tmp_path / "gz.h5", x)
    report, y, _, _ = go(file, dest="/out", dtype="float32", normalize="scale", scale=3, chunks=(5, 4, 7),
                         compression="gzip", compression_opts=6, shuffle=shuffle)
    np.testing.assert_array_equal(y, (x / 3).astype(np.float32))  # edge chunks (23 = 4 x 5 + 3; 6 = 4 + 2) too
    assert len(calls) == 5 * 2, "every chunk went through the thread pool"
    with h5py.File(file) as f:
        d = f["out"]
        assert d.compression == "gzip" and d.compression_opts == 6 and d.shuffle == shuffle
        assert d.id.get_num_chunks() == 10
    # a transposed output lands in boxes that cut chunks: written by HDF5 instead, same result
    calls.clear()
    _, y, _, _ = go(file, dest="/t", transpose=(2, 1, 0), chunks=(7, 6, 23), compression="gzip")
    np.testing.assert_array_equal(y, x.transpose(2, 1, 0))


def test_relative_destination_and_memory_estimate(tmp_path):
    file = make(tmp_path / "d.h5", np.zeros((4000, 64, 64), dtype=np.uint8), "/mnist/images")
    plan = T.plan_transform(T.TransformSpec(file, "/mnist/images", dest="as_float", dtype="float32"))
    assert plan.dest == "/mnist/as_float"
    assert plan.memory_bytes <= 2 * T.BLOCK_BYTES + 5 * 2**20  # whatever the dataset's size


def test_records_import_without_h5py_and_every_name_resolves():
    code = "import sys, h5gui.core.transform.records; print('h5py' in sys.modules, 'PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "False"]  # the GUI builds specs without h5py
    assert all(getattr(T, name) is not None for name in T.__all__)


@pytest.mark.parametrize(("source", "kw", "clips"), [
    # noise before: float results of the data's own statistics cannot leave float32 / float64
    ("f32", {"normalize": "minmax", "dtype": "float32"}, False),
    ("f32", {"normalize": "zscore"}, False),
    ("f64", {"normalize": "minmax-1", "dtype": "float32"}, False),
    ("f64", {"normalize": "clip-percentiles", "dtype": "float32"}, False),
    ("u8", {"normalize": "scale", "scale": 255.0}, False),
    ("f32", {"normalize": "scale", "scale": 255.0, "dtype": "float32"}, False),
    # real: the range matters
    ("f64", {"dtype": "float32"}, True),
    ("f32", {"normalize": "zscore", "dtype": "float16"}, True),
    ("f32", {"normalize": "scale", "scale": 0.5, "dtype": "float32"}, True),
    ("f32", {"normalize": "meanstd", "mean": 0.5, "std": 0.25, "dtype": "float32"}, True),
    ("f32", {"normalize": "zscore", "stats_from": "/f64"}, True),
    ("f32", {"normalize": "minmax", "dtype": "uint8"}, True),
    ("f32", {"dtype": "int16"}, True),
])
def test_plan_notes_clipping_only_when_a_value_can_be_clipped(tmp_path, source, kw, clips):
    """QA: the plan said "clip values outside float32" for float results that cannot leave float32."""
    rng = np.random.default_rng(0)
    file = make(tmp_path / "p.h5", rng.random((6, 5)).astype(np.float32), "/f32")
    make(file, rng.random((6, 5)), "/f64")
    make(file, np.arange(30, dtype=np.uint8).reshape(6, 5), "/u8")
    plan = T.plan_transform(T.TransformSpec(file, "/" + source, **kw))
    assert any(s.startswith("clip values outside") for s in plan.steps) == clips, plan.steps


def test_minmax_and_zscore_of_extreme_float32_stay_exact_without_the_check(tmp_path):
    big = np.finfo(np.float32).max
    x = np.array([-big, -1.0, 0.0, 3.0, big, np.inf, np.nan], dtype=np.float32)
    file = make(tmp_path / "x.h5", x)
    report, y, _, _ = go(file, dest="/mm", normalize="minmax", dtype="float32")
    finite = x[np.isfinite(x)].astype(np.float64)
    want = (x.astype(np.float64) - finite.min()) / (finite.max() - finite.min())
    np.testing.assert_allclose(y[:5], want[:5].astype(np.float32), rtol=1e-6)
    assert np.isposinf(y[5]) and np.isnan(y[6]) and not report.stats.get("clipped")
    _, z, _, _ = go(file, dest="/z", normalize="zscore", dtype="float32")
    assert np.isfinite(z[:5]).all() and np.abs(z[:5]).max() <= np.sqrt(5)


def test_per_channel_of_a_channels_first_picture_follows_its_colours(tmp_path):
    # a (3, H, W) 8-bit picture is shown in colour (channels first); "per channel" with no axis chosen
    # normalizes each colour on its own, as Statistics counts them, not each of the last axis's columns
    rng = np.random.default_rng(5)
    x = np.stack([rng.integers(0, 50, (16, 20)), rng.integers(100, 150, (16, 20)),
                  rng.integers(200, 256, (16, 20))]).astype(np.uint8)
    file = make(tmp_path / "chw.h5", x, name="/chw")
    report, y, attrs, _ = go(file, source="/chw", dest="/out", normalize="zscore", per_channel=True,
                             dtype="float64")
    assert attrs["channel_axis"] == 0
    np.testing.assert_allclose(attrs["mean"], x.reshape(3, -1).mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(y.reshape(3, -1).mean(axis=1), 0, atol=1e-12)

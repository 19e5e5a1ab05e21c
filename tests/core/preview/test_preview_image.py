"""The image view: exact planes, channels last, complex modes, all-fill and sparse giants within the
pixel and chunk budgets, regions at full resolution, progress in pieces."""

from __future__ import annotations

import time

import h5py
import numpy as np
import pytest

from h5gui.core import preview
from h5gui.core.errors import BadRequestError
from h5gui.core.preview import ImageRequest, read_image
from h5gui.core.preview import image as preview_image

from .preview_data import BIG, IMG2D, RGB, STACK


def test_full_image_exact_with_nonfinite_excluded_from_levels(h5):
    s = read_image(h5, "/img2d", ImageRequest(axes=(0, 1, None), index=(0, 0)))
    assert s.data.dtype == np.float32 and s.data.shape == (300, 200) and s.step == (1, 1)
    np.testing.assert_array_equal(s.data, IMG2D)
    assert s.nonfinite == 3 and s.full_shape == (300, 200) and s.region == (0, 300, 0, 200)
    assert s.minmax[1] == 1e6 and np.isfinite(s.minmax[0])
    finite = IMG2D[np.isfinite(IMG2D)]
    lo, hi = np.percentile(finite, [0.5, 99.5])
    assert s.levels == pytest.approx((lo, hi), rel=1e-6)
    assert s.levels[1] < 1000 and not s.rgb and s.note == ""


def test_frames_are_exact_and_fast(h5):
    req = ImageRequest(axes=(1, 2, None), index=(0, 0, 0))
    read_image(h5, "/stack", req)  # warm
    for k in (0, 7, 19):
        t0 = time.perf_counter()
        s = read_image(h5, "/stack", ImageRequest(axes=(1, 2, None), index=(k, 0, 0)))
        took = time.perf_counter() - t0
        np.testing.assert_array_equal(s.data, STACK[k])
        assert s.data.dtype == np.uint16 and s.step == (1, 1)
        assert took < 0.2
    with pytest.raises(BadRequestError, match="index 20 out of range for axis 0"):
        read_image(h5, "/stack", ImageRequest(axes=(1, 2, None), index=(20, 0, 0)))
    np.testing.assert_array_equal(
        read_image(h5, "/stack", ImageRequest(axes=(1, 2, None), index=(-1, 0, 0))).data, STACK[-1]
    )


def test_rgb_and_channels_first_become_channels_last(h5):
    a = read_image(h5, "/rgb", ImageRequest(axes=(0, 1, 2), index=(0, 0, 0)))
    b = read_image(h5, "/chw", ImageRequest(axes=(1, 2, 0), index=(0, 0, 0)))
    for s in (a, b):
        assert s.rgb and s.data.shape == (40, 50, 3) and s.data.dtype == np.uint8
        np.testing.assert_array_equal(s.data, RGB)
        assert s.levels == (0.0, 255.0)
    with h5py.File(h5) as f:
        nchw = f["nchw"][3]
    s = read_image(h5, "/nchw", ImageRequest(axes=(2, 3, 1), index=(3, 0, 0, 0)))
    np.testing.assert_array_equal(s.data, np.moveaxis(nchw, 0, -1))
    # one channel of a colour image as grey
    s = read_image(h5, "/rgb", ImageRequest(axes=(0, 1, None), index=(0, 0, 2)))
    np.testing.assert_array_equal(s.data, RGB[:, :, 2])
    assert not s.rgb


def test_transposed_axes(h5):
    s = read_image(h5, "/img2d", ImageRequest(axes=(1, 0, None), index=()))
    np.testing.assert_array_equal(s.data, IMG2D.T)
    with pytest.raises(BadRequestError, match="different axes"):
        read_image(h5, "/img2d", ImageRequest(axes=(0, 0, None), index=()))
    with pytest.raises(BadRequestError, match="out of range"):
        read_image(h5, "/img2d", ImageRequest(axes=(0, 2, None), index=()))


@pytest.mark.parametrize("mode", ["abs", "phase", "real", "imag"])
def test_complex_modes(h5, mode):
    with h5py.File(h5) as f:
        c = f["complex2d"][()]
    expected = {"abs": np.abs, "phase": np.angle, "real": np.real, "imag": np.imag}[mode](c).astype("f4")
    s = read_image(h5, "/complex2d", ImageRequest(axes=(0, 1, None), index=(), complex_mode=mode))
    assert s.data.dtype == np.float32
    np.testing.assert_allclose(s.data, expected, rtol=1e-6)
    with pytest.raises(BadRequestError, match="complex mode"):
        read_image(h5, "/complex2d", ImageRequest(axes=(0, 1, None), index=(), complex_mode="angle"))


def test_float16_bool_enum(h5):
    s = read_image(h5, "/f16", ImageRequest(axes=(0, 1, None), index=()))
    assert s.data.dtype == np.float32
    np.testing.assert_array_equal(s.data, (np.arange(64).reshape(8, 8) / 8).astype("f4"))
    s = read_image(h5, "/bool2d", ImageRequest(axes=(0, 1, None), index=()))
    assert s.data.dtype == np.uint8
    np.testing.assert_array_equal(s.data, np.eye(8, dtype=np.uint8))
    s = read_image(h5, "/enum2d", ImageRequest(axes=(0, 1, None), index=()))
    np.testing.assert_array_equal(s.data, [[0, 1], [2, 1]])
    with pytest.raises(BadRequestError, match="cannot show /strings as an image"):
        read_image(h5, "/strings", ImageRequest(axes=(0, 1, None), index=()))


def test_all_fill_dataset_is_not_read(h5):
    t0 = time.perf_counter()
    s = read_image(h5, "/huge_fill", ImageRequest(axes=(0, 1, None), index=()))
    assert time.perf_counter() - t0 < 1.0
    assert s.all_fill and s.data.shape[0] * s.data.shape[1] <= 4_000_000
    assert s.data.shape == (2000, 2000) and s.step == (50, 50)
    assert np.all(s.data == 7.0) and s.minmax == (7.0, 7.0) and s.levels[0] == 7.0 < s.levels[1]
    assert "fill value" in s.note


def test_sparse_huge_dataset_obeys_chunk_budget(h5):
    t0 = time.perf_counter()
    s = read_image(h5, "/sparse", ImageRequest(axes=(0, 1, None), index=()))
    took = time.perf_counter() - t0
    assert not s.all_fill
    assert s.step[0] >= 1_000_000 // 64  # at most 64 x 64 samples, one chunk each
    assert s.data.shape[0] * s.data.shape[1] <= 4096
    assert s.data[0, 0] == 1.0 and "chunk budget" in s.note
    assert took < 2.0


def test_big_image_downsampled_within_budgets(h5):
    s = read_image(h5, "/big", ImageRequest(axes=(0, 1, None), index=(), max_pixels=250_000))
    h, w = s.data.shape
    assert h * w <= 250_000 and s.step == (5, 5)  # 1:4 would be 512 x 512 = 262,144 pixels
    np.testing.assert_array_equal(s.data, BIG[::5, ::5])
    assert "downsampled 1:5" in s.note and "chunk" not in s.note
    # 256 chunks of 128 x 128: a budget of 16 chunks forces one sample per chunk at most
    s = read_image(h5, "/big", ImageRequest(axes=(0, 1, None), index=(), max_chunks=16))
    assert s.step == (512, 512) and s.data.shape == (4, 4) and "chunk budget" in s.note
    np.testing.assert_array_equal(s.data, BIG[::512, ::512])


def test_region_at_full_resolution_is_exact(h5):
    s = read_image(h5, "/big", ImageRequest(axes=(0, 1, None), index=(), region=(1000, 1300, 17, 421)))
    assert s.step == (1, 1) and s.region == (1000, 1300, 17, 421) and s.full_shape == (2048, 2048)
    np.testing.assert_array_equal(s.data, BIG[1000:1300, 17:421])
    s = read_image(h5, "/big", ImageRequest(axes=(0, 1, None), index=(), region=(-5, 10, 2040, 9999)))
    assert s.region == (0, 10, 2040, 2048)
    with pytest.raises(BadRequestError, match="empty region"):
        read_image(h5, "/big", ImageRequest(axes=(0, 1, None), index=(), region=(10, 10, 0, 5)))


def test_read_image_job_yields_progress_in_pieces(h5, monkeypatch):
    monkeypatch.setattr(preview_image, "IMAGE_PIECE_BYTES", 100_000)  # ~24 rows of 2048 uint16
    job = preview.read_image_job(h5, "/big", ImageRequest(axes=(0, 1, None), index=(), max_pixels=2048**2))
    done = []
    try:
        while True:
            done.append(next(job).done)
    except StopIteration as stop:
        result = stop.value
    assert len(done) > 10 and done[-1] == 2048 and done == sorted(done)
    assert all(d % 128 == 0 for d in done)  # pieces end on chunk edges
    np.testing.assert_array_equal(result.data, BIG)
    job = preview.read_image_job(h5, "/big", ImageRequest(axes=(0, 1, None), index=(), max_pixels=2048**2))
    next(job)
    job.close()  # cancelling between pieces


def test_choose_step_counts_chunks():
    # the case: (10^6, 10^6) chunked (256, 256): 1000 x 1000 samples would touch 10^6 chunks
    step, by_chunks = preview.choose_step(0, 10**6, 0, 10**6, (256, 256), 1, 1_000_000, 4096)
    assert by_chunks and (10**6 // step + 1) ** 2 <= 4096 * 1.1
    step, by_chunks = preview.choose_step(0, 1000, 0, 1000, (256, 256), 1, 4_000_000, 4096)
    assert (step, by_chunks) == (1, False)
    step, by_chunks = preview.choose_step(0, 1000, 0, 1000, None, 1, 10_000, 1)
    assert (step, by_chunks) == (10, False)


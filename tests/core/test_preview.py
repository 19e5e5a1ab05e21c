"""Preview engine on real files: view selection, bounded image/table/plot/text reads, encoded images."""

import contextlib
import io
import json
import time
import tracemalloc

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.core import preview
from h5gui.core.errors import (
    BadRequestError,
    FilterUnavailableError,
    UnreadableError,
    UnsafeAccessError,
)
from h5gui.core.preview import ImageRequest, read_image, read_plot, read_table, read_text

RNG = np.random.default_rng(1)
IMG2D = RNG.normal(100, 10, (300, 200)).astype("f4")
IMG2D[5, 7] = np.nan
IMG2D[6, 8] = np.inf
IMG2D[7, 9] = -np.inf
IMG2D[0, 0] = 1e6  # an outlier the percentile levels ignore
RGB = RNG.integers(0, 255, (40, 50, 3), dtype=np.uint8)
STACK = RNG.integers(0, 65535, (20, 64, 64), dtype=np.uint16)
BIG = np.add.outer(np.arange(2048, dtype=np.uint32), np.arange(2048, dtype=np.uint32) * 3).astype(np.uint16)


def encode(a: np.ndarray, fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture(scope="module")
def h5(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("preview") / "preview.h5"
    with h5py.File(path, "w", track_order=True) as f:
        f["img2d"] = IMG2D
        f["rgb"] = RGB
        f["chw"] = np.moveaxis(RGB, -1, 0).copy()
        f["nhwc"] = RNG.integers(0, 255, (5, 20, 30, 3), dtype=np.uint8)
        f["nchw"] = RNG.integers(0, 255, (5, 3, 20, 30), dtype=np.uint8)
        f["tzyx"] = RNG.random((2, 5, 20, 30), dtype=np.float32)
        f["nhw"] = RNG.random((6, 20, 30), dtype=np.float32)
        f.create_dataset("stack", data=STACK, chunks=(1, 64, 64))
        planes = f.create_dataset("planes", data=RNG.integers(0, 255, (3, 4, 4), dtype=np.uint8))
        planes.attrs["CLASS"] = np.bytes_("IMAGE")
        planes.attrs["IMAGE_SUBCLASS"] = np.bytes_("IMAGE_TRUECOLOR")
        planes.attrs["INTERLACE_MODE"] = np.bytes_("INTERLACE_PLANE")
        cplx = (np.arange(100).reshape(10, 10) * np.exp(1j * np.linspace(-3, 3, 100)).reshape(10, 10)).astype("c8")
        f["complex2d"] = cplx
        f["f16"] = np.arange(64, dtype="f2").reshape(8, 8) / 8
        f["bool2d"] = np.eye(8, dtype=bool)
        f["row_vector"] = np.arange(50, dtype="f8").reshape(1, 50)
        f.create_dataset("huge_fill", shape=(100_000, 100_000), dtype="f4", chunks=(256, 256), fillvalue=7.0)
        sparse = f.create_dataset("sparse", shape=(1_000_000, 1_000_000), dtype="f4", chunks=(256, 256))
        sparse[0:256, 0:256] = 1.0
        f.create_dataset("big", data=BIG, chunks=(128, 128))
        f["zero_size"] = np.zeros((0, 10), dtype="f4")
        f["empty"] = h5py.Empty("f4")
        f["scalar"] = np.float64(2.5)
        f["json"] = json.dumps({"name": "model", "layers": [1, 2, 3]})
        f["line"] = np.sin(np.linspace(0, 10, 1000))
        comp = np.zeros(100, dtype=[("t", "f8"), ("v", "f4"), ("label", "S8"), ("n", "i4")])
        comp["t"] = np.arange(100) * 0.5
        comp["v"] = np.arange(100) ** 2
        comp["label"] = [b"row%d" % i for i in range(100)]
        comp["n"] = np.arange(100)
        f["compound"] = comp
        f["strings"] = np.array(["alpha", "gämma", "δ"], dtype=h5py.string_dtype())
        f["bad_utf8"] = np.array([b"ok", b"\xff\xfebad", b"caf\xc3\xa9"], dtype="S8")
        enum_dt = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1")
        f.create_dataset("enum", data=np.array([0, 2, 1, 7], dtype="i1"), dtype=enum_dt)
        f.create_dataset("enum2d", data=np.array([[0, 1], [2, 1]], dtype="i1"), dtype=enum_dt)
        refs = f.create_dataset("refs", (3,), dtype=h5py.ref_dtype)
        refs[0] = f["img2d"].ref
        refs[1] = f["rgb"].ref
        regs = f.create_dataset("regions", (1,), dtype=h5py.regionref_dtype)
        regs[0] = f["img2d"].regionref[2:5, 10:20]
        f["cube"] = np.arange(3 * 4 * 5, dtype="i4").reshape(3, 4, 5)
        f["opaque"] = np.array([b"\x00\x01\x02\x03\x04\x05\x06\x07\x08"] * 2, dtype="V9")
        vl = f.create_dataset("vlen_int", (2,), dtype=h5py.vlen_dtype(np.dtype("i4")))
        vl[0] = np.arange(3, dtype="i4")
        vl[1] = np.arange(40, dtype="i4")
        # encoded images in every form
        grey = np.arange(24 * 32, dtype=np.uint8).reshape(24, 32)
        for fmt in ("PNG", "JPEG", "TIFF", "BMP", "GIF"):
            f[f"enc_{fmt.lower()}"] = np.frombuffer(encode(RGB if fmt != "GIF" else grey, fmt), dtype=np.uint8)
        f["enc_void"] = np.void(encode(RGB, "PNG"))
        vb = f.create_dataset("enc_vlen", (3,), dtype=h5py.vlen_dtype(np.dtype("u1")))
        vb[0] = np.frombuffer(encode(RGB, "PNG"), dtype=np.uint8)
        vb[1] = np.frombuffer(encode(grey, "BMP"), dtype=np.uint8)
        vb[2] = np.frombuffer(encode(RGB, "JPEG"), dtype=np.uint8)
        # vlen strings cannot hold NUL bytes: "bytes" datasets are fixed-length strings or opaque arrays
        blobs = [encode(grey, "PNG"), encode(RGB, "TIFF")]
        f["enc_bytes"] = np.array([np.void(b.ljust(max(map(len, blobs)), b"\0")) for b in blobs])
        blobs = [encode(grey, "BMP"), encode(RGB, "PNG")]
        f["enc_fixed"] = np.array(blobs, dtype=f"S{max(len(b) for b in blobs)}")
        png = encode(RNG.integers(0, 255, (64, 64, 3), dtype=np.uint8), "PNG")
        f["enc_truncated"] = np.frombuffer(png[: len(png) // 2], dtype=np.uint8)
        f["not_encoded"] = np.arange(100, dtype=np.uint8)
    return str(path)


def info(h5, path):
    return preview.preview_info(h5, path)


# ---------------------------------------------------------------------------------------------
# view selection


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
    i = info(h5, path)
    assert (i.kind, i.views, i.image_axes, i.rgb, i.error) == (kind, views, axes, rgb, "")
    assert i.path == path and i.file == h5


def test_info_details(h5):
    i = info(h5, "/compound")
    assert i.fields == ("t", "v", "label", "n") and i.plot_fields == ("t", "v", "n")
    assert i.dtype.startswith("|V") and "compound" in i.dtype_text
    i = info(h5, "/stack")
    assert i.chunks == (1, 64, 64) and i.dtype == "<u2" and i.shape == (20, 64, 64)
    i = info(h5, "/huge_fill")
    assert i.all_fill and i.fill_value == 7.0 and i.views[0] == "image"
    assert not info(h5, "/big").all_fill
    assert info(h5, "/scalar").text == "2.5"
    assert info(h5, "/empty").shape is None
    assert json.loads(info(h5, "/json").text) == {"name": "model", "layers": [1, 2, 3]}
    assert "\n  " in info(h5, "/json").text  # pretty-printed


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
    i = info(h5, path)
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


# ---------------------------------------------------------------------------------------------
# images


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
    monkeypatch.setattr(preview, "IMAGE_PIECE_BYTES", 100_000)  # ~24 rows of 2048 uint16
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


# ---------------------------------------------------------------------------------------------
# tables


def test_table_compound_fields_as_columns(h5):
    i = info(h5, "/compound")
    assert preview.table_shape(i, None, ()) == (100, 4)
    b = read_table(h5, "/compound", 10, 3, 1, 3)
    assert b.columns == ("v", "label", "n") and (b.n_rows, b.n_cols) == (100, 4)
    assert b.cells == (("100.0", "row10", "10"), ("121.0", "row11", "11"), ("144.0", "row12", "12"))
    b = read_table(h5, "/compound", 98, 200, 0, 10)  # clipped
    assert len(b.cells) == 2 and len(b.cells[0]) == 4 and b.cells[1][0] == "49.5"


def test_table_strings_enum_refs_opaque_vlen(h5):
    assert read_table(h5, "/strings", 0, 5, 0, 1).cells == (("alpha",), ("gämma",), ("δ",))
    assert read_table(h5, "/bad_utf8", 0, 3, 0, 1).cells == (("ok",), ("\ufffd\ufffdbad",), ("café",))
    assert read_table(h5, "/enum", 0, 4, 0, 1).cells == (("RED",), ("BLUE",), ("GREEN",), ("7",))
    assert read_table(h5, "/refs", 0, 3, 0, 1).cells == (("/img2d",), ("/rgb",), ("(null reference)",))
    assert read_table(h5, "/regions", 0, 1, 0, 1).cells == (("/img2d[2:5, 10:20] (region)",),)
    assert read_table(h5, "/opaque", 0, 1, 0, 1).cells == (("00 01 02 03 04 05 06 07 08",),)
    cells = read_table(h5, "/vlen_int", 0, 2, 0, 1).cells
    assert cells[0] == ("[0, 1, 2]",) and "..." in cells[1][0]
    assert read_table(h5, "/enc_vlen", 0, 2, 0, 1).cells[0][0].startswith("PNG image (")
    assert read_table(h5, "/enc_fixed", 0, 2, 0, 1).cells[1][0].startswith("PNG image (")
    assert read_table(h5, "/scalar", 0, 1, 0, 1).cells == (("2.5",),)
    b = read_table(h5, "/line", 0, 2, 0, 1)
    assert b.columns == ("value",) and b.cells == (("0.0",), ("0.0100098",))


def test_table_nd_slices(h5):
    cube = np.arange(60).reshape(3, 4, 5)
    i = info(h5, "/cube")
    assert i.table_axes == (1, 2) and preview.table_shape(i, None, ()) == (4, 5)
    assert preview.table_shape(i, (0, 2), (0, 1, 0)) == (3, 5)
    b = read_table(h5, "/cube", 0, 4, 0, 5, index=(2, 0, 0))
    assert b.cells == tuple(tuple(str(v) for v in row) for row in cube[2])
    assert b.columns == ("0", "1", "2", "3", "4")
    b = read_table(h5, "/cube", 1, 2, 0, 3, axes=(2, 0), index=(0, 3, 0))  # rows along axis 2, transposed
    assert b.cells == tuple(tuple(str(v) for v in row) for row in cube[:, 3, :].T[1:3, 0:3])
    assert (b.n_rows, b.n_cols) == (5, 3)


def test_table_large_dataset_reads_only_the_block(h5):
    i = info(h5, "/huge_fill")
    assert preview.table_shape(i, None, ()) == (100_000, 100_000)
    t0 = time.perf_counter()
    b = read_table(h5, "/huge_fill", 50_000, 200, 99_990, 64)
    assert time.perf_counter() - t0 < 1.0
    assert len(b.cells) == 200 and len(b.cells[0]) == 10 and b.cells[0][0] == "7.0"
    with pytest.raises(BadRequestError, match="too large"):
        read_table(h5, "/huge_fill", 0, 10_000, 0, 1000)


# ---------------------------------------------------------------------------------------------
# plots


def test_plot_small_is_exact(h5):
    p = read_plot(h5, "/line")
    assert p.step == 1 and p.n == 1000 and p.x.dtype == p.y.dtype == np.float64
    np.testing.assert_array_equal(p.y, np.sin(np.linspace(0, 10, 1000)))
    np.testing.assert_array_equal(p.x, np.arange(1000))
    p = read_plot(h5, "/line", start=10, stop=20)
    np.testing.assert_array_equal(p.x, np.arange(10, 20))


def test_plot_rows_columns_and_fields(h5):
    p = read_plot(h5, "/img2d", axis=1, index=(4,))  # row 4
    np.testing.assert_array_equal(p.y, IMG2D[4].astype("f8"))
    p = read_plot(h5, "/img2d", axis=0, index=(0, 3))  # column 3, full index form
    np.testing.assert_array_equal(p.y, IMG2D[:, 3].astype("f8"))
    assert p.x_label == "axis 0"
    p = read_plot(h5, "/compound", x_field="t", y_field="v")
    np.testing.assert_array_equal(p.x, np.arange(100) * 0.5)
    np.testing.assert_array_equal(p.y, np.arange(100) ** 2)
    assert (p.x_label, p.y_label) == ("t", "v")
    assert read_plot(h5, "/compound").y_label == "t"
    with pytest.raises(BadRequestError, match="not a numeric field"):
        read_plot(h5, "/compound", y_field="label")
    with pytest.raises(BadRequestError, match="cannot plot /strings"):
        read_plot(h5, "/strings")
    np.testing.assert_allclose(read_plot(h5, "/complex2d", index=(1,)).y, np.abs(np.arange(10, 20)), rtol=1e-6)


def test_plot_decimation_keeps_peaks_and_memory_bounded(tmp_path, monkeypatch):
    n = 10_000_000
    path = tmp_path / "long.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("signal", shape=(n,), dtype="f8", chunks=(1 << 18,))
        for a in range(0, n, 1 << 21):
            e = min(n, a + (1 << 21))
            ds[a:e] = np.sin(np.arange(a, e) * 1e-4)
        ds[1_234_567] = 50.0
        ds[7_654_321] = -60.0
        ds[9_999_999] = np.nan
    monkeypatch.setattr(preview, "MAX_PLOT_BYTES", 128 * 2**20)  # 80 MB: read it all (min/max buckets)
    tracemalloc.start()
    try:
        p = read_plot(str(path), "/signal", max_points=10_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert p.n == n and p.step == 1000 and len(p.x) == len(p.y) <= 20_000
    assert peak < 30 * 2**20, f"peak {peak / 2**20:.1f} MiB for an 80 MB dataset"
    assert np.nanmax(p.y) == 50.0 and p.x[np.nanargmax(p.y)] == 1_234_567
    assert np.nanmin(p.y) == -60.0 and p.x[np.nanargmin(p.y)] == 7_654_321
    assert np.all(np.diff(p.x) >= 0)  # min/max kept in their order
    assert not p.sampled
    # beyond the value budget: an overview from 3 evenly spaced whole chunks (of 39), min/max buckets in each
    p = read_plot(str(path), "/signal", max_points=10_000, max_read=1_000_000)
    c = 1 << 18
    assert p.sampled and p.step == 13 * c and p.note == "overview from 3 of 39 chunks: zoom in for every value"
    assert np.array_equal(np.unique(p.x // c), [6, 19, 32]) and len(p.y) <= 20_000
    with h5py.File(path) as f:
        for j in (6, 19, 32):
            chunk = f["signal"][j * c : (j + 1) * c]
            mine = p.y[(p.x // c) == j]
            assert (np.nanmin(mine), np.nanmax(mine)) == (np.nanmin(chunk), np.nanmax(chunk))


def test_plot_chunk_budget_and_fill(h5, tmp_path, monkeypatch):
    path = tmp_path / "rows.h5"
    data = np.arange(4000, dtype="f4").reshape(1000, 4)
    with h5py.File(path, "w") as f:
        f.create_dataset("rows", data=data, chunks=(1, 4))  # a column touches one chunk per value
        f.create_dataset("nothing", shape=(10**8,), dtype="f8", chunks=(10**6,), fillvalue=-2.0)
    p = read_plot(str(path), "/rows", axis=0, index=(3,), max_points=1000)  # few chunks: every value
    assert not p.sampled and p.step == 1 and len(p.y) == 1000
    monkeypatch.setattr(preview, "MAX_PLOT_CHUNKS", 100)  # a column touches 1000 chunks: 100 of them
    for max_points in (100, 1000):
        p = read_plot(str(path), "/rows", axis=0, index=(3,), max_points=max_points)
        assert p.sampled and p.step == 10 and p.note == "overview from 100 of 1,000 chunks: zoom in for every value"
        np.testing.assert_array_equal(p.x, np.arange(4, 1000, 10))  # centred: gaps of 4 and 5 at the ends
        np.testing.assert_array_equal(p.y, data[4::10, 3])
    t0 = time.perf_counter()
    p = read_plot(str(path), "/nothing", max_points=1000)
    assert time.perf_counter() - t0 < 0.5
    assert p.n == 10**8 and len(p.y) <= 2000 and np.all(p.y == -2.0) and "fill value" in p.note


@pytest.mark.parametrize("piece", [64, 1 << 19])
def test_plot_decimation_matches_bucket_min_max(h5, tmp_path, monkeypatch, piece):
    monkeypatch.setattr(preview, "PLOT_PIECE", piece)  # 64: buckets larger than a piece
    y = RNG.normal(size=10_007)
    y[100:200] = np.nan
    path = tmp_path / "noise.h5"
    with h5py.File(path, "w") as f:
        f["y"] = y
    p = read_plot(str(path), "/y", max_points=50)
    b = p.step
    assert b == 201 and len(p.y) == 2 * 50
    for k in range(50):
        bucket = y[k * b : (k + 1) * b]
        assert np.nanmin(bucket) == np.nanmin(p.y[2 * k : 2 * k + 2])
        assert np.nanmax(bucket) == np.nanmax(p.y[2 * k : 2 * k + 2])


class CountingFile(io.FileIO):
    """A file that counts the bytes HDF5 reads through it (h5py's file-object driver)."""

    def __init__(self, path, counter):
        super().__init__(path, "rb")
        self.counter = counter

    def readinto(self, b):
        n = super().readinto(b)
        self.counter["bytes"] += n or 0
        return n

    def read(self, size=-1):
        data = super().read(size)
        self.counter["bytes"] += len(data)
        return data


@pytest.fixture
def bytes_read(monkeypatch):
    """Counts the bytes the preview reads from files (``counter["bytes"]``), h5py itself not mocked."""
    counter = {"bytes": 0}

    @contextlib.contextmanager
    def open_file(path, *, write=False):
        assert not write
        with CountingFile(str(path), counter) as fh, h5py.File(fh, "r") as f:
            yield f

    monkeypatch.setattr(preview.files, "open_file", open_file)
    return counter


def measured(counter, call):
    counter["bytes"] = 0
    result = call()
    return result, counter["bytes"]


SIG_N, SIG_CHUNK = 1 << 18, 1 << 13  # 2 MiB of float64 in 32 chunks of 64 KiB
SIG = np.sin(np.arange(SIG_N) * 3e-4) + RNG.normal(0, 0.1, SIG_N)
SIG[[1000, 70_000, 200_000]] = [9.0, -9.0, np.nan]
BUDGET = 256 * 2**10  # 4 chunks
SLACK = 32 * 2**10  # metadata (superblock, object header, chunk index)


@pytest.fixture
def signal_file(tmp_path, monkeypatch) -> str:
    monkeypatch.setattr(preview, "MAX_PLOT_BYTES", BUDGET)
    path = tmp_path / "signal.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("chunked", data=SIG, chunks=(SIG_CHUNK,))
        f.create_dataset("contiguous", data=SIG)
        sparse = f.create_dataset("sparse", shape=(SIG_N,), dtype="f8", chunks=(SIG_CHUNK,), fillvalue=-5.0)
        for j in (11, 27):  # two of the four chunks an overview reads; chunks 3 and 19 hold nothing
            sparse[j * SIG_CHUNK : (j + 1) * SIG_CHUNK] = SIG[j * SIG_CHUNK : (j + 1) * SIG_CHUNK]
        grid = np.arange(256 * 2048, dtype="f4").reshape(256, 2048)
        f.create_dataset("rows", data=grid, chunks=(1, 2048))  # chunks of 8 KiB: a column touches 256
        f.create_dataset("grid", data=grid)  # contiguous, rows 8 KiB apart
    return str(path)


def assert_exact_buckets(p, y, bucket, block=None, origin=0):
    """Every (min, max) pair of ``p`` is the envelope of its bucket of ``y`` at the right x. Buckets of
    ``bucket`` values start at ``origin``, or at the start of every block of ``block`` values."""
    x = p.x.astype(np.int64)
    assert np.array_equal(x, p.x) and np.all(np.diff(x) >= 0)

    def bucket_start(i):
        base = i // block * block if block else origin
        return base + (i - base) // bucket * bucket

    pairs = x.reshape(-1, 2)
    assert np.all(bucket_start(pairs[:, 0]) == bucket_start(pairs[:, 1]))  # both points of a pair in one bucket
    finite = ~np.isnan(p.y)
    np.testing.assert_array_equal(p.y[finite], y[x[finite]])  # values at their true positions
    for k, (x0, _) in enumerate(pairs):
        a = bucket_start(x0)
        values = y[a : min(a + bucket, (a // block + 1) * block if block else len(y))]
        got = p.y[2 * k : 2 * k + 2]
        if np.isnan(values).all():
            assert np.isnan(got).all()
        else:
            assert (np.nanmin(got), np.nanmax(got)) == (np.nanmin(values), np.nanmax(values))


def test_plot_overview_reads_whole_chunks_within_byte_budget(signal_file, bytes_read):
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/chunked", max_points=400))
    assert nbytes <= BUDGET + SLACK  # not the 2 MiB an every-value (or strided) read would touch
    assert p.sampled and p.n == SIG_N and p.note == "overview from 4 of 32 chunks: zoom in for every value"
    read = np.unique(p.x.astype(np.int64) // SIG_CHUNK)
    assert len(read) <= BUDGET // (SIG_CHUNK * 8)
    np.testing.assert_array_equal(read, [3, 11, 19, 27])  # evenly spaced, centred
    assert p.step == 8 * SIG_CHUNK and len(p.y) <= 2 * 400
    for j in read:  # each chunk read whole: its envelope is exact
        chunk = SIG[j * SIG_CHUNK : (j + 1) * SIG_CHUNK]
        mine = p.y[p.x // SIG_CHUNK == j]
        assert (np.nanmin(mine), np.nanmax(mine)) == (np.nanmin(chunk), np.nanmax(chunk))
    assert_exact_buckets(p, SIG, -(-SIG_CHUNK // 100), SIG_CHUNK)  # 100 buckets per chunk (400 points / 4)


def test_plot_zoom_within_budget_is_exact(signal_file, bytes_read):
    start, stop = 5 * SIG_CHUNK, 8 * SIG_CHUNK  # 3 chunks: within the budget of 4
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/chunked", start=start, stop=stop, max_points=64))
    assert not p.sampled and p.step == 384 and p.n == stop - start and nbytes <= 3 * SIG_CHUNK * 8 + SLACK
    assert p.x[0] >= start and p.x[-1] < stop
    assert_exact_buckets(p, SIG[:stop], 384, origin=start)
    p = read_plot(signal_file, "/chunked", start=1000, stop=70_001, max_points=64)  # over budget: overview
    assert p.sampled and p.note == "overview from 3 of 9 chunks: zoom in for every value"  # every 3rd chunk
    assert p.x[0] >= 1000 and p.x[-1] <= 70_000
    p = read_plot(signal_file, "/chunked", start=69_000, stop=71_000)  # short: every value
    assert not p.sampled and p.step == 1 and np.nanmin(p.y) == -9.0
    np.testing.assert_array_equal(p.y, SIG[69_000:71_000])


def test_plot_overview_does_not_read_chunks_with_nothing_stored(signal_file, bytes_read):
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/sparse", max_points=400))
    assert p.sampled and nbytes <= 2 * SIG_CHUNK * 8 + SLACK
    chunk = p.x.astype(np.int64) // SIG_CHUNK
    np.testing.assert_array_equal(np.unique(chunk), [3, 11, 19, 27])
    assert np.all(p.y[(chunk == 3) | (chunk == 19)] == -5.0)
    for j in (11, 27):
        values = SIG[j * SIG_CHUNK : (j + 1) * SIG_CHUNK]
        assert (np.nanmin(p.y[chunk == j]), np.nanmax(p.y[chunk == j])) == (np.nanmin(values), np.nanmax(values))


def test_plot_overview_of_contiguous_data_reads_blocks(signal_file, bytes_read):
    # blocks of an eighth of the budget (32 KiB, 4096 values), 8 of the 64 read
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/contiguous", max_points=400))
    assert nbytes <= BUDGET + SLACK
    assert p.sampled and p.note == "overview from 8 of 64 blocks: zoom in for every value" and p.step == 8 * 4096
    assert_exact_buckets(p, SIG, -(-4096 // 50), 4096)
    assert len(np.unique(p.x.astype(np.int64) // 4096)) == 8
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/contiguous", start=4096, stop=20_480,
                                                       max_points=100))
    assert not p.sampled and nbytes <= 16_384 * 8 + SLACK
    assert_exact_buckets(p, SIG[:20_480], 164, origin=4096)


def test_plot_overview_of_a_column_2d(signal_file, bytes_read):
    grid = np.arange(256 * 2048, dtype="f4").reshape(256, 2048)
    # row-chunked: a column touches one 8 KiB chunk per value, 2 MiB in all; the budget allows 32
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/rows", axis=0, index=(5,)))
    assert nbytes <= BUDGET + SLACK and p.sampled
    assert p.note == "overview from 32 of 256 chunks: zoom in for every value" and p.step == 8
    np.testing.assert_array_equal(p.x, np.arange(3, 256, 8))  # centred: gaps of 3 and 4 at the ends
    np.testing.assert_array_equal(p.y, grid[3::8, 5])
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/rows", axis=1, index=(7,)))  # a row: 1 chunk
    assert not p.sampled and nbytes <= 8192 + SLACK
    np.testing.assert_array_equal(p.y, grid[7])
    # contiguous, rows 8 KiB apart: every sample costs a sieve-buffer read (64 KiB), 4 in the budget
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/grid", axis=0, index=(5,)))
    assert nbytes <= BUDGET + SLACK and p.sampled and p.note.startswith("overview from 4 of 256 blocks")
    np.testing.assert_array_equal(p.y, grid[p.x.astype(np.int64), 5])
    p = read_plot(signal_file, "/grid", axis=0, index=(5,), start=10, stop=30)  # 20 x 8 KiB: exact
    assert not p.sampled
    np.testing.assert_array_equal(p.y, grid[10:30, 5])


# ---------------------------------------------------------------------------------------------
# text


def test_text(h5):
    assert read_text(h5, "/scalar") == "2.5"
    assert json.loads(read_text(h5, "/json"))["layers"] == [1, 2, 3]
    assert read_text(h5, "/strings") == "alpha\ngämma\nδ"
    assert read_text(h5, "/strings", index=(1,)) == "gämma"
    assert read_text(h5, "/compound", index=(3,)) == "t: 1.5\nv: 9.0\nlabel: row3\nn: 3"
    assert read_text(h5, "/cube").splitlines()[0] == "0\t1\t2\t3\t4"
    text = read_text(h5, "/huge_fill", max_chars=1000)
    assert len(text) < 1100 and "characters in all" in text
    assert read_text(h5, "/enc_void") .startswith("PNG image (")
    assert read_text(h5, "/empty") == "(empty dataset: no dataspace)"


# ---------------------------------------------------------------------------------------------
# encoded images


@pytest.mark.parametrize(
    ("path", "index", "desc", "exact"),
    [
        ("/enc_png", 0, "PNG 50x40 RGB", RGB),
        ("/enc_tiff", 0, "TIFF 50x40 RGB", RGB),
        ("/enc_bmp", 0, "BMP 50x40 RGB", RGB),
        ("/enc_jpeg", 0, "JPEG 50x40 RGB", None),
        ("/enc_gif", 0, "GIF 32x24", None),
        ("/enc_void", 0, "PNG 50x40 RGB", RGB),
        ("/enc_vlen", 0, "PNG 50x40 RGB (image 1 of 3)", RGB),
        ("/enc_vlen", 1, "BMP 32x24 L (image 2 of 3)", np.arange(24 * 32, dtype=np.uint8).reshape(24, 32)),
        ("/enc_vlen", 2, "JPEG 50x40 RGB (image 3 of 3)", None),
        ("/enc_bytes", 0, "PNG 32x24 L (image 1 of 2)", np.arange(24 * 32, dtype=np.uint8).reshape(24, 32)),
        ("/enc_bytes", 1, "TIFF 50x40 RGB (image 2 of 2)", RGB),
        ("/enc_fixed", 0, "BMP 32x24 L (image 1 of 2)", np.arange(24 * 32, dtype=np.uint8).reshape(24, 32)),
        ("/enc_fixed", 1, "PNG 50x40 RGB (image 2 of 2)", RGB),
    ],
)
def test_read_encoded(h5, path, index, desc, exact):
    s, description = preview.read_encoded(h5, path, index=index)
    assert description.startswith(desc)
    assert s.step == (1, 1) and s.data.shape[:2] == s.full_shape
    if exact is not None:
        np.testing.assert_array_equal(s.data, exact)
        assert s.rgb == (exact.ndim == 3)


def test_encoded_errors(h5, monkeypatch):
    with pytest.raises(UnreadableError, match=r"^cannot decode /enc_truncated: truncated PNG data$"):
        preview.read_encoded(h5, "/enc_truncated")
    with pytest.raises(UnreadableError, match="too large"):
        preview.read_encoded(h5, "/enc_png", max_pixels=100)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow's own limit (a warning at 1x, error at 2x)
    with pytest.raises(UnreadableError, match=r"cannot decode /enc_vlen\[0\]: PNG image too large"):
        preview.read_encoded(h5, "/enc_vlen", index=0)
    with pytest.raises(BadRequestError, match="out of range"):
        preview.read_encoded(h5, "/enc_vlen", index=3)
    with pytest.raises(BadRequestError, match="does not hold encoded image bytes"):
        preview.read_encoded(h5, "/img2d")


def test_a_grey_stack_of_three_images_is_not_taken_for_colour(tmp_path) -> None:
    import h5py as _h5py

    from h5gui.core import preview as _preview

    path = tmp_path / "grey.h5"
    with _h5py.File(path, "w") as f:
        d = f.create_dataset("stack", data=np.zeros((3, 32, 32), np.uint8))
        d.attrs["CLASS"] = np.bytes_("IMAGE")
        d.attrs["IMAGE_SUBCLASS"] = np.bytes_("IMAGE_GRAYSCALE")
        f.create_dataset("plain", data=np.zeros((3, 32, 32), np.uint8))
    info = _preview.preview_info(str(path), "/stack")
    assert info.image_axes == (1, 2, None) and not info.rgb
    assert _preview.preview_info(str(path), "/plain").image_axes == (1, 2, 0)  # no attributes: channels-first

"""Export: .npy, CSV/TSV, PNG/TIFF (raw values or 8-bit with levels and colormap), a stack as a folder
of images (round trip through the image import), groups to a new HDF5 file; refusals; cancel."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.core import colormaps, export, progress
from h5gui.core.errors import BadRequestError, FileAccessError, UnsafeAccessError
from h5gui.core.export import common as export_common


def one_line(exc: BaseException, *words: str) -> str:
    text = str(exc)
    assert "\n" not in text and text
    for w in words:
        assert w in text, text
    return text


@pytest.fixture
def h5(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    p = tmp_path / "e.h5"
    with h5py.File(p, "w", track_order=True) as f:
        f["stack_u8"] = rng.integers(0, 256, (4, 6, 5), dtype=np.uint8)
        f["rgb"] = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
        f["rgba"] = rng.integers(0, 256, (6, 5, 4), dtype=np.uint8)
        f["u16"] = rng.integers(0, 65536, (7, 9), dtype=np.uint16)
        f["f32"] = rng.random((7, 9)).astype(np.float32)
        f["f64"] = rng.random((7, 9))
        f["i32"] = rng.integers(-(2**30), 2**30, (7, 9)).astype(np.int32)
        f["i64_small"] = rng.integers(0, 200, (7, 9)).astype(np.int64)
        f["i64_big"] = np.full((3, 3), 2**40, dtype=np.int64)
        f["mask"] = rng.random((7, 9)) > 0.5
        f["cplx"] = np.ones((3, 3), dtype="c8")
        f["vec"] = np.linspace(0, 1, 11)
        f["table"] = np.arange(12, dtype=np.int16).reshape(3, 4)
        f["cube"] = np.arange(24.0).reshape(2, 3, 4)
        f["strings"] = np.array(["a", "b,c", 'q"x', "é"], dtype=h5py.string_dtype())
        f["compound"] = np.array([(1, 2.5, b"x"), (3, 4.0, b"y,z")], dtype=[("id", "i4"), ("v", "f8"), ("n", "S4")])
        f["refs"] = np.array([f["vec"].ref], dtype=h5py.ref_dtype)
        f["scalar"] = np.float64(1.5)
        f.create_dataset("chunked", data=np.arange(100_000, dtype="f4").reshape(1000, 100), chunks=(10, 100),
                         compression="gzip")
    return p


def run(job):
    return progress.run(job)


# ---------------------------------------------------------------------------------------------
# .npy


def test_npy_whole_slice_and_strings(h5, tmp_path, monkeypatch):
    monkeypatch.setattr(export_common, "BLOCK_BYTES", 4096)  # several blocks
    seen = []
    r = progress.run(export.export(str(h5), "/chunked", tmp_path / "all.npy"), on_progress=seen.append)
    assert r.format == "npy" and r.shape == (1000, 100) and len(seen) > 10
    assert np.array_equal(np.load(tmp_path / "all.npy"), np.arange(100_000, dtype="f4").reshape(1000, 100))
    run(export.export(str(h5), "/stack_u8", tmp_path / "frame.npy", index=(2,)))
    with h5py.File(h5) as f:
        assert np.array_equal(np.load(tmp_path / "frame.npy"), f["stack_u8"][2])
        assert np.array_equal(np.load(tmp_path / "all.npy")[3], f["chunked"][3])
    run(export.export(str(h5), "/strings", tmp_path / "s.npy"))
    assert list(np.load(tmp_path / "s.npy")) == ["a", "b,c", 'q"x', "é"]
    run(export.export(str(h5), "/compound", tmp_path / "c.npy"))
    assert np.load(tmp_path / "c.npy")["v"].tolist() == [2.5, 4.0]
    run(export.export(str(h5), "/scalar", tmp_path / "sc.npy"))
    assert np.load(tmp_path / "sc.npy") == 1.5
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/refs", tmp_path / "r.npy"))
    one_line(e.value, "/refs", ".npy")
    assert not (tmp_path / "r.npy").exists() and not (tmp_path / "r.npy.partial").exists()


def test_refusals(h5, tmp_path, sample):
    (tmp_path / "exists.npy").write_bytes(b"keep")
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/vec", tmp_path / "exists.npy"))
    one_line(e.value, "exists", "nothing is overwritten")
    assert (tmp_path / "exists.npy").read_bytes() == b"keep"
    run(export.export(str(h5), "/vec", tmp_path / "exists.npy", overwrite=True))
    assert np.array_equal(np.load(tmp_path / "exists.npy"), np.linspace(0, 1, 11))
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/vec", tmp_path / "x.xlsx"))
    one_line(e.value, ".xlsx")
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/stack_u8", tmp_path / "x.npy", index=(9,)))
    one_line(e.value, "index 9", "out of range", "/stack_u8")
    with pytest.raises(BadRequestError):
        run(export.export(str(h5), "/vec", tmp_path / "x.npy", index=(1, 2)))
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/", tmp_path / "x.npy"))
    one_line(e.value, "not a dataset")
    with pytest.raises(FileAccessError):
        run(export.export(str(h5), "/vec", tmp_path / "no_such_folder" / "x.npy"))
    with pytest.raises(UnsafeAccessError):  # data kept outside the file's folder is not read unasked
        run(export.export(str(sample.h5), "/external_storage", tmp_path / "secret.npy"))
    assert not (tmp_path / "secret.npy").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.h5", "exists.npy"]


# ---------------------------------------------------------------------------------------------
# CSV


def read_csv(p: Path) -> list[list[str]]:
    with p.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_tsv(h5, tmp_path):
    run(export.export(str(h5), "/table", tmp_path / "t.csv"))
    assert (tmp_path / "t.csv").read_text() == "0,1,2,3\n4,5,6,7\n8,9,10,11\n"
    run(export.export(str(h5), "/f64", tmp_path / "f.tsv"))
    run(export.export(str(h5), "/f32", tmp_path / "f32.csv"))
    with h5py.File(h5) as f:  # numbers in their shortest exact form: they read back identical
        assert np.array_equal(np.loadtxt(tmp_path / "f.tsv", delimiter="\t"), f["f64"][()])
        assert np.array_equal(np.loadtxt(tmp_path / "f32.csv", delimiter=",", dtype=np.float32), f["f32"][()])
    assert len((tmp_path / "f32.csv").read_text().split("\n")[0]) < 9 * 12  # not 17 digits each
    run(export.export(str(h5), "/mask", tmp_path / "m.csv"))
    assert set((tmp_path / "m.csv").read_text().replace("\n", ",").strip(",").split(",")) <= {"0", "1"}
    run(export.export(str(h5), "/strings", tmp_path / "s.csv"))
    assert read_csv(tmp_path / "s.csv") == [["a"], ["b,c"], ['q"x'], ["é"]]
    run(export.export(str(h5), "/compound", tmp_path / "c.csv"))
    assert read_csv(tmp_path / "c.csv") == [["id", "v", "n"], ["1", "2.5", "x"], ["3", "4.0", "y,z"]]
    run(export.export(str(h5), "/cube", tmp_path / "slice.csv", index=(1,)))
    assert np.array_equal(np.loadtxt(tmp_path / "slice.csv", delimiter=","), np.arange(12.0, 24.0).reshape(3, 4))
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/cube", tmp_path / "cube.csv"))
    one_line(e.value, "2 x 3 x 4", "1-D or 2-D", "--index")


# ---------------------------------------------------------------------------------------------
# pictures


def read_picture(p: Path) -> tuple[np.ndarray, str]:
    with Image.open(p) as img:
        return np.asarray(img), img.mode


@pytest.mark.parametrize(
    ("path", "ext", "mode", "dtype"),
    [("rgb", ".png", "RGB", "uint8"), ("rgba", ".png", "RGBA", "uint8"), ("u16", ".png", "I;16", "uint16"),
     ("u16", ".tif", "I;16", "uint16"), ("f32", ".tif", "F", "float32"), ("i32", ".tif", "I", "int32"),
     ("i64_small", ".png", "L", "uint8")],
)
def test_raw_pictures_keep_values(h5, tmp_path, path, ext, mode, dtype):
    out = tmp_path / f"{path}{ext}"
    r = run(export.export(str(h5), f"/{path}", out))
    assert r.dtype == dtype and r.format == ext[1:]
    data, got_mode = read_picture(out)
    assert got_mode == mode
    with h5py.File(h5) as f:
        assert np.array_equal(data, f[path][()].astype(dtype))


def test_picture_of_a_frame_and_float64(h5, tmp_path):
    run(export.export(str(h5), "/stack_u8", tmp_path / "f2.png", index=(2,)))
    with h5py.File(h5) as f:
        assert np.array_equal(read_picture(tmp_path / "f2.png")[0], f["stack_u8"][2])
    r = run(export.export(str(h5), "/f64", tmp_path / "f64.tif"))
    assert "float32" in r.note
    run(export.export(str(h5), "/mask", tmp_path / "mask.png"))
    data, mode = read_picture(tmp_path / "mask.png")
    assert mode == "1"


def test_channels_first_pictures_are_written_as_the_preview_shows_them(h5, tmp_path):
    rng = np.random.default_rng(5)
    chw = rng.integers(0, 256, (3, 6, 5), dtype=np.uint8)
    nchw = rng.integers(0, 256, (2, 3, 6, 5), dtype=np.uint8)
    with h5py.File(h5, "a") as f:
        f["chw"] = chw
        f["nchw"] = nchw
    r = run(export.export(str(h5), "/chw", tmp_path / "chw.png"))
    data, mode = read_picture(tmp_path / "chw.png")
    assert mode == "RGB" and r.shape == (6, 5, 3)
    np.testing.assert_array_equal(data, np.moveaxis(chw, 0, -1))
    run(export.export(str(h5), "/nchw", tmp_path / "n1.png", index=(1,)))  # the frame's (3, h, w) slice
    np.testing.assert_array_equal(read_picture(tmp_path / "n1.png")[0], np.moveaxis(nchw[1], 0, -1))
    # the preview's axes: rows 2, columns 3, colour 1, at index 1 on axis 0
    r = run(export.export(str(h5), "/nchw", tmp_path / "p.png", axes=(2, 3, 1), index=(1, 0, 0, 0)))
    np.testing.assert_array_equal(read_picture(tmp_path / "p.png")[0], np.moveaxis(nchw[1], 0, -1))
    run(export.export(str(h5), "/chw", tmp_path / "g.png", axes=(1, 2, None), index=(2,)))  # one channel, grey
    np.testing.assert_array_equal(read_picture(tmp_path / "g.png")[0], chw[2])
    run(export.export(str(h5), "/stack_u8", tmp_path / "t.png", axes=(2, 1), index=(3,)))  # transposed frame
    with h5py.File(h5) as f:
        np.testing.assert_array_equal(read_picture(tmp_path / "t.png")[0], f["stack_u8"][3].T)
    for axes, out, words in (((1, 1), "x.png", ("different axes",)), ((1, 2, 0), "x.npy", ("--axes",)),
                             ((1, 9), "x.png", ("out of range",))):
        with pytest.raises(BadRequestError) as e:
            run(export.export(str(h5), "/chw", tmp_path / out, axes=axes))
        one_line(e.value, *words)


def test_picture_refusals(h5, tmp_path):
    cases = [("/f32", ".png", ("PNG holds integers", ".tif")), ("/vec", ".png", ("not an image",)),
             ("/frames", ".png", ("not an image", "--index")), ("/i64_big", ".png", ("do not fit",)),
             ("/i64_big", ".tif", ("do not fit",)), ("/cplx", ".png", ("complex",)), ("/strings", ".png", ())]
    with h5py.File(h5, "a") as f:
        f["frames"] = np.zeros((5, 6, 7), np.uint8)  # a stack (a (4, 6, 5) one would be an RGBA picture)
    for path, ext, words in cases:
        with pytest.raises(BadRequestError) as e:
            run(export.export(str(h5), path, tmp_path / f"x{ext}"))
        one_line(e.value, path, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.h5"]


def test_levels_and_colormap(h5, tmp_path):
    r = run(export.export(str(h5), "/u16", tmp_path / "l.png", levels=(0, 65535)))
    data, mode = read_picture(tmp_path / "l.png")
    assert mode == "L" and r.dtype == "uint8"
    with h5py.File(h5) as f:
        expected = np.clip(f["u16"][()].astype(np.float32) * (255.0 / 65535), 0, 255).astype(np.uint8)
    assert np.abs(data.astype(int) - expected).max() <= 1
    run(export.export(str(h5), "/f32", tmp_path / "v.png", levels=(0.0, 1.0), colormap="viridis"))
    data, mode = read_picture(tmp_path / "v.png")
    assert mode == "RGB" and data.shape == (7, 9, 3)
    lut = colormaps.lut("viridis")
    assert tuple(lut[0]) == (68, 1, 84) and tuple(lut[-1]) == (253, 231, 37)  # viridis' ends
    for name in export.COLORMAPS:  # every colormap the GUI offers
        assert colormaps.lut(name).shape == (256, 3)
    run(export.export(str(h5), "/f32", tmp_path / "auto.tif", colormap="magma"))  # a colormap implies auto levels
    assert read_picture(tmp_path / "auto.tif")[1] == "RGB"
    run(export.export(str(h5), "/cplx", tmp_path / "c.png", levels="auto"))
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/f32", tmp_path / "x.png", colormap="rainbow-unicorn"))
    one_line(e.value, "colormap", "viridis")
    with pytest.raises(BadRequestError):
        run(export.export(str(h5), "/f32", tmp_path / "x.png", levels=(1, 1)))
    with pytest.raises(BadRequestError):
        run(export.export(str(h5), "/rgb", tmp_path / "x.png", levels="auto", colormap="viridis"))


# ---------------------------------------------------------------------------------------------
# stacks <-> folders


def _make_images(folder: Path, n: int, shape: tuple[int, ...], dtype: str, ext: str) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(3)
    out = {}
    for i in range(n):
        a = rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
        name = f"img{i}{ext}"
        Image.fromarray(a).save(folder / name)
        out[name] = a
    return out


def _import(src: Path, target: Path) -> None:
    importer = pytest.importorskip("h5gui.core.importer")
    spec = importer.ImportSpec(source=str(src), target=str(target), layout="stack", workers=0)
    progress.run(importer.run_import(spec))


@pytest.mark.parametrize(("shape", "dtype", "ext"), [((12, 10, 3), "uint8", ".png"), ((8, 9), "uint16", ".png"),
                                                     ((8, 9), "uint8", ".tif")])
def test_stack_round_trip_through_the_import(tmp_path, shape, dtype, ext):
    originals = _make_images(tmp_path / "src", 5, shape, dtype, ext)
    first = tmp_path / "first.h5"
    _import(tmp_path / "src", first)
    out = tmp_path / "exported"
    report = run(export.export_stack(str(first), "/images", out, format=ext[1:]))
    assert report.count == 5 and "filenames" in report.note
    assert sorted(os.listdir(out)) == sorted(originals)  # the names come back too
    for name, a in originals.items():
        assert np.array_equal(read_picture(out / name)[0], a)
    second = tmp_path / "second.h5"
    _import(out, second)
    with h5py.File(first) as f, h5py.File(second) as g:
        assert np.array_equal(f["images"][()], g["images"][()])
        assert list(f["filenames"].asstr()[()]) == list(g["filenames"].asstr()[()])


def test_stack_without_names(h5, tmp_path):
    r = run(export.export(str(h5), "/stack_u8", tmp_path / "frames"))
    assert r.count == 4 and sorted(os.listdir(tmp_path / "frames"))[0] == "stack_u8_0000.png"
    with h5py.File(h5) as f:
        assert np.array_equal(read_picture(tmp_path / "frames" / "stack_u8_0003.png")[0], f["stack_u8"][3])


def test_names_behind_a_link_are_not_followed(h5, tmp_path):
    other = tmp_path / "names.h5"
    with h5py.File(other, "w") as f:
        f["filenames"] = np.array(["../../escape.png"] * 4, dtype=h5py.string_dtype())
    with h5py.File(h5, "r+") as f:
        f["filenames"] = h5py.ExternalLink(str(other), "/filenames")
    r = run(export.export_stack(str(h5), "/stack_u8", tmp_path / "out"))
    assert r.count == 4 and sorted(os.listdir(tmp_path / "out"))[0] == "stack_u8_0000.png"
    with h5py.File(h5, "r+") as f:  # names that would leave the folder are not used either
        del f["filenames"]
        f["filenames"] = np.array(["a.png", "../b.png", "c.png", "d.png"], dtype=h5py.string_dtype())
    r = run(export.export_stack(str(h5), "/stack_u8", tmp_path / "out2"))
    assert "not safe" in r.note and not (tmp_path / "b.png").exists()


def test_stack_refusals_and_cancel(h5, tmp_path):
    with pytest.raises(BadRequestError) as e:
        run(export.export_stack(str(h5), "/chunked", tmp_path / "none"))
    one_line(e.value, "not a stack")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(BadRequestError) as e:
        run(export.export_stack(str(h5), "/stack_u8", tmp_path / "full"))
    one_line(e.value, "not empty")
    (tmp_path / "empty").mkdir()
    run(export.export_stack(str(h5), "/stack_u8", tmp_path / "empty", levels="auto", colormap="viridis"))
    assert read_picture(tmp_path / "empty" / "stack_u8_0000.png")[1] == "RGB"
    job = export.export_stack(str(h5), "/stack_u8", tmp_path / "cancelled")
    next(job)
    next(job)
    job.close()
    assert not (tmp_path / "cancelled").exists() and not (tmp_path / "cancelled.partial").exists()


def test_encoded_stack_gives_back_the_files(tmp_path):
    importer = pytest.importorskip("h5gui.core.importer")
    originals = _make_images(tmp_path / "src", 3, (5, 4, 3), "uint8", ".png")
    target = tmp_path / "enc.h5"
    progress.run(importer.run_import(importer.ImportSpec(source=str(tmp_path / "src"), target=str(target),
                                                         layout="encoded", workers=0)))
    with h5py.File(target) as f:
        ds = [n for n in f if isinstance(f[n], h5py.Dataset) and h5py.check_vlen_dtype(f[n].dtype) is not None][0]
    run(export.export(str(target), f"/{ds}", tmp_path / "back"))
    for name in originals:
        assert (tmp_path / "back" / name).read_bytes() == (tmp_path / "src" / name).read_bytes()


def test_group_to_new_hdf5_file(h5, tmp_path):
    r = run(export.export(str(h5), "/chunked", tmp_path / "one.h5"))
    assert r.format == "hdf5"
    with h5py.File(tmp_path / "one.h5") as f:
        assert f["chunked"].compression == "gzip" and f["chunked"][5, 5] == 505
    with pytest.raises(BadRequestError):
        run(export.export(str(h5), "/chunked", tmp_path / "one.h5"))


# ---------------------------------------------------------------------------------------------
# the package


def test_records_import_no_h5py_and_every_name_resolves():
    code = ("import sys, h5gui.core.export, h5gui.core.export.records; h5gui.core.export.ExportReport; "
            "print(' '.join(m for m in ('h5py', 'PIL') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "", f"importing the export's records loaded {out.stdout.strip()}"
    for name in export.__all__:
        assert getattr(export, name) is not None, name
    with pytest.raises(AttributeError):
        export.no_such_name  # noqa: B018


def test_log_scaled_picture(h5, tmp_path):
    data = np.logspace(0, 4, 7 * 9).reshape(7, 9)
    with h5py.File(h5, "a") as f:
        f["decades"] = data
    r = run(export.export(str(h5), "/decades", tmp_path / "l.png", levels=(10, 1000), log=True))
    assert "log10 levels 1 to 3" in r.note
    expected = np.clip((np.log10(data) - 1) / 2 * 255, 0, 255)
    assert np.abs(read_picture(tmp_path / "l.png")[0].astype(float) - expected).max() <= 1
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/decades", tmp_path / "x.png", levels=(0, 10), log=True))
    one_line(e.value, "0 < low < high")
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/decades", tmp_path / "x.npy", log=True))
    one_line(e.value, "--log")


def test_complex_picture_shows_the_chosen_part(h5, tmp_path):
    z = np.exp(1j * np.linspace(-3, 3, 6 * 8)).reshape(6, 8).astype(np.complex64) * 2
    with h5py.File(h5, "a") as f:
        f["z"] = z
    run(export.export(str(h5), "/z", tmp_path / "p.png", levels=(-np.pi, np.pi), complex_part="phase"))
    expected = np.clip((np.angle(z) + np.pi) / (2 * np.pi) * 255, 0, 255)
    assert np.abs(read_picture(tmp_path / "p.png")[0].astype(float) - expected).max() <= 1
    run(export.export(str(h5), "/z", tmp_path / "r.png", levels=(-2, 2), complex_part="real"))
    expected = np.clip((z.real + 2) / 4 * 255, 0, 255)
    assert np.abs(read_picture(tmp_path / "r.png")[0].astype(float) - expected).max() <= 1
    with pytest.raises(BadRequestError) as e:
        run(export.export(str(h5), "/z", tmp_path / "x.png", levels=(0, 1), complex_part="angle"))
    one_line(e.value, "complex part")


def test_csv_of_a_big_block_keeps_memory_bounded(tmp_path):
    """The text of a block of rows is made a slice at a time: 1.5 million float32 values as text took
    ~190 MB at once (a 128-byte string per value, then one Python string each); now a few tens of MB."""
    import tracemalloc

    src = tmp_path / "big.h5"
    values = np.random.default_rng(0).random((1500, 1000), dtype=np.float32)
    with h5py.File(src, "w") as f:
        f["x"] = values
    out = tmp_path / "x.csv"
    tracemalloc.start()
    try:
        progress.run(export.export_table(str(src), "/x", str(out)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MB"
    with open(out) as fh:
        first = next(csv.reader(fh))
    assert len(first) == 1000 and float(first[0]) == values[0, 0]


def test_csv_of_records_writes_numbers_as_the_numeric_csv_does(tmp_path):
    # a float32 field reads 0.1 (its shortest exact form, as in a float32 dataset's CSV), not the
    # 0.10000000149011612 of its float64 value; text fields, flags and integers keep their forms
    dt = np.dtype([("id", "i8"), ("x", "f4"), ("name", "S8"), ("ok", "?"), ("s", h5py.string_dtype())])
    rows = np.array([(1, 0.1, b"a,b", True, "é"), (2, 3.25, b"q", False, "z")], dtype=dt)
    p = tmp_path / "r.h5"
    with h5py.File(p, "w") as f:
        f["records"] = rows
        f["f32"] = rows["x"]
    run(export.export(str(p), "/records", tmp_path / "r.csv"))
    run(export.export(str(p), "/f32", tmp_path / "f.csv"))
    got = read_csv(tmp_path / "r.csv")
    assert got == [["id", "x", "name", "ok", "s"], ["1", "0.1", "a,b", "1", "é"], ["2", "3.25", "q", "0", "z"]]
    assert [r[1] for r in got[1:]] == (tmp_path / "f.csv").read_text().split()


def test_csv_of_a_table_without_columns(tmp_path):
    """A (5, 0) dataset: five empty lines (was 'Unexpected error: integer division or modulo by zero';
    found by helper-27's fuzzing)."""
    src = tmp_path / "zero.h5"
    with h5py.File(src, "w") as f:
        f["zero_cols"] = np.zeros((5, 0), "f4")
    out = tmp_path / "out.csv"
    report = progress.run(export.export(str(src), "/zero_cols", str(out)))
    assert out.read_text() == "\n" * 5 and report.shape == (5, 0)


def test_an_empty_stack_to_a_folder_is_refused_in_one_line(tmp_path):
    """Was 'Unexpected error: need at least one array to stack' with levels='auto' (found by fuzzing);
    nothing is left behind."""
    src = tmp_path / "empty.h5"
    with h5py.File(src, "w") as f:
        f["frames"] = np.zeros((0, 8, 8), "u2")
    for levels in ("auto", None):
        with pytest.raises(BadRequestError, match=r"^/frames has no frames \(shape 0 x 8 x 8\): nothing to export$"):
            progress.run(export.export(str(src), "/frames", str(tmp_path / "out"), levels=levels))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.h5"]

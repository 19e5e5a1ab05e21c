"""Image folder import (h5gui.core.importer): scan, plan, layouts, pixels, provenance, safe writes."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image, ImageOps

from h5gui.core import importer, preview, progress
from h5gui.core.errors import BadRequestError, FileAccessError, ReadOnlyError
from h5gui.core.h5 import files
from h5gui.core.importer import ImportSpec, decode, sniff, write
from h5gui.core.importer import run as running

RNG = np.random.default_rng(1234)


def rgb(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def png_bomb() -> bytes:
    """A PNG header claiming 30000 x 30000 pixels (Pillow refuses it before decoding)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


def la_premultiplied_tiff(path: Path) -> None:
    """A TIFF whose alpha is 'associated' (premultiplied): Pillow opens it as mode La, which it cannot convert."""
    a = np.zeros((5, 6, 2), np.uint8)
    a[..., 0] = np.arange(30).reshape(5, 6)
    a[..., 1] = 200
    buf = io.BytesIO()
    Image.fromarray(a, "LA").save(buf, format="TIFF")
    raw = bytearray(buf.getvalue())
    at = raw.find(struct.pack("<HHI", 338, 3, 1))  # ExtraSamples = 2 (unassociated alpha)
    assert at > 0
    raw[at + 8 : at + 10] = struct.pack("<H", 1)
    path.write_bytes(bytes(raw))


def modes_folder(root: Path) -> dict[str, np.ndarray]:
    """One small image per mode; returns name -> the array the import must produce (mode 'keep')."""
    root.mkdir(parents=True)
    expect: dict[str, np.ndarray] = {}
    bits = RNG.integers(0, 2, (5, 6)).astype(bool)
    Image.fromarray(bits).save(root / "m1.png")
    expect["m1.png"] = bits.astype(np.uint8) * 255
    grey = RNG.integers(0, 256, (5, 6), dtype=np.uint8)
    Image.fromarray(grey).save(root / "mL.png")
    expect["mL.png"] = grey
    la = np.dstack([grey, RNG.integers(0, 256, (5, 6), dtype=np.uint8)])
    Image.fromarray(la, "LA").save(root / "mLA.png")
    expect["mLA.png"] = la  # keep: grey with alpha stays 2 channels (issue 12 defect 16)
    pal = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]
    idx = (np.arange(30, dtype=np.uint8).reshape(5, 6) % 4)
    p = Image.fromarray(idx, "P")
    p.putpalette(pal)
    p.save(root / "mP.png")
    lut = np.array(pal, np.uint8).reshape(4, 3)
    expect["mP.png"] = lut[idx]
    p.save(root / "mPt.png", transparency=1)
    expect["mPt.png"] = np.dstack([lut[idx], np.where(idx == 1, 0, 255).astype(np.uint8)])
    colour = rgb(5, 6, 1)
    Image.fromarray(colour).save(root / "mRGB.png")
    expect["mRGB.png"] = colour
    rgba = RNG.integers(0, 256, (5, 6, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(root / "mRGBA.png")
    expect["mRGBA.png"] = rgba
    i16 = (np.arange(30, dtype=np.uint16).reshape(5, 6) * 2000)
    Image.fromarray(i16).save(root / "mI16.png")
    expect["mI16.png"] = i16
    f32 = (np.arange(30, dtype=np.float32).reshape(5, 6) / 7).astype(np.float32)
    Image.fromarray(f32).save(root / "mF.tif")
    expect["mF.tif"] = f32
    i32 = np.arange(30, dtype=np.int32).reshape(5, 6) * 100_000
    Image.fromarray(i32).save(root / "mI.tif")
    expect["mI.tif"] = i32
    cmyk = Image.fromarray(rgba, "RGBA").convert("CMYK")
    cmyk.save(root / "mCMYK.tif")
    expect["mCMYK.tif"] = np.asarray(cmyk.convert("RGB"))
    pages = [Image.fromarray(np.full((5, 6), v, np.uint8)) for v in (10, 20, 30)]
    pages[0].save(root / "multi.tif", save_all=True, append_images=pages[1:])
    expect["multi.tif"] = np.full((5, 6), 10, np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    Image.fromarray(rgb(4, 8, 2)).save(root / "rotated.jpg", exif=exif.tobytes(), quality=95)
    with Image.open(root / "rotated.jpg") as im:
        expect["rotated.jpg"] = np.asarray(ImageOps.exif_transpose(im))
    assert expect["rotated.jpg"].shape == (8, 4, 3)
    return expect


def tree_folder(root: Path) -> dict[str, np.ndarray]:
    """A nested tree of same-size images per folder, with every kind of file to skip.

    Returns relative path -> pixels for every image that must be imported.
    """
    expect: dict[str, np.ndarray] = {}
    (root / "a" / "deeper").mkdir(parents=True)
    (root / "ünï").mkdir()
    (root / "bad").mkdir()
    (root / ".hidden_dir").mkdir()
    for i in (1, 2, 10):  # natural order: img1, img2, img10
        a = rgb(6, 8, i)
        Image.fromarray(a).save(root / "a" / f"img{i}.png")
        expect[f"a/img{i}.png"] = a
    a = rgb(6, 8, 99)
    Image.fromarray(a).save(root / "a" / "photo.jpg", format="PNG")  # wrong extension: sniffed as PNG
    expect["a/photo.jpg"] = a
    for i in range(3):
        g = RNG.integers(0, 256, (4, 5), dtype=np.uint8)
        Image.fromarray(g).save(root / "a" / "deeper" / f"g{i}.bmp")
        expect[f"a/deeper/g{i}.bmp"] = g
    g = RNG.integers(0, 256, (3, 3), dtype=np.uint8)
    Image.fromarray(np.dstack([g, g, g])).save(root / "ünï" / "日本語 ✓.png")
    expect["ünï/日本語 ✓.png"] = np.dstack([g, g, g])
    Image.fromarray(g).save(root / "ünï" / "été.gif")  # a grey GIF is a palette picture: RGB when kept
    with Image.open(root / "ünï" / "été.gif") as im:
        expect["ünï/été.gif"] = np.asarray(im.convert("RGB"))
    g = RNG.integers(0, 256, (7, 7), dtype=np.uint8)
    Image.fromarray(g).save(root / "top.webp", lossless=True)
    with Image.open(root / "top.webp") as im:
        expect["top.webp"] = np.asarray(im.convert("RGB"))
    # things to skip
    (root / "bad" / "empty.png").write_bytes(b"")
    good = io.BytesIO()
    Image.fromarray(rgb(40, 40, 5)).save(good, format="PNG")
    (root / "bad" / "truncated.png").write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    (root / "bad" / "notes.png").write_text("not an image at all\n")
    (root / "bad" / "bomb.png").write_bytes(png_bomb())
    la_premultiplied_tiff(root / "bad" / "la.tif")
    (root / "readme.txt").write_text("hello")
    Image.fromarray(rgb(6, 8)).save(root / ".hidden.png")
    Image.fromarray(rgb(6, 8)).save(root / ".hidden_dir" / "x.png")
    os.symlink(root, root / "bad" / "loop")
    os.symlink(root / "nowhere", root / "broken_link.png")
    return expect


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("import_src")
    modes = modes_folder(base / "modes")
    tree = tree_folder(base / "tree")
    return {"modes": base / "modes", "modes_expect": modes, "tree": base / "tree", "tree_expect": tree}


def scan_of(path: Path, **kw: object) -> importer.ScanResult:
    return progress.run(importer.scan(path, **kw))


def do_import(spec: ImportSpec, scan: importer.ScanResult | None = None) -> importer.ImportReport:
    return progress.run(importer.run_import(spec, scan))


def dump(path: Path) -> dict[str, object]:
    """Everything a reader sees in a file: objects, values and attributes."""
    out: dict[str, object] = {}
    with h5py.File(path, "r") as f:
        def visit(name: str, obj: object) -> None:
            attrs = {k: repr(v) for k, v in obj.attrs.items()}  # type: ignore[attr-defined]
            value = repr(obj[()].tolist()) if isinstance(obj, h5py.Dataset) else "group"
            out[name] = (value, attrs)

        f.visititems(visit)
        out["/"] = {k: repr(v) for k, v in f.attrs.items()}
    return out


# ---------------------------------------------------------------------------------------------
# scan


def test_scan_sniffs_by_content_and_reports_every_skipped_file(folders):
    s = scan_of(folders["tree"])
    assert s.source == str(folders["tree"])
    assert [f.relpath for f in s.folders] == [".", "a", "a/deeper", "bad", "ünï"]
    a = s.folders[1]
    assert [e.name for e in a.files] == ["img1.png", "img2.png", "img10.png", "photo.jpg"]
    assert a.formats == {"PNG": 4} and a.sizes == {(8, 6, "RGB"): 4} and a.uniform
    assert s.n_images == len(folders["tree_expect"]) + 1  # + the truncated PNG (its header is fine)
    reasons = dict(s.skipped)
    assert reasons["bad/empty.png"] == "empty file (0 bytes)"
    assert reasons["bad/notes.png"] == "not an image"
    assert reasons["bad/bomb.png"].startswith("too large (900,000,000 pixels, more than Pillow's limit")
    assert reasons["bad/la.tif"] == "unsupported mode La (TIFF)"
    assert reasons["readme.txt"] == "not an image"
    assert reasons[".hidden.png"] == "hidden file"
    assert reasons[".hidden_dir/"] == "hidden folder"
    assert reasons["bad/loop/"].startswith("symbolic link loop")
    assert reasons["broken_link.png"] == "broken symbolic link"
    assert len(reasons) == len(s.skipped) == 9
    assert s.recommended_layout == "stack" and "5 folders" in s.recommendation
    assert s.classes == ()  # images at the top: not a class tree


def test_scan_recommends_stack_for_uniform_folders_and_reports_progress(folders):
    events = []
    s = progress.run(importer.scan(folders["tree"] / "a"), events.append)
    assert s.recommended_layout == "stack" and "share one size" in s.recommendation
    assert events and events[-1].done == events[-1].total == 7 and events[-1].unit == "files"
    assert events[-1].nbytes == s.nbytes > 0


def test_scan_errors_are_one_line(tmp_path):
    with pytest.raises(BadRequestError, match="No such folder"):
        scan_of(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadRequestError, match="is not a folder"):
        scan_of(tmp_path / "file")


def test_hidden_files_are_imported_when_asked(folders):
    s = scan_of(folders["tree"], include_hidden=True)
    names = {e.path for f in s.folders for e in f.files}
    assert {".hidden.png", ".hidden_dir/x.png"} <= names


# ---------------------------------------------------------------------------------------------
# layouts and pixels


@pytest.mark.parametrize("workers", [0, 2])
def test_per_image_keeps_every_mode_exif_and_first_page(folders, tmp_path, workers):
    target = tmp_path / "modes.h5"
    s = scan_of(folders["modes"])
    assert s.recommended_layout in ("per-image", "encoded")
    spec = ImportSpec(str(folders["modes"]), str(target), layout="per-image", workers=workers)
    plan = importer.plan_import(spec, s)
    assert any("multi-frame" in w for w in plan.warnings) and any("CMYK" in w for w in plan.warnings)
    report = do_import(spec, s)
    expect = folders["modes_expect"]
    assert report.n_imported == len(expect) and report.n_skipped == 0
    with h5py.File(target) as f:
        for name, want in expect.items():
            got = f[name][()]
            assert got.dtype == want.dtype, name
            np.testing.assert_array_equal(got, want, err_msg=name)
            attrs = f[name].attrs
            if name == "mLA.png":  # grey with alpha has no HDF5 image class
                assert "CLASS" not in attrs
                continue
            assert attrs["CLASS"] == b"IMAGE"
            assert attrs["IMAGE_SUBCLASS"] == (b"IMAGE_TRUECOLOR" if got.ndim == 3 else b"IMAGE_GRAYSCALE")
            if got.ndim == 3:
                assert attrs["INTERLACE_MODE"] == b"INTERLACE_PIXEL"
        assert f["mI16.png"].dtype == np.uint16 and f["mF.tif"].dtype == np.float32 and f["mI.tif"].dtype == np.int32
        assert "skipped" not in f  # nothing skipped: no empty dataset (issue 12 defect 16)
    assert not Path(str(target) + ".partial").exists()


def test_stack_tree_pixels_order_filenames_chunks_and_provenance(folders, tmp_path):
    target = tmp_path / "tree.h5"
    report = do_import(ImportSpec(str(folders["tree"]), str(target), layout="stack"))
    expect = folders["tree_expect"]
    assert report.n_imported == len(expect)
    assert report.layout == "stack" and report.group == "/"
    reasons = dict(report.skipped)
    assert reasons["bad/truncated.png"] == "truncated PNG data"
    assert len(report.skipped) == 10
    assert report.nbytes_read > 0
    with h5py.File(target) as f:
        seen = 0
        for group in ("/", "/a", "/a/deeper", "/ünï"):
            g = f[group]
            names = [n.decode() if isinstance(n, bytes) else n for n in g["filenames"][()]]
            images = g["images"]
            assert images.chunks[1:] == images.shape[1:] and images.chunks[0] >= 1
            for i, name in enumerate(names):
                rel = name if group == "/" else f"{group.strip('/')}/{name}"
                np.testing.assert_array_equal(images[i], expect[rel], err_msg=rel)
                seen += 1
        assert seen == len(expect)
        assert [n.decode() for n in f["a/filenames"][()]] == ["img1.png", "img2.png", "img10.png", "photo.jpg"]
        assert f["bad/images"].shape == (0, 40, 40, 3)  # the truncated one was its only image
        assert f.attrs["import_layout"] == "stack" and f.attrs["import_imported"] == len(expect)
        assert f.attrs["import_skipped"] == 10 and f.attrs["import_source"] == str(folders["tree"])
        assert json.loads(f.attrs["import_options"])["layout"] == "stack"
        assert "T" in f.attrs["import_date"] and f.attrs["import_h5gui_version"]
        rows = {(p.decode(), r.decode()) for p, r in f["skipped"][()]}
        assert rows == set(report.skipped)
        assert f["a"].attrs["source_folder"] == "a"
    assert set(report.datasets) >= {"/a/images", "/a/filenames", "/skipped", "/ünï/images"}
    info = preview.preview_info(str(target), "/a/images")
    assert info.rgb and info.image_axes == (1, 2, 3)


def test_chunks_hold_whole_images_of_about_a_mebibyte():
    assert importer.stack_chunks(10_000, (64, 64, 3), 1)[0] == 85
    assert importer.stack_chunks(10_000, (768, 1024, 3), 1)[0] == 1
    per_chunk, per_task = importer.stack_chunks(10_000, (28, 28), 1)
    assert per_chunk == 1024 and per_task == 1024
    per_chunk, per_task = importer.stack_chunks(10, (64, 64, 3), 1)
    assert per_chunk == 10 and per_task == 10


def test_all_frames_stacks_every_page(folders, tmp_path):
    src = tmp_path / "pages"
    src.mkdir()
    (src / "multi.tif").write_bytes((folders["modes"] / "multi.tif").read_bytes())
    Image.fromarray(np.full((5, 6), 99, np.uint8)).save(src / "single.png")
    s = scan_of(src)
    assert s.n_frames == 2
    report = do_import(ImportSpec(str(src), str(tmp_path / "p.h5"), all_frames=True), s)
    assert report.n_imported == 4
    with h5py.File(tmp_path / "p.h5") as f:
        assert [n.decode() for n in f["filenames"][()]] == ["multi.tif[0]", "multi.tif[1]", "multi.tif[2]", "single.png"]
        np.testing.assert_array_equal(f["images"][:, 0, 0], [10, 20, 30, 99])


def test_mode_and_resize_make_mixed_folders_stackable(folders, tmp_path):
    spec = ImportSpec(str(folders["modes"]), str(tmp_path / "rgb.h5"), mode="RGB", resize=(4, 3), resample="nearest")
    s = scan_of(folders["modes"])
    mixed = dataclasses.replace(spec, mode="keep", resize=None, layout="stack")
    plan = importer.plan_import(mixed, s)  # a plan all the same, naming what is missing
    assert not plan.ok and plan.problems[0].startswith("cannot stack the top folder: its images have")
    assert plan.suggested_resize is not None
    with pytest.raises(BadRequestError, match="cannot stack the top folder: its images have"):
        do_import(mixed, s)
    plan = importer.plan_import(spec, s)
    assert plan.layout == "stack" and plan.datasets[0] == ("/images", (len(folders["modes_expect"]), 3, 4, 3), "uint8")
    assert any("16-bit images are scaled" in w for w in plan.warnings)
    do_import(spec, s)
    with h5py.File(tmp_path / "rgb.h5") as f:
        names = [n.decode() for n in f["filenames"][()]]
        images = f["images"][()]
    for name in ("mRGB.png", "mRGBA.png", "mL.png"):
        with Image.open(folders["modes"] / name) as im:
            want = np.asarray(im.convert("RGB").resize((4, 3), Image.Resampling.NEAREST))
        np.testing.assert_array_equal(images[names.index(name)], want, err_msg=name)
    i16 = folders["modes_expect"]["mI16.png"]
    want16 = np.asarray(Image.fromarray(np.round(i16 / 257).astype(np.uint8)).resize((4, 3), Image.Resampling.NEAREST))
    np.testing.assert_array_equal(images[names.index("mI16.png")][..., 0], want16)


def test_grey_mode_converts_colour(folders, tmp_path):
    src = folders["tree"] / "a"
    report = do_import(ImportSpec(str(src), str(tmp_path / "l.h5"), mode="L"))
    assert report.n_imported == 7  # 4 + 3 in a/deeper
    with h5py.File(tmp_path / "l.h5") as f:
        assert f["images"].shape == (4, 6, 8)
        with Image.open(src / "img1.png") as im:
            np.testing.assert_array_equal(f["images"][0], np.asarray(im.convert("L")))


@pytest.mark.parametrize("per_file", [False, True])
def test_encoded_bytes_are_bit_exact(folders, tmp_path, per_file):
    target = tmp_path / "enc.h5"
    spec = ImportSpec(str(folders["tree"]), str(target), layout="encoded", encoded_per_file=per_file)
    report = do_import(spec)
    expect = folders["tree_expect"]
    assert report.n_imported == len(expect) + 1  # the truncated PNG is stored too: its bytes are kept as they are
    with h5py.File(target) as f:
        for rel in expect:
            folder, _, name = rel.rpartition("/")
            g = f[folder or "/"]
            if per_file:
                data = g[name][()]
            else:
                names = [n.decode() for n in g["filenames"][()]]
                data = g["images"][names.index(name)]
            assert data.tobytes() == (folders["tree"] / rel).read_bytes(), rel
    if not per_file:
        info = preview.preview_info(str(target), "/a/images")
        assert info.kind == preview.ENCODED and info.encoded_format == "PNG" and info.encoded_count == 4


def test_classes_layout_with_splits(tmp_path):
    src = tmp_path / "ml"
    want: dict[tuple[str, str], np.ndarray] = {}
    for split in ("train", "val"):
        for label in ("cat", "dog", "bird"):
            if split == "val" and label == "bird":
                continue
            (src / split / label).mkdir(parents=True)
            for i in range(2):
                a = np.random.default_rng(hash((split, label, i)) % 1000).integers(0, 256, (4, 4), dtype=np.uint8)
                Image.fromarray(a).save(src / split / label / f"{i}.png")
                want[(split, f"{label}/{i}.png")] = a
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(src / "train" / "stray.png")
    s = scan_of(src)
    assert s.recommended_layout == "stack"  # a stray image directly in train/: not a clean class tree
    report = do_import(ImportSpec(str(src), str(tmp_path / "ml.h5"), layout="classes"), s)
    assert ("train/stray.png", "not inside a class folder") in report.skipped
    with h5py.File(tmp_path / "ml.h5") as f:
        for split in ("train", "val"):
            g = f[split]
            names = list(g.attrs["class_names"])
            assert names == ["bird", "cat", "dog"]
            assert list(g["labels"].attrs["class_names"]) == names
            for img, label, fname in zip(g["images"][()], g["labels"][()], g["filenames"][()], strict=True):
                fname = fname.decode()
                assert names[label] == fname.split("/")[0]
                np.testing.assert_array_equal(img, want[(split, fname)])
        assert g["labels"].dtype == np.int32
        assert f["train/images"].shape == (6, 4, 4) and f["val/images"].shape == (4, 4, 4)
    (src / "train" / "stray.png").unlink()
    s = scan_of(src)
    assert s.recommended_layout == "classes" and s.classes == ("bird", "cat", "dog") and s.splits == ("train", "val")
    plan = importer.plan_import(ImportSpec(str(src), str(tmp_path / "ml2.h5"), splits=False), s)
    assert plan.layout == "classes" and plan.class_names == ("train", "val")


def test_workers_decode_in_processes_like_in_process(folders, tmp_path):
    s = scan_of(folders["tree"], workers=2)
    assert s == scan_of(folders["tree"])
    a = do_import(ImportSpec(str(folders["tree"]), str(tmp_path / "w0.h5"), layout="stack"), s)
    b = do_import(ImportSpec(str(folders["tree"]), str(tmp_path / "w2.h5"), layout="stack", workers=2), s)
    assert importer.plan_import(ImportSpec(str(folders["tree"]), str(tmp_path / "x.h5"), workers=2), s).workers == 2
    assert a.skipped == b.skipped and a.datasets == b.datasets
    da, db = dump(tmp_path / "w0.h5"), dump(tmp_path / "w2.h5")
    for d in (da, db):
        d["/"] = {k: v for k, v in d["/"].items() if k not in ("import_date", "import_options")}  # type: ignore[union-attr]
    assert da == db


@pytest.mark.parametrize("name", ["gzip", "lzf", "zstd", "blosc"])
def test_compression(folders, tmp_path, name):
    src = folders["tree"] / "a"
    do_import(ImportSpec(str(src), str(tmp_path / "c.h5"), compression=name))
    with h5py.File(tmp_path / "c.h5") as f:
        assert f["images"].compression == name or f["images"]._filters
        with Image.open(src / "img2.png") as im:
            np.testing.assert_array_equal(f["images"][1], np.asarray(im))


# ---------------------------------------------------------------------------------------------
# plan errors


def test_plan_refuses_with_one_line_reasons(folders, tmp_path):
    src = folders["tree"] / "a"
    s = scan_of(src)
    existing = tmp_path / "existing.h5"
    with h5py.File(existing, "w") as f:
        f.create_group("taken")
        f["data"] = np.arange(3)

    def refuse(match: str, **kw: object) -> None:
        source = str(kw.pop("source", src))
        spec = ImportSpec(source, str(kw.pop("target", tmp_path / "new.h5")), **kw)  # type: ignore[arg-type]
        with pytest.raises(BadRequestError, match=match) as info:
            importer.plan_import(spec, s)
        assert "\n" not in str(info.value)

    refuse("already exists", target=str(existing), group="taken")
    refuse("its root is taken", target=str(existing))
    refuse("/data is not a group", target=str(existing), group="data/x")
    refuse("unknown layout", layout="pile")
    refuse("unknown mode", mode="CMYK")
    refuse("resize must be", resize=(0, 5))
    refuse("unknown compression", compression="rar")
    refuse("gzip level", compression="gzip", compression_opts=12)
    refuse("no such folder", target=str(tmp_path / "nowhere" / "x.h5"))
    refuse("is a folder", target=str(tmp_path))
    refuse("the scan is of", target=str(tmp_path / "n.h5"), source=str(tmp_path))  # type: ignore[arg-type]
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(FileAccessError, match="not an HDF5 file"):
        importer.plan_import(ImportSpec(str(src), str(tmp_path / "text.h5"), group="g"), s)
    # a folder named like a dataset of its parent's stack
    clash = tmp_path / "clash"
    (clash / "images").mkdir(parents=True)
    for p in (clash / "x.png", clash / "images" / "y.png"):
        Image.fromarray(np.zeros((2, 2), np.uint8)).save(p)
    with pytest.raises(BadRequestError, match="both a dataset and a group"):
        importer.plan_import(ImportSpec(str(clash), str(tmp_path / "c.h5")), scan_of(clash))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.txt").write_text("x")
    with pytest.raises(BadRequestError, match="no images in"):
        importer.plan_import(ImportSpec(str(empty), str(tmp_path / "e.h5")), scan_of(empty))


def test_nothing_importable_writes_nothing(tmp_path):
    src = tmp_path / "broken"
    src.mkdir()
    buf = io.BytesIO()
    Image.fromarray(rgb(30, 30)).save(buf, format="PNG")
    (src / "t.png").write_bytes(buf.getvalue()[:100])
    report = do_import(ImportSpec(str(src), str(tmp_path / "out.h5")))
    assert report.n_imported == 0 and report.datasets == () and report.skipped == (("t.png", "truncated PNG data"),)
    assert not (tmp_path / "out.h5").exists() and not (tmp_path / "out.h5.partial").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions are not enforced for root")
def test_unreadable_file_and_folder_are_skipped(tmp_path):
    src = tmp_path / "perm"
    (src / "locked").mkdir(parents=True)
    Image.fromarray(np.zeros((2, 2), np.uint8)).save(src / "ok.png")
    Image.fromarray(np.zeros((2, 2), np.uint8)).save(src / "secret.png")
    os.chmod(src / "secret.png", 0)
    os.chmod(src / "locked", 0)
    try:
        s = scan_of(src)
    finally:
        os.chmod(src / "secret.png", 0o644)
        os.chmod(src / "locked", 0o755)
    assert dict(s.skipped) == {"secret.png": "permission denied", "locked/": "folder not readable (permission denied)"}


def test_unreadable_files_are_skipped_even_as_root(tmp_path, monkeypatch):
    src = tmp_path / "perm"
    src.mkdir()
    for name in ("ok.png", "secret.png", "later.png"):
        Image.fromarray(np.zeros((2, 2), np.uint8)).save(src / name)
    real_open = open

    def guarded(path, *args, **kwargs):
        if os.fspath(path).endswith("secret.png"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    for module in (sniff, decode):  # the scan and the in-process decoding
        monkeypatch.setattr(module, "open", guarded, raising=False)
    s = scan_of(src)
    assert s.skipped == (("secret.png", "permission denied"),)
    monkeypatch.setattr(decode, "open", lambda p, *a, **k: guarded(str(p).replace("later", "secret"), *a, **k),
                        raising=False)
    report = do_import(ImportSpec(str(src), str(tmp_path / "p.h5")), s)
    assert report.n_imported == 1 and ("later.png", "permission denied") in report.skipped


# ---------------------------------------------------------------------------------------------
# existing files, cancel, errors


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    p = tmp_path / "existing.h5"
    with h5py.File(p, "w") as f:
        f["old/data"] = np.arange(100)
        f["old"].attrs["note"] = "keep me"
    return p


def test_import_into_a_new_group_of_an_existing_file(folders, existing):
    before = dump(existing)
    report = do_import(ImportSpec(str(folders["tree"] / "a"), str(existing), group="imports/set1"))
    assert report.group == "/imports/set1" and "/imports/set1/images" in report.datasets
    after = dump(existing)
    for k, v in before.items():
        if k != "/":
            assert after[k] == v
    with h5py.File(existing) as f:
        assert f["imports/set1/images"].shape == (4, 6, 8, 3)
        assert f["imports/set1"].attrs["import_imported"] == 7
        assert not [n for n in f if n.startswith(importer.TEMP_PREFIX)]


def test_import_with_a_handle_pool_needs_editing(folders, existing):
    pool = files.HandlePool()
    spec = ImportSpec(str(folders["tree"] / "a"), str(existing), group="g")
    try:
        with files.pool_scope(pool):
            with files.open_file(existing) as f:  # the GUI has the file open read-only
                assert "old" in f
            with pytest.raises(ReadOnlyError):
                do_import(spec)
            files.enable_editing(existing)
            report = do_import(spec)
            with files.open_file(existing) as f:  # the same handle, still open
                assert f["g/images"].shape[0] == 4 and report.n_imported == 7
    finally:
        pool.close_all()
    with h5py.File(existing) as f:
        assert "g" in f and not [n for n in f if n.startswith(importer.TEMP_PREFIX)]


def big_folder(root: Path, n: int = 600, size: int = 32) -> Path:
    root.mkdir()
    for i in range(n):
        Image.fromarray(rgb(size, size, i % 7)).save(root / f"{i:04d}.bmp")
    return root


def test_cancel_removes_a_new_file_quickly(tmp_path):
    src = big_folder(tmp_path / "big")
    target = tmp_path / "new.h5"
    job = importer.run_import(ImportSpec(str(src), str(target), workers=2))
    seen = []
    for p in job:
        seen.append(p)
        if p.unit == "images" and p.done > 0:
            break
    assert Path(str(target) + ".partial").exists()
    t0 = time.monotonic()
    job.close()
    assert time.monotonic() - t0 < 1.0
    assert not target.exists() and not Path(str(target) + ".partial").exists()


def test_cancel_leaves_an_existing_file_unchanged(tmp_path, existing):
    src = big_folder(tmp_path / "big")
    before = dump(existing)
    job = importer.run_import(ImportSpec(str(src), str(existing), group="new", workers=2))
    for p in job:
        if p.unit == "images" and p.done > 0:
            break
    with h5py.File(existing, "r", locking=False) as f:  # the journaled import holds the lock
        assert [n for n in f if n.startswith(importer.TEMP_PREFIX)], "written under a temporary name"
    t0 = time.monotonic()
    job.close()
    assert time.monotonic() - t0 < 1.0
    assert dump(existing) == before


def test_an_error_leaves_an_existing_file_unchanged(folders, existing, monkeypatch):
    before = dump(existing)
    calls = []

    def failing_finish(self):
        calls.append(1)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(write.UnitWriter, "finish", failing_finish)
    with pytest.raises(OSError, match="disk full"):
        do_import(ImportSpec(str(folders["tree"]), str(existing), group="new", layout="stack"))
    assert calls and dump(existing) == before


def test_a_file_that_appears_meanwhile_is_not_replaced(folders, tmp_path):
    target = tmp_path / "race.h5"
    src = folders["tree"] / "a"
    job = importer.run_import(ImportSpec(str(src), str(target)), scan_of(src))
    assert next(job).unit == "images"  # planned, writing
    target.write_text("someone else's file")
    with pytest.raises(FileAccessError, match="appeared meanwhile; the result is in"):
        progress.run(job)
    assert target.read_text() == "someone else's file"
    with h5py.File(str(target) + ".partial") as f:
        assert f["images"].shape == (4, 6, 8, 3)


def test_an_error_removes_a_new_partial_file(folders, tmp_path, monkeypatch):
    monkeypatch.setattr(running, "write_provenance", lambda *a: (_ for _ in ()).throw(OSError("disk full (simulated)")))
    with pytest.raises(OSError):
        do_import(ImportSpec(str(folders["tree"] / "a"), str(tmp_path / "n.h5")))
    assert list(tmp_path.iterdir()) == []


def test_a_second_import_into_the_same_new_file_is_refused_and_the_first_completes(folders, tmp_path):
    """Issue 10 item 2: the second run used to truncate the first one's file, which then published damage."""
    target = tmp_path / "twice.h5"
    src = folders["tree"] / "a"
    first = importer.run_import(ImportSpec(str(src), str(target)), scan_of(src))
    assert next(first).unit == "images"  # the first run is writing NAME.partial
    with pytest.raises(FileAccessError, match="being written by another h5gui run"):
        do_import(ImportSpec(str(src), str(target)))
    report = progress.run(first)
    assert report.n_imported == 7 and "/deeper/images" in report.datasets
    with h5py.File(target) as f:
        assert f["images"].shape == (4, 6, 8, 3) and f["images"][()].any()
    assert not (tmp_path / "twice.h5.partial").exists()


def test_a_leftover_partial_file_is_named_and_not_silently_overwritten(folders, tmp_path):
    target = tmp_path / "left.h5"
    (tmp_path / "left.h5.partial").write_bytes(b"from a killed run")
    with pytest.raises(FileAccessError, match="left over from an interrupted run"):
        do_import(ImportSpec(str(folders["tree"] / "a"), str(target)))
    assert (tmp_path / "left.h5.partial").read_bytes() == b"from a killed run"
    assert not target.exists()


def test_a_partial_file_replaced_by_another_program_is_not_published(folders, tmp_path):
    target = tmp_path / "swapped.h5"
    src = folders["tree"] / "a"
    job = importer.run_import(ImportSpec(str(src), str(target)), scan_of(src))
    next(job)
    partial = tmp_path / "swapped.h5.partial"
    partial.unlink()  # another program removes the file and writes its own under the same name
    with h5py.File(partial, "w") as f:
        f["images"] = np.zeros((4, 6, 8, 3), dtype="u1")
    with pytest.raises(FileAccessError, match="replaced or removed by another program"):
        progress.run(job)
    assert not target.exists()


def test_records_import_without_h5py_or_pillow_and_every_name_resolves():
    code = "import sys, h5gui.core.importer.records; print('h5py' in sys.modules, 'PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "False"]  # the GUI builds specs without h5py
    assert all(getattr(importer, name) is not None for name in importer.__all__)


def test_plan_lists_no_stack_it_cannot_make_and_names_what_is_missing_once(tmp_path, capsys):
    """QA: a stacked plan of mixed sizes without a resize listed "/a/images 2 x 10 x 12 x 3" and then
    "Missing: cannot stack folder a/" (and the same sentence again for every other folder)."""
    from h5gui.cli import main

    src = tmp_path / "two"
    for k, folder in enumerate(("a", "b")):
        (src / folder).mkdir(parents=True)
        Image.fromarray(rgb(10, 12, k)).save(src / folder / "small.png")
        Image.fromarray(rgb(20, 16, k + 5)).save(src / folder / "big.png")
    (src / "c").mkdir()
    for i in range(2):
        Image.fromarray(rgb(10, 12, 9 + i)).save(src / "c" / f"{i}.png")
    s = scan_of(src)
    plan = importer.plan_import(ImportSpec(str(src), str(tmp_path / "o.h5"), layout="stack"), s)
    assert not plan.ok and len(plan.problems) == 1
    assert plan.problems[0].startswith("cannot stack folder a/ and folder b/: their images have 2 forms")
    assert [p for p, _, _ in plan.datasets] == ["/c/images", "/c/filenames"]  # c/ stacks; a/ and b/ cannot
    assert plan.suggested_resize == (12, 10)

    out_file = tmp_path / "o.h5"
    assert main(["import-images", str(src), str(out_file), "--layout", "stack", "--dry-run", "-q"]) == 2
    out = capsys.readouterr().out
    assert "/a/images" not in out and "/b/filenames" not in out and "/c/images" in out
    assert out.count("Missing:") == 1 and out.count("--resize 12x10") == 1
    assert not out_file.exists()
    # with the resize, every folder's stack is listed and nothing is missing
    plan = importer.plan_import(ImportSpec(str(src), str(out_file), layout="stack", resize=(12, 10)), s)
    assert plan.ok and {p for p, _, _ in plan.datasets} >= {"/a/images", "/b/images", "/c/images"}

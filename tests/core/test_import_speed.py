"""What the import's speed-ups keep: an import that scans by itself (and does not announce the files its
scan has just read) writes what the scan-then-import path writes; one dataset per picture, copied from a
template, carries the image attributes; cancel while the headers are read leaves nothing."""

from __future__ import annotations

import io
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.core import importer, progress
from h5gui.core.importer import ImportSpec

VOLATILE = {"import_date", "import_options"}  # the time and the target's name differ between two imports


def rgb(h: int, w: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def make_tree(root: Path, per_folder: int = 7) -> dict[str, np.ndarray]:
    """Two folders of 16x16 RGB PNGs, one of grey ones, and a truncated PNG; returns path -> pixels."""
    expect: dict[str, np.ndarray] = {}
    for k, folder in enumerate(("a", "b")):
        (root / folder).mkdir(parents=True)
        for i in range(per_folder):
            a = rgb(16, 16, 10 * k + i)
            Image.fromarray(a).save(root / folder / f"img{i}.png")
            expect[f"{folder}/img{i}.png"] = a
    (root / "c").mkdir()
    for i in range(3):
        g = np.random.default_rng(100 + i).integers(0, 256, (9, 5), dtype=np.uint8)
        Image.fromarray(g).save(root / "c" / f"grey{i}.png")
        expect[f"c/grey{i}.png"] = g
    buf = io.BytesIO()
    Image.fromarray(rgb(16, 16, 99)).save(buf, format="PNG")
    (root / "b" / "broken.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) * 2 // 3])
    return expect


def contents(path: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    with h5py.File(path, "r") as f:
        def visit(name: str, obj: object) -> None:
            attrs = {k: repr(v) for k, v in obj.attrs.items() if k not in VOLATILE}  # type: ignore[attr-defined]
            out[name] = (repr(obj[()].tolist()) if isinstance(obj, h5py.Dataset) else "group", attrs)

        f.visititems(visit)
    return out


@pytest.mark.parametrize("workers", [0, 2])
def test_scanning_by_itself_writes_what_scan_then_import_writes(tmp_path, workers):
    src = tmp_path / "src"
    expect = make_tree(src)
    alone = progress.run(importer.run_import(ImportSpec(str(src), str(tmp_path / "alone.h5"), layout="stack",
                                                        workers=workers)))
    scan = progress.run(importer.scan(src))
    after = progress.run(importer.run_import(ImportSpec(str(src), str(tmp_path / "after.h5"), layout="stack",
                                                        workers=workers), scan))
    assert alone.n_imported == after.n_imported == len(expect)
    assert set(alone.skipped) == set(after.skipped) and ("b/broken.png", "truncated PNG data") in alone.skipped
    assert contents(tmp_path / "alone.h5") == contents(tmp_path / "after.h5")
    with h5py.File(tmp_path / "alone.h5") as f:
        for folder in ("a", "b", "c"):
            names = [n.decode() for n in f[folder]["filenames"][()]]
            for name, pixels in zip(names, f[folder]["images"][()], strict=True):
                np.testing.assert_array_equal(pixels, expect[f"{folder}/{name}"])


def test_one_dataset_per_picture_carries_the_image_attributes(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    expect = {}
    for i in range(4):
        expect[f"rgb{i}.png"] = rgb(6, 5, i)
        Image.fromarray(expect[f"rgb{i}.png"]).save(src / f"rgb{i}.png")
        grey = np.full((4, 7), 10 * i, np.uint8)
        expect[f"grey{i}.png"] = grey
        Image.fromarray(grey).save(src / f"grey{i}.png")
        la = np.dstack([grey, np.full((4, 7), 200, np.uint8)])
        expect[f"la{i}.png"] = la
        Image.fromarray(la, "LA").save(src / f"la{i}.png")
    report = progress.run(importer.run_import(ImportSpec(str(src), str(tmp_path / "per.h5"), layout="per-image")))
    assert report.n_imported == 12
    colour = {"CLASS": b"IMAGE", "IMAGE_VERSION": b"1.2", "IMAGE_SUBCLASS": b"IMAGE_TRUECOLOR",
              "INTERLACE_MODE": b"INTERLACE_PIXEL", "interpretation": b"rgba-image"}
    grey_attrs = {"CLASS": b"IMAGE", "IMAGE_VERSION": b"1.2", "IMAGE_SUBCLASS": b"IMAGE_GRAYSCALE",
                  "IMAGE_WHITE_IS_ZERO": 0, "interpretation": b"image"}
    with h5py.File(tmp_path / "per.h5") as f:
        for name, pixels in expect.items():
            ds = f[name]
            np.testing.assert_array_equal(ds[()], pixels)
            assert ds.chunks is None and ds.compression is None  # contiguous, as create_dataset makes them
            want = colour if name.startswith("rgb") else grey_attrs if name.startswith("grey") else {}
            assert {k: ds.attrs[k] for k in ds.attrs} == want, name
            for key, text in want.items():  # fixed-length null-terminated ascii, as H5IMmake_image_* writes
                if isinstance(text, bytes):
                    tid = ds.attrs.get_id(key).get_type()
                    assert tid.get_size() == len(text) + 1 and tid.get_strpad() == h5py.h5t.STR_NULLTERM, (name, key)


def test_cancel_while_the_headers_are_read(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(1200):
        Image.fromarray(rgb(24, 24, i % 5)).save(src / f"{i:04d}.bmp")
    target = tmp_path / "new.h5"
    job = importer.run_import(ImportSpec(str(src), str(target), layout="stack", workers=2))
    for p in job:
        if p.message == "Reading headers" and p.done:
            break
    t0 = time.monotonic()
    job.close()
    assert time.monotonic() - t0 < 1.0
    assert not target.exists() and not Path(str(target) + ".partial").exists()

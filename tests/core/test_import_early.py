"""An import that scans by itself decodes during the scan (h5gui.core.importer.early), reads each small
file once, stays within its memory budget, and writes what the scan-then-import path writes; one dataset
per picture is copied from a template and carries the same image attributes."""

from __future__ import annotations

import builtins
import io
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.core import importer, progress
from h5gui.core.importer import ImportSpec, early

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


def test_each_small_file_is_opened_once(tmp_path, monkeypatch):
    src = tmp_path / "src"
    expect = make_tree(src)
    opened: list[str] = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file).startswith(str(src)):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    report = progress.run(importer.run_import(ImportSpec(str(src), str(tmp_path / "once.h5"), layout="stack")))
    assert report.n_imported == len(expect)
    assert len(opened) == len(set(opened)) == len(expect) + 1  # the broken file too, once


def test_the_pictures_kept_from_the_scan_stay_within_the_budget(tmp_path, monkeypatch):
    src = tmp_path / "src"
    expect = make_tree(src, per_folder=40)
    picture = 16 * 16 * 3
    monkeypatch.setattr(early, "EARLY_MAX_BYTES", 10 * picture)
    monkeypatch.setattr(early, "EARLY_TASK_BYTES", 4 * picture)
    held: list[int] = []
    real_add = early.Early.add

    def add(self, limit, rows, decoded):  # type: ignore[no-untyped-def]
        real_add(self, limit, rows, decoded)
        held.append(self.nbytes)

    monkeypatch.setattr(early.Early, "add", add)
    report = progress.run(importer.run_import(ImportSpec(str(src), str(tmp_path / "budget.h5"), layout="stack")))
    assert report.n_imported == len(expect)
    # at most the budget, and one picture more for each task that passed its share
    assert held and 0 < max(held) <= 10 * picture + 3 * picture
    with h5py.File(tmp_path / "budget.h5") as f:  # those decoded after the plan are right too
        for folder in ("a", "b"):
            names = [n.decode() for n in f[folder]["filenames"][()]]
            assert len(names) == 40
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


def test_cancel_while_the_scan_decodes(tmp_path):
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


def test_auto_layout_stops_decoding_early_at_a_folder_of_mixed_sizes(tmp_path, monkeypatch):
    """The layout of 'auto' comes from the scan: a folder of mixed sizes may make it keep the files'
    bytes, so the scan stops decoding there; what it decoded serves the per-image layout chosen."""
    src = tmp_path / "src"
    expect = {}
    for k, folder in enumerate("abcde"):
        (src / folder).mkdir(parents=True)
        for i in range(4):
            a = rgb(8 + (i % 2) * 4 if folder == "a" else 8, 8, 10 * k + i)
            expect[f"{folder}/p{i}.png"] = a
            Image.fromarray(a).save(src / folder / f"p{i}.png")
    decoded: list[str] = []
    real_add = early.Early.add

    def add(self, limit, rows, got):  # type: ignore[no-untyped-def]
        decoded.extend(r[0] for r, g in zip(rows, got, strict=True) if g is not None)
        real_add(self, limit, rows, got)

    monkeypatch.setattr(early.Early, "add", add)
    report = progress.run(importer.run_import(ImportSpec(str(src), str(tmp_path / "auto.h5"))))
    assert report.layout == "per-image" and report.n_imported == 20
    assert any(p.startswith("a/") for p in decoded)
    assert not any(p.startswith(("d/", "e/")) for p in decoded)  # the tasks submitted after folder a/ was seen
    with h5py.File(tmp_path / "auto.h5") as f:
        for path, pixels in expect.items():
            np.testing.assert_array_equal(f[path][()], pixels)

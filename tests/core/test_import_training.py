"""Import for training: a random split stratified by class with a seed, shuffling, labels from a CSV or
JSON file, the classes layout with the files' bytes, resize modes that keep the aspect ratio, one
image per chunk, and a dry run that always gives a plan naming what is missing; on real images."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.cli import main
from h5gui.core import importer, progress
from h5gui.core.errors import BadRequestError
from h5gui.core.importer import ImportSpec


def picture(w: int, h: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.fixture
def classes(tmp_path: Path) -> Path:
    """cat (10), dog (20), eel (5) PNGs of 8x6 pixels."""
    root = tmp_path / "classes"
    for c, n in (("cat", 10), ("dog", 20), ("eel", 5)):
        (root / c).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(picture(8, 6, hash((c, i)) % 1000)).save(root / c / f"{c}{i}.png")
    return root


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Two classes of JPEGs of mixed sizes (200-500 px), as photos come."""
    root = tmp_path / "mixed"
    rng = np.random.default_rng(1)
    for c in ("a", "b"):
        (root / c).mkdir(parents=True)
        for i in range(4):
            w, h = (int(v) for v in rng.integers(200, 500, 2))
            yy, xx = np.mgrid[0:h, 0:w]
            a = np.stack([xx * 255 // w, yy * 255 // h, np.full((h, w), 90)], -1).astype(np.uint8)
            Image.fromarray(a).save(root / c / f"{i}.jpg", quality=92)
    return root


def do(spec: ImportSpec) -> importer.ImportReport:
    return progress.run(importer.run_import(spec))


def names(f: h5py.File, group: str) -> list[str]:
    return [n.decode() for n in f[f"{group}/filenames"][()]]


def test_split_is_stratified_seeded_and_complete(classes, tmp_path):
    spec = ImportSpec(str(classes), str(tmp_path / "a.h5"), split=(0.6, 0.2, 0.2), seed=7)
    plan = importer.plan_import(spec, progress.run(importer.scan(str(classes))))
    assert plan.layout == "classes" and [g for g, _ in plan.groups] == ["/train", "/val", "/test"]
    do(spec)
    with h5py.File(tmp_path / "a.h5") as f:
        got = {s: names(f, s) for s in ("train", "val", "test")}
        labels = {s: f[f"{s}/labels"][()] for s in got}
        assert list(f["train"].attrs["class_names"]) == ["cat", "dog", "eel"]
        assert f["train/images"].chunks[0] == 1  # one image per chunk
        assert f["train"].attrs["NX_class"] == "NXdata" and f.attrs["default"] == "train"
    every = sum(got.values(), [])
    assert len(every) == len(set(every)) == 35
    per = {s: Counter(n.split("/")[0] for n in v) for s, v in got.items()}
    assert per["train"] == {"cat": 6, "dog": 12, "eel": 3}
    assert per["val"] == {"cat": 2, "dog": 4, "eel": 1} and per["test"] == {"cat": 2, "dog": 4, "eel": 1}
    for s in got:  # labels follow the files
        assert [["cat", "dog", "eel"][i] for i in labels[s]] == [n.split("/")[0] for n in got[s]]
    do(ImportSpec(str(classes), str(tmp_path / "b.h5"), split=(0.6, 0.2, 0.2), seed=7))
    do(ImportSpec(str(classes), str(tmp_path / "c.h5"), split=(0.6, 0.2, 0.2), seed=8))
    with h5py.File(tmp_path / "b.h5") as b, h5py.File(tmp_path / "c.h5") as c:
        assert names(b, "val") == got["val"] and names(c, "val") != got["val"]


def test_shuffle_orders_each_group_at_random(classes, tmp_path):
    do(ImportSpec(str(classes), str(tmp_path / "s.h5"), shuffle=True, seed=3))
    with h5py.File(tmp_path / "s.h5") as f:
        order = names(f, "/")
        labels = f["labels"][()]
        images = f["images"][()]
    assert sorted(order) != order and len(order) == 35
    assert [["cat", "dog", "eel"][i] for i in labels] == [n.split("/")[0] for n in order]
    k = order.index("dog/dog3.png")
    with Image.open(classes / "dog" / "dog3.png") as im:
        assert np.array_equal(images[k], np.asarray(im))


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_labels_from_a_file(tmp_path, kind):
    src = tmp_path / "flat"
    src.mkdir()
    for i in range(6):
        Image.fromarray(picture(5, 4, i)).save(src / f"img{i}.png")
    table = {f"img{i}.png": ("ship" if i % 2 else "car") for i in range(5)}  # img5 has no label
    labels = tmp_path / f"labels.{kind}"
    if kind == "csv":
        labels.write_text("filename,label\n" + "".join(f"{k},{v}\n" for k, v in table.items()))
    else:
        labels.write_text(json.dumps(table))
    report = do(ImportSpec(str(src), str(tmp_path / "l.h5"), labels_file=str(labels)))
    assert report.layout == "classes" and report.n_imported == 5
    assert ("img5.png", "no label in " + labels.name) in report.skipped
    with h5py.File(tmp_path / "l.h5") as f:
        assert list(f.attrs["class_names"]) == ["car", "ship"]
        assert f["labels"][()].tolist() == [0, 1, 0, 1, 0]
    numbers = tmp_path / "n.json"
    numbers.write_text(json.dumps([["img0.png", 3], ["img1.png", 1]]))
    do(ImportSpec(str(src), str(tmp_path / "n.h5"), labels_file=str(numbers)))
    with h5py.File(tmp_path / "n.h5") as f:
        assert list(f.attrs["class_names"]) == ["0", "1", "2", "3"] and f["labels"][()].tolist() == [3, 1]
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(BadRequestError, match="not valid JSON"):
        do(ImportSpec(str(src), str(tmp_path / "x.h5"), labels_file=str(bad)))


def test_classes_with_the_files_bytes(mixed, tmp_path):
    report = do(ImportSpec(str(mixed), str(tmp_path / "e.h5"), encoded=True, split=(0.5, 0.5), seed=1))
    assert report.n_imported == 8
    with h5py.File(tmp_path / "e.h5") as f:
        for s in ("train", "val"):
            for name, data, label in zip(names(f, s), f[f"{s}/images"][()], f[f"{s}/labels"][()], strict=True):
                assert bytes(data) == (mixed / name).read_bytes()
                assert label == "ab".index(name[0])
            assert "NX_class" not in f[s].attrs  # bytes are not a stack of pictures


def test_resize_modes_keep_the_aspect_ratio(tmp_path):
    src = tmp_path / "one"
    src.mkdir()
    a = np.zeros((20, 40, 3), np.uint8)  # 40 wide, 20 high: left half red, right half blue
    a[:, :20, 0] = 255
    a[:, 20:, 2] = 255
    Image.fromarray(a).save(src / "wide.png")
    Image.fromarray(a).save(src / "wide.jpg", quality=95)
    out = {}
    for how in ("fit", "crop", "shorter", "stretch"):
        do(ImportSpec(str(src), str(tmp_path / f"{how}.h5"), layout="per-image", resize=(10, 10), resize_mode=how,
                      pad=7))
        with h5py.File(tmp_path / f"{how}.h5") as f:
            out[how] = (f["wide.png"][()], f["wide.jpg"][()])
    fit, _ = out["fit"]
    assert fit.shape == (10, 10, 3) and (fit[:2] == 7).all() and (fit[-2:] == 7).all()  # padded top and bottom
    assert fit[5, 1, 0] == 255 and fit[5, 8, 2] == 255
    crop, crop_jpg = out["crop"]
    assert crop.shape == (10, 10, 3) and crop[5, 1, 0] > 200 and crop[5, 8, 2] > 200  # the centre, both halves
    assert crop_jpg.shape == (10, 10, 3)
    assert out["shorter"][0].shape == (10, 20, 3) and out["shorter"][1].shape == (10, 20, 3)
    assert out["stretch"][0].shape == (10, 10, 3)


def test_large_jpegs_decoded_at_a_reduced_scale_match(mixed, tmp_path):
    do(ImportSpec(str(mixed), str(tmp_path / "r.h5"), resize=(64, 48), resize_mode="crop"))
    with h5py.File(tmp_path / "r.h5") as f:
        images, order = f["images"][()], names(f, "/")
    assert images.shape == (8, 48, 64, 3)
    from PIL import ImageOps

    for k, name in enumerate(order):
        with Image.open(mixed / name) as im:
            want = np.asarray(ImageOps.fit(im.convert("RGB"), (64, 48), Image.Resampling.BILINEAR)).astype(int)
        assert np.abs(images[k].astype(int) - want).mean() < 4, name  # DCT scaling: close to the full decode


def test_chunks_per_image_or_about_a_mebibyte(classes, tmp_path):
    do(ImportSpec(str(classes), str(tmp_path / "c.h5"), chunk_images=0))
    with h5py.File(tmp_path / "c.h5") as f:
        assert f["images"].chunks[0] == 35  # 35 small images fit in 1 MiB
    assert importer.stack_chunks(10_000, (64, 64, 3), 1, 1) == (1, 1024)


def test_dry_run_always_gives_a_plan_naming_what_is_missing(mixed, tmp_path, capsys):
    code = main(["import-images", str(mixed), str(tmp_path / "d.h5"), "--layout", "classes", "--dry-run", "-q"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Layout:    classes" in out and "Missing:   cannot stack" in out and "Try:       --resize " in out
    assert "--resize" in err and "\n" not in err.strip()
    assert not (tmp_path / "d.h5").exists()
    code = main(["import-images", str(mixed), str(tmp_path / "d.h5"), "--layout", "classes", "--dry-run",
                 "--json", "-q"])
    plan = json.loads(capsys.readouterr().out)["plan"]
    assert code == 2 and plan["problems"] and plan["suggested_resize"]
    code = main(["import-images", str(mixed), str(tmp_path / "d.h5"), "--resize", "32x32", "--resize-mode", "crop",
                 "--split", "50,50", "--shuffle", "-q"])
    assert code == 0
    with h5py.File(tmp_path / "d.h5") as f:
        assert f["train/images"].shape == (4, 32, 32, 3) and f["val/labels"].shape == (4,)


def test_refusals_are_one_line(classes, tmp_path):
    s = progress.run(importer.scan(str(classes)))
    for kw, words in (({"split": (0.5, 0.2)}, "add up to 1"), ({"split": (0.5, 0.5), "layout": "stack"}, "classes"),
                      ({"resize_mode": "zoom"}, "resize mode"), ({"encoded": True, "layout": "stack"}, "classes"),
                      ({"labels_file": str(tmp_path / "none.csv")}, "no such labels file")):
        with pytest.raises(BadRequestError, match=words) as e:
            importer.plan_import(ImportSpec(str(classes), str(tmp_path / "x.h5"), **kw), s)  # type: ignore[arg-type]
        assert "\n" not in str(e.value)


def test_per_image_with_workers_exits_cleanly(mixed, tmp_path):
    """The process pool is shut down waiting when the import is complete: nothing printed at exit."""
    for i in range(3):
        proc = subprocess.run([sys.executable, "-m", "h5gui.cli", "import-images", str(mixed), str(tmp_path / f"p{i}.h5"),
                               "--layout", "per-image", "--workers", "2", "-q"], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_per_image_through_shared_memory_matches_in_process(mixed, tmp_path, monkeypatch):
    """Pictures of any sizes come back from the decoders packed in shared memory (or pickled when one
    does not fit its slot): the same file as decoding in this process."""
    from h5gui.core.importer import run as running

    Image.fromarray(picture(700, 600, 9)).save(mixed / "a" / "big.png")  # 1.26 MB decoded: over a slot
    monkeypatch.setattr(running, "BATCH_BYTES", 1000)  # one picture a task, slots of 1 MiB
    s = progress.run(importer.scan(str(mixed)))
    for w in (0, 2):  # 0: automatic, in this process for so few pictures
        do_in = ImportSpec(str(mixed), str(tmp_path / f"w{w}.h5"), layout="per-image", workers=w)
        progress.run(importer.run_import(do_in, s))
    with h5py.File(tmp_path / "w0.h5") as a, h5py.File(tmp_path / "w2.h5") as b:
        for group in ("a", "b"):
            assert list(a[group]) == list(b[group])
            for name in a[group]:
                assert np.array_equal(a[group][name][()], b[group][name][()]), name
        with Image.open(mixed / "a" / "big.png") as im:
            assert np.array_equal(b["a/big.png"][()], np.asarray(im))

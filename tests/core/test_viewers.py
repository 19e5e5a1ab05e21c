"""Files every viewer shows: what the import and the transform write (``@interpretation``, NeXus NXdata
and ``default``) opened with silx 3.1.3 (skipped where silx is not installed), and Info's true size of
variable-length data."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.core import importer, nodes, progress, transform
from h5gui.core.importer import ImportSpec


def class_tree(root: Path, size: tuple[int, int] = (10, 8), n: int = 3) -> Path:
    """train/val x cat/dog, ``n`` RGB PNGs each."""
    for split in ("train", "val"):
        for c, name in enumerate(("cat", "dog")):
            d = root / split / name
            d.mkdir(parents=True)
            for i in range(n):
                a = np.random.default_rng(c * 10 + i).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
                Image.fromarray(a).save(d / f"{i}.png")
    return root


def do_import(spec: ImportSpec) -> importer.ImportReport:
    return progress.run(importer.run_import(spec))


def attr(obj: h5py.HLObject, name: str) -> str:
    v = obj.attrs[name]
    return v.decode() if isinstance(v, bytes) else str(v)


def test_import_writes_interpretation_nxdata_and_default(tmp_path):
    src = class_tree(tmp_path / "src")
    out = tmp_path / "out.h5"
    do_import(ImportSpec(str(src), str(out)))
    with h5py.File(out) as f:
        for split in ("train", "val"):
            g = f[split]
            assert attr(g["images"], "interpretation") == "rgba-image"
            assert attr(g["images"], "CLASS") == "IMAGE"
            assert attr(g, "NX_class") == "NXdata" and attr(g, "signal") == "images"
            assert list(g.attrs["axes"]) == ["."] * 4
        assert attr(f, "default") == "train"


def test_per_image_greyscale_interpretation(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    Image.fromarray(np.zeros((4, 5), np.uint8)).save(src / "a.png")
    Image.fromarray(np.zeros((6, 5), np.uint8)).save(src / "b.png")
    out = tmp_path / "out.h5"
    do_import(ImportSpec(str(src), str(out), layout="per-image"))
    with h5py.File(out) as f:
        assert attr(f["a.png"], "interpretation") == "image"
        assert "default" not in f.attrs  # no stack: nothing to open on


def test_import_into_an_existing_file_sets_its_default_once(tmp_path):
    src = class_tree(tmp_path / "src")
    out = tmp_path / "out.h5"
    with h5py.File(out, "w") as f:
        f["x"] = 1
    do_import(ImportSpec(str(src), str(out), group="/one"))
    do_import(ImportSpec(str(src), str(out), group="/two"))
    with h5py.File(out) as f:
        assert attr(f, "default") == "one" and attr(f["one"], "default") == "train"
        assert attr(f["two"], "default") == "train"


def test_silx_opens_the_import_on_its_images(tmp_path):
    nxdata = pytest.importorskip("silx.io.nxdata", reason="silx is not installed (pip install silx==3.1.3)")
    import silx.io

    src = class_tree(tmp_path / "src")
    out = tmp_path / "out.h5"
    do_import(ImportSpec(str(src), str(out)))
    with silx.io.open(str(out)) as f:
        default = nxdata.get_default(f)
        assert default is not None and default.signal.shape == (6, 8, 10, 3)
        assert default.interpretation == "rgba-image"
        assert nxdata.is_valid_nxdata(f["val"])


def test_silx_reads_a_transformed_stack_as_images(tmp_path):
    nxdata = pytest.importorskip("silx.io.nxdata", reason="silx is not installed (pip install silx==3.1.3)")
    import silx.io

    src = class_tree(tmp_path / "src")
    out = tmp_path / "out.h5"
    do_import(ImportSpec(str(src), str(out)))
    progress.run(transform.run_transform(transform.TransformSpec(
        str(out), "/train/images", "/train/images_f32", dtype="float32", normalize="scale", scale=255.0)))
    with silx.io.open(str(out)) as f:
        assert attr(f["train/images_f32"], "interpretation") == "rgba-image"
    with h5py.File(out) as f:
        assert attr(f["train/images_f32"], "CLASS") == "IMAGE"
    assert nxdata  # imported for the skip


def test_info_gives_the_true_size_of_encoded_images(tmp_path):
    src = class_tree(tmp_path / "src", size=(60, 40))
    out = tmp_path / "enc.h5"
    do_import(ImportSpec(str(src), str(out), layout="encoded"))
    files_bytes = sum(p.stat().st_size for p in (src / "train" / "cat").iterdir())
    info = nodes.describe(str(out), "/train/cat/images")
    assert info.nbytes == files_bytes
    # a gzip + shuffle chunked vlen dataset: summed from the inflated descriptors
    with h5py.File(out, "a") as f:
        data = [np.frombuffer(bytes(range(i + 1)) * 50, np.uint8) for i in range(9)]
        ds = f.create_dataset("z", (9,), dtype=h5py.vlen_dtype(np.uint8), chunks=(4,), compression="gzip",
                              shuffle=True)
        for i, a in enumerate(data):
            ds[i] = a
    assert nodes.describe(str(out), "/z").nbytes == sum(a.size for a in data)

"""Copy as code: the h5py snippet is executed against real files and its values checked; the PyTorch
snippet is compiled, executed against a minimal stand-in for torch (and against torch itself when it
is installed): lazy per-process opening, pickling without the handle, normalization from attributes."""

from __future__ import annotations

import io
import os
import pickle
import sys
import types
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.core import snippets
from h5gui.core.errors import BadRequestError, ExternalLinkError


@pytest.fixture
def h5(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    p = tmp_path / "d'ata \"set\" é.h5"  # quotes and accents: the snippet must stay valid Python
    with h5py.File(p, "w", track_order=True) as f:
        f["numbers"] = rng.random((5, 4))
        f["text"] = np.array(["α", "b"], dtype=h5py.string_dtype())
        f["records"] = np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])
        f["scalar"] = np.int64(42)
        f["empty"] = h5py.Empty("f4")
        g = f.create_group("cls")
        g["images"] = rng.integers(0, 256, (6, 4, 5, 3), dtype=np.uint8)
        g["labels"] = np.array([0, 1, 0, 2, 1, 0], dtype=np.int32)
        raw = f.create_dataset("raw", data=rng.integers(0, 4096, (3, 4, 2), dtype=np.uint16))
        raw.attrs["mean"] = np.array([100.0, 200.0])
        raw.attrs["std"] = np.array([10.0, 20.0])
        # what h5gui's transform writes: normalized values and how to undo them
        x = rng.random((4, 3)) * 50 + 7
        norm = f.create_dataset("norm", data=((x - 7.0) / 50.0).astype(np.float32))
        norm.attrs["normalization"] = "minmax"
        norm.attrs["scale"] = np.float64(50.0)
        norm.attrs["offset"] = np.float64(7.0)
        norm.attrs["mean"] = np.float64(x.mean())
        norm.attrs["std"] = np.float64(x.std())
        f["link"] = h5py.SoftLink("/numbers")
        f["ext"] = h5py.ExternalLink("other.h5", "/x")
        buf = []
        for i in range(3):
            b = io.BytesIO()
            Image.fromarray(np.full((3, 2), i * 40, dtype=np.uint8)).save(b, format="PNG")
            buf.append(np.frombuffer(b.getvalue(), dtype=np.uint8))
        enc = f.create_group("enc").create_dataset("images", (3,), dtype=h5py.vlen_dtype(np.uint8))
        for i, b in enumerate(buf):
            enc[i] = b
    return p


def run_h5py(code: str) -> dict:
    ns: dict = {"__name__": "snippet"}
    exec(compile(code, "<snippet>", "exec"), ns)
    return ns


def test_h5py_snippet_reads_the_values(h5):
    paths = ("/numbers", "/records", "/scalar", "/cls/images", "/link", "/norm")
    with h5py.File(h5) as f:
        expected = {p: f[p][()] for p in paths}
    for path in paths:
        code = snippets.h5py_snippet(str(h5), path)
        assert repr(str(h5.absolute())) in code and "import h5py" in code
        ns = run_h5py(code)
        assert np.array_equal(ns["data"], expected[path]), path
    ns = run_h5py(snippets.h5py_snippet(str(h5), "/text"))
    assert list(ns["data"]) == ["α", "b"]
    ns = run_h5py(snippets.h5py_snippet(str(h5), "/norm"))
    assert ns["scale"] == 50.0 and ns["offset"] == 7.0
    ns = run_h5py(snippets.h5py_snippet(str(h5), "/empty"))
    assert ns["data"] is None
    ns = run_h5py(snippets.h5py_snippet(str(h5), "/cls"))
    assert sorted(ns["members"]) == ["images", "labels"]


def test_big_dataset_snippet_reads_a_slice(h5, monkeypatch):
    monkeypatch.setattr(snippets, "BIG_READ_BYTES", 100)
    code = snippets.h5py_snippet(str(h5), "/cls/images")
    assert "dset[0]" in code
    first = run_h5py(code)["data"]
    with h5py.File(h5) as f:
        assert np.array_equal(first, f["cls/images"][0])


def test_refusals(h5):
    with pytest.raises(ExternalLinkError):
        snippets.h5py_snippet(str(h5), "/ext")
    for path, words in (("/text", "numbers"), ("/scalar", "no axis"), ("/cls", "group"), ("/records", "numbers")):
        with pytest.raises(BadRequestError) as e:
            snippets.torch_snippet(str(h5), path)
        assert words in str(e.value) and "\n" not in str(e.value)


@pytest.fixture
def fake_torch(monkeypatch):
    """Just enough of torch for the snippet: Dataset, from_numpy, as_tensor."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch.utils")
    data = types.ModuleType("torch.utils.data")

    class Dataset:
        pass

    data.Dataset = Dataset
    data.DataLoader = None
    torch.from_numpy = lambda a: ("tensor", a)
    torch.as_tensor = np.asarray
    torch.utils = utils
    utils.data = data
    for name, mod in (("torch", torch), ("torch.utils", utils), ("torch.utils.data", data)):
        monkeypatch.setitem(sys.modules, name, mod)
    return torch


def load_class(code: str, monkeypatch):
    mod = types.ModuleType("h5gui_snippet_under_test")
    monkeypatch.setitem(sys.modules, mod.__name__, mod)  # so that instances pickle (spawned workers)
    exec(compile(code, "<torch snippet>", "exec"), mod.__dict__)
    classes = [v for k, v in vars(mod).items() if isinstance(v, type) and k.endswith("Dataset") and k != "Dataset"]
    assert len(classes) == 1
    return mod, classes[0]


def test_torch_snippet_with_a_stand_in(h5, fake_torch, monkeypatch):
    with h5py.File(h5) as f:
        images, labels, raw, norm = (f[p][()] for p in ("cls/images", "cls/labels", "raw", "norm"))
    # samples with labels, opened lazily, the dataset object kept
    mod, cls = load_class(snippets.torch_snippet(str(h5), "/cls/images"), monkeypatch)
    assert cls.__name__ == "ImagesDataset"
    ds = cls()
    s = ds.samples
    assert s._file is None  # __init__ reads metadata and labels only and closes the file
    assert len(ds) == 6 and list(ds.targets) == list(labels)
    (tag, x), y = ds[3]
    assert tag == "tensor" and np.array_equal(x, images[3]) and y == labels[3]
    kept = s._dset
    assert kept is not None and s._pid == os.getpid()
    ds[4]
    assert s._dset is kept  # not looked up again per item
    clone = pickle.loads(pickle.dumps(ds))  # what a spawned worker receives: no open handle
    assert clone.samples._file is None and np.array_equal(clone[5][0][1], images[5])
    clone.close()
    s._pid = -1  # as if forked into a worker after use: it reopens instead of sharing the handle
    old = s._file
    ds[0]
    assert s._file is not old
    old.close()
    ds.close()
    # channels first, float in [0, 1], and a transform
    _, cls = load_class(snippets.torch_snippet(str(h5), "/cls/images", chw=True), monkeypatch)
    ds = cls(transform=lambda t: ("t", t))
    (_, (_, x)), _ = ds[1]
    assert x.shape == (3, 4, 5) and x.dtype == np.float32
    np.testing.assert_allclose(x, np.moveaxis(images[1], -1, 0) / 255.0, rtol=1e-6)
    ds.close()
    # raw data with mean/std per channel: normalized on read (uint16 becomes float32)
    _, cls = load_class(snippets.torch_snippet(str(h5), "/raw"), monkeypatch)
    ds = cls()
    assert ds.samples.normalize and ds.targets is None
    got = ds[1][1]
    assert got.dtype == np.float32
    assert np.allclose(got, (raw[1] - [100.0, 200.0]) / [10.0, 20.0])
    ds.close()
    assert np.array_equal(cls(normalize=False)[1][1], raw[1].astype(np.int32))
    # data normalized by h5gui's transform: returned as stored, denormalize() undoes it
    _, cls = load_class(snippets.torch_snippet(str(h5), "/norm"), monkeypatch)
    ds = cls()
    assert not ds.samples.normalize and ds.samples.stored_normalized
    y = ds[2][1]
    assert np.array_equal(y, norm[2])
    assert np.allclose(ds.denormalize(y), norm[2] * 50 + 7)
    ds.close()
    # encoded images are decoded, as one mode, resized to one size
    code = snippets.torch_snippet(str(h5), "/enc/images", resize=(4, 6))
    assert "RESIZE = (4, 6)" in code and "MODE = 'L'" in code
    _, cls = load_class(code, monkeypatch)
    ds = cls()
    assert ds[2][1].shape == (6, 4) and ds[2][1][0, 0] == 80
    ds.close()
    assert "RESIZE = (2, 3)" in snippets.torch_snippet(str(h5), "/enc/images")  # the first picture's size


def test_labels_by_convention_or_given(h5):
    with h5py.File(h5, "a") as f:
        f["x_train"] = np.zeros((4, 2, 2), np.uint8)
        f["y_train"] = np.array([3, 1, 2, 0], np.uint8)
        f["y_train"].attrs["class_names"] = ["a", "b", "c", "d"]
        f["cls/other"] = np.arange(6, dtype=np.int64)
    code = snippets.torch_snippet(str(h5), "/x_train")
    assert "LABELS = '/y_train'" in code and "CLASS_NAMES = ['a', 'b', 'c', 'd']" in code
    assert "LABELS = '/cls/other'" in snippets.torch_snippet(str(h5), "/cls/images", labels="/cls/other")
    assert "LABELS = None" in snippets.torch_snippet(str(h5), "/cls/images", labels="")
    with pytest.raises(BadRequestError, match="one integer per sample"):
        snippets.torch_snippet(str(h5), "/cls/images", labels="/y_train")


def test_tf_snippet_generator_runs_without_tensorflow(h5):
    with h5py.File(h5) as f:
        images, labels = f["cls/images"][()], f["cls/labels"][()]
    code = snippets.tf_snippet(str(h5), "/cls/images")
    assert "tf.data.Dataset.from_generator" in code
    ns = run_h5py(code)
    pairs = list(ns["generate"](shuffle=True, seed=3))
    order = [int(np.argmin(np.abs(images.reshape(6, -1) / 255.0 - x.reshape(1, -1)).sum(1))) for x, _ in pairs]
    assert sorted(order) == list(range(6)) and order != list(range(6))
    assert all(y == labels[i] for (_, y), i in zip(pairs, order, strict=True))
    assert pairs[0][0].dtype == np.float32 and pairs[0][0].max() <= 1.0
    assert [y for _, y in ns["generate"](shuffle=True, seed=3)] == [y for _, y in pairs]  # same seed, same order
    ns = run_h5py(snippets.tf_snippet(str(h5), "/enc/images", resize=(3, 3)))
    assert [x.shape for x in ns["generate"](shuffle=False)] == [(3, 3)] * 3


def test_torch_snippets_train_with_torch_in_worker_processes(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
    from h5gui.core import importer, progress

    src = tmp_path / "src"
    rng = np.random.default_rng(0)
    for c in ("a", "b"):
        (src / c).mkdir(parents=True)
        for i in range(6):
            size = (20 + 3 * i, 16 + i)
            Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(src / c / f"{i}.jpg")
    out = tmp_path / "t.h5"
    progress.run(importer.run_import(importer.ImportSpec(str(src), str(out), resize=(16, 12))))
    enc = tmp_path / "e.h5"
    progress.run(importer.run_import(importer.ImportSpec(str(src), str(enc), layout="encoded")))
    for file, path, kw in ((out, "/images", {"chw": True}), (enc, "/a/images", {"resize": (10, 10), "chw": True})):
        code = snippets.torch_snippet(str(file), path, **kw)
        mod = tmp_path / f"loader_{file.stem}.py"
        mod.write_text(code)
        sys.path.insert(0, str(tmp_path))
        try:
            loader_mod = __import__(mod.stem)
            cls = next(v for k, v in vars(loader_mod).items() if k.endswith("Dataset") and k != "Dataset")
            ds = cls()
            loader = torch.utils.data.DataLoader(ds, batch_size=4, shuffle=True, num_workers=2)
            batches = list(loader)
        finally:
            sys.path.remove(str(tmp_path))
        first = batches[0]
        x = first[0] if isinstance(first, list | tuple) else first
        assert x.dtype == torch.float32 and x.shape[1:] == ((3, 12, 16) if file == out else (3, 10, 10))
        if file == out:
            assert sum(len(b[1]) for b in batches) == 12 and set(torch.cat([b[1] for b in batches]).tolist()) == {0, 1}
            conv = torch.nn.Conv2d(3, 2, 3)
            conv(x).sum().backward()  # a conv net takes the batch as it is


def test_torch_snippet_with_torch(h5):
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
    code = snippets.torch_snippet(str(h5), "/raw")
    ns: dict = {"__name__": "snippet"}
    exec(compile(code, "<torch snippet>", "exec"), ns)
    ds = ns["RawDataset"]()
    assert isinstance(ds[0], torch.Tensor) and ds[0].dtype == torch.float32
    assert ns["num_workers"]() == (0 if len(os.sched_getaffinity(0)) == 1 else min(len(os.sched_getaffinity(0)), 8))
    ds.close()


def test_snippets_compile_for_every_dataset(h5):
    with h5py.File(h5) as f:
        paths = []
        f.visititems(lambda name, obj: paths.append("/" + name) if isinstance(obj, h5py.Dataset) else None)
    for path in paths:
        compile(snippets.snippet(str(h5), path), path, "exec")
        for kind in ({"torch": True}, {"tf": True}):
            try:
                compile(snippets.snippet(str(h5), path, **kind), path, "exec")
            except BadRequestError:
                pass


def test_names_from_the_file_cannot_turn_a_comment_into_code(tmp_path):
    """A dataset named 'a<newline>__import__("os").system(...) #' (an untrusted file): Copy as code put the
    name in a # comment as it was, so the line after the break ran when the snippet was pasted and run;
    a line break in a field name or in the normalization attribute gave code that did not parse (found
    by helper-27's fuzzing)."""
    import ast
    import subprocess

    evil = "a\n__import__('os').system('echo INJECTED') #"
    p = tmp_path / "names.h5"
    with h5py.File(p, "w") as f:
        f[evil] = np.arange(5)
        f.create_dataset("cmp", data=np.zeros(3, dtype=[("x\ny", "f4"), ("b", "i4")]))
        n = f.create_dataset("normed", data=np.zeros((4, 8, 8), "f4"))
        n.attrs.update({"normalization": "minmax\rnot python\u2028either", "scale": 2.0, "offset": 1.0})
    for path, kw in (("/" + evil, {}), ("/" + evil, {"torch": True}), ("/" + evil, {"tf": True}), ("/cmp", {}),
                     ("/normed", {})):
        code = snippets.snippet(str(p), path, **kw)
        tree = ast.parse(code)  # was: SyntaxError for the field name and the attribute
        calls = [n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
        assert "system" not in calls, code  # the name stays text: in a comment, or a string literal
    ast.parse(snippets.torch_snippet(str(p), "/normed", class_name="class"))  # a keyword: the default name
    code = snippets.snippet(str(p), "/" + evil)
    assert "# /a\\n__import__" in code  # shown escaped, on the comment's line
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "INJECTED" not in run.stdout


def test_a_marker_in_a_name_cannot_pull_file_text_into_the_code(tmp_path):
    """A dataset named '/a%%CLASS_NAMES%%' with class names holding quotes: the loader template was filled
    marker by marker, so the class names (repr of file text) landed inside the path's string literal and
    closed it; running the snippet ran them (found in review)."""
    import ast

    marker = tmp_path / "PWNED"
    p = tmp_path / "marker.h5"
    with h5py.File(p, "w") as f:
        f["a%%CLASS_NAMES%%"] = np.zeros((3, 4, 4), "u1")
        f["labels"] = np.array([0, 1, 0])
        f["labels"].attrs["class_names"] = [f"x', __import__('os').system('touch {marker}'), '", "y"]
    for kw in ({"torch": True}, {"tf": True}):
        code = snippets.snippet(str(p), "/a%%CLASS_NAMES%%", **kw)
        tree = ast.parse(code)
        calls = [n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
        assert "system" not in calls
        assert "DATASET = '/a%%CLASS_NAMES%%'" in code

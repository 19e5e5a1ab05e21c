"""Writes stay safe across a dead reader (issue 16 item 3): the I/O process killed (SIGKILL) in the middle
of an import into an existing file, a transform with --replace and attribute edits leaves the file's prior
bytes, restored on the next open."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.core.errors import H5GuiError
from h5gui.core.ioproc import FuncRef, Supervisor


def _digest(p) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def sup():
    s = Supervisor(deadline=60)
    s.start()
    assert s.wait_ready(60)
    yield s
    s.shutdown()


def _base(path, libver="latest"):
    with h5py.File(path, "w", libver=libver) as f:
        f.create_dataset("images", data=np.random.default_rng(0).integers(0, 255, (3000, 128, 128), dtype="u1"),
                         chunks=(8, 128, 128))
        for i in range(12):
            f.attrs[f"a{i}"] = i


def _kill_when_written(sup, path, job, started: threading.Event):
    """Run ``job`` (a JobHandle) and SIGKILL the I/O process once the journal shows writes under way."""
    journal = path.with_name(path.name + ".h5gui-journal")
    deadline = time.monotonic() + 60
    while not journal.exists() and not job.done() and time.monotonic() < deadline:
        time.sleep(0.005)
    if job.done():
        job.result(1)  # raises the job's own error, if it had one
        pytest.fail("the job finished before it could be killed: make it bigger")
    os.kill(sup.pid, signal.SIGKILL)
    with pytest.raises(H5GuiError):
        job.result(60)


def test_killed_during_a_transform_replace_and_an_import_into_the_file(sup, tmp_path):
    p = tmp_path / "data.h5"
    _base(p)
    before = _digest(p)
    sup.call(FuncRef("h5gui.core.h5.files", "enable_editing"), str(p))
    from h5gui.core.transform import TransformSpec

    spec = TransformSpec(file=str(p), source="/images", replace=True, dtype="float32", normalize="scale", scale=255.0)
    job = sup.submit(FuncRef("h5gui.core.transform", "run_transform"), spec, on_error=lambda e: None,
                     subject=(str(p), "/images"), operation="transforming")
    _kill_when_written(sup, p, job, threading.Event())
    # the next open (any job) rolls the interrupted edit back
    assert sup.call(FuncRef("h5gui.core.nodes", "describe"), str(p), "/images").dtype_short == "uint8"
    assert _digest(p) == before
    folder = tmp_path / "pictures" / "a"
    folder.mkdir(parents=True)
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (256, 256, 3), dtype=np.uint8)).save(folder / "0.png")
    png = (folder / "0.png").read_bytes()  # encoded once: 600 encodings took ~4 s of the test
    for i in range(1, 600):
        (folder / f"{i}.png").write_bytes(png)
    from h5gui.core.importer import ImportSpec

    sup.call(FuncRef("h5gui.core.h5.files", "enable_editing"), str(p))  # a new reader starts read-only
    ispec = ImportSpec(str(folder.parent), str(p), group="new", workers=0)
    job = sup.submit(FuncRef("h5gui.core.importer", "run_import"), ispec, on_error=lambda e: None,
                     subject=(str(p), "/new"), operation="importing into")
    _kill_when_written(sup, p, job, threading.Event())
    sup.call(FuncRef("h5gui.core.nodes", "describe"), str(p), "/")
    assert _digest(p) == before


def test_killed_during_attribute_edits_of_many_objects(sup, tmp_path):
    p = tmp_path / "attrs.h5"
    with h5py.File(p, "w") as f:  # superblock v0
        for i in range(3000):
            f.create_group(f"g{i}").attrs["n"] = i
    before = _digest(p)
    sup.call(FuncRef("h5gui.core.h5.files", "enable_editing"), str(p))
    paths = [f"/g{i}" for i in range(3000)]
    job = sup.submit(FuncRef("h5gui.core.attrs", "set_attr_on_many"), str(p), paths, "note", "x" * 200,
                     on_error=lambda e: None, subject=(str(p), "/"), operation="editing")
    _kill_when_written(sup, p, job, threading.Event())
    sup.call(FuncRef("h5gui.core.nodes", "describe"), str(p), "/")
    assert _digest(p) == before
    with h5py.File(p, "r") as f:
        assert "note" not in f["g0"].attrs

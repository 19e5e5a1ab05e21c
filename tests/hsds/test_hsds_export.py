"""Export of HSDS datasets (issue 15): the same files as the local export of the same content, through the
job the GUI names (:data:`h5gui.core.api.export`), routed to its HSDS twin; ``h5gui-cli export hdf5://``."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from h5gui.core import api, routes
from h5gui.core.export import export as local_export
from h5gui.core.export import export_stack as local_export_stack
from h5gui.core.progress import Progress, run

CASES = [  # (path, output name, options)
    ("/mnist/labels", "labels.npy", {}),
    ("/signals/sine", "sine.npy", {}),
    ("/signals/waves_gzip", "waves.npy", {}),
    ("/meta/catalogue", "catalogue.npy", {}),
    ("/meta/notes", "notes.npy", {}),
    ("/meta/colours", "colours.npy", {}),
    ("/mnist/images", "frame.npy", {"index": (3,)}),
    ("/latest", "latest.npy", {"index": (-1,)}),  # a soft link, a negative index
    ("/mnist/labels", "labels.csv", {}),
    ("/signals/sine", "sine.tsv", {}),
    ("/signals/waves_gzip", "waves.csv", {}),
    ("/meta/catalogue", "catalogue.csv", {}),
    ("/meta/notes", "notes.csv", {}),
    ("/meta/colours", "colours.txt", {}),
    ("/images/rgb", "row.csv", {"index": (5,), "delimiter": ";"}),
    ("/images/gray", "gray.png", {}),
    ("/images/rgb", "rgb.png", {}),
    ("/images/rgb", "rgb.tif", {}),
    ("/mnist/images", "frame.png", {"index": (7,)}),
    ("/signals/waves_gzip", "waves.tif", {}),
    ("/signals/waves_gzip", "waves.png", {"levels": "auto", "colormap": "viridis"}),
    ("/signals/waves_gzip", "waves_log.png", {"levels": (0.5, 2.0), "log": True}),
    ("/mnist/images", "plane.png", {"axes": (0, 2), "index": (0, 14, 0)}),
    ("/images/rgb", "green.tif", {"axes": (0, 1), "index": (0, 0, 1)}),
    ("/mnist/images", "frames", {}),
    ("/mnist/images", "frames_tif", {"image_format": "tif", "levels": "auto"}),
]


def _twin(ref, *args):
    fn, routed = routes.route(ref, args)
    assert fn.module == "h5gui.core.hsds.export", fn  # the job the GUI and the CLI name reaches the twin
    return fn.resolve(), routed


def _files(root):
    if os.path.isfile(root):
        return {"": Path(root).read_bytes()}
    out = {}
    for base, _dirs, names in os.walk(root):
        for n in names:
            full = os.path.join(base, n)
            out[os.path.relpath(full, root)] = Path(full).read_bytes()
    return out


def _report(r):
    return {k: v for k, v in dataclasses.asdict(r).items() if k not in ("file", "out")}


@pytest.mark.parametrize(("path", "name", "options"), CASES, ids=[c[1] for c in CASES])
def test_export_writes_what_the_local_export_writes(demo_domain, demo_file, tmp_path, path, name, options):
    local_out, remote_out = tmp_path / "local" / name, tmp_path / "remote" / name
    local_out.parent.mkdir()
    remote_out.parent.mkdir()
    local = run(local_export(str(demo_file), path, str(local_out), **options))
    fn, args = _twin(api.export.export, demo_domain, path, str(remote_out))
    steps: list[Progress] = []
    remote = run(fn(*args, **options), steps.append)
    assert _report(remote) == _report(local)
    assert remote.file == demo_domain and remote.out == str(remote_out)
    assert _files(remote_out) == _files(local_out)  # byte for byte
    assert steps and steps[-1].done == steps[-1].total  # progress as locally


def test_export_stack_job(demo_domain, demo_file, tmp_path):
    local = run(local_export_stack(str(demo_file), "/mnist/images", str(tmp_path / "a"), format="tif"))
    fn, args = _twin(api.export.export_stack, demo_domain, "/mnist/images", str(tmp_path / "b"))
    remote = run(fn(*args, format="tif"))
    assert _report(remote) == _report(local) and remote.count == 100
    assert _files(tmp_path / "b") == _files(tmp_path / "a")


@pytest.mark.parametrize("path", ["/meta", "/signals/sine", "/"])
def test_export_to_hdf5_holds_the_same_values(demo_domain, demo_file, tmp_path, path):
    local = run(local_export(str(demo_file), path, str(tmp_path / "local.h5")))
    fn, args = _twin(api.export.export, demo_domain, path, str(tmp_path / "remote.h5"))
    remote = run(fn(*args))
    assert remote.format == local.format == "hdf5" and remote.path == local.path

    def content(file):
        out = {}
        with h5py.File(file, "r") as f:
            def visit(name, obj):
                attrs = {k: np.asarray(v).tolist() for k, v in obj.attrs.items()}
                data = obj[()].tolist() if isinstance(obj, h5py.Dataset) else None
                out[name] = (type(obj).__name__, attrs, data)
            f.visititems(visit)
            out["/"] = ({k: np.asarray(v).tolist() for k, v in f.attrs.items()},)
        return out

    assert content(tmp_path / "remote.h5") == content(tmp_path / "local.h5")
    fn, args = _twin(api.structure.export_hdf5, demo_domain, path, str(tmp_path / "group.h5"))  # File > Export
    report = run(fn(*args))
    assert report.dest_file == str(tmp_path / "group.h5") and content(report.dest_file) == content(tmp_path / "local.h5")


def test_export_cancelled_leaves_nothing(demo_domain, tmp_path):
    fn, args = _twin(api.export.export, demo_domain, "/mnist/images", str(tmp_path / "frames"))
    job = fn(*args)
    next(job)
    next(job)  # two frames written into frames.partial/
    assert os.path.isdir(tmp_path / "frames.partial")
    job.close()  # what Cancel does between two steps
    assert os.listdir(tmp_path) == []


def test_export_refusals_are_one_line(demo_domain, tmp_path):
    from h5gui.core.errors import H5GuiError

    fn, args = _twin(api.export.export, demo_domain, "/meta", str(tmp_path / "meta.npy"))
    with pytest.raises(H5GuiError, match="not a dataset"):
        run(fn(*args))
    fn, args = _twin(api.export.export, demo_domain, "/images/rgb", str(tmp_path / "rgb.csv"))
    with pytest.raises(H5GuiError, match="CSV takes"):
        run(fn(*args))
    (tmp_path / "x.npy").write_bytes(b"keep")
    fn, args = _twin(api.export.export, demo_domain, "/signals/sine", str(tmp_path / "x.npy"))
    with pytest.raises(H5GuiError, match="exists"):
        run(fn(*args))
    assert (tmp_path / "x.npy").read_bytes() == b"keep"


def test_cli_export_of_a_domain(hsds_server, demo_domain, demo_file, tmp_path, monkeypatch, capsys):
    from h5gui.cli import main

    monkeypatch.setenv("HS_ENDPOINT", hsds_server.endpoint)
    monkeypatch.setenv("HS_USERNAME", hsds_server.username)
    monkeypatch.setenv("HS_PASSWORD", hsds_server.password)
    (tmp_path / "local").mkdir()
    (tmp_path / "remote").mkdir()
    for name, extra in (("gray.png", []), ("frame.npy", ["--index", "4"]), ("frames", ["--format", "tif"])):
        code = main(["export", str(demo_file), "/mnist/images" if name != "gray.png" else "/images/gray",
                     str(tmp_path / "local" / name), "-q", *extra])
        assert code == 0
        code = main(["export", demo_domain, "/mnist/images" if name != "gray.png" else "/images/gray",
                     str(tmp_path / "remote" / name), "-q", *extra])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert f"wrote {tmp_path / 'remote' / name}" in out
        assert _files(tmp_path / "remote" / name) == _files(tmp_path / "local" / name)


def test_stacks_named_by_their_filenames_and_encoded_pictures(hsds_client, tmp_path):
    """What the image import writes: pictures named after the 'filenames' dataset beside the stack, and
    encoded files given back byte for byte."""
    import io

    from PIL import Image

    from h5gui.core.hsds import transfer

    path = tmp_path / "pictures.h5"
    rng = np.random.default_rng(3)
    with h5py.File(path, "w") as f:
        for group in ("raw", "encoded"):
            f.create_group(group)["filenames"] = np.array([b"a/one.png", b"two.png", b"three.jpg"], dtype=object)
        f["raw/images"] = rng.integers(0, 60000, (3, 9, 11), dtype=np.uint16)
        enc = f.create_dataset("encoded/images", (3,), dtype=h5py.vlen_dtype(np.uint8))
        for i in range(3):
            out = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (6, 5), dtype=np.uint8)).save(out, "PNG")
            enc[i] = np.frombuffer(out.getvalue(), np.uint8)
    domain = "hdf5://home/admin/export-pictures.h5"
    run(transfer.upload(path, domain, overwrite=True))
    for dataset in ("/raw/images", "/encoded/images"):
        name = dataset.split("/")[1]
        local = run(local_export(str(path), dataset, str(tmp_path / f"local-{name}")))
        fn, args = _twin(api.export.export, domain, dataset, str(tmp_path / f"remote-{name}"))
        remote = run(fn(*args))
        assert _report(remote) == _report(local) and remote.count == 3
        files = _files(tmp_path / f"remote-{name}")
        assert files == _files(tmp_path / f"local-{name}")
        assert sorted(files) == ["a/one.png", "three.jpg" if name == "encoded" else "three.png", "two.png"]


@pytest.fixture(scope="module")
def types_pair(hsds_client, tmp_path_factory):
    from h5gui.core.hsds import transfer

    src = tmp_path_factory.mktemp("types") / "types.h5"
    rng = np.random.default_rng(0)
    with h5py.File(src, "w") as f:
        f["be_i32"] = np.arange(12, dtype=">i4").reshape(3, 4)
        f["u64"] = np.array([0, 2**64 - 1], dtype="u8")
        f["f16"] = np.array([1.5, np.nan, np.inf], dtype="f2")
        f["c64"] = (rng.random(5) + 1j * rng.random(5)).astype("c8")
        f["bools"] = np.array([[True, False], [False, True]])
        f.create_dataset("enum", data=np.array([0, 1, 1], dtype="i1"),
                         dtype=h5py.enum_dtype({"A": 0, "B": 1}, basetype="i1"))
        f["comp"] = np.array([(1, [1.0, 2.0], b"ab"), (2, [3.0, 4.0], b"cd")],
                             dtype=[("a", "<i2"), ("v", "<f4", (2,)), ("s", "S3")])
        f["fixed"] = np.array([b"x", b"yy", b"zzz"], dtype="S4")
        f.create_dataset("vascii", data=["a", "b,c", 'q"t'], dtype=h5py.string_dtype("ascii"))
        f.create_dataset("vutf8", data=["é", "two\nlines"], dtype=h5py.string_dtype())
        f["scalar"] = 3.25
        f["empty0"] = np.zeros((0, 3), "f4")
        f["cube"] = rng.random((2, 3, 4)).astype("f4")
        f.create_dataset("chunked_fill", shape=(50, 7), dtype="i2", chunks=(8, 7), fillvalue=-1)
        f["chunked_fill"][3:5] = 9
    domain = "hdf5://home/admin/export-types.h5"
    run(transfer.upload(src, domain, overwrite=True))
    return src, domain


TYPES = ["be_i32", "u64", "f16", "c64", "bools", "enum", "comp", "fixed", "vascii", "vutf8", "scalar", "empty0",
         "cube", "chunked_fill"]


@pytest.mark.parametrize("name", TYPES)
def test_every_datatype_exports_as_locally(types_pair, tmp_path, name):
    """Byte order, 64-bit, half floats with NaN, complex, booleans, enums, compounds with array and string
    fields, strings of every kind, scalars, empty and unwritten chunks: the same bytes, or the same refusal."""
    from h5gui.core.errors import H5GuiError

    src, domain = types_pair
    for ext in ("npy", "csv", "tif"):
        local_out, remote_out = tmp_path / f"local.{ext}", tmp_path / f"remote.{ext}"
        fn, args = _twin(api.export.export, domain, "/" + name, str(remote_out))
        try:
            run(local_export(str(src), "/" + name, str(local_out)))
        except H5GuiError as exc:
            with pytest.raises(type(exc)) as remote_exc:
                run(fn(*args))
            assert str(remote_exc.value).replace(domain, "F") == str(exc).replace(str(src), "F")  # one line, the same
            assert not remote_out.exists()
            continue
        run(fn(*args))
        assert remote_out.read_bytes() == local_out.read_bytes(), ext

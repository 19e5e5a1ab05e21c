"""Transforms leave the file as it was unless they complete: refusals, cancel, errors, replace;
attributes, HDF5 image attributes and dimension scales carried over; the GUI's handle pool."""

import shutil

import h5py
import numpy as np
import pytest

from h5gui.core import transform as T
from h5gui.core.errors import BadRequestError, NodeNotFoundError, ReadOnlyError
from h5gui.core.h5 import files
from h5gui.core.progress import run
from h5gui.core.transform import plan as planning
from h5gui.core.transform.numerics import Numerics


@pytest.fixture
def tiny_blocks(monkeypatch):
    monkeypatch.setattr(planning, "BLOCK_BYTES", 40)  # 4-6 elements per block: a dozen blocks
    monkeypatch.setattr(planning, "PIECE_ELEMS", 11)


def snapshot(path):
    """Everything in the file: every object's path, data, attributes (but not its address)."""
    out = {}

    def visit(name, obj):
        attrs = {}
        for k in obj.attrs:
            v = obj.attrs[k]
            attrs[k] = repr(v.tolist() if isinstance(v, np.ndarray) and v.dtype.kind != "O" else v)
        if isinstance(obj, h5py.Dataset):
            data = obj[()]
            out[name] = (obj.dtype.str, obj.shape, data.tobytes() if hasattr(data, "tobytes") else repr(data), attrs)
        else:
            out[name] = ("group", attrs)

    with h5py.File(path, "r") as f:
        f.visititems(visit)
        out["/"] = ("root", {k: repr(f.attrs[k]) for k in f.attrs})
    return out


@pytest.fixture
def h5(tmp_path):
    path = tmp_path / "safe.h5"
    with h5py.File(path, "w", track_order=True) as f:
        g = f.create_group("g", track_order=True)
        x = np.arange(2 * 5 * 6, dtype=np.int16).reshape(2, 5, 6) * 3
        d = g.create_dataset("img", data=x, chunks=(1, 5, 6))
        d.attrs["unit"] = "counts"
        d.attrs["pixel"] = np.array([3.45, 3.45])
        g.create_dataset("other", data=np.arange(4))
    return str(path)


def spec(file, **kw):
    return T.TransformSpec(file=file, source=kw.pop("source", "/g/img"), **kw)


# ---------------------------------------------------------------------------------------------
# refusals: before anything is written


REFUSALS = [
    ({"reshape": (2, 5, 7)}, "cannot reshape 60 elements into 2 x 5 x 7"),
    ({"reshape": (-1, -1)}, "only one axis can be -1"),
    ({"reshape": (-1, 7)}, "cannot reshape 60 elements into -1 x 7"),
    ({"reshape": (0, -2)}, "axis lengths must be positive or -1"),
    ({"add_axis": 5}, "new axis position 5 is out of range for 4 axes (use -4..3)"),
    ({"move_axis": (3, 0)}, "axis 3 is out of range for 3 axes"),
    ({"move_axis": (0, -4)}, "destination axis -4 is out of range"),
    ({"transpose": (0, 0, 1)}, "transpose (0, 0, 1) is not an order of the 3 axes"),
    ({"transpose": (0, 1)}, "is not an order of the 3 axes"),
    ({"dtype": "floot32"}, "unknown dtype 'floot32'"),
    ({"dtype": "complex64"}, "cannot cast to complex64"),
    ({"dtype": "bool"}, "cannot cast to bool"),
    ({"overflow": "wrap"}, "unknown overflow policy 'wrap'"),
    ({"rounding": "up"}, "unknown rounding 'up'"),
    ({"normalize": "magic"}, "unknown normalization 'magic'"),
    ({"normalize": "scale"}, "needs the value to divide by"),
    ({"normalize": "scale", "scale": 0}, "cannot divide by 0"),
    ({"normalize": "zscore", "scale": 2}, "a scale goes with normalize 'scale'"),
    ({"normalize": "clip-percentiles", "percentiles": (50, 10)}, "need 0 <= low < high <= 100"),
    ({"normalize": "zscore", "per_channel": True, "channel_axis": 3}, "channel axis 3 is out of range"),
    ({"chunks": (1, 5)}, "chunk shape 1 x 5 has 2 axes, the output 2 x 5 x 6 has 3"),
    ({"chunks": (1, 5, 7)}, "chunk shape 1 x 5 x 7 exceeds the output 2 x 5 x 6 on axis 2"),
    ({"chunks": (0, 5, 6)}, "lengths must be at least 1"),
    ({"chunks": "cubes"}, "unknown chunks 'cubes'"),
    ({"compression": "snappy"}, "unknown compression 'snappy'"),
    ({"compression": "gzip", "chunks": None}, "compression needs chunked storage"),
    ({"compression": "gzip", "compression_opts": 12}, "gzip level must be 0 to 9, not 12"),
    ({"compression": "lzf", "compression_opts": 1}, "lzf takes no level"),
    ({"dest": "/g/other"}, "/g/other already exists"),
    ({"dest": "/g/img"}, "/g/img is the source"),
    ({"dest": "/nowhere/x"}, "cannot write /nowhere/x"),
    ({"dest": "/g/other/x"}, "/g/other is not a group"),
    ({"source": "/g"}, "/g in"),
]


@pytest.mark.parametrize("kw, message", REFUSALS, ids=[m for _, m in REFUSALS])
def test_impossible_requests_are_refused_with_the_reason(h5, kw, message):
    before = snapshot(h5)
    with pytest.raises(BadRequestError) as err:
        T.plan_transform(spec(h5, **kw))
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(BadRequestError):
        run(T.run_transform(spec(h5, **kw)))
    assert snapshot(h5) == before


def test_the_issue_message_without_reading_any_data(tmp_path):
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("images", shape=(60000, 28, 28), dtype="u1")  # never written: nothing to read
    with pytest.raises(BadRequestError, match=r"^cannot reshape 47040000 elements into 60,000 x 28 x 29 x 1$"):
        T.plan_transform(T.TransformSpec(str(path), "/images", reshape=(60000, 28, 29, 1)))


def test_sources_that_are_not_numbers(tmp_path):
    path = tmp_path / "kinds.h5"
    with h5py.File(path, "w") as f:
        f["s"] = np.array(["a", "b"], dtype=h5py.string_dtype())
        f["c"] = np.ones(3, dtype="c8")
        f["cmp"] = np.zeros(2, dtype=[("x", "f4")])
        f["e"] = h5py.Empty("f4")
    for name, words in [("s", "vlen utf-8 string"), ("c", "complex"), ("cmp", "compound"), ("e", "no dataspace")]:
        with pytest.raises(BadRequestError, match=words):
            T.plan_transform(T.TransformSpec(str(path), f"/{name}"))
    with pytest.raises(NodeNotFoundError):
        T.plan_transform(T.TransformSpec(str(path), "/missing"))


# ---------------------------------------------------------------------------------------------
# cancel and errors leave the file as it was


def test_cancel_after_some_progress_removes_the_partial_output(h5, tiny_blocks):
    before = snapshot(h5)
    job = T.run_transform(spec(h5, dest="/g/new", dtype="float32"))
    for _ in range(4):
        next(job)
    with h5py.File(h5, "r", locking=False) as f:  # the journaled job holds the lock
        assert any(".h5gui-partial-" in n for n in f["g"]), "the output is being written under a temporary name"
    job.close()
    assert snapshot(h5) == before


def test_cancel_a_replace_during_the_statistics_and_the_write(h5, tiny_blocks):
    before = snapshot(h5)
    for steps in (2, 9):  # first in the statistics pass, then in the writing pass
        job = T.run_transform(spec(h5, replace=True, normalize="zscore", dtype="float32"))
        for _ in range(steps):
            next(job)
        job.close()
        assert snapshot(h5) == before


def test_cancel_through_progress_run(h5, tiny_blocks):
    from h5gui.core.errors import CancelledError

    before = snapshot(h5)
    seen = []
    with pytest.raises(CancelledError):
        run(T.run_transform(spec(h5, replace=True)), seen.append, should_stop=lambda: len(seen) >= 3)
    assert snapshot(h5) == before


def test_refused_overflow_in_the_last_block_leaves_the_source_intact(h5, tiny_blocks):
    with h5py.File(h5, "a") as f:
        f["/g/img"][-1, -1, -1] = 300  # the very last value
    before = snapshot(h5)
    with pytest.raises(BadRequestError, match=r"1 value of /g/img do not fit in uint8 \(0\.\.255\); the first is 300 "
                                              r"at \[1, 4, 5\]"):
        run(T.run_transform(spec(h5, replace=True, dtype="uint8", overflow="refuse")))
    assert snapshot(h5) == before


def test_an_error_mid_way_leaves_the_source_intact(h5, tiny_blocks, monkeypatch):
    before = snapshot(h5)
    calls = []
    real = Numerics.apply

    def flaky(self, *a, **kw):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("disk on fire")
        return real(self, *a, **kw)

    monkeypatch.setattr(Numerics, "apply", flaky)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(T.run_transform(spec(h5, replace=True, dtype="float64")))
    assert snapshot(h5) == before


def test_a_failing_move_into_place_is_undone(h5, monkeypatch):
    before = snapshot(h5)
    real = h5py.Group.move

    def move(self, source, dest):
        if ".h5gui-partial-" in source:
            raise OSError("move failed")
        return real(self, source, dest)

    monkeypatch.setattr(h5py.Group, "move", move)
    with pytest.raises(OSError, match="move failed"):
        run(T.run_transform(spec(h5, replace=True, dtype="float64")))
    assert snapshot(h5) == before
    with pytest.raises(OSError, match="move failed"):
        run(T.run_transform(spec(h5, dest="/g/new")))
    assert snapshot(h5) == before


def test_replace_in_place(h5, tiny_blocks):
    with h5py.File(h5, "r") as f:
        x = f["/g/img"][()]
    report = run(T.run_transform(spec(h5, replace=True, add_axis=-1, dtype="float32", normalize="scale", scale=2)))
    assert report.dest == "/g/img"
    with h5py.File(h5, "r") as f:
        assert list(f["g"]) == ["other", "img"]  # no leftovers (the new one was moved in last)
        d = f["/g/img"]
        np.testing.assert_array_equal(d[()], (x[..., None] / 2).astype(np.float32))
        assert d.attrs["unit"] == "counts" and d.attrs["scale"] == 2.0 and d.attrs["h5gui_source"] == "/g/img"
        np.testing.assert_array_equal(d.attrs["pixel"], [3.45, 3.45])


def test_replace_through_a_soft_link_replaces_the_target(h5):
    with h5py.File(h5, "a") as f:
        f["link"] = h5py.SoftLink("/g/img")
    report = run(T.run_transform(spec(h5, source="/link", replace=True, dtype="float32")))
    assert report.dest == "/g/img"
    with h5py.File(h5, "r") as f:
        assert f["/g/img"].dtype == np.float32 and f["/link"].dtype == np.float32


# ---------------------------------------------------------------------------------------------
# attributes: source's, provenance, image, dimension scales


def test_image_attributes_follow_the_channel_axis(tmp_path):
    from h5gui.core.h5.images import write_image_attrs

    path = tmp_path / "img.h5"
    with h5py.File(path, "w") as f:
        rgb = f.create_dataset("rgb", data=np.zeros((4, 8, 9, 3), dtype=np.uint8))
        write_image_attrs(rgb, colour=True)
        rgb.attrs["IMAGE_MINMAXRANGE"] = np.array([0, 255], dtype=np.uint8)
        gray = f.create_dataset("gray", data=np.zeros((4, 8, 9), dtype=np.uint8))
        write_image_attrs(gray, colour=False)
    file = str(path)
    run(T.run_transform(T.TransformSpec(file, "/rgb", dest="/planes", move_axis=(-1, 1))))
    run(T.run_transform(T.TransformSpec(file, "/rgb", dest="/f", dtype="float32", normalize="scale", scale=255)))
    plan = T.plan_transform(T.TransformSpec(file, "/gray", add_axis=-1))
    assert any("image attributes are dropped" in w for w in plan.warnings)
    run(T.run_transform(T.TransformSpec(file, "/gray", dest="/gray4", add_axis=-1)))
    run(T.run_transform(T.TransformSpec(file, "/gray", dest="/stack", reshape=(2, 2, 8, 9))))
    with h5py.File(path, "r") as f:
        planes = f["planes"].attrs
        assert planes["CLASS"] == b"IMAGE" and planes["INTERLACE_MODE"] == b"INTERLACE_PLANE"
        assert planes["IMAGE_SUBCLASS"] == b"IMAGE_TRUECOLOR"
        assert list(planes["IMAGE_MINMAXRANGE"]) == [0, 255]  # values unchanged
        assert f["f"].attrs["INTERLACE_MODE"] == b"INTERLACE_PIXEL" and "IMAGE_MINMAXRANGE" not in f["f"].attrs
        assert "CLASS" not in f["gray4"].attrs and "IMAGE_SUBCLASS" not in f["gray4"].attrs
        assert f["stack"].attrs["CLASS"] == b"IMAGE"  # the frames are the same


def test_dimension_scales_and_labels_where_they_still_apply(tmp_path):
    path = tmp_path / "dims.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("d", data=np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6))
        f["t"] = np.arange(4.0)
        f["x"] = np.arange(6.0)
        f["t"].make_scale("time")
        f["x"].make_scale("x")
        d.dims[0].attach_scale(f["t"])
        d.dims[2].attach_scale(f["x"])
        d.dims[0].label = "t"
        d.dims[1].label = "y"
        d.dims[2].label = "x"
    file = str(path)
    run(T.run_transform(T.TransformSpec(file, "/d", dest="/c", add_axis=-1)))
    plan = T.plan_transform(T.TransformSpec(file, "/d", reshape=(20, 6)))
    assert any("source axes 0, 1" in w for w in plan.warnings)
    run(T.run_transform(T.TransformSpec(file, "/d", dest="/flat", reshape=(20, 6))))
    run(T.run_transform(T.TransformSpec(file, "/d", dest="/moved", move_axis=(-1, 0))))
    run(T.run_transform(T.TransformSpec(file, "/d", replace=True, dtype="float64")))
    with h5py.File(path, "r") as f:
        c = f["c"]
        assert [c.dims[i].label for i in range(4)] == ["t", "y", "x", ""]
        assert c.dims[0][0] == f["t"] and c.dims[2][0] == f["x"] and len(c.dims[1]) == 0
        flat = f["flat"]
        assert flat.dims[1].label == "x" and flat.dims[1][0] == f["x"] and len(flat.dims[0]) == 0
        moved = f["moved"]
        assert moved.dims[0][0] == f["x"] and moved.dims[1][0] == f["t"] and moved.dims[0].label == "x"
        d = f["d"]
        assert d.dtype == np.float64 and d.dims[0][0] == f["t"] and d.dims[2].label == "x"
        # each scale is referenced by exactly the datasets that use it: the old /d was detached
        assert len(f["t"].attrs["REFERENCE_LIST"]) == 3  # c, moved, the new d
        assert len(f["x"].attrs["REFERENCE_LIST"]) == 4  # c, flat, moved, the new d
    with pytest.raises(BadRequestError, match="is a dimension scale of other datasets"):
        T.plan_transform(T.TransformSpec(file, "/t", replace=True))


def test_provenance_and_per_channel_statistics_attributes(tmp_path):
    path = tmp_path / "p.h5"
    x = np.random.default_rng(0).normal(size=(10, 4, 4, 3))
    with h5py.File(path, "w") as f:
        f["rgb"] = x
        f["rgb"].attrs["scale"] = 99.0  # a previous normalization: superseded
    report = run(T.run_transform(T.TransformSpec(str(path), "/rgb", normalize="minmax", per_channel=True)))
    steps = T.plan_transform(T.TransformSpec(str(path), "/rgb", dest="/other", normalize="minmax", per_channel=True)).steps
    with h5py.File(path, "r") as f:
        a = f[report.dest].attrs
        assert report.dest == "/rgb_norm"
        assert a["normalization"] == "minmax" and a["channel_axis"] == 3
        np.testing.assert_array_equal(a["offset"], x.min(axis=(0, 1, 2)))
        np.testing.assert_allclose(a["scale"], np.ptp(x, axis=(0, 1, 2)))
        assert a["h5gui_date"].endswith("Z") and a["h5gui_source"] == "/rgb"
        assert len(a["h5gui_operations"]) == len(steps)


# ---------------------------------------------------------------------------------------------
# the GUI's handle pool


def test_with_a_pool_the_file_must_be_made_writable_first(h5):
    pool = files.HandlePool()
    try:
        with files.pool_scope(pool):
            assert T.plan_transform(spec(h5, dtype="float32")).dest == "/g/img_f32"  # reading is fine
            with pytest.raises(ReadOnlyError, match="enable editing first"):
                run(T.run_transform(spec(h5, dtype="float32")))
            files.enable_editing(h5)
            report = run(T.run_transform(spec(h5, dtype="float32")))
            assert report.dest == "/g/img_f32"
            job = T.run_transform(spec(h5, dest="/g/cancelled"))
            next(job)
            job.close()
    finally:
        pool.close_all()
    with h5py.File(h5, "r") as f:
        assert list(f["g"]) == ["img", "other", "img_f32"]


def test_not_enough_disk_space_is_refused_before_writing(h5, monkeypatch):
    import collections

    before = snapshot(h5)
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 100, 100))
    with pytest.raises(BadRequestError, match=r"not enough disk space: the output needs 480 bytes, \d+ bytes are free"):
        run(T.run_transform(spec(h5, dtype="float64")))
    assert snapshot(h5) == before
    run(T.run_transform(spec(h5, dtype="float64", compression="gzip")))  # compressed: cannot be known, not refused

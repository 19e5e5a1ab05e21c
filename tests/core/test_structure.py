"""Structure edits on real files, read back with h5py: create, rename/move, copy (within and across
files), delete, compact; refusals (read-only pool, existing targets, bad paths); cancel cleans up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from h5gui.core import nodes, progress, structure
from h5gui.core.attrs import read_raw as _read_raw
from h5gui.core.errors import (
    BadRequestError,
    CancelledError,
    DanglingLinkError,
    ExternalLinkError,
    FileAccessError,
    NodeNotFoundError,
    ReadOnlyError,
)
from h5gui.core.h5 import files

# ---------------------------------------------------------------------------------------------
# helpers


def one_line(exc: BaseException, *words: str) -> str:
    text = str(exc)
    assert "\n" not in text and text
    for w in words:
        assert w in text, text
    return text


def no_temp_left(path: Path) -> None:
    with h5py.File(path, "r") as f:
        names: list[str] = []
        f.id.links.visit(lambda n: names.append(n.decode()))
        assert not [n for n in names if structure.TEMP_PREFIX in n], names


def _paths_by_object(f: h5py.File) -> dict[int, list[str]]:
    """Object address -> every hard path to it (reachable without following soft/external links)."""
    out: dict[int, list[str]] = {h5py.h5o.get_info(f.id).addr: ["/"]}
    seen = {h5py.h5o.get_info(f.id).addr}

    def walk(gid: h5py.h5g.GroupID, base: str) -> None:
        names: list[tuple[bytes, int]] = []
        gid.links.iterate(lambda n, i: names.append((n, i.type)), info=True)
        for raw, t in names:
            if t != h5py.h5l.TYPE_HARD:
                continue
            p = base.rstrip("/") + "/" + raw.decode()
            info = h5py.h5o.get_info(gid, raw)
            out.setdefault(info.addr, []).append(p)
            if info.type == h5py.h5o.TYPE_GROUP and info.addr not in seen:
                seen.add(info.addr)
                walk(h5py.h5o.open(gid, raw), p)

    walk(f.id if isinstance(f.id, h5py.h5g.GroupID) else h5py.h5o.open(f.id, b"/"), "/")
    return out


def _ref_text(f: h5py.File, r: h5py.Reference, by_addr: dict[int, list[str]]) -> object:
    if not r:
        return None
    oid = h5py.h5r.dereference(r, f.id)
    key = tuple(sorted(by_addr.get(h5py.h5o.get_info(oid).addr, ["?"])))
    if isinstance(r, h5py.RegionReference):
        sel = h5py.h5r.get_region(r, f.id)
        return key, tuple(map(tuple, sel.get_select_bounds()))
    return key


def _value(f: h5py.File, v: object, by_addr: dict[int, list[str]]) -> object:
    """A comparable form of a value: references by the paths of their targets, arrays as bytes/lists."""
    if isinstance(v, h5py.Reference):
        return _ref_text(f, v, by_addr)
    if isinstance(v, h5py.Empty):
        return ("empty", str(v.dtype))
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "O" or (v.dtype.names and any(v.dtype.fields[n][0].kind == "O" for n in v.dtype.names)):
            if v.dtype.names:
                return [tuple(_value(f, rec[n], by_addr) for n in v.dtype.names) for rec in v.reshape(-1)]
            return [_value(f, x, by_addr) for x in v.reshape(-1)], v.shape
        return v.dtype.str, v.shape, v.tobytes()
    if isinstance(v, bytes):
        return v
    return repr(v)


def _attr_list(oid) -> list[bytes]:
    names: list[bytes] = []
    h5py.h5a.iterate(oid, lambda n, *_: names.append(n))
    return names


def _link_list(gid) -> list[tuple[bytes, int]]:
    infos: list[tuple[bytes, int]] = []
    gid.links.iterate(lambda n, i: infos.append((n, i.type)), info=True)
    return infos


def _chunk_list(dsid) -> list[tuple[int, ...]]:
    chunks: list[tuple[int, ...]] = []
    dsid.chunk_iter(lambda si: chunks.append(si.chunk_offset))
    return sorted(chunks)


def snapshot(path: Path) -> dict[str, object]:
    """Everything compact must keep: every link, object kind, creation properties that matter, chunk
    shapes, filters, fill values, every attribute (type and value) and every bit of data."""
    out: dict[str, object] = {}
    with h5py.File(path, "r", locking=False) as f:
        by_addr = _paths_by_object(f)
        out["hardlinks"] = sorted(tuple(sorted(v)) for v in by_addr.values())
        for paths in by_addr.values():
            p = sorted(paths)[0]
            oid = h5py.h5o.open(f.id, p.encode()) if p != "/" else h5py.h5o.open(f.id, b"/")
            entry: dict[str, object] = {"kind": type(oid).__name__}
            attrs = {}
            for n in _attr_list(oid):
                raw = _read_raw(oid, n.decode(), str(path))
                attrs[n.decode()] = (raw.h5type, _value(f, raw.value, by_addr))
            entry["attrs"] = attrs
            if isinstance(oid, h5py.h5g.GroupID):
                entry["crt_order"] = oid.get_create_plist().get_link_creation_order()
                links = {}
                for raw_name, t in _link_list(oid):
                    if t == h5py.h5l.TYPE_SOFT:
                        links[raw_name] = ("soft", oid.links.get_val(raw_name))
                    elif t == h5py.h5l.TYPE_EXTERNAL:
                        links[raw_name] = ("external", oid.links.get_val(raw_name))
                    else:
                        links[raw_name] = ("hard",)
                entry["links"] = links
            elif isinstance(oid, h5py.h5d.DatasetID):
                dcpl = oid.get_create_plist()
                entry["type"] = oid.get_type().encode()
                entry["shape"] = (oid.shape, h5py.Dataset(oid).maxshape)
                entry["layout"] = dcpl.get_layout()
                entry["filters"] = [dcpl.get_filter(i)[:3] for i in range(dcpl.get_nfilters())]
                entry["external"] = [dcpl.get_external(i) for i in range(dcpl.get_external_count())]
                if dcpl.get_layout() == h5py.h5d.CHUNKED:
                    entry["chunks"] = dcpl.get_chunk()
                    entry["raw_chunks"] = [(c, oid.read_direct_chunk(c)) for c in _chunk_list(oid)]
                elif dcpl.get_layout() in (h5py.h5d.CONTIGUOUS, h5py.h5d.COMPACT) and not dcpl.get_external_count():
                    ds = h5py.Dataset(oid)
                    try:
                        entry["data"] = _value(f, ds[()], by_addr)
                    except Exception as exc:  # types h5py cannot read: storage size at least
                        entry["data"] = ("unreadable", type(exc).__name__, oid.get_storage_size())
                if dcpl.get_layout() == h5py.h5d.VIRTUAL:
                    entry["virtual"] = [(dcpl.get_virtual_filename(i), dcpl.get_virtual_dsetname(i))
                                        for i in range(dcpl.get_virtual_count())]
            elif isinstance(oid, h5py.h5t.TypeID):
                entry["type"] = oid.encode()
            out[p] = entry
    return out


def copy_tree(sample, tmp_path: Path) -> Path:
    """A writable copy of the sample's data folder (sample.h5 links to other.h5 beside it)."""
    dst = tmp_path / "data"
    shutil.copytree(sample.h5.parent, dst)
    for p in dst.iterdir():
        os.chmod(p, 0o644)
    return dst


@pytest.fixture
def h5(tmp_path: Path) -> Path:
    p = tmp_path / "t.h5"
    with h5py.File(p, "w", track_order=True) as f:
        g = f.create_group("g", track_order=True)
        g["values"] = np.arange(10)
        g.attrs["unit"] = "m"
        f.create_group("other")
        f["soft"] = h5py.SoftLink("/g/values")
        f["ext"] = h5py.ExternalLink("elsewhere.h5", "/x")
    return p


def rich_group(f: h5py.File, name: str = "grp") -> h5py.Group:
    """A chunked, compressed, attribute-rich group with links, scales, references, strings."""
    rng = np.random.default_rng(1)
    g = f.create_group(name, track_order=True)
    g.attrs["title"] = "rich"
    g.attrs["ints"] = np.arange(5, dtype=">i2")
    g.attrs.create("fixed", np.bytes_("abc"), dtype="S8")
    g.attrs["flt"] = np.float32(0.5)
    big = g.create_dataset("big", data=rng.random((300, 200)), chunks=(50, 40), compression="gzip",
                           compression_opts=7, shuffle=True, fletcher32=True, fillvalue=-1.0, maxshape=(None, 200))
    big.attrs["unit"] = "K"
    g.create_dataset("lzf", data=rng.integers(0, 1000, (400, 300)).astype("u2"), chunks=(100, 100),
                     compression="lzf")
    g.create_dataset("contig", data=np.arange(200_000, dtype=">i4").reshape(2000, 100))
    g.create_dataset("sparse", shape=(1000, 1000), dtype="f4", chunks=(100, 100), fillvalue=7)
    g["sparse"][0:100, 0:100] = 1.0
    x = g.create_dataset("x", data=np.arange(300.0))
    x.make_scale("x axis")
    big.dims[0].attach_scale(x)
    g["names"] = np.array(["alpha", "bêta", ""], dtype=h5py.string_dtype())
    g["refs"] = np.array([big.ref, x.ref, f["/"].ref], dtype=h5py.ref_dtype)
    g["region"] = np.array([big.regionref[1:3, 5:9]], dtype=h5py.regionref_dtype)
    g["link"] = h5py.SoftLink(f"/{name}/big")
    g["rel"] = h5py.SoftLink("x")
    g["ext"] = h5py.ExternalLink("far.h5", "/somewhere")
    g["again"] = x  # second hard link
    sub = g.create_group("sub")
    sub["up"] = g  # a cycle of hard links
    sub["scalar"] = np.float64(3.25)
    return g


# ---------------------------------------------------------------------------------------------
# create


def test_create_group_with_parents_and_refusals(h5):
    row = structure.create_group(str(h5), "/a/b/c", parents=True)
    assert row.path == "/a/b/c" and row.kind == nodes.GROUP
    with h5py.File(h5) as f:
        assert isinstance(f["a/b/c"], h5py.Group)
        assert f["a/b"].id.get_create_plist().get_link_creation_order() & h5py.h5p.CRT_ORDER_TRACKED
    with pytest.raises(BadRequestError) as e:
        structure.create_group(str(h5), "/a/b")
    one_line(e.value, "/a/b", "already exists", str(h5))
    with pytest.raises(BadRequestError):
        structure.create_group(str(h5), "/soft")  # a link name counts as taken
    with pytest.raises(NodeNotFoundError) as e:
        structure.create_group(str(h5), "/missing/x")
    one_line(e.value, "/missing")
    with pytest.raises(BadRequestError) as e:
        structure.create_group(str(h5), "/g/values/x", parents=True)
    one_line(e.value, "not a group")
    with pytest.raises(ExternalLinkError):
        structure.create_group(str(h5), "/ext/x", parents=True)
    with pytest.raises(BadRequestError):
        structure.create_group(str(h5), "/")
    with pytest.raises(BadRequestError):
        structure.create_group(str(h5), "/a/../b")
    # through a soft link to a group: created in the group it points to
    structure.create_soft_link(str(h5), "/to_g", "/g")
    structure.create_group(str(h5), "/to_g/inside")
    with h5py.File(h5) as f:
        assert "inside" in f["g"]
    no_temp_left(h5)


def test_read_only_pool_refuses_every_edit(h5):
    pool = files.HandlePool()
    try:
        with files.pool_scope(pool):
            for call in (
                lambda: structure.create_group(str(h5), "/new"),
                lambda: structure.create_dataset(str(h5), "/d", shape=(3,)),
                lambda: structure.create_soft_link(str(h5), "/l", "/g"),
                lambda: structure.move(str(h5), "/g", "/h"),
                lambda: structure.delete(str(h5), "/g"),
                lambda: progress.run(structure.copy(str(h5), "/g", str(h5), "/copy")),
                lambda: progress.run(structure.compact(str(h5))),
            ):
                with pytest.raises(ReadOnlyError) as e:
                    call()
                one_line(e.value, "read-only", "enable editing")
            files.enable_editing(str(h5))
            structure.create_group(str(h5), "/new")
            structure.delete(str(h5), "/other")
    finally:
        pool.close_all()
    with h5py.File(h5) as f:
        assert "new" in f and "other" not in f


def test_create_dataset_options_and_data(h5):
    row = structure.create_dataset(str(h5), "/d/zeros", shape=(100, 60), dtype="uint16", chunks=(10, 60),
                                   compression="gzip", compression_opts=5, fillvalue=7, maxshape=(None, 60),
                                   parents=True)
    assert row.shape == (100, 60) and row.dtype
    structure.create_dataset(str(h5), "/d/data", data=np.arange(12).reshape(3, 4), dtype=None)
    structure.create_dataset(str(h5), "/d/text", data=["a", "bé"], dtype=None)
    structure.create_dataset(str(h5), "/d/strings", shape=(2,), dtype="string")
    with h5py.File(h5) as f:
        z = f["d/zeros"]
        assert z.dtype == np.uint16 and z.chunks == (10, 60) and z.compression == "gzip"
        assert z.compression_opts == 5 and z.shuffle and z.fillvalue == 7 and z.maxshape == (None, 60)
        assert (z[()] == 7).all()
        assert np.array_equal(f["d/data"][()], np.arange(12).reshape(3, 4))
        assert list(f["d/text"].asstr()[()]) == ["a", "bé"]
    with pytest.raises(BadRequestError) as e:
        structure.create_dataset(str(h5), "/d/zeros", shape=(1,))
    one_line(e.value, "already exists")
    with pytest.raises(BadRequestError) as e:
        structure.create_dataset(str(h5), "/d/bad", shape=(4,), chunks=(2, 2))
    one_line(e.value, "chunks")
    with pytest.raises(BadRequestError):
        structure.create_dataset(str(h5), "/d/bad", shape=(4,), compression="rar")
    with pytest.raises(BadRequestError):
        structure.create_dataset(str(h5), "/d/bad", shape=(4,), dtype="nonsense")
    with pytest.raises(BadRequestError) as e:  # HDF5 refuses: chunks larger than a fixed shape
        structure.create_dataset(str(h5), "/d/bad", shape=(4,), chunks=(8,))
    one_line(e.value, "/d/bad")
    no_temp_left(h5)


def test_create_dataset_from_npy_npz_csv(h5, tmp_path):
    a = np.arange(20, dtype="f4").reshape(5, 4)
    np.save(tmp_path / "a.npy", a)
    np.savez(tmp_path / "z.npz", first=a, second=a * 2)
    (tmp_path / "t.csv").write_text("x,y\n1,2.5\n3,4\n")
    progress.run(structure.create_dataset_from_file(str(h5), "/npy", tmp_path / "a.npy", chunks=(1, 4),
                                                    compression="gzip"))
    progress.run(structure.create_dataset_from_file(str(h5), "/npz", tmp_path / "z.npz", key="second"))
    progress.run(structure.create_dataset_from_file(str(h5), "/csv", tmp_path / "t.csv"))
    with h5py.File(h5) as f:
        assert np.array_equal(f["npy"][()], a) and f["npy"].chunks == (1, 4)
        assert np.array_equal(f["npz"][()], a * 2)
        assert np.array_equal(f["csv"][()], [[1, 2.5], [3, 4]])
    with pytest.raises(BadRequestError) as e:
        progress.run(structure.create_dataset_from_file(str(h5), "/npz2", tmp_path / "z.npz"))
    one_line(e.value, "2 arrays", "first")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(BadRequestError):
        progress.run(structure.create_dataset_from_file(str(h5), "/obj", tmp_path / "obj.npy"))
    with pytest.raises(FileAccessError):
        progress.run(structure.create_dataset_from_file(str(h5), "/none", tmp_path / "missing.npy"))
    no_temp_left(h5)


def test_links(h5):
    row = structure.create_soft_link(str(h5), "/links/to_values", "/g/values", parents=True)
    assert row.kind == nodes.SOFT_LINK and row.target_kind == nodes.DATASET
    row = structure.create_soft_link(str(h5), "/links/dangling", "/nothing")
    assert row.kind == nodes.DANGLING_LINK
    row = structure.create_external_link(str(h5), "/links/ext", "other.h5", "/grp")
    assert row.kind in (nodes.EXTERNAL_LINK, nodes.DANGLING_LINK) and row.link_file == "other.h5"
    with h5py.File(h5) as f:
        assert f.get("links/to_values", getlink=True).path == "/g/values"
        link = f.get("links/ext", getlink=True)
        assert (link.filename, link.path) == ("other.h5", "/grp")
    with pytest.raises(BadRequestError):
        structure.create_soft_link(str(h5), "/links/ext", "/g")
    with pytest.raises(BadRequestError):
        structure.create_soft_link(str(h5), "/links/empty", "")


# ---------------------------------------------------------------------------------------------
# rename, move


def test_rename_and_move(h5):
    assert structure.rename(str(h5), "/g/values", "v").path == "/g/v"
    assert structure.move(str(h5), "/g", "/other/").path == "/other/g"  # trailing slash: into
    assert structure.move(str(h5), "/soft", "/other/deep/soft", parents=True).path == "/other/deep/soft"
    with h5py.File(h5) as f:
        assert np.array_equal(f["other/g/v"][()], np.arange(10))
        assert f["other/g"].attrs["unit"] == "m"
        assert f.get("other/deep/soft", getlink=True).path == "/g/values"  # a link moves as a link
        assert "g" not in f
    with pytest.raises(BadRequestError) as e:
        structure.move(str(h5), "/other/g", "/other/deep")
    one_line(e.value, "already exists")
    with pytest.raises(BadRequestError) as e:
        structure.move(str(h5), "/other", "/other/g/inside")
    one_line(e.value, "into itself")
    with pytest.raises(NodeNotFoundError):
        structure.move(str(h5), "/nope", "/x")
    with pytest.raises(BadRequestError):
        structure.rename(str(h5), "/other/g", "a/b")
    with pytest.raises(BadRequestError):
        structure.move(str(h5), "/", "/x")
    # a group reachable under another name (a second hard link) cannot go inside itself either
    with h5py.File(h5, "r+") as f:
        f["alias"] = f["other/g"]
    with pytest.raises(BadRequestError):
        structure.move(str(h5), "/other/g", "/alias/g2")


# ---------------------------------------------------------------------------------------------
# copy


@pytest.fixture
def small_big(monkeypatch):
    """Make 'big' datasets small so that the chunk-by-chunk and block copies run in the tests."""
    monkeypatch.setattr(structure, "BIG_COPY_BYTES", 20_000)
    monkeypatch.setattr(structure, "BLOCK_BYTES", 64 * 1024)
    monkeypatch.setattr(structure, "YIELD_BYTES", 32 * 1024)


@pytest.mark.parametrize("big", [False, True], ids=["h5ocopy", "piecewise"])
def test_copy_across_files_keeps_everything(tmp_path, monkeypatch, big):
    if big:
        monkeypatch.setattr(structure, "BIG_COPY_BYTES", 20_000)
        monkeypatch.setattr(structure, "BLOCK_BYTES", 64 * 1024)
    src, dst = tmp_path / "src.h5", tmp_path / "dst.h5"
    with h5py.File(src, "w", track_order=True) as f:
        rich_group(f)
    with h5py.File(dst, "w") as f:
        f.create_group("target")
    seen: list[progress.Progress] = []
    report = progress.run(structure.copy(str(src), "/grp", str(dst), "/target/copy"), on_progress=seen.append)
    assert report.dest_path == "/target/copy" and report.groups == 2 and report.datasets == 9
    assert report.links == 5  # link, rel, ext, again, sub/up
    assert report.cleared_refs == 1  # the reference to the source's root, which was not copied
    assert seen and seen[-1].fraction == 1.0 and seen[-1].nbytes == report.nbytes > 0
    no_temp_left(dst)
    with h5py.File(src) as s, h5py.File(dst) as d:
        a, b = s["grp"], d["target/copy"]
        assert list(a) == list(b)  # creation order kept
        assert b.id.get_create_plist().get_link_creation_order() == a.id.get_create_plist().get_link_creation_order()
        for name in ("title", "ints", "fixed", "flt"):
            assert _read_raw(b.id, name, "").h5type == _read_raw(a.id, name, "").h5type
            assert np.array_equal(b.attrs[name], a.attrs[name])
        for name in ("big", "lzf", "sparse"):
            x, y = a[name], b[name]
            assert (y.chunks, y.compression, y.compression_opts, y.shuffle, y.fletcher32, y.fillvalue,
                    y.maxshape, y.dtype) == (x.chunks, x.compression, x.compression_opts, x.shuffle,
                                             x.fletcher32, x.fillvalue, x.maxshape, x.dtype)
            assert y.id.get_num_chunks() == x.id.get_num_chunks()  # unwritten chunks stay unwritten
            assert np.array_equal(y[()], x[()])
            assert y.id.read_direct_chunk((0,) * x.ndim) == x.id.read_direct_chunk((0,) * x.ndim)  # bit-exact
        assert b["big"].attrs["unit"] == "K"
        assert b["contig"].dtype == np.dtype(">i4") and np.array_equal(b["contig"][()], a["contig"][()])
        assert list(b["names"].asstr()[()]) == ["alpha", "bêta", ""]
        assert b.get("link", getlink=True).path == "/grp/big"  # soft links keep their text
        assert b.get("rel", getlink=True).path == "x"
        ext = b.get("ext", getlink=True)
        assert (ext.filename, ext.path) == ("far.h5", "/somewhere")
        assert b["again"] == b["x"] and b["sub/up"] == b  # hard links and the cycle kept
        assert b["sub/scalar"][()] == 3.25
        # dimension scales and references point into the copy
        assert b["big"].dims[0][0] == b["x"]
        assert h5py.h5ds.is_scale(b["x"].id)
        refs = b["refs"][()]
        assert d[refs[0]] == b["big"] and d[refs[1]] == b["x"] and not refs[2]
        region = b["region"][0]
        assert d[region] == b["big"] and np.array_equal(d[region][region], a["big"][1:3, 5:9])


def test_copy_within_file(h5, small_big):
    with h5py.File(h5, "r+") as f:
        rich_group(f)
    report = progress.run(structure.copy(str(h5), "/grp", str(h5), "/grp_copy"))
    assert report.cleared_refs == 0  # within a file, references outside the copy stay
    with h5py.File(h5) as f:
        a, b = f["grp"], f["grp_copy"]
        assert np.array_equal(a["big"][()], b["big"][()]) and b["big"].chunks == a["big"].chunks
        assert b["big"].dims[0][0] == b["x"]  # the copy's scale, not the original's
        refs = b["refs"][()]
        assert f[refs[0]] == b["big"] and f[refs[2]] == f["/"]
        assert b["sub/up"] == b and b["sub/up"] != a
    # into an existing group with a trailing slash; a soft link as the source copies its target
    progress.run(structure.copy(str(h5), "/soft", str(h5), "/other/"))
    with h5py.File(h5) as f:
        assert isinstance(f.get("other/soft", getlink=True), h5py.HardLink)
        assert np.array_equal(f["other/soft"][()], np.arange(10))
    no_temp_left(h5)


def test_copy_refusals(h5, tmp_path):
    with pytest.raises(BadRequestError) as e:
        progress.run(structure.copy(str(h5), "/g", str(h5), "/other"))
    one_line(e.value, "/other", "already exists")
    with pytest.raises(BadRequestError) as e:
        progress.run(structure.copy(str(h5), "/g", str(h5), "/g/inside"))
    one_line(e.value, "into itself")
    with h5py.File(h5, "r+") as f:
        f["alias"] = f["g"]
    with pytest.raises(BadRequestError):
        progress.run(structure.copy(str(h5), "/g", str(h5), "/alias/inside"))
    with pytest.raises(ExternalLinkError) as e:
        progress.run(structure.copy(str(h5), "/ext", str(h5), "/copy"))
    one_line(e.value, "external link", "elsewhere.h5")
    with pytest.raises(NodeNotFoundError):
        progress.run(structure.copy(str(h5), "/missing", str(h5), "/copy"))
    with pytest.raises(FileAccessError):
        progress.run(structure.copy(str(h5), "/g", str(tmp_path / "none.h5"), "/copy"))
    with h5py.File(h5, "r+") as f:
        f["dangling"] = h5py.SoftLink("/nowhere")
    with pytest.raises(DanglingLinkError):
        progress.run(structure.copy(str(h5), "/dangling", str(h5), "/copy"))
    no_temp_left(h5)


def test_cancelled_copy_leaves_nothing(tmp_path, small_big):
    src, dst = tmp_path / "src.h5", tmp_path / "dst.h5"
    with h5py.File(src, "w", track_order=True) as f:
        rich_group(f)
    with h5py.File(dst, "w") as f:
        f["keep"] = np.arange(3)
    checks = {"n": 0}

    def stop() -> bool:  # the job runner's cancel flag, set mid-copy
        checks["n"] += 1
        return checks["n"] == 6

    with pytest.raises(CancelledError):
        progress.run(structure.copy(str(src), "/grp", str(dst), "/copy"), should_stop=stop)
    assert checks["n"] == 6
    with h5py.File(dst) as f:
        assert list(f) == ["keep"]
    no_temp_left(dst)


def test_copy_error_midway_removes_partial(tmp_path, small_big, monkeypatch):
    src, dst = tmp_path / "src.h5", tmp_path / "dst.h5"
    with h5py.File(src, "w", track_order=True) as f:
        rich_group(f)
    with h5py.File(dst, "w") as f:
        f["keep"] = np.arange(3)
    calls = {"n": 0}
    real = structure._Copier._blocks

    def failing(self, *a):
        calls["n"] += 1
        yield from real(self, *a)
        raise OSError("disk full")

    monkeypatch.setattr(structure._Copier, "_blocks", failing)
    with pytest.raises(Exception) as e:
        progress.run(structure.copy(str(src), "/grp", str(dst), "/copy"))
    one_line(e.value, "Cannot copy /grp", "disk full")
    assert calls["n"] == 1
    with h5py.File(dst) as f:
        assert list(f) == ["keep"]


# ---------------------------------------------------------------------------------------------
# delete


def test_delete_info_and_freed_space(tmp_path):
    p = tmp_path / "d.h5"
    with h5py.File(p, "w") as f:
        g = f.create_group("g")
        g.create_dataset("big", data=np.random.default_rng(0).random((500, 500)))
        g.create_dataset("small", data=np.arange(10))
        g.create_group("sub").create_dataset("x", data=np.arange(100))
        f["soft"] = h5py.SoftLink("/g")
        f["twice"] = g["small"]
    info = progress.run(structure.delete_info(str(p), "/g"))
    assert (info.kind, info.objects, info.datasets) == (nodes.GROUP, 4, 3)
    assert info.nbytes >= 500 * 500 * 8 and "Delete group /g (4 objects inside" in info.text
    assert "compact" in info.text
    assert progress.run(structure.delete_info(str(p), "/twice")).other_links == 1
    assert progress.run(structure.delete_info(str(p), "/soft")).kind == nodes.SOFT_LINK
    size = p.stat().st_size
    report = structure.delete(str(p), "/soft")
    assert report.kind == nodes.SOFT_LINK and report.freed == 0
    report = structure.delete(str(p), "/g")
    assert report.kind == nodes.GROUP and report.freed >= 500 * 500 * 8
    assert report.file_size >= size - 4096  # the file does not shrink
    assert "compact" in report.text
    with h5py.File(p) as f:
        assert list(f) == ["twice"] and np.array_equal(f["twice"][()], np.arange(10))
    with pytest.raises(NodeNotFoundError) as e:
        structure.delete(str(p), "/g")
    one_line(e.value, "/g", str(p))
    with pytest.raises(BadRequestError):
        structure.delete(str(p), "/")


# ---------------------------------------------------------------------------------------------
# compact


def test_compact_keeps_every_object_and_bit(sample, tmp_path, small_big):
    data = copy_tree(sample, tmp_path)
    src = data / "sample.h5"
    with h5py.File(src, "r+") as f:
        rich_group(f, "rich")
    before = snapshot(src)
    out = tmp_path / "data" / "compacted.h5"
    report = progress.run(structure.compact(str(src), str(out)))
    assert report.out == str(out) and report.objects > 2000 and not report.warnings
    assert snapshot(out) == before
    assert snapshot(src) == before  # the source is untouched
    with pytest.raises(BadRequestError) as e:
        progress.run(structure.compact(str(src), str(out)))
    one_line(e.value, "exists")


def test_compact_unavailable_filter_and_userblock(sample, tmp_path):
    data = copy_tree(sample, tmp_path)
    before = snapshot(data / "filters.h5")
    progress.run(structure.compact(str(data / "filters.h5")))
    assert snapshot(data / "filters.h5") == before
    ub = tmp_path / "ub.h5"
    with h5py.File(ub, "w", userblock_size=512, libver="latest") as f:
        f.create_dataset("d", data=np.arange(100), chunks=(10,), maxshape=(None,))
    with open(ub, "r+b") as fh:
        fh.write(b"USERBLOCK-CONTENT")
    with h5py.File(ub) as f:
        versions = f.id.get_create_plist().get_version()  # superblock and friends: libver='latest' formats
    progress.run(structure.compact(str(ub)))
    assert ub.read_bytes()[:17] == b"USERBLOCK-CONTENT"
    with h5py.File(ub) as f:
        assert f.userblock_size == 512 and f.id.get_create_plist().get_version() == versions
        assert np.array_equal(f["d"][()], np.arange(100)) and f["d"].maxshape == (None,)


def test_compact_keeps_objects_named_like_temporaries(tmp_path):
    p = tmp_path / "t.h5"
    with h5py.File(p, "w") as f:
        f.create_group(structure.TEMP_PREFIX + "1-abc")["x"] = np.arange(3)  # left by a crash: kept as it is
    before = snapshot(p)
    progress.run(structure.compact(str(p)))
    assert snapshot(p) == before


def test_compact_in_place_reclaims_deleted_space(tmp_path):
    p = tmp_path / "c.h5"
    with h5py.File(p, "w", track_order=True) as f:
        f.create_dataset("big", data=np.random.default_rng(0).random((1000, 500)))
        f.create_dataset("keep", data=np.arange(1000), chunks=(100,), compression="gzip")
        f.attrs["title"] = "kept"
    os.chmod(p, 0o640)
    report = structure.delete(str(p), "/big")
    size = p.stat().st_size
    assert report.freed > 3_000_000 and size > 3_000_000
    report = progress.run(structure.compact(str(p)))
    assert report.out == str(p) and report.size_before == size and report.size_after < 100_000
    assert (p.stat().st_mode & 0o777) == 0o640  # permissions kept
    assert not Path(str(p) + ".partial").exists()
    with h5py.File(p) as f:
        assert list(f) == ["keep"] and f.attrs["title"] == "kept"
        assert f["keep"].compression == "gzip" and np.array_equal(f["keep"][()], np.arange(1000))


def test_compact_cancel_and_pool(tmp_path, small_big):
    p = tmp_path / "c.h5"
    with h5py.File(p, "w", track_order=True) as f:
        rich_group(f)
    before = p.read_bytes()
    job = structure.compact(str(p))
    next(job)
    next(job)
    job.close()  # cancel
    assert p.read_bytes() == before and not Path(str(p) + ".partial").exists()
    # a stale partial file is reported, not overwritten
    Path(str(p) + ".partial").write_bytes(b"x")
    with pytest.raises(FileAccessError) as e:
        progress.run(structure.compact(str(p)))
    one_line(e.value, ".partial", "remove it")
    os.remove(str(p) + ".partial")
    kept = snapshot(p)
    # in the GUI's pool: in place needs edit mode; afterwards the file is writable again
    pool = files.HandlePool()
    try:
        with files.pool_scope(pool):
            with pytest.raises(ReadOnlyError):
                progress.run(structure.compact(str(p)))
            out = tmp_path / "out.h5"
            progress.run(structure.compact(str(p), str(out)))  # to another file: reading is enough
            files.enable_editing(str(p))
            progress.run(structure.compact(str(p)))
            assert files.is_writable(str(p))
            structure.create_group(str(p), "/after")  # the pool's handle is the new file's
    finally:
        pool.close_all()
    with h5py.File(p) as f:
        assert "after" in f and np.array_equal(f["grp/contig"][()], np.arange(200_000).reshape(2000, 100))
    assert snapshot(out) == kept


def test_export_hdf5_group_to_new_file(tmp_path, small_big):
    src = tmp_path / "src.h5"
    with h5py.File(src, "w", track_order=True) as f:
        rich_group(f)
        f["grp/sub"].attrs["note"] = "sub"
    out = tmp_path / "part.h5"
    report = progress.run(structure.export_hdf5(str(src), "/grp/sub", str(out)))
    assert report.dest_path == "/"
    with h5py.File(out) as f:
        assert f.attrs["note"] == "sub" and f["scalar"][()] == 3.25
        assert f["up"].name == "/up" and f["up/big"].shape == (300, 200)  # the cycle's target came along
    out2 = tmp_path / "one.h5"
    progress.run(structure.export_hdf5(str(src), "/grp/big", str(out2)))
    with h5py.File(out2) as f:
        assert list(f) == ["big"] and f["big"].compression == "gzip"
    with pytest.raises(BadRequestError):
        progress.run(structure.export_hdf5(str(src), "/grp", str(out2)))

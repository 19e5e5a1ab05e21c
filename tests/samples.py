"""The sample tree of real HDF5 files every kind of object and every bad input (used by the tests'
``sample`` fixture, and importable as ``from samples import ...``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import h5py
import numpy as np

SECRET_TEXT = "TOP-SECRET: the launch code is 0000"
FAR_SECRET = "FAR-AWAY-SECRET value"
MANY = 2000
UNKNOWN_FILTER = 32767  # an id no library registers (32000-32767 is the range for third-party filters)


@dataclasses.dataclass(frozen=True)
class Sample:
    """Paths of a sample tree made by :func:`make_sample_tree` (every file read-only once made)."""

    root: Path
    h5: Path  # data/sample.h5: the file most tests browse
    other: Path  # data/other.h5: target of links and virtual sources inside the folder
    far: Path  # outside/far.h5: target of links and virtual sources outside the folder
    secret: Path  # secret/secret.txt: read by sample.h5's /external_storage through external raw storage
    filters: Path  # data/filters.h5: a dataset whose filter is not available, and working ones
    not_hdf5: Path
    empty: Path
    truncated: Path
    missing: Path
    secret_text: str = SECRET_TEXT  # content of ``secret``: must never show unless confirmed
    far_secret: str = FAR_SECRET  # content of far.h5:/secret_data: the same
    many: int = MANY  # members of /many


def make_unavailable_filter_file(path: Path) -> None:
    """Write a file whose ``/unknown_filter`` dataset needs filter 32767, which no library provides.

    HDF5 refuses to *create* a dataset with a mandatory filter that is not registered, and an
    optional one is skipped when the chunks are written (the data then reads fine). So we write the
    dataset with gzip and patch the file: the filter pipeline message (version 1, written without
    checksums by the default ``libver``) stores ``id (u16), name length (u16), flags, n values, name``;
    we change gzip's id 1 into 32767 and its name "deflate" into "unknown". The chunks stay
    gzip-compressed, so a reader that honours the message cannot decode them.
    """
    with h5py.File(path, "w", track_order=True) as f:
        f.create_dataset("unknown_filter", data=np.arange(1000, dtype="i4"), chunks=(100,), compression="gzip")
        f.create_dataset("lzf", data=np.arange(1000, dtype="i4"), chunks=(100,), compression="lzf", shuffle=True)
        # An *optional* unavailable filter is accepted at creation and skipped when writing: the
        # dataset lists it (not available) but its data reads.
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((5,))
        dcpl.set_filter(UNKNOWN_FILTER, h5py.h5z.FLAG_OPTIONAL, (7,))
        space = h5py.h5s.create_simple((10,))
        dsid = h5py.h5d.create(f.id, b"optional_missing", h5py.h5t.NATIVE_INT32, space, dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.arange(10, dtype=np.int32))
    raw = bytearray(path.read_bytes())
    assert raw.count(b"deflate\x00") == 1
    at = raw.index(b"deflate\x00")
    assert raw[at - 8 : at - 6] == (1).to_bytes(2, "little"), "unexpected filter pipeline layout"
    raw[at - 8 : at - 6] = UNKNOWN_FILTER.to_bytes(2, "little")
    raw[at : at + 7] = b"unknown"
    path.write_bytes(bytes(raw))


def make_sample_tree(root: Path) -> Sample:
    """Build a folder of real HDF5 files covering every kind of object and every bad input."""
    data, outside, secret_dir = root / "data", root / "outside", root / "secret"
    for d in (data, outside, secret_dir):
        d.mkdir(parents=True, exist_ok=True)
    secret = secret_dir / "secret.txt"
    secret.write_text(SECRET_TEXT)

    other = data / "other.h5"
    with h5py.File(other, "w", track_order=True) as f:
        g = f.create_group("grp")
        g["values"] = np.arange(10, dtype="f8")
        g.attrs["where"] = "other"

    far = outside / "far.h5"
    with h5py.File(far, "w", track_order=True) as f:
        f["secret_data"] = np.array([FAR_SECRET.encode()])
        f["numbers"] = np.arange(10, dtype="i8")
        f.create_group("far_group")["far_member"] = 1

    h5 = data / "sample.h5"
    with h5py.File(h5, "w", track_order=True) as f:
        f.attrs["title"] = "sample file"
        f.attrs["version"] = 3
        d = f.create_group("data", track_order=True)
        d["u8"] = np.arange(64 * 48, dtype="u1").reshape(64, 48)
        d["f64"] = np.linspace(0, 1, 1000)
        d["i16_be"] = np.arange(10, dtype=">i2")
        d["float16"] = np.zeros(4, dtype="f2")
        d["complex"] = np.ones(3, dtype="c8")
        d["bool"] = np.array([True, False, True])
        d["str_vlen"] = np.array(["alpha", "beta", "gämma"], dtype=h5py.string_dtype())
        d["str_fixed"] = np.array([b"abc", b"defghijk"], dtype="S8")
        d["compound"] = np.array(
            [(1.0, 2.0, b"first"), (3.0, 4.0, b"second")],
            dtype=[("x", "f4"), ("y", "f4"), ("name", "S8")],
        )
        enum_dt = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1")
        d.create_dataset("enum", data=np.array([0, 1, 2, 1], dtype="i1"), dtype=enum_dt)
        d.create_dataset("array_dtype", shape=(5,), dtype=np.dtype(("f4", (3,))))
        d.create_dataset("vlen_int", (2,), dtype=h5py.vlen_dtype(np.dtype("i4")))
        d.create_dataset("opaque", data=np.array([b"\x01\x02\x03\x04"] * 2, dtype="V4"))
        d["scalar"] = np.float64(2.5)
        d["empty"] = h5py.Empty("f4")
        d.create_dataset(
            "gzip", data=np.zeros((256, 256), dtype="f4"), chunks=(64, 64), compression="gzip",
            compression_opts=6, shuffle=True,
        )
        d.create_dataset("fill_only", shape=(1000, 1000), dtype="i4", chunks=(100, 100), fillvalue=-1)
        d.create_dataset("resizable", data=np.arange(5), maxshape=(None,), chunks=(5,))
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        d.create_dataset("compact", data=np.arange(4, dtype="u2"), dcpl=dcpl)
        d["u8"].attrs["CLASS"] = np.bytes_("IMAGE")
        d["u8"].attrs["unit"] = "counts"
        d["refs"] = np.array([d["u8"].ref, d["f64"].ref], dtype=h5py.ref_dtype)
        space = h5py.h5s.create_simple((4,))
        h5py.h5d.create(d.id, b"time", h5py.h5t.UNIX_D32LE, space)  # a datatype h5py cannot map to numpy
        f["mytype"] = np.dtype([("a", "i4"), ("b", "f8")])  # committed datatype
        f.create_group("empty_group")
        many = f.create_group("many")  # not tracked: native order is by name hash, not natural
        for i in np.random.default_rng(0).permutation(MANY):
            many.create_group(f"item{i}")
        links = f.create_group("links", track_order=True)
        links["soft"] = h5py.SoftLink("/data/u8")
        links["soft_group"] = h5py.SoftLink("/data")
        links["relative"] = h5py.SoftLink("soft")  # relative to /links
        links["dangling"] = h5py.SoftLink("/nowhere")
        links["cycle_a"] = h5py.SoftLink("/links/cycle_b")
        links["cycle_b"] = h5py.SoftLink("/links/cycle_a")
        links["ext_inside"] = h5py.ExternalLink("other.h5", "/grp")
        links["ext_outside"] = h5py.ExternalLink("../outside/far.h5", "/secret_data")
        links["ext_outside_group"] = h5py.ExternalLink("../outside/far.h5", "/far_group")
        links["ext_missing"] = h5py.ExternalLink("missing.h5", "/x")
        links["ext_missing_object"] = h5py.ExternalLink("other.h5", "/nothing_here")
        # soft links that would lead a naive reader through an external link out of the folder
        links["soft_to_ext"] = h5py.SoftLink("/links/ext_outside")
        links["soft_through_ext"] = h5py.SoftLink("/links/ext_outside_group/far_member")
        f["hard_again"] = d  # a second hard link to /data
        # external raw storage: the dataset's bytes live in a text file in another folder
        f.create_dataset(
            "external_storage", shape=(1,), dtype=f"S{len(SECRET_TEXT)}",
            external=[(str(secret), 0, len(SECRET_TEXT))],
        )
        vds = h5py.VirtualLayout(shape=(10,), dtype="f8")
        vds[:] = h5py.VirtualSource("other.h5", "/grp/values", shape=(10,))
        f.create_virtual_dataset("vds_inside", vds, fillvalue=-1)
        vds = h5py.VirtualLayout(shape=(10,), dtype="i8")
        vds[:] = h5py.VirtualSource(str(far), "/numbers", shape=(10,))
        f.create_virtual_dataset("vds_outside", vds, fillvalue=-1)

    filters = data / "filters.h5"
    make_unavailable_filter_file(filters)

    not_hdf5 = data / "notes.h5"
    not_hdf5.write_text("this is plain text, not HDF5\n" * 20)
    empty = data / "empty.h5"
    empty.write_bytes(b"")
    truncated = data / "truncated.h5"
    truncated.write_bytes(h5.read_bytes()[: h5.stat().st_size // 2])
    return Sample(
        root=root, h5=h5, other=other, far=far, secret=secret, filters=filters,
        not_hdf5=not_hdf5, empty=empty, truncated=truncated, missing=data / "does_not_exist.h5",
    )

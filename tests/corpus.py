"""Corrupted copies of HDF5 files, made by deterministic byte mutations of their metadata (the way an
interrupted writer or a bad disk leaves them). Shared by the corpus tests and dev/fuzz_corrupt.py."""

from __future__ import annotations

import random
from pathlib import Path

import h5py
import numpy as np

# single bytes of the demo file (h5gui.core.demo, h5py 3.16 / HDF5 2.0) that make libhdf5 crash or
# hang, found by dev/fuzz_corrupt.py; the tests check that they still do with plain h5py
DEMO_CRASH = ((843, 255), "/images/rgb")  # segfault reading the dataset's fill value
DEMO_HANG = ((2417, 8), "/meta/notes")  # endless loop reading its value (and /mnist/images' attributes)


def raw_extents(path: str | Path) -> list[tuple[int, int]]:
    """Byte ranges of raw data (everything else is metadata)."""
    out: list[tuple[int, int]] = []

    def visit(_name: str, obj: object) -> None:
        if not isinstance(obj, h5py.Dataset):
            return
        dsid = obj.id
        try:
            off = dsid.get_offset()
            if off is not None:
                out.append((off, off + dsid.get_storage_size()))
                return
            for i in range(dsid.get_num_chunks()):
                info = dsid.get_chunk_info(i)
                out.append((info.byte_offset, info.byte_offset + info.size))
        except (RuntimeError, OSError, TypeError):
            pass

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return sorted(out)


def metadata_positions(path: str | Path) -> np.ndarray:
    """Offsets of the file's metadata bytes."""
    size = Path(path).stat().st_size
    marks = np.zeros(size, dtype=bool)
    for a, b in raw_extents(path):
        marks[a:min(b, size)] = True
    return np.flatnonzero(~marks)


def mutate(data: bytes, positions: np.ndarray, rng: random.Random) -> tuple[bytes, list[tuple[int, int]]]:
    """One to three metadata bytes set to 0, 255, a random value or flipped by one bit."""
    b = bytearray(data)
    changes = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        pos = int(positions[rng.randrange(len(positions))])
        b[pos] = rng.choice((0, 0xFF, rng.randrange(256), b[pos] ^ (1 << rng.randrange(8))))
        changes.append((pos, b[pos]))
    return bytes(b), changes


def patched(data: bytes, changes: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> bytes:
    b = bytearray(data)
    for pos, val in changes:
        b[pos] = val
    return bytes(b)


def make_dtype_file(path: str | Path) -> Path:
    """A small file with one dataset per kind of datatype and attributes of several kinds."""
    path = Path(path)
    with h5py.File(path, "w", track_order=True) as f:
        f.attrs["title"] = "dtypes"
        f.attrs.create("numbers", np.arange(5, dtype="i4"))
        g = f.create_group("g")
        g["i8"] = np.arange(100, dtype="i1")
        g["u16"] = np.arange(64 * 48, dtype="u2").reshape(64, 48)
        g["f32"] = np.linspace(0, 1, 500, dtype="f4")
        g["c8"] = np.ones(8, dtype="c8")
        g["s"] = np.array(["alpha", "beta", "gamma"], dtype=h5py.string_dtype())
        g["fixed"] = np.array([b"abc", b"de"], dtype="S4")
        g["compound"] = np.array([(1, 2.0), (3, 4.0)], dtype=[("a", "i4"), ("b", "f8")])
        g.create_dataset("enum", data=np.array([0, 1, 1], dtype="i1"),
                         dtype=h5py.enum_dtype({"A": 0, "B": 1}, basetype="i1"))
        g.create_dataset("vlen", (2,), dtype=h5py.vlen_dtype(np.dtype("i4")))
        g.create_dataset("gz", data=np.arange(4096, dtype="f8").reshape(64, 64), chunks=(16, 16),
                         compression="gzip")
        g["rgb"] = np.zeros((16, 16, 3), dtype="u1")
        g["rgb"].attrs["CLASS"] = np.bytes_("IMAGE")
        g["scalar"] = 2.5
        for i in range(12):
            g.attrs[f"a{i}"] = i
        f["soft"] = h5py.SoftLink("/g/u16")
    return path


def damage_first_message(path: Path, name: bytes) -> None:
    """Make the object ``name`` of the file at ``path`` (written with ``libver='earliest'``: a v1 object
    header) unreadable: its first header message becomes an unknown one flagged 'fail if unknown'."""
    import struct

    with h5py.File(path, "r") as f:
        addr = h5py.h5g.get_objinfo(f.id, name).objno[0]
    data = bytearray(Path(path).read_bytes())
    _typ, size, _flags = struct.unpack_from("<HHB", data, addr + 16)
    struct.pack_into("<HHB", data, addr + 16, 0xFF, size, 0x80)
    Path(path).write_bytes(bytes(data))


def write_damaged_labels(path: Path) -> Path:
    """A healthy (5, 8, 8) stack ``/images`` beside a damaged ``/labels``."""
    with h5py.File(path, "w", libver="earliest") as f:
        f["images"] = np.zeros((5, 8, 8), np.uint8)
        f["labels"] = np.arange(5)
    damage_first_message(path, b"labels")
    return path


def add_non_utf8_attr(obj: h5py.HLObject, name: bytes = b"bad\xff", value: int = 5) -> None:
    """An int32 attribute whose name is not UTF-8 (as a tool that does not encode names writes it)."""
    aid = h5py.h5a.create(obj.id, name, h5py.h5t.STD_I32LE, h5py.h5s.create(h5py.h5s.SCALAR))
    aid.write(np.array(value, dtype="i4"))
    aid.close()

"""The preview tests' data: arrays with known values and one file holding every kind of dataset."""

from __future__ import annotations

import io
import json
from pathlib import Path

import h5py
import numpy as np
from PIL import Image

RNG = np.random.default_rng(1)
IMG2D = RNG.normal(100, 10, (300, 200)).astype("f4")
IMG2D[5, 7] = np.nan
IMG2D[6, 8] = np.inf
IMG2D[7, 9] = -np.inf
IMG2D[0, 0] = 1e6  # an outlier the percentile levels ignore
RGB = RNG.integers(0, 255, (40, 50, 3), dtype=np.uint8)
STACK = RNG.integers(0, 65535, (20, 64, 64), dtype=np.uint16)
BIG = np.add.outer(np.arange(2048, dtype=np.uint32), np.arange(2048, dtype=np.uint32) * 3).astype(np.uint16)


def encode(a: np.ndarray, fmt: str) -> bytes:
    """``a`` as the bytes of a ``fmt`` file (Pillow)."""
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format=fmt)
    return buf.getvalue()


def write_preview_file(path: Path) -> str:
    """Write the file every preview test reads (datasets named after what they hold)."""
    with h5py.File(path, "w", track_order=True) as f:
        f["img2d"] = IMG2D
        f["rgb"] = RGB
        f["chw"] = np.moveaxis(RGB, -1, 0).copy()
        f["nhwc"] = RNG.integers(0, 255, (5, 20, 30, 3), dtype=np.uint8)
        f["nchw"] = RNG.integers(0, 255, (5, 3, 20, 30), dtype=np.uint8)
        f["tzyx"] = RNG.random((2, 5, 20, 30), dtype=np.float32)
        f["nhw"] = RNG.random((6, 20, 30), dtype=np.float32)
        f.create_dataset("stack", data=STACK, chunks=(1, 64, 64))
        planes = f.create_dataset("planes", data=RNG.integers(0, 255, (3, 4, 4), dtype=np.uint8))
        planes.attrs["CLASS"] = np.bytes_("IMAGE")
        planes.attrs["IMAGE_SUBCLASS"] = np.bytes_("IMAGE_TRUECOLOR")
        planes.attrs["INTERLACE_MODE"] = np.bytes_("INTERLACE_PLANE")
        cplx = (np.arange(100).reshape(10, 10) * np.exp(1j * np.linspace(-3, 3, 100)).reshape(10, 10)).astype("c8")
        f["complex2d"] = cplx
        f["f16"] = np.arange(64, dtype="f2").reshape(8, 8) / 8
        f["bool2d"] = np.eye(8, dtype=bool)
        f["row_vector"] = np.arange(50, dtype="f8").reshape(1, 50)
        f.create_dataset("huge_fill", shape=(100_000, 100_000), dtype="f4", chunks=(256, 256), fillvalue=7.0)
        sparse = f.create_dataset("sparse", shape=(1_000_000, 1_000_000), dtype="f4", chunks=(256, 256))
        sparse[0:256, 0:256] = 1.0
        f.create_dataset("big", data=BIG, chunks=(128, 128))
        f["zero_size"] = np.zeros((0, 10), dtype="f4")
        f["empty"] = h5py.Empty("f4")
        f["scalar"] = np.float64(2.5)
        f["json"] = json.dumps({"name": "model", "layers": [1, 2, 3]})
        f["line"] = np.sin(np.linspace(0, 10, 1000))
        comp = np.zeros(100, dtype=[("t", "f8"), ("v", "f4"), ("label", "S8"), ("n", "i4")])
        comp["t"] = np.arange(100) * 0.5
        comp["v"] = np.arange(100) ** 2
        comp["label"] = [b"row%d" % i for i in range(100)]
        comp["n"] = np.arange(100)
        f["compound"] = comp
        f["strings"] = np.array(["alpha", "gämma", "δ"], dtype=h5py.string_dtype())
        f["bad_utf8"] = np.array([b"ok", b"\xff\xfebad", b"caf\xc3\xa9"], dtype="S8")
        enum_dt = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1")
        f.create_dataset("enum", data=np.array([0, 2, 1, 7], dtype="i1"), dtype=enum_dt)
        f.create_dataset("enum2d", data=np.array([[0, 1], [2, 1]], dtype="i1"), dtype=enum_dt)
        refs = f.create_dataset("refs", (3,), dtype=h5py.ref_dtype)
        refs[0] = f["img2d"].ref
        refs[1] = f["rgb"].ref
        regs = f.create_dataset("regions", (1,), dtype=h5py.regionref_dtype)
        regs[0] = f["img2d"].regionref[2:5, 10:20]
        f["cube"] = np.arange(3 * 4 * 5, dtype="i4").reshape(3, 4, 5)
        f["opaque"] = np.array([b"\x00\x01\x02\x03\x04\x05\x06\x07\x08"] * 2, dtype="V9")
        vl = f.create_dataset("vlen_int", (2,), dtype=h5py.vlen_dtype(np.dtype("i4")))
        vl[0] = np.arange(3, dtype="i4")
        vl[1] = np.arange(40, dtype="i4")
        # encoded images in every form
        grey = np.arange(24 * 32, dtype=np.uint8).reshape(24, 32)
        for fmt in ("PNG", "JPEG", "TIFF", "BMP", "GIF"):
            f[f"enc_{fmt.lower()}"] = np.frombuffer(encode(RGB if fmt != "GIF" else grey, fmt), dtype=np.uint8)
        f["enc_void"] = np.void(encode(RGB, "PNG"))
        vb = f.create_dataset("enc_vlen", (3,), dtype=h5py.vlen_dtype(np.dtype("u1")))
        vb[0] = np.frombuffer(encode(RGB, "PNG"), dtype=np.uint8)
        vb[1] = np.frombuffer(encode(grey, "BMP"), dtype=np.uint8)
        vb[2] = np.frombuffer(encode(RGB, "JPEG"), dtype=np.uint8)
        # vlen strings cannot hold NUL bytes: "bytes" datasets are fixed-length strings or opaque arrays
        blobs = [encode(grey, "PNG"), encode(RGB, "TIFF")]
        f["enc_bytes"] = np.array([np.void(b.ljust(max(map(len, blobs)), b"\0")) for b in blobs])
        blobs = [encode(grey, "BMP"), encode(RGB, "PNG")]
        f["enc_fixed"] = np.array(blobs, dtype=f"S{max(len(b) for b in blobs)}")
        png = encode(RNG.integers(0, 255, (64, 64, 3), dtype=np.uint8), "PNG")
        f["enc_truncated"] = np.frombuffer(png[: len(png) // 2], dtype=np.uint8)
        f["not_encoded"] = np.arange(100, dtype=np.uint8)
    return str(path)

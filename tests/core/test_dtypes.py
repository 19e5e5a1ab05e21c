"""Datatypes, shapes and sizes in words, as the tree, the info panel and the CLI show them."""

import h5py
import numpy as np
import pytest

from h5gui.core.dtypes import describe_dtype
from h5gui.core.text import format_bytes, shape_text

ENUM = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1")
COMPOUND = np.dtype([("x", "f4"), ("y", "f4"), ("name", "S8")])


@pytest.mark.parametrize(
    ("dt", "long", "short"),
    [
        (np.dtype("u1"), "uint8", "uint8"),
        (np.dtype("<f8"), "float64", "float64"),
        (np.dtype(">i2"), "int16 (big-endian)", "int16"),
        (np.dtype("f2"), "float16", "float16"),
        (np.dtype("c16"), "complex128", "complex128"),
        (np.dtype(bool), "bool", "bool"),
        (h5py.string_dtype(), "vlen utf-8 string", "string"),
        (h5py.string_dtype("ascii"), "vlen ascii string", "string"),
        (h5py.string_dtype("utf-8", 16), "fixed-length utf-8 string (16 bytes)", "S16"),
        (np.dtype("S8"), "fixed-length ascii string (8 bytes)", "S8"),
        (COMPOUND, "compound {x: float32, y: float32, name: 8-byte ascii string}", "compound"),
        (ENUM, "enum int8 {RED, GREEN, BLUE}", "enum int8"),
        (h5py.vlen_dtype(np.dtype("i4")), "vlen of int32", "vlen int32"),
        (np.dtype(("f4", (3,))), "array [3] of float32", "float32[3]"),
        (np.dtype(("u2", (2, 4))), "array [2 x 4] of uint16", "uint16[2 x 4]"),
        (np.dtype("V4"), "opaque (4 bytes)", "opaque"),
        (h5py.ref_dtype, "object reference", "object reference"),
        (h5py.regionref_dtype, "region reference", "region reference"),
    ],
)
def test_describe_dtype(dt, long, short):
    assert describe_dtype(dt) == long
    assert describe_dtype(dt, short=True) == short


def test_enum_members_are_listed_in_value_order_and_bounded():
    dt = h5py.enum_dtype({f"S{i}": 20 - i for i in range(20)}, basetype="u2")
    text = describe_dtype(dt)
    assert text.startswith("enum uint16 {S19, S18, S17,")
    assert text.endswith(", ...}")
    assert text.count(",") == 12


def test_compound_of_many_fields_is_bounded():
    dt = np.dtype([(f"f{i}", "i4") for i in range(40)])
    text = describe_dtype(dt)
    assert text.startswith("compound {f0: int32, f1: int32,") and text.endswith(", ...}")
    assert "f16" not in text


def test_nested_compound():
    dt = np.dtype([("pos", [("x", "f8"), ("y", "f8")]), ("tag", h5py.string_dtype())])
    assert describe_dtype(dt) == "compound {pos: compound {x: float64, y: float64}, tag: vlen utf-8 string}"


@pytest.mark.parametrize(
    ("shape", "maxshape", "text"),
    [
        ((), None, "scalar"),
        (None, None, "empty (no dataspace)"),
        ((2000, 512, 512), None, "2000 x 512 x 512"),
        ((100000, 3), None, "100,000 x 3"),
        ((10**6, 10**6), (None, 10**6), "1,000,000 x 1,000,000 (max unlimited x 1,000,000)"),
        ((10,), (None,), "10 (max unlimited)"),
        ((10, 4), (20, 4), "10 x 4 (max 20 x 4)"),
        ((10, 4), (10, 4), "10 x 4"),
        ((0,), None, "0"),
    ],
)
def test_describe_shape(shape, maxshape, text):
    assert shape_text(shape, maxshape) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [(None, "unknown"), (0, "0 bytes"), (1023, "1,023 bytes"), (1536, "1.5 KiB"), (3 * 1024**3, "3.0 GiB")],
)
def test_format_bytes(n, text):
    assert format_bytes(n) == text


def test_time_datatype_is_named_even_though_numpy_has_no_equivalent(tmp_path):
    p = tmp_path / "t.h5"
    with h5py.File(p, "w") as f:
        h5py.h5d.create(f.id, b"t", h5py.h5t.UNIX_D32LE, h5py.h5s.create_simple((2,)))
    from h5gui.core.dtypes import h5t_class_name

    with h5py.File(p, "r") as f:
        assert h5t_class_name(f["t"].id.get_type()) == "time"

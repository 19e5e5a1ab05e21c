"""Types a damaged (or hand-made) file can hold that h5py returns in odd shapes: an enum member name that
is not UTF-8 (h5py gives bytes) and a compound member with an empty name (numpy renames it on read). The
table and the text views show them instead of failing with 'Unexpected error' (found by fuzzing), and
the nameless member's values are its stored values (HDF5 converts members by name: they came back empty
or zero)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from h5gui.core.preview import read_plot, read_table, read_text


def test_an_enum_name_that_is_not_utf8_shows_escaped(tmp_path):
    p = tmp_path / "enum.h5"
    with h5py.File(p, "w") as f:
        et = h5py.h5t.enum_create(h5py.h5t.STD_I8LE)
        et.enum_insert(b"R\xffD", 0)
        et.enum_insert(b"GREEN", 1)
        d = h5py.h5d.create(f.id, b"colours", et, h5py.h5s.create_simple((3,)))
        d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([0, 1, 0], dtype="i1"), mtype=h5py.h5t.STD_I8LE)
    assert read_text(str(p), "/colours") == "R\\xffD\nGREEN\nR\\xffD"  # was: TypeError, bytes found
    assert read_table(str(p), "/colours", 0, 3, 0, 1).cells == (("R\\xffD",), ("GREEN",), ("R\\xffD",))


def test_a_compound_member_without_a_name_is_still_a_column(tmp_path):
    p = tmp_path / "rec.h5"
    dt = np.dtype([("x", "<f4"), ("QZQZQZQ", "S4")])
    with h5py.File(p, "w") as f:
        f["records"] = np.array([(1.5, b"ab"), (2.5, b"cd")], dtype=dt)
    data = p.read_bytes()
    assert data.count(b"QZQZQZQ") == 1
    p.write_bytes(data.replace(b"QZQZQZQ", b"\0" * 7))  # the member's name, now empty
    block = read_table(str(p), "/records", 0, 2, 0, 2)  # was: ValueError "no field of name"
    assert block.cells == (("1.5", "ab"), ("2.5", "cd"))  # was ("1.5", ""): read by name, found nothing
    assert read_table(str(p), "/records", 1, 1, 1, 1).cells == (("cd",),)


def test_a_nameless_numeric_member_plots_and_tables_its_values(tmp_path):
    p = tmp_path / "rec.h5"
    with h5py.File(p, "w") as f:
        f["records"] = np.array([(1, 2.0), (3, 4.5), (5, 6.25)], dtype=[("id", "<i4"), ("QZQZQZQ", "<f8")])
    p.write_bytes(p.read_bytes().replace(b"QZQZQZQ", b"\0" * 7))
    assert read_table(str(p), "/records", 0, 3, 0, 2).cells == (("1", "2.0"), ("3", "4.5"), ("5", "6.25"))  # was 0.0
    plot = read_plot(str(p), "/records", y_field="", x_field="id")
    assert plot.y.tolist() == [2.0, 4.5, 6.25] and plot.x.tolist() == [1, 3, 5]


def test_a_nameless_member_is_described_and_shown_as_text(tmp_path):
    """Was: 'describing /records failed: no member name' (info) and 'Unexpected error: No member name'
    (text view): h5py cannot make a type with a nameless member to read into."""
    from h5gui.core.nodes import describe

    p = tmp_path / "rec.h5"
    with h5py.File(p, "w") as f:
        f["records"] = np.array([(1, 2.0), (3, 4.5)], dtype=[("id", "<i4"), ("QZQZQZQ", "<f8")])
    p.write_bytes(p.read_bytes().replace(b"QZQZQZQ", b"\0" * 7))
    assert read_text(str(p), "/records") == "{id: 1, : 2.0}\n{id: 3, : 4.5}"
    info = describe(str(p), "/records")
    assert info.shape == (2,) and info.value == "[{id: 1, : 2.0}, {id: 3, : 4.5}]"


def test_a_reference_to_an_object_no_longer_linked_is_named_so(tmp_path):
    """Was 'Unexpected error: sequence item 0: expected str instance, NoneType found' in the attributes,
    the table and the text view (h5py gives no name for such a target). The object is kept alive without
    a link by raising its reference count, as a crashed writer or a damaged group can leave it."""
    import ctypes
    import re

    from h5gui.core.attrs import list_attrs

    p = tmp_path / "anon.h5"
    with h5py.File(p, "w") as f:
        ds = f.create_dataset("target", data=np.arange(3))
        maps = Path("/proc/self/maps").read_text()
        lib = ctypes.CDLL(next(m for m in re.findall(r"\S*libhdf5[-.][^\s]*\.so[^\s]*", maps)))
        assert lib.H5Oincr_refcount(ctypes.c_int64(ds.id.id)) >= 0
        f.attrs["refs"] = np.array([ds.ref, ds.ref], dtype=h5py.ref_dtype)
        f["refds"] = np.array([ds.ref], dtype=h5py.ref_dtype)
        del f["target"]
    gone = "(reference to an unlinked object)"
    assert list_attrs(str(p), "/")[0].value == f"[{gone}, {gone}]"
    assert read_table(str(p), "/refds", 0, 1, 0, 1).cells == ((gone,),)
    assert read_text(str(p), "/refds") == gone


def test_a_nameless_member_inside_a_member_and_in_a_scalar(tmp_path):
    """Nested one level down it still failed ('No member name'); a scalar showed its record in brackets
    (found in review)."""
    from h5gui.core.nodes import describe

    p = tmp_path / "nested.h5"
    with h5py.File(p, "w") as f:
        f["r"] = np.array([(1, (2, 3.5)), (4, (5, 6.5))],
                          dtype=[("id", "<i4"), ("s", [("a", "<i4"), ("QZQZQZQ", "<f4")])])
        f["sc"] = np.array((1, 2.5), dtype=[("id", "<i4"), ("QZQZQZQ", "<f8")])
    p.write_bytes(p.read_bytes().replace(b"QZQZQZQ", b"\0" * 7))
    assert read_text(str(p), "/r") == "{id: 1, s: {a: 2, : 3.5}}\n{id: 4, s: {a: 5, : 6.5}}"
    assert read_table(str(p), "/r", 0, 2, 0, 2).cells == (("1", "{a: 2, : 3.5}"), ("4", "{a: 5, : 6.5}"))
    assert describe(str(p), "/sc").value == "{id: 1, : 2.5}"

"""Reading and editing attributes on real files: round trips through h5py for every type, safe writes."""

import hashlib
import os
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
from samples import make_sample_tree

from h5gui.core import attrs, demo, progress
from h5gui.core.attrs import ATTR_TYPES, AttrValue, AttrValueError, parse_value
from h5gui.core.errors import BadRequestError, H5GuiError, NodeNotFoundError

UNICODE = "Zoë Ångström 観測者 ✓"


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc":
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    return a.tolist() == b.tolist()


@pytest.fixture
def h5(tmp_path):
    """A small writable file: a tracked group, an untracked (old-format) dataset, the root."""
    p = tmp_path / "edit.h5"
    with h5py.File(p, "w", track_order=True) as f:
        g = f.create_group("g", track_order=True)
        g.attrs["first"] = np.int32(1)
        g.attrs["unit"] = "counts"
        g.attrs["last"] = 2.5
        f.create_dataset("old_style", data=np.arange(3))  # no track_order: a version 1 object header
        f.create_group("other", track_order=True)
    return str(p)


def digest(file) -> str:
    with open(file, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def names(file, path):
    return [a.name for a in attrs.list_attrs(file, path)]


def stored(file, path, name):
    """The value h5py reads, and the attribute's dtype, shape and HDF5 type (``get_type()``)."""
    with h5py.File(file, "r") as f:
        obj = f[path]
        aid = obj.attrs.get_id(name)
        tid = aid.get_type()
        return obj.attrs[name], SimpleNamespace(dtype=aid.dtype, shape=aid.shape, get_type=lambda: tid)


def no_temporaries(file):
    with h5py.File(file, "r") as f:
        found = []
        f.visititems(lambda n, o: found.extend(k for k in o.attrs if "h5gui-tmp" in k))
        found.extend(k for k in f.attrs if "h5gui-tmp" in k)
        return not found


SCALARS = {
    "string": UNICODE,
    "int8": "-128",
    "int16": "32767",
    "int32": "-2147483648",
    "int64": "-9223372036854775808",
    "uint8": "255",
    "uint16": "65535",
    "uint32": "4294967295",
    "uint64": "18446744073709551615",
    "float16": "0.1",
    "float32": "3.4028235e+38",
    "float64": "1e-300",
    "bool": "true",
    "complex64": "1.5-2j",
    "complex128": "nan+infj",
}
ARRAYS = {
    "string": '["a", "é", "", "x, y"]',
    "int8": "[[1, -2], [3, 127]]",
    "int16": "[1, 2, 3]",
    "int32": "[[1], [2]]",
    "int64": "[9223372036854775807, 0]",
    "uint8": "[0, 255]",
    "uint16": "[1 2 3]",
    "uint32": "[7]",
    "uint64": "[18446744073709551615]",
    "float16": "[nan, inf, -0.5]",
    "float32": "[[0.1, 0.2], [0.3, 0.4]]",
    "float64": "[1e-3, -1e300, nan]",
    "bool": "[true, false, 1, 0]",
    "complex64": "[1+2j, -0.5j]",
    "complex128": "[[1+1j, 2], [3, 4j]]",
}


@pytest.mark.parametrize("type_name", ATTR_TYPES)
@pytest.mark.parametrize("table", [SCALARS, ARRAYS], ids=["scalar", "array"])
def test_round_trip_of_every_type_through_h5py(h5, type_name, table):
    text = table[type_name]
    name = f"{type_name} ✓"
    info = attrs.set_attr(h5, "/g", name, text, type_name)
    expected = parse_value(text, type_name)
    value, aid = stored(h5, "/g", name)
    assert same(value, expected)
    if type_name == "string":
        assert h5py.check_string_dtype(aid.dtype).length is None and h5py.check_string_dtype(aid.dtype).encoding == "utf-8"
    else:
        assert aid.dtype == np.dtype(type_name)
    assert info.type_name == type_name and info.editable and not info.reason
    assert info.shape == np.asarray(expected).shape
    # the text shown for editing gives back the identical value, both ways it can be parsed
    assert same(parse_value(info.edit_text, type_name), expected)
    again = attrs.set_attr(h5, "/g", name, info.edit_text)  # keep the type
    assert again.edit_text == info.edit_text
    assert same(stored(h5, "/g", name)[0], expected)
    assert [a for a in attrs.list_attrs(h5, "/g") if a.name == name] == [again]


def test_fixed_and_variable_length_strings(h5):
    a = attrs.set_attr(h5, "/g", "fixed", "IMAGE", "string", fixed_length=True)
    assert a.fixed_length and not a.vlen and a.type_name == "string"
    value, aid = stored(h5, "/g", "fixed")
    assert value == b"IMAGE" and aid.dtype.itemsize == 5
    assert h5py.check_string_dtype(aid.dtype).encoding == "ascii"
    b = attrs.set_attr(h5, "/g", "fixed_utf8", '["é", "ab"]', "string", fixed_length=True)
    value, aid = stored(h5, "/g", "fixed_utf8")
    assert [v.decode() for v in value] == ["é", "ab"] and h5py.check_string_dtype(aid.dtype).encoding == "utf-8"
    assert b.edit_text == '["é", "ab"]'
    c = attrs.set_attr(h5, "/g", "vlen", UNICODE)  # new attributes default to vlen utf-8 strings
    assert c.vlen and c.edit_text == UNICODE and stored(h5, "/g", "vlen")[0] == UNICODE
    # switching kinds when the type is named
    d = attrs.set_attr(h5, "/g", "vlen", "now fixed", "string", fixed_length=True)
    assert d.fixed_length and stored(h5, "/g", "vlen")[0] == b"now fixed"


def test_empty_string_and_quotes(h5):
    assert attrs.set_attr(h5, "/g", "empty", "").edit_text == ""
    assert stored(h5, "/g", "empty")[0] == ""
    info = attrs.set_attr(h5, "/g", "quoted", '""quoted""')
    assert stored(h5, "/g", "quoted")[0] == '"quoted"'
    assert parse_value(info.edit_text, "string") == '"quoted"'
    info = attrs.set_attr(h5, "/g", "json_list", "[1, 2]", shape=())
    assert stored(h5, "/g", "json_list")[0] == "[1, 2]"
    assert parse_value(info.edit_text, "string") == "[1, 2]"


def test_editing_keeps_the_stored_type_exactly(h5):
    with h5py.File(h5, "a") as f:
        g = f["g"]
        g.attrs.create("be", [1, 2], dtype=">i2")
        g.attrs.create("enum", np.array([0, 2], "i1"), dtype=h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, "i1"))
        g.attrs.create("ascii_vlen", "abc", dtype=h5py.string_dtype("ascii"))
        # a NUL-terminated fixed string, as C programs write: room for 5 characters in 6 bytes
        tid = h5py.h5t.py_create(h5py.string_dtype("ascii", 6), logical=True)
        tid.set_strpad(h5py.h5t.STR_NULLTERM)
        h5py.h5a.create(g.id, b"CLASS", tid, h5py.h5s.create(h5py.h5s.SCALAR)).write(np.array(b"IMAGE", "S6"))
    attrs.set_attr(h5, "/g", "first", "42")
    assert stored(h5, "/g", "first")[1].dtype == np.dtype("i4")
    with pytest.raises(AttrValueError, match="4294967296 does not fit in int32"):
        attrs.set_attr(h5, "/g", "first", "4294967296")
    info = attrs.set_attr(h5, "/g", "be", "[-3, 4]")
    value, aid = stored(h5, "/g", "be")
    assert aid.dtype == np.dtype(">i2") and value.tolist() == [-3, 4] and info.type_name == "int16"
    with pytest.raises(AttrValueError, match=r"expected shape \(2,\), got \(3,\)"):
        attrs.set_attr(h5, "/g", "be", "[1, 2, 3]")
    attrs.set_attr(h5, "/g", "be", "[1, 2, 3]", "int16")  # naming its own type: the shape follows the text
    value, aid = stored(h5, "/g", "be")
    assert aid.dtype == np.dtype(">i2") and value.tolist() == [1, 2, 3]
    info = attrs.set_attr(h5, "/g", "enum", "[BLUE, 1]")
    value, aid = stored(h5, "/g", "enum")
    assert value.tolist() == [2, 1] and h5py.check_enum_dtype(aid.dtype) == {"RED": 0, "GREEN": 1, "BLUE": 2}
    assert info.edit_text == "[BLUE, GREEN]" and info.type_name == "" and info.editable
    attrs.set_attr(h5, "/g", "ascii_vlen", "déjà")  # non-ASCII text: the charset becomes UTF-8
    value, aid = stored(h5, "/g", "ascii_vlen")
    assert value == "déjà" and h5py.check_string_dtype(aid.dtype).length is None
    attrs.set_attr(h5, "/g", "CLASS", "IMAGES")  # 6 characters do not fit a NUL-terminated 6-byte string
    value, aid = stored(h5, "/g", "CLASS")
    assert value == b"IMAGES" and aid.get_type().get_strpad() == h5py.h5t.STR_NULLTERM
    attrs.set_attr(h5, "/g", "CLASS", "IMG")
    value, aid = stored(h5, "/g", "CLASS")
    assert value == b"IMG" and aid.get_type().get_size() == 7


def test_changing_the_type(h5):
    info = attrs.set_attr(h5, "/g", "unit", "[1.5, 2.5]", "float32")
    value, aid = stored(h5, "/g", "unit")
    assert aid.dtype == np.dtype("f4") and value.tolist() == [1.5, 2.5] and info.shape == (2,)
    attrs.set_attr(h5, "/g", "unit", "7", "string")
    assert stored(h5, "/g", "unit")[0] == "7"


def test_an_edit_in_place_keeps_the_position(h5):
    attrs.set_attr(h5, "/g", "unit", "metres")
    attrs.set_attr(h5, "/g", "first", "5")
    assert names(h5, "/g") == ["first", "unit", "last"]


def test_large_attributes_round_trip(h5):
    text = "[" + ", ".join(str(i + 0.5) for i in range(10_000)) + "]"  # 80,000 bytes
    info = attrs.set_attr(h5, "/g", "big ✓", text, "float64")
    assert info.big and info.editable and info.shape == (10_000,)
    value, _ = stored(h5, "/g", "big ✓")
    assert value[-1] == 9999.5 and value.nbytes == 80_000
    long_text = UNICODE * 5000  # about 130 KB of UTF-8
    info = attrs.set_attr(h5, "/g", "long text", long_text)
    assert info.big and info.edit_text == long_text and stored(h5, "/g", "long text")[0] == long_text
    # edit, rename and delete in dense storage (creation order tracked)
    attrs.set_attr(h5, "/g", "big ✓", "[1, 2]", "float64")
    attrs.rename_attr(h5, "/g", "long text", "long text 2")
    attrs.set_attr(h5, "/g", "long text 2", long_text + "!")
    attrs.delete_attrs(h5, "/g", ["big ✓"])
    assert names(h5, "/g") == ["first", "unit", "last", "long text 2"]
    assert stored(h5, "/g", "long text 2")[0] == long_text + "!"
    assert no_temporaries(h5)


def test_a_failing_write_leaves_the_old_value(h5, monkeypatch):
    with h5py.File(h5, "a") as f:
        f["old_style"].attrs["x"] = np.int64(7)
    before = digest(h5)
    # refused before writing: the file is not even touched
    with pytest.raises(AttrValueError):
        attrs.set_attr(h5, "/old_style", "x", "not a number")
    assert digest(h5) == before
    # HDF5 refuses: an attribute over 64 KiB does not fit an old-format object header
    big = "[" + ", ".join(["1.5"] * 10_000) + "]"
    with pytest.raises(H5GuiError, match="too large for this object") as info:
        attrs.set_attr(h5, "/old_style", "x", big, "float64")
    assert "\n" not in str(info.value)
    value, aid = stored(h5, "/old_style", "x")
    assert value == 7 and aid.dtype == np.dtype("i8")
    # a step of the replacement fails: the old attribute comes back
    real_rename = h5py.h5a.rename
    calls = []

    def failing_rename(oid, old, new, *args, **kwargs):
        calls.append((old, new))
        if len(calls) == 2:
            raise RuntimeError("Can't rename attribute (simulated failure)")
        return real_rename(oid, old, new, *args, **kwargs)

    monkeypatch.setattr(h5py.h5a, "rename", failing_rename)
    with pytest.raises(H5GuiError, match="Cannot write attribute unit on /g: simulated failure"):
        attrs.set_attr(h5, "/g", "unit", "[1, 2]", "int8")
    monkeypatch.undo()
    assert stored(h5, "/g", "unit")[0] == "counts"
    assert names(h5, "/g") == ["first", "unit", "last"]
    assert no_temporaries(h5)


def test_rename_any_number_of_times(h5):
    a = attrs.rename_attr(h5, "/g", "unit", "units")
    b = attrs.rename_attr(h5, "/g", "units", "unité ✓")
    c = attrs.rename_attr(h5, "/g", "unité ✓", "unit")
    assert a.value == b.value == c.value == "counts"
    assert names(h5, "/g") == ["first", "unit", "last"]  # the position stays
    with pytest.raises(BadRequestError) as info:
        attrs.rename_attr(h5, "/g", "unit", "last")
    assert str(info.value) == "attribute last already exists on /g"
    with pytest.raises(NodeNotFoundError, match="No attribute nope on /g"):
        attrs.rename_attr(h5, "/g", "nope", "other")
    with pytest.raises(BadRequestError, match="cannot be empty"):
        attrs.rename_attr(h5, "/g", "unit", "")


def test_delete_several(h5):
    attrs.delete_attrs(h5, "/g", ["first", "last"])
    assert names(h5, "/g") == ["unit"]
    with pytest.raises(NodeNotFoundError):
        attrs.delete_attrs(h5, "/g", ["unit", "missing"])
    assert names(h5, "/g") == ["unit"], "nothing is deleted when one name is wrong"


def test_duplicate(h5):
    with h5py.File(h5, "a") as f:
        f["g"].attrs.create("be", [1, 2], dtype=">i2")
    info = attrs.duplicate_attr(h5, "/g", "be", "be copy")
    assert info.value == "[1, 2]"
    with h5py.File(h5, "r") as f:
        a, b = f["g"].attrs.get_id("be"), f["g"].attrs.get_id("be copy")
        assert a.get_type().equal(b.get_type()) and a.shape == b.shape
    with pytest.raises(BadRequestError, match="attribute unit already exists on /g"):
        attrs.duplicate_attr(h5, "/g", "be", "unit")


def _rich_source(path):
    """A file with one attribute of every kind h5py can write, and a few it cannot type."""
    with h5py.File(path, "w", track_order=True) as f:
        g = f.create_group("src", track_order=True)
        a = g.attrs
        a["vlen"] = UNICODE
        a["vlen_array"] = np.array(["a", "é"], dtype=h5py.string_dtype())
        a.create("ascii_vlen", "abc", dtype=h5py.string_dtype("ascii"))
        a["fixed"] = np.bytes_("IMAGE")
        a.create("fixed_utf8", np.array(["é".encode(), b"ab"]), dtype=h5py.string_dtype("utf-8", 4))
        a.create("be", [1, 2, 3], dtype=">i2")
        a.create("enum", np.array([0, 2], "i1"), dtype=h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, "i1"))
        a["bool"] = np.array([True, False])
        a["c64"] = np.complex64(1 + 2j)
        a["f16"] = np.float16(0.1)
        a["u64"] = np.uint64(2**64 - 1)
        a["empty"] = h5py.Empty("f4")
        a["compound"] = np.array([(1, 2.5)], dtype=[("a", "i4"), ("b", "f8")])
        a.create("vlen_int", np.array([np.arange(3, dtype="i4"), np.arange(1, dtype="i4")], dtype=object),
                 dtype=h5py.vlen_dtype(np.dtype("i4")))
        a["opaque"] = np.void(b"\x01\x02\x03")
        a.create("array_type", np.arange(6, dtype="f4").reshape(2, 3), dtype=np.dtype(("f4", (3,))))
        a["big"] = np.arange(10_000, dtype="f8")
        time = h5py.h5a.create(g.id, b"time", h5py.h5t.UNIX_D32LE, h5py.h5s.create_simple((2,)))
        time.write(np.frombuffer(b"\x01\x00\x00\x00\x02\x00\x00\x00", "V4"), mtype=h5py.h5t.UNIX_D32LE)
        g.attrs["ref"] = f["src"].ref
        f.create_group("dst", track_order=True)


def test_get_and_put_values_across_files_keep_exact_types(tmp_path):
    src, dst = tmp_path / "src.h5", tmp_path / "dst.h5"
    _rich_source(src)
    with h5py.File(dst, "w", track_order=True) as f:
        f.create_group("node", track_order=True)
    values = attrs.get_attr_values(str(src), "/src")
    wanted = [v for v in values if v.name != "ref"]
    infos = attrs.put_attr_values(str(dst), "/node", wanted)
    assert [i.name for i in infos] == [v.name for v in wanted]
    with h5py.File(src, "r") as fs, h5py.File(dst, "r") as fd:
        s, d = fs["src"], fd["node"]
        assert list(d.attrs) == [v.name for v in wanted]
        for v in wanted:
            a, b = s.attrs.get_id(v.name), d.attrs.get_id(v.name)
            assert a.get_type().equal(b.get_type()), v.name
            assert a.shape == b.shape, v.name
            if v.name == "time":
                buf_a, buf_b = np.zeros(2, "V4"), np.zeros(2, "V4")
                a.read(buf_a, mtype=a.get_type())
                b.read(buf_b, mtype=b.get_type())
                assert buf_a.tobytes() == buf_b.tobytes()
            elif v.name == "empty":
                assert isinstance(d.attrs["empty"], h5py.Empty)
            elif v.name == "vlen_int":
                assert [x.tolist() for x in d.attrs[v.name]] == [[0, 1, 2], [0]]
            else:
                assert same(s.attrs[v.name], d.attrs[v.name]), v.name
    # undo of an edit: the old raw value goes back exactly
    (old,) = attrs.get_attr_values(str(dst), "/node", ["be"])
    attrs.set_attr(str(dst), "/node", "be", "[9]", "uint8")
    attrs.put_attr_values(str(dst), "/node", [old])
    with h5py.File(dst, "r") as f:
        assert f["node"].attrs.get_id("be").dtype == np.dtype(">i2") and f["node"].attrs["be"].tolist() == [1, 2, 3]


def test_references_paste_only_within_their_file(tmp_path):
    src, dst = tmp_path / "src.h5", tmp_path / "dst.h5"
    _rich_source(src)
    with h5py.File(dst, "w") as f:
        f.create_group("node")
    refs = attrs.get_attr_values(str(src), "/src", ["ref"])
    with pytest.raises(BadRequestError, match="holds references"):
        attrs.put_attr_values(str(dst), "/node", refs)
    attrs.put_attr_values(str(src), "/dst", refs)  # the same file: the reference still points right
    with h5py.File(src, "r") as f:
        assert f[f["dst"].attrs["ref"]].name == "/src"


def test_put_checks_everything_before_writing(tmp_path):
    src = tmp_path / "src.h5"
    _rich_source(src)
    values = attrs.get_attr_values(str(src), "/src", ["vlen", "be"])
    attrs.put_attr_values(str(src), "/dst", values[1:])
    with pytest.raises(BadRequestError, match="attribute be already exists on /dst"):
        attrs.put_attr_values(str(src), "/dst", values, overwrite=False)
    with h5py.File(src, "r") as f:
        assert list(f["dst"].attrs) == ["be"]
    by_hand = attrs.put_attr_values(str(src), "/dst", [AttrValue("made", np.array([1.5, 2.5], "f4")),
                                                        AttrValue("text", "free ✓")])
    assert [i.dtype for i in by_hand] == ["float32", "vlen utf-8 string"]


def test_read_only_kinds_say_why(tmp_path):
    src = tmp_path / "src.h5"
    _rich_source(src)
    infos = {a.name: a for a in attrs.list_attrs(str(src), "/src")}
    for name, words in [("compound", "compound"), ("vlen_int", "variable-length"), ("opaque", "opaque"),
                        ("ref", "references"), ("empty", "empty"), ("time", "unsupported"),
                        ("array_type", "array datatype")]:
        a = infos[name]
        assert not a.editable and words in a.reason and a.edit_text == "", (name, a.reason)
        with pytest.raises(AttrValueError, match=f"{name} cannot be edited"):
            attrs.set_attr(str(src), "/src", name, "1")
    for name in ("vlen", "vlen_array", "ascii_vlen", "fixed", "fixed_utf8", "be", "enum", "bool", "c64", "f16",
                 "u64", "big"):
        assert infos[name].editable, name
    assert infos["big"].big and not infos["vlen"].big
    assert infos["vlen"].vlen and infos["fixed"].fixed_length
    # naming a type replaces a read-only attribute
    attrs.set_attr(str(src), "/src", "compound", "3", "int8")
    assert stored(str(src), "/src", "compound")[0] == 3


def _editable_round_trip(file):
    """Every editable attribute's edit_text, written back unchanged, gives the identical value."""
    checked = 0
    with h5py.File(file, "r", locking=False) as f:
        paths = ["/"]
        f.visit_links(lambda n: paths.append("/" + n) if isinstance(f.get(n, getlink=True), h5py.HardLink) else None)
    for p in paths:
        try:
            infos = attrs.list_attrs(file, p)
        except H5GuiError:
            continue
        for a in infos:
            if not a.editable:
                continue
            before, aid = stored(file, p, a.name)
            target = attrs.target_for_dtype(aid.dtype)
            parsed = attrs.parse_for_target(a.edit_text, target, aid.shape)
            assert same(parsed[()] if parsed.ndim == 0 else parsed, before), (p, a.name)
            if a.type_name:
                assert same(parse_value(a.edit_text, a.type_name, shape=aid.shape, fixed_length=a.fixed_length), before)
            attrs.set_attr(file, p, a.name, a.edit_text)
            after, aid2 = stored(file, p, a.name)
            assert same(after, before) and aid2.get_type().equal(aid.get_type()), (p, a.name)
            checked += 1
    return checked


def test_edit_text_round_trips_on_the_sample_files(tmp_path):
    s = make_sample_tree(tmp_path / "tree")
    total = sum(_editable_round_trip(str(p)) for p in (s.h5, s.other, s.far, s.filters))
    total += _editable_round_trip(str(demo.make_demo(tmp_path / "demo.h5")))
    src = tmp_path / "rich.h5"
    _rich_source(src)
    total += _editable_round_trip(str(src))
    assert total >= 40


def test_set_attr_on_many_validates_before_writing(h5):
    with h5py.File(h5, "a") as f:
        f["other"].attrs["unit"] = np.int8(1)
    seen = []
    count = progress.run(attrs.set_attr_on_many(h5, ["/g", "/other", "/"], "unit", "5"), seen.append)
    assert count == 3 and seen[-1].done == 3 and seen[-1].total == 3
    assert stored(h5, "/g", "unit")[0] == "5"  # kept its type (string)
    assert stored(h5, "/other", "unit")[1].dtype == np.dtype("i1")  # kept its type (int8)
    assert stored(h5, "/", "unit")[0] == "5"  # new: a string
    count = progress.run(attrs.set_attr_on_many(h5, ["/g", "/other"], "scale", "[1, 2]", "uint8"))
    assert count == 2 and stored(h5, "/other", "scale")[0].tolist() == [1, 2]
    before = digest(h5)
    with pytest.raises(NodeNotFoundError):
        progress.run(attrs.set_attr_on_many(h5, ["/g", "/missing"], "tag", "x"))
    with pytest.raises(AttrValueError, match="300 does not fit in uint8"):
        progress.run(attrs.set_attr_on_many(h5, ["/g", "/other"], "tag", "300", "uint8"))
    with pytest.raises(AttrValueError, match="'x' is not an int8"):  # /other's unit is an int8
        progress.run(attrs.set_attr_on_many(h5, ["/g", "/other"], "unit", "x"))
    assert digest(h5) == before


def test_paths_resolve_safely(sample, tmp_path):
    copy = tmp_path / "sample_copy.h5"
    copy.write_bytes(sample.h5.read_bytes())
    assert attrs.set_attr(str(copy), "/links/soft", "via link", "1", "int8").value == "1"
    with h5py.File(copy, "r") as f:
        assert f["/data/u8"].attrs["via link"] == 1
    with pytest.raises(H5GuiError, match="external link"):
        attrs.set_attr(str(copy), "/links/ext_inside", "x", "1")
    with pytest.raises(NodeNotFoundError):
        attrs.set_attr(str(copy), "/nowhere", "x", "1")


def test_list_attrs_unchanged_for_the_gui(sample):
    infos = attrs.list_attrs(str(sample.h5), "/data/u8")
    assert [(a.name, a.dtype, a.shape, a.value) for a in infos] == [
        ("CLASS", "fixed-length ascii string (5 bytes)", (), "IMAGE"),
        ("unit", "vlen utf-8 string", (), "counts"),
    ]
    assert all(a.editable and a.type_name == "string" for a in infos)
    assert os.access(sample.h5, os.R_OK)

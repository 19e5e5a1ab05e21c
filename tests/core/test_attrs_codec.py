"""The attribute value codec: what a user types -> a typed value, each refusal in one line, and back."""

import h5py
import numpy as np
import pytest

from h5gui.core import attrs
from h5gui.core.attrs import ATTR_TYPES, AttrValueError, format_value, parse_value
from h5gui.core.errors import H5GuiError


def same(a, b) -> bool:
    """Identical values: same dtype, shape and elements (NaN equal to NaN, -0.0 distinct from 0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fc":
        return a.tobytes() == b.tobytes()
    return a.tolist() == b.tolist()


@pytest.mark.parametrize(
    ("text", "type_name", "expected"),
    [
        ("3", "int8", np.int8(3)),
        ("-7", "int16", np.int16(-7)),
        ("+12", "int32", np.int32(12)),
        ("-9223372036854775808", "int64", np.int64(-(2**63))),
        ("255", "uint8", np.uint8(255)),
        ("65535", "uint16", np.uint16(65535)),
        ("4294967295", "uint32", np.uint32(2**32 - 1)),
        ("18446744073709551615", "uint64", np.uint64(2**64 - 1)),
        ("1e3", "int32", np.int32(1000)),  # an integral number written as a float is exact
        ("3.0", "uint8", np.uint8(3)),
        ("0x1F", "uint8", np.uint8(31)),
        ("0.5", "float16", np.float16(0.5)),
        ("0.1", "float32", np.float32(0.1)),
        ("1e-3", "float64", np.float64(0.001)),
        ("-0.0", "float64", np.float64(-0.0)),
        ("nan", "float32", np.float32("nan")),
        ("inf", "float64", np.float64("inf")),
        ("-inf", "float16", np.float16("-inf")),
        ("true", "bool", np.True_),
        ("False", "bool", np.False_),
        ("1", "bool", np.True_),
        ("0", "bool", np.False_),
        ("1+2j", "complex64", np.complex64(1 + 2j)),
        ("1 - 2j", "complex128", np.complex128(1 - 2j)),
        ("(0.5+1e-3j)", "complex128", np.complex128(0.5 + 1e-3j)),
        ("2i", "complex64", np.complex64(2j)),
        ("[1, 2, 3]", "int32", np.array([1, 2, 3], "i4")),
        ("[[1,2],[3,4]]", "uint16", np.array([[1, 2], [3, 4]], "u2")),
        ("[1 2 3]", "float64", np.array([1.0, 2.0, 3.0])),  # numpy's printed form
        ("[1.5, nan, inf, -1e-3]", "float32", np.array([1.5, np.nan, np.inf, -1e-3], "f4")),
        ("[true, false, 1, 0]", "bool", np.array([True, False, True, False])),
        ("[1+2j, -0.5j]", "complex64", np.array([1 + 2j, complex(0, -0.5)], "c8")),
        ("[]", "float32", np.zeros(0, "f4")),
        ("[[], []]", "int8", np.zeros((2, 0), "i1")),
        ("[1, 2, 3,]", "int8", np.array([1, 2, 3], "i1")),
    ],
)
def test_numbers_typed_as_users_type_them(text, type_name, expected):
    got = parse_value(text, type_name)
    assert same(got, expected), (got, expected)
    assert type(got) is type(expected)


def test_strings_plain_quoted_unicode_and_lists():
    assert parse_value("plain text", "string") == "plain text"
    assert parse_value('"quoted text"', "string") == "quoted text"
    assert parse_value("'single'", "string") == "single"
    assert parse_value('""', "string") == ""
    assert parse_value("", "string") == ""
    assert parse_value("  kept blanks ", "string") == "  kept blanks "
    assert parse_value('""quoted""', "string") == '"quoted"'  # one layer of quotes is removed
    assert parse_value("Zoë Ångström 観測者 ✓", "string") == "Zoë Ångström 観測者 ✓"
    assert parse_value("line one\nline two", "string") == "line one\nline two"
    assert parse_value('{"json": [1, 2]}', "string") == '{"json": [1, 2]}'
    arr = parse_value('["a", "é", "", "x, y", "q\\"uote"]', "string")
    assert arr.tolist() == ["a", "é", "", "x, y", 'q"uote']
    assert h5py.check_string_dtype(arr.dtype).length is None
    assert parse_value("[['a', 'b'], ['c', 'd']]", "string").shape == (2, 2)
    # a list of unquoted things is text, unless the shape asks for a list
    assert parse_value("[1, 2]", "string") == "[1, 2]"
    assert parse_value("[a, b]", "string", shape=(2,)).tolist() == ["a", "b"]
    assert parse_value('["a", "b"]', "string", shape=()) == '["a", "b"]'
    assert parse_value("C:\\data\\x", "string") == "C:\\data\\x"  # no escapes outside lists


def test_fixed_length_strings():
    v = parse_value("IMAGE", "string", fixed_length=True)
    assert isinstance(v, np.bytes_) and v == b"IMAGE"
    arr = parse_value('["ab", "é"]', "string", fixed_length=True)
    assert arr.dtype.kind == "S" and arr.dtype.itemsize == 2 and arr.tolist() == [b"ab", "é".encode()]
    assert h5py.check_string_dtype(arr.dtype).encoding == "utf-8"
    assert h5py.check_string_dtype(parse_value('["ab"]', "string", fixed_length=True).dtype).encoding == "ascii"


def test_shapes():
    assert parse_value("[1, 2, 3, 4, 5, 6]", "int8", shape=(6,)).shape == (6,)
    assert parse_value("[[1, 2, 3], [4, 5, 6]]", "int8", shape=(2, 3)).shape == (2, 3)
    assert parse_value("5", "int8", shape=(1,)).tolist() == [5]  # one value for a one-element shape
    assert parse_value("[5]", "int8", shape=()) == np.int8(5)


@pytest.mark.parametrize(
    ("text", "type_name", "shape", "message"),
    [
        ("300", "uint8", None, "300 does not fit in uint8 (0..255)"),
        ("-1", "uint16", None, "-1 does not fit in uint16 (0..65535)"),
        ("128", "int8", None, "128 does not fit in int8 (-128..127)"),
        ("18446744073709551616", "uint64", None, "18446744073709551616 does not fit in uint64 (0..18446744073709551615)"),
        ("1e30", "int64", None, "1e30 does not fit in int64"),
        ("1.5", "int32", None, "1.5 is not an integer"),
        ("nan", "int8", None, "nan is not an integer"),
        ("abc", "float32", None, "'abc' is not a float32"),
        ("abc", "int16", None, "'abc' is not an int16"),
        ("true", "int8", None, "'true' is not an int8"),
        ("x", "complex64", None, "'x' is not a complex64"),
        ("1e39", "float32", None, "1e39 does not fit in float32 (largest 3.4028235e+38)"),
        ("70000", "float16", None, "70000 does not fit in float16 (largest 65504)"),
        ("1e400", "float64", None, "1e400 does not fit in float64"),
        ("1e39+1j", "complex64", None, "does not fit in complex64"),
        ("2", "bool", None, "2 is not a bool (use true, false, 1 or 0)"),
        ("yes", "bool", None, "'yes' is not a bool"),
        ("", "int8", None, "no value: type an int8"),
        ("[1, 2, 3]", "int32", (2, 3), "expected shape (2, 3), got (3,)"),
        ("7", "int32", (2,), "expected shape (2,), got a single value"),
        ("[1, 2]", "int32", (), "expected a single value, got (2,)"),
        ("[[1, 2], [3]]", "int32", None, "ragged list"),
        ("[1, [2, 3]]", "float64", None, "ragged list"),
        ("[1, 2", "int8", None, "missing ]"),
        ("[1,,2]", "int8", None, "a value is missing between commas"),
        ("[1, 2] 3", "int8", None, "after the list"),
        ('["a]', "string", (1,), "not closed"),
        ("[1, 300]", "uint8", None, "300 does not fit in uint8 (0..255)"),
        ("[1.0, 2.5]", "int16", None, "2.5 is not an integer"),
        ("a\x00b", "string", None, "NUL character"),
    ],
)
def test_refusals_are_one_line_and_say_why(text, type_name, shape, message):
    with pytest.raises(AttrValueError) as info:
        parse_value(text, type_name, shape=shape)
    err = info.value
    assert isinstance(err, H5GuiError) and err.exit_code != 0
    assert "\n" not in str(err)
    assert message in str(err), str(err)


def test_unknown_type_is_refused():
    with pytest.raises(AttrValueError, match="unknown type 'uint9'"):
        parse_value("1", "uint9")


def test_every_type_has_a_value_and_a_refusal():
    for type_name in ATTR_TYPES:
        if type_name == "string":
            continue
        assert parse_value("1", type_name).dtype == np.dtype(type_name)
        assert parse_value("[1, 0]", type_name).dtype == np.dtype(type_name)
        with pytest.raises(AttrValueError):
            parse_value("not a number", type_name)


@pytest.mark.parametrize("dt", ["f2", "f4", "f8"])
def test_every_float_prints_as_text_that_parses_back_to_the_same_bits(dt):
    width = np.dtype(dt).itemsize
    bits = np.random.default_rng(7).integers(0, 2 ** (8 * width) - 1, 50_000, dtype=f"u{width}", endpoint=True)
    x = bits.view(dt)
    x = x[np.isfinite(x)]
    back = parse_value(format_value(x, x.dtype), x.dtype.name)
    assert back.tobytes() == x.tobytes()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (np.int16(-5), "-5"),
        (np.uint64(2**64 - 1), "18446744073709551615"),
        (np.float32(0.1), "0.1"),
        (np.float64(1e-5), "1e-05"),
        (np.float64(np.nan), "nan"),
        (np.float16(-np.inf), "-inf"),
        (np.True_, "true"),
        (np.complex64(1 - 2j), "1.0-2.0j"),
        (np.complex128(complex(0, -0.0)), "0.0-0.0j"),
        (np.array([[1, 2], [3, 4]], "i4"), "[[1, 2], [3, 4]]"),
        (np.array([True, False]), "[true, false]"),
    ],
)
def test_edit_text_of_numbers(value, text):
    assert format_value(value, np.asarray(value).dtype) == text
    assert same(parse_value(text, np.asarray(value).dtype.name), value)


@pytest.mark.parametrize(
    "value",
    ["plain", "", "  blanks  ", '"quoted"', "'single'", "[1, 2]", '["a", "b"]', "[not closed", "multi\nline", "観測者"],
)
def test_edit_text_of_strings_parses_back(value):
    dt = h5py.string_dtype()
    text = format_value(value, dt)
    assert parse_value(text, "string") == value
    assert parse_value(text, "string", shape=()) == value


def test_edit_text_of_string_arrays_parses_back():
    value = np.array([["a", 'q"uote', "back\\slash"], ["tab\there", "é", ""]], dtype=h5py.string_dtype())
    text = format_value(value, value.dtype)
    assert parse_value(text, "string").tolist() == value.tolist()


def test_enum_members_by_name_or_number():
    dt = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1")
    target = attrs.target_for_dtype(dt)
    assert attrs.parse_for_target("GREEN", target, ()).tolist() == 1
    assert attrs.parse_for_target("[RED, 2, 'GREEN']", target, None).tolist() == [0, 2, 1]
    with pytest.raises(AttrValueError, match="7 is not a member of enum int8 {RED, GREEN, BLUE}"):
        attrs.parse_for_target("7", target, ())
    with pytest.raises(AttrValueError, match="'PURPLE' is not a member"):
        attrs.parse_for_target("PURPLE", target, ())
    assert format_value(np.array([0, 2], "i1"), dt) == "[RED, BLUE]"


def test_values_without_text_form_are_refused():
    with pytest.raises(ValueError, match="compound"):
        format_value(np.zeros(1, "i4,f4"), np.dtype("i4,f4"))
    with pytest.raises(ValueError, match="reference"):
        format_value(None, h5py.ref_dtype)
    with pytest.raises(ValueError, match="opaque"):
        format_value(np.zeros(1, "V4"), np.dtype("V4"))
    with pytest.raises(ValueError, match="variable-length"):
        format_value(None, h5py.vlen_dtype(np.dtype("i4")))

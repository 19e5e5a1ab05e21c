"""One integer-list parser for the CLI's options and the GUI's fields (issue 12 defect 22)."""

import pytest

from h5gui.core.errors import BadRequestError
from h5gui.core.parsing import parse_ints, parse_shape
from h5gui.core.text import shape_text


@pytest.mark.parametrize(("text", "value"), [
    ("1,2,3", (1, 2, 3)), ("1, 2, 3", (1, 2, 3)), ("(1, 2)", (1, 2)), ("[4,5]", (4, 5)), ("(5,)", (5,)),
    ("7", (7,)), ("-1, 28", (-1, 28)), ("2x3", (2, 3)), ("60,000 x 28 x 28", (60000, 28, 28)),
    ("60_000, 28", (60000, 28)), ("", ()), ("  ", ()),
])
def test_integer_lists(text, value):
    assert parse_ints(text) == value


@pytest.mark.parametrize("text", ["1 2", "1,,2", "a,b", "1.5, 2", "1, 2 3", "x"])
def test_what_cannot_be_read_is_refused_not_guessed(text):
    with pytest.raises(BadRequestError, match="--index must be integers separated by commas"):
        parse_ints(text, "--index")


def test_every_shape_h5gui_writes_reads_back():
    for shape in [(2000, 512, 512), (60000, 28, 28, 1), (10**6, 10**6), (3,)]:
        assert parse_ints(shape_text(shape)) == shape


def test_shapes():
    assert parse_shape("") is None and parse_shape("scalar") == () and parse_shape("()") == ()
    assert parse_shape("2, 3") == (2, 3)
    with pytest.raises(BadRequestError, match="no negative sizes"):
        parse_shape("2, -3")

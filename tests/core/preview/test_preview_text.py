"""The text view: scalars and elements whole (JSON pretty-printed), arrays as their first elements."""

from __future__ import annotations

import json

from h5gui.core.preview import read_text


def test_text(h5):
    assert read_text(h5, "/scalar") == "2.5"
    assert json.loads(read_text(h5, "/json"))["layers"] == [1, 2, 3]
    assert read_text(h5, "/strings") == "alpha\ngämma\nδ"
    assert read_text(h5, "/strings", index=(1,)) == "gämma"
    assert read_text(h5, "/compound", index=(3,)) == "t: 1.5\nv: 9.0\nlabel: row3\nn: 3"
    assert read_text(h5, "/cube").splitlines()[0] == "0\t1\t2\t3\t4"
    text = read_text(h5, "/huge_fill", max_chars=1000)
    assert len(text) < 1100 and "characters in all" in text
    assert read_text(h5, "/enc_void") .startswith("PNG image (")
    assert read_text(h5, "/empty") == "(empty dataset: no dataspace)"


"""Copies of attributes that must come back exactly. An attribute whose name is not UTF-8 (a damaged name, or written by a tool that does not encode):
listed with its name escaped and its value, not editable by name; Copy all and Paste carry it exactly.
Was: a bytes name in the attribute list, and 'Unexpected error: 'bytes' object has no attribute
'encode'' when the attributes were copied (found by fuzzing)."""

from __future__ import annotations

import h5py
import numpy as np
from corpus import add_non_utf8_attr

from h5gui.core.attrs import get_attr_values, list_attrs, put_attr_values


def test_a_name_that_is_not_utf8_is_shown_escaped_and_copied_exactly(tmp_path):
    p = tmp_path / "names.h5"
    with h5py.File(p, "w") as f:
        g = f.create_group("g")
        add_non_utf8_attr(g)
        g.attrs["ok"] = 1
        f.create_group("other")
    shown = {a.name: a for a in list_attrs(str(p), "/g")}
    assert set(shown) == {"bad\\xff", "ok"}
    bad = shown["bad\\xff"]
    assert bad.value == "5" and not bad.editable and "not valid UTF-8" in bad.reason
    values = get_attr_values(str(p), "/g")  # Copy with nothing selected: all of them
    put_attr_values(str(p), "/other", values)
    with h5py.File(p, "r") as f:
        assert h5py.h5a.exists(f["other"].id, b"bad\xff") and f["other"].attrs[b"bad\xff"] == 5


def test_references_are_not_written_back_into_a_rewritten_file(tmp_path):
    """A copy of a reference attribute holds addresses in the file as it was; after Compact rewrote the
    file under the same name they point at other bytes (found in review). Refused in one line; before
    the rewrite the same copy goes back exactly."""
    import pytest

    from h5gui.core.errors import BadRequestError
    from h5gui.core.progress import run
    from h5gui.core.structure.newfiles import compact

    p = tmp_path / "refs.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("junk", data=np.zeros(1000))
        d = f.create_dataset("d", data=np.arange(3))
        f.create_group("g").attrs["target"] = d.ref
        f.create_group("other")
    values = get_attr_values(str(p), "/g")
    put_attr_values(str(p), "/other", values)
    with h5py.File(p, "a") as f:
        assert f[f["other"].attrs["target"]].name == "/d"
        del f["junk"]
    run(compact(str(p)))
    with pytest.raises(BadRequestError, match="rewritten since"):
        put_attr_values(str(p), "/other", values)
